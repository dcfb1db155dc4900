"""Every differentiable row's backward rule under create_graph=True against PyTorch 2.13 (issue 23): the first
derivative's requires_grad and grad_fn (the rows say which of PyTorch's backward nodes they are:
ThresholdBackwardBackward0, EluBackwardBackward0 ...) and its values, and the second derivatives' values — None where
PyTorch's is None, zeros where the graph is connected but the derivative zero. Recorded by tests/fidelity_cases.py
into tests/fidelity.json (HIGHER_CALLS: the table's calls, the losses and normalisers in every variant; MIXED: random
programs of a float32 vector and float64 0-d tensors)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from diffcheck import engine, ops
from fidelity_cases import (
    HIGHER_CALLS,
    WEIGHTED,
    arguments,
    call,
    higher_order,
    second_order,
)  # tests/ is on sys.path under pytest

DATA = json.loads((Path(__file__).resolve().parent / "fidelity.json").read_text(encoding="utf-8"))
RECORDED, MIXED = DATA["higher_order"], DATA["second_order_mixed"]

ULPS_SECOND = 1e-9  # second derivatives: PyTorch's double-backward formulas round in another order (silu, mish)
# first derivatives agree to the last bit but where a float64 transcendental (NumPy's against PyTorch's vectorised
# kernel, an ulp apart) meets cancellation: gelu's tanh form adds 0.5 (1 + tanh) and a term of the opposite sign
FIRST_RTOL = {"gelu_tanh": 1e-12}


def _ours(label: str) -> dict:
    return higher_order(engine, engine, *HIGHER_CALLS[label], weighted=label in WEIGHTED)


def _array(values) -> np.ndarray:
    return np.array([float(v) for v in values])


def _close(ours, theirs, rtol: float, atol: float) -> bool:
    if ours is None or theirs is None:
        return ours is theirs
    a, b = _array(ours), _array(theirs)
    if a.shape != b.shape or not np.array_equal(np.isnan(a), np.isnan(b)):
        return False
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


@pytest.mark.parametrize("label", sorted(HIGHER_CALLS))
def test_first_derivative_keeps_pytorchs_graph(label):
    ours, theirs = _ours(label), RECORDED[label]
    for mine, recorded in zip(ours["first"], theirs["first"]):
        assert (mine is None) == (recorded is None)
        if mine is None:
            continue
        assert (mine["requires_grad"], mine["grad_fn"]) == (recorded["requires_grad"], recorded["grad_fn"])
        assert _close(mine["value"], recorded["value"], FIRST_RTOL.get(label, 1e-15), 0.0), (mine, recorded)


@pytest.mark.parametrize("label", sorted(HIGHER_CALLS))
def test_second_derivatives_are_pytorchs(label):
    ours, theirs = _ours(label), RECORDED[label]
    for mine, recorded in zip(ours["second"], theirs["second"]):
        if isinstance(recorded, str):  # PyTorch has no second derivative (hardsigmoid's NotImplemented node)
            assert mine == recorded
            continue
        assert (mine is None) == (recorded is None)
        for m, r in zip(mine or (), recorded or ()):
            assert _close(m, r, ULPS_SECOND, 1e-13), (m, r)


# The losses' backward functions and their double backwards are plain arithmetic: PyTorch's values to the last bit
EXACT = sorted(
    label
    for label in HIGHER_CALLS
    if label.startswith(("mse_loss", "l1_loss", "smooth_l1", "huber", "binary_cross", "nll_loss"))
)


@pytest.mark.parametrize("label", EXACT)
def test_losses_derivatives_are_pytorchs_to_the_last_bit(label):
    ours, theirs = _ours(label), RECORDED[label]
    values = [[None if f is None else f["value"] for f in answer["first"]] for answer in (ours, theirs)]
    assert repr(values[0]) == repr(values[1])  # the zeros' signs too
    assert repr(ours["second"]) == repr(theirs["second"])


@pytest.mark.parametrize("text", sorted(MIXED))
def test_mixed_dtype_second_derivatives_are_pytorchs_to_the_last_bit(text):
    """A float32 vector with float64 0-d tensors: each op computes in float32, each gradient is cast to its input's
    dtype (ToCopyBackward0), the gradients of an op are made in PyTorch's order (`other` before `self`) and div's
    rule divides a new self / other: the second derivatives add the same contributions in the same order."""
    assert repr(second_order(engine, text)) == repr(MIXED[text])


def _rows_reached(node, seen: set) -> None:
    """The rows of a forward graph's nodes (not through leaves)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n is None or not hasattr(n, "op") or id(n) in seen:
            continue
        seen.add(id(n))
        _rows_reached.names.add(n.op.name)
        stack.extend(e for e in n._inputs()[0] if e is not None and not isinstance(e, engine.Tensor))


_rows_reached.names = set()


def test_every_differentiable_row_is_recorded():
    """A row users call is in HIGHER_CALLS (re-record with tests/fidelity_cases.py when a row is added)."""
    for spelling, args, *params in HIGHER_CALLS.values():
        tensors = arguments(engine, args)
        answer = call(engine, engine, spelling, tensors, *params)
        _rows_reached(answer.grad_fn, set())
    rows = {op.name for op in ops.OPS.values() if op.grad_fn and not op.internal and op.via is None}
    assert rows - _rows_reached.names - NOT_DIFFERENTIABLE == set()


# PyTorch refuses their first derivative (floor_divide) or has none (remainder(Scalar, Tensor))
NOT_DIFFERENTIABLE = {"floor_divide", "floor_divide_tensor", "rfloor_divide", "rremainder"}
