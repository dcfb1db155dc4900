"""Op rows, matrices: tril / triu (`diagonal=`), diagonal (a view), diag (1-D to a matrix, DiagEmbedBackward0; 2-D to
its diagonal, DiagonalBackward0_copy), trace. They work on the last two dims (tril, triu) or two given ones
(diagonal); error texts recorded from PyTorch 2.13 (tests/shape_cases.py)."""

from __future__ import annotations

import numpy as np

from .arrays import is_tensor
from .shape import wrap
from .table import Family, Param, Signature, Spelling

ROWS = Family()
row = ROWS.row


def _data(t):
    """A rule's operand as an array: under create_graph the rules get the engine's tensors."""
    return t.data if is_tensor(t) else t


def _triangle(name: str, keep):
    def forward(x, diagonal=0):
        if np.ndim(x) < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return keep(x, diagonal)

    return forward


_tril, _triu = _triangle("tril", np.tril), _triangle("triu", np.triu)
_TRIANGLE = dict(params=(Param("diagonal", "int"),), saves=False, elementwise=False)
row(
    name="tril",
    grad_fn="TrilBackward0",
    **_TRIANGLE,
    forward=_tril,
    vjp=lambda F, g, out, x, diagonal=0: (F.tril(g, diagonal),),
    sym=lambda sp, x, diagonal=0: _tril(x, diagonal),
    derivative="the gradient's lower triangle (below and on the diagonal-th diagonal)",
    example=([(2, 2)], {}),
)
row(
    name="triu",
    grad_fn="TriuBackward0",
    **_TRIANGLE,
    forward=_triu,
    vjp=lambda F, g, out, x, diagonal=0: (F.triu(g, diagonal),),
    sym=lambda sp, x, diagonal=0: _triu(x, diagonal),
    derivative="the gradient's upper triangle (above and on the diagonal-th diagonal)",
    example=([(2, 2)], {}),
)


def _axes(ndim: int, dim1: int, dim2: int) -> tuple[int, int]:
    a, b = wrap(dim1, ndim), wrap(dim2, ndim)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return a, b


def diagonal_key(shape: tuple, offset: int, a: int, b: int) -> tuple:
    """Index arrays taking x's diagonal as NumPy's diagonal does: the other dims in order, the diagonal last."""
    rest = [d for d in range(len(shape)) if d not in (a, b)]
    length = max(0, min(shape[a] - max(-offset, 0), shape[b] - max(offset, 0)))
    along = np.arange(length)
    key = [None] * len(shape)
    for i, d in enumerate(rest):
        key[d] = np.arange(shape[d]).reshape((-1,) + (1,) * (len(rest) - i))
    key[a], key[b] = along + max(-offset, 0), along + max(offset, 0)
    return tuple(key)


def _diagonal(x, offset=0, dim1=0, dim2=1):
    """A writable view of the diagonal (NumPy's own diagonal is read-only: in-place changes go through views)."""
    a = np.asarray(x)
    d1, d2 = _axes(a.ndim, dim1, dim2)
    if a.dtype == object:
        return a[diagonal_key(a.shape, offset, d1, d2)]
    rest = [d for d in range(a.ndim) if d not in (d1, d2)]
    length = max(0, min(a.shape[d1] - max(-offset, 0), a.shape[d2] - max(offset, 0)))
    first = {d1: max(-offset, 0), d2: max(offset, 0)} if length else {}
    start = a[tuple(slice(first.get(d, 0), None) for d in range(a.ndim))]  # the view from the diagonal's first
    shape = tuple(a.shape[d] for d in rest) + (length,)
    strides = tuple(a.strides[d] for d in rest) + (a.strides[d1] + a.strides[d2],)
    return np.lib.stride_tricks.as_strided(start, shape, strides)


def _placed(F, g, shape: tuple, key: tuple):
    """Zeros of `shape` with the gradient at `key` (diagonal_backward, trace_backward)."""
    return F.subscript_put(g, shape, key)


def _diagonal_vjp(F, g, out, x, offset=0, dim1=0, dim2=1):
    shape = np.shape(_data(x))
    return (_placed(F, g, shape, diagonal_key(shape, offset, *_axes(len(shape), dim1, dim2))),)


