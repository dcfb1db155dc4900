"""The shape ops against PyTorch 2.13 (tests/shape_cases.py, tests/shapes.json): view, reshape, flatten, squeeze,
unsqueeze, expand, repeat, flip, cat, stack, split, chunk, unbind — values and gradients bit for bit (they only move
numbers, and sum them in backward in PyTorch's order), grad_fn chains with next_functions, dtypes, which answers are
views, and the error texts of bad arguments."""

import pytest

import diffcheck as torch
from shape_recording import RECORDED, cases, check, raises

LINALG_ERRORS = ("bmm", "outer", "linear", "addmm", "matmul", " @ ", ".t()", ".mT", "transpose", "permute")


@cases("shape")
def test_values_gradients_graphs_and_views_as_pytorch(case):
    check(case)


SHAPE_ERRORS = [e for e in RECORDED["errors"] if not any(k in e["expression"] for k in LINALG_ERRORS)]


@pytest.mark.parametrize("error", SHAPE_ERRORS, ids=[e["expression"] for e in SHAPE_ERRORS])
def test_bad_arguments_raise_pytorchs_error(error):
    raises(error)


def test_recorded_with_pytorch_2_13():
    assert RECORDED["torch"].startswith("2.13")


def test_a_view_shares_the_version_counter_and_a_split_piece_too():
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    v, (p, q) = x.view(-1), x.split(1)
    x.zero_()
    assert (v._version, p._version, q._version) == (1, 1, 1)
    assert v._base is x and p._base is x


def test_cat_promotes_as_pytorch():
    f32 = torch.tensor([1.0, 2.0])
    assert torch.cat([f32, torch.tensor([1.0], dtype=torch.float64)]).dtype == torch.float64
    assert torch.cat([f32, torch.tensor([3])]).dtype == torch.float32


# ---- the check language: lists, sizes and attributes, and their refusals in one line with the place ----------------
X = "x=[[0.5,-1.25,2.0],[1.5,0.25,-0.75]]"


def _check(program: str, *values: str):
    from click.testing import CliRunner

    from diffcheck.cli import main

    return CliRunner().invoke(main, ["check", program, *values])


@pytest.mark.parametrize(
    "program",
    [
        "sum(cat([x, x * 2], dim=1) ** 2)",
        "sum(view(x, 3, 2) * view(x, (3, -1)))",
        "sum((x.T @ x) ** 2) + sum(x.mT)",
        "sum(stack(unbind(x, 1), 0) * x.T)",
        "sum(cat(split(x, [1, 2], 1), 1) ** 3)",
        "t = x * 2; out = sum(t(t) * x.T)",
    ],
)
def test_the_check_language_takes_lists_sizes_and_attributes(program):
    result = _check(program, X)
    assert result.exit_code == 0, result.output
    assert "all gradients agree" in result.stdout


@pytest.mark.parametrize(
    "program, message",
    [
        ("sum(cat(x))", "expression:1:9: 'cat' takes a list of tensors: cat([x, y])"),
        ("sum(cat([x, 2]))", "expression:1:13: 'cat' takes a list of tensors, not '2'"),
        ("sum(view(x, 2.5))", "expression:1:13: 'view' takes sizes as integers, not '2.5'"),
        ("sum(chunk(x, 2))", "expression:1:1: 'sum' takes tensors, not a tuple of tensors (cat or stack them)"),
        (
            "unbind(x)",
            "expression:1:1: 'out' is a tuple of tensors (split, chunk and unbind give one): use it inside "
            "cat or stack",
        ),
        (
            "sum(view(x.T, 6))",
            "expression:1:5: 'view': view size is not compatible with input tensor's size and "
            "stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
        ),
        (
            "sum(cat([x, x.T]))",
            "expression:1:5: 'cat': Sizes of tensors must match except in dimension 0. Expected "
            "size 3 but got size 2 for tensor number 1 in the list.",
        ),
        ("sum(x.H)", "expression:1:6: unsupported syntax: attribute access '.H'"),
    ],
)
def test_bad_programs_are_one_line_with_the_place(program, message):
    result = _check(program, X)
    assert result.exit_code == 2
    assert result.stderr == f"diffcheck: error: {message}\n"


