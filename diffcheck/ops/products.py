"""dot, mv and mm's forwards: PyTorch's refusals of operands NumPy would take or refuse in its own words."""

from __future__ import annotations

import numpy as np

from .arrays import TYPE_NAMES
from .dispatch import TorchShapeError


def product(kernel: str, mismatch, compute, shapes):
    """dot, mv, mm: PyTorch neither promotes their operands' dtypes (NumPy would) nor multiplies bools, and refuses
    shapes that do not fit with its own words (`shapes(a, b)`: the message, or None where they fit)."""

    def forward(a, b):
        ta, tb = np.result_type(a), np.result_type(b)
        if ta != tb:
            raise RuntimeError(mismatch(TYPE_NAMES[ta], TYPE_NAMES[tb]))
        if ta.kind == "b":
            raise NotImplementedError(f""""{kernel}" not implemented for 'Bool'""")
        refused = shapes(np.shape(a), np.shape(b))
        if refused:
            raise TorchShapeError(refused)
        return compute(a, b)

    return forward


def _by(shape) -> str:
    return "x".join(map(str, shape))


def dot_shapes(a, b):
    if a[0] != b[0]:
        return (
            f"inconsistent tensor size, expected tensor [{a[0]}] and src [{b[0]}] to have the same number of "
            f"elements, but got {a[0]} and {b[0]} elements respectively"
        )


def mv_shapes(m, v):
    if m[1] != v[0]:
        return f"size mismatch, got input ({m[0]}), mat ({_by(m)}), vec ({v[0]})"


def mm_shapes(a, b):
    if a[1] != b[0]:
        return f"mat1 and mat2 shapes cannot be multiplied ({_by(a)} and {_by(b)})"
