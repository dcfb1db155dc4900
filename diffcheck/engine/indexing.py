"""Subscripts and item assignment on tensors, as PyTorch: `x[0, 1:]` runs the steps ops.subscripts.plan gives (views
sharing the version counter, then one advanced index), and `x[key] = value` writes in place — CopySlices for a basic
key, IndexPutBackward0 for one with a tensor or a list, FillBackward3 or CopyBackwards for the whole tensor — bumping
the version, refused on a leaf that requires grad; into a view, it writes into the base (engine/views.py).
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
        elif item is None or item is Ellipsis or type(item) in (int, float, slice, list, bool):
            out.append(item)
        elif isinstance(item, (np.integer,)):
            out.append(int(item))
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
    """`t[key] = value` in place: the values written through the subscript's steps (their errors PyTorch's). As
    PyTorch's setitem, whole-dim slices take no step; a key that leaves the whole tensor writes it (`copy_to`)."""
    key = _key(key)
    steps, advanced = plan(np.shape(t.data), key, whole=False)
    if not advanced and all(name == "subscript_alias" for name, _ in steps):
        if is_grad_enabled() and t._requires_grad and t._node is None:
            raise RuntimeError(LEAF_INPLACE)
        return _copy_to(t, value)
    numpy_key = positions(np.shape(t.data), steps, advanced)
    row = OPS["subscript_index_put" if advanced else "subscript_copy"]
    if is_grad_enabled() and t._requires_grad and t._node is None:
        raise RuntimeError(LEAF_INPLACE if advanced else LEAF_VIEW_INPLACE)
    if not advanced and isinstance(value, Tensor):
        value = _source(value, numpy_key[0].shape if numpy_key else ())
    apply_inplace(t, lambda a, *v: apply(row, (a, v[0] if v else value), {"key": numpy_key}), *_tensor(value))


def _copy_to(t: Tensor, value) -> None:
    """PyTorch's copy_to: the same shape is copied (CopyBackwards), a 0-d value fills (FillBackward3), another is
    brought to the shape (`_source`), then copied."""
    from .front import FUNCTIONS
    from .inplace import copy_

    if not isinstance(value, Tensor):
        value = Tensor(np.asarray(value).astype(np.result_type(t.data))[()])
    if value.shape == t.shape:
        copy_(t, value)
    elif not value.shape:
        apply_inplace(t, FUNCTIONS["fill_tensor"], value)
    else:
        copy_(t, _source(value, t.shape))


def _source(value: Tensor, shape: tuple) -> Tensor:
    """The values copy_to writes into a place of `shape`: as they are where the shapes match or the value is 0-d,
    else viewed without their leading 1s (ViewBackward0) and expanded if that is not the shape (ExpandBackward0)."""
    from .front import FUNCTIONS

    if value.shape == shape or not value.shape:
        return value
    stripped = list(value.shape)
    while stripped and stripped[0] == 1:
        stripped.pop(0)
    value = FUNCTIONS["view"](value, tuple(stripped))
    return value if value.shape == shape else FUNCTIONS["expand"](value, shape)


def assigned(t: Tensor, key, value) -> Tensor:
    """`t` with `value` written at `key`, out of place: the node `t[key] = value` records (what `check` runs)."""
    key = _key(key)
    steps, advanced = plan(np.shape(t.data), key, whole=type(key) is not tuple)
    row = OPS["subscript_index_put" if advanced else "subscript_copy"]
    return apply(row, (t, value), {"key": positions(np.shape(t.data), steps, advanced)})


def _tensor(value) -> tuple:
    return (value,) if isinstance(value, Tensor) else ()