def test_views_share_storage_with_their_base_outside_a_graph():
    """Recorded from PyTorch 2.13: an in-place change of a view reaches its base and the other views, and back."""
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    v = x.view(-1)
    v.mul_(2)
    assert (x.tolist(), v._version, x._version) == ([[2.0, 4.0], [6.0, 8.0]], 1, 1)
    a, b = x.split(1)
    b.zero_()
    assert x.tolist() == [[2.0, 4.0], [0.0, 0.0]]
    x.add_(1)
    assert (v.tolist(), a.tolist()) == ([3.0, 5.0, 1.0, 1.0], [[3.0, 5.0]])
    x.t().fill_(5.0)
    assert x.tolist() == [[5.0, 5.0], [5.0, 5.0]]


def test_diffcheck_run_takes_the_new_views_and_matrix_ops_with_pytorchs_result():
    """Each new op in a `diffcheck run` snippet, as PyTorch spells it; the line it prints is PyTorch 2.13's for the
    same snippet, and every gradient agrees with SymPy (exit 0)."""
    from click.testing import CliRunner

    from diffcheck.cli import main

    calls = [
        "a.t().contiguous()", "a.ravel()", "torch.ravel(a.t())", "a.narrow(1, 1, 2)", "a.select(1, 2)",
        "torch.select(a, 0, -1)", "a.unsqueeze(0).movedim(0, 2)", "torch.moveaxis(a, 0, 1)", "a.broadcast_to((2, 2, 3))",
        "torch.broadcast_to(v, (2, 3))", "a.unflatten(1, (3, 1))", "a.tile((2,))", "torch.tile(v, (2, 2))", "a.roll(1)",
        "torch.roll(a, (1, -1), (0, 1))", "a.tril()", "torch.triu(a, diagonal=1)", "a.diagonal()",
        "torch.diagonal(a, 1)", "torch.diag(v)", "torch.diag(a)", "a.trace()", "v.repeat_interleave(2)",
        "a.repeat_interleave(2, dim=1)", "torch.diff(v)", "a.diff(dim=0)",
    ]  # fmt: skip
    snippet = "\n".join(
        [
            "import torch",
            "a = torch.tensor([[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]], dtype=torch.float64, requires_grad=True)",
            "v = torch.tensor([0.5, -2.0, 1.25], dtype=torch.float64, requires_grad=True)",
            f"y = sum(p.sin().sum() for p in [{', '.join(calls)}])",
            "y.backward()",
            "print(y.item(), a.grad.sum().item(), v.grad.sum().item())",
        ]
    )
    result = CliRunner().invoke(main, ["run", "-"], input=snippet + "\n", prog_name="diffcheck")
    assert result.exit_code == 0, result.output
    assert "21.28930149527639 48.11148497709022 6.990822789646491\n" in result.output  # PyTorch 2.13's line
    assert "✓ all gradients agree (2 checked)" in result.output


def test_diffcheck_run_takes_functional_pad_and_median_with_pytorchs_result():
    from click.testing import CliRunner

    from diffcheck.cli import main

    snippet = "\n".join(
        [
            "import torch",
            "import torch.nn.functional as F",
            "x = torch.tensor([[0.5, 2.0, -1.0], [1.0, 0.25, 3.0]], dtype=torch.float64, requires_grad=True)",
            "a = torch.nn.functional.pad(x, (1, 2), value=0.5)",
            "b = F.pad(x, [0, 1, 1, 0])",
            "w = torch.arange(15, dtype=torch.float64).reshape(3, 5)",
            "y = (a * a).sum() + (b * w[:, :4]).sum() + x.median() * x.sum()",
            "y.backward()",
            "print(y.item(), x.grad.tolist())",
        ]
    )
    result = CliRunner().invoke(main, ["run", "-"], input=snippet + "\n", prog_name="diffcheck")
    assert result.exit_code == 0, result.output
    assert "75.9375 [[12.25, 10.5, 5.5], [12.5, 12.0, 18.5]]\n" in result.output  # PyTorch 2.13's line
    assert "✓ all gradients agree (1 checked)" in result.output
