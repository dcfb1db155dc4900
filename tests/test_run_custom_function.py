"""`diffcheck run` and custom autograd Functions: `class F(torch.autograd.Function)` runs as PyTorch runs it (outputs
recorded from torch 2.13 in tests/snippets/custom_function*.py and legendre_*.py), and a backward written by hand is
verified against SymPy's derivative of the user's own forward: a wrong one is a mismatch at the function's input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from diffcheck.check import MATCH, MISMATCH, NOT_RETAINED
from diffcheck.cli import main
from diffcheck.errors import DiffcheckError
from diffcheck.snippet import run_snippet, verify
from diffcheck.snippet.parse import parse_snippet
from diffcheck.snippet.verification import Backward, Outcome, Sampler, _sampled, sampled_calls

SNIPPETS = Path(__file__).resolve().parent / "snippets"

CUBE = """import torch


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * FACTOR * x ** 2


x = torch.tensor([1.0, 2.0], requires_grad=True)
y = Cube.apply(x * 2)
print(y, y.grad_fn)
y.sum().backward()
print(x.grad)
"""


def outcome_of(text: str, where: str = "s.py"):
    printed: list[str] = []
    outcome = run_snippet(parse_snippet(text, where), printed.append)
    report, _ = verify(outcome)
    return "".join(printed), outcome, report


def rows(report) -> dict:
    return {t.name: t for result in report.results for t in result.tensors}


def test_a_right_backward_agrees_and_the_node_is_named_as_pytorch_names_it():
    printed, outcome, report = outcome_of(CUBE.replace("FACTOR", "3"))
    assert re.sub(r"0x[0-9a-f]+", "0x…", printed) == (
        "tensor([ 8., 64.], grad_fn=<CubeBackward>) <torch.autograd.function.CubeBackward object at 0x…>\n"
        "tensor([24., 96.])\n"
    )
    assert report.return_code == 0 and not report.errors
    found = rows(report)
    assert (found["x"].status, found["x"].engine, found["x"].sympy) == (MATCH, [24.0, 96.0], [24.0, 96.0])
    assert found["x * 2"].status == MATCH and found["y"].status == NOT_RETAINED


def test_a_wrong_backward_is_a_mismatch_naming_the_function_its_input_and_both_values():
    printed, outcome, report = outcome_of(CUBE.replace("FACTOR", "2"))
    assert printed.endswith("tensor([16., 64.])\n")  # the engine ran the user's (wrong) backward
    assert report.return_code == 1
    found = rows(report)
    assert (found["x * 2"].status, found["x * 2"].engine, found["x * 2"].sympy) == (MISMATCH, [8.0, 32.0], [12.0, 48.0])
    assert found["x * 2"].note.startswith("input 0 of Cube: its backward (line 11) gave this gradient; ")
    assert (found["x"].status, found["x"].engine, found["x"].sympy) == (MISMATCH, [16.0, 64.0], [24.0, 96.0])


NAME = ["legendre_wrong_backward.py"]


def test_the_cli_exits_1_on_a_wrong_backward(monkeypatch):
    monkeypatch.chdir(SNIPPETS)
    result = CliRunner().invoke(main, ["run", "--sample", "0", *NAME])
    assert result.exit_code == 1, result.stderr
    assert result.stdout.startswith((SNIPPETS / "legendre_wrong_backward.stdout").read_text(encoding="utf-8"))
    # the first call, at c = 0, meets the odd symmetry of the points: d/dc cancels to 0 with either backward
    assert "✗ 2 disagreements: d, c + d * x" in result.stdout and "✗ 3 disagreements: c, d, c + d * x" in result.stdout
    document = json.loads(CliRunner().invoke(main, ["run", "--sample", "0", "--format", "json", *NAME]).stdout)
    first = {t["name"]: t for t in document["checks"][0]["tensors"]}
    assert [first[n]["status"] for n in ("a", "b", "c", "d", "c + d * x")] == ["match"] * 3 + ["mismatch"] * 2
    assert first["c + d * x"]["note"].startswith(
        "input 0 of LegendrePolynomial3: its backward (line 13) gave this gradient; "
    )
    assert document["exit_code"] == 1 and document["checks"][0]["backward_lines"] == [34] * 49


def test_the_right_backward_verifies_in_a_loop(monkeypatch):
    monkeypatch.chdir(SNIPPETS)
    result = CliRunner().invoke(main, ["run", "--sample", "1", "legendre_small.py"])
    assert result.exit_code == 0, result.stderr
    verdicts = [line for line in result.stdout.splitlines() if line.startswith(("✓", "✗"))]
    # a, b, c, d and P3's input. In float32, d's gradient is a sum of 20 terms near 1 cancelling to about -0.04:
    # at the last call float32's error of the terms is 1190 ulps of it, while in float64 the graph agrees with SymPy
    assert verdicts == ["✓ all gradients agree (5 checked)"] * 2 + [
        "✓ all gradients agree (5 checked; d within rounding)"
    ]
    assert "\nd: float32's rounding: the same graph in float64 agrees with SymPy (abs err 4.5e-16); 1.19e+03 ulp" in (
        result.stdout
    )


def test_several_outputs_and_a_number_input_verify():
    printed, outcome, report = outcome_of((SNIPPETS / "custom_function.py").read_text(encoding="utf-8"))
    assert printed == (SNIPPETS / "custom_function.stdout").read_text(encoding="utf-8")
    assert report.return_code == 0 and not report.errors
    assert [t.status for r in report.results for t in r.tensors if t.name in ("a", "b", "x")] == [MATCH] * 5


def test_a_forward_changed_in_place_cannot_be_verified():
    text = CUBE.replace("return x ** 3", "out = x * 1\n        out += 1\n        return out").replace("FACTOR", "3")
    _, outcome, report = outcome_of(text)
    assert report.errors == [
        "s.py:21: cannot verify this backward(): the forward of Cube cannot be traced: a tensor of it was changed "
        "in place"
    ]


@pytest.mark.parametrize(
    "body, message",
    [
        ("    def forward(ctx, x):\n        return x\n", "'forward' must be a @staticmethod"),
        ("    @staticmethod\n    def forward(ctx, x):\n        return x\n", "defines no backward()"),
        ("    @staticmethod\n    def jvp(ctx, *grads):\n        pass\n", "method 'jvp' is not supported"),
        ("    scale = 2\n", "only its @staticmethod forward and backward are supported here"),
        ("    @staticmethod\n    def forward():\n        return 1\n", "'forward' takes ctx as its first parameter"),
    ],
)
def test_a_function_class_is_checked_before_anything_runs(body, message):
    with pytest.raises(DiffcheckError) as raised:
        parse_snippet(f"import torch\nclass F(torch.autograd.Function):\n{body}", "s.py")
    assert str(raised.value).startswith("s.py:") and message in str(raised.value)
    assert "class 'F' (a torch.autograd.Function)" in str(raised.value)


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "import torch\nclass A(torch.autograd.Function, object):\n    pass\n",
            "s.py:2:34: class 'A': multiple inheritance is not supported",
        ),
        (
            "import torch\nclass F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
            "        return ctx.__dict__\n    @staticmethod\n    def backward(ctx, g):\n        return g\n",
            "s.py:5:20: attribute '__dict__' is not supported",
        ),
    ],
)
def test_other_classes_and_private_attributes_are_refused(text, message):
    with pytest.raises(DiffcheckError) as raised:
        parse_snippet(text, "s.py")
    assert str(raised.value) == message


def test_from_import_of_function_and_ctx_attributes():
    text = (
        "from torch.autograd import Function\nimport torch\n"
        "class Scale(Function):\n    @staticmethod\n    def forward(ctx, x, k):\n        ctx.k = k\n"
        "        return x * k\n    @staticmethod\n    def backward(ctx, g):\n"
        "        print(ctx.needs_input_grad)\n        return g * ctx.k, None\n"
        "x = torch.tensor(2.0, requires_grad=True)\nScale.apply(x, 5.0).backward()\nprint(x.grad)\n"
    )
    printed, _, report = outcome_of(text)
    assert printed == "(True, False)\ntensor(5.)\n"
    assert report.return_code == 0


# ---- loops: the first, the last and a seeded sample -------------------------------------------------------------
@given(st.integers(1, 500), st.integers(0, 20))
def test_sampled_calls_are_first_last_and_a_seeded_sample(count, sample):
    chosen = sampled_calls(count, sample)
    assert chosen == sorted(set(chosen)) and chosen[0] == 0 and chosen[-1] == count - 1
    assert len(chosen) == min(count, sample + 2)
    assert chosen == sampled_calls(count, sample)  # seeded: the same every run


def _shape(calls, sample=3):
    outcome = Outcome("s.py", sample)
    for call in calls:
        outcome.record(call)
    (shape,) = outcome.shapes.values()
    return shape


def test_each_verified_call_stands_for_the_calls_up_to_the_next():
    from dataclasses import replace

    from diffcheck.check import Case
    from diffcheck.lang.program import Assign, Program, Var

    base = Case(Program((Assign("y", Var("x")),)), {"x": 0.0})
    calls = [Backward(7 + i % 2, "loss.backward()", replace(base, values={"x": float(i)})) for i in range(100)]
    parts = _sampled("s.py", _shape(calls))
    assert sum(len(covered) for _, _, covered in parts) == 100
    assert [call for call, _, _ in parts] == [calls[i] for i in sampled_calls(100, 3)]
    assert [title.split("  (")[1] for _, title, _ in parts][0] == (
        "call 1 of 100 of this graph shape, lines 7, 8; verified: 5, this one stands for calls 1-2)"
    )
    assert [covered for _, _, covered in parts][:2] == [
        [7, 8],
        [7, 8] * 13 + [7],
    ]  # the lines of the calls each stands for
    identical = [Backward(7, "loss.backward()", base) for _ in range(10)]
    assert [title for _, title, _ in _sampled("s.py", _shape(identical))] == [
        "s.py:7: loss.backward()  (10 identical calls, lines 7)"
    ]


@given(st.integers(1, 300), st.integers(0, 10))
def test_only_the_sampled_calls_are_kept(count, sample):
    """A loop's calls are sampled as they come: what is not verified is not held (a 2000-step loop holds 5 Cases)."""
    calls = [Backward(7, "loss.backward()", object()) for _ in range(count)]
    sampler = Sampler(sample)
    for call in calls:
        sampler.add(call)
    kept = sampler.chosen()
    assert [index for index, _ in kept] == sampled_calls(count, sample)
    assert all(call is calls[index] for index, call in kept)
    assert len(sampler.between) <= sample
