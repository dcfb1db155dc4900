"""Recorder: F.layer_norm's answers and gradients from PyTorch 2.13, in float32 and float64.

Run with PyTorch 2.13 (CPU): `/tmp/torch/bin/python tests/layer_norm_cases.py` writes tests/layer_norm.json.gz, which
tests/test_layer_norm.py reads (the tests never need torch). Each case normalises rows of `n` elements (values of
mixed magnitudes around an offset, made by `inputs`), with a weight and a bias or neither, and backpropagates fixed
weights `g`; every float is stored as `float.hex`, so a test can ask for the same bits.
"""

from __future__ import annotations

import gzip
import json
import pathlib

SIZES = [1, 2, 3, 5, 8, 9, 17, 31, 64, 136, 137, 300]
ROWS = 2


def inputs(n: int, offset: float, seed: int) -> list:
    """`ROWS` rows of `n` values of mixed magnitudes (deterministic, without a random generator)."""
    return [
        [
            ((k * 7919 + r * 104729 + seed * 31) % 2001 - 1000) / 7.0 * 10.0 ** ((k + r) % 3 - 1) + offset
            for k in range(n)
        ]
        for r in range(ROWS)
    ]


def line(n: int, seed: int) -> list:
    return [((k * 37 + seed * 11) % 17 - 8) / 4.0 for k in range(n)]


def cases() -> list:
    out = []
    for dtype in ("float32", "float64"):
        for n in SIZES:
            for affine in (False, True):
                out.append({"dtype": dtype, "n": n, "affine": affine, "offset": 5.0 if n % 2 else 0.0, "seed": n})
    return out


def _hex(tensor) -> list:
    return [float(v).hex() for v in tensor.detach().reshape(-1).tolist()]


def _record() -> dict:
    import torch
    import torch.nn.functional as F

    recorded = []
    for case in cases():
        dtype = getattr(torch, case["dtype"])
        n = case["n"]
        x = torch.tensor(inputs(n, case["offset"], case["seed"]), dtype=dtype, requires_grad=True)
        w = torch.tensor(line(n, 1), dtype=dtype, requires_grad=True) if case["affine"] else None
        b = torch.tensor(line(n, 2), dtype=dtype, requires_grad=True) if case["affine"] else None
        y = F.layer_norm(x, (n,), w, b)
        y.backward(torch.tensor([line(n, 3 + r) for r in range(ROWS)], dtype=dtype))
        grads = {"x": _hex(x.grad)}
        if case["affine"]:
            grads.update(weight=_hex(w.grad), bias=_hex(b.grad))
        recorded.append({**case, "y": _hex(y), "grad": grads})
    return {"torch": torch.__version__, "cases": recorded}


if __name__ == "__main__":
    path = pathlib.Path(__file__).resolve().parent / "layer_norm.json.gz"
    path.write_bytes(gzip.compress((json.dumps(_record()) + "\n").encode("utf-8"), mtime=0))
