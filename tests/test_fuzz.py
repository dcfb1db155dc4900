"""`diffcheck fuzz`: generator determinism and coverage, a planted backward bug found and shrunk, samples replayed."""

import dataclasses
import importlib.util

import pytest
from click.testing import CliRunner

from diffcheck import ops
from diffcheck.batch import samples
from diffcheck.check import EXPLAINED, MISMATCH, Case, check
from diffcheck.cli import main
from diffcheck.fuzz.run import sample_text
from diffcheck.fuzz import FINDINGS, UNARY, Candidate, evaluate, rows_of, signature
from diffcheck.fuzz.generate import generate
from diffcheck.fuzz.shrink import shrink
from diffcheck.fuzz.tables import differentiable
from diffcheck.lang.parse import parse_program
from diffcheck.lang.program import Apply, walk
from diffcheck.batch.verify import check_case


def test_same_seed_same_cases_and_every_case_parses_back():
    for index in range(40):
        a, b = generate(3, index, 5), generate(3, index, 5)
        assert (a.program.source, a.values, a.no_grad, a.retain) == (b.program.source, b.values, b.no_grad, b.retain)
        assert parse_program(a.program.source) == a.program  # printed text round-trips through the parser
    assert generate(3, 0, 5).program.source != generate(4, 0, 5).program.source


def test_generator_covers_every_front_op():
    seen = {row for index in range(1000) for row in rows_of(generate(1, index, 6).program)}
    front = {op.name for op in ops.OPS.values() if not op.internal} - {
        "dot",
        "mv",
        "mm",
        "cross_entropy_probs",
    }  # by rank, seen as their op
    front -= {"bmm", "matmul_nd"}  # 3-D operands: generated programs stay 2-D (fuzz/shapes.py NOT_DRAWN)
    front -= {"matmul_vm"}  # drawn (1-D @ 2-D), counted as matmul: rows_of sees no ranks
    front -= {
        op.name for op in ops.OPS.values() if not differentiable(op) and op.grad_fn
    }  # floor_divide: no derivative
    # not drawn: int64 indices (argmax), constants (arange ... zeros_like): no derivative to check; clamp_tensor:
    # programs' parameters are numbers
    constants = {name for name, op in ops.OPS.items() if op.int_result or not op.grad_fn and "like" in name}
    constants |= {"arange", "linspace", "eye", "full"}
    assert front - seen - {"sum_dim", "mean_dim", "clamp_tensor"} - constants == set()
    assert "matmul" in seen and set(UNARY) - {"square"} <= seen


def test_generated_cases_are_valid_programs():
    kinds = [evaluate(generate(11, index, 3))[0] for index in range(25)]
    assert "invalid" not in kinds


def test_a_sorted_values_subscript_keeps_its_shape():
    """`sort(atan(u), dim=0)[0][0:2]` (drawn by seed 202, case 437 at depth 6 when the tables were smaller): the values
    of sort are u's shape, not its first row's (the generator took them for `u[0]`, and its slice of a scalar ended
    the whole run); and matmul, whose rows go by rank, is no op of several answers."""
    from diffcheck.fuzz.generate import _several_outputs, _shape_of
    from diffcheck.lang.program import Apply, Const, Var

    values = Apply(
        "getitem",
        (Apply("sort", (Apply("atan", (Var("u"),)),), (("dim", Const(0)),)),),
        (("key", Const((False, (0,)))),),
    )
    sliced = Apply("getitem", (values,), (("key", Const((False, (("slice", 0, 2, None),)))),))
    assert _shape_of(values, {"u": (3,)}, {}, {}) == (3,)
    assert _shape_of(sliced, {"u": (3,)}, {}, {}) == (2,)
    assert _several_outputs("sort") and _several_outputs("max") and not _several_outputs("matmul")


def test_a_case_the_generator_fails_on_is_invalid_and_the_others_run(monkeypatch):
    from diffcheck import fuzz
    from diffcheck.fuzz import generate as generation

    def failing(seed, index, depth):
        if index == 1:
            raise IndexError("too many indices")
        return generate(seed, index, depth)

    monkeypatch.setattr(generation, "generate", failing)
    outcomes = fuzz.run_chunk([0, 1, 2], 11, 3, False, None)
    assert [(o.index, o.kind) for o in outcomes] == [(0, "ok"), (1, "invalid"), (2, "ok")]
    assert outcomes[1].detail == "the generator failed: IndexError: too many indices"


def test_shrink_cuts_a_program_down_to_the_failing_op():
    program = parse_program("t1 = exp(x) * y\nout = sin(t1) + cos(y)")
    start = Candidate(program, {"x": 0.3, "y": 1.7})

    def still_fails(c):  # a stand-in oracle: "fails" while sin is in the program
        return "sin" in rows_of(c.program)

    small = shrink(start, still_fails)
    assert rows_of(small.program) == ["sin"]
    assert all(v in (0.0, 1.0, -1.0, 0.5) for v in small.values.values())


@pytest.fixture
def wrong_sin(monkeypatch):
    monkeypatch.setitem(ops.OPS, "sin", dataclasses.replace(ops.OPS["sin"], vjp=lambda F, g, out, x: (g * -F.cos(x),)))


