"""clamp with tensor bounds (ClampBackward0) in the check language and in `diffcheck run`, on both sides (issue 23):
the gradients PyTorch 2.13 gives x and the bounds (recorded by tests/fidelity_cases.py, program
clamp_tensor_bounds_spellings), kinks where x meets a bound or the bounds meet, and PyTorch's Scalar overload for a
0-d tensor beside a number bound."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import diffcheck
from diffcheck.cli import main

HERE = Path(__file__).resolve().parent
RECORDED = json.loads((HERE / "fidelity.json").read_text(encoding="utf-8"))["programs"]
POINT = {"x": "[-1,0.5,2,0,1.5]", "lo": "[0,0,0,0,0]", "hi": "[1.5,0.25,1.5,-1,1.5]", "w": "[1,2,3,4,5]", "c": "1.0"}


def _check(expression: str):
    point = [f"{name}={value}" for name, value in POINT.items() if re.search(rf"\b{name}\b", expression)]
    result = CliRunner().invoke(main, ["check", expression, *point, "--no-grad", "w", "--format", "json"])
    return result, json.loads(result.stdout) if result.stdout.startswith("{") else None


def _grads(data) -> dict:
    return {t["name"]: (t["engine"], t["sympy"], t["status"]) for t in data["tensors"] if t["role"] == "input"}


def test_both_bounds_tensors_give_pytorchs_gradients_on_both_sides():
    # PyTorch: x.clamp(lo, hi) weighted by w: x.grad [0,0,0,0,5], lo.grad [1,0,0,0,0], hi.grad [0,2,3,4,0]
    assert (
        "tensor([0., 0., 0., 0., 5.]) tensor([1., 0., 0., 0., 0.]) tensor([0., 2., 3., 4., 0.]) None"
        in (RECORDED["clamp_tensor_bounds_spellings"][1])
    )
    result, data = _check("sum(clamp(x, lo, hi) * w)")
    assert result.exit_code == 0, result.output
    grads = _grads(data)
    assert grads["x"] == ([0.0, 0.0, 0.0, 0.0, 5.0], [0.0, 0.0, 0.0, 0.0, 5.0], "kink")  # x = hi = 1.5
    assert grads["lo"] == ([1.0, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0], "match")
    assert grads["hi"][:2] == ([0.0, 2.0, 3.0, 4.0, 0.0], [0.0, 2.0, 3.0, 4.0, 0.0])
    assert data["output"]["grad_fn"] == "SumBackward0" and data["output"]["value"] == 8.5


@pytest.mark.parametrize(
    "expression, line",
    [
        ("clamp(x, min=lo)", 3),  # tensor([0., 2., 3., 4., 5.]) tensor([1., 0., 0., 0., 0.]) None None
        ("clamp(x, max=hi)", 5),
        ("clip(x, max=c)", 11),  # a 0-d bound: its gradient summed, tensor(8.)
        ("clamp(x, lo, c)", 13),
    ],
)
def test_one_bound_or_a_0d_bound(expression, line):
    recorded = RECORDED["clamp_tensor_bounds_spellings"][line]
    result, data = _check(f"sum({expression} * w)")
    assert result.exit_code == 0, result.output
    shown = {name: grads[0] for name, grads in _grads(data).items() if grads[0] is not None}
    text = " ".join(
        "None" if name not in shown else repr(diffcheck.tensor(shown[name])) for name in ("x", "lo", "hi", "c")
    )
    assert text == recorded


def test_equal_bounds_are_a_kink_with_pytorchs_convention():
    """lo == hi with x below: PyTorch sends the gradient to none of x, lo, hi; SymPy's lo branch says 1 to lo."""
    point = ["x=[-1,0.5]", "lo=[0.25,1]", "hi=1.0", "--format", "json"]
    result = CliRunner().invoke(main, ["check", "sum(clamp(x, lo, hi))", *point])
    assert result.exit_code == 0, result.output
    lo = next(t for t in json.loads(result.stdout)["tensors"] if t["name"] == "lo")
    assert (lo["engine"], lo["sympy"], lo["status"]) == ([1.0, 0.0], [1.0, 1.0], "kink")
    assert lo["note"].endswith("lo == hi with x outside: to none)")


