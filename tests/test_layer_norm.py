"""F.layer_norm against PyTorch 2.13 (tests/layer_norm.json.gz, recorded by tests/layer_norm_cases.py): float32
answers bit for bit for rows up to 136 elements, where diffcheck computes the mean and variance as PyTorch's kernel
does; longer rows and float64 within the ulps docs/families/reductions.md states, and the gradients too."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from diffcheck import engine
from layer_norm_cases import ROWS, inputs, line  # tests/ is on sys.path under pytest

RECORDED = json.loads(gzip.decompress((Path(__file__).resolve().parent / "layer_norm.json.gz").read_bytes()))["cases"]
DTYPES = {"float32": (engine.float32, np.float32), "float64": (engine.float64, np.float64)}


def _label(case: dict) -> str:
    return f"{case['dtype']}-{case['n']}{'-affine' if case['affine'] else ''}"


def _values(hexes: list, dtype) -> np.ndarray:
    return np.array([float.fromhex(h) for h in hexes], dtype=dtype)


def _ours(case: dict) -> dict:
    dtype, n = DTYPES[case["dtype"]][0], case["n"]
    x = engine.tensor(inputs(n, case["offset"], case["seed"]), dtype=dtype, requires_grad=True)
    w = engine.tensor(line(n, 1), dtype=dtype, requires_grad=True) if case["affine"] else None
    b = engine.tensor(line(n, 2), dtype=dtype, requires_grad=True) if case["affine"] else None
    y = engine.layer_norm(x, (n,), weight=w, bias=b) if case["affine"] else engine.layer_norm(x, (n,))
    y.backward(engine.tensor([line(n, 3 + r) for r in range(ROWS)], dtype=dtype))
    grads = {"x": x.grad} if not case["affine"] else {"x": x.grad, "weight": w.grad, "bias": b.grad}
    return {"y": y, "grad": {k: np.asarray(v.tolist()).reshape(-1) for k, v in grads.items()}}


def _ulps_of_rows(ours: np.ndarray, theirs: np.ndarray, n: int) -> float:
    """The largest difference in ulps of its row's largest magnitude (PyTorch's values)."""
    rows = theirs.reshape(-1, n)
    scale = np.spacing(np.max(np.abs(rows), axis=1, keepdims=True).astype(theirs.dtype))
    return float(np.max(np.abs(ours.reshape(-1, n).astype(np.float64) - rows) / np.maximum(scale, np.spacing(1.0))))


@pytest.mark.parametrize("case", RECORDED, ids=[_label(c) for c in RECORDED])
def test_answers_are_pytorchs(case):
    np_dtype = DTYPES[case["dtype"]][1]
    ours = np.asarray(_ours(case)["y"].tolist(), dtype=np_dtype).reshape(-1)
    theirs = _values(case["y"], np_dtype)
    if case["dtype"] == "float32" and case["n"] <= 136:
        assert ours.tobytes() == theirs.tobytes()
    else:
        assert _ulps_of_rows(ours, theirs, case["n"]) <= 2


@pytest.mark.parametrize("case", RECORDED, ids=[_label(c) for c in RECORDED])
def test_gradients_are_pytorchs_within_their_sums_rounding(case):
    np_dtype = DTYPES[case["dtype"]][1]
    ours = _ours(case)["grad"]
    assert set(ours) == set(case["grad"])
    for name, values in case["grad"].items():
        theirs = _values(values, np_dtype)
        if name == "x":  # a sum of terms that cancel: measured against the size of its terms, rstd * g * weight
            # (64 ulps: the most measured over random rows of 1 to 1,000 elements; these cases need 2)
            x = np.asarray(inputs(case["n"], case["offset"], case["seed"]), dtype=np.float64)
            size = np.max(np.abs(line(case["n"], 3))) * (np.max(np.abs(line(case["n"], 1))) if case["affine"] else 1)
            size = size / max(np.min(np.std(x, axis=1)), 1e-3)
            assert np.max(np.abs(ours[name] - theirs)) <= 64 * np.spacing(np_dtype(size)), name
        else:
            assert np.max(np.abs(ours[name] - theirs)) <= 2 * np.spacing(np.max(np.abs(theirs)).astype(np_dtype)), name


def test_the_kernels_order_matters():
    """The cases can fail: NumPy's mean and variance (pairwise sums) give other float32 answers for some rows."""
    differing = 0
    for case in (c for c in RECORDED if c["dtype"] == "float32" and not c["affine"] and 8 <= c["n"] <= 136):
        x = np.asarray(inputs(case["n"], case["offset"], case["seed"]), dtype=np.float32)
        mean = x.mean(axis=1, keepdims=True)
        naive = (x - mean) / np.sqrt(((x - mean) ** 2).mean(axis=1, keepdims=True) + np.float32(1e-5))
        differing += naive.astype(np.float32).tobytes() != _values(case["y"], np.float32).tobytes()
    assert differing >= 3
