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
