"""Recorder: dropout's masks and answers from PyTorch 2.13 (CPU), for tests/test_dropout.py (which never needs torch).

Run with PyTorch 2.13: `/tmp/torch/bin/python tests/dropout_cases.py` writes tests/dropout.json. `masks`: for seeds,
sizes (around the bernoulli kernel's parallel grain of 800, and 70,000) and probabilities, `torch.empty(n, dtype)
.bernoulli_(p)` as the SHA-256 of its packed bits, its count of ones and the next `torch.rand(1)` (where the generator
stands after it). `dropout`: F.dropout's answers and input gradients as `float.hex`.
"""

from __future__ import annotations

import hashlib
import json
import pathlib

SEEDS = (0, 1, 7, 12345)
SIZES = (1, 7, 799, 800, 801, 1600, 70000)
PROBABILITIES = (0.5, 0.3, 0.9, 0.1, 1 / 3)
DROPOUT = [  # (seed, p, dtype, number of elements)
    (0, 0.5, "float32", 12),
    (1, 0.3, "float32", 10),
    (2, 0.25, "float64", 9),
    (3, 1 / 3, "float32", 900),
    (4, 0.9, "float64", 30),
]


def digest(mask) -> str:
    """The SHA-256 of a 0/1 sequence packed 8 to a byte (NumPy's packbits order)."""
    bits = [int(v) for v in mask]
    packed = bytes(sum(bit << (7 - k) for k, bit in enumerate(bits[i : i + 8])) for i in range(0, len(bits), 8))
    return hashlib.sha256(packed).hexdigest()


def values(n: int) -> list:
    return [((k * 7919) % 201 - 100) / 16.0 for k in range(n)]


def _record() -> dict:
    import torch
    import torch.nn.functional as F

    masks = []
    for seed in SEEDS:
        for n in SIZES:
            for p in PROBABILITIES:
                for dtype in ("float32", "float64"):
                    torch.manual_seed(seed)
                    mask = torch.empty(n, dtype=getattr(torch, dtype)).bernoulli_(p)
                    after = torch.rand(1).item()
                    masks.append(
                        {
                            "seed": seed,
                            "n": n,
                            "p": p,
                            "dtype": dtype,
                            "sha256": digest(mask.tolist()),
                            "ones": int(mask.sum().item()),
                            "after": after.hex(),
                        }
                    )
    dropped = []
    for seed, p, dtype, n in DROPOUT:
        torch.manual_seed(seed)
        x = torch.tensor(values(n), dtype=getattr(torch, dtype), requires_grad=True)
        y = F.dropout(x, p)
        y.backward(torch.ones(n, dtype=x.dtype))
        dropped.append(
            {
                "seed": seed,
                "p": p,
                "dtype": dtype,
                "n": n,
                "grad_fn": y.grad_fn.name(),
                "y": [v.hex() for v in y.tolist()],
                "grad": [v.hex() for v in x.grad.tolist()],
            }
        )
    return {"torch": torch.__version__, "masks": masks, "dropout": dropped}


if __name__ == "__main__":
    path = pathlib.Path(__file__).resolve().parent / "dropout.json"
    path.write_text(json.dumps(_record(), indent=0) + "\n", encoding="utf-8")
