"""Op rows, transposes (views, as PyTorch's): t (TBackward0), x.T (permute with the dims reversed:
PermuteBackward0), x.mT (transpose of the last two: TransposeBackward0), transpose / swapaxes / swapdims, permute."""

from __future__ import annotations

import numpy as np

from .shape import wrap
from .table import Family, Param, Signature, Spelling

ROWS = Family()
row = ROWS.row


def _data(t):
    return getattr(t, "data", t)


def _t(x):
    if np.ndim(x) > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {np.ndim(x)}D")
    return np.transpose(x)


def _mT(x):
    if np.ndim(x) < 2:
        raise RuntimeError(
            f"tensor.mT is only supported on matrices or batches of matrices. Got {np.ndim(x)}-D tensor."
        )
    return np.swapaxes(x, -1, -2)


def _transpose(x, dim0, dim1):
    n = np.ndim(x)
    a, b = wrap(dim0, n), wrap(dim1, n)
    return np.swapaxes(x, a, b) if n else x


def _permute(x, dims):
    n, dims = np.ndim(x), tuple(dims)
    if len(dims) != n:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired "
            f"ordering of dimensions i.e. input.dim() = {n} is not equal to len(dims) = {len(dims)}"
        )
    wrapped = tuple(wrap(d, n) for d in dims)
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return np.transpose(x, wrapped)


_VIEW = dict(saves=False, elementwise=False, view=True)
row(
    name="t",
    grad_fn="TBackward0",
    **_VIEW,
    front=Signature(spellings=(Spelling("t", reserved=False),)),
    forward=_t,
    vjp=lambda F, g, out, x: (F.t(g),),
    sym=lambda sp, x: _t(x),
    derivative="transpose the gradient back",
    example=([(2, 3)], {}),
)
row(
    name="T",
    grad_fn="PermuteBackward0",
    elementwise=False,
    front=Signature(spellings=(Spelling("T", torch=False, attribute=True, reserved=False),)),
    forward=np.transpose,
    via=lambda F, x: F.permute(x, tuple(range(np.ndim(_data(x)) - 1, -1, -1))),  # numpy_T: permute, dims reversed
    sym=lambda sp, x: np.transpose(x),
    derivative="permute(x, dims reversed)",
    example=([(2, 3)], {}),
)
row(
    name="mT",
    grad_fn="TransposeBackward0",
    elementwise=False,
    front=Signature(spellings=(Spelling("mT", torch=False, attribute=True, reserved=False),)),
    forward=_mT,
    via=lambda F, x: F.transpose(x, -2, -1) if np.ndim(_data(x)) >= 2 else _mT(_data(x)),
    sym=lambda sp, x: _mT(x),
    derivative="transpose(x, -2, -1)",
    example=([(2, 3)], {}),
)
row(
    name="transpose",
    grad_fn="TransposeBackward0",
    params=(Param("dim0", "int"), Param("dim1", "int")),
    **_VIEW,
    front=Signature(needs_param=True, spellings=(Spelling("transpose"), Spelling("swapaxes"), Spelling("swapdims"))),
    forward=_transpose,
    vjp=lambda F, g, out, x, dim0, dim1: (F.transpose(g, dim0, dim1),),
    sym=lambda sp, x, dim0, dim1: _transpose(x, dim0, dim1),
    derivative="swap the gradient's dims back",
    example=([(2, 3)], {"dim0": 0, "dim1": 1}),
)
row(
    name="permute",
    grad_fn="PermuteBackward0",
    params=(Param("dims", "shape"),),
    **_VIEW,
    front=Signature(needs_param=True),
    forward=_permute,
    vjp=lambda F, g, out, x, dims: (F.permute(g, tuple(np.argsort([d % len(dims) for d in dims]))),),
    sym=lambda sp, x, dims: _permute(x, dims),
    derivative="permute the gradient back",
    example=([(2, 3)], {"dims": (1, 0)}),
)


def _moved(ndim: int, source, destination) -> tuple:
    """movedim's permutation: the source dims to their destinations, the others in order, refusing as PyTorch."""
    source = tuple(source) if isinstance(source, (tuple, list)) else (source,)
    destination = tuple(destination) if isinstance(destination, (tuple, list)) else (destination,)
    if len(source) != len(destination):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(source)} dims) should contain the same "
            f"number of dims as destination ({list(destination)} dims)"
        )
    src, dst = tuple(wrap(d, ndim) for d in source), tuple(wrap(d, ndim) for d in destination)
    for name, given, wrapped in (("source", source, src), ("destination", destination, dst)):
        if len(set(wrapped)) != len(wrapped):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    rest = iter(d for d in range(ndim) if d not in src)
    placed = dict(zip(dst, src))
    return tuple(placed[i] if i in placed else next(rest) for i in range(ndim))


row(
    name="movedim",
    grad_fn="PermuteBackward0",
    params=(Param("source", "sections"), Param("destination", "sections")),
    elementwise=False,
    front=Signature(needs_param=True, spellings=(Spelling("movedim"), Spelling("moveaxis"))),
    forward=lambda x, source, destination: np.transpose(x, _moved(np.ndim(x), source, destination)),
    via=lambda F, x, source, destination: F.permute(x, _moved(np.ndim(_data(x)), source, destination)),
    sym=lambda sp, x, source, destination: np.transpose(x, _moved(np.ndim(x), source, destination)),
    derivative="permute(x, the source dims to their destinations)",
    example=([(2, 3)], {"source": 0, "destination": 1}),
)
