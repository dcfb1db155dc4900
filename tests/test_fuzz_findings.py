"""Classes of findings from `fuzz --against torch --cases 5000 --seed 53` (issue #16), each a labelled status now,
never an internal error or a bare mismatch. Engine values are PyTorch 2.13's, measured in float64."""

from __future__ import annotations

import pytest

from diffcheck.check import Case, check
from diffcheck.lang.parse import parse_program


def statuses_of(program: str, **values) -> list:
    return check(Case(parse_program(program), values)).statuses


@pytest.mark.parametrize(
    "program, values",
    [
        ("t2 = asin(x); out = atan2(t2, t2)", dict(x=1.313)),  # both operands complex to SymPy
        ("out = atan2(log(z), u)", dict(z=-1.0, u=0.0)),  # log of a negative: nan on the engine, I*pi in SymPy
        ("out = atan2(u, asin(z))", dict(z=2.0, u=0.5)),
    ],
)
def test_an_operand_of_atan2_off_the_real_line_is_singular(program, values):
    assert statuses_of(program, **values)[:2] == ["singular", "singular"]


HUBER_MAX = "out = abs(maximum(huber_loss(x, x, reduction='none', delta=0.5), y / x))"


def test_sympys_abs_rule_failing_on_a_nan_comparison_is_differentiated_by_branches():
    """SymPy's d|a| for an `a` it cannot prove real writes the inner |x - x| as 0/sign(0) and compares the nan;
    |a| is differentiated as a Piecewise instead, so the check runs (nan = nan at 0, as PyTorch's maximum
    propagates it) and the gradients elsewhere are right."""
    at_zero = check(Case(parse_program(HUBER_MAX), dict(x=[[0.0, 0.0], [0.0, 0.0]], y=[0.0, 0.0])))
    assert at_zero.statuses[:2] == ["match", "match"] and not at_zero.failed
    elsewhere = check(Case(parse_program(HUBER_MAX), dict(x=[[1.0, 2.0], [-3.0, 0.7]], y=[0.5, -2.0])))
    assert [t.engine for t in elsewhere.tensors[:2]] == [[[-0.5, 0.0], [0.0, 0.0]], [1.0, 0.0]]
    assert [t.sympy for t in elsewhere.tensors[:2]] == [[[-0.5, 0.0], [0.0, 0.0]], [1.0, 0.0]]


def test_real_abs_rewrites_only_the_unproved_abs():
    import sympy as sp

    from diffcheck.symbolic import real_abs

    x, y = sp.symbols("x y", real=True)
    proved = sp.Abs(x - 1)
    assert real_abs(proved) == proved
    assert real_abs(sp.Abs(sp.Max(x, y / x))) == sp.Piecewise((sp.Max(x, y / x), sp.Max(x, y / x) >= 0), (-sp.Max(x, y / x), True))


def test_a_branch_not_taken_is_not_valued():
    """SymPy folds maximum's comparison into hardsigmoid's branches (`y < zoo*x` for x <= -3): at x = 0 that branch
    is not taken, so its nan comparison does not make the value nan. The tie splits 1/2 each, as PyTorch does."""
    result = check(Case(parse_program("out = maximum(x / hardsigmoid(x), y)"), dict(x=0.0, y=0.0)))
    assert result.output.sympy_value == 0.0 and result.output.status == "match"
    assert [(t.status, t.engine, t.sympy) for t in result.tensors[:2]] == [("match", 1.0, 1.0), ("match", 0.5, 0.5)]


def test_substitute_taken_values_conditions_first():
    import sympy as sp
    from sympy.logic.boolalg import ITE

    from diffcheck.symbolic.powers import substitute_taken

    x, y = sp.symbols("x y", real=True)
    expr = sp.Piecewise((1, ITE(x <= -3, y < sp.zoo * x, y < x)), (2, True))
    assert substitute_taken(expr, {x: sp.Float(0), y: sp.Float(0)}) == 2
    assert substitute_taken(expr, {x: sp.Float(0), y: sp.Float(-1)}) == 1
    with pytest.raises(TypeError):
        substitute_taken(expr, {x: sp.Float(-4), y: sp.Float(0)})
