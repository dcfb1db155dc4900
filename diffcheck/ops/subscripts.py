"""Op rows, internal: the steps of a subscript (`x[0, 1:]`, `x[:, None]`, `x[x > 0]`, `x[[0, 2]]`) and of an item
assignment (`x[1:] = y`), and `plan`, which turns a subscript into those steps as PyTorch's applySlicing does.

PyTorch walks the subscript left to right: an integer is a select (SelectBackward0), a slice a slice (SliceBackward0,
skipped inside a tuple where it takes the whole dim), None an unsqueeze, `...` skips dims; tensors and lists gather
into one advanced index applied last (IndexBackward0, not a view). A subscript that changes nothing is an alias
(AliasBackward0). The basic steps are views: they share the input's version counter. Both sides run the same plan
(the engine on arrays, the symbolic side on object arrays of symbols), so both refuse with PyTorch's words.
"""

from __future__ import annotations

import numpy as np

from .dispatch import TorchIndexError, TorchValueError  # noqa: F401 - a slice's step; importable from here
from .table import OPS, Family, Param

ROWS = Family()
row = ROWS.row

ZERO_DIM = (
    "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim "
    "tensor to a number"
)
NOT_AN_INDEX = (
    "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got {})"
)


def _before(dim: int, item) -> tuple:
    return (slice(None),) * dim + (item,)


def _put(g, shape, key):
    """Zeros of `shape` with `g` added at `key` (repeated indices add up, as index_put with accumulate)."""
    out = np.zeros(shape, dtype=np.result_type(g))
    np.add.at(out, key, g)
    return out[()]


def _take(x, key):
    return np.asarray(x)[key][()]


_VIEW = dict(saves=False, elementwise=False, internal=True, view=True)
row(
    name="subscript_select",
    grad_fn="SelectBackward0",
    params=(Param("dim", "int"), Param("index", "int")),
    forward=lambda x, dim, index: _take(x, _before(dim, index)),
    vjp=lambda F, g, out, x, dim, index: (F.subscript_put(g, np.shape(x), _before(dim, index)),),
    sym=lambda sp, x, dim, index: x[_before(dim, index)],
    derivative="the gradient placed at the index, zeros elsewhere",
    example=([(2, 3)], {"dim": 0, "index": 1}),
    **_VIEW,
)
row(
    name="subscript_slice",
    grad_fn="SliceBackward0",
    params=(Param("dim", "int"), Param("start", "int"), Param("end", "int"), Param("step", "int")),
    forward=lambda x, dim, start, end, step: _take(x, _before(dim, slice(start, end, step))),
    vjp=lambda F, g, out, x, dim, start, end, step: (
        F.subscript_put(g, np.shape(x), _before(dim, slice(start, end, step))),
    ),
    sym=lambda sp, x, dim, start, end, step: x[_before(dim, slice(start, end, step))],
    derivative="the gradient placed in the slice, zeros elsewhere",
    example=([(3,)], {"dim": 0, "start": 1, "end": 3, "step": 1}),
    **_VIEW,
)
row(
    name="subscript_unsqueeze",
    grad_fn="UnsqueezeBackward0",
    params=(Param("dim", "int"),),
    forward=lambda x, dim: np.expand_dims(x, dim),
    vjp=lambda F, g, out, x, dim: (F.reshape(g, np.shape(x)),),
    sym=lambda sp, x, dim: np.expand_dims(x, dim),
    derivative="the gradient with the new dim dropped",
    example=([(2,)], {"dim": 0}),
    **_VIEW,
)
row(
    name="subscript_alias",
    grad_fn="AliasBackward0",
    forward=lambda x: np.array(x)[()],
    vjp=lambda F, g, out, x: (F.reshape(g, np.shape(x)),),
    sym=lambda sp, x: x,
    derivative="the gradient as it is",
    example=([(2,)], {}),
    **_VIEW,
)
# An advanced index (IndexBackward0), and a view regenerated after its base changed in place (AsStridedBackward0):
# both take the elements at the key, and their gradient goes back to those places.
for _name, _grad_fn, _derivative, _example in (
    (
        "subscript_index",
        "IndexBackward0",
        "the gradient added at the indices (repeated ones add up), zeros elsewhere",
        ([(3,)], {"key": (np.array([2, 0, 2]),)}),
    ),
    (
        "subscript_strided",
        "AsStridedBackward0",
        "the gradient placed at the view's elements of its base, zeros elsewhere (a view after its base changed)",
        ([(2, 3)], {"key": (np.array([0, 0]), np.array([1, 2]))}),
    ),
):
    row(
        name=_name,
        grad_fn=_grad_fn,
        params=(Param("key", "index"),),
        saves=False,
        elementwise=False,
        internal=True,
        forward=_take,
        vjp=lambda F, g, out, x, key: (F.subscript_put(g, np.shape(x), key),),
        sym=lambda sp, x, key: np.asarray(x, dtype=object)[key],
        derivative=_derivative,
        example=_example,
    )
