"""Op rows, selection by integer and bool tensors: gather, index_select (an int64 `index`) and masked_fill (a bool
`mask`), as torch.X and Tensor.X; torch.nn.functional.embedding (rows of a weight picked by integer indices).

Their index and mask are `index_args` / `mask_args`: never differentiable, concrete on the SymPy side, so selection
moves the input's symbols about and SymPy differentiates what lands where. PyTorch's argument order is kept: `dim` is a
Python int between the tensors (`gather(x, 1, index)`), an argument of the row that next_functions does not list.
"""

from __future__ import annotations

import math

import numpy as np

from .arrays import TYPE_NAMES, is_tensor, kind
from .dispatch import TorchIndexError, TorchValueError, check_dims
from .table import Family, Param, Signature, Spelling

ROWS = Family()
row = ROWS.row


def _axis(name: str, x, dim) -> int:
    if type(dim) is not int and not isinstance(dim, np.integer):
        raise TypeError(f"{name}(): argument 'dim' (position 2) must be int, not {type(dim).__name__}")
    if np.ndim(x) == 0:
        raise TorchValueError(f"{name} of a 0-d tensor is not supported by diffcheck")
    check_dims(int(dim), np.ndim(x))
    return int(dim) % np.ndim(x)


# ---- gather --------------------------------------------------------------------------------------------------------
def _gathered(x, dim, index):
    """The axis and, per element of `index`, the position in `x` it reads (PyTorch's checks on the way)."""
    axis, index = _axis("gather", x, dim), np.asarray(index)
    if kind(index) not in "iu":
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    if index.ndim != np.ndim(x):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d, (n, size) in enumerate(zip(index.shape, np.shape(x))):
        if d != axis and n > size:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(index.shape)} to be no larger than "
                f"self {list(np.shape(x))} apart from dimension {axis}"
            )
    bad = (index < 0) | (index >= np.shape(x)[axis])
    if bad.any():
        raise RuntimeError(f"index {index[bad][0]} is out of bounds for dimension {axis} with size {np.shape(x)[axis]}")
    where = list(np.indices(index.shape, sparse=True))
    where[axis] = index
    return tuple(where)


def _array(value):
    return value.data if is_tensor(value) else value


def _scatter(F, g, shape: tuple, where: tuple):
    """The gradient of a selection: `g` added back where each of its elements was read from (`where` indexes an array
    of `shape`). On arrays np.add.at; under create_graph a product with a constant 0/1 matrix, so that the rule is
    differentiable again."""
    if not is_tensor(g):
        grad = np.zeros(shape, dtype=np.result_type(g))
        np.add.at(grad, where, g)
        return grad
    read = np.arange(math.prod(shape)).reshape(shape)[where].reshape(-1)
    onehot = np.zeros((read.size, math.prod(shape)), dtype=g.data.dtype)
    onehot[np.arange(read.size), read] = 1
    return F.reshape(F.matmul(F.reshape(g, (1, read.size)), onehot), shape)


def _gather_vjp(F, g, out, x, dim, index):
    # gather_backward: zeros like the input, scatter_add(dim, index, grad)
    x, index = _array(x), _array(index)
    return _scatter(F, g, np.shape(x), _gathered(x, dim, index)), None, None


row(
    name="gather",
    grad_fn="GatherBackward0",
    arity=3,
    elementwise=False,
    index_args=(2,),
    listed=(0,),
    example=([(2, 3), 1, (2, 2)], {}),
    forward=lambda x, dim, index: np.asarray(x)[_gathered(x, dim, index)],
    vjp=_gather_vjp,
    sym=lambda sp, x, dim, index: np.asarray(x, dtype=object)[
        _gathered(x, int(dim), np.asarray(index, dtype=np.int64))
    ],
    derivative="d/dx gather(x, dim, index) = scatter_add of the gradient at index",
)


# ---- index_select --------------------------------------------------------------------------------------------------
def _selected(x, dim, index):
    axis, index = _axis("index_select", x, dim), np.asarray(index)
    if kind(index) not in "iu":
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if index.ndim > 1:
        raise TorchIndexError("index_select(): Index is supposed to be a vector")
    bad = (index < 0) | (index >= np.shape(x)[axis])
    if bad.any():
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={index[bad][0]} axis_dim={np.shape(x)[axis]}")
    return (slice(None),) * axis + (index.reshape(-1),)


