"""The engine at kinks and singular points, bit for bit in kind, as measured on PyTorch 2.13 (torch-semantics.md §8)."""

import math

import pytest

import diffcheck as torch
from diffcheck import engine

D = torch.float64
inf, nan = math.inf, math.nan

# (expression, the same as code, point, value, grads, grad_fn) — copied from the measured table.
ROWS = [
    ("torch.abs(x)", lambda x: torch.abs(x), dict(x=0.0), 0.0, dict(x=0.0), "AbsBackward0"),
    ("torch.abs(x)", lambda x: torch.abs(x), dict(x=-0.0), 0.0, dict(x=0.0), "AbsBackward0"),
    ("torch.relu(x)", lambda x: torch.relu(x), dict(x=0.0), 0.0, dict(x=0.0), "ReluBackward0"),
    ("torch.clamp(x, min=0)", lambda x: torch.clamp(x, min=0), dict(x=0.0), 0.0, dict(x=1.0), "ClampBackward1"),
    ("torch.clamp(x, 0, 1)", lambda x: torch.clamp(x, 0, 1), dict(x=0.0), 0.0, dict(x=1.0), "ClampBackward1"),
    ("torch.clamp(x, 0, 1)", lambda x: torch.clamp(x, 0, 1), dict(x=1.0), 1.0, dict(x=1.0), "ClampBackward1"),
    ("torch.clamp(x, 0, 1)", lambda x: torch.clamp(x, 0, 1), dict(x=1.5), 1.0, dict(x=0.0), "ClampBackward1"),
    (
        "torch.where(x > 0, x, 0.)",
        lambda x: torch.where(x > 0, x, 0.0),
        dict(x=0.0),
        0.0,
        dict(x=0.0),
        "WhereBackward0",
    ),
    (
        "torch.maximum(x, y)",
        lambda x, y: torch.maximum(x, y),
        dict(x=1.0, y=1.0),
        1.0,
        dict(x=0.5, y=0.5),
        "MaximumBackward0",
    ),
    (
        "torch.minimum(x, y)",
        lambda x, y: torch.minimum(x, y),
        dict(x=1.0, y=1.0),
        1.0,
        dict(x=0.5, y=0.5),
        "MinimumBackward0",
    ),
    ("torch.sqrt(x)", lambda x: torch.sqrt(x), dict(x=0.0), 0.0, dict(x=inf), "SqrtBackward0"),
    ("torch.sqrt(x)", lambda x: torch.sqrt(x), dict(x=-1.0), nan, dict(x=nan), "SqrtBackward0"),
    ("x ** 0.5", lambda x: x**0.5, dict(x=0.0), 0.0, dict(x=inf), "PowBackward0"),
    ("x ** 0.5", lambda x: x**0.5, dict(x=-1.0), nan, dict(x=nan), "PowBackward0"),
    ("x ** 1.5", lambda x: x**1.5, dict(x=0.0), 0.0, dict(x=0.0), "PowBackward0"),
    ("x ** -0.5", lambda x: x**-0.5, dict(x=0.0), inf, dict(x=-inf), "PowBackward0"),
    ("x ** -1", lambda x: x**-1, dict(x=0.0), inf, dict(x=-inf), "PowBackward0"),
    ("torch.log(x)", lambda x: torch.log(x), dict(x=0.0), -inf, dict(x=inf), "LogBackward0"),
    ("torch.log(x)", lambda x: torch.log(x), dict(x=-2.0), nan, dict(x=-0.5), "LogBackward0"),
    ("x ** 2", lambda x: x**2, dict(x=0.0), 0.0, dict(x=0.0), "PowBackward0"),
    ("torch.pow(x, 2)", lambda x: torch.pow(x, 2), dict(x=0.0), 0.0, dict(x=0.0), "PowBackward0"),
    ("x ** 0", lambda x: x**0, dict(x=0.0), 1.0, dict(x=0.0), "PowBackward0"),
    ("x ** 0.0", lambda x: x**0.0, dict(x=0.0), 1.0, dict(x=0.0), "PowBackward0"),
    ("x ** 1", lambda x: x**1, dict(x=0.0), 0.0, dict(x=1.0), "PowBackward0"),
    ("x ** x", lambda x: x**x, dict(x=0.0), 1.0, dict(x=0.0), "PowBackward1"),
    ("x ** y", lambda x, y: x**y, dict(x=0.0, y=0.0), 1.0, dict(x=0.0, y=0.0), "PowBackward1"),
    ("x ** y", lambda x, y: x**y, dict(x=0.0, y=2.0), 0.0, dict(x=0.0, y=0.0), "PowBackward1"),
    ("x ** y", lambda x, y: x**y, dict(x=0.0, y=0.5), 0.0, dict(x=inf, y=0.0), "PowBackward1"),
    ("x ** y", lambda x, y: x**y, dict(x=0.0, y=-1.0), inf, dict(x=-inf, y=-inf), "PowBackward1"),
    ("x ** y", lambda x, y: x**y, dict(x=-2.0, y=0.5), nan, dict(x=nan, y=nan), "PowBackward1"),
    ("x ** y", lambda x, y: x**y, dict(x=-2.0, y=3.0), -8.0, dict(x=12.0, y=nan), "PowBackward1"),
    ("x ** y", lambda x, y: x**y, dict(x=-2.0, y=2.0), 4.0, dict(x=-4.0, y=nan), "PowBackward1"),
    ("x ** 3", lambda x: x**3, dict(x=-2.0), -8.0, dict(x=12.0), "PowBackward0"),
    ("x ** 2.5", lambda x: x**2.5, dict(x=-2.0), nan, dict(x=nan), "PowBackward0"),
    ("0 ** y", lambda y: 0**y, dict(y=0.0), 1.0, dict(y=0.0), "PowBackward2"),
    ("0 ** y", lambda y: 0**y, dict(y=-1.0), inf, dict(y=-inf), "PowBackward2"),
    ("0 ** y", lambda y: 0**y, dict(y=2.0), 0.0, dict(y=0.0), "PowBackward2"),
    ("(-2) ** y", lambda y: (-2) ** y, dict(y=0.5), nan, dict(y=nan), "PowBackward2"),
    ("(-2) ** y", lambda y: (-2) ** y, dict(y=3.0), -8.0, dict(y=nan), "PowBackward2"),
    ("1 / x", lambda x: 1 / x, dict(x=0.0), inf, dict(x=-inf), "MulBackward0"),
    ("1 / x", lambda x: 1 / x, dict(x=-0.0), -inf, dict(x=-inf), "MulBackward0"),
    ("torch.reciprocal(x)", lambda x: torch.reciprocal(x), dict(x=0.0), inf, dict(x=-inf), "ReciprocalBackward0"),
    ("x / y", lambda x, y: x / y, dict(x=1.0, y=0.0), inf, dict(x=inf, y=-inf), "DivBackward0"),
    ("x / y", lambda x, y: x / y, dict(x=0.0, y=0.0), nan, dict(x=inf, y=nan), "DivBackward0"),
    ("x * torch.log(x)", lambda x: x * torch.log(x), dict(x=0.0), nan, dict(x=nan), "MulBackward0"),
    ("torch.sqrt(x ** 2)", lambda x: torch.sqrt(x**2), dict(x=0.0), 0.0, dict(x=nan), "SqrtBackward0"),
    ("(x ** 2) ** 0.5", lambda x: (x**2) ** 0.5, dict(x=0.0), 0.0, dict(x=nan), "PowBackward0"),
    ("torch.abs(x) ** 0.5", lambda x: torch.abs(x) ** 0.5, dict(x=0.0), 0.0, dict(x=nan), "PowBackward0"),
    ("torch.log(torch.exp(x))", lambda x: torch.log(torch.exp(x)), dict(x=1000.0), inf, dict(x=nan), "LogBackward0"),
    ("torch.exp(x)", lambda x: torch.exp(x), dict(x=1000.0), inf, dict(x=inf), "ExpBackward0"),
    ("torch.sigmoid(x)", lambda x: torch.sigmoid(x), dict(x=-1000.0), 0.0, dict(x=0.0), "SigmoidBackward0"),
    ("torch.sigmoid(x)", lambda x: torch.sigmoid(x), dict(x=1000.0), 1.0, dict(x=0.0), "SigmoidBackward0"),
    ("torch.tanh(x)", lambda x: torch.tanh(x), dict(x=1000.0), 1.0, dict(x=0.0), "TanhBackward0"),
    (
        "torch.tan(x)",
        lambda x: torch.tan(x),
        dict(x=math.pi / 2),
        1.633123935319537e16,
        dict(x=2.6670937881135714e32),
        "TanBackward0",
    ),
    ("torch.log(x * 0)", lambda x: torch.log(x * 0), dict(x=1.0), -inf, dict(x=nan), "LogBackward0"),
    ("torch.sqrt(torch.relu(x))", lambda x: torch.sqrt(torch.relu(x)), dict(x=0.0), 0.0, dict(x=0.0), "SqrtBackward0"),
    ("torch.sqrt(torch.relu(x))", lambda x: torch.sqrt(torch.relu(x)), dict(x=-1.0), 0.0, dict(x=0.0), "SqrtBackward0"),
    ("torch.sqrt(torch.abs(x))", lambda x: torch.sqrt(torch.abs(x)), dict(x=0.0), 0.0, dict(x=nan), "SqrtBackward0"),
    (
        "torch.sqrt(torch.clamp(x, min=0))",
        lambda x: torch.sqrt(torch.clamp(x, min=0)),
        dict(x=0.0),
        0.0,
        dict(x=inf),
        "SqrtBackward0",
    ),
    (
        "torch.sqrt(torch.clamp(x, min=0))",
        lambda x: torch.sqrt(torch.clamp(x, min=0)),
        dict(x=-1.0),
        0.0,
        dict(x=0.0),
        "SqrtBackward0",
    ),
    (
        "torch.sqrt(torch.where(x > 0, x, 0.))",
        lambda x: torch.sqrt(torch.where(x > 0, x, 0.0)),
        dict(x=0.0),
        0.0,
        dict(x=0.0),
        "SqrtBackward0",
    ),
    ("torch.sqrt(x) * 0", lambda x: torch.sqrt(x) * 0, dict(x=0.0), 0.0, dict(x=nan), "MulBackward0"),
    ("x - x", lambda x: x - x, dict(x=inf), nan, dict(x=0.0), "SubBackward0"),
    ("x * 0", lambda x: x * 0, dict(x=inf), nan, dict(x=0.0), "MulBackward0"),
    # measured on PyTorch 2.13 after `diffcheck fuzz --against torch` found relu(-inf) giving nan here
    ("torch.relu(torch.log(x))", lambda x: torch.relu(torch.log(x)), dict(x=0.0), 0.0, dict(x=nan), "ReluBackward0"),
    ("torch.relu(x)", lambda x: torch.relu(x), dict(x=nan), nan, dict(x=1.0), "ReluBackward0"),
]


