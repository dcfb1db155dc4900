"""The engine at scale and on its fast paths: deep chains, memory released as PyTorch releases it, the arithmetic
shortcuts bit for bit against the table's ufuncs, gradients summed in PyTorch's order. No timing here: speed is
benchmarks/run.py's business."""

import gc
import heapq
import itertools
import math
import operator
import tracemalloc

import numpy as np
import pytest

import diffcheck as torch
from diffcheck.engine import backward
from diffcheck import engine
from diffcheck.engine import SECOND_BACKWARD

D = torch.float64


def chain(x, depth: int):
    y = x
    for _ in range(depth // 2):
        y = y * 0.9999
        y = y + 0.0001
    return y


def test_a_million_deep_chain_runs_forward_and_backward():
    x = torch.tensor(0.5, dtype=D, requires_grad=True)
    y = chain(x, 1_000_000)
    y.backward()
    assert x.grad.item() == pytest.approx(0.9999**500_000, rel=1e-9)
    del y  # a million nodes free by reference counting, without recursion


def graph_bytes(build, depth: int) -> list[float]:
    """Bytes per op held after forward, after backward (root alive), and with the root dropped."""
    tracemalloc.start()
    try:
        x = torch.tensor(0.5, dtype=D, requires_grad=True)
        gc.collect()
        base = tracemalloc.get_traced_memory()[0]
        y = build(x, depth)
        sizes = [tracemalloc.get_traced_memory()[0] - base]
        y.backward()
        sizes.append(tracemalloc.get_traced_memory()[0] - base)
        del y
        sizes.append(tracemalloc.get_traced_memory()[0] - base)  # no gc.collect(): the graph has no cycles
        return [s / depth for s in sizes]
    finally:
        tracemalloc.stop()


def test_a_deep_chain_costs_under_half_a_kilobyte_per_op_and_frees_without_the_collector():
    forward, backward, dropped = graph_bytes(chain, 50_000)
    # tracemalloc sees the whole process: a few bytes per op of slack for what other threads allocate meanwhile
    assert forward < 512 and backward < forward * 1.05
    assert dropped < forward / 20


def test_backward_releases_saved_arrays_and_keeps_them_with_retain_graph():
    size = 100_000

    def build(x, depth):
        v = torch.tensor(np.linspace(-1, 1, size), dtype=D, requires_grad=True)
        y = v
        for _ in range(depth):
            y = torch.sin(y)  # saves its input: one array per op, until backward frees it
        return (y * x).sum()

    forward, backward, dropped = graph_bytes(build, 20)
    array = size * 8
    assert forward > 0.9 * array  # each sin keeps its input
    assert backward < 0.2 * array  # ... and backward frees every one of them
    assert dropped < 0.2 * array


def test_intermediate_arrays_go_when_no_rule_reads_them():
    """exp keeps its answer, not its input; add and sum keep shapes only, as PyTorch's nodes do."""
    size = 100_000
    tracemalloc.start()
    try:
        x = torch.tensor(np.linspace(-1, 1, size), dtype=D, requires_grad=True)
        base = tracemalloc.get_traced_memory()[0]
        z = (torch.exp(-x) + x).sum()  # -x is read by no rule; exp's answer is; the sum is read by none
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert 0.9 * size * 8 < held < 1.5 * size * 8
    z.backward()
    np.testing.assert_array_equal(x.grad.data, 1 - np.exp(-np.linspace(-1, 1, size)))


@pytest.mark.parametrize(
    "make, survives",
    [
        (lambda x: (x * 2 + 1).sum(), False),
        (lambda x: (x + 1).sum(), True),
        (lambda x: (-x).mean(), True),
        (lambda x: torch.exp(x).sum(), False),
    ],
)
def test_second_backward_on_arrays_fails_only_through_saving_nodes(make, survives):
    x = torch.tensor([0.5, 1.5, -2.0], dtype=D, requires_grad=True)
    y = make(x)
    y.backward()
    first = x.grad.data.copy()
    if survives:
        y.backward()
        np.testing.assert_array_equal(x.grad.data, 2 * first)
    else:
        with pytest.raises(RuntimeError) as error:
            y.backward()
        assert str(error.value) == SECOND_BACKWARD
        np.testing.assert_array_equal(x.grad.data, first)  # nothing accumulated before the failing node


def test_retain_graph_keeps_a_deep_chain_usable():
    x = torch.tensor(0.5, dtype=D, requires_grad=True)
    y = chain(x, 10_000)
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(2 * 0.9999**5_000, rel=1e-12)
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        y.backward()


# ---- the arithmetic shortcuts: Python's operators and float arithmetic against the rows' ufuncs -------------------
VALUES = [0.0, -0.0, 1.5, -2.0, 3.0, math.inf, -math.inf, math.nan, 1e308, 5e-324, 2.0**63]
DTYPES = [torch.float64, torch.float32]
NUMBERS = [0, 1, -3, 2**62, 2**70, 10**400, 0.0, -0.0, 1.5, math.inf, math.nan, 1e308]


def same(a, b) -> bool:
    """Equal type, dtype and bits (so nan = nan and -0.0 != 0.0)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def outcome(function, *args):
    with np.errstate(all="ignore"):
        try:
            result = function(*args)
        except Exception as error:  # noqa: BLE001 - the error is part of what must agree
            return type(error)
    return result


@pytest.mark.parametrize("symbol, name", [("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "div")])
def test_operators_give_the_rows_answers_bit_for_bit(symbol, name):
    """The operators' shortcuts against the row run by `apply` (its ufunc, typed as PyTorch types it)."""
    apply = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}[symbol]
    row = engine.OPS[name]
    tensors = [torch.tensor(v, dtype=d) for v in VALUES for d in DTYPES]
    tensors += [torch.tensor([v, 1.0, -0.0], dtype=d) for v in VALUES for d in DTYPES]
    tensors += [torch.tensor(3), torch.tensor([2, -5]), torch.tensor(True), torch.tensor([True, False])]
    numbers = NUMBERS + [True, False]  # bools and mixed dtypes leave the shortcut: PyTorch's refusals and promotion
    pairs = [(a, b) for a, b in itertools.product(tensors, tensors + numbers)]
    pairs += [(n, t) for n in numbers for t in tensors if symbol in "+*"]  # 2 + x, 2 * x
    for a, b in pairs:
        got = outcome(lambda: apply(a, b).data)
        want = outcome(lambda: engine.apply(row, (a, b) if isinstance(a, torch.Tensor) else (b, a), {}).data)
        if isinstance(want, type) or isinstance(got, type):
            assert got == want, (a, symbol, b)
        else:
            assert same(got, want) and type(got) is type(want), (a, symbol, b, got, want)


