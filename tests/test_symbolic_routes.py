"""The two exact routes (check/fast.py) give the same results: every sample file's case, the program corpus of
tests/test_ops.py, and 2,000 fuzz cases, each checked by SymPy alone and by `auto` (symengine where it serves), must
agree on every status, on the engine's values bit for bit, and on the exact values within the case's tolerances."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from diffcheck.batch.samples import Sample
from diffcheck.batch.verify import discover, load_all
from diffcheck.check import Case, check
from diffcheck.errors import DiffcheckError
from diffcheck.lang.program import Assign, Program
from test_ops import CASES

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
# 300 generated programs in the suite (a few minutes); DIFFCHECK_ROUTE_CASES=2000 for the full run
FUZZ_CASES, FUZZ_SEED, FUZZ_DEPTH = int(os.environ.get("DIFFCHECK_ROUTE_CASES", "300")), 22, 4


def outcome(case: Case, route: str):
    """The result by `route`, or the error it gives (the same error on both routes counts as agreeing)."""
    try:
        return check(replace(case, symbolic=route))
    except DiffcheckError as error:
        return f"error: {error}"


def same_number(a, b, case: Case) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b)
    if isinstance(a, str) or isinstance(b, str) or a is None or b is None:
        return a == b
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return a == b or (math.isnan(a) and math.isnan(b))
    return abs(a - b) <= case.atol + case.rtol * abs(b)


def same_values(a, b, case: Case) -> bool:
    flat_a, flat_b = np.ravel(np.asarray(a, dtype=object)), np.ravel(np.asarray(b, dtype=object))
    return flat_a.shape == flat_b.shape and all(same_number(x, y, case) for x, y in zip(flat_a, flat_b))


def same_bits(a, b) -> bool:
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)


def assert_same(case: Case) -> str:
    """Both routes on `case`: the same outcome. Returns the route `auto` took."""
    slow, fast = outcome(case, "sympy"), outcome(case, "auto")
    where = case.program.source
    if isinstance(slow, str) and "SymPy cannot build" in slow and not isinstance(fast, str):
        return fast.symbolic  # SymPy's evaluation met 0/0 building it (t1/t1 inside a clamp); symengine's form has none
    if isinstance(slow, str) or isinstance(fast, str):
        assert slow == fast, where
        return "error"
    assert slow.symbolic == "sympy", where
    assert (slow.output.status, same_bits(slow.output.value, fast.output.value)) == (fast.output.status, True), where
    assert same_values(slow.output.sympy_value, fast.output.sympy_value, case), where
    for s, f in zip(slow.tensors, fast.tensors, strict=True):
        assert (s.name, s.status) == (f.name, f.status), (where, s.name, s.note, f.note)
        assert (s.engine is None, s.sympy is None) == (f.engine is None, f.sympy is None), (where, s.name)
        if s.engine is not None:
            assert same_bits(s.engine, f.engine), (where, s.name)
        assert same_values(s.sympy, f.sympy, case), (where, s.name, s.sympy, f.sympy)
    return fast.symbolic


def _routes(cases: list) -> dict:
    taken: dict = {}
    for case in cases:
        route = assert_same(case)
        taken[route] = taken.get(route, 0) + 1
    return taken


def test_every_sample_case_is_the_same_on_both_routes():
    files, errors = discover([SAMPLES])
    items, _ = load_all(files)
    cases = [item.case for item in items if isinstance(item, Sample)]
    assert not errors and len(cases) >= 150
    taken = _routes(cases)
    assert taken.get("symengine", 0) >= len(cases) // 2, taken  # most of them really took the fast route


def test_the_op_corpus_is_the_same_on_both_routes():
    cases = [Case(Program((Assign("out", tree),), name), point, name=name) for name, tree, point in CASES]
    taken = _routes(cases)
    assert taken.get("symengine", 0) >= len(cases) // 2, taken


@pytest.mark.slow
def test_generated_programs_are_the_same_on_both_routes():
    from diffcheck.fuzz.generate import generate

    cases = []
    for index in range(FUZZ_CASES):
        c = generate(FUZZ_SEED, index, FUZZ_DEPTH)
        cases.append(Case(c.program, c.values, c.no_grad, c.retain))
    taken = _routes(cases)
    # SymPy's route keeps the rounding rows (their forms are SymPy's own functions) and the points symengine cannot
    # value (kinks, poles): about a third of the generator's mix
    assert taken.get("symengine", 0) >= FUZZ_CASES // 2, taken


W = np.array([[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]])
V = np.array([0.3, -0.7, 1.1, 0.4])
T = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])  # no kink of |x - t| (0, beta, delta) met
# Programs symengine serves since the fast route took index and mask arguments, subscripts and tuple ops: each must
# take it at these points (no kink met) and agree with SymPy's route.
SERVED = [
    ("((x - x) * cos(x)) * (tanh(0.88) ** 3)", {"x": 0.993}),  # an exact 0 times a number: S.Zero, on either route
    ("(x - x) * log(x) + 2 * (0 * W)", {"x": 0.5, "W": W}),
    ("sum(exp(torch.gather(x, 1, index)))", {"x": W, "index": np.array([[0, 0], [2, 1]])}),
    ("sum(sin(index_select(x, 1, index)))", {"x": W, "index": np.array([2, 0])}),
    ("sum(exp(masked_fill(x, mask, -1.0)))", {"x": W, "mask": np.array([[1, 0, 0], [0, 1, 1]])}),
    ("sum(masked_fill(x, x > 0, 0.5) * x)", {"x": W}),
    ("F.cross_entropy(z, target)", {"z": W, "target": np.array([2, 0])}),
    # label_smoothing=0.0 given, as nn.CrossEntropyLoss() gives it: symengine's 0 against 0.0 (`0.0 <= Zero` is False)
    ("F.cross_entropy(z, target, label_smoothing=0.0)", {"z": W, "target": np.array([2, 0])}),
    ("F.nll_loss(F.log_softmax(z, 1), target, reduction='sum')", {"z": W, "target": np.array([1, 2])}),
    (
        "F.cross_entropy(z, target, weight=w, label_smoothing=0.2)",
        {"z": W, "target": np.array([2, 1]), "w": np.array([0.5, 1.0, 2.0])},
    ),
    ("F.mse_loss(x, t)", {"x": W, "t": W[::-1]}),
    ("F.smooth_l1_loss(x, t, beta=1.5)", {"x": W, "t": T}),
    ("F.huber_loss(x, t, delta=0.5)", {"x": W, "t": T}),
    (
        "F.binary_cross_entropy_with_logits(z, t, weight=w, pos_weight=pw)",
        {"z": W, "t": np.array([[1.0, 0, 1], [0, 1, 0]]), "w": W * W, "pw": np.array([1.0, 2.0, 0.5])},
    ),
    ("y = x[0, 1:] * x[1, :2]; out = sum(y)", {"x": W}),
    ("sum(x[:, None][1, 0, [0, 2]]) + x[-1, -1]", {"x": W}),
    ("sum(v[[2, 0, 2]] * v[[0, 1, 2]])", {"v": V}),
    ("sum(x[x > 0] ** 2)", {"x": W}),
    ("sum(exp(max(x, 1)[0]))", {"x": W}),
    ("sum(min(x, 0)[0] ** 2)", {"x": W}),
    ("amax(x) * amin(x) + sum(amax(x, 1) ** 2)", {"x": W}),  # Max and Min: reverse mode, SymPy's Heaviside
    ("c = cat([x, x * 2], dim=1); out = sum(cat([c, c], 0) ** 2)", {"x": W}),
    ("sum(cat(split(v, 3), 0) ** 3)", {"v": V}),
    ("sum(cat(split(x, [1, 2], 1), 1) * x)", {"x": W}),
    ("sum(stack(chunk(v, 2), 0) ** 2)", {"v": V}),
    ("T2 = stack(unbind(x), 1); out = sum(T2 * exp(x.T))", {"x": W}),
    ("sum(relu(X @ W1 + b1) @ W2) + sum(relu(-X))", {"X": W, "W1": W.T * 0.7, "b1": V[:2], "W2": V[:2]}),
    (  # 62 symbols: derivatives in reverse mode (check/fast.py's REVERSE_FROM)
        "h = relu(X @ W1 + b1); out = F.mse_loss(h @ W2, t)",
        {
            "X": np.sin(np.arange(20.0)).reshape(4, 5),
            "W1": np.cos(np.arange(30.0)).reshape(5, 6),
            "b1": np.linspace(-0.3, 0.4, 6),
            "W2": np.linspace(0.5, -0.6, 6),
            "t": np.array([0.1, -0.2, 0.3, 0.4]),
        },
    ),
]


@pytest.mark.parametrize("source, values", SERVED, ids=[source for source, _ in SERVED])
def test_index_subscript_and_tuple_programs_take_the_fast_route_and_agree(source, values):
    from diffcheck.lang.parse import parse_program

    assert assert_same(Case(parse_program(source), values)) == "symengine"


def test_stack_of_unbind_is_valued_as_written_on_the_fast_route():
    """A regression: the pieces of unbind, stacked again, were once valued as one array on the fast route."""
    from diffcheck.lang.parse import parse_program

    case = Case(parse_program("out = stack(unbind(x, 1), 0) * 2"), {"x": W})
    fast = check(replace(case, symbolic="symengine"))
    assert fast.symbolic == "symengine"
    assert fast.output.sympy_value == (W.T * 2).tolist() and fast.output.status == "match"
    assert fast.tensors[0].sympy == [[2.0] * 3] * 2
    assert assert_same(case) == "symengine"


def test_a_long_weight_is_its_own_constant_on_the_fast_route():
    """Two weights NumPy prints alike (1,001 elements: its repr elides the middle) are two constants of the value as
    written, not one plan shared by both."""
    from diffcheck.lang.parse import parse_program

    program = parse_program("F.binary_cross_entropy(sigmoid(z), t, weight=w, reduction='sum')")
    z, t = np.linspace(-1.0, 1.0, 1001), np.linspace(0.0, 1.0, 1001)
    for middle in (1.0, 1000.0):
        w = np.ones(1001)
        w[500] = middle
        result = check(Case(program, {"z": z, "t": t, "w": w}, symbolic="symengine"))
        assert result.symbolic == "symengine" and result.output.status == "match"
        assert math.isclose(result.output.sympy_value, result.output.value, rel_tol=1e-12)


def test_reverse_mode_gives_what_diff_gives():
    """check/adjoint.py's one backward pass against symengine's diff, symbol by symbol, at a few points (SymPy's
    Heaviside for Max and Min, which diff lacks)."""
    import mpmath
    import symengine as se

    from diffcheck.check.adjoint import gradient
    from diffcheck.check.forms import plan

    x, y, z = se.symbols("x y z")

    def at(exprs, point):
        return [float(v) for v in plan(exprs, [x, y, z])(*map(mpmath.mpf, point))]

    shared = se.sin(x * y) + z
    exprs = [
        shared * se.exp(shared) / (1 + y**2) + se.log(z) ** x,
        se.Piecewise((x * y, x > y), (se.atan2(z, x) * shared, True)) + se.erf(z) * se.tanh(shared),
        se.sqrt(x * x + z) * se.Piecewise((shared, z > 0), (-shared, True)) ** 3,
    ]
    for expr in exprs:
        derivatives = gradient(expr, [x, y, z])
        for point in ((0.5, -1.25, 2.0), (1.5, 0.25, 1.75)):
            want, got = at([expr.diff(s) for s in (x, y, z)], point), at(derivatives, point)
            assert all(math.isclose(g, w, rel_tol=1e-12, abs_tol=1e-14) for g, w in zip(got, want)), (expr, point)
    assert at(gradient(se.Max(x, y * y, z), [x, y, z]), (3, 1, 2)) == [1.0, 0.0, 0.0]
    assert at(gradient(se.Min(x, y), [x, y]), (1, 1, 0)) == [0.5, 0.5]
    assert gradient(se.Piecewise((x, y > 0), (0, True)), [y]) == [0]


def _diffcheck(*args: str, hide_symengine: bool = False) -> subprocess.CompletedProcess:
    """The real program in a fresh process; `hide_symengine` makes `import symengine` fail, as where it is missing."""
    hide = "sys.modules['symengine'] = None; " if hide_symengine else ""
    code = f"import sys; {hide}sys.argv = ['diffcheck', *sys.argv[1:]]; from diffcheck.cli import run; run()"
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=root)
    env.pop("DIFFCHECK_SYMBOLIC", None)
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300)


def test_without_symengine_one_notice_and_the_same_results():
    expression = "y = sin(x) * exp(x) + x ** 2\nz = abs(y) + relu(x)"
    fast = _diffcheck("check", expression, "x=0.5", "--format", "json")
    slow = _diffcheck("check", expression, "x=0.5", "--format", "json", hide_symengine=True)
    assert (fast.returncode, slow.returncode, fast.stderr) == (0, 0, "")
    assert slow.stderr == "diffcheck: symengine cannot be imported; the symbolic side uses SymPy (slower)\n"
    first, second = json.loads(fast.stdout), json.loads(slow.stdout)
    assert (first["symbolic"], second["symbolic"]) == ("symengine", "sympy")
    assert [t["sympy"] for t in first["tensors"]] == [t["sympy"] for t in second["tensors"]]
    assert [t["status"] for t in first["tensors"]] == [t["status"] for t in second["tensors"]]


def test_symengine_asked_for_but_missing_is_trouble():
    done = _diffcheck("check", "sin(x)", "x=1", "--symbolic", "symengine", hide_symengine=True)
    assert done.returncode == 2 and done.stdout == ""
    assert (
        done.stderr == "diffcheck: error: --symbolic symengine: symengine cannot be imported (pip install symengine)\n"
    )


def test_check_on_the_symengine_route_does_not_import_sympy():
    code = (
        "import sys; from click.testing import CliRunner; from diffcheck.cli import main; "
        "r = CliRunner().invoke(main, ['check', 'sin(x) * exp(x) + x ** 2', 'x=1']); "
        "print(r.exit_code, 'sympy' in sys.modules)"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    env.pop("DIFFCHECK_SYMBOLIC", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.stdout.split() == ["0", "False"], done.stderr


@pytest.mark.parametrize("route", ["sympy", "symengine", "auto"])
def test_the_route_is_named_in_json(route):
    from click.testing import CliRunner

    from diffcheck.cli import main

    result = CliRunner().invoke(main, ["check", "sin(x) * x", "x=0.5", "--symbolic", route, "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["symbolic"] == ("sympy" if route == "sympy" else "symengine")
    assert "DIFFCHECK_SYMBOLIC" not in os.environ  # the option's setting ends with the command


def test_a_point_symengine_cannot_value_goes_to_sympy():
    """abs at 0 is a kink: SymPy's sign(0) = 0 is the value shown, as on the SymPy route."""
    from diffcheck.lang.parse import parse_program

    case = Case(parse_program("abs(x) + x"), {"x": 0.0})
    result = check(case)
    assert (result.symbolic, result.tensors[0].sympy, result.tensors[0].status) == ("sympy", 1.0, "kink")
    assert assert_same(case) == "sympy"