row(
    name="subscript_put",
    grad_fn="IndexPutBackward0",
    params=(Param("shape", "shape"), Param("key", "index")),
    saves=False,
    elementwise=False,
    internal=True,
    forward=_put,
    vjp=lambda F, g, out, x, shape, key: (F.subscript_index(g, key),),
    sym=lambda sp, x, shape, key: _put(np.asarray(x, dtype=object), shape, key),
    derivative="the gradient taken at the indices",
    example=([(2,)], {"shape": (3,), "key": (np.array([0, 2]),)}),
)


# ---- item assignment (`diffcheck run`): the new values in, out of place; the engine writes them back in place ------
def _stripped(shape: tuple) -> tuple:
    """A value's shape without its leading 1s, as PyTorch's copy_to views it before expanding it."""
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return tuple(shape[k:])


def _assign(x, value, key):
    out = np.array(x, copy=True)
    target = np.shape(out[key])
    if _stripped(np.shape(value)) != np.shape(value):
        value = np.reshape(value, _stripped(np.shape(value)))[()]
    try:
        if np.broadcast_shapes(np.shape(value), target) != target:
            raise ValueError
    except ValueError:
        raise RuntimeError(_expanded(np.shape(value), target)) from None
    out[key] = value
    return out[()]


def _expanded(shape: tuple, target: tuple) -> str:
    """PyTorch's expand refusal: the first dim from the right that neither matches nor is 1."""
    for i in range(1, len(shape) + 1):
        if i > len(target) or shape[-i] not in (1, target[-i]):
            size = target[-i] if i <= len(target) else 1
            return (
                f"The expanded size of the tensor ({size}) must match the existing size ({shape[-i]}) at "
                f"non-singleton dimension {len(target) - i}.  Target sizes: {list(target)}.  Tensor sizes: "
                f"{list(shape)}"
            )
    raise AssertionError("shapes that expand")


def _assign_vjp(F, g, out, x, value, key):
    hole = np.zeros(np.shape(out), dtype=bool)
    hole[key] = True
    part = F.sum_to(F.subscript_index(g, key), _stripped(np.shape(value)))
    return F.where(hole, 0.0, g), F.reshape(part, np.shape(value))


for _name, _grad_fn in (
    ("subscript_copy", "torch::autograd::CopySlices"),
    ("subscript_index_put", "IndexPutBackward0"),
):
    row(
        name=_name,
        grad_fn=_grad_fn,
        arity=2,
        params=(Param("key", "index"),),
        saves=False,
        elementwise=False,
        internal=True,
        forward=_assign,
        vjp=_assign_vjp,
        sym=lambda sp, x, value, key: _assign(np.asarray(x, dtype=object), value, key),
        derivative="the gradient with zeros where values were written; the values get it at the indices",
        example=([(3,), ()], {"key": (0,)}),
    )


# ---- the plan ------------------------------------------------------------------------------------------------------
def plan(shape: tuple, key, whole: bool = True) -> tuple[list, tuple]:
    """The steps of `x[key]` for an `x` of `shape`: ([(row name, params)], advanced key or ()), PyTorch's errors
    raised. `key` holds ints, slices, None, Ellipsis, lists of ints or bools and NumPy arrays (int or bool; a
    tensor's data); `whole`: the key is one slice, not a tuple (`x[:]` is a SliceBackward0 even of the whole dim)."""
    items = list(key) if type(key) is tuple else [key]
    counted = sum(_width(item) for item in items)
    if counted > len(shape):
        if not shape and items and type(items[0]) is int:
            raise TorchIndexError(ZERO_DIM)
        if not shape and items and type(items[0]) is slice:
            raise TorchIndexError("slice() cannot be applied to a 0-dim tensor.")
        raise TorchIndexError(f"too many indices for tensor of dimension {len(shape)}")
    steps, advanced, current, dim, real = [], {}, list(shape), 0, 0
    for item in items:
        if type(item) is bool:  # a new dim of 1 and a one-element mask on it: `x[True]`, `x[False]` (empty)
            steps.append(("subscript_unsqueeze", {"dim": dim}))
            current.insert(dim, 1)
            advanced[dim] = np.arange(int(item), dtype=np.int64)
            dim += 1
        elif item is None:
            steps.append(("subscript_unsqueeze", {"dim": dim}))
            current.insert(dim, 1)
            dim += 1
        elif item is Ellipsis:
            skip = len(shape) - counted
            dim, real = dim + skip, real + skip
        elif type(item) is int:
            size = current[dim]
            if not -size <= item < size:
                raise TorchIndexError(f"index {item} is out of bounds for dimension {real} with size {size}")
            steps.append(("subscript_select", {"dim": dim, "index": item % size}))
            del current[dim]
            real += 1
        elif type(item) is slice:
            start, end, step = _slice(item, current[dim])
            if not (start == 0 and end == current[dim] and step == 1 and not whole):
                steps.append(("subscript_slice", {"dim": dim, "start": start, "end": end, "step": step}))
                current[dim] = len(range(start, end, step))
            dim, real = dim + 1, real + 1
        else:
            for i, index in enumerate(_tensor_index(item, current, dim, real)):
                advanced[dim + i] = index
            width = _width(item)
            dim, real = dim + width, real + width
    if not steps and not advanced:
        steps.append(("subscript_alias", {}))
    if not advanced:
        return steps, ()
    return steps, tuple(advanced.get(d, slice(None)) for d in range(max(advanced) + 1))