def test_operators_record_the_same_nodes_as_the_front_ops():
    x = torch.tensor(1.5, dtype=D, requires_grad=True)
    for via_operator, via_front in [
        (x + 2, torch.add(x, 2)),
        (2 + x, torch.add(2, x)),
        (x - 2, torch.sub(x, 2)),
        (x * x, torch.mul(x, x)),
        (2 * x, torch.mul(2, x)),
        (x / 4, torch.div(x, 4)),
    ]:
        assert type(via_operator.grad_fn) is type(via_front.grad_fn)
        assert same(via_operator.data, via_front.data)
        (gx_operator,) = torch.autograd.grad(via_operator, x)
        (gx_front,) = torch.autograd.grad(via_front, x)
        assert same(gx_operator.data, gx_front.data)


ONE_TENSOR = sorted(op.name for op in engine.OPS.values() if op.arity == 1 and not op.params)


def test_functions_of_one_tensor_take_the_shortcut(monkeypatch):
    assert {"relu", "exp", "sin", "tanh", "sigmoid", "neg", "sum", "mean"} <= set(ONE_TENSOR)
    seen = []
    monkeypatch.setattr(engine.forward, "_apply_tensor", lambda op, args: seen.append(op.name))
    x = torch.tensor([0.5, -1.0], dtype=D, requires_grad=True)
    torch.relu(x), x.exp(), -x, torch.sum(x), torch.clamp(x, 0), torch.maximum(x, x), x.sum(dim=0)
    assert seen == ["relu", "exp", "neg", "sum"]


@pytest.mark.parametrize("name", ONE_TENSOR)
def test_the_one_tensor_shortcut_gives_the_rows_answers_and_nodes_bit_for_bit(name):
    """`_apply_tensor` against `_apply` running the row: values, dtypes, errors, nodes and gradients."""
    row = engine.OPS[name]
    tensors = [torch.tensor(v, dtype=d) for v in VALUES for d in DTYPES]
    tensors += [torch.tensor([v, 1.0, -0.0], dtype=d) for v in VALUES for d in DTYPES]
    tensors += [torch.tensor(3), torch.tensor([2, -5]), torch.tensor(True), torch.tensor([True, False])]
    tensors += [torch.tensor([[1.5, -2.0, 0.0], [3.0, math.nan, -0.0]], dtype=D)]
    for t in tensors:
        leaf = t.dtype.is_floating_point
        for requires_grad, grad_mode in [(False, True), (leaf, True), (leaf, False)]:
            x = torch.tensor(t.data, dtype=t.dtype, requires_grad=requires_grad)
            with engine._GradMode(grad_mode):
                got = outcome(engine._apply_tensor, row, (x,))
                want = outcome(engine._apply, row, (x,), {})
            if isinstance(want, type) or isinstance(got, type):
                assert got == want, (name, x)
                continue
            assert same(got.data, want.data) and type(got.data) is type(want.data), (name, x, got, want)
            assert got.requires_grad == want.requires_grad and type(got.grad_fn) is type(want.grad_fn)
            if got.requires_grad:
                with np.errstate(all="ignore"):
                    (g_got,), (g_want,) = torch.autograd.grad(got.sum(), x), torch.autograd.grad(want.sum(), x)
                assert same(g_got.data, g_want.data), (name, x)