def _index_select_vjp(F, g, out, x, dim, index):
    # index_select_backward: zeros like the input, index_add(dim, index, grad)
    x, index = _array(x), _array(index)
    return _scatter(F, g, np.shape(x), _selected(x, dim, index)), None, None


row(
    name="index_select",
    grad_fn="IndexSelectBackward0",
    arity=3,
    elementwise=False,
    index_args=(2,),
    listed=(0,),
    example=([(2, 3), 1, (2,)], {}),
    forward=lambda x, dim, index: np.asarray(x)[_selected(x, dim, index)],
    vjp=_index_select_vjp,
    sym=lambda sp, x, dim, index: np.asarray(x, dtype=object)[
        _selected(x, int(dim), np.asarray(index, dtype=np.int64))
    ],
    derivative="d/dx index_select(x, dim, index) = index_add of the gradient at index",
)


# ---- masked_fill ---------------------------------------------------------------------------------------------------
def _masked_fill(x, mask, value):
    if kind(mask) != "b":
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype {TYPE_NAMES[np.asarray(mask).dtype][1]}"
        )
    if np.broadcast_shapes(np.shape(x), np.shape(mask)) != np.shape(x):
        raise ValueError(f"operands could not be broadcast together with shapes {np.shape(x)} {np.shape(mask)}")
    x = np.asarray(x)
    return np.where(mask, x.dtype.type(value), x)[()]


def _fill_sym(sp, x, mask, value):
    if isinstance(mask, (bool, np.bool_)) or getattr(mask, "is_Boolean", False) and mask in (sp.true, sp.false):
        return sp.Rational(repr(float(value))) if bool(mask) else x
    return sp.Piecewise((sp.Rational(repr(float(value))), mask), (x, True))


row(
    name="masked_fill",
    grad_fn="MaskedFillBackward0",
    arity=2,
    params=("value",),
    elementwise=False,
    mask_args=(1,),
    listed=(0,),
    example=([(3,), (3,)], {"value": 0.0}),
    forward=_masked_fill,
    # masked_fill's backward: grad.masked_fill(mask, 0)
    vjp=lambda F, g, out, x, mask, value: (F.where(mask, 0.0, g), None),
    sym=lambda sp, x, mask, value: np.frompyfunc(lambda a, m: _fill_sym(sp, a, m, value), 2, 1)(
        np.asarray(x, dtype=object), np.asarray(mask, dtype=object)
    )[()],
    derivative="d/dx masked_fill(x, mask, v) = 0 where mask, else 1",
)


# ---- index_add (and Tensor.index_add_): source's slices added into x's at index along dim ----------------------------
def _index_added(x, dim, index, source):
    """The axis and the index as a vector, after PyTorch's checks (its messages name the in-place kernel)."""
    index, source = np.asarray(index), np.asarray(source)
    if kind(index) not in "iu":
        raise RuntimeError(
            f"index_add_(): Expected dtype int32/int64 for index but got: {TYPE_NAMES[index.dtype][0].capitalize()}"
        )
    if index.ndim > 1:
        raise TorchIndexError(
            f"index_add_(): Index is supposed to be a vector, but got dim: {index.ndim} with type: Long and size: "
            f"{list(index.shape)}"
        )
    check_dims(dim, np.ndim(x))
    if source.dtype != np.result_type(x):
        names = (TYPE_NAMES[np.result_type(a)][0].capitalize() for a in (x, source))
        raise RuntimeError("index_add_(): self ({}) and source ({}) must have the same scalar type".format(*names))
    axis = dim % max(np.ndim(x), 1)
    shape, other = list(np.shape(x)), list(source.shape)
    if np.ndim(x) and (
        len(other) != len(shape) or other[:axis] + other[axis + 1 :] != shape[:axis] + shape[axis + 1 :]
    ):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = "
            f"{shape} source.shape = {other}"
        )
    count = other[axis] if source.ndim else 1
    if index.size != count:
        raise RuntimeError(
            f"index_add_(): Number of indices ({index.size}) should be equal to source.size(dim): ({count}), for dim: "
            f"{dim}"
        )
    if ((index < 0) | (index >= (shape[axis] if shape else 1))).any():  # a negative index too
        raise TorchIndexError("index out of range in self")
    return axis, index.reshape(-1)


