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


# ---- views and rearrangements PyTorch composes of the rows above (CompositeImplicit: no node of their own) ---------
def _contiguous_via(F, x):
    """Tensor.contiguous: itself where its strides are row-major already, else a row-major copy (CloneBackward0)."""
    data = getattr(x, "data", x)
    return x if not isinstance(data, np.ndarray) or data.flags.c_contiguous else F.clone_contiguous(x)


# clone(memory_format=torch.contiguous_format): clone keeps a transpose's strides, contiguous() makes them row-major
row(
    name="clone_contiguous",
    grad_fn="CloneBackward0",
    saves=False,
    elementwise=False,
    internal=True,
    forward=lambda x: np.array(x, order="C")[()] if np.ndim(x) == 0 else np.array(x, order="C"),
    vjp=lambda F, g, out, x: (g,),
    sym=lambda sp, x: x,
    derivative="the gradient as it is",
    example=([(2,)], {}),
)
row(
    name="contiguous",
    grad_fn="CloneBackward0",
    elementwise=False,
    front=Signature(spellings=(Spelling("contiguous", torch=False),)),
    forward=lambda x: np.ascontiguousarray(x)[()] if np.ndim(x) == 0 else np.ascontiguousarray(x),
    via=_contiguous_via,
    sym=lambda sp, x: x,
    derivative="itself where row-major already, else a copy (CloneBackward0): the gradient as it is",
    example=([(2, 2)], {}),
)
row(
    name="ravel",
    grad_fn="ViewBackward0",
    elementwise=False,
    forward=lambda x: np.reshape(np.ascontiguousarray(x), -1),
    via=lambda F, x: F.view(F.contiguous(x), (-1,)),  # contiguous().view(-1)
    sym=lambda sp, x: np.reshape(x, -1),
    derivative="contiguous(x).view(-1)",
    example=([(2, 2)], {}),
)


def _unflattened(shape: tuple, dim: int, sizes: tuple) -> tuple:
    axis = wrap(dim, len(shape))
    sizes = tuple(int(n) for n in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if -1 not in sizes and math.prod(sizes) != shape[axis]:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} ({shape[axis]}) in "
            "the input tensor"
        )
    return shape[:axis] + infer(sizes, shape[axis]) + shape[axis + 1 :]


row(
    name="unflatten",
    grad_fn="ViewBackward0",
    params=(Param("dim", "int"), Param("sizes", "shape")),
    elementwise=False,
    front=Signature(needs_param=True),
    forward=lambda x, dim, sizes: np.reshape(x, _unflattened(np.shape(x), dim, sizes)),
    via=lambda F, x, dim, sizes: F.view(x, _unflattened(np.shape(getattr(x, "data", x)), dim, sizes)),
    sym=lambda sp, x, dim, sizes: np.reshape(x, _unflattened(np.shape(x), dim, sizes)),
    derivative="view(x, the sizes in place of dim)",
    example=([(2, 2)], {"dim": 1, "sizes": (2, 1)}),
)
row(
    name="broadcast_to",
    grad_fn="ExpandBackward0",
    params=_SIZE,
    elementwise=False,
    front=Signature(needs_param=True),
    forward=_expand,
    via=lambda F, x, size: F.expand(x, tuple(size)),
    sym=lambda sp, x, size: _expand(x, size),
    derivative="expand(x, size): the gradient summed back to the input's shape",
    example=([(2,)], {"size": (2, 2)}),
)


def _tiles(ndim: int, dims) -> tuple:
    """tile's dims as repeat takes them: ones prepended up to the input's rank."""
    dims = tuple(int(n) for n in dims)
    return (1,) * (ndim - len(dims)) + dims


row(
    name="tile",
    grad_fn="RepeatBackward0",
    params=(Param("dims", "shape"),),
    elementwise=False,
    front=Signature(needs_param=True, spellings=(Spelling("tile", reserved=False),)),
    forward=lambda x, dims: _repeat(x, _tiles(np.ndim(x), dims)),
    via=lambda F, x, dims: F.repeat(x, _tiles(np.ndim(getattr(x, "data", x)), dims)),
    sym=lambda sp, x, dims: _repeat(x, _tiles(np.ndim(x), dims)),
    derivative="repeat(x, dims with ones prepended to the input's rank)",
    example=([(2,)], {"dims": (2,)}),
)


