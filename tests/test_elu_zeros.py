"""elu, celu and selu at signed zeros against PyTorch 2.13 (recorded by tests/elu_zero_cases.py into
tests/elu_zeros.json): the forward keeps the zero's sign whatever alpha's (PyTorch's negative branch is x < 0), bit
for bit in float32 and float64; the gradient at ±0 is the left-hand side's (x <= 0), bit for bit too. Elsewhere the
values are tests/test_elementwise_rows.py's (an ulp of expm1 in float32)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from diffcheck import engine
from elu_zero_cases import CALLS, POINTS  # tests/ is on sys.path under pytest

RECORDED = json.loads((Path(__file__).resolve().parent / "elu_zeros.json").read_text(encoding="utf-8"))["calls"]


def _bits(values, dtype) -> np.ndarray:
    return np.asarray(values, dtype=dtype).view(np.uint32 if dtype == "float32" else np.uint64)


@pytest.mark.parametrize("key", sorted(RECORDED))
def test_signed_zeros_as_pytorch(key):
    label, point, dtype = key.split("/")
    name, params = CALLS[label]
    x = engine.tensor(POINTS[point], dtype=getattr(engine, dtype), requires_grad=True)
    y = engine.TORCH_FUNCTIONS[name](x, **params)
    y.sum().backward()
    zero = np.asarray(POINTS[point]) == 0
    theirs = RECORDED[key]
    assert _bits(y.tolist(), dtype)[zero].tolist() == _bits(theirs["value"], dtype)[zero].tolist()
    assert _bits(x.grad.tolist(), dtype)[zero].tolist() == _bits(theirs["grad"], dtype)[zero].tolist()
    spacing = np.spacing(np.maximum(np.abs(np.asarray(theirs["value"], dtype=dtype)), 1))
    assert np.all(np.abs(np.asarray(y.tolist()) - np.asarray(theirs["value"])) <= spacing)  # an ulp of expm1 at most


def test_elu_of_a_zero_prints_its_sign(tmp_path, monkeypatch):
    """`diffcheck run` prints what PyTorch prints: elu(0., alpha=-0.5) is 0., elu(-0.) is -0."""
    from click.testing import CliRunner

    from diffcheck.cli import main

    (tmp_path / "s.py").write_text(
        "import torch\nimport torch.nn.functional as F\n"
        "x = torch.tensor([0.0, -0.0], requires_grad=True)\n"
        "print(F.elu(x, alpha=-0.5), F.celu(x, -0.5), torch.selu(x))\nF.elu(x, -0.5).sum().backward()\nprint(x.grad)\n"
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", "--quiet", "s.py"])
    assert result.stdout == (
        "tensor([0., -0.], grad_fn=<EluBackward0>) tensor([0., -0.], grad_fn=<CeluBackward0>) "
        "tensor([0., -0.], grad_fn=<EluBackward0>)\ntensor([-0.5000, -0.5000])\n"
    )
    assert result.exit_code == 0, result.stderr