def _width(item) -> int:
    """How many of the tensor's dims an index takes."""
    if item is None or item is Ellipsis or type(item) is bool:
        return 0
    if isinstance(item, (list, np.ndarray)) and np.asarray(item).dtype == np.bool_:
        return max(np.ndim(item), 1)
    return 1


def _slice(item: slice, size: int) -> tuple[int, int, int]:
    """A slice's start, end and step as PyTorch clamps them (a negative step is refused)."""
    for part in (item.start, item.stop, item.step):
        if part is not None and type(part) is not int:
            raise TypeError("slice indices must be integers or None or have an __index__ method")
    if item.step is not None and item.step <= 0:
        raise TorchValueError("slice step cannot be zero" if item.step == 0 else "step must be greater than zero")
    start, end, step = slice(item.start, item.stop, item.step).indices(size)
    return start, max(end, start), step


def _tensor_index(item, current: list, dim: int, real: int) -> list:
    """An advanced index as NumPy int arrays, one per dim it takes (a mask: its nonzero positions)."""
    if type(item) is float or type(item) is bool or type(item) is str:
        raise TorchIndexError(NOT_AN_INDEX.format(type(item).__name__))
    array = np.asarray(item)
    if array.dtype == np.bool_:
        mask_shape = tuple(array.shape) or (1,)
        for i, n in enumerate(mask_shape):
            if dim + i >= len(current) or current[dim + i] != n:
                raise TorchIndexError(
                    f"The shape of the mask {list(mask_shape)} at index {i} does not match the shape of the indexed "
                    f"tensor {current} at index {dim + i}"
                )
        return list(np.nonzero(array.reshape(mask_shape)))
    if array.dtype.kind not in "iu":
        raise TorchIndexError("tensors used as indices must be long, int, byte or bool tensors")
    size = current[dim]
    bad = array[(array < -size) | (array >= size)]
    if bad.size:
        raise TorchIndexError(f"index {int(bad.reshape(-1)[0])} is out of bounds for dimension {real} with size {size}")
    return [array.astype(np.int64) % max(size, 1)]


def positions(shape: tuple, steps: list, advanced: tuple) -> tuple:
    """The plan as one NumPy key into the original array, each answer's place (what an assignment writes)."""
    probe = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    for name, params in steps:
        probe = np.asarray(OPS[name].forward(probe, **params))
    places = probe[advanced] if advanced else probe
    return np.unravel_index(places, shape) if shape else ()


def on_symbols(sp, x, key, whole: bool):
    """`x[key]` on an object array of SymPy values: the plan's steps by their rows' SymPy forms."""
    steps, advanced = plan(x.shape, key, whole)
    for name, params in steps:
        x = np.asarray(OPS[name].sym(sp, x, **params), dtype=object)
    return x[advanced] if advanced else x


# ---- a subscript as programs hold it: `Apply("getitem", (x, *tensors), (("key", Const(spec)),))` ------------------
# spec = (a tuple was written, items); an item is an int, None, "...", ("slice", start, stop, step), ("list", ints)
# or ("tensor", i): the program's argument 1 + i (a mask, an index tensor). Hashable, so programs stay comparable.
def spec_of(key, tensors: list) -> tuple:
    """The spec of a subscript `key` as Python has it (slices, Ellipsis, lists; tensors appended to `tensors`)."""

    def item(part):
        if part is Ellipsis:
            return "..."
        if type(part) is slice:
            return ("slice", part.start, part.stop, part.step)
        if type(part) is list:
            return ("list", tuple(part))
        if part is None or type(part) in (int, bool):
            return part
        tensors.append(part)
        return ("tensor", len(tensors) - 1)

    return (type(key) is tuple, tuple(item(p) for p in (key if type(key) is tuple else (key,))))


def key_of(spec: tuple, tensors: list):
    """The subscript a spec stands for, with `tensors` in the places it names."""

    def item(part):
        if part == "...":
            return Ellipsis
        if type(part) is tuple:
            kind = part[0]
            return slice(*part[1:]) if kind == "slice" else list(part[1]) if kind == "list" else tensors[part[1]]
        return part

    written, items = spec
    key = tuple(item(p) for p in items)
    return key if written else key[0]


def shown(spec: tuple) -> str:
    """The subscript as written: `[0, 1:]`."""

    def item(part):
        if part == "...":
            return "..."
        if type(part) is tuple and part[0] == "slice":
            start, stop, step = ("" if p is None else str(p) for p in part[1:])
            return f"{start}:{stop}" + (f":{step}" if step else "")
        if type(part) is tuple:
            return str(list(part[1])) if part[0] == "list" else "<tensor>"
        return str(part)

    written, items = spec
    return "[" + ", ".join(item(p) for p in items) + ("," if written and len(items) == 1 else "") + "]"
