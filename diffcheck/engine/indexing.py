"""Subscripts and item assignment on tensors, as PyTorch: `x[0, 1:]` runs the steps ops.subscripts.plan gives (views
sharing the version counter, then one advanced index), and `x[key] = value` writes in place — CopySlices for a basic
key, IndexPutBackward0 for one with a tensor or a list — bumping the version, refused on a leaf that requires grad.
"""

from __future__ import annotations

import numpy as np

from ..ops import OPS
from ..ops.subscripts import NOT_AN_INDEX, plan, positions
from ..ops.dispatch import TorchIndexError
from .dtypes import is_grad_enabled
from .forward import apply
from .inplace import LEAF_INPLACE, LEAF_VIEW_INPLACE, apply_inplace
from .tensors import Tensor


def _key(key):
    """The subscript with tensors as their arrays, and PyTorch's refusal of what is no index."""
    items = key if type(key) is tuple else (key,)
    out = []
    for item in items:
        if isinstance(item, Tensor):
            out.append(np.asarray(item.data))
        elif item is None or item is Ellipsis or type(item) in (int, float, slice, list):
            out.append(item)
        elif isinstance(item, (np.integer,)):
            out.append(int(item))
        elif type(item) is bool:
            raise TypeError("a bool index (x[True]) is not supported")
        else:
            raise TorchIndexError(NOT_AN_INDEX.format(type(item).__name__))
    if any(isinstance(item, list) and not all(type(i) in (int, bool) for i in item) for item in out):
        raise TorchIndexError(NOT_AN_INDEX.format("list"))
    return tuple(out) if type(key) is tuple else out[0]


def getitem(t: Tensor, key) -> Tensor:
    key = _key(key)
    steps, advanced = plan(np.shape(t.data), key, whole=type(key) is not tuple)
    result = t
    for name, params in steps:
        result = apply(OPS[name], (result,), params)
    if advanced:
        result = apply(OPS["subscript_index"], (result,), {"key": advanced})
    return result


def setitem(t: Tensor, key, value) -> None:
    """`t[key] = value` in place: the values written through the subscript's steps (their errors PyTorch's)."""
    if t._base is not None:  # PyTorch writes through to the base (and rebases its grad_fn): not followed here
        raise NotImplementedError("item assignment into a view (a subscript of another tensor) is not supported")
    key = _key(key)
    steps, advanced = plan(np.shape(t.data), key, whole=type(key) is not tuple)
    numpy_key = positions(np.shape(t.data), steps, advanced)
    row = OPS["subscript_index_put" if advanced else "subscript_copy"]
    if is_grad_enabled() and t._requires_grad and t._node is None:
        raise RuntimeError(LEAF_INPLACE if advanced else LEAF_VIEW_INPLACE)
    apply_inplace(t, lambda a, *v: apply(row, (a, v[0] if v else value), {"key": numpy_key}), *_tensor(value))


def assigned(t: Tensor, key, value) -> Tensor:
    """`t` with `value` written at `key`, out of place: the node `t[key] = value` records (what `check` runs)."""
    key = _key(key)
    steps, advanced = plan(np.shape(t.data), key, whole=type(key) is not tuple)
    row = OPS["subscript_index_put" if advanced else "subscript_copy"]
    return apply(row, (t, value), {"key": positions(np.shape(t.data), steps, advanced)})


def _tensor(value) -> tuple:
    return (value,) if isinstance(value, Tensor) else ()
