"""Issue 23's special values as properties over any float64 operands (hypothesis), each stated as PyTorch 2.13 does
it (tests/fidelity.json pins the examples): maximum and minimum are std::max/min with nan propagated, and their
gradients split a tie, go to both at nan, else to the side chosen; abs' gradient is sign(x), 0 at nan."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from diffcheck import engine

FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, math.nan]))


def _both(op, a: float, b: float):
    x = engine.tensor(a, dtype=engine.float64, requires_grad=True)
    y = engine.tensor(b, dtype=engine.float64, requires_grad=True)
    out = getattr(engine, op)(x, y)
    out.backward()
    return out.item(), x.grad.item(), y.grad.item()


@given(FLOATS, FLOATS)
def test_maximum_and_minimum_are_pytorchs(a, b):
    for op, first_wins in (("maximum", lambda: not a < b), ("minimum", lambda: not b < a)):
        value, ga, gb = _both(op, a, b)
        if math.isnan(a) or math.isnan(b):
            assert math.isnan(value) and (ga, gb) == (1.0, 1.0)
        elif a == b:
            assert (ga, gb) == (0.5, 0.5) and math.copysign(1, value) == math.copysign(1, a)  # the first's sign
        else:
            assert value == (a if first_wins() else b) and (ga, gb) == ((1.0, 0.0) if first_wins() else (0.0, 1.0))


@given(FLOATS)
def test_abs_gradient_is_sign_and_zero_at_nan(a):
    x = engine.tensor(a, dtype=engine.float64, requires_grad=True)
    engine.abs(x).backward()
    assert x.grad.item() == (0.0 if math.isnan(a) or a == 0 else float(np.sign(a)))