def test_a_0d_tensor_beside_a_number_bound_is_pytorchs_scalar_overload():
    """torch.clamp(x, 0.0, torch.tensor(1.0)): ClampBackward1 (recorded); one requiring grad: PyTorch's TypeError."""
    assert RECORDED["clamp_tensor_bounds_mixed"][0].endswith("grad_fn=<ClampBackward1>)")
    x = diffcheck.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    assert (
        repr(diffcheck.clamp(x, 0.0, diffcheck.tensor(1.0)))
        == RECORDED["clamp_tensor_bounds_mixed"][0].split(") ")[0] + ")"
    )
    with pytest.raises(TypeError, match=r"^clamp\(\) received an invalid combination of arguments"):
        diffcheck.clamp(x, diffcheck.tensor(0.25, requires_grad=True), 1.0)


def test_shapes_that_do_not_fit_are_one_line():
    result = CliRunner().invoke(main, ["check", "sum(clamp(x, lo, hi))", "x=[-1,0.5,2]", "lo=[0.25,1]", "hi=1.0"])
    assert result.exit_code == 2
    assert result.stderr == "diffcheck: error: expression:1:5: 'clamp' cannot combine shapes (3,) and (2,) and ()\n"


SNIPPET = """import torch
x = torch.tensor([-1.0, 0.5, 2.0, 0.0, 1.5], requires_grad=True)
lo = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0], requires_grad=True)
hi = torch.tensor([1.5, 0.25, 1.5, -1.0, 1.5], requires_grad=True)
c = torch.tensor(1.0, requires_grad=True)
y = x.clamp(lo, hi) + torch.clamp(x, min=lo) + torch.clip(x, max=c) + x.clip(min=c, max=hi)
y.sum().backward()
print(y, x.grad, lo.grad, hi.grad, c.grad)
"""
# PyTorch 2.13 prints this for SNIPPET (run with /tmp/torch/bin/python)
PYTORCH = (
    "tensor([ 0.0000,  1.5000,  6.0000, -2.0000,  5.5000], grad_fn=<AddBackward0>) tensor([1., 2., 1., 2., 3.]) "
    "tensor([2., 0., 0., 0., 0.]) tensor([0., 2., 2., 2., 0.]) tensor(3.)\n"
)


def test_run_takes_tensor_bounds_in_every_spelling(tmp_path):
    path = tmp_path / "clamp_bounds.py"
    path.write_text(SNIPPET, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "diffcheck", "run", str(path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(PYTORCH)
    assert "✓ all gradients agree (4 checked; x, lo, hi at a kink" in done.stdout


def test_a_bound_requiring_grad_beside_a_number_is_one_line_in_check_and_run(tmp_path):
    message = "clamp() received an invalid combination of arguments - got a tensor and a number as bounds"
    result = CliRunner().invoke(main, ["check", "sum(clamp(x, 0.0, hi))", "x=[-1,0.5,2]", "hi=1.0"])
    assert (result.exit_code, result.stderr) == (2, f"diffcheck: error: expression:1:5: 'clamp': {message}\n")
    scalar = CliRunner().invoke(main, ["check", "sum(clamp(x, 0.0, hi))", "x=[-1,0.5,2]", "hi=1.0", "--no-grad", "hi"])
    assert scalar.exit_code == 0 and "✓ all gradients agree (1 checked)" in scalar.output  # the Scalar overload
    path = tmp_path / "mixed.py"
    path.write_text(
        "import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "c = torch.tensor(0.5, requires_grad=True)\ny = torch.clamp(x, c, 1.5)\n",
        encoding="utf-8",
    )
    done = CliRunner().invoke(main, ["run", str(path)])
    assert done.exit_code == 2 and done.stderr == f"{path}:4: TypeError: {message}\n"
