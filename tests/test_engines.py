"""The engine-under-test interface (engines/base.py): diffcheck's adapter, a minimal engine written here, and
PyTorch's and JAX's adapters, all through the same `check` path."""

import numpy as np
import pytest

from diffcheck import engine as diffcheck_engine
from diffcheck import ops
from diffcheck.check import MATCH, MISMATCH, NONE, Case, check
from diffcheck.engines import Capabilities, Engine, Unsupported, default
from diffcheck.engines.base import spelling
from diffcheck.lang.parse import parse_program
from diffcheck.render.graph import build_graph


def _check(source, values, engine=None, **options):
    return check(Case(parse_program(source), values, **options), engine=engine)


def _rows(result):
    return {t.name: (t.status, t.engine) for t in result.tensors}


# ---- diffcheck's own engine through the interface -------------------------------------------------------------------
def test_diffcheck_adapter_makes_leaves_applies_a_row_and_reads_grads():
    e = default()
    x = e.leaf(np.array([1.0, 2.0]), "float64", True)
    y = e.leaf(np.array([3.0, 4.0]), "float64", False)
    z = e.apply(ops.OPS["mul"], (x, y), {})
    assert (e.requires_grad(x), e.is_leaf(x), e.requires_grad(y), e.is_leaf(z)) == (True, True, False, False)
    assert e.value(z).tolist() == [3.0, 8.0] and e.value(z).dtype == np.float64
    assert e.grad_fn_name(z) == "MulBackward0" and e.grad_fn_name(x) is None
    assert e.next_functions(z) == ("AccumulateGrad", None)
    e.backward(z, np.ones(2))
    assert e.grad(x).tolist() == [3.0, 4.0] and e.grad(y) is None and e.grad(z) is None


def test_diffcheck_adapter_grads_are_the_engines_own_bit_for_bit():
    e = default()
    values = [0.3, -1.7, 2.9]
    x = e.leaf(np.array(values), "float64", True)
    t = e.apply(ops.OPS["sin"], (x,), {})
    e.retain_grad(t)
    out = e.apply(ops.OPS["sum"], (e.apply(ops.OPS["mul"], (t, e.apply(ops.OPS["exp"], (x,), {})), {}),), {})
    e.backward(out, None)
    own = diffcheck_engine.tensor(values, dtype=diffcheck_engine.float64, requires_grad=True)
    (own.sin() * own.exp()).sum().backward()
    assert np.array_equal(e.grad(x), own.grad.data)
    assert np.array_equal(e.grad(t), np.exp(values))
    assert e.text(out) == "tensor(4.5659, grad_fn=<SumBackward0>)"


def test_diffcheck_adapter_composes_a_via_row_and_differentiates_twice():
    e = default()
    x = e.leaf(np.array(3.0), "float64", True)
    ratio = e.apply(ops.OPS["rdiv"], (x, 2), {})  # 2 / x is reciprocal(x) * 2, as PyTorch builds it
    assert e.grad_fn_name(ratio) == "MulBackward0" and e.next_functions(ratio) == ("ReciprocalBackward0", None)
    cube = e.apply(ops.OPS["pow"], (x, 3), {})
    (first,) = e.gradients(cube, [x], None, create_graph=True)
    (second,) = e.gradients(first, [x], np.array(1.0), create_graph=False)
    assert (float(e.value(first)), float(e.value(second))) == (27.0, 18.0)


def test_diffcheck_adapter_declares_every_capability_and_row():
    e = default()
    assert e.capabilities == Capabilities(
        dtypes=frozenset({"float32", "float64"}), retain_grad=True, second_order=True, grad_fn=True, next_functions=True
    )
    assert all(e.supports(op) for op in ops.OPS.values())


def test_spelling_asks_the_dispatch_which_call_reaches_a_row():
    assert [spelling(name) for name in ("rsub", "rpow", "pow_tensor", "sum_dim", "mv", "sin")] == [
        ("sub", (1, 0)),
        ("pow", (1, 0)),
        ("pow", (0, 1)),
        ("sum", (0,)),
        ("matmul", (0, 1)),
        ("sin", (0,)),
    ]


# ---- a minimal engine written here: scalars, add and mul ------------------------------------------------------------
class Scalar:
    """micrograd's idea: a value, its inputs with their local derivatives, and `.grad` added into by backward."""

    def __init__(self, data, requires_grad=False, inputs=()):
        self.data, self.wants, self.inputs, self.grad = float(data), requires_grad, inputs, None


class Tiny(Engine):
    name = label = "tiny"
    capabilities = Capabilities(ops=frozenset({"add", "mul"}))

    def __init__(self, mul_rule=lambda a, b: (b, a)):
        self.mul_rule = mul_rule  # (a, b) -> (d/da, d/db)

    def leaf(self, data, dtype, requires_grad):
        return Scalar(data, requires_grad)

    def apply(self, op, args, params):
        a, b = (x if isinstance(x, Scalar) else Scalar(x) for x in args)
        local = (1.0, 1.0) if op.name == "add" else self.mul_rule(a.data, b.data)
        data = a.data + b.data if op.name == "add" else a.data * b.data
        return Scalar(data, a.wants or b.wants, ((a, local[0]), (b, local[1])))

    def value(self, t):
        return np.float64(t.data)

    def requires_grad(self, t):
        return t.wants

    def is_leaf(self, t):
        return not t.inputs or not t.wants

    def backward(self, out, gradient):
        order, seen = [], set()

        def visit(t):  # recursive, as micrograd: the programs here are tiny
            if id(t) not in seen:
                seen.add(id(t))
                for child, _ in t.inputs:
                    visit(child)
                order.append(t)

        visit(out)
        upstream = {id(out): 1.0}
        for t in reversed(order):
            g = upstream.pop(id(t), 0.0)
            if not t.inputs and t.wants:
                t.grad = (t.grad or 0.0) + g
            for child, local in t.inputs:
                if child.wants:
                    upstream[id(child)] = upstream.get(id(child), 0.0) + g * local

    def grad(self, t):
        return None if t.grad is None else np.float64(t.grad)


