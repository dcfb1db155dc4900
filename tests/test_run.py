"""`diffcheck run`: a snippet prints byte for byte what PyTorch prints, warnings and errors included, and every
backward() call is verified with `check`.

tests/snippets/<name>.py is a snippet, <name>.stdout its exact output and <name>.stderr its exact stderr (absent:
empty), recorded from PyTorch 2.13 (CPU) running the file as a script from that directory. `{dir}` stands for the
absolute snippets directory: Python names a script by its absolute path in warnings. A snippet that PyTorch ends with
an exception ends here with diffcheck's one line `file:line: RuntimeError: <PyTorch's text>` (PyTorch prints a
traceback ending in that text, pointing at that line).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from diffcheck.check import KINK, MATCH, NONE, NOT_RETAINED
from diffcheck.cli import main
from diffcheck.snippet import run_snippet, verify
from diffcheck.snippet.parse import parse_snippet

SNIPPETS = Path(__file__).resolve().parent / "snippets"
NAMES = sorted(path.stem for path in SNIPPETS.glob("*.py"))
EXIT = {**{name: 2 for name in NAMES if name.startswith("errors_")}, "no_backward": 2, "legendre_wrong_backward": 1}
ARTICLE = ["article_1", "article_2", "article_3"]  # the three programs of the seed article, verbatim


def expected(name: str) -> tuple[str, str]:
    stdout = (SNIPPETS / f"{name}.stdout").read_text(encoding="utf-8")
    stderr = SNIPPETS / f"{name}.stderr"
    return stdout, stderr.read_text(encoding="utf-8").replace("{dir}", str(SNIPPETS)) if stderr.exists() else ""


@pytest.fixture
def run(monkeypatch):
    """`diffcheck run ARGS...` through click, from the snippets directory, streams kept apart."""
    monkeypatch.chdir(SNIPPETS)

    def invoke(*args, input=None):
        return CliRunner().invoke(main, ["run", *args], input=input)

    return invoke


def outcome_of(text: str, where: str = "s.py"):
    """Interpret `text` and verify it: (program output, report, lines)."""
    printed: list[str] = []
    outcome = run_snippet(parse_snippet(text, where), printed.append)
    report, lines = verify(outcome)
    return "".join(printed), outcome, report


# ---- byte for byte ------------------------------------------------------------------------------------------------
def test_corpus_has_the_article_and_twenty_more():
    assert set(ARTICLE) <= set(NAMES) and len(NAMES) - len(ARTICLE) >= 20
    for name in NAMES:
        assert (SNIPPETS / f"{name}.stdout").exists(), name


@pytest.mark.parametrize("name", NAMES)
def test_snippet_prints_what_pytorch_prints(run, name):
    stdout, stderr = expected(name)
    result = run("--quiet", f"{name}.py")
    assert result.stdout == stdout
    assert result.stderr == stderr
    assert result.exit_code == EXIT.get(name, 0), result.stderr


@pytest.mark.parametrize("name", ARTICLE + ["seed_d", "errors_second_backward"])
def test_in_a_real_process(name):
    stdout, stderr = expected(name)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    done = subprocess.run(
        [sys.executable, "-m", "diffcheck", "run", "--quiet", f"{name}.py"],
        cwd=SNIPPETS,
        capture_output=True,
        env=env,
        timeout=300,
    )
    assert done.stdout == stdout.encode()
    assert done.stderr == stderr.encode()
    assert done.returncode == EXIT.get(name, 0)


def test_article_example_two_is_the_articles_output(run):
    article = (
        "x.requires_grad: True\ny.requires_grad: False\nz.requires_grad: True\nx.grad: tensor(6.)\n"
        "y.grad: None\nz.grad: None\ntensor(25., grad_fn=<AddBackward0>)\n"
    )
    result = run("--quiet", "article_2.py")
    assert result.stdout == article
    assert result.stderr.startswith(
        f"{SNIPPETS / 'article_2.py'}:11: UserWarning: The .grad attribute of a Tensor "
        "that is not a leaf Tensor is being accessed."
    )
    assert result.stderr.endswith('.)\n  print("z.grad:",z.grad)\n')


def test_stdin_is_named_as_python_names_it(run):
    result = run("--quiet", "-", input=(SNIPPETS / "seed_b.py").read_text())
    assert result.stdout == expected("seed_b")[0]
    # python - < file: `<stdin>` and no source line, since Python cannot read it back
    assert [line.split(" UserWarning")[0] for line in result.stderr.splitlines()] == ["<stdin>:10:", "<stdin>:12:"]


def test_warning_raised_under_error_filter(run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run("--quiet", "seed_b.py")
    assert result.stdout == "True False True\nTrue True False\ntensor(6.)\nNone\n"
    assert result.stderr.startswith("seed_b.py:10: UserWarning: The .grad attribute of a Tensor that is not a leaf")
    assert result.exit_code == 2


# ---- the verification -----------------------------------------------------------------------------------------------
def test_table_follows_the_output(run):
    result = run("article_2.py")
    stdout = expected("article_2")[0]
    assert result.stdout.startswith(stdout + "\n")
    table = result.stdout[len(stdout) + 1 :]
    assert table.splitlines()[0].strip() == "article_2.py:8: z.backward()"
    assert "2*x" in table and "✓ all gradients agree (1 checked)" in table
    assert "z.retain_grad() before backward" in table  # the hint a snippet can follow, not check's flag
    assert result.exit_code == 0


def test_output_without_final_newline_still_starts_the_table_on_a_line_of_its_own(run):
    result = run(
        "-",
        input="import torch\nx = torch.tensor(1.0, requires_grad=True)\n(x * 3).backward()\nprint(x.grad, end='')\n",
    )
    assert result.stdout.startswith("tensor(3.)\n\n<stdin>:3: (x * 3).backward()")


@pytest.mark.parametrize(
    "name, rows",
    [
        ("article_3", {"x": (MATCH, 6.0), "y": (NONE, None), "z": (MATCH, 1.0)}),
        ("seed_a", {"x": (MATCH, 6.0), "y": (NOT_RETAINED, None)}),
        ("no_grad", {"x": (MATCH, 8.0), "y": (NONE, None), "q": (NOT_RETAINED, None), "z": (NOT_RETAINED, None)}),
        ("requires_grad_flag", {"b": (MATCH, 6.0), "t": (MATCH, [2.0, 4.0]), "c": (NOT_RETAINED, None)}),
        ("detach", {"x": (MATCH, 3.0), "d": (NONE, None), "z": (NOT_RETAINED, None)}),
    ],
)
def test_tensors_of_the_graph_are_checked(name, rows):
    _, _, report = outcome_of((SNIPPETS / f"{name}.py").read_text(encoding="utf-8"), f"{name}.py")
    tensors = {t.name: (t.status, t.engine) for t in report.results[0].tensors}
    assert tensors == rows
    assert report.return_code == 0


# an embedding table and a batch of integer indices (makemore's C and X)
EMBEDDING = (
    "import torch\n"
    "C = torch.tensor([[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5], [1.25, -0.5], [0.1, 0.2]], dtype=torch.float64,"
    " requires_grad=True)\n"
    "X = torch.tensor([[0, 1], [3, 4], [2, 2]])\n"
)


def test_a_subscript_by_a_leaf_of_integers_or_bools_is_verified():
    """An embedding lookup `C[X]` (X int64) and a mask leaf `C[m]`: the key is an index (a mask) input of the case,
    concrete on the exact side, as gather's index is. Gradients as PyTorch 2.13 gives them (float64, .tolist())."""
    text = (
        EMBEDDING + "(C[X] * C[X]).sum().backward()\n"
        "C.grad = None\n"
        "m = torch.tensor([True, False, True, False, True])\n"
        "C[m].exp().sum().backward()\n"
    )
    _, _, report = outcome_of(text)
    assert report.return_code == 0 and not report.errors
    lookup, masked = ({t.name: (t.status, t.engine) for t in r.tensors} for r in report.results)
    assert lookup["C"] == (MATCH, [[1.0, -2.0], [4.0, 0.5], [-3.0, 6.0], [2.5, -1.0], [0.2, 0.4]])
    assert lookup["X"] == (NONE, None)
    assert masked["C"] == (
        MATCH,
        [
            [1.6487212707001282, 0.36787944117144233],
            [0.0, 0.0],
            [0.4723665527410147, 4.4816890703380645],
            [0.0, 0.0],
            [1.1051709180756477, 1.2214027581601699],
        ],
    )


