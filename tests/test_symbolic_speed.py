"""The symbolic side on big and deep programs (issue 6, target 5): what must keep working, never how fast.

`sin` nested 300 deep takes SymPy's own `diff` about 20 s, so that case is opt-in:

    DIFFCHECK_SLOW=1 python -m pytest tests/test_symbolic_speed.py -m slow
"""

import os

import mpmath
import pytest
import sympy as sp

from diffcheck import symbolic
from diffcheck.check import DEEP, Case, check, nesting
from diffcheck.lang.parse import parse_program

SLOW = pytest.mark.skipif(not os.environ.get("DIFFCHECK_SLOW"), reason="SymPy's diff takes ~20 s: set DIFFCHECK_SLOW=1")


def sin_chain(levels: int) -> str:
    return "\n".join(["t1 = sin(x)"] + [f"t{i} = sin(t{i - 1})" for i in range(2, levels + 1)])


def chain_derivative(levels: int, x: float) -> float:
    """d/dx of sin applied `levels` times, by the chain rule in mpmath: the value both sides must give."""
    with mpmath.workdps(40):
        value, slope = mpmath.mpf(x), mpmath.mpf(1)
        for _ in range(levels):
            value, slope = mpmath.sin(value), slope * mpmath.cos(value)
        return float(slope)


def test_nesting_counts_through_the_statements():
    assert nesting(parse_program(sin_chain(300))) == 301
    assert nesting(parse_program("z = x * y; w = sin(z) + x")) == 4 and nesting(parse_program("x")) == 1


def test_past_the_default_recursion_limit_the_api_checks_on_a_deep_stack():
    levels = 160  # SymPy's diff needs ~7 frames a level: past ~150 it overflows the default limit of 1000
    assert levels > DEEP
    result = check(Case(parse_program(sin_chain(levels)), {"x": 0.5}))
    x = result.tensors[0]
    assert not result.failed and x.status == "match"
    assert x.sympy == pytest.approx(chain_derivative(levels, 0.5), rel=1e-12)


def test_a_shallow_program_whose_sympy_forms_are_deep_checks_on_a_deep_stack():
    """Three statements, nested 6 deep, but hardsigmoid of hardswish of a where is a Piecewise in a Piecewise, and
    printing its derivative passed the default recursion limit (fuzz seed 22, case 365: a RecursionError, on both
    routes, where the statuses are these)."""
    source = (
        "t1 = view(((x + x) + huber_loss(y, y, reduction='sum')), size=())\n"
        "t2 = hardswish(where((binary_cross_entropy_with_logits(z, z, reduction='mean') <= (t1 * 1.5)), t1, x))\n"
        "out = hardsigmoid(t2)"
    )
    values = {"x": 1.305, "y": [[-0.265, 0.02, 1.387], [-1.877, -1.177, 0.525]], "z": [-1.985, -1.83]}
    case = Case(parse_program(source), values, no_grad=frozenset({"x", "z"}), retain=frozenset({"t2"}))
    assert nesting(case.program) <= DEEP
    result = check(case)
    assert [t.status for t in result.tensors] == ["none", "match", "none", "not-retained", "rounding", "not-retained"]


@SLOW
@pytest.mark.slow
def test_sin_applied_300_times_checks():
    result = check(Case(parse_program(sin_chain(300)), {"x": 0.5}))
    assert not result.failed and result.tensors[0].sympy == pytest.approx(chain_derivative(300, 0.5), rel=1e-12)


def test_a_wide_deep_expression_checks_against_its_own_chain_rule():
    # 60 levels, each multiplying by a side tree: SymPy's printer would write 180 nested brackets for it
    source = "x"
    for level in range(60):
        source = f"sin({source} * cos(y) + 0.5 * x)" if level % 2 else f"({source}) * (1.0 + 0.25 * sin(y))"
    result = check(Case(parse_program(source), {"x": 0.3, "y": -0.7}))
    assert not result.failed and [t.status for t in result.tensors if t.role == "input"] == ["match", "match"]


def test_mp_function_keeps_the_users_structure_and_shares_subtrees():
    x, y = sp.symbols("x y", real=True)
    as_written = sp.Mul(sp.Pow(x, 2, evaluate=False), sp.Pow(x, -1, evaluate=False), evaluate=False)
    shared = sp.sin(x * y)
    function = symbolic.mp_function([as_written, shared + shared**2, sp.Piecewise((x, x > 0), (-x, True))], [x, y])
    with mpmath.workdps(30):
        values = function(mpmath.mpf(0.5), mpmath.mpf(2))
        assert [float(v) for v in values] == pytest.approx([0.5, float(mpmath.sin(1) + mpmath.sin(1) ** 2), 0.5])
        with pytest.raises(ZeroDivisionError):  # x**2/x at 0 as written: a pole for SymPy to classify
            function(mpmath.mpf(0), mpmath.mpf(2))


def test_mp_function_declines_what_it_does_not_know():
    x = sp.Symbol("x", real=True)
    assert symbolic.mp_function([sp.gamma(x)], [x]) is None
    assert symbolic.mp_function([x + sp.Symbol("stray")], [x]) is None


