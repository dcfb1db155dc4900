"""The engine's custom autograd Functions (`engine.custom.apply`): a forward callback under no_grad, one `FBackward`
node whose backward calls the user's backward back, and PyTorch's checks of what comes back. Expected texts and values
recorded from torch 2.13 (the same programs as torch scripts)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from diffcheck import engine
from diffcheck.engine import custom


def square(ctx, x):
    ctx.save_for_backward(x)
    return x * x


def square_backward(ctx, grads):
    (x,) = ctx.saved_tensors
    return (grads[0] * 2 * x,)


def test_forward_runs_under_no_grad_and_the_node_is_pythons_function_node():
    modes = []

    def forward(ctx, x):
        modes.append(engine.is_grad_enabled())
        return square(ctx, x)

    def backward(ctx, grads):
        modes.append(engine.is_grad_enabled())
        return square_backward(ctx, grads)

    x = engine.tensor([1.0, 2.0], requires_grad=True)
    y = custom.apply("Square", forward, backward, (x,))
    assert repr(y) == "tensor([1., 4.], grad_fn=<SquareBackward>)"
    assert re.fullmatch(r"<torch\.autograd\.function\.SquareBackward object at 0x[0-9a-f]+>", repr(y.grad_fn))
    assert y.grad_fn.name() == "SquareBackward" and [f.name() for f, _ in y.grad_fn.next_functions] == [
        "AccumulateGrad"
    ]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0] and modes == [False, False]


def test_a_saved_tensor_changed_in_place_and_a_second_backward_are_pytorchs_errors():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = custom.apply("S", square, square_backward, (y,))
    y.add_(1)
    with pytest.raises(RuntimeError) as raised:
        z.sum().backward()
    assert str(raised.value).startswith(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        "[torch.FloatTensor [2]], which is output 0 of Add, is at version 1; expected version 0 instead. Hint:"
    )
    w = custom.apply("S", square, square_backward, (x,)).sum()
    w.backward()
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        w.backward()


@pytest.mark.parametrize(
    "answer, args, message",
    [
        (lambda g: (g, g), 1, "function FBackward returned an incorrect number of gradients (expected 1, got 2)"),
        (lambda g: 3.0, 1, "expected Variable or None (got float)"),
        (
            lambda g: engine.ones(3),
            1,
            "Function FBackward returned an invalid gradient at index 0 - got [3] but expected shape compatible with [2]",
        ),
        (
            lambda g: (g, g),
            2,
            "function FBackward returned a gradient different than None at position 2, but the corresponding forward "
            "input was not a Variable",
        ),
    ],
)
def test_what_backward_returns_is_checked_as_pytorch_checks_it(answer, args, message):
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    y = custom.apply("F", lambda ctx, x, *k: x * 2, lambda ctx, grads: answer(grads[0]), (x, 2.0)[:args])
    with pytest.raises(RuntimeError) as raised:
        y.sum().backward()
    assert str(raised.value) == message


def test_gradients_are_summed_to_their_input_and_cast_to_its_dtype():
    w = engine.tensor([[1.0, 2.0]], requires_grad=True)
    wide = lambda ctx, grads: (engine.ones(3, 2) * 1.5,)  # noqa: E731
    custom.apply("B", lambda ctx, x: x * 2, wide, (w,)).sum().backward()
    assert w.grad.tolist() == [[4.5, 4.5]]
    v = engine.tensor([1.0], requires_grad=True)
    doubled = lambda ctx, grads: (grads[0] * engine.tensor(3.0, dtype=engine.float64),)  # noqa: E731
    custom.apply("D", lambda ctx, x: x * 2, doubled, (v,)).sum().backward()
    assert v.grad.tolist() == [3.0] and v.grad.dtype == engine.float32


def test_several_outputs_an_unused_one_gets_zeros_and_none_leaves_no_gradient():
    seen = []

    def backward(ctx, grads):
        seen.extend(g.tolist() for g in grads)
        return grads[0], None

    a, b = engine.tensor(1.0, requires_grad=True), engine.tensor(2.0, requires_grad=True)
    s, p = custom.apply("Two", lambda ctx, a, b: (a + b, a * b), backward, (a, b))
    assert repr(s) == "tensor(3., grad_fn=<TwoBackward>)" and repr(p) == "tensor(2., grad_fn=<TwoBackward>)"
    s.backward()
    assert seen == [1.0, 0.0] and a.grad.tolist() == 1.0 and b.grad is None
    assert np.shape(s.data) == ()


def test_no_node_without_grad_mode_or_an_input_that_requires_grad():
    x = engine.tensor(2.0)
    assert custom.apply("S", square, square_backward, (x,)).grad_fn is None
    with engine.no_grad():
        y = custom.apply("S", square, square_backward, (engine.tensor(2.0, requires_grad=True),))
    assert y.grad_fn is None and not y.requires_grad