def test_a_computed_tensor_of_integers_is_an_input_of_the_graph():
    """`Xb = X[ix]` (makemore's batch) carries no gradient: the graph takes its values, an index of `C[Xb]`, not the
    ops that made it (PyTorch 2.13's C.grad, float64)."""
    text = EMBEDDING + "Xb = X[torch.tensor([2, 0])]\nC[Xb].pow(3).sum().backward()\n"
    _, _, report = outcome_of(text)
    assert report.return_code == 0 and not report.errors
    tensors = {t.name: (t.role, t.status, t.engine) for t in report.results[0].tensors}
    assert tensors["C"] == ("input", MATCH, [[0.75, 3.0], [12.0, 0.1875], [3.375, 13.5], [0.0, 0.0], [0.0, 0.0]])
    assert tensors["Xb"] == ("input", NONE, None) and "X" not in tensors


def test_each_backward_call_is_its_own_case_and_identical_ones_are_checked_once():
    _, _, report = outcome_of((SNIPPETS / "accumulate.py").read_text())
    assert len(report.results) == 1
    assert report.results[0].name == "s.py:4: y.backward(retain_graph=True)  (4 identical calls, lines 4, 6, 11, 15)"
    assert {t.name: t.engine for t in report.results[0].tensors}["x"] == 6.0  # one call's gradient, not the sum
    _, _, report = outcome_of((SNIPPETS / "loops.py").read_text())
    assert [r.output.value for r in report.results] == [1.0, 2.0, 3.0, 4.0]


