"""Every differentiable row's backward rule under create_graph=True against PyTorch 2.13 (issue 23): the first
derivative's requires_grad and grad_fn (the rows say which of PyTorch's backward nodes they are:
ThresholdBackwardBackward0, EluBackwardBackward0 ...) and its values, and the second derivatives' values — None where
PyTorch's is None, zeros where the graph is connected but the derivative zero. Recorded by tests/fidelity_cases.py
into tests/fidelity.json (HIGHER_CALLS: the table's elementwise, activation, arithmetic and reduction calls)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from diffcheck import engine, ops
from fidelity_cases import HIGHER_CALLS, WEIGHTED, arguments, call, higher_order  # tests/ is on sys.path under pytest

RECORDED = json.loads((Path(__file__).resolve().parent / "fidelity.json").read_text(encoding="utf-8"))["higher_order"]

# Where the first derivative's node is another than PyTorch's, and why (the values agree):
OTHER_NODE = {
    "softmax": "MulBackward0",  # PyTorch: SoftmaxBackwardDataBackward0, a row for _softmax_backward_data to come
    "log_softmax": "SubBackward0",  # PyTorch: LogSoftmaxBackwardDataBackward0, likewise
    "exp2": "MulBackward0",  # PyTorch's rule multiplies by the Scalar M_LN2: MulBackward1, a row we have not
    # the losses' backward rules compose rows; PyTorch's are backward functions of their own (MseLossBackwardBackward0
    # ..., rows for mse_loss_backward & co. to come): one node per input where they differ
    "mse_loss": "MulBackward0",
    "smooth_l1_loss": ("WhereBackward0", "NegBackward0"),
    "huber_loss": ("WhereBackward0", "NegBackward0"),
    "binary_cross_entropy": "DivBackward0",  # PyTorch: BinaryCrossEntropyBackwardBackward0, DivBackward1
    "binary_cross_entropy_with_logits": "DivBackward0",  # PyTorch: DivBackward1 (a Scalar divisor)
    "cross_entropy": "SubBackward0",  # PyTorch: LogSoftmaxBackwardDataBackward0, as log_softmax
    "cross_entropy_smoothed": "SubBackward0",
    "cross_entropy_probabilities": ("SubBackward0", "MulBackward0"),
}
# nll_loss's gradient is constant in its input: diffcheck's has no graph, PyTorch's is NllLossBackwardBackward0 with
# zero second derivatives
CONSTANT_FIRST = {"nll_loss": "NllLossBackwardBackward0"}
# PyTorch has no derivative of hardsigmoid's backward (its first derivative's grad_fn is NotImplemented, and a
# second derivative raises); diffcheck's first derivative is a constant there (no graph): both say "no second".
NO_SECOND = {"hardsigmoid"}
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
    for i, (mine, recorded) in enumerate(zip(ours["first"], theirs["first"])):
        assert (mine is None) == (recorded is None)
        if mine is None:
            continue
        if label in NO_SECOND:
            assert recorded["grad_fn"] == "torch::autograd::NotImplemented" and not mine["requires_grad"]
        elif label in CONSTANT_FIRST:
            assert (mine["grad_fn"], recorded["grad_fn"]) == (None, CONSTANT_FIRST[label]) and not mine["requires_grad"]
        else:
            expected = OTHER_NODE.get(label, recorded["grad_fn"])
            expected = expected[i] if isinstance(expected, tuple) else expected
            assert (mine["requires_grad"], mine["grad_fn"]) == (recorded["requires_grad"], expected)
        assert _close(mine["value"], recorded["value"], FIRST_RTOL.get(label, 1e-15), 0.0), (mine, recorded)


@pytest.mark.parametrize("label", sorted(HIGHER_CALLS))
def test_second_derivatives_are_pytorchs(label):
    ours, theirs = _ours(label), RECORDED[label]
    for mine, recorded in zip(ours["second"], theirs["second"]):
        if label in NO_SECOND:
            assert mine is None and recorded.startswith("!! derivative for aten::hardsigmoid_backward")
            continue
        if label in CONSTANT_FIRST:
            assert mine is None and all(v == 0.0 for values in recorded for v in values)
            continue
        assert (mine is None) == (recorded is None)
        for m, r in zip(mine or (), recorded or ()):
            assert _close(m, r, ULPS_SECOND, 1e-13), (m, r)


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
