"""Powers at indeterminate forms with an inf or nan operand: IEEE 754 (and PyTorch) give 1, SymPy nan. A labelled
difference, `indeterminate`, in check, verify, fuzz and run alike (they share check/compare.py), never a bare mismatch.

Engine values below are PyTorch 2.13's, measured in float64 (`torch.tensor(a, dtype=torch.float64,
requires_grad=True) ** torch.tensor(b, ...)`, `.backward()`).
"""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from diffcheck.check import EXPLAINED, INDETERMINATE, Case, check
from diffcheck.cli import main
from diffcheck.fuzz import Candidate, evaluate
from diffcheck.lang.parse import parse_program

inf, nan = math.inf, math.nan
I = INDETERMINATE  # noqa: E741  (the status, as the tables below spell it)


def result_of(program: str, **values):
    return check(Case(parse_program(program), values))


def same(a, b) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize(
    "program, values, value, grads, statuses",
    [
        # PowBackward1: tensor ** tensor
        ("x ** y", dict(x=1.0, y=inf), 1.0, dict(x=inf, y=0.0), dict(out=I, x=I, y=I)),
        ("x ** y", dict(x=1.0, y=-inf), 1.0, dict(x=-inf, y=0.0), dict(out=I, x=I, y=I)),
        ("x ** y", dict(x=1.0, y=nan), 1.0, dict(x=nan, y=0.0), dict(out=I, x="match", y=I)),
        ("x ** y", dict(x=-1.0, y=inf), 1.0, dict(x=inf, y=nan), dict(out=I, x=I, y="match")),
        ("x ** y", dict(x=nan, y=0.0), 1.0, dict(x=0.0, y=nan), dict(out=I, x=I, y="match")),
        ("x ** y", dict(x=inf, y=0.0), 1.0, dict(x=0.0, y=inf), dict(out=I, x="match", y="match")),
        # PowBackward2: Python number ** tensor
        ("1 ** x", dict(x=inf), 1.0, dict(x=0.0), dict(out=I, x="match")),
        ("1 ** x", dict(x=nan), 1.0, dict(x=0.0), dict(out=I, x="match")),
        ("(-1) ** x", dict(x=-inf), 1.0, dict(x=nan), dict(out=I, x="match")),
    ],
)
def test_the_forms_are_labelled_with_pytorchs_values(program, values, value, grads, statuses):
    result = result_of(program, **values)
    rows = {t.name: t for t in result.tensors}
    assert same(result.output.value, value) and result.output.sympy_value == "nan"
    assert all(same(rows[name].engine, grad) for name, grad in grads.items())
    assert {"out": result.output.status, **{n: rows[n].status for n in statuses if n != "out"}} == statuses
    assert not result.failed


def test_the_note_names_the_op_its_place_and_the_form():
    result = result_of("a = x * 2\nb = a ** y", x=[2.0, 0.5], y=inf)
    (y,) = [t for t in result.tensors if t.name == "y"]
    assert y.status == I  # the engine's 4**inf * log(4) + 1 * log(1) against SymPy's oo + nan
    assert y.note == (
        "pow_tensor at 2:5: IEEE 754 defines pow(1, inf) = 1, as PyTorch; SymPy leaves this "
        "indeterminate form undefined (nan); SymPy gives nan, the engine inf"
    )


@pytest.mark.parametrize(
    "program, values",
    [
        ("x ** y", dict(x=0.0, y=0.0)),  # 0**0 = 1 on both sides
        ("x ** 0", dict(x=nan)),  # SymPy's nan**0 (an exact 0) is 1 too
        ("x ** y", dict(x=0.5, y=inf)),  # a limit both sides agree on
        ("2 ** x", dict(x=inf)),
    ],
)
def test_where_sympy_agrees_there_is_nothing_to_label(program, values):
    assert result_of(program, **values).output.status == "match"


def test_it_explains_only_sympys_nan():
    """x*sqrt(x) is smooth at 0 (SymPy 0, the engine nan): that stays zero-times-inf beside the indeterminate 1**y."""
    result = result_of("x * sqrt(x) + 1 ** y", x=0.0, y=inf)
    rows = {t.name: t.status for t in result.tensors}
    assert (result.output.status, rows["x"], rows["y"]) == (I, "zero-times-inf", "match")


def test_strict_fails_it_and_says_so():
    runner = CliRunner()
    assert runner.invoke(main, ["check", "1 ** x", "x=inf"], env={"NO_COLOR": "1"}).exit_code == 0
    strict = runner.invoke(main, ["check", "1 ** x", "x=inf", "--strict"], env={"NO_COLOR": "1"})
    assert strict.exit_code == 1
    assert "✗ --strict: out (value) differ at a kink, singular point, overflow or indeterminate form" in strict.stdout


def test_verify_pins_it(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        '[[case]]\nname = "one to the inf"\nprogram = "x ** y"\ninputs = { x = 1, y = inf }\n', encoding="utf-8"
    )
    runner = CliRunner()
    assert runner.invoke(main, ["verify", str(path), "-j", "1", "--update"]).exit_code == 0
    assert 'status = {x = "indeterminate", y = "indeterminate"}' in path.read_text(encoding="utf-8")
    assert runner.invoke(main, ["verify", str(path), "-j", "1"]).exit_code == 0
    path.write_text(path.read_text(encoding="utf-8").replace("inputs =", "strict = true\ninputs ="), encoding="utf-8")
    assert runner.invoke(main, ["verify", str(path), "-j", "1"]).exit_code == 1


def test_fuzz_counts_it_as_explained():
    kind, explained, detail = evaluate(Candidate(parse_program("x ** y"), {"x": 1.0, "y": inf}))
    assert (kind, detail) == ("ok", "") and set(explained) == {I} and I in EXPLAINED


def test_run_keeps_pythons_inf_and_labels_the_form():
    """In a snippet 1e400 is what Python makes of it, inf, as PyTorch prints; the verification labels 1**inf."""
    snippet = (
        "import torch\nx = torch.tensor(1.0, requires_grad=True)\ny = x ** 1e400\ny.backward()\nprint(x.grad, y)\n"
    )
    result = CliRunner().invoke(main, ["run", "-", "--format", "json"], input=snippet)
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["stdout"] == "tensor(inf) tensor(1., grad_fn=<PowBackward0>)\n"
    (verified,) = data["checks"]
    assert verified["output"]["status"] == I and {t["name"]: t["status"] for t in verified["tensors"]}["x"] == I