def test_a_minimal_engine_is_checked_through_the_interface():
    result = _check("z = x * y + x; w = z * z", {"x": 3.0, "y": 4.0}, Tiny(), no_grad=frozenset({"y"}))
    assert _rows(result) == {
        "x": (MATCH, 150.0),
        "y": (NONE, None),
        "z": ("not-retained", None),
        "w": ("not-retained", None),
    }
    assert (result.output.value, result.output.grad_fn, result.output.status) == (225.0, None, MATCH)
    assert not result.failed


def test_a_wrong_rule_in_a_minimal_engine_is_a_mismatch():
    result = _check("x * y", {"x": 3.0, "y": 4.0}, Tiny(mul_rule=lambda a, b: (b, b)))
    assert _rows(result) == {"x": (MATCH, 4.0), "y": (MISMATCH, 4.0), "out": ("not-retained", None)}
    assert result.failed


@pytest.mark.parametrize(
    "source, options, message",
    [
        ("sin(x) * x", {}, "1:1: 'sin' is not supported by engine 'tiny'"),
        ("2 - x", {}, "1:1: 'rsub' is not supported by engine 'tiny'"),
        ("z = x * x; w = z + x", {"retain": frozenset({"z"})}, "retain_grad() is not supported by engine 'tiny'"),
        ("x * x", {"order": 2}, "second derivatives is not supported by engine 'tiny'"),
    ],
)
def test_what_an_engine_lacks_is_reported_as_not_supported(source, options, message):
    with pytest.raises(Unsupported) as raised:
        _check(source, {"x": 2.0}, Tiny(), **options)
    assert str(raised.value) == message and raised.value.engine == "tiny"


# ---- PyTorch and JAX through the same interface ---------------------------------------------------------------------
NAMED = [
    ("2 - x + 2 ** x + 2 / x + x ** 2 + torch.sub(2, x) + torch.div(2, x)", {"x": 0.7}),
    ("sum(sin(x) * W @ x) + sum(x, dim=0) + mean(W, dim=1, keepdim=True)", {"x": [1.0, 2.0], "W": [[1, 2], [3, 4]]}),
    ("z = where(x > 0, x, 0.5) * relu(x) + clamp(softplus(x), min=0.1); w = maximum(z, 1) + x @ x", {"x": [-1.0, 0.5]}),
]


def _torch():
    from diffcheck.engines import torch as adapter

    pytest.importorskip("torch", reason="PyTorch is not installed (run with /tmp/torch/bin/python to see it pass)")
    return adapter.load()


@pytest.mark.parametrize("source, values", NAMED)
def test_torch_adapter_agrees_with_sympy_and_names_the_same_graph(source, values):
    torch_engine = _torch()
    ours, theirs = _check(source, values), _check(source, values, torch_engine)
    assert [(t.name, t.status) for t in theirs.tensors] == [(t.name, t.status) for t in ours.tensors]
    for mine, torch_row in zip(ours.tensors, theirs.tensors):
        np.testing.assert_allclose(
            np.asarray(torch_row.engine, dtype=float), np.asarray(mine.engine, dtype=float), rtol=1e-14
        ) if mine.engine is not None else None
    case = Case(parse_program(source), values)
    assert build_graph(case, torch_engine) == build_graph(case)


def test_torch_adapter_prints_and_differentiates_twice():
    torch_engine = _torch()
    result = _check(
        "z = sin(x) * y; w = z + exp(x)", {"x": 1.0, "y": 2.0}, torch_engine, retain=frozenset({"z"}), order=2
    )
    assert result.output.repr == "tensor(4.4012, dtype=torch.float64, grad_fn=<AddBackward0>)"
    assert {t.name: t.status for t in result.tensors} == {
        "x": MATCH,
        "y": MATCH,
        "z": MATCH,
        "w": "not-retained",
        "d2/dxdx": MATCH,
        "d2/dxdy": MATCH,
        "d2/dydy": MATCH,
    }
    assert all(torch_engine.supports(op) for op in ops.OPS.values() if not op.internal)


def test_jax_adapter_records_the_program_and_leaves_unreached_grads_none():
    pytest.importorskip("jax", reason="JAX is not installed")
    from diffcheck.engines import jax as adapter

    e = adapter.load()
    result = _check("t = sin(x) * y; u = exp(y); out = t + x", {"x": 0.5, "y": 2.0}, e, retain=frozenset({"t"}))
    assert {t.name: t.status for t in result.tensors} == {
        "x": MATCH,
        "y": MATCH,
        "t": MATCH,
        "u": "not-retained",
        "out": "not-retained",
    }
    x = e.leaf(np.array(1.0), "float64", True)
    unused = e.leaf(np.array(1.0), "float64", True)
    e.backward(e.apply(ops.OPS["mul"], (x, 3), {}), None)
    assert (float(e.grad(x)), e.grad(unused)) == (3.0, None)
