"""Op rows, tensors joined and taken apart: cat (concat, concatenate) and stack take a list of tensors (`variadic`);
split, chunk and unbind give a tuple of views of their input (`outputs=0`: as many as the shape makes).

Backward as derivatives.yaml's: cat's gradient split back by the inputs' sizes, stack's unbound, split's, chunk's and
unbind's pieces joined again (zeros for a piece that got no gradient). Error texts recorded from PyTorch 2.13.
"""

from __future__ import annotations

import math

import numpy as np

from .shape import wrap
from .table import Family, Param, Signature, Spelling

ROWS = Family()
row = ROWS.row
_DIM = (Param("dim", "int"),)


def _data(a):
    return getattr(a, "data", a)


def _joined_dtype(arrays) -> np.dtype:
    """PyTorch's result type of tensors alone: floats win over integers and bools (float32 with int64 is float32)."""
    dtypes = [np.result_type(a) for a in arrays]
    floats = [d for d in dtypes if d.kind == "f"]
    return np.result_type(*(floats or dtypes))


def _cat(tensors, dim=0):
    arrays = [np.asarray(a) for a in tensors]
    if not arrays:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, a in enumerate(arrays):
        if a.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
        if a.ndim != arrays[0].ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {arrays[0].ndim} and {a.ndim}")
    axis = wrap(dim, arrays[0].ndim)
    for i, a in enumerate(arrays[1:], 1):
        for d, (want, got) in enumerate(zip(arrays[0].shape, a.shape)):
            if d != axis and want != got:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {axis}. Expected size {want} but got size {got} "
                    f"for tensor number {i} in the list."
                )
    return np.concatenate(arrays, axis=axis).astype(_joined_dtype(arrays), copy=False)


def _cat_vjp(F, g, out, tensors, dim=0):
    sizes = [np.shape(_data(t))[wrap(dim, np.ndim(_data(t)))] for t in tensors]
    return tuple(F.split(g, sizes, dim))


def _stack(tensors, dim=0):
    arrays = [np.asarray(a) for a in tensors]
    if not arrays:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, a in enumerate(arrays[1:], 1):
        if a.shape != arrays[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(arrays[0].shape)} at entry 0 and "
                f"{list(a.shape)} at entry {i}"
            )
    return np.stack(arrays, axis=wrap(dim, arrays[0].ndim + 1)).astype(_joined_dtype(arrays), copy=False)


_JOIN = dict(variadic=True, params=_DIM, saves=False, elementwise=False)
row(
    name="cat",
    grad_fn="CatBackward0",
    **_JOIN,
    front=Signature(
        spellings=(
            Spelling("cat", method=False),
            Spelling("concat", method=False),
            Spelling("concatenate", method=False),
        )
    ),
    forward=_cat,
    vjp=_cat_vjp,
    sym=lambda sp, tensors, dim=0: _cat(tensors, dim),
    derivative="the gradient split back by the inputs' sizes along dim",
    example=([(2,), (1,)], {}),
)
row(
    name="stack",
    grad_fn="StackBackward0",
    **_JOIN,
    front=Signature(spellings=(Spelling("stack", method=False),)),
    forward=_stack,
    vjp=lambda F, g, out, tensors, dim=0: tuple(F.unbind(g, wrap(dim, np.ndim(_data(g))))),
    sym=lambda sp, tensors, dim=0: _stack(tensors, dim),
    derivative="the gradient unbound along dim",
    example=([(2,), (2,)], {}),
)


def _pieces(x, sizes, dim) -> tuple:
    a = np.asarray(x)
    axis = wrap(dim, a.ndim)
    bounds = np.cumsum(sizes)[:-1]
    return tuple(np.split(a, bounds, axis=axis))


