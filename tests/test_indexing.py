"""Subscripts and item assignment against PyTorch 2.13, recorded by tests/selection_cases.py (tests/selection.json):
the node chains PyTorch builds (SelectBackward0, SliceBackward0, UnsqueezeBackward0, AliasBackward0, IndexBackward0;
CopySlices and IndexPutBackward0 for assignment), which answers are views, values and gradients bit for bit, and
PyTorch's error texts; then the same subscripts in `check` (one line with its place, exit 2) and `diffcheck run`."""

import json
import pathlib

import numpy as np
import pytest
from click.testing import CliRunner

import diffcheck as torch
from diffcheck.cli import main

RECORDED = json.loads(pathlib.Path(__file__).with_name("selection.json").read_text())
X = [[1.0, -2.0, 3.0], [4.0, 0.5, -6.0]]
V = [3.0, -1.0, 2.0]


def chain(y) -> list:
    """The grad_fn names from y down its first inputs, as the recorder walked them."""
    names, node = [], y.grad_fn
    while node is not None:
        names.append(node.name())
        nexts = [n for n, _ in node.next_functions if n is not None and n.name() != "AccumulateGrad"]
        node = nexts[0] if nexts else None
    return names


def inputs() -> dict:
    return {
        "x": torch.tensor(X, dtype=torch.float64, requires_grad=True),
        "v": torch.tensor(V, dtype=torch.float64, requires_grad=True),
        "s": torch.tensor(2.0, requires_grad=True),
    }


def flat(t):
    return None if t is None else np.asarray(t.data).reshape(-1).tolist()


def raised_as_pytorch(code: str, scope: dict) -> tuple:
    with pytest.raises(Exception) as caught:
        exec(code, scope)
    names = [c.__name__ for c in type(caught.value).__mro__]
    return names, str(caught.value)


@pytest.mark.parametrize("case", RECORDED["index"], ids=[c["expression"] for c in RECORDED["index"]])
def test_subscript_as_pytorch(case):
    scope = inputs()
    y = eval(case["expression"], scope)
    weights = np.reshape(case["weights"], case["shape"]).tolist()
    y.backward(gradient=torch.tensor(weights, dtype=torch.float64))
    assert chain(y) == case["chain"]
    assert (y._base is not None) == case["view"]
    assert list(np.shape(y.data)) == case["shape"]
    assert flat(y) == case["value"]
    assert flat(scope["x"].grad) == case["grad_x"] and flat(scope["v"].grad) == case["grad_v"]


@pytest.mark.parametrize("case", RECORDED["index_errors"], ids=[c["expression"] for c in RECORDED["index_errors"]])
def test_bad_subscript_raises_pytorchs_error(case):
    names, message = raised_as_pytorch(case["expression"], inputs())
    assert case["type"] in names and message == case["message"]


@pytest.mark.parametrize("case", RECORDED["setitem"], ids=[c["statement"] for c in RECORDED["setitem"]])
def test_item_assignment_as_pytorch(case):
    scope = inputs()
    scope["y"] = scope["v"]
    exec("b = x * 1\n" + case["statement"], scope)
    b = scope["b"]
    n = np.size(b.data)
    weights = np.reshape([0.5 + i / n for i in range(n)], np.shape(b.data)).tolist()
    b.backward(gradient=torch.tensor(weights, dtype=torch.float64))
    assert chain(b) == case["chain"]  # PyTorch names CopySlices with its namespace: torch::autograd::CopySlices
    assert b._version == case["version"]
    assert flat(b) == case["value"]
    assert flat(scope["x"].grad) == case["grad_x"] and flat(scope["v"].grad) == case["grad_y"]


@pytest.mark.parametrize("case", RECORDED["setitem_errors"], ids=[c["statement"] for c in RECORDED["setitem_errors"]])
def test_bad_item_assignment_raises_pytorchs_error(case):
    scope = inputs()
    scope["y"] = scope["v"]
    names, message = raised_as_pytorch("b = x * 1\n" + case["statement"], scope)
    assert case["type"] in names and message == case["message"]


def test_a_view_shares_the_version_counter_and_backward_sees_the_change():
    c = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    d = c * 2
    e = d[0]
    d[1] = 0.0
    assert (e._version, d._version, d.grad_fn.name()) == (1, 1, "torch::autograd::CopySlices")
    z = (d * d).sum()
    d[0] = 3.0
    with pytest.raises(RuntimeError) as caught:
        z.backward()
    assert str(caught.value).startswith(  # PyTorch 2.13's words
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        "[torch.DoubleTensor [3]], which is output 0 of torch::autograd::CopySlices, is at version 2; expected "
        "version 1 instead."
    )


def test_a_subscript_of_a_tensor_without_grad_is_no_node_but_still_a_view():
    t = torch.tensor([1.0, 2.0, 3.0])
    y = t[1:]
    assert y.grad_fn is None and y._base is t and flat(y) == [2.0, 3.0]
    t[0] = 5.0
    assert t._version == 1 and y._version == 1 and flat(t) == [5.0, 2.0, 3.0]


