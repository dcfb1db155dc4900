"""Op rows, shape: view, reshape, flatten, squeeze/unsqueeze, expand, repeat, flip, cat/stack, split/chunk/unbind —
and `sum_to`, internal, which backward rules use to undo broadcasting.

Whole-array rows on object arrays too: the symbolic side runs the same NumPy rearrangement on arrays of SymPy symbols,
so each element stays its own symbol. The views (`view=True`) return NumPy views where PyTorch's are views, so a later
`view` of a transposed tensor is refused as PyTorch refuses it (its strides say so), and `reshape` copies there
(`UnsafeViewBackward0` after `CloneBackward0`, as PyTorch). Error texts recorded from PyTorch 2.13
(tests/shape_cases.py).
"""

from __future__ import annotations

import math

import numpy as np

from .arrays import sum_to
from .dispatch import TorchIndexError, check_dims
from .table import Family, Param, Signature, Spelling

ROWS = Family()
row = ROWS.row


def wrap(dim: int, ndim: int) -> int:
    """PyTorch's dim wrapping: -ndim <= dim < ndim (a 0-d tensor takes -1 and 0), its IndexError otherwise."""
    span = max(ndim, 1)
    if not -span <= dim < span:
        raise TorchIndexError(
            f"Dimension out of range (expected to be in range of [{-span}, {span - 1}], but got {dim})"
        )
    return dim % span


def _array(x) -> np.ndarray:
    return x if isinstance(x, np.ndarray) else np.asarray(x)


def _out(a):
    """A 0-d answer as the engine keeps 0-d values (a NumPy scalar); an object array's element as it is."""
    return a[()] if np.ndim(a) == 0 and a.dtype != object else a


