"""Tensor printing byte-for-byte as PyTorch's torch/_tensor_str.py (4 decimals, int mode, sci mode, padding)."""
from __future__ import annotations

import math

import numpy as np

PRECISION = 4
LINEWIDTH = 80


class _Formatter:
    """PyTorch's _Formatter: one width and one mode (int / fixed / scientific) for every element of a tensor."""

    def __init__(self, values: np.ndarray, floating: bool):
        self.floating, self.int_mode, self.sci_mode, self.max_width = floating, True, False, 1
        flat = values.reshape(-1)
        if not floating:
            self.max_width = max([len(str(v)) for v in flat.tolist()] or [1])
            return
        finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if finite.size == 0:
            return
        magnitudes = np.abs(finite)
        low, high = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            if high / low > 1000.0 or high > 1.0e8:
                self.sci_mode = True
                self.max_width = max(len(f"{v:.{PRECISION}e}") for v in finite.tolist())
            else:
                self.max_width = max(len(f"{v:.0f}") + 1 for v in finite.tolist())
        elif high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4:
            self.sci_mode = True
            self.max_width = max(len(f"{v:.{PRECISION}e}") for v in finite.tolist())
        else:
            self.max_width = max(len(f"{v:.{PRECISION}f}") for v in finite.tolist())

    def format(self, value) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return (self.max_width - len(text)) * " " + text


def _array_str(values: np.ndarray, formatter: _Formatter, indent: int) -> str:
    if values.ndim == 0:
        return formatter.format(values.item())
    if values.ndim == 1:
        items = [formatter.format(v) for v in values.tolist()]
        per_line = max(math.floor((LINEWIDTH - indent) / (formatter.max_width + 2)), 1)
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    rows = [_array_str(values[i], formatter, indent + 1) for i in range(values.shape[0])]
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def format_values(data, floating: bool = True, indent: int = 7) -> str:
    values = np.asarray(data)
    if values.size == 0:
        return "[]"
    return _array_str(values, _Formatter(values, floating), indent)


def tensor_repr(t, default_dtype=None) -> str:
    """`tensor(25., grad_fn=<AddBackward0>)`, `tensor([1., 2.], dtype=torch.float64, requires_grad=True)` ...

    The dtype is shown unless it is the default one, as PyTorch does (`default_dtype` as after set_default_dtype).
    """
    from .engine import _default_dtype, bool_, int64

    dtype = t.dtype
    default_dtype = default_dtype or _default_dtype
    suffixes = []
    if dtype is not default_dtype and dtype is not int64 and dtype is not bool_:
        suffixes.append(f"dtype={dtype!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    body = format_values(t.data, dtype.is_floating_point)
    return "tensor(" + ", ".join([body] + suffixes) + ")"
