"""Tensor reprs byte for byte as PyTorch 2.13 prints them: summaries of large tensors (`...`), line wrapping, suffixes
wrapped at 80 columns, empty tensors. The expected strings in tests/tensor_repr.json were recorded on PyTorch 2.13
(CPU) from the cases in tests/tensor_repr_cases.py, which says how to re-record them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st

from diffcheck import engine
from diffcheck.engine.printing import _Formatter
from tensor_repr_cases import CASES  # tests/ is on sys.path under pytest

RECORDED = json.loads((Path(__file__).resolve().parent / "tensor_repr.json").read_text(encoding="utf-8"))
DTYPES = {"float32": engine.float32, "float64": engine.float64, "int64": engine.int64, "bool": engine.bool_}


def build(name: str):
    values, dtype, requires_grad, then = CASES[name]
    if then == "zeros0x3":
        return engine.zeros(0, 3, dtype=DTYPES[dtype])
    t = engine.tensor(values, dtype=DTYPES[dtype], requires_grad=requires_grad)
    return t * 2 if then == "mul2" else t


def test_recorded_on_pytorch_2_13_for_every_case():
    assert RECORDED["torch"].startswith("2.13.") and set(RECORDED["reprs"]) == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_repr_is_pytorchs(name):
    assert repr(build(name)) == RECORDED["reprs"][name]


@given(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([np.float64, np.float32]))
def test_a_scalars_format_is_that_of_the_same_value_in_an_array(value, dtype):
    """The formatter's shortcut for one element (Python's float tests) decides as NumPy's path does for many."""
    with np.errstate(over="ignore"):  # a float64 past float32's range becomes inf
        one, many = np.array(value, dtype=dtype), np.array([value, value], dtype=dtype)
    one, two = _Formatter(one, True), _Formatter(many, True)
    assert (one.int_mode, one.sci_mode, one.max_width) == (two.int_mode, two.sci_mode, two.max_width)