def infer(shape: tuple, numel: int) -> tuple:
    """A view's shape with its -1 inferred, refusing what PyTorch refuses, in its words."""
    shape = tuple(int(n) for n in shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for i, n in enumerate(shape):
        if n < -1:
            raise RuntimeError(f"invalid shape dimension {n} at index {i} of shape {list(shape)}")
    known = math.prod(n for n in shape if n != -1)
    if -1 in shape and known and numel % known == 0:
        return tuple(numel // known if n == -1 else n for n in shape)
    if -1 in shape or known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _view(x, size):
    a = _array(x)
    shape = infer(size, a.size)
    try:
        return _out(np.reshape(a, shape, copy=False))
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
            "two contiguous subspaces). Use .reshape(...) instead."
        ) from None


def viewable(x, shape) -> bool:
    """Whether `x` can be viewed as `shape` without a copy (NumPy's strides decide, as PyTorch's do)."""
    a = getattr(x, "data", x)
    if not isinstance(a, np.ndarray):
        return True
    try:
        np.reshape(a, shape, copy=False)
        return True
    except ValueError:
        return False


def _reshape_via(F, x, shape):
    """Tensor.reshape: a view where the strides allow one (ViewBackward0), else a contiguous copy viewed
    (UnsafeViewBackward0 after CloneBackward0)."""
    shape = infer(shape, int(np.size(getattr(x, "data", x))))
    if viewable(x, shape):
        return F.view(x, shape)
    return F.unsafe_view(F.clone(x), shape)


_SIZE = (Param("size", "shape"),)
_VIEW = dict(saves=False, elementwise=False, view=True)

row(
    name="view",
    grad_fn="ViewBackward0",
    params=_SIZE,
    **_VIEW,
    front=Signature(spellings=(Spelling("view", torch=False),)),
    forward=_view,
    vjp=lambda F, g, out, x, size: (F.reshape(g, np.shape(x)),),
    sym=lambda sp, x, size: _view(x, size),
    derivative="reshape the gradient back",
    example=([(2, 2)], {"size": (4,)}),
)
row(
    name="reshape",
    grad_fn="ViewBackward0",
    params=(Param("shape", "shape"),),
    elementwise=False,
    forward=lambda x, shape: _out(np.reshape(_array(x), infer(shape, np.size(x)))),
    via=_reshape_via,
    sym=lambda sp, x, shape: np.reshape(x, infer(shape, np.size(x))),
    derivative="a view where the strides allow (ViewBackward0), else a copy viewed (UnsafeViewBackward0)",
    example=([(2, 2)], {"shape": (4,)}),
)
row(
    name="clone",
    grad_fn="CloneBackward0",
    saves=False,
    elementwise=False,
    internal=True,
    forward=lambda x: np.array(x)[()] if np.ndim(x) == 0 else np.array(x),
    vjp=lambda F, g, out, x: (g,),
    sym=lambda sp, x: x,
    derivative="the gradient as it is",
    example=([(2,)], {}),
)
row(
    name="unsafe_view",
    grad_fn="UnsafeViewBackward0",
    params=_SIZE,
    saves=False,
    elementwise=False,
    internal=True,
    forward=lambda x, size: _out(np.reshape(x, size)),
    vjp=lambda F, g, out, x, size: (F.reshape(g, np.shape(x)),),
    sym=lambda sp, x, size: np.reshape(x, size),
    derivative="reshape the gradient back",
    example=([(2, 2)], {"size": (4,)}),
)


def _flatten_via(F, x, start_dim=0, end_dim=-1):
    """Tensor.flatten: itself where nothing merges (no node), a 0-d tensor as 1-D, else reshape."""
    shape = np.shape(getattr(x, "data", x))
    new = _flattened(shape, start_dim, end_dim)
    return x if new == shape else F.reshape(x, new)


def _flattened(shape: tuple, start_dim: int, end_dim: int) -> tuple:
    start, end = wrap(start_dim, len(shape)), wrap(end_dim, len(shape))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if not shape:
        return (1,)
    return shape[:start] + (math.prod(shape[start : end + 1]),) + shape[end + 1 :]


row(
    name="flatten",
    grad_fn="ViewBackward0",
    params=(Param("start_dim", "int"), Param("end_dim", "int")),
    elementwise=False,
    forward=lambda x, start_dim=0, end_dim=-1: np.reshape(x, _flattened(np.shape(x), start_dim, end_dim)),
    via=_flatten_via,
    sym=lambda sp, x, start_dim=0, end_dim=-1: np.reshape(x, _flattened(np.shape(x), start_dim, end_dim)),
    derivative="reshape (itself where no dims merge)",
    example=([(2, 2)], {}),
)


def _squeeze(x, dim=None):
    a = _array(x)
    if dim is None:
        return _out(np.squeeze(a))
    dims = tuple(wrap(d, a.ndim) for d in (dim if isinstance(dim, tuple) else (dim,)))
    return _out(np.squeeze(a, axis=tuple(d for d in dims if a.ndim and a.shape[d] == 1)))


row(
    name="squeeze",
    grad_fn="SqueezeBackward0",
    **_VIEW,
    front=Signature(params=(Param("dim", "sections"),), dim_row="squeeze_dim", list_row="squeeze_dims"),
    forward=_squeeze,
    vjp=lambda F, g, out, x: (F.reshape(g, np.shape(x)),),
    sym=lambda sp, x: _squeeze(x),
    derivative="reshape the gradient back",
    example=([(1, 2)], {}),
)
row(
    name="squeeze_dim",
    grad_fn="SqueezeBackward1",
    params=(Param("dim", "int"),),
    **_VIEW,
    front=None,
    forward=_squeeze,
    vjp=lambda F, g, out, x, dim: (F.reshape(g, np.shape(x)),),
    sym=lambda sp, x, dim: _squeeze(x, dim),
    derivative="reshape the gradient back",
    example=([(1, 2)], {"dim": 0}),
)
row(
    name="squeeze_dims",
    grad_fn="SqueezeBackward2",
    params=(Param("dim", "sections"),),
    **_VIEW,
    front=None,
    forward=lambda x, dim: _squeeze(x, tuple(dim)),
    vjp=lambda F, g, out, x, dim: (F.reshape(g, np.shape(x)),),
    sym=lambda sp, x, dim: _squeeze(x, tuple(dim)),
    derivative="reshape the gradient back",
    example=([(1, 2)], {"dim": (0,)}),
)
# matmul's 1-D @ 2-D squeezes its answer in place (squeeze_): PyTorch names that node SqueezeBackward4
row(
    name="squeeze_",
    grad_fn="SqueezeBackward4",
    params=(Param("dim", "int"),),
    saves=False,
    elementwise=False,
    internal=True,
    forward=_squeeze,
    vjp=lambda F, g, out, x, dim: (F.reshape(g, np.shape(x)),),
    sym=lambda sp, x, dim: _squeeze(x, dim),
    derivative="reshape the gradient back",
    example=([(1, 2)], {"dim": 0}),
)


def _unsqueeze(x, dim):
    a = _array(x)
    return np.expand_dims(a, wrap(dim, a.ndim + 1))


row(
    name="unsqueeze",
    grad_fn="UnsqueezeBackward0",
    params=(Param("dim", "int"),),
    **_VIEW,
    front=Signature(needs_param=True),
    forward=_unsqueeze,
    vjp=lambda F, g, out, x, dim: (F.squeeze(g, dim),),  # grad.squeeze(dim): SqueezeBackward1
    sym=lambda sp, x, dim: _unsqueeze(x, dim),
    derivative="reshape the gradient back",
    example=([(2,)], {"dim": 0}),
)


def expanded(shape: tuple, size: tuple, kind: str = "Float") -> tuple:
    """expand's target shape with its -1s kept from `shape`, refusing what PyTorch refuses, in its words."""
    size = tuple(int(n) for n in size)
    if len(size) < len(shape):
        raise RuntimeError(
            f"expand(torch.{kind}Tensor{{{list(shape)}}}, size={list(size)}): the number of sizes provided "
            f"({len(size)}) must be greater or equal to the number of dimensions in the tensor ({len(shape)})"
        )
    lead = len(size) - len(shape)
    out = []
    for i in range(len(size) - 1, -1, -1):  # from the last dim, as PyTorch checks
        n = size[i]
        if i < lead:
            if n < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor ({n}) isn't allowed in a leading, non-existing dimension {i}"
                )
            out.insert(0, n)
            continue
        have = shape[i - lead]
        if n == -1:
            n = have
        elif have != 1 and n != have:
            raise RuntimeError(
                f"The expanded size of the tensor ({n}) must match the existing size ({have}) at non-singleton "
                f"dimension {i}.  Target sizes: {list(size)}.  Tensor sizes: {list(shape)}"
            )
        out.insert(0, n)
    return tuple(out)


