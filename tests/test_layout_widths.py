"""The human output at 60, 80 and 120 columns: exact text for representative reports, and over many reports what makes
them usable in a narrow terminal: no line wider than the terminal, no status or number cropped or broken."""

import json
import re

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from diffcheck.cli import main
from diffcheck.render.check import MAX_ELEMENTS, STATUS_STYLE, WORST_ELEMENTS

WIDTHS = (60, 80, 120)
README_CHECK = ["check", "z = pow(x, 2) + pow(y, 2)", "x=3", "y=4", "--no-grad", "y"]
W = "[[0.1, -0.2, 0.3, 0.05], [0.4, 0.1, -0.3, 0.2], [-0.1, 0.25, 0.2, 0.3]]"
MLP = ["check", "h = relu(W1 @ x + b1); y = sum(W2 @ h + b2)", "x=[1,2,3,4]", f"W1={W}", "b1=[0.1,0.2,0.3]"]
MLP += ["W2=[[0.5, -0.5, 1.5]]", "b2=[0.5]"]
W5 = str([[round(0.1 * (i - j) + 0.05, 2) for j in range(6)] for i in range(5)])  # 30 elements: the worst shown
CHAIN = "; ".join(["a1 = x * 2", *(f"a{i} = a{i - 1} * 2" for i in range(2, 15)), "y = a14 + x"])
CHECKS = [
    README_CHECK,
    ["check", "sum(sin(x) * W @ x)", "x=[1,2]", "W=[[1,2],[3,4]]", "--no-grad", "W"],
    ["check", "y = relu(x)", "x=0"],
    ["check", "y = sqrt(x)", "x=0"],
    ["check", "z = x ** y", "x=1", "y=inf"],
    ["check", "y = log(exp(x))", "x=1000"],
    ["check", "y = exp(x) * sin(x)", "x=1.3", "--numeric"],
    ["check", "y = tanh(x) * x", "x=[0.5, -1.25, 3.0, 1e-300]", "--engine", "diffcheck"],
    ["check", "a_rather_long_intermediate_name = x * x; y = a_rather_long_intermediate_name + 1", "x=2"],
    ["check", CHAIN, "x=1.5"],
    ["check", "y = sum(tanh(W @ x))", "x=[1,2,3,4,5,6]", f"W={W5}"],
    MLP,
]


def run(width: int, *args: str):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": str(width)})


def assert_fits(text: str, width: int) -> None:
    lines = text.splitlines()
    assert max(map(cell_len, lines)) <= width, "\n".join(line for line in lines if cell_len(line) > width)
    cells = [line for line in lines if line[:1] in "┃│"]
    assert not any("…" in line for line in cells), "\n".join(cells)  # rich's ellipsis: something was cropped


def flat(value) -> list:
    return [x for v in value for x in flat(v)] if isinstance(value, list) else [value]


def shown(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)


# ---- exact text ---------------------------------------------------------------------------------------------------
README_AT = {
    60: """\
z = pow(x, 2) + pow(y, 2)
┏━━━━━━━━┳━━━━━┳━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━┳━━━━━━━━━━━━━━┓
┃        ┃     ┃      ┃ engine .grad ┃  abs ┃              ┃
┃ tensor ┃ req ┃ leaf ┃ SymPy        ┃  err ┃ status       ┃
┡━━━━━━━━╇━━━━━╇━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━╇━━━━━━━━━━━━━━┩
│ x      │ yes │ yes  │ 6.0          │    0 │ ✓ match      │
│ input  │     │      │ 6.0          │      │              │
│ y      │ no  │ yes  │ None         │      │ none         │
│ input  │     │      │ None         │      │              │
│ z      │ yes │ no   │ None         │      │ not-retained │
│ output │     │      │ None         │      │              │
└────────┴─────┴──────┴──────────────┴──────┴──────────────┘
dz/dx = 2*x
y: requires_grad=False: .grad is None on both sides
z: non-leaf: .grad is None unless retained (--retain-grad z)
z = tensor(25., grad_fn=<AddBackward0>)
✓ all gradients agree (1 checked)
""",
    80: """\
z = pow(x, 2) + pow(y, 2)
┏━━━━━━━━┳━━━━━━━━┳━━━━━┳━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━━━┓
┃ tensor ┃ role   ┃ req ┃ leaf ┃ engine .grad ┃ SymPy ┃ abs err ┃ status       ┃
┡━━━━━━━━╇━━━━━━━━╇━━━━━╇━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━┩
│ x      │ input  │ yes │ yes  │ 6.0          │ 6.0   │       0 │ ✓ match      │
│ y      │ input  │ no  │ yes  │ None         │ None  │         │ none         │
│ z      │ output │ yes │ no   │ None         │ None  │         │ not-retained │
└────────┴────────┴─────┴──────┴──────────────┴───────┴─────────┴──────────────┘
dz/dx = 2*x
y: requires_grad=False: .grad is None on both sides
z: non-leaf: .grad is None unless retained (--retain-grad z)
z = tensor(25., grad_fn=<AddBackward0>)
✓ all gradients agree (1 checked)
""",
    120: """\
z = pow(x, 2) + pow(y, 2)
┏━━━━━━━━┳━━━━━━━━┳━━━━━┳━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━━━┓
┃ tensor ┃ role   ┃ req ┃ leaf ┃ engine .grad ┃ SymPy ┃ derivative ┃ abs err ┃ status       ┃
┡━━━━━━━━╇━━━━━━━━╇━━━━━╇━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━┩
│ x      │ input  │ yes │ yes  │ 6.0          │ 6.0   │ 2*x        │       0 │ ✓ match      │
│ y      │ input  │ no  │ yes  │ None         │ None  │            │         │ none         │
│ z      │ output │ yes │ no   │ None         │ None  │            │         │ not-retained │
└────────┴────────┴─────┴──────┴──────────────┴───────┴────────────┴─────────┴──────────────┘
y: requires_grad=False: .grad is None on both sides
z: non-leaf: .grad is None unless retained (--retain-grad z)
z = tensor(25., grad_fn=<AddBackward0>)
✓ all gradients agree (1 checked)
""",
}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_readme_check_at_each_width(width):
    result = run(width, *README_CHECK)
    assert (result.exit_code, result.stdout) == (0, README_AT[width])


