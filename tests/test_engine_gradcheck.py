"""The wrong backward rules of tests/test_engine_choice_toy.py, as custom `torch.autograd.Function`s under PyTorch's
own `gradcheck` (finite differences): what it catches, misses and flags falsely, beside diffcheck's verdicts on the
same rules in the toy engine. The comparison table of docs/engines.md is this test's outcome."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (run with /tmp/torch/bin/python)")

from test_engine_choice_toy import Toy  # noqa: E402

from diffcheck.check import Case, check  # noqa: E402
from diffcheck.lang.parse import parse_program  # noqa: E402


def function(forward, backward):
    class Rule(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *args):
            ctx.save_for_backward(*args)
            return forward(*args)

        @staticmethod
        def backward(ctx, g):
            return backward(g, *ctx.saved_tensors)

    return Rule.apply


# (case, torch program, gradcheck inputs, diffcheck program, point, toy rule, wrong?)
CASES = [
    (
        "wrong sign: sin' = -cos",
        lambda x, w: (function(torch.sin, lambda g, x: -g * torch.cos(x))(x) * w).sum(),
        "sum(sin(x) * w)",
        {"x": [0.3, 1.2], "w": [2.0, 3.0]},
        {"sin_sign": -1},
        True,
    ),
    (
        "missing factor: (x**3)' = x**2",
        lambda x: function(lambda x: x**3, lambda g, x: g * x**2)(x).sum(),
        "sum(x ** 3)",
        {"x": [0.5, 2.0]},
        {"pow_factor": False},
        True,
    ),
    (
        "wrong kink convention: abs' = x/|x| (nan at 0)",
        lambda x, w: (function(torch.abs, lambda g, x: g * x / x.abs())(x) * w).sum(),
        "sum(abs(x) * w)",
        {"x": [0.0, 1.5], "w": [2.0, 3.0]},
        {"abs_at_zero": "nan"},
        True,
    ),
    (
        "dropped broadcast sum: b's grad is g[0]",
        lambda x, b: torch.sin(function(lambda x, b: x + b, lambda g, x, b: (g, g[0]))(x, b)).sum(),
        "sum(sin(x + b))",
        {"x": [0.1, 0.2, 0.3], "b": 0.5},
        {"drop_sum": True},
        True,
    ),
    (
        "right: relu'(0) = 0",
        lambda x, w: (function(torch.relu, lambda g, x: g * (x > 0))(x) * w).sum(),
        "sum(relu(x) * w)",
        {"x": [0.0, -1.0, 2.0], "w": [1.0, 2.0, 3.0]},
        {},
        False,
    ),
    (
        "right: abs'(0) = 0",
        lambda x, w: (function(torch.abs, lambda g, x: g * torch.sign(x))(x) * w).sum(),
        "sum(abs(x) * w)",
        {"x": [0.0, 1.0], "w": [2.0, 3.0]},
        {},
        False,
    ),
]


def gradcheck_flags(fn, point) -> bool:
    inputs = tuple(torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in point.values())
    return not torch.autograd.gradcheck(fn, inputs, raise_exception=False)


def diffcheck_flags(source, point, rule) -> bool:
    return check(Case(parse_program(source), point), Toy(**rule)).failed


def test_diffcheck_catches_every_wrong_rule_and_gradcheck_does_not_tell_them_apart():
    outcomes = {
        what: (diffcheck_flags(source, point, rule), gradcheck_flags(fn, point), wrong)
        for what, fn, source, point, rule, wrong in CASES
    }
    for what, (ours, _, wrong) in outcomes.items():
        assert ours == wrong, what  # diffcheck: every wrong rule caught, no right one flagged
    # gradcheck, measured here with its defaults (eps 1e-6, atol 1e-5, rtol 1e-3):
    assert {what: theirs for what, (_, theirs, _) in outcomes.items()} == {
        "wrong sign: sin' = -cos": True,
        "missing factor: (x**3)' = x**2": True,
        "wrong kink convention: abs' = x/|x| (nan at 0)": True,
        "dropped broadcast sum: b's grad is g[0]": True,
        "right: relu'(0) = 0": True,  # a false alarm: the central difference straddles the kink (0.5 against 0)
        "right: abs'(0) = 0": False,
    }


@pytest.mark.parametrize("what, fn, source, point, rule, wrong", CASES, ids=[c[0] for c in CASES])
def test_check_torch_function_judges_custom_functions(what, fn, source, point, rule, wrong):
    from diffcheck.testing import check_torch_function

    if not wrong:
        result = check_torch_function(fn, *point.values())
        assert not result.failed
        return
    with pytest.raises(AssertionError) as raised:
        check_torch_function(fn, *point.values())
    assert "on engine 'torch (traced)'" in str(raised.value) and "mismatch" in str(raised.value)


def test_check_torch_function_names_an_op_outside_the_table():
    from diffcheck.errors import DiffcheckError
    from diffcheck.testing import check_torch_function

    with pytest.raises(DiffcheckError, match="'lgamma' is outside diffcheck's op table"):
        check_torch_function(lambda x: torch.lgamma(x).sum(), [0.3])
    assert check_torch_function(lambda x, w: (torch.sin(x) * w).sum() + (2 - x).pow(2).sum() / 3, [0.3], [2.0])