def _split(x, split_size, dim=0):
    """Tensor.split with an int: pieces of `split_size` along dim, the last smaller; with a list, those sizes."""
    if isinstance(split_size, (list, tuple)):
        return _split_with_sizes(x, split_size, dim)
    a = np.asarray(x)
    if a.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    n = a.shape[wrap(dim, a.ndim)]
    if split_size == 0 and n != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={split_size}")
    count = max(math.ceil(n / split_size), 1) if split_size else 1
    return _pieces(a, [min(split_size, n - i * split_size) for i in range(count)], dim)


def _split_with_sizes(x, split_size, dim=0):
    a = np.asarray(x)
    n = a.shape[wrap(dim, a.ndim)]
    sizes = [int(s) for s in split_size]
    if sum(sizes) != n or any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension "
            f"{wrap(dim, a.ndim)}), but got split_sizes={sizes}"
        )
    return _pieces(a, sizes, dim)


def _chunk(x, chunks, dim=0):
    a = np.asarray(x)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if a.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = a.shape[wrap(dim, a.ndim)]
    return _split(a, max(math.ceil(n / chunks), 1) if n else 1, dim)


def _unbind(x, dim=0):
    a = np.asarray(x)
    axis = wrap(dim, a.ndim)
    return tuple(np.take(a, i, axis=axis)[()] for i in range(a.shape[axis]))


def _filled(F, grads, outs) -> list:
    """Each piece's gradient, zeros (of the piece's shape) for a piece that got none, as PyTorch's engine fills them."""
    return [F.zeros_like(o) if g is None else g for g, o in zip(grads, outs)]


_PIECES = dict(outputs=0, saves=False, elementwise=False, view=True)
row(
    name="split",
    grad_fn="SplitBackward0",
    params=(Param("split_size_or_sections", "sections"), Param("dim", "int")),
    **_PIECES,
    front=Signature(list_row="split_list"),
    forward=lambda x, split_size_or_sections, dim=0: _split(x, split_size_or_sections, dim),
    vjp=lambda F, grads, outs, x, split_size_or_sections, dim=0: (F.cat(_filled(F, grads, outs), dim),),
    sym=lambda sp, x, split_size_or_sections, dim=0: _split(x, split_size_or_sections, dim),
    derivative="the pieces' gradients joined along dim (zeros where none)",
    example=([(3,)], {"split_size_or_sections": 2}),
)
row(
    name="split_list",
    grad_fn="SplitWithSizesBackward0",
    params=(Param("split_size_or_sections", "sections"), Param("dim", "int")),
    **_PIECES,
    front=None,
    forward=lambda x, split_size_or_sections, dim=0: _split_with_sizes(x, split_size_or_sections, dim),
    vjp=lambda F, grads, outs, x, split_size_or_sections, dim=0: (F.cat(_filled(F, grads, outs), dim),),
    sym=lambda sp, x, split_size_or_sections, dim=0: _split_with_sizes(x, split_size_or_sections, dim),
    derivative="the pieces' gradients joined along dim (zeros where none)",
    example=([(3,)], {"split_size_or_sections": (1, 2)}),
)
row(
    name="chunk",
    grad_fn="SplitBackward0",
    params=(Param("chunks", "int"), Param("dim", "int")),
    **_PIECES,
    front=Signature(needs_param=True),
    forward=_chunk,
    vjp=lambda F, grads, outs, x, chunks, dim=0: (F.cat(_filled(F, grads, outs), dim),),
    sym=lambda sp, x, chunks, dim=0: _chunk(x, chunks, dim),
    derivative="the pieces' gradients joined along dim (zeros where none)",
    example=([(3,)], {"chunks": 2}),
)
row(
    name="unbind",
    grad_fn="UnbindBackward0",
    params=_DIM,
    **_PIECES,
    forward=_unbind,
    vjp=lambda F, grads, outs, x, dim=0: (F.stack(_filled(F, grads, outs), dim),),
    sym=lambda sp, x, dim=0: _unbind(x, dim),
    derivative="the slices' gradients stacked along dim (zeros where none)",
    example=([(2, 2)], {}),
)
