"""Autograd hooks on the engine's library API (engine/hooks.py, engine/hooked.py). Expected values, orders and texts
recorded from PyTorch 2.13 (the session tests/sessions/hooks.txt pins the same through `run`); hooks that only
observe leave every gradient bit for bit what the walk without hooks computes."""

import functools
import gc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import diffcheck as torch
from diffcheck import engine
from diffcheck.engine import hooks


@pytest.fixture(autouse=True)
def _no_hooks_left():
    gc.collect()  # earlier tests' dead tensors drop their hooks now, not during the test
    live = hooks.state.live
    yield
    assert hooks.state.live == live  # every test removes what it registered


def test_tensor_hooks_run_in_order_and_replace_the_gradient():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h1 = x.register_hook(lambda g: (seen.append(("first", g.tolist())), g + 1)[1])
    h2 = x.register_hook(lambda g: seen.append(("second", g.tolist())))
    (x * x).sum().backward()
    assert seen == [("first", [2.0, 4.0]), ("second", [3.0, 5.0])]
    assert x.grad.tolist() == [3.0, 5.0]
    h1.remove()
    h1.remove()  # a second remove does nothing
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    h2.remove()


def test_a_non_leaf_hook_runs_before_retain_grad_keeps_the_gradient():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    y = a * 2
    y.retain_grad()
    handle = y.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert (y.grad.tolist(), a.grad.tolist()) == ([10.0, 10.0], [20.0, 20.0])
    handle.remove()


def test_order_of_leaf_node_and_post_accumulate_hooks():
    """A leaf's hooks run as soon as its last consumer has (w before u's node), as PyTorch's AccumulateGrad."""
    w = torch.tensor([3.0], requires_grad=True)
    v = torch.tensor([0.25], requires_grad=True)
    u = v * 2
    z = u.exp() + w
    log = []
    handles = [
        w.register_hook(lambda g: log.append("w")),
        v.register_hook(lambda g: log.append("v")),
        u.register_hook(lambda g: log.append("u")),
        u.grad_fn.register_prehook(lambda go: log.append(("before", len(go)))),
        u.grad_fn.register_hook(lambda gi, go: log.append(("after", [g is None for g in gi]))),
        z.grad_fn.register_hook(lambda gi, go: log.append(z.grad_fn.name())),
        v.register_post_accumulate_grad_hook(lambda p: log.append(("accumulated", p.grad.tolist()))),
    ]
    z.backward(torch.ones(1))
    assert log == [
        "AddBackward0",
        "w",
        "u",
        ("before", 1),
        ("after", [False, True]),  # v * 2: no gradient for the constant, as in PyTorch
        "v",
        ("accumulated", [2.0 * float(np.exp(np.float32(0.5)))]),
    ]
    for handle in handles:
        handle.remove()


def test_autograd_grad_calls_tensor_hooks_not_post_accumulate_ones():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    log = []
    handles = [
        p.register_hook(lambda g: log.append(("p", g.tolist()))),
        p.register_post_accumulate_grad_hook(lambda t: log.append("post")),
    ]
    (g,) = torch.autograd.grad((p * p).sum(), p)
    assert (g.tolist(), log, p.grad) == ([2.0, 4.0], [("p", [2.0, 4.0])], None)
    for handle in handles:
        handle.remove()


def test_hooks_under_create_graph_and_on_outputs_of_split():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 2)
    (g,) = torch.autograd.grad((x**3).sum(), x, create_graph=True)
    assert (g.tolist(), g.grad_fn.name()) == ([6.0, 24.0], "MulBackward0")
    g.sum().backward()
    assert x.grad.tolist() == [24.0, 48.0]
    handle.remove()
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    parts = torch.split(a, 1)
    handles = [parts[0].register_hook(lambda g: None), parts[1].register_hook(lambda g: g * 7)]
    (parts[1] * 5 + parts[0] * 2).sum().backward()
    assert a.grad.tolist() == [2.0, 35.0, 0.0]
    for handle in handles:
        handle.remove()


def test_multi_grad_hook_all_and_any():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    c, d = a * b, a * b
    seen = []
    handle = torch.autograd.graph.register_multi_grad_hook((a, b, c, d), lambda gs: seen.append(gs))
    c.sum().backward(retain_graph=True)
    c.sum().backward(inputs=(a,), retain_graph=True)
    assert [[g is not None for g in gs] for gs in seen] == [[True, True, True, False], [True, False, True, False]]
    handle.remove()
    first = []
    handle = torch.autograd.graph.register_multi_grad_hook((a, b), first.append, mode="any")
    (a * b).sum().backward()
    assert [g.tolist() for g in first] == [[3.0, 4.0]]
    handle.remove()


