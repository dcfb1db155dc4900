"""PyTorch's type promotion, where NumPy's differs: the dtype an elementwise op's answer has in PyTorch.

NumPy makes int64 with 1.5 (or with a float32 tensor) float64; PyTorch ranks dimensioned tensors above zero-dim ones
above Python numbers, and a lower rank counts only when it brings a higher category (bool < integer < float).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

_CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2}
_BOOL, _INT64 = np.dtype(np.bool_), np.dtype(np.int64)


def _promote(a: Optional[np.dtype], b: Optional[np.dtype]) -> Optional[np.dtype]:
    """PyTorch's promote_types on our dtypes: the higher category (bool < integer < float), then the wider."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b
    return a if a.itemsize >= b.itemsize else b


def _combine(higher: Optional[np.dtype], lower: Optional[np.dtype]) -> Optional[np.dtype]:
    """PyTorch's combine_categories: a lower-ranked operand counts only when it brings a higher category."""
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return _promote(higher, lower)
    return higher


def result_type(operands, default_float: np.dtype) -> Optional[np.dtype]:
    """PyTorch's result_type. An operand is a tensor's `(dtype, ndim)` or a Python number; a float number stands for
    `default_float`, as PyTorch's default dtype."""
    dim = zero = number = None
    for operand in operands:
        if isinstance(operand, tuple):
            dtype, ndim = operand
            if ndim:
                dim = _promote(dim, dtype)
            else:
                zero = _promote(zero, dtype)
        elif isinstance(operand, (bool, np.bool_)):
            number = _promote(number, _BOOL)
        elif isinstance(operand, int):
            number = _promote(number, _INT64)
        elif isinstance(operand, float):
            number = _promote(number, default_float)
    return _combine(dim, _combine(zero, number))
