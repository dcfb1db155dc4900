"""Making leaf tensors: torch.tensor, torch.ones, torch.zeros, torch.full, torch.linspace."""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..ops.creation import full_values, linspace_values
from .dtypes import _default_dtype, bool_, dtype, int64
from .forward import _IGNORE, _quiet, _restore
from .tensors import Tensor


def tensor(data, dtype: Optional[dtype] = None, requires_grad: bool = False) -> Tensor:
    """Build a leaf tensor from a number or nested list, as torch.tensor (default dtype float32)."""
    if isinstance(data, Tensor):
        data = data.data
    try:
        array = np.asarray(data)
    except ValueError:
        refused = _ragged(data)
        if refused:
            raise refused[0](refused[1]) from None
        raise
    if dtype is None:
        kind = array.dtype.kind
        dtype = bool_ if kind == "b" else int64 if kind in "iu" else _default_dtype
    if requires_grad and not dtype.is_floating_point:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    token = _quiet(_IGNORE)  # 1e308 as float32 is inf, as in PyTorch, without NumPy's warning
    try:
        return Tensor(array.astype(dtype.np)[()], bool(requires_grad))
    finally:
        _restore(token)


def ones(*shape, dtype: Optional[dtype] = None, requires_grad: bool = False) -> Tensor:
    return tensor(np.ones(shape), dtype=dtype or _default_dtype, requires_grad=requires_grad)


def zeros(*shape, dtype: Optional[dtype] = None, requires_grad: bool = False) -> Tensor:
    return tensor(np.zeros(shape), dtype=dtype or _default_dtype, requires_grad=requires_grad)


def _sizes(data) -> list:
    """The shape torch.tensor expects of nested lists: each dimension's length from its first element."""
    sizes = []
    while isinstance(data, (list, tuple)):
        sizes.append(len(data))
        if not data:
            break
        data = data[0]
    return sizes


def _ragged(data, sizes=None, dim: int = 0):
    """PyTorch's error for the first element, depth first, that does not fit the expected shape: (type, text)."""
    sizes = _sizes(data) if sizes is None else sizes
    nested = isinstance(data, (list, tuple))
    if dim >= len(sizes):
        return (TypeError, f"must be real number, not {type(data).__name__}") if nested else None
    if not nested:
        return TypeError, "not a sequence"
    if len(data) != sizes[dim]:
        return ValueError, f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(data)})"
    for item in data:
        refused = _ragged(item, sizes, dim + 1)
        if refused:
            return refused
    return None


def full(shape, fill_value, dtype: Optional[dtype] = None, requires_grad: bool = False) -> Tensor:
    """torch.full: the dtype is the fill value's (a bool's bool, an int's int64, a float's default) unless given;
    the values are the table row's (ops/creation.py)."""
    if dtype is None:
        dtype = bool_ if isinstance(fill_value, bool) else int64 if isinstance(fill_value, int) else _default_dtype
    return tensor(full_values(shape, fill_value, dtype.np), dtype=dtype, requires_grad=requires_grad)


def linspace(start, end, steps: int, dtype: Optional[dtype] = None, requires_grad: bool = False) -> Tensor:
    """torch.linspace in `dtype` (the default float unless given): the table row's kernel (ops/creation.py)."""
    dtype = dtype or _default_dtype
    return tensor(linspace_values(start, end, steps, dtype.np.type), dtype=dtype, requires_grad=requires_grad)