def test_backward_with_gradient_checks_the_vector_jacobian_product():
    _, _, report = outcome_of((SNIPPETS / "gradient_arg.py").read_text())
    second = report.results[1]
    assert second.output.name == "sum(y * w)"
    assert {t.name: (t.status, t.engine) for t in second.tensors}["x"] == (MATCH, [2.0, 1.0, -2.0])


def test_a_variable_reassigned_keeps_both_versions_apart():
    text = (
        "import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x * x\nold = y\ny = y * x\n"
        "y = y + old\ny.backward()\nprint(x.grad)\n"
    )
    printed, _, report = outcome_of(text)
    assert printed == "tensor(16.)\n"  # d/dx (x**3 + x**2) at 2
    assert [t.name for t in report.results[0].tensors] == ["x", "y@3", "y@5", "y"]
    assert report.return_code == 0


def test_unnamed_leaves_are_named_by_their_source():
    _, _, report = outcome_of("import torch\n(torch.tensor(2.0, requires_grad=True) ** 3).backward()\n")
    names = [t.name for t in report.results[0].tensors]
    assert names == ["torch.tensor(2.0, requires_grad=True)", "torch.tensor(2.0, requires_grad=True) ** 3"]


def test_kinks_are_explained_not_failed(run):
    result = run("kinks.py")
    assert result.exit_code == 0
    assert "singular" in result.stdout
    assert run("--strict", "kinks.py").exit_code == 1
    _, _, report = outcome_of((SNIPPETS / "kinks.py").read_text())
    assert KINK in {t.status for r in report.results for t in r.tensors}


def test_json_has_the_output_and_every_check(run):
    result = run("--format", "json", "seed_c.py")
    data = json.loads(result.stdout)
    assert data["stdout"] == expected("seed_c")[0]
    assert data["exit_code"] == 0 and data["errors"] == [] and data["file"] == "seed_c.py"
    (check,) = data["checks"]
    assert check["backward_lines"] == [7] and check["ok"] is True
    assert {t["name"]: t["engine"] for t in check["tensors"]} == {"x": 6.0, "y": None, "z": 1.0}
    assert result.exit_code == 0


