"""Nodes of any shape of call (a list of tensors in, several out, views) and version counting, on rows declared here
and removed afterwards. Expected values, names, next_functions and texts recorded from PyTorch 2.13 (torch.stack,
torch.max(x, dim), Tensor.split, Tensor.reshape)."""

import numpy as np
import pytest

import diffcheck as torch
from diffcheck import engine
from diffcheck.engine import SECOND_BACKWARD
from diffcheck.ops import OPS, Op


def _stack_vjp(F, g, out, xs, dim=0):
    """One slice of g per input: the others masked to 0, summed away along dim, shaped as the input."""
    ndim = np.ndim(_data(out))
    kept = tuple(1 if a == dim else n for a, n in enumerate(np.shape(_data(out))))
    picks = [(np.arange(len(xs)) == i).reshape([-1 if a == dim else 1 for a in range(ndim)]) for i in range(len(xs))]
    return tuple(F.reshape(F.sum_to(F.where(pick, g, 0.0), kept), np.shape(_data(x))) for pick, x in zip(picks, xs))


def _data(t):
    """A rule's operand as an array: under create_graph the rule gets tensors."""
    return t.data if isinstance(t, engine.Tensor) else t


def _max_vjp(F, grads, outs, x, dim):
    g, indices = grads[0], _data(outs[1])
    shape = np.shape(_data(x))
    chosen = np.arange(shape[dim]).reshape([-1 if a == dim else 1 for a in range(len(shape))]) == np.expand_dims(
        indices, dim
    )
    return (F.where(chosen, F.expand(F.unsqueeze(g, dim, False, shape), shape), 0.0),)


