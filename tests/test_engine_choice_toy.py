"""A toy NumPy engine with switchable backward rules, and a suite of deliberately wrong ones: a wrong sign, a missing
factor, a wrong kink convention, a dropped broadcast sum. diffcheck must catch each, naming the input and the element,
and never flag the right rules at a kink."""

from __future__ import annotations

import numpy as np
import pytest

from diffcheck.check import KINK, MATCH, Case, check
from diffcheck.engines import Capabilities, Engine
from diffcheck.lang.parse import parse_program
from diffcheck.testing import assert_gradients


class Node:
    def __init__(self, value, wants, parents=()):
        self.value, self.wants, self.parents, self.grad = np.asarray(value), wants, parents, None


def _unbroadcast(g, shape, drop_sum):
    """The upstream gradient reduced to an operand's shape; `drop_sum` takes the first element instead of the sum."""
    g = np.asarray(g)
    while g.ndim > len(shape):
        g = g[0] if drop_sum else g.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and g.shape[axis] != 1:
            g = g[axis : axis + 1] if drop_sum else g.sum(axis=axis, keepdims=True)
    return g


class Toy(Engine):
    """add, mul, sin, abs, relu, pow (number exponent), sum; each backward rule switchable to a wrong one."""

    name = label = "toy"
    capabilities = Capabilities(
        dtypes=frozenset({"float32", "float64"}), ops=frozenset({"add", "mul", "sin", "abs", "relu", "pow", "sum"})
    )

    def __init__(self, sin_sign=1, pow_factor=True, abs_at_zero="zero", drop_sum=False):
        self.sin_sign, self.pow_factor, self.abs_at_zero, self.drop_sum = sin_sign, pow_factor, abs_at_zero, drop_sum

    def leaf(self, data, dtype, requires_grad):
        return Node(np.asarray(data, dtype=dtype), requires_grad)

    def apply(self, op, args, params):
        a = args[0] if isinstance(args[0], Node) else Node(args[0], False)
        x = a.value
        if op.name in ("add", "mul"):
            b = args[1] if isinstance(args[1], Node) else Node(args[1], False)
            y = b.value
            value = x + y if op.name == "add" else x * y
            da = (lambda g: g) if op.name == "add" else (lambda g: g * y)
            db = (lambda g: g) if op.name == "add" else (lambda g: g * x)
            shape = np.shape(value)

            def fit(rule, operand):
                return lambda g: _unbroadcast(rule(np.broadcast_to(g, shape)), operand.value.shape, self.drop_sum)

            return Node(value, a.wants or b.wants, ((a, fit(da, a)), (b, fit(db, b))))
        if op.name == "pow":
            n = args[1]
            factor = n if self.pow_factor else 1.0
            return Node(x**n, a.wants, ((a, lambda g: g * factor * x ** (n - 1)),))
        if op.name == "sin":
            return Node(np.sin(x), a.wants, ((a, lambda g: g * self.sin_sign * np.cos(x)),))
        if op.name == "relu":
            return Node(np.maximum(x, 0), a.wants, ((a, lambda g: g * (x > 0)),))
        if op.name == "abs":
            with np.errstate(invalid="ignore", divide="ignore"):
                slope = x / np.abs(x) if self.abs_at_zero == "nan" else np.sign(x)  # x/|x|: nan at 0
            return Node(np.abs(x), a.wants, ((a, lambda g: g * slope),))
        if op.name == "sum":
            return Node(x.sum(), a.wants, ((a, lambda g: np.broadcast_to(g, x.shape).copy()),))
        raise AssertionError(op.name)

    def value(self, t):
        return t.value

    def requires_grad(self, t):
        return t.wants

    def is_leaf(self, t):
        return not t.parents or not t.wants

    def backward(self, out, gradient):
        order, seen = [], set()

        def visit(t):
            if id(t) not in seen:
                seen.add(id(t))
                for parent, _ in t.parents:
                    visit(parent)
                order.append(t)

        visit(out)
        upstream = {id(out): np.ones(out.value.shape) if gradient is None else gradient}
        for t in reversed(order):
            g = upstream.pop(id(t), None)
            if g is None or not t.wants:
                continue
            if not t.parents:
                t.grad = g if t.grad is None else t.grad + g
            for parent, rule in t.parents:
                if parent.wants:
                    upstream[id(parent)] = upstream.get(id(parent), 0) + rule(g)

    def grad(self, t):
        return None if t.grad is None else np.asarray(t.grad)


WRONG = [
    ("wrong sign", "sum(sin(x) * w)", {"x": [0.3, 1.2], "w": [2.0, 3.0]}, {"sin_sign": -1}, ["x[0]:", "x[1]:"]),
    ("missing factor", "sum(x ** 3)", {"x": [0.5, 2.0]}, {"pow_factor": False}, ["x[0]:", "x[1]:"]),
    ("wrong kink convention", "sum(abs(x) * w)", {"x": [0.0, 1.5], "w": [2.0, 3.0]}, {"abs_at_zero": "nan"}, ["x[0]:"]),
    (
        "dropped broadcast sum",
        "sum(sin(x + b))",
        {"x": [0.1, 0.2, 0.3], "b": 0.5},
        {"drop_sum": True},
        ["  b: mismatch"],
    ),
]


@pytest.mark.parametrize("what, source, point, rule, named", WRONG, ids=[w[0] for w in WRONG])
def test_every_wrong_rule_is_caught_with_the_input_and_element_named(what, source, point, rule, named):
    assert_gradients(source, point, engine=Toy())  # the right rules pass
    with pytest.raises(AssertionError) as raised:
        assert_gradients(source, point, engine=Toy(**rule))
    message = str(raised.value)
    for name in named:
        assert name in message, message
    assert "engine 'toy'" in message and "SymPy" in message


@pytest.mark.parametrize(
    "source, point",
    [
        ("sum(relu(x) * w)", {"x": [0.0, -1.0, 2.0], "w": [1.0, 2.0, 3.0]}),
        ("sum(abs(x) * w)", {"x": [0.0, 1.0], "w": [2.0, 3.0]}),
        ("sum(relu(x) + abs(x))", {"x": [0.0, 0.0]}),
    ],
)
def test_right_rules_at_a_kink_are_never_flagged(source, point):
    result = check(Case(parse_program(source), point), Toy())
    assert not result.failed
    assert result.tensors[0].status in (KINK, MATCH)
    assert_gradients(source, point, engine=Toy())


def test_float32_rules_are_judged_in_float32_ulps():
    right = assert_gradients("sum(x ** 3)", {"x": [0.3, 1.7, -2.9]}, engine=Toy(), dtype="float32")
    assert right.tensors[0].status == MATCH and right.tensors[0].ulps < 2
    with pytest.raises(AssertionError) as raised:
        assert_gradients("sum(x ** 3)", {"x": [0.3, 1.7, -2.9]}, engine=Toy(pow_factor=False), dtype="float32")
    assert "x[2]: mismatch" in str(raised.value) and "ulp of float32" in str(raised.value)