def same(actual: float, expected: float) -> bool:
    """Equal in kind (nan / ±inf / finite) and within a few ulps in value."""
    if math.isnan(expected) or math.isinf(expected):
        return (math.isnan(actual) and math.isnan(expected)) or actual == expected
    return math.isclose(actual, expected, rel_tol=4 * 2.0**-52, abs_tol=0.0)


@pytest.mark.parametrize("label, function, point, value, grads, grad_fn", ROWS, ids=[f"{r[0]} at {r[2]}" for r in ROWS])
def test_value_and_gradient_match_pytorch(label, function, point, value, grads, grad_fn):
    leaves = {k: torch.tensor(v, dtype=D, requires_grad=True) for k, v in point.items()}
    z = function(**leaves)
    z.backward()
    assert z.grad_fn.name() == grad_fn
    assert same(z.item(), value), (z.item(), value)
    for name, expected in grads.items():
        assert same(leaves[name].grad.item(), expected), (name, leaves[name].grad.item(), expected)


@pytest.mark.parametrize(
    "name, expected_value, expected_grad",
    [
        ("abs", 3.0, [0.0, -1.0, 1.0]),
        ("relu", 2.0, [0.0, 0.0, 1.0]),
        ("sqrt", nan, [inf, nan, 0.35355339059327373]),
        ("log", nan, [inf, -1.0, 0.5]),
        ("reciprocal", inf, [-inf, -1.0, -0.25]),
    ],
)
def test_vector_kinks_inside_sum(name, expected_value, expected_grad):
    v = torch.tensor([0.0, -1.0, 2.0], dtype=D, requires_grad=True)
    z = getattr(torch, name)(v).sum()
    z.backward()
    assert same(z.item(), expected_value)
    assert all(same(a, b) for a, b in zip(v.grad.tolist(), expected_grad)), v.grad.tolist()


def test_masking_selects_where_abs_multiplies():
    """relu/clamp/where select (nan upstream becomes 0); abs and *0 multiply (nan stays)."""
    assert engine.OPS["relu"].vjp(engine._NUMPY_F, nan, 0.0, 0.0)[0] == 0.0
    assert math.isnan(engine.OPS["abs"].vjp(engine._NUMPY_F, nan, 0.0, 0.0)[0])
