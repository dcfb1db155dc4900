"""Issue 23, rounding: float32 sums and means of fewer than 8 elements are added in PyTorch's CPU order (its cascade
sum's scalar path: four partial sums, then left to right), bit for bit against PyTorch 2.13 (tests/fidelity.json).
Longer sums run over vector lanes whose count depends on the CPU (AVX2: 8, AVX-512: 16; the recording machine's is
in the file); there the engine keeps NumPy's pairwise order and docs/fidelity.md says by how much they
differ."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from diffcheck import engine

RECORDED = json.loads((Path(__file__).resolve().parent / "fidelity.json").read_text(encoding="utf-8"))
SMALL = [case for case in RECORDED["sums"] if len(case["x"]) < 8]


@pytest.mark.parametrize("op", ["sum", "mean"])
def test_short_float32_sums_are_pytorchs_bit_for_bit(op):
    ours = [getattr(engine, op)(engine.tensor(case["x"])).item() for case in SMALL]
    assert ours == [case[op] for case in SMALL]


def test_numpys_order_would_differ():
    """The cases can fail: NumPy's left-to-right order gives another float32 for some of 5 to 7 elements."""
    numpy = [float(np.sum(np.asarray(case["x"], dtype=np.float32))) for case in SMALL]
    assert sum(a != case["sum"] for a, case in zip(numpy, SMALL)) > 10


def test_longer_sums_stay_within_an_ulp_or_two_of_the_sum():
    """Where the order is the CPU's, the engine's float32 sum is within 2 ulps of the sum's magnitude of PyTorch's."""
    for case in RECORDED["sums"]:
        x = np.asarray(case["x"], dtype=np.float32)
        ours = engine.sum(engine.tensor(case["x"])).item()
        assert abs(ours - case["sum"]) <= 2 * np.spacing(np.float32(np.abs(x).sum())), case
