"""Reductions over several dims (`x.sum(dim=(0, 1))`, a list too) and PyTorch's refusals of bad dims, in the library
and in `run`. Names, shapes and texts were measured on PyTorch 2.13; gradients are derived here with NumPy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from click.testing import CliRunner

import diffcheck as torch
from diffcheck.cli import main

SHAPES = [(2, 3), (2, 3, 4)]
DIMS = [(0,), (1,), (0, 1), (-1,), [0, -1], (1, 0)]


@pytest.mark.parametrize(
    "shape, dims, keepdim, reduction", list(itertools.product(SHAPES, DIMS, (False, True), ("sum", "mean")))
)
def test_several_dims_reduce_and_differentiate_as_pytorch(shape, dims, keepdim, reduction):
    data = np.arange(np.prod(shape), dtype=float).reshape(shape) * 0.5
    x = torch.tensor(data.tolist(), dtype=torch.float64, requires_grad=True)
    y = getattr(x, reduction)(dim=dims, keepdim=keepdim)
    (y * y).sum().backward()

    axes = tuple(d % len(shape) for d in dims)
    reduced = getattr(np, reduction)(data, axis=axes, keepdims=True)
    count = 1 if reduction == "sum" else np.prod([shape[a] for a in axes])
    assert y.grad_fn.name() == ("SumBackward1" if reduction == "sum" else "MeanBackward1")
    assert tuple(y.shape) == (reduced.shape if keepdim else np.squeeze(reduced, axes).shape)
    np.testing.assert_allclose(np.asarray(x.grad.tolist()), np.broadcast_to(2 * reduced / count, shape), rtol=1e-15)


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda x: x.sum(dim=(0, 0)), RuntimeError, "dim 0 appears multiple times in the list of dims"),
        (lambda x: x.mean(dim=(0, -2)), RuntimeError, "dim 0 appears multiple times in the list of dims"),
        (
            lambda x: x.sum(dim=(0, 2)),
            IndexError,
            "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
        ),
        (
            lambda x: x.sum(dim=-3),
            IndexError,
            "Dimension out of range (expected to be in range of [-2, 1], but got -3)",
        ),
        (
            lambda x: torch.sum(torch.tensor(1.0), dim=1),
            IndexError,
            "Dimension out of range (expected to be in range of [-1, 0], but got 1)",
        ),
    ],
)
def test_bad_dims_raise_pytorchs_errors(call, error, text):
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with pytest.raises(error) as raised:
        call(x)
    assert str(raised.value) == text


def test_a_0d_tensor_takes_dims_minus_one_and_zero():
    x = torch.tensor(2.0, requires_grad=True)
    y = x.sum(dim=(-1,))
    y.backward()
    assert (float(y), float(x.grad), y.grad_fn.name()) == (2.0, 1.0, "SumBackward1")


def test_run_shows_pytorchs_index_error_at_its_line(tmp_path):
    snippet = tmp_path / "dims.py"
    snippet.write_text(
        "import torch\nx = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)\ny = x.sum(dim=(0, 2))\n"
    )
    result = CliRunner().invoke(main, ["run", str(snippet)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"{snippet}:3: IndexError: Dimension out of range (expected to be in range of [-2, 1], but got 2)"
    )