def _index_add(x, dim, index, source, alpha=1):
    axis, index = _index_added(x, dim, index, source)
    x, source = np.asarray(x), np.asarray(source)
    if x.ndim == 0:
        return (x + alpha * source.reshape(()))[()]
    answer = x.copy()
    np.add.at(answer, (slice(None),) * axis + (index,), source * answer.dtype.type(alpha) if alpha != 1 else source)
    return answer[()]


def _index_add_vjp(F, g, out, x, dim, index, source, alpha=1):
    # derivatives.yaml: self: grad; source: maybe_multiply(grad.index_select(dim, index).expand_as(source), alpha)
    index = _array(index)
    if np.ndim(_array(source)) == 0 or np.ndim(_array(x)) == 0:
        picked = F.reshape(F.index_select(F.reshape(g, (-1,)), 0, np.reshape(index, -1)), ())
    else:
        picked = F.index_select(g, dim, np.reshape(index, -1))
    picked = F.expand(picked, np.shape(_array(source))) if F.graph else picked
    return g, None, None, picked if alpha == 1 else F.mul_scalar(picked, alpha)  # MulBackward1


def _index_add_sym(sp, x, dim, index, source, alpha=1):
    x, source = np.asarray(x, dtype=object), np.asarray(source, dtype=object)
    if x.ndim == 0:
        return x[()] + alpha * source.reshape(())[()]
    axis, index = _index_added(np.zeros(x.shape), int(dim), np.asarray(index, dtype=np.int64), np.zeros(source.shape))
    answer = x.copy()
    for position, at in enumerate(index):  # in index order: the same sums PyTorch's CPU kernel makes
        where = (slice(None),) * axis + (at,)
        answer[where] = answer[where] + alpha * np.take(source, position, axis=axis)
    return answer[()]


row(
    name="index_add",
    grad_fn="IndexAddBackward0",
    arity=4,
    params=("alpha",),
    elementwise=False,
    index_args=(2,),
    listed=(0, 3),
    example=([(3, 2), 0, (2,), (2, 2)], {}),
    forward=_index_add,
    vjp=_index_add_vjp,
    sym=_index_add_sym,
    derivative="d/dx index_add(x, dim, index, s) = 1; d/ds = the gradient at index (times alpha)",
)


# ---- embedding (torch.nn.functional's: the indices first) -----------------------------------------------------------
_INDEX_TYPES = {np.dtype(np.float32): "torch.FloatTensor", np.dtype(np.float64): "torch.DoubleTensor"}


def _embedded(indices, weight, padding_idx=None):
    """The indices as an int array, after PyTorch's checks."""
    if padding_idx is not None:  # the padding row's gradient is PyTorch's zero, not the derivative SymPy takes
        raise TorchValueError("embedding's padding_idx is not supported by diffcheck")
    index = np.asarray(indices)
    if kind(index) not in "iu":
        shown = _INDEX_TYPES.get(index.dtype, "CPUBoolType")
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got "
            f"{shown} instead (while checking arguments for embedding)"
        )
    if np.ndim(weight) != 2:
        raise RuntimeError("'weight' must be 2-D")
    if ((index < 0) | (index >= np.shape(weight)[0])).any():  # a negative index too
        raise TorchIndexError("index out of range in self")
    return index


def _embedding_vjp(F, g, out, indices, weight, padding_idx=None):
    # embedding_dense_backward: each index's gradient row added to the weight's row, in the indices' order
    index, shape = np.asarray(_array(indices)).reshape(-1), np.shape(_array(weight))
    return None, _scatter(F, F.reshape(g, (index.size, shape[1])), shape, (index[:, None], np.arange(shape[1])))


row(
    name="embedding",
    grad_fn="EmbeddingBackward0",
    arity=2,
    params=(Param("padding_idx", "int"),),  # refused: PyTorch gives its row no gradient
    elementwise=False,
    index_args=(0,),
    listed=(1,),  # the weight only: the indices have no edge
    front=Signature(spellings=(Spelling("embedding", torch=False, method=False, functional=True),)),
    example=([(3,), (4, 2)], {}),
    forward=lambda indices, weight, padding_idx=None: np.asarray(weight)[_embedded(indices, weight, padding_idx)],
    vjp=_embedding_vjp,
    sym=lambda sp, indices, weight, padding_idx=None: np.asarray(weight, dtype=object)[
        np.asarray(indices, dtype=np.int64)
    ],
    derivative="d/dweight embedding(indices, weight) = the gradient's rows added at each index",
)