row(
    name="diagonal",
    grad_fn="DiagonalBackward0",
    params=(Param("offset", "int"), Param("dim1", "int"), Param("dim2", "int")),
    saves=False,
    elementwise=False,
    view=True,
    front=Signature(spellings=(Spelling("diagonal", reserved=False),)),
    forward=_diagonal,
    vjp=_diagonal_vjp,
    sym=lambda sp, x, offset=0, dim1=0, dim2=1: np.asarray(x, dtype=object)[
        diagonal_key(np.shape(x), offset, *_axes(np.ndim(x), dim1, dim2))
    ],
    derivative="the gradient placed on the diagonal, zeros elsewhere",
    example=([(2, 2)], {}),
)


def _diag_rank(x) -> int:
    n = np.ndim(_data(x))
    if n not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {n}D")
    return n


def _diag(x, diagonal=0):
    return np.diag(np.asarray(x), diagonal) if _diag_rank(x) == 1 else np.diagonal(x, diagonal).copy()


row(
    name="diag",
    grad_fn="DiagEmbedBackward0",
    params=(Param("diagonal", "int"),),
    elementwise=False,
    front=Signature(spellings=(Spelling("diag", reserved=False),)),
    forward=_diag,
    # diag of a vector is diag_embed (DiagEmbedBackward0), of a matrix diagonal_copy (DiagonalBackward0_copy)
    via=lambda F, x, diagonal=0: (F.diag_embed if _diag_rank(x) == 1 else F.diagonal_copy)(x, diagonal),
    sym=lambda sp, x, diagonal=0: _diag(np.asarray(x, dtype=object), diagonal),
    derivative="a vector on a matrix's diagonal (its gradient: that diagonal), or a matrix's diagonal",
    example=([(2,)], {}),
)
row(
    name="diag_embed",
    grad_fn="DiagEmbedBackward0",
    params=(Param("offset", "int"),),
    saves=False,
    elementwise=False,
    internal=True,
    forward=lambda x, offset=0: np.diag(np.asarray(x), offset),
    vjp=lambda F, g, out, x, offset=0: (F.diagonal(g, offset),),  # derivatives.yaml: grad.diagonal(offset, 0, 1)
    sym=lambda sp, x, offset=0: np.diag(np.asarray(x, dtype=object), offset),
    derivative="the gradient's diagonal",
    example=([(2,)], {}),
)
row(
    name="diagonal_copy",
    grad_fn="DiagonalBackward0_copy",
    params=(Param("offset", "int"),),
    saves=False,
    elementwise=False,
    internal=True,
    forward=lambda x, offset=0: np.diagonal(x, offset).copy(),
    vjp=lambda F, g, out, x, offset=0: _diagonal_vjp(F, g, out, x, offset),
    sym=lambda sp, x, offset=0: np.asarray(x, dtype=object)[diagonal_key(np.shape(x), offset, 0, 1)],
    derivative="the gradient placed on the diagonal, zeros elsewhere",
    example=([(2, 2)], {}),
)


def _trace(x):
    if np.ndim(x) != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {np.ndim(x)}")
    return np.trace(x)


def _trace_vjp(F, g, out, x):
    """trace_backward: the gradient on every element of the diagonal, zeros elsewhere."""
    shape = np.shape(_data(x))
    key = diagonal_key(shape, 0, 0, 1)
    return (_placed(F, F.expand(g, np.shape(key[0])), shape, key),)


row(
    name="trace",
    grad_fn="TraceBackward0",
    saves=False,
    elementwise=False,
    front=Signature(spellings=(Spelling("trace", reserved=False),)),  # a name programs give their values
    forward=_trace,
    vjp=_trace_vjp,
    sym=lambda sp, x: sum(np.asarray(x, dtype=object)[diagonal_key(np.shape(x), 0, 0, 1)], sp.Integer(0)),
    derivative="d/dx_ij trace(x) = 1 if i == j else 0",
    example=([(2, 2)], {}),
)
