"""Recorder: torch.linspace's values from PyTorch (its CPU kernel's fused multiply-adds), as float hex strings.

Run with PyTorch 2.13 (CPU): `/tmp/torch/bin/python tests/linspace_cases.py` writes tests/linspace.json, which
tests/test_selection_ops.py reads: the table row `linspace` and `diffcheck run`'s torch.linspace (one kernel,
ops/creation.py) must give these values bit for bit.
"""

import json
import math
import pathlib

CASES = [
    (-math.pi, math.pi, 2000),
    (-1.0, 1.0, 300),
    (0.0, 1.0, 7),
    (-1.0, 1.0, 4),
    (0.1, 0.7, 13),
    (3.0, -2.0, 1),
    (0.0, 1.0, 0),
    (1e-3, 1e4, 999),
]


def main() -> None:
    import torch

    recorded = [
        {
            "start": start,
            "end": end,
            "steps": steps,
            "dtype": dtype,
            "values": [float(v).hex() for v in torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).tolist()],
        }
        for start, end, steps in CASES
        for dtype in ("float32", "float64")
    ]
    pathlib.Path(__file__).with_name("linspace.json").write_text(json.dumps(recorded) + "\n")


if __name__ == "__main__":
    main()