@pytest.mark.parametrize(
    "expr, at, kind",
    [
        (lambda x: sp.Mul(x, sp.Pow(x, -1, evaluate=False), evaluate=False), 0.0, "nan"),  # 0/0 as written
        (lambda x: sp.log(x, evaluate=False), 0.0, "zoo"),  # SymPy's zoo, where mpmath alone would say -inf
        (lambda x: sp.sqrt(x), -1.0, "complex"),
        (lambda x: sp.exp(x), 1e16, "finite"),  # mpmath's exponent range: SymPy's Floats would blow up
        (lambda x: sp.tanh(x, evaluate=False), float("inf"), "finite"),  # a non-finite point goes to SymPy
    ],
)
def test_evaluator_kinds_as_written(expr, at, kind):
    x = sp.Symbol("x", real=True)
    assert symbolic.Evaluator([expr(x)], [x], as_written=True)([at])[0].kind == kind


def test_derivatives_take_the_canonical_form_only_where_the_raw_one_is_not_finite():
    x = sp.Symbol("x", real=True)
    raw = sp.Mul(x, sp.Pow(x, -1, evaluate=False), evaluate=False)  # 1 in canonical form, 0/0 as written at 0
    evaluator = symbolic.Evaluator([raw], [x])
    assert evaluator([2.0])[0].value == 1.0 and evaluator.canonical is None
    assert evaluator([0.0])[0] == symbolic.Exact("finite", 1.0) and evaluator.canonical is not None


def test_canonical_rebuilds_each_shared_subtree_once():
    x = sp.Symbol("x", real=True)
    tower = x
    for _ in range(60):  # 2**60 paths through the tree, 61 distinct subtrees
        tower = sp.Add(tower, tower, evaluate=False)
    assert symbolic.canonical([tower]) == [2**60 * x]


def reuse_chain(steps: int) -> str:
    """Each step uses the previous value twice (issue #22): small as a graph, 2**steps nodes written out."""
    body = "".join(f"y{i + 1} = sin(y{i}) * 0.5 + cos(y{i}) * 0.5 + x\n" for i in range(steps))
    return f"y0 = x\n{body}y{steps}"


def reuse_chain_values(steps: int, x: float) -> tuple[float, float]:
    """The chain's value and d/dx by the chain rule in mpmath at 50 digits: what the exact side must give."""
    with mpmath.workdps(50):
        value, slope = mpmath.mpf(x), mpmath.mpf(1)
        for _ in range(steps):
            value, slope = (
                mpmath.sin(value) / 2 + mpmath.cos(value) / 2 + x,
                (mpmath.cos(value) - mpmath.sin(value)) / 2 * slope + 1,
            )
        return float(value), float(slope)


def test_a_program_that_reuses_each_value_checks_on_symengines_route():
    """30 steps: 2**30 nodes written out. symengine's `atoms`, looking for Max and Min in the target, walked all of
    them (1.35 s at 18 steps, doubling per step: some 1.5 hours here); the search now walks the graph."""
    result = check(Case(parse_program(reuse_chain(30)), {"x": 0.3}))
    value, slope = reuse_chain_values(30, 0.3)
    assert (value, slope) == (0.9920604318896362, 0.8732905157363355)
    x = result.tensors[0]
    assert result.symbolic == "symengine" and not result.failed and result.output.status == "match"
    assert result.output.sympy_value == value
    assert x.status == "match" and x.sympy == slope and x.engine == 0.8732905157363356  # the engine: one ulp off
    assert x.derivative == "(too long to print: over 1,000,000 nodes written out)"


def test_max_and_min_are_looked_for_over_distinct_subexpressions():
    """Through 200 steps of reuse: 1,002 distinct subexpressions, 2**200 nodes written out (no walk of the tree
    would end)."""
    import symengine as se

    from diffcheck.check.fast import _has_max_or_min

    x, y = se.symbols("x y")
    found = []
    for start in (x, se.Max(x, y), se.Min(y, 2)):
        value = start
        for _ in range(200):
            value = se.sin(value) / 2 + se.cos(value) / 2 + x
        found.append(_has_max_or_min(value))
    assert found == [False, True, True]


# The derivative texts `check` printed before the change (4d885a1), recorded once: 2 steps whole, and 12 steps (1.37
# million characters, 409,608 nodes written out: under TEXT_NODES) by length and SHA-256.
REUSE_TEXT_2 = (
    "1 + (-1/2)*(1 + (-1/2)*sin(x) + (1/2)*cos(x))*sin(x + (1/2)*sin(x) + (1/2)*cos(x))"
    " + (1/2)*(1 + (-1/2)*sin(x) + (1/2)*cos(x))*cos(x + (1/2)*sin(x) + (1/2)*cos(x))"
)
REUSE_TEXT_12 = (1372182, "df0debf402eefd4f02dda55232081a075d4a90c578f26f64626f4c086c3f534a")


def test_a_reused_values_derivative_prints_as_it_did():
    import hashlib

    short = check(Case(parse_program(reuse_chain(2)), {"x": 0.3})).tensors[0]
    assert short.derivative == REUSE_TEXT_2 and short.sympy == reuse_chain_values(2, 0.3)[1] == 0.8687473526460743
    text = check(Case(parse_program(reuse_chain(12)), {"x": 0.3})).tensors[0].derivative
    assert (len(text), hashlib.sha256(text.encode()).hexdigest()) == REUSE_TEXT_12