def test_assignment_into_a_view_writes_into_its_base(tmp_path):
    """PyTorch writes `c[1] = 5` through to c's base, in the engine and in `run` (tests/test_views.py has more)."""
    b = torch.tensor([[1.0, 2.0], [3.0, 4.0]]) * 1
    b[0][1] = 5.0
    assert flat(b) == [1.0, 5.0, 3.0, 4.0] and b._version == 1
    path = tmp_path / "s.py"
    path.write_text("import torch\nb = torch.ones(2, 2)\nc = b[0]\nc[1] = 5.0\nprint(b)\n")
    result = CliRunner().invoke(main, ["run", str(path)])
    assert result.stdout.startswith("tensor([[1., 5.],\n        [1., 1.]])\n")


# ---- check's language ------------------------------------------------------------------------------------------
AT = "x=[[1.0, -2.0, 3.0], [4.0, 0.5, -6.0]]"


def check(*args):
    return CliRunner().invoke(main, ["check", *args, "--format", "json"])


@pytest.mark.parametrize(
    "program",
    [
        "y = x[0, 1:] * x[1, :2]; out = sum(y)",
        "sum(x[:, None][1, 0, [0, 2]]) + x[-1, -1]",
        "sum(x[...]) * x[0][1]",
        "sum(x[[1, 0, 1]] * 2)",
        "exp(x)[1:]",
        "sum(x[x > 0] ** 2)",
        "y = x * 2; z = y[y > 1]; sum(z * z)",
    ],
)
def test_check_takes_subscripts_and_both_sides_agree(program):
    result = check(program, AT)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert all(t["status"] in ("match", "not-retained") for t in data["tensors"])


def test_a_mask_is_decided_at_every_point():
    result = check("sum(x[x > 0] ** 3)", AT, "--points", "6")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "program, at, message",
    [
        ("x[5]", AT, "expression:1:3: subscript: index 5 is out of bounds for dimension 0 with size 2"),
        ("x[0, 0, 0]", AT, "expression:1:3: subscript: too many indices for tensor of dimension 2"),
        ("x[::-1]", AT, "expression:1:3: subscript: step must be greater than zero"),
        (
            "x[1.5]",
            AT,
            "expression:1:3: only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            "valid indices (got float)",
        ),
        (
            "s[0]",
            "s=2.0",
            "expression:1:3: subscript: invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
            "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number",
        ),
        ("s[:]", "s=2.0", "expression:1:3: subscript: slice() cannot be applied to a 0-dim tensor."),
        (
            "x[x[0] > 1]",
            AT,
            "expression:1:3: subscript: The shape of the mask [3] at index 0 does not match the shape of the "
            "indexed tensor [2, 3] at index 0",
        ),
    ],
)
def test_bad_subscripts_are_one_line_with_their_place(program, at, message):
    result = CliRunner().invoke(main, ["check", program, at])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"diffcheck: error: {message}"


# ---- diffcheck run ---------------------------------------------------------------------------------------------
SNIPPET = """import torch
x = torch.tensor([[1.0, -2.0, 3.0], [4.0, 0.5, -6.0]], requires_grad=True)
y = x[0, 1:] * x[1, :2]
z = x[x > 0].sum() + y.sum() + x[:, None][1, 0, [0, 2]].sum()
z.backward()
print(y, z)
print(x.grad)
b = x * 2
b[0] = 5.0
b[b > 4] = 0.0
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b[1, :] = w * w
print(b)
(b ** 2).sum().backward()
print(x.grad, w.grad)
"""
# what PyTorch 2.13 prints for SNIPPET (/tmp/torch/bin/python)
PRINTED = """tensor([-8.0000,  1.5000], grad_fn=<MulBackward0>) tensor(0., grad_fn=<AddBackward0>)
tensor([[1.0000, 4.0000, 1.5000],
        [0.0000, 4.0000, 1.0000]])
tensor([[0., 0., 0.],
        [1., 4., 9.]], grad_fn=<CopySlices>)
tensor([[1.0000, 4.0000, 1.5000],
        [0.0000, 4.0000, 1.0000]]) tensor([  4.,  32., 108.])
"""


def test_run_subscripts_and_item_assignment_print_as_pytorch_and_verify(tmp_path):
    path = tmp_path / "s.py"
    path.write_text(SNIPPET)
    result = CliRunner().invoke(main, ["run", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["stdout"] == PRINTED
    assert [c["ok"] for c in data["checks"]] == [True, True] and data["exit_code"] == 0


def test_run_reports_pytorchs_index_error(tmp_path):
    path = tmp_path / "s.py"
    path.write_text("import torch\nx = torch.tensor([1.0, 2.0])\nx[::-1]\n")
    result = CliRunner().invoke(main, ["run", str(path)])
    assert result.exit_code == 2
    assert "s.py:3: ValueError: step must be greater than zero" in result.output