def test_scalar_where_matches_numpy_where():
    for condition, a, b in itertools.product(
        [np.True_, np.False_, True],
        [0.0, np.float64(-0.0), np.float64(math.nan)],
        [np.float64(2.5), 1.0, np.float32(3.0), np.asarray(1.0)],
    ):
        got, want = backward._where(condition, a, b), np.where(condition, a, b)
        assert same(got, want) and np.ndim(got) == 0


# ---- the order gradients are summed in: PyTorch's, newest node first -----------------------------------------------
def test_contributions_are_summed_newest_node_first():
    """x feeds four products; PyTorch runs them newest first and so adds 1e16 and -1e16 before the 1s, exactly."""
    x = torch.tensor(1.0, dtype=D, requires_grad=True)
    parts = [x * 1.0, x * 1.0, x * 1e16, x * -1e16]
    y = parts[0] + parts[1]
    y = y + parts[2]
    y = y + parts[3]
    y.backward()
    assert x.grad.item() == 2.0  # oldest first would give (1 + 1 + 1e16) - 1e16 = 0.0


def newest_first(root, leaves) -> list:
    """The gradients the plain way: every node the root reaches runs in seq order (newest first), its inputs'
    contributions added as they come; what backward's stack and heap must reproduce bit for bit."""
    nodes, todo = {}, [root._node]
    while todo:
        node = todo.pop()
        if id(node) not in nodes:
            nodes[id(node)] = node
            todo += [e for e in node._inputs()[0] if e is not None and type(e) is not torch.Tensor]
    acc = {id(root._node): np.float64(1.0)}
    for node in sorted(nodes.values(), key=lambda n: n.seq):
        edges, datas = node._inputs()
        for e, ga in zip(edges, node.op.vjp(backward._NUMPY_F, acc[id(node)], node.out, *datas)):
            if e is not None and ga is not None:
                acc[id(e)] = acc[id(e)] + ga if id(e) in acc else ga
    return [acc.get(id(leaf)) for leaf in leaves]


@pytest.mark.parametrize("seed", range(6))
def test_the_walk_sums_in_pytorchs_order_on_random_graphs(seed, monkeypatch):
    """Ops on a random pool of earlier results, of magnitudes far apart so that any other order of summing shows
    in the bits; the walk's stack and its heap both take part."""
    rng = np.random.default_rng(seed)
    leaves = [torch.tensor(v, dtype=D, requires_grad=True) for v in rng.choice([1e16, 1.0, -1e16, 3e-8, 0.1], 6)]
    pool = list(leaves)
    for _ in range(400):
        a, b = (pool[i] for i in rng.integers(max(0, len(pool) - 30), len(pool), 2))
        kind = rng.integers(5)
        pool.append(
            a + b
            if kind == 0
            else a - b
            if kind == 1
            else a * 0.5
            if kind == 2
            else torch.relu(a)
            if kind == 3
            else a * b * 1e-16
        )
    root = pool[-1] + pool[-7] + pool[-50]
    want = newest_first(root, leaves)
    pushes = []
    monkeypatch.setattr(backward, "heappush", lambda heap, seq: (pushes.append(seq), heapq.heappush(heap, seq)))
    root.backward()
    assert pushes and len(pushes) < 400
    for leaf, w in zip(leaves, want):
        assert (leaf.grad is None and w is None) or same(leaf.grad.data, w), seed


def test_gradients_shared_by_two_inputs_are_never_written_in_place():
    """add hands the same gradient array to both inputs; accumulating into one must not change the other."""
    v = np.linspace(-1, 1, 1000)
    a = torch.tensor(v, dtype=D, requires_grad=True)
    b = torch.tensor(v, dtype=D, requires_grad=True)
    s = a + b
    z = (s * 3 + s + torch.sin(a) * b).sum()
    z.backward()
    np.testing.assert_allclose(a.grad.data, 4 + np.cos(v) * v, rtol=1e-15)
    np.testing.assert_allclose(b.grad.data, 4 + np.sin(v), rtol=1e-15)
    g = torch.tensor(np.ones(3), dtype=D)
    w = torch.tensor([1.0, 2.0, 3.0], dtype=D, requires_grad=True)
    (w + w).backward(g)
    assert g.data.tolist() == [1.0, 1.0, 1.0] and w.grad.data.tolist() == [2.0, 2.0, 2.0]
    assert w.grad.data is not g.data