@pytest.mark.parametrize("page", ["README.md", "docs/index.md", "docs/check.md"])
def test_the_readme_and_the_docs_show_the_80_column_table(page):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / page).read_text(encoding="utf-8")
    command = '$ diffcheck check "z = pow(x, 2) + pow(y, 2)" x=3 y=4 --no-grad y'
    assert f"{command}\n{README_AT[80]}```" in text


SAMPLE = """\
[[case]]
name = "square"
program = "y = x * x"
inputs = { x = 3.0 }

[[case]]
name = "a stale pin on a square, named at some length"
program = "y = x * x"
inputs = { x = 3.0 }
expect = { grad = { x = 7.0 } }
"""

VERIFY_AT = {
    60: """\
diffcheck verify
┏━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━┳━━━━━━━┓
┃          ┃                      ┃        ┃ worst ┃       ┃
┃ file     ┃ case                 ┃ status ┃ error ┃  time ┃
┡━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━╇━━━━━━━┩
│ s.toml:1 │ square               │ ✓ pass │     0 │ 0.00s │
│ s.toml:6 │ a stale pin on a     │ ✗ fail │     0 │ 0.00s │
│          │ square, named at     │        │       │       │
│          │ some length          │        │       │       │
└──────────┴──────────────────────┴────────┴───────┴───────┘
s.toml:6: broken expectation: x.grad: expected 7.0, got 6.0
2 cases: 1 passed, 1 failed, 0 errors, 0 timed out in 0.0 s
(-j 1); exit code 1
""",
    80: """\
diffcheck verify
┏━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━┳━━━━━━━┓
┃          ┃                                          ┃        ┃ worst ┃       ┃
┃ file     ┃ case                                     ┃ status ┃ error ┃  time ┃
┡━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━╇━━━━━━━┩
│ s.toml:1 │ square                                   │ ✓ pass │     0 │ 0.00s │
│ s.toml:6 │ a stale pin on a square, named at some   │ ✗ fail │     0 │ 0.00s │
│          │ length                                   │        │       │       │
└──────────┴──────────────────────────────────────────┴────────┴───────┴───────┘
s.toml:6: broken expectation: x.grad: expected 7.0, got 6.0
2 cases: 1 passed, 1 failed, 0 errors, 0 timed out in 0.0 s (-j 1); exit code 1
""",
}


@pytest.mark.parametrize("width", sorted(VERIFY_AT))
def test_verify_at_each_width(tmp_path, monkeypatch, width):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text(SAMPLE)
    result = run(width, "verify", "s.toml", "-j", "1")
    text = re.sub(r"\d+\.\d\ds", "0.00s", result.stdout)  # times differ run to run
    text = re.sub(r"in \d+\.\d s", "in 0.0 s", text)
    assert (result.exit_code, text) == (1, VERIFY_AT[width])