def test_planted_wrong_rule_is_found_shrunk_and_reproduced_by_verify(wrong_sin, tmp_path):
    # -j 1: worker processes would not see the monkeypatched table; seed 7 draws `out = sin(x)` among its 60 cases
    result = CliRunner().invoke(
        main, ["fuzz", "--cases", "60", "--seed", "7", "--depth", "3", "-j", "1", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1, result.output
    files = [p for p in tmp_path.glob("*.toml") if "-sin-" in p.name and "mismatch" in p.name]
    assert files, result.output
    loaded, _ = samples.load(files[0].read_text(), str(files[0]))
    (sample,) = loaded
    assert sum(isinstance(n, Apply) for s in sample.case.program.statements for n in walk(s.value)) <= 3
    # verify's own loader and check, in-process: its worker processes would not see the planted rule
    assert check_case(sample.case).failed


@pytest.mark.parametrize(
    "program", ["abs(x**0.5)", "sqrt(abs(x))", "x**0.5", "relu(x**0.5)", "abs(x)", "x**2/x", "log(x) * x"]
)
def test_a_finding_is_what_check_fails_with_checks_reason(program):
    """At x = 0 each meets a kink or a singular point: fuzz reports a finding exactly where `check` (and so `verify`
    on the written sample) fails, explains what check explains, and says why in check's words."""
    candidate = Candidate(parse_program(program), {"x": 0.0})
    result = check(Case(candidate.program, candidate.values))
    kind, explained, detail = evaluate(candidate)
    assert (kind in FINDINGS) == result.failed
    assert set(explained) == {status for status in result.statuses if status in EXPLAINED}
    assert all(t.note in detail for t in result.tensors if t.status == MISMATCH)


@pytest.mark.parametrize("program", ["abs(x**0.5)", "sqrt(abs(x))", "abs(x)**0.5"])
def test_nan_on_both_sides_at_a_singular_point_is_no_finding(program):
    """PyTorch 2.13 (float64) gives x.grad = nan for all three at x = 0, and SymPy's derivative is nan there too:
    non-finite values that agree by kind are a match, as x**2/x is at 0."""
    assert evaluate(Candidate(parse_program(program), {"x": 0.0}))[0] == "ok"


def test_a_condition_holding_a_piecewise_is_no_crash():
    """A crash of `fuzz --seed 41`: SymPy 1.14's ITE rewrite of a condition holding hardsigmoid's Piecewise failed
    (pop from an empty set) on its branch x*x <= -3, False once evaluated."""
    values = {"x": 0.0, "y": [0.0, 0.0, 0.0], "z": 0.0}
    assert evaluate(Candidate(parse_program("where(hardsigmoid(x * x) < x, y, z)"), values))[0] == "ok"


def test_written_sample_is_a_valid_verify_file(tmp_path):
    candidate = Candidate(
        parse_program("t1 = exp(x)\nout = sin(t1) * y"),
        {"x": 0.5, "y": [1.0, 2.0]},
        frozenset({"y"}),
        frozenset({"t1"}),
    )
    path = tmp_path / "finding.toml"
    path.write_text(sample_text("mismatch", signature("mismatch", candidate), candidate, "x: engine 1, SymPy 2", 7, 3))
    replay = CliRunner().invoke(main, ["verify", str(path), "-j", "1"])
    assert replay.exit_code == 0, replay.output  # the real engine agrees here: the file loads and runs


def test_same_findings_whatever_the_job_count():
    one = CliRunner().invoke(main, ["fuzz", "--cases", "16", "--seed", "5", "--depth", "3", "-j", "1"])
    two = CliRunner().invoke(main, ["fuzz", "--cases", "16", "--seed", "5", "--depth", "3", "-j", "2"])
    assert one.exit_code == two.exit_code

    def body(output):  # everything but the rate
        return [line for line in output.splitlines() if "cases/s" not in line]

    assert body(one.output) == body(two.output)


def test_dry_run_prints_programs_and_checks_nothing():
    result = CliRunner().invoke(main, ["fuzz", "--dry-run", "--cases", "3", "--seed", "7"])
    assert result.exit_code == 0
    assert result.output.count("# case ") == 3 and "out = " in result.output


@pytest.mark.parametrize("args", [["--cases", "0"], ["--depth", "0"], ["--against", "tensorflow"], ["--seed", "-1"]])
def test_bad_usage_exits_2(args):
    assert CliRunner().invoke(main, ["fuzz", *args]).exit_code == 2


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="PyTorch is installed")
def test_against_torch_without_torch_is_one_line_and_exit_2():
    result = CliRunner().invoke(main, ["fuzz", "--against", "torch", "--cases", "1"])
    assert result.exit_code == 2 and "PyTorch" in result.output


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not installed")
def test_against_torch_agrees_on_simple_cases():
    program = parse_program("out = sum(relu(x) * 2 - x)")
    assert evaluate(Candidate(program, {"x": [0.0, 1.5]}), against="torch")[0] == "ok"


def test_a_case_past_its_budget_is_a_timeout_and_leaves_nothing_running(monkeypatch):
    import threading

    import diffcheck.fuzz as fuzz_module
    from diffcheck.fuzz import Candidate, evaluate
    from diffcheck.lang.parse import parse_program

    monkeypatch.setattr(fuzz_module, "CASE_SECONDS", 1)
    monkeypatch.setenv("DIFFCHECK_SYMBOLIC", "sympy")  # SymPy's exp tower takes minutes
    before = threading.active_count()
    kind, _, detail = evaluate(
        Candidate(parse_program("exp(exp(exp(exp(exp(x)))))"), {"x": 1.0}, frozenset(), frozenset())
    )
    assert (kind, detail) == ("timeout", "over 1s")
    assert threading.active_count() == before  # the work ran in a child process, killed at the deadline