@pytest.mark.parametrize(
    "register, message",
    [
        (lambda: torch.tensor([1.0]).register_hook(lambda g: g), hooks.NO_GRAD),
        (lambda: torch.tensor([1.0]).register_post_accumulate_grad_hook(lambda t: None), hooks.NO_GRAD),
        (
            lambda: (torch.tensor([1.0], requires_grad=True) * 2).register_post_accumulate_grad_hook(print),
            "post accumulate grad hooks cannot be registered on non-leaf tensors",
        ),
    ],
)
def test_registration_errors(register, message):
    with pytest.raises(RuntimeError) as error:
        register()
    assert str(error.value) == message


def _bad(kind, hook):
    b = torch.tensor([1.0, 2.0], requires_grad=True)
    if kind == "tensor":
        handle = b.register_hook(hook)
        out = b * 2
    else:
        out = b * 2 if kind == "mul" else b.exp()
        handle = getattr(out.grad_fn, "register_prehook" if kind == "pre" else "register_hook")(hook)
    try:
        out.sum().backward()
    finally:
        handle.remove()


def bad(g):
    return g[:1]


@pytest.mark.parametrize(
    "kind, hook, kind_of_error, message",
    [
        ("tensor", bad, RuntimeError, "hook 'bad' has changed the size of value"),
        ("tensor", lambda g: 5, TypeError, "expected Variable, but hook returned 'int'"),
        (
            "tensor",
            lambda g: torch.ones(2, dtype=torch.float64),
            RuntimeError,
            "hook '<lambda>' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor)",
        ),
        # a builtin is named by its __name__; a callable without one (functools.partial, an nn module) '<unknown>'
        ("tensor", sum, RuntimeError, "hook 'sum' has changed the size of value"),
        ("tensor", functools.partial(bad), RuntimeError, "hook '<unknown>' has changed the size of value"),
        ("tensor", list, TypeError, "expected Variable, but hook returned 'list'"),
        (  # the type is checked before the size
            "tensor",
            lambda g: torch.ones(3, dtype=torch.float64),
            RuntimeError,
            "hook '<lambda>' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor)",
        ),
        ("mul", lambda gi, go: (gi[0], gi[0]), RuntimeError, "can't replace a None gradient with a non-None value"),
        ("pre", lambda go: 3, TypeError, "expected tuple, but hook returned 'int'"),
        (
            "exp",
            lambda gi, go: (gi[0], gi[0]),
            RuntimeError,
            "hook '<lambda>' has returned an incorrect number of values (got 2, but expected 1)",
        ),
    ],
)
def test_what_a_hook_may_not_return(kind, hook, kind_of_error, message):
    with pytest.raises(kind_of_error) as error:
        _bad(kind, hook)
    assert str(error.value) == message


def _graph(xs):
    """Shared leaves, broadcasting, a multi-output op, a reduction and a non-leaf used twice."""
    a, b, c = xs
    m = (a * b).sin() + c
    parts = torch.split(m, 1)
    return ((parts[0] * a).exp().sum() + (m * m).mean() + parts[1].sum() * c.sum(), [m, *parts])


_FLOATS = st.floats(-2.0, 2.0, width=32)


@settings(max_examples=40, deadline=None)
@given(st.lists(_FLOATS, min_size=6, max_size=6), st.lists(_FLOATS, min_size=2, max_size=2), _FLOATS)
def test_observing_hooks_change_no_gradient_bit(a, b, c):
    values = [np.array(a, np.float32).reshape(3, 2), np.array(b, np.float32), np.float32(c)]
    plain = [torch.tensor(v, requires_grad=True) for v in values]
    live = hooks.state.live
    hooks.state.live -= live  # the walk without hooks (relative: a finalizer may count meanwhile)
    try:
        _graph(plain)[0].backward()
    finally:
        hooks.state.live += live
    hooked = [torch.tensor(v, requires_grad=True) for v in values]
    out, inner = _graph(hooked)
    seen = {}
    handles = [t.register_hook(lambda g, i=i: seen.__setitem__(i, g.data.copy())) for i, t in enumerate(hooked)]
    handles += [t.register_hook(lambda g: None) for t in inner]
    out.backward()
    for handle in handles:
        handle.remove()
    for i, (p, h) in enumerate(zip(plain, hooked)):
        assert p.grad.data.tobytes() == h.grad.data.tobytes() == seen[i].tobytes()
    assert engine.is_grad_enabled()


def test_hooks_of_a_dead_tensor_stop_counting():
    """A snippet that never removes its hooks does not leave the slower hooked walk to everything after it."""
    live = hooks.state.live
    x = torch.tensor([1.0], requires_grad=True)
    handle = x.register_hook(lambda g: None)
    y = x * 2
    y.grad_fn.register_prehook(lambda go: None)
    assert hooks.state.live == live + 2
    del x, y
    gc.collect()
    assert hooks.state.live == live
    handle.remove()  # the tensor is gone: nothing to remove
    assert hooks.state.live == live