OPS_AT_80 = """\
The op table (every spelling also works prefixed: torch.nn.functional.
torch.linalg. torch. linalg. math. numpy. np. F.)
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ op: spellings, grad_fn, fields                                               ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ add                                                                          │
│ a + b                                                                        │
│ AddBackward0                                                                 │
│ arity: 2                                                                     │
│ rule: d/da (a + b) = 1, d/db (a + b) = 1                                     │
│ SymPy: a + b                                                                 │
│ domain: [-2, 2]                                                              │
│ special: none                                                                │
├──────────────────────────────────────────────────────────────────────────────┤
"""


def test_the_op_table_at_80_stacks_a_rows_fields_and_keeps_every_name_whole():
    text = run(80, "ops").stdout
    assert text.startswith(OPS_AT_80)
    for name in ("binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogitsBackward0"):  # the longest
        assert f"│ {name} " in text


def test_many_tensors_show_the_worst_and_say_how_many_are_not_shown():
    args = ["check", CHAIN, "x=1.5"]
    rows = lambda text: [line for line in text.splitlines() if line.startswith("│ ") and line[2] != " "]  # noqa: E731
    short, full = run(120, *args).stdout, run(120, *args, "-v").stdout
    assert len(rows(short)) == 12 and len(rows(full)) == 16
    assert "… 4 more tensors not shown, none worse than those above (-v/--verbose shows all)" in short
    assert "more tensors" not in full
    notes = "a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11: non-leaf: .grad is None unless retained (--retain-grad NAME)"
    assert notes in short  # one line for the same note, not eleven


def test_a_long_derivative_is_cut_unless_verbose():
    short, full = run(80, *MLP).stdout, run(80, *MLP, "--verbose").stdout
    assert "more characters (-v/--verbose)" in short and "more characters" not in full
    assert len(short.splitlines()) < 80 < len(full.splitlines())


# ---- properties over many reports ---------------------------------------------------------------------------------
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("args", CHECKS, ids=lambda args: args[1][:30])
def test_check_fits_and_keeps_every_number_and_status_whole(width, args):
    result = run(width, *args)
    assert result.exit_code in (0, 1), result.output
    assert_fits(result.stdout, width)
    data = json.loads(run(width, *args, "--format", "json").stdout)
    data = data["engines"][0] if "engines" in data else data
    shown_tensors = [t for t in data["tensors"] if re.search(rf"^│ {re.escape(t['name'])} ", result.stdout, re.M)]
    assert shown_tensors
    for t in shown_tensors:
        count = len(flat(t["engine"])) if isinstance(t["engine"], list) else 1
        if count > MAX_ELEMENTS:  # the worst elements, each with its index, and how many are not shown
            assert f"({count - WORST_ELEMENTS} more elements: -v)" in result.stdout
            continue
        for key in ("engine", "sympy", "numeric"):
            for number in flat(t[key]) if t[key] is not None else []:
                assert re.search(rf"(?<![\w.]){re.escape(shown(number))}(?![\w.])", result.stdout), (key, number)
        assert STATUS_STYLE[t["status"]][0] in result.stdout
        if t["abs_err"]:
            assert f"{t['abs_err']:.1e}" in result.stdout


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("args", [["verify", "samples/article.toml", "samples/kinks"], ["ops"], ["ops", "pow"]])
def test_verify_and_ops_fit(width, args):
    result = run(width, *args, *(["-j", "1"] if args[0] == "verify" else []))
    assert result.exit_code == 0, result.output
    assert_fits(result.stdout, width)
    if args[0] == "verify":  # every place whole on one line: a path stays clickable
        for place in re.findall(r"samples/\S+\.toml:\d+", run(300, *args, "-j", "1").stdout):
            assert re.search(rf"(?<!\S){re.escape(place)}(?!\S)", result.stdout), place


def test_a_large_gradient_shows_its_worst_elements_first():
    args = ["check", "y = sum(tanh(W @ x))", "x=[1,2,3,4,5,6]", f"W={W5}"]
    short, full = run(120, *args).stdout, run(120, *args, "-v").stdout
    w = next(t for t in json.loads(run(120, *args, "--format", "json").stdout)["tensors"] if t["name"] == "W")
    engine, sympy = flat(w["engine"]), flat(w["sympy"])
    worst = max(range(len(engine)), key=lambda i: abs(engine[i] - sympy[i]))
    first = next(line for line in short.splitlines() if line.startswith("│ W "))
    assert f"[{worst // 6}, {worst % 6}] {engine[worst]!r}" in first
    assert "(24 more elements: -v)" in short and "more elements" not in full
    assert all(re.search(rf"(?<![\w.]){re.escape(repr(v))}(?![\w.])", full) for v in engine)
