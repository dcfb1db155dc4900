"""Issue 23's fidelity classes on diffcheck's engine against PyTorch 2.13, recorded by tests/fidelity_cases.py into
tests/fidelity.json: storage sharing and in-place ops (the leaf error, the nodes they record), special values,
mixed dtypes, PyTorch's exceptions — each program prints what PyTorch printed, and ends as it ended."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from diffcheck import engine
from fidelity_cases import PROGRAMS, run_program  # tests/ is on sys.path under pytest

RECORDED = json.loads((Path(__file__).resolve().parent / "fidelity.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_behaves_as_under_pytorch(name, monkeypatch):
    monkeypatch.setattr(engine.tensors, "_FLOAT_WARNED", False)  # PyTorch's process warned once; so does each test
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's warnings would be a leak: PyTorch prints none of these
        warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")
        warnings.filterwarnings("ignore", message="Converting a tensor")
        assert run_program(PROGRAMS[name], engine, engine) == RECORDED["programs"][name]


def test_recorded_with_pytorch_2_13():
    assert RECORDED["torch"].startswith("2.13")


# PyTorch has cumsum_ and cumprod_ (along a dim); the engine makes NAME_ for the elementwise ops only
INPLACE_NOT_MADE = {"cumsum", "cumprod"}


def test_tensor_has_pytorchs_inplace_methods():
    recorded = RECORDED["inplace_methods"]
    ours = {name: hasattr(engine.Tensor, name + "_") for name in recorded}
    assert {name for name in recorded if recorded[name] != ours[name]} == INPLACE_NOT_MADE
