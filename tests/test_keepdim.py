"""keepdim=True/False, as PyTorch spells it: taken by `check` (and by `run`, see tests/snippets/keepdim.py); a bool
anywhere a number is expected stays refused with one line. Expected values were measured on PyTorch 2.13 (float64)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from diffcheck.cli import main
from diffcheck.errors import ParseError
from diffcheck.lang.parse import parse_assignment, parse_program
from diffcheck.lang.program import Apply, Assign, Const, Pos, Program, Var

W = "W=[[1,2,3],[4,5,6]]"
BOOL_ONLY = "(True and False are only accepted for descending, keepdim, stable, unbiased)"


def check(*args):
    return CliRunner().invoke(main, ["check", *args])


@pytest.mark.parametrize(
    "text, dim, keepdim",
    [
        ("sum(W, dim=1, keepdim=True)", 1, 1),
        ("torch.sum(W, 1, True)", 1, 1),
        ("mean(W, dim=0, keepdim=False)", 0, 0),
        ("mean(W, 0, keepdim=True)", 0, 1),
        ("sum(W, keepdim=1, dim=0)", 0, 1),  # worked before True did: kept
    ],
)
def test_keepdim_bool_is_the_flag(text, dim, keepdim):
    op = text.split("(")[0].removeprefix("torch.")
    expected = Apply(op, (Var("W"),), (("dim", Const(dim)), ("keepdim", Const(keepdim))))
    assert parse_program(text) == Program((Assign("out", expected),))


@pytest.mark.parametrize(
    "text, message, pos",
    [
        ("x ** True", f"True is not a number {BOOL_ONLY}", Pos(1, 6)),  # PyTorch takes it as 1; we want a number
        ("sum(x, dim=True)", f"True is not a number {BOOL_ONLY}", Pos(1, 12)),  # PyTorch: TypeError too
        ("clamp(x, min=False)", f"False is not a number {BOOL_ONLY}", Pos(1, 14)),
        ("sum(x, 0, keepdim=-True)", f"True is not a number {BOOL_ONLY}", Pos(1, 20)),
        ("sum(x, 0, keepdim=None)", "None is not a number", Pos(1, 19)),
        ("y = x\nz = sum(y, 0,\n        keepdim=True) + False", f"False is not a number {BOOL_ONLY}", Pos(3, 25)),
    ],
)
def test_bool_elsewhere_is_refused_with_its_place(text, message, pos):
    with pytest.raises(ParseError) as caught:
        parse_program(text)
    assert (caught.value.message, caught.value.pos) == (message, pos)


def test_bool_value_on_the_command_line_is_refused():
    with pytest.raises(ParseError) as caught:
        parse_assignment("x=True")
    assert str(caught.value) == "argument 'x=True':1:3: True is not a number"


def test_check_prints_what_pytorch_prints():
    result = check("sum(W, dim=1, keepdim=True)", W)
    assert result.exit_code == 0, result.output
    assert "out = tensor([[ 6.],\n        [15.]], grad_fn=<SumBackward1>)\n" in result.stdout
    result = check("mean(W, 0, True)", W)
    assert "out = tensor([[2.5000, 3.5000, 4.5000]], grad_fn=<MeanBackward1>)\n" in result.stdout


@pytest.mark.parametrize(
    "program, output, grad, exact",
    [
        # a kept dimension broadcasts back against W: d/dW_ij = 2 * (row sum i) / 3
        ("sum(W * sum(W, dim=1, keepdim=True) / 3)", 87.0, [[4.0] * 3, [10.0] * 3], [[4.0] * 3, [10.0] * 3]),
        ("sum(W * mean(W, 0, True))", 77.5, [[5.0, 7.0, 9.0]] * 2, [[5.0, 7.0, 9.0]] * 2),
        # keepdim=False: a (3,) row broadcast against (2, 3); d/dW_ij = 1 - 2/3, rounded by float64 on the way
        (
            "sum(W - sum(W, dim=0, keepdim=False) / 3)",
            6.999999999999999,
            [[0.33333333333333337] * 3] * 2,
            [[1 / 3] * 3] * 2,
        ),
    ],
)
def test_check_values_and_grads(program, output, grad, exact):
    """`output` and `grad` as PyTorch computes them in float64, `exact` SymPy's (the maths, rounded once)."""
    result = check(program, W, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (tensor,) = [t for t in data["tensors"] if t["name"] == "W"]
    assert (data["output"]["value"], tensor["engine"], tensor["sympy"], tensor["status"]) == (
        output,
        grad,
        exact,
        "match",
    )


def test_check_refuses_a_bool_exponent_in_one_line():
    result = check("x ** True", "x=2")
    assert result.exit_code == 2
    assert result.stderr == f"diffcheck: error: expression:1:6: True is not a number {BOOL_ONLY}\n"
    assert result.stdout == ""