def test_json_reports_how_the_run_stopped(run):
    data = json.loads(run("--format", "json", "errors_second_backward.py").stdout)
    assert data["errors"] == [
        "errors_second_backward.py:6: RuntimeError: "
        + expected("errors_second_backward")[1].split("RuntimeError: ")[1].rstrip("\n")
    ]
    assert len(data["checks"]) == 1 and data["exit_code"] == 2


def test_a_runtime_error_keeps_the_output_and_the_earlier_checks(run):
    result = run("errors_second_backward.py")
    assert result.stdout.startswith("tensor(6.)\n\nerrors_second_backward.py:4: y.backward()")
    assert result.stderr == expected("errors_second_backward")[1]
    assert result.exit_code == 2


def test_nothing_to_verify_is_trouble(run):
    result = run("no_backward.py")
    assert result.stdout == expected("no_backward")[0]
    assert result.stderr == "diffcheck: error: no_backward.py: no backward() call: nothing to verify\n"
    assert result.exit_code == 2


def test_refused_snippet_prints_nothing(run):
    result = run("-", input='print("never")\nimport os\n')
    assert result.stdout == ""
    assert result.stderr == "diffcheck: error: <stdin>:2:8: import of 'os' is not supported (only torch and math)\n"
    assert result.exit_code == 2


def test_unreadable_file_and_option_conflicts(run):
    result = run("missing.py")
    assert result.exit_code == 2 and result.stderr.startswith("diffcheck: error: missing.py: cannot read")
    assert run("--quiet", "--format", "json", "seed_a.py").exit_code == 2


def test_run_is_documented():
    page = (Path(__file__).resolve().parents[1] / "docs" / "run.md").read_text(encoding="utf-8")
    assert page.startswith("# `diffcheck run`\n")
    assert CliRunner().invoke(main, ["run", "--help"]).exit_code == 0


def test_next_functions_prints_as_pytorch_prints_it(run, tmp_path):
    # recorded from torch 2.13: the objects' addresses differ run to run, the rest is PyTorch's output
    (tmp_path / "nf.py").write_text(
        "import torch\nx = torch.tensor(1.5, requires_grad=True)\ny = x * 3 + torch.sin(x)\n"
        "print(y.grad_fn.next_functions)\nprint((x * 2).grad_fn.next_functions)\n"
        "y.backward()\nprint(x.next_functions)\n"
    )
    result = run("--quiet", str(tmp_path / "nf.py"))
    address = r"object at 0x[0-9a-f]+>"
    assert re.fullmatch(
        rf"\(\(<MulBackward0 {address}, 0\), \(<SinBackward0 {address}, 0\)\)\n"
        rf"\(\(<AccumulateGrad {address}, 0\), \(None, 0\)\)\n",
        result.stdout,
    ), result.stdout
    assert (
        result.stderr == f"{tmp_path / 'nf.py'}:7: AttributeError: 'Tensor' object has no attribute 'next_functions'\n"
    )
    assert result.exit_code == 2


def test_a_number_first_is_listed_as_pytorch_lists_it(run, tmp_path):
    # recorded from torch 2.13: torch's add/sub/mul/div keep a Python number first, as (None, 0); an operator calls the
    # tensor's reflected method, so `2 + x` is add(x, 2) and `2 - x` rsub(x, 2), which lists no number
    (tmp_path / "nf.py").write_text(
        "import torch\nx = torch.tensor(1.5, requires_grad=True)\n"
        + "".join(
            f"print(({call}).grad_fn.next_functions)\n"
            for call in (
                "torch.sub(2, x)",
                "torch.div(2.5, x)",
                "torch.add(True, x)",
                "2 + x",
                "2 * x",
                "2 - x",
                "2 / x",
            )
        )
        + "torch.sub(2, x).backward()\n"
    )
    result = run("--quiet", str(tmp_path / "nf.py"))
    acc, none = r"\(<AccumulateGrad object at 0x[0-9a-f]+>, 0\)", r"\(None, 0\)"
    reciprocal = r"\(<ReciprocalBackward0 object at 0x[0-9a-f]+>, 0\)"
    assert re.fullmatch(
        rf"(\({none}, {acc}\)\n){{3}}(\({acc}, {none}\)\n){{2}}\({acc},\)\n\({reciprocal}, {none}\)\n", result.stdout
    ), result.stdout
    assert result.exit_code == 0