def _repeat_interleave_via(F, x, repeats, dim=None):
    """repeat_interleave with an int: x (flattened where no dim) unsqueezed after dim, expanded, copied and
    flattened back (UnsqueezeBackward0, ExpandBackward0, CloneBackward0, ViewBackward0, as PyTorch)."""
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    if dim is None:
        x, dim = F.flatten(x), 0
    shape = np.shape(getattr(x, "data", x))
    axis = wrap(dim, len(shape))
    wide = F.expand(F.unsqueeze(x, axis + 1), shape[: axis + 1] + (int(repeats),) + shape[axis + 1 :])
    return F.flatten(F.clone(wide), axis, axis + 1)


def _repeat_interleave(x, repeats, dim=None):
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    a = _array(x)
    if dim is None:
        return np.repeat(np.reshape(a, -1), repeats)
    return np.repeat(a, repeats, axis=wrap(dim, a.ndim))


row(
    name="repeat_interleave",
    grad_fn="ViewBackward0",
    params=(Param("repeats", "int"), Param("dim", "int")),
    elementwise=False,
    front=Signature(needs_param=True),
    forward=_repeat_interleave,
    via=_repeat_interleave_via,
    sym=lambda sp, x, repeats, dim=None: _repeat_interleave(x, repeats, dim),
    derivative="each element repeated along dim: the gradient's repeats summed",
    example=([(2,)], {"repeats": 2}),
)


def _start_length(shape: tuple, dim: int, start: int, length: int) -> tuple[int, int]:
    """narrow's dim and start wrapped, refusing what PyTorch refuses, in its words."""
    if not shape:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    axis = wrap(dim, len(shape))
    size = shape[axis]
    if not -size <= start <= size:
        raise TorchIndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    start = start + size if start < 0 else start
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return axis, start


def _narrow(x, dim, start, length):
    a = _array(x)
    axis, start = _start_length(a.shape, dim, start, length)
    return a[(slice(None),) * axis + (slice(start, start + length),)]


def _narrow_via(F, x, dim, start, length):
    """narrow is a slice (SliceBackward0), a view."""
    axis, start = _start_length(np.shape(getattr(x, "data", x)), dim, start, length)
    return F.subscript_slice(x, axis, start, start + length, 1)


row(
    name="narrow",
    grad_fn="SliceBackward0",
    params=(Param("dim", "int"), Param("start", "int"), Param("length", "int")),
    elementwise=False,
    front=Signature(needs_param=True),
    forward=_narrow,
    via=_narrow_via,
    sym=lambda sp, x, dim, start, length: _narrow(x, dim, start, length),
    derivative="x[..., start:start + length] along dim: the gradient placed there, zeros elsewhere",
    example=([(3,)], {"dim": 0, "start": 1, "length": 2}),
)


def _select_index(shape: tuple, dim: int, index: int) -> tuple[int, int]:
    if not shape:
        raise TorchIndexError("select() cannot be applied to a 0-dim tensor.")
    axis = wrap(dim, len(shape))
    if not -shape[axis] <= index < shape[axis]:
        raise TorchIndexError(
            f"select(): index {index} out of range for tensor of size {list(shape)} at dimension {axis}"
        )
    return axis, index % shape[axis]


def _select(x, dim, index):
    a = _array(x)
    axis, index = _select_index(a.shape, dim, index)
    taken = a[(slice(None),) * axis + (index,)]
    return _out(taken) if isinstance(taken, np.ndarray) else taken  # an element: a NumPy scalar or a SymPy symbol


def _select_via(F, x, dim, index):
    axis, index = _select_index(np.shape(getattr(x, "data", x)), dim, index)
    return F.subscript_select(x, axis, index)


row(
    name="select",
    grad_fn="SelectBackward0",
    params=(Param("dim", "int"), Param("index", "int")),
    elementwise=False,
    front=Signature(needs_param=True, spellings=(Spelling("select", reserved=False),)),
    forward=_select,
    via=_select_via,
    sym=lambda sp, x, dim, index: _select(x, dim, index),
    derivative="x[..., index] along dim: the gradient placed there, zeros elsewhere",
    example=([(2, 2)], {"dim": 0, "index": 1}),
)


def _diff_steps(shape: tuple, n: int, dim: int) -> tuple[int, int]:
    """diff's dim wrapped and how many differences it takes (at most the dim's size), refusing as PyTorch."""
    if not shape:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    axis = wrap(dim, len(shape))
    return axis, min(n, shape[axis])


def _diff(x, n=1, dim=-1):
    a = _array(x)
    axis, steps = _diff_steps(a.shape, n, dim)
    for _ in range(steps):
        a = _narrow(a, axis, 1, a.shape[axis] - 1) - _narrow(a, axis, 0, a.shape[axis] - 1)
    return a


