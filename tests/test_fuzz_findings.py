"""Classes of findings from `fuzz --against torch --cases 5000 --seed 53` (issue #16), each a labelled status now,
never an internal error or a bare mismatch. Engine values are PyTorch 2.13's, measured in float64."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from diffcheck import ops
from diffcheck.check import Case, check
from diffcheck.cli import main
from diffcheck.ops.elementwise import _periodic_condition
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
    assert real_abs(sp.Abs(sp.Max(x, y / x))) == sp.Piecewise(
        (sp.Max(x, y / x), sp.Max(x, y / x) >= 0), (-sp.Max(x, y / x), True)
    )


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


LINEAR_COS = (
    "out = cos(linear(cosh(((z ** 3) @ u)), v, bias=p))",
    "z=[[0.0, 0.0, 0.0], [0.0, 1.423, 1.887]]",
    "u=[[-1.564, -1.247], [1.147, -1.398], [1.971, 0.914]]",
    "v=[[1.805, 0.055], [-1.549, -1.031]]",
    "p=[-1.442, 1.578]",
)


def cli_tensors(*args):
    result = CliRunner().invoke(main, ["check", *args, "--format", "json"])
    return result.exit_code, {t["name"]: t for t in json.loads(result.stdout)["tensors"]}


def test_cos_of_a_huge_argument_is_labelled_ill_conditioned():
    """linear's output is 1.4e7 here, rounded in float64 (3.7e-16 relative, measured against 40 digits); cos
    grows that 4.4e7 times: the gradients through it differ from SymPy's by 1.9e-7, PyTorch's as the engine's."""
    code, found = cli_tensors(*LINEAR_COS)
    assert code == 0
    assert [found[n]["status"] for n in "zuvp"] == ["ill-conditioned"] * 3 + ["match"]
    assert found["z"]["engine"][1][1] == -4048137.667872818
    assert found["z"]["note"].startswith(
        "cos at 1:7: its float64 argument's rounding (16 ulps) grows 4.36e+07 times in its value and derivative"
    )
    assert CliRunner().invoke(main, ["check", *LINEAR_COS, "--strict"]).exit_code == 1


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_the_condition_number_of_one_value_is_the_arrays(value):
    """sin/cos/tan's condition number takes a shortcut for one float (every scalar case of a batch asks)."""
    with np.errstate(all="ignore"):
        expected = _periodic_condition(np.array([value, value]))
    assert _periodic_condition(value) == _periodic_condition(np.float64(value)) == expected


def test_a_wrong_rule_is_not_excused_by_an_ill_conditioned_argument():
    wrong = ops.Op(
        name="cos_off",
        grad_fn="CosOffBackward0",
        forward=np.cos,
        vjp=lambda F, g, out, x: (g * -F.sin(x) * 1.001,),  # 0.1% off: far beyond 4 * 16 ulps * 4.4e7 = 6e-7
        sym=lambda sp, x: sp.cos(x),
        derivative="-sin(x)",
        conditioned=_periodic_condition,
    )
    with ops.registered(wrong):
        code, found = cli_tensors("cos_off(x * 1e7)", "x=1.3879870848361062")
    assert code == 1 and found["x"]["status"] == "mismatch"


def test_a_kink_at_a_singular_point_is_judged_as_the_singular_point():
    """`fuzz --against torch --cases 1500 --seed 71`: selu's kink at 0 meets atan2's origin, where SymPy's
    derivative is nan and PyTorch masks the reciprocal to give 0; the one-sided differences there blow up (1e25) and
    are no derivative, so the kink test does not judge it: `singular`, not an unexplained difference."""
    assert statuses_of("out = atan2(selu(z), z)", z=0.0)[:2] == ["match", "singular"]
    assert statuses_of("out = atan2(selu(z), z)", z=0.5)[:2] == ["match", "match"]
