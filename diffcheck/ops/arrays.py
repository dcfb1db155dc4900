"""NumPy helpers the rows share: dtype kinds and PyTorch's refusals, broadcasting in reverse, a reduction's axes.

Public for rows declared elsewhere (a test's, a contributor's): `sum_to`, `axes`, `unsqueeze_dim`, `reduced`.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np


def sum_to(g, shape):
    """Sum a broadcast gradient back down to `shape` (NumPy broadcasting in reverse)."""
    if np.shape(g) == tuple(shape):
        return g
    lead = np.ndim(g) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and np.shape(g)[i + lead] != 1)
    return np.sum(g, axis=axes, keepdims=False).reshape(shape) if axes else np.reshape(g, shape)


def expand(g, shape):
    return np.array(np.broadcast_to(g, shape))


def axes(shape, dim) -> Optional[tuple[int, ...]]:
    """A reduction's `dim` as NumPy's axes: one dim or a tuple of them, made non-negative; none of a 0-d tensor (which
    PyTorch lets take dim 0 or -1); None (every axis) for None."""
    if dim is None:
        return None
    return tuple(d % len(shape) for d in (dim if isinstance(dim, tuple) else (dim,))) if shape else ()


def unsqueeze_dim(g, shape, dim, keepdim):
    """The gradient of a reduction over `dim`, shaped to broadcast against the input (dim None: over all, 0-D)."""
    return g if keepdim or dim is None else np.expand_dims(g, axes(shape, dim))


def reduced(shape, dim) -> int:
    """How many elements a reduction over `dim` takes each answer from (dim None: all, as PyTorch's dim=None)."""
    return math.prod(shape) if dim is None else math.prod(shape[axis] for axis in axes(shape, dim))


def kind(x) -> str:
    """The NumPy kind of a tensor's data ("f" for a Python number)."""
    return getattr(x, "dtype", np.dtype(float)).kind


def is_bool(value) -> bool:
    return type(value) is bool or kind(value) == "b"


def is_zero(*arrays, **_):
    return np.asarray(arrays[0]) == 0


# Element types as PyTorch's messages name them: (its name, C++'s)
TYPE_NAMES = {
    np.dtype(np.bool_): ("Bool", "bool"),
    np.dtype(np.int64): ("Long", "long int"),
    np.dtype(np.float32): ("Float", "float"),
    np.dtype(np.float64): ("Double", "double"),
}


def kept_shape(shape, dim) -> tuple:
    """`shape` with the dims of a reduction over `dim` kept as 1 (dim None: every one)."""
    over = axes(shape, dim)
    return tuple(1 if over is None or i in over else n for i, n in enumerate(shape))


def sum_kept(F, g, dim, shape):
    """g summed over `dim` with the dims kept (as `g.sum(dim, keepdim=True)`), differentiable through `F`:
    `F.sum_to` is a row, so under create_graph the sum is recorded."""
    return F.sum_to(g, kept_shape(shape, dim))


def is_tensor(value) -> bool:
    """A rule's operand is the engine's Tensor (under create_graph) rather than an array."""
    return hasattr(value, "grad_fn")


def cascade_sum(x):
    """All elements summed in PyTorch's CPU order where it does not depend on the CPU's vector width.

    PyTorch's cascade_sum (aten/src/ATen/native/cpu/SumKernel.cpp) takes fewer elements than one vector (8 float32
    with AVX2, 16 with AVX-512) through `row_sum`'s scalar path: four partial sums p_k = x_k + x_(4+k) + ..., the
    elements past the last group of four added into p_0, then ((p_0 + p_1) + p_2) + p_3. For fewer than 5 elements
    that is NumPy's left-to-right order; for 5 to 7 float32 elements it is done here. Longer sums run over vector
    lanes whose count is the CPU's: NumPy's pairwise order stays (docs/fidelity.md).
    """
    a = np.asarray(x)
    if a.dtype != np.float32 or not 5 <= a.size < 8:
        return np.sum(a)
    flat = a.reshape(-1)
    first = flat[0] + flat[4]
    for value in flat[5:]:
        first = first + value
    return np.float32(0) + (((first + flat[1]) + flat[2]) + flat[3])  # the output starts at 0 (+0.0, not -0.0)