def test_a_point_that_only_widens_the_tolerance_stays_on_symengine():
    """sin at 3.1 is ill-conditioned (its argument's rounding grows ~74 times): the hit widens the comparison's
    tolerance and nothing else, so symengine values the point, with SymPy's statuses and values."""
    from diffcheck.check.run import run_engine
    from diffcheck.lang.parse import parse_program

    case = Case(parse_program("sin(x) * y"), {"x": 3.1, "y": 2.0})
    hits: list = []
    run_engine(case, hits)
    assert [h.kind for h in hits] == ["ill-conditioned"]
    result = check(case)
    assert (result.symbolic, [t.status for t in result.tensors[:2]]) == ("symengine", ["match", "match"])
    assert assert_same(case) == "symengine"


def test_a_special_point_on_constants_stays_on_symengine():
    """x ** p at x < 0 is singular in its exponent (d/dp = x**p * log(x)), but with x and p constants (requires_grad
    False: PyTorch's tutorials build x.unsqueeze(-1).pow(p) so) no gradient reaches it: symengine values the point,
    with SymPy's statuses and values. Where x requires grad the hit is on its path and SymPy takes the case."""
    from diffcheck.check.run import run_engine
    from diffcheck.lang.parse import parse_program

    case = Case(parse_program("x ** p * w"), {"x": -0.5, "p": 3.0, "w": 1.5}, no_grad=frozenset({"x", "p"}))
    hits: list = []
    run_engine(case, hits)
    assert [(h.kind, h.depends) for h in hits] == [("singular", frozenset({"x", "p"}))]
    result = check(case)
    assert (result.symbolic, [(t.name, t.status, t.sympy) for t in result.tensors[:3]]) == (
        "symengine",
        [("x", "none", None), ("p", "none", None), ("w", "match", -0.125)],
    )
    assert assert_same(case) == "symengine"
    assert check(replace(case, no_grad=frozenset({"p"}))).symbolic == "sympy"