def test_next_functions_of_a_leaf_is_pytorchs_attribute_error(run, tmp_path):
    (tmp_path / "leaf.py").write_text(
        "import torch\nx = torch.tensor(1.5, requires_grad=True)\nprint(x.grad_fn.next_functions)\n"
    )
    result = run("--quiet", str(tmp_path / "leaf.py"))
    assert result.stderr == (
        f"{tmp_path / 'leaf.py'}:3: AttributeError: 'NoneType' object has no attribute 'next_functions'\n"
    )
    assert result.exit_code == 2


def test_several_dims_are_verified_one_dim_at_a_time():
    # `check` takes one integer dim: a tuple of dims reaches it as one reduction per dim, the highest first. Weights
    # make each term's gradient distinct, so a dim dropped, kept wrongly or reduced in the wrong place would show.
    text = (
        "import torch\nT = torch.tensor([[[1., 2.], [3., 4.], [5., 6.]], [[7., 8.], [9., 10.], [11., 12.]]], "
        "requires_grad=True)\n"
        "s = (T.sum((0, 2)) * torch.tensor([1., 2., 3.])).sum() + (T.mean([-1, 0], True) ** 2).sum()\n"
        "s = s + (torch.sum(T, (2, 1), keepdim=True) * torch.tensor([[[1.]], [[-1.]]])).sum() + T.mean(())\n"
        "s = s + torch.sum(T ** 2, dim=(), keepdim=True).sum() + T.sum((0, 1)).mean((0,)) * 3\n"
        "s.backward()\nprint(T.grad)\n"
    )
    printed, outcome, report = outcome_of(text)
    assert outcome.calls == 1
    call = outcome.last
    dims = [
        v.value
        for a in call.case.program.statements
        for node in _applies(a.value)
        for k, v in node.params
        if k == "dim"
    ]
    assert dims and all(type(d) is int for d in dims)
    assert report.return_code == 0
    (t,) = [t for t in report.results[0].tensors if t.name == "T"]
    assert t.status == MATCH and printed.startswith("tensor([[[ 7.8333,  9.8333],\n")  # recorded from torch 2.13


def _applies(expr):
    stack = [expr]
    while stack:
        node = stack.pop()
        if hasattr(node, "args"):
            yield node
            stack.extend(node.args)


def test_run_checks_each_backward_call_on_the_engines_named(tmp_path):
    pytest.importorskip("micrograd")
    snippet = tmp_path / "s.py"
    snippet.write_text("import torch\nx = torch.tensor(2.0, requires_grad=True)\n(x * x + x).backward()\n")
    both = CliRunner().invoke(main, ["run", str(snippet), "--engine", "diffcheck", "--engine", "micrograd"])
    # the snippet's x is float32; micrograd computes in float64 only, so it checks the graph in float64
    assert both.exit_code == 0 and "[diffcheck]" in both.stdout and "[micrograd, in float64]" in both.stdout
    vector = tmp_path / "v.py"
    vector.write_text("import torch\nx = torch.tensor([2.0, 3.0], requires_grad=True)\n(x * x).sum().backward()\n")
    lacking = CliRunner().invoke(main, ["run", str(vector), "--engine", "micrograd"])
    assert lacking.exit_code == 2  # nothing was checked: no pass
    assert lacking.stderr == (
        f"diffcheck: note: {vector}:3: backward() not checked on engine 'micrograd': a tensor of shape (2,) (scalars "
        "only) is not supported by engine 'micrograd'\n"
        f"diffcheck: error: {vector}: no backward() call could be checked on the engines named\n"
    )