def _halves_vjp(F, grads, outs, x):
    """Each half's gradient put back in place by a selection matrix: no concatenation op is needed."""
    n = np.shape(_data(x))[0]
    total = None
    for half, g in enumerate(grads):
        if g is not None:
            place = np.eye(n)[:, half * n // 2 : (half + 1) * n // 2].astype(np.result_type(_data(x)))
            term = F.matmul(place, g)
            total = term if total is None else total + term
    return (total,)


ROWS = [
    Op(
        name="test_stack",
        grad_fn="StackBackward0",
        variadic=True,
        params=("dim",),
        saves=False,
        elementwise=False,
        forward=lambda xs, dim=0: np.stack(xs, axis=dim),
        vjp=_stack_vjp,
        sym=None,
        derivative="",
    ),
    Op(
        name="test_max_dim",
        grad_fn="MaxBackward0",
        params=("dim",),
        outputs=2,
        output_differentiability=(True, False),
        elementwise=False,
        forward=lambda x, dim: (np.max(x, axis=dim), np.argmax(x, axis=dim)),
        vjp=_max_vjp,
        sym=None,
        derivative="",
    ),
    Op(
        name="test_halves",
        grad_fn="SplitBackward0",
        params=("dim",),  # the layout of the table's split row, SplitBackward0 too
        outputs=2,
        saves=False,
        elementwise=False,
        forward=lambda x, dim=0: (x[: len(x) // 2], x[len(x) // 2 :]),
        vjp=lambda F, grads, outs, x, dim=0: _halves_vjp(F, grads, outs, x),
        sym=None,
        derivative="",
    ),
    Op(
        name="test_view",
        grad_fn="ViewBackward0",
        params=("shape",),
        view=True,
        saves=False,
        elementwise=False,
        forward=lambda x, shape: np.reshape(x, shape),
        vjp=lambda F, g, out, x, shape: (F.reshape(g, np.shape(x)),),
        sym=None,
        derivative="",
    ),
]


@pytest.fixture(autouse=True)
def rows():
    OPS.update({op.name: op for op in ROWS})
    yield
    for op in ROWS:
        del OPS[op.name]


def stack(tensors, dim=0):
    return engine.apply(OPS["test_stack"], (tensors,), {"dim": dim})


def max_dim(x, dim):
    return engine.apply(OPS["test_max_dim"], (x,), {"dim": dim})


def halves(x):
    return engine.apply(OPS["test_halves"], (x,), {"dim": 0})


def view(x, *shape):
    return engine.apply(OPS["test_view"], (x,), {"shape": shape})


def listed(t):
    return [(None if f is None else f.name(), i) for f, i in t.grad_fn.next_functions]


def values(t):
    return t.data.tolist()


# ---- a list of tensors in -----------------------------------------------------------------------------------------
def test_a_variadic_node_lists_every_tensor_and_sends_each_its_slice():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0])
    c = a * 2
    s = stack([a, b, c, a])
    assert repr(s) == (
        "tensor([[1., 2.],\n        [3., 4.],\n        [2., 4.],\n        [1., 2.]], grad_fn=<StackBackward0>)"
    )
    assert listed(s) == [("AccumulateGrad", 0), (None, 0), ("MulBackward0", 0), ("AccumulateGrad", 0)]
    assert s.grad_fn.next_functions[0][0].variable is a
    (s * torch.tensor(np.arange(8.0).reshape(4, 2))).sum().backward()
    assert values(a.grad) == [14.0, 18.0]  # 0 + 2*4 + 6, 1 + 2*5 + 7: a twice, and through c
    assert b.grad is None


def test_a_variadic_diamond_accumulates_and_saves_nothing():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    s = stack([x, x * x])
    (s.sum() * 1).backward(retain_graph=True)
    assert values(x.grad) == [3.0, 5.0]
    s.sum().backward()  # StackBackward0 saves nothing, MulBackward0 kept its inputs (retain_graph)
    assert values(x.grad) == [6.0, 10.0]


def test_second_order_through_a_variadic_node():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (g,) = torch.autograd.grad(stack([x * x, x.exp()]).sum(), x, create_graph=True)
    assert repr(g) == "tensor([ 4.7183, 11.3891], grad_fn=<AddBackward0>)"
    (h,) = torch.autograd.grad(g.sum(), x)
    assert repr(h) == "tensor([4.7183, 9.3891])"


# ---- several tensors out --------------------------------------------------------------------------------------------
def test_values_and_indices():
    x = torch.tensor([[1.0, 5.0], [4.0, 2.0]], requires_grad=True)
    v, i = max_dim(x, 1)
    assert (repr(v), repr(i)) == ("tensor([5., 4.], grad_fn=<MaxBackward0>)", "tensor([1, 0])")
    assert v.grad_fn.name() == "MaxBackward0" and listed(v) == [("AccumulateGrad", 0)]
    assert (i.requires_grad, i.grad_fn, i.is_leaf) == (False, None, True)
    assert listed(v + i) == [("MaxBackward0", 0), (None, 0)]
    assert (v._version, i._version) == (0, 0)
    y = v * 3
    y.sum().backward(retain_graph=True)
    assert values(x.grad) == [[0.0, 3.0], [3.0, 0.0]]
    y.sum().backward()
    assert values(x.grad) == [[0.0, 6.0], [6.0, 0.0]]
    with pytest.raises(RuntimeError) as caught:  # MaxBackward0 saved the indices
        y.sum().backward()
    assert str(caught.value) == SECOND_BACKWARD


def test_both_outputs_used_one_used_and_retained():
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    p, q = halves(x)
    e = q.exp()
    z = p * e
    assert p.grad_fn is q.grad_fn and p.grad_fn.name() == "SplitBackward0"
    assert listed(z) == [("SplitBackward0", 0), ("ExpBackward0", 0)]
    assert listed(e) == [("SplitBackward0", 1)]
    assert listed(p) == [("AccumulateGrad", 0)]
    z.sum().backward()
    assert repr(x.grad) == "tensor([ 20.0855,  54.5981,  20.0855, 109.1963])"
    x.grad = None
    (halves(x)[0] * 1).sum().backward()
    assert values(x.grad) == [1.0, 1.0, 0.0, 0.0]
    x.grad = None
    p, q = halves(x)
    q.retain_grad()
    (p * q).sum().backward()
    assert values(q.grad) == [1.0, 2.0]
    assert values(x.grad) == [3.0, 4.0, 1.0, 2.0]


def test_second_order_through_a_multi_output_node():
    x = torch.tensor([[1.0, 5.0], [4.0, 2.0]], requires_grad=True)
    v, _ = max_dim(x * x, 1)
    (g,) = torch.autograd.grad(v.sum(), x, create_graph=True)
    assert values(g) == [[0.0, 10.0], [8.0, 0.0]] and g.requires_grad
    (h,) = torch.autograd.grad(g.sum(), x)
    assert values(h) == [[0.0, 2.0], [2.0, 0.0]]


# ---- views ----------------------------------------------------------------------------------------------------------
def test_a_view_shares_its_base_and_version_counter():
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = view(x, 2, 2)
    assert repr(v) == "tensor([[1., 2.],\n        [3., 4.]], grad_fn=<ViewBackward0>)"
    assert v._base is x and x._base is None and listed(v) == [("AccumulateGrad", 0)]
    assert listed(v * v) == [("ViewBackward0", 0), ("ViewBackward0", 0)]
    a = x * 1
    v = view(a, 2, 2)
    assert v._base is a and view(v, 4)._base is a and listed(v) == [("MulBackward0", 0)] and not v.is_leaf
    n = torch.tensor([1.0, 2.0])
    nv = view(n, 2, 1)
    assert (nv._base is n, nv.grad_fn, nv.requires_grad, nv.is_leaf) == (True, None, False, True)
    assert (nv._version, n._version) == (0, 0)
    nv.zero_()
    assert (nv._version, n._version) == (1, 1)
    n.zero_()
    assert (nv._version, n._version) == (2, 2)
    (view(x, 2, 2) * torch.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert values(x.grad) == [1.0, 2.0, 3.0, 4.0]


# ---- version counting -----------------------------------------------------------------------------------------------
HINT = (
    " Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
    "torch.autograd.set_detect_anomaly(True, check_nan=False)."
)


def modified(text: str) -> str:
    return "one of the variables needed for gradient computation has been modified by an inplace operation: " + text


def raises(root, text: str) -> None:
    with pytest.raises(RuntimeError) as caught:
        root.backward()
    assert str(caught.value) == modified(text) + HINT


@pytest.mark.parametrize("dtype, name", [(torch.float32, "FloatTensor"), (torch.float64, "DoubleTensor")])
def test_a_saved_output_changed_in_place(dtype, name):
    x = torch.tensor([1.0, 2.0, 3.0], dtype=dtype, requires_grad=True)
    y = x.exp()
    with torch.no_grad():
        y.zero_()
    assert y._version == 1
    raises(y.sum(), f"[torch.{name} [3]], which is output 0 of Exp, is at version 1; expected version 0 instead.")


def test_saved_inputs_changed_in_place():
    w = torch.tensor([1.0, 2.0, 3.0])
    y = torch.tensor([1.0, 2.0, 3.0], requires_grad=True) * w
    w.zero_()
    raises(y.sum(), "[torch.FloatTensor [3]] is at version 1; expected version 0 instead.")
    w = torch.tensor(2.0, dtype=torch.float64)
    y = torch.tensor(1.0, dtype=torch.float64, requires_grad=True) * w
    w.zero_()
    raises(y, "[torch.DoubleTensor []] is at version 1; expected version 0 instead.")
    w = torch.ones(2, 3)
    y = torch.ones(2, 3, requires_grad=True) * w
    w.zero_()
    w.zero_()
    raises(y.sum(), "[torch.FloatTensor [2, 3]] is at version 2; expected version 0 instead.")
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    b = a.sin()
    with torch.no_grad():
        a.zero_()
    raises(b.sum(), "[torch.FloatTensor [2]], which is output 0 of Mul, is at version 1; expected version 0 instead.")


def test_the_version_noted_when_saved_is_the_one_expected():
    w = torch.tensor([1.0, 2.0])
    w.zero_()
    w.zero_()
    y = torch.tensor([1.0, 2.0], requires_grad=True) * w
    y.sum().backward(retain_graph=True)  # unchanged since saved: no error at version 2
    w.zero_()
    assert w._version == 3
    raises(y.sum(), "[torch.FloatTensor [2]] is at version 3; expected version 2 instead.")


def test_through_views_and_several_outputs():
    w = torch.tensor([1.0, 2.0, 3.0, 4.0])
    y = torch.ones(2, 2, requires_grad=True) * view(w, 2, 2)
    w.zero_()  # the base: its view, saved by the mul, shares its count
    raises(y.sum(), "[torch.FloatTensor [2, 2]] is at version 1; expected version 0 instead.")
    x = torch.tensor([[1.0, 5.0], [4.0, 2.0]], requires_grad=True)
    v, i = max_dim(x, 1)
    i.zero_()  # saved by MaxBackward0; an output without a grad_fn
    raises(v.sum(), "[torch.LongTensor [2]] is at version 1; expected version 0 instead.")