def _diff_via(F, x, n=1, dim=-1):
    """PyTorch's _diff_helper: x.narrow(dim, 1, len - 1) - x.narrow(dim, 0, len - 1), n times."""
    axis, steps = _diff_steps(np.shape(getattr(x, "data", x)), n, dim)
    for _ in range(steps):
        size = np.shape(getattr(x, "data", x))[axis]
        x = F.sub(F.narrow(x, axis, 1, size - 1), F.narrow(x, axis, 0, size - 1))
    return x


row(
    name="diff",
    grad_fn="SubBackward0",
    params=(Param("n", "int"), Param("dim", "int")),
    elementwise=False,
    front=Signature(spellings=(Spelling("diff", reserved=False),)),  # a name programs give their values
    forward=_diff,
    via=_diff_via,
    sym=lambda sp, x, n=1, dim=-1: _diff(np.asarray(x, dtype=object), n, dim),
    derivative="x.narrow(dim, 1, len - 1) - x.narrow(dim, 0, len - 1), n times",
    example=([(3,)], {}),
)


def _roll_pairs(ndim: int, shifts, dims) -> tuple[tuple, tuple]:
    shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
    dims = () if dims is None else tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(dims) and not (not dims and len(shifts) == 1):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if dims and ndim == 0:
        raise TorchIndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    return shifts, tuple(wrap(d, ndim) for d in dims)


def _roll(x, shifts, dims=None):
    a = _array(x)
    shifts, dims = _roll_pairs(a.ndim, shifts, dims)
    if not dims:  # the flattened tensor rolled, viewed back
        return _out(np.roll(a, shifts[0]))
    return np.roll(a, shifts, dims)


row(
    name="roll",
    grad_fn="RollBackward0",
    params=(Param("shifts", "sections"), Param("dims", "sections")),
    saves=False,
    elementwise=False,
    front=Signature(needs_param=True, spellings=(Spelling("roll", reserved=False),)),
    forward=_roll,
    # derivatives.yaml: grad.roll(-shifts reversed, dims reversed)
    vjp=lambda F, g, out, x, shifts, dims=None: (F.roll(g, *_roll_back(shifts, dims)),),
    sym=lambda sp, x, shifts, dims=None: _roll(x, shifts, dims),
    derivative="roll the gradient back",
    example=([(3,)], {"shifts": 1}),
)


def _roll_back(shifts, dims) -> tuple:
    if not isinstance(shifts, (tuple, list)):
        return -shifts, dims
    return tuple(-s for s in reversed(shifts)), None if dims is None else tuple(reversed(tuple(dims)))


# ---- torch.nn.functional.pad, constant mode: constant_pad_nd (negative pads crop) ---------------------------------
def _pad_pairs(ndim: int, pad) -> list[tuple[int, int, int]]:
    """(dim, before, after) for each padded dim, the last dim first as PyTorch reads `pad`, refusing as PyTorch."""
    pad = tuple(int(p) for p in (pad if isinstance(pad, (tuple, list)) else (pad,)))
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) > 2 * ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got padding length "
            f"{len(pad)} and input of dimension {ndim}"
        )
    return [(ndim - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]


def _pad(x, pad, mode="constant", value=0.0):
    a = _array(x)
    for dim, before, after in _pad_pairs(a.ndim, pad):  # crop first (narrow), then pad the rest
        start, length = max(-before, 0), a.shape[dim] + min(before, 0) + min(after, 0)
        if length < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        a = a[(slice(None),) * dim + (slice(start, start + length),)]
    widths = [(0, 0)] * a.ndim
    for dim, before, after in _pad_pairs(a.ndim, pad):
        widths[dim] = (max(before, 0), max(after, 0))
    fill = value if a.dtype == object else a.dtype.type(value)
    return np.pad(a, widths, constant_values=fill)


row(
    name="pad",
    grad_fn="ConstantPadNdBackward0",
    params=(Param("pad", "sections"), Param("mode", "choice", ("constant",)), Param("value")),
    saves=False,
    elementwise=False,
    front=Signature(
        needs_param=True, spellings=(Spelling("pad", torch=False, method=False, functional=True, reserved=False),)
    ),
    forward=_pad,
    # constant_pad_nd_backward: the gradient padded by the negated pads (cropped back)
    vjp=lambda F, g, out, x, pad, mode="constant", value=0.0: (F.pad(g, tuple(-p for p in pad)),),
    sym=lambda sp, x, pad, mode="constant", value=0.0: _pad(np.asarray(x, dtype=object), pad, mode, value),
    derivative="the gradient cropped back to the input (a constant's gradient: none)",
    example=([(2,)], {"pad": (1, 1)}),
)