def _expand(x, size):
    a = _array(x)
    kind = {"f": "Float" if a.dtype == np.float32 else "Double", "i": "Long", "b": "Bool"}.get(a.dtype.kind, "")
    return np.broadcast_to(a, expanded(a.shape, tuple(size), kind))  # a read-only view, as backward rules want


row(
    name="expand",
    grad_fn="ExpandBackward0",
    params=_SIZE,
    **_VIEW,
    front=Signature(spellings=(Spelling("expand", torch=False),)),
    forward=_expand,
    vjp=lambda F, g, out, x, size: (F.sum_to(g, np.shape(x)),),
    sym=lambda sp, x, size: _expand(x, size),
    derivative="sum the gradient back to the input's shape",
    example=([()], {"size": (2,)}),
)
row(
    name="expand_as",
    grad_fn="ExpandBackward0",
    arity=2,
    elementwise=False,
    front=Signature(spellings=(Spelling("expand_as", torch=False),)),
    forward=lambda x, other: _expand(x, np.shape(other)),
    via=lambda F, x, other: F.expand(x, np.shape(getattr(other, "data", other))),
    sym=lambda sp, x, other: _expand(x, np.shape(other)),
    derivative="expand(x, other.shape): the gradient summed back, none to `other`",
    example=([(1,), (2,)], {}),
)
row(
    name="sum_to",
    grad_fn="SumBackward1",
    params=(Param("shape", "shape"),),
    saves=False,
    elementwise=False,
    internal=True,
    forward=lambda x, shape: sum_to(x, shape),
    vjp=lambda F, g, out, x, shape: (F.expand(g, np.shape(x)),),
    sym=lambda sp, x, shape: sum_to(x, shape),
    derivative="broadcast the gradient to the input's shape",
    example=([(2, 2)], {"shape": (2,)}),
)


def _repeat(x, repeats):
    a = _array(x)
    if len(repeats) < a.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    return np.tile(a.reshape((1,) * (len(repeats) - a.ndim) + a.shape), tuple(repeats))


def _repeat_vjp(F, g, out, x, repeats):
    """FunctionsManual's repeat_backward: the new leading dims summed away one at a time, then g viewed as
    (r0, s0, r1, s1, ...) and summed over the r axes at once."""
    shape = tuple(np.shape(getattr(x, "data", x)))
    lead = len(repeats) - len(shape)
    for _ in range(lead):
        g = F.sum_to(g, np.shape(getattr(g, "data", g))[1:])
    repeats = tuple(repeats)[lead:]
    split = tuple(n for pair in zip(repeats, shape) for n in pair)
    kept = tuple(n for pair in zip((1,) * len(repeats), shape) for n in pair)
    return (F.reshape(F.sum_to(F.reshape(g, split), kept), shape),)


row(
    name="repeat",
    grad_fn="RepeatBackward0",
    params=(Param("repeats", "shape"),),
    saves=False,
    elementwise=False,
    front=Signature(spellings=(Spelling("repeat", torch=False),)),
    forward=_repeat,
    vjp=_repeat_vjp,
    sym=lambda sp, x, repeats: _repeat(x, repeats),
    derivative="the gradient's tiles summed",
    example=([(2,)], {"repeats": (2,)}),
)


def _flip(x, dims):
    a = _array(x)
    dims = tuple(dims)
    check_dims(dims, a.ndim)
    return _out(np.flip(a, tuple(d % max(a.ndim, 1) for d in dims)) if a.ndim else a.copy())


row(
    name="flip",
    grad_fn="FlipBackward0",
    params=(Param("dims", "shape"),),
    saves=False,
    elementwise=False,
    forward=_flip,
    vjp=lambda F, g, out, x, dims: (F.flip(g, dims),),
    sym=lambda sp, x, dims: _flip(x, dims),
    derivative="flip the gradient back",
    example=([(2,)], {"dims": (0,)}),
)
