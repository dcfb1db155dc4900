"""Tensor printing byte-for-byte as PyTorch's torch/_tensor_str.py: 4 decimals, int / fixed / sci mode, padding,
line wrapping at 80 columns, summaries (`...`) of tensors over 1000 elements, and the suffixes' own wrapping."""

from __future__ import annotations

import math

import numpy as np

PRECISION = 4
LINEWIDTH = 80
THRESHOLD = 1000  # more elements than this: summarised
EDGEITEMS = 3  # a summary keeps this many items at each end of every dimension


class _Formatter:
    """PyTorch's _Formatter: one width and one mode (int / fixed / scientific) for every element of a tensor."""

    def __init__(self, values: np.ndarray, floating: bool):
        self.floating, self.int_mode, self.sci_mode, self.max_width = floating, True, False, 1
        flat = values.reshape(-1)
        if not floating:
            self.max_width = max([len(str(v)) for v in flat.tolist()] or [1])
            return
        if flat.size == 1:  # a scalar, the most printed tensor: the same tests on one Python float
            value = float(flat[0])
            if not math.isfinite(value) or value == 0:
                return
            finite, low = [value], abs(value)
            high, self.int_mode = low, value == math.ceil(value)
        else:
            finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
            if finite.size == 0:
                return
            magnitudes = np.abs(finite)
            low, high = float(magnitudes.min()), float(magnitudes.max())  # Python's floats: 2 / 1e-308 is inf, quietly
            self.int_mode = bool(np.all(finite == np.ceil(finite)))
            finite = finite.tolist()
        if self.int_mode:
            if high / low > 1000.0 or high > 1.0e8:
                self.sci_mode = True
                self.max_width = max(len(f"{v:.{PRECISION}e}") for v in finite)
            else:
                self.max_width = max(len(f"{v:.0f}") + 1 for v in finite)
        elif high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4:
            self.sci_mode = True
            self.max_width = max(len(f"{v:.{PRECISION}e}") for v in finite)
        else:
            self.max_width = max(len(f"{v:.{PRECISION}f}") for v in finite)

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


def _summarized(values: np.ndarray) -> np.ndarray:
    """The elements a summary shows (PyTorch's get_summarized_data): the formatter's width comes from these only."""
    if values.ndim == 0:
        return values
    n = values.shape[0]
    keep = [*range(EDGEITEMS), *range(n - EDGEITEMS, n)] if n > 2 * EDGEITEMS else range(n)
    if values.ndim == 1:
        return values[list(keep)]
    return np.stack([_summarized(values[i]) for i in keep])


def _array_str(values: np.ndarray, formatter: _Formatter, indent: int, summarize: bool) -> str:
    if values.ndim == 0:
        return formatter.format(values.item())
    n = values.shape[0]
    cut = summarize and n > 2 * EDGEITEMS
    if values.ndim == 1:
        shown = [*values[:EDGEITEMS].tolist(), None, *values[-EDGEITEMS:].tolist()] if cut else values.tolist()
        items = [" ..." if v is None else formatter.format(v) for v in shown]
        per_line = max(math.floor((LINEWIDTH - indent) / (formatter.max_width + 2)), 1)
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    rows = [*range(EDGEITEMS), None, *range(n - EDGEITEMS, n)] if cut else range(n)
    slices = ["..." if i is None else _array_str(values[i], formatter, indent + 1, summarize) for i in rows]
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def format_values(data, floating: bool = True, indent: int = 7) -> str:
    values = np.asarray(data)
    if values.size == 0:
        return "[]"
    summarize = values.size > THRESHOLD
    formatter = _Formatter(_summarized(values) if summarize else values, floating)
    return _array_str(values, formatter, indent, summarize)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """PyTorch's _add_suffixes, its off-by-two line length included: a suffix that would pass 80 columns wraps."""
    parts, last_line = [text], len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(t, default_dtype=None) -> str:
    """`tensor(25., grad_fn=<AddBackward0>)`, `tensor([1., 2.], dtype=torch.float64, requires_grad=True)` ...

    The dtype is shown unless it is the default one, as PyTorch does (`default_dtype` as after set_default_dtype).
    """
    from .dtypes import _default_dtype, bool_, int64

    dtype = t.dtype
    default_dtype = default_dtype or _default_dtype
    suffixes = []
    if t.data.size == 0:  # no elements to tell the dtype by: shown unless the default one, and the shape unless 1-D
        if t.data.ndim != 1:
            suffixes.append(f"size={tuple(t.data.shape)}")
        if dtype is not default_dtype:
            suffixes.append(f"dtype={dtype!r}")
    elif dtype is not default_dtype and dtype is not int64 and dtype is not bool_:
        suffixes.append(f"dtype={dtype!r}")
    if t.grad_fn is not None:
        # the node's class: its name() without C++'s namespace (torch::autograd::NotImplemented)
        suffixes.append(f"grad_fn=<{t.grad_fn.name().rsplit('::', 1)[-1]}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    prefix = "tensor("
    return _add_suffixes(prefix + format_values(t.data, dtype.is_floating_point, len(prefix)), suffixes, len(prefix))
