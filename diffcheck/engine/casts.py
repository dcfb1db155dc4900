"""A gradient in the dtype of the tensor it is for, as PyTorch's engine casts each one to its input's metadata."""

from __future__ import annotations

import numpy as np

from .front import FUNCTIONS
from .node import _Output
from .tensors import Tensor


def _edge_value(e):
    """What an edge leads to, for its dtype: a leaf's data, a node's answer (one of a multi-output node's)."""
    if type(e) is Tensor:
        return e.data
    if type(e) is _Output:
        outs = e.e0.out
        return None if outs is None else outs[e.d0]
    return e.out


def _as_output(g, out, create_graph: bool):
    """A gradient in the dtype of the tensor it is for (`out`), as PyTorch's engine casts each gradient to its
    input's metadata before adding it up: a float32 op whose consumer computed in float64 (times a float64 tensor)
    runs its rule in float32; under create_graph the cast is recorded (ToCopyBackward0)."""
    dtype = getattr(out, "dtype", None)
    if dtype is None or dtype.kind != "f" or type(out) is tuple:
        return g
    if create_graph:  # recorded, as PyTorch's grad.to(dtype): ToCopyBackward0
        return FUNCTIONS["to_copy"](g, dtype) if g.data.dtype != dtype else g
    return np.asarray(g).astype(dtype)[()] if getattr(g, "dtype", None) != dtype else g
