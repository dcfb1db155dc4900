"""Hostile input at the expression front door: refused with one line and exit 2, nothing run, created or imported.

The corpus is tests/hostile/expressions.txt (one attack per line); tests/test_hostile_files.py covers sample files
and snippets, tests/test_fuzz_inputs.py feeds generated text.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from diffcheck.check import EXPLAINED, MATCH
from diffcheck.cli import main
from diffcheck.errors import DiffcheckError, LimitError
from diffcheck.lang.parse import Limits, parse_program

HOSTILE = Path(__file__).parent / "hostile"


def decode(text: str) -> str:
    r"""Corpus escapes: \xNN, \uNNNN and \n; everything else literal (so `ｅｖａｌ` stays full-width)."""
    return re.sub(
        r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|n)", lambda m: "\n" if m[1] == "n" else chr(int(m[1][1:], 16)), text
    )


def corpus(name: str) -> list[str]:
    lines = (HOSTILE / name).read_text(encoding="utf-8").splitlines()
    return [decode(line) for line in lines if line.strip() and not line.startswith("#")]


WIDE = "\n".join(f"a{i} = " + "*".join(["x"] * 25) for i in range(110))  # 5390 nodes, shallow and short
# Too big to write in the corpus file: generated here.
GENERATED = {
    "brackets beyond Python's parser": "(" * 1000 + "x" + ")" * 1000,
    "deep calls": "sin(" * 300 + "x" + ")" * 300,
    "long sum": "+".join(["x"] * 3000),
    "many nodes": WIDE,
    "deep unary minus": "-" * 300 + "x",
    "many statements": "\n".join(f"a{i} = x" for i in range(600)),
    "long text": "x" + " " * 20_000,
    "huge int": "1" * 5000 + " + x",
    "int beyond Python's own limit": "9" * 5000,
    "huge hex int": "0x" + "f" * 200 + " + x",
    "power tower in names": "a = 9\nb = a**9\nc = b**b\nout = c + x",
}
EXPRESSIONS = corpus("expressions.txt")
ATTACKS = EXPRESSIONS + list(GENERATED.values())
IDS = [f"line-{i}" for i in range(len(EXPRESSIONS))] + list(GENERATED)


def test_corpus_is_large_enough():
    assert len(EXPRESSIONS) >= 60


@pytest.mark.parametrize("attack", ATTACKS, ids=IDS)
def test_parser_refuses(attack):
    with pytest.raises(DiffcheckError) as caught:
        parse_program(attack, where="expression")
    assert "\n" not in str(caught.value) and str(caught.value).startswith("expression")


@pytest.mark.parametrize("attack", ATTACKS, ids=IDS)
def test_cli_refuses_with_one_line_and_exit_2(attack, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--", attack, "x=1"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("diffcheck: error: expression"), result.stderr
    assert "internal error" not in result.stderr and result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_refusals_import_nothing():
    parse_program("sin(x) + pow(y, 2)")  # the parser's own imports happen once, here
    before = set(sys.modules)
    for attack in ATTACKS:
        with pytest.raises(DiffcheckError):
            parse_program(attack)
    assert set(sys.modules) - before == set()


def test_import_attack_in_a_real_process_creates_nothing(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "diffcheck", "check", "__import__('os').system('touch pwned')"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "call of something other than a function name" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("tower", ["9**9**9**9", "2**10**10", "9**9**9"])
def test_power_towers_answer_exit_2(tower):
    result = CliRunner().invoke(main, ["check", tower])
    assert result.exit_code == 2
    assert "--max-power" in result.stderr or "beyond floating point" in result.stderr


@pytest.mark.parametrize(
    "field, attack",
    [
        ("max_length", "x" + " " * 20_000),
        ("max_depth", "-" * 300 + "x"),
        ("max_nodes", WIDE),
        ("max_statements", "\n".join(f"a{i} = x" for i in range(600))),
        ("max_int_digits", "1" * 200 + " + x"),
        ("max_power", "2**100000 + x"),
        ("max_power", "2**10**10"),
        ("max_power", "9**9**9**9"),
    ],
    ids=lambda value: value if len(value) < 20 else None,
)
def test_each_limit_names_its_flag_and_can_be_raised(field, attack):
    flag = "--max-" + field.removeprefix("max_").replace("_", "-")
    with pytest.raises(LimitError, match=re.escape(flag)):
        parse_program(attack)
    try:
        parse_program(attack, limits=Limits(**{field: 10**12}))
    except LimitError as error:  # another limit may still apply, never this one
        assert flag not in str(error)


def test_sympy_builtin_names_are_plain_variables():
    result = CliRunner().invoke(main, ["check", "E*I + N", "E=1", "I=2", "N=3", "--format", "json"])
    assert result.exit_code == 0, result.output
    grads = {t["name"]: t["engine"] for t in json.loads(result.stdout)["tensors"] if t["role"] == "input"}
    assert grads == {"E": 2.0, "I": 1.0, "N": 1.0}


def test_more_sympy_builtin_names_are_plain_variables():
    names = ["S", "Q", "beta", "gamma", "pi", "oo", "zoo", "O", "lambda_", "Symbol", "sympify"]
    values = [f"{name}={i + 1}" for i, name in enumerate(names)]
    result = CliRunner().invoke(main, ["check", " + ".join(f"{n}*{n}" for n in names), *values, "--format", "json"])
    assert result.exit_code == 0, result.output
    grads = {t["name"]: float(t["engine"]) for t in json.loads(result.stdout)["tensors"] if t["role"] == "input"}
    assert grads == {name: 2.0 * (i + 1) for i, name in enumerate(names)}


@pytest.mark.parametrize(
    "expression, values, statuses",
    [
        ("log(x) + 1/y + exp(z)", ["x=0", "y=0", "z=1000"], {"x": "singular", "y": "singular"}),
        ("x/y", ["x=0", "y=0"], None),
        ("sqrt(x) + log(y)", ["x=-1", "y=-1"], None),
        ("exp(x) * y", ["x=1000", "y=0"], None),
        ("1/0 + x", ["x=1"], {"x": MATCH}),
        ("x * 1e308 * 1e308", ["x=1e308"], None),
        ("acos(x) + asin(y)", ["x=2", "y=nan"], None),
        ("x - y", ["x=inf", "y=inf"], None),
    ],
)
def test_numerical_faults_are_rows_not_crashes(expression, values, statuses):
    """A real process: stderr stays empty (no NumPy RuntimeWarning, no traceback), every input gets a row."""
    result = subprocess.run(
        [sys.executable, "-m", "diffcheck", "check", expression, *values, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr
    assert result.stderr == ""
    rows = {t["name"]: t["status"] for t in json.loads(result.stdout)["tensors"] if t["role"] == "input"}
    assert set(rows) == {v.split("=")[0] for v in values}
    assert set(rows.values()) <= {MATCH, *EXPLAINED}
    assert statuses is None or statuses.items() <= rows.items()


def test_limit_flags_default_to_the_parser_limits():
    defaults = {p.name: p.default for p in main.commands["check"].params}
    assert {f: defaults[f] for f in Limits.__dataclass_fields__} == vars(Limits())
    assert defaults["max_elements"] == 100_000


@pytest.mark.parametrize(
    "args, flag",
    [
        (["1**20000 + x", "x=1"], "--max-power=30000"),
        (["-" * 300 + "x", "x=1"], "--max-depth=1000"),
        (["1" * 150 + " * x", "x=1"], "--max-int-digits=1000"),
        (["x", "x=[1,2,3]"], "--max-elements=3"),
    ],
)
def test_limit_flags_move_the_limits(args, flag):
    lowered = flag.split("=")[0] + "=2"
    assert flag.split("=")[0] in CliRunner().invoke(main, ["check", lowered, "--", *args]).stderr
    result = CliRunner().invoke(main, ["check", flag, "--", *args])
    assert result.exit_code == 0, result.output


def test_integer_constants_beyond_int64_are_a_result():  # found by this corpus
    result = CliRunner().invoke(main, ["check", "11111111111111111111 * 0 + x", "x=1"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("expression", ["x > y", "(x > y) * x"])  # found by tests/test_fuzz_inputs.py
def test_comparisons_give_a_result_or_a_clean_refusal(expression):
    result = CliRunner().invoke(main, ["check", expression, "x=0.5", "y=2"])
    assert result.exit_code in (0, 1, 2) and "internal error" not in result.stderr, result.output
