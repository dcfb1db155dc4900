"""Op rows, reductions: sum and mean (whole or along `dim`), prod, amax/amin, logsumexp (statistics.py has
cumsum/cumprod, var/std and norm; linalg.py the matmul family).

Whole-array rows: `sym` takes object arrays, and `example` gives `diffcheck ops` the arguments to show it on.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .arrays import axes, cascade_sum, is_tensor, kept_shape, kind, reduced
from .normalisers import precise
from .table import SYMPY_ONLY, Family, Param, Signature, dims, flag

ROWS = Family()
row = ROWS.row


def _mean(x, axis=None, keepdims=False):
    """np.mean, refusing integer and bool tensors as PyTorch does (NumPy gives float64)."""
    if kind(x) in "biu":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {'Bool' if kind(x) == 'b' else 'Long'}"
        )
    if axis is None and not keepdims and kind(x) == "f" and 5 <= np.size(x) < 8:  # PyTorch's sum, then / n
        return cascade_sum(x) / np.asarray(x).dtype.type(np.size(x))
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # "Mean of empty slice": PyTorch's nan, without a word
        return np.mean(x, axis=axis, keepdims=keepdims)


def _sym_mean(sp, total, count: int):
    """SymPy's mean from its sum: nan for an empty tensor (0/0), as PyTorch's mean is."""
    if count:
        return total / count
    return np.frompyfunc(lambda _: sp.nan, 1, 1)(total) if isinstance(total, np.ndarray) else sp.nan


_DIM = (dims("dim"), flag("keepdim"))


# ---- reductions (whole-array: `sym` maps object arrays) ------------------------------------------
row(
    name="sum",
    grad_fn="SumBackward0",
    saves=False,
    elementwise=False,
    forward=cascade_sum,
    example=([(3,)], {}),
    front=Signature(params=_DIM, dim_row="sum_dim"),
    vjp=lambda F, g, out, x: (F.expand(g, np.shape(x)),),
    sym=lambda sp, x: np.sum(x),
    derivative="d/dx_i sum(x) = 1",
)
row(
    name="sum_dim",
    grad_fn="SumBackward1",
    params=_DIM,
    saves=False,
    elementwise=False,
    front=None,
    example=([(2, 2)], {"dim": 0}),
    forward=lambda x, dim, keepdim=False: np.sum(x, axis=axes(np.shape(x), dim), keepdims=keepdim),
    vjp=lambda F, g, out, x, dim, keepdim=False: (F.expand(F.unsqueeze(g, dim, keepdim, np.shape(x)), np.shape(x)),),
    sym=lambda sp, x, dim, keepdim=False: np.sum(x, axis=axes(np.shape(x), dim), keepdims=keepdim),
    derivative="d/dx_i sum(x, dim) = 1",
)
row(
    name="mean",
    grad_fn="MeanBackward0",
    saves=False,
    elementwise=False,
    forward=_mean,
    example=([(3,)], {}),
    front=Signature(params=_DIM, dim_row="mean_dim"),
    # mean_backward: grad.expand(sizes) / numel, a Scalar divisor (DivBackward1 under create_graph)
    vjp=lambda F, g, out, x: (F.div_scalar(F.expand(g, np.shape(x)), math.prod(np.shape(x))),),
    sym=lambda sp, x: _sym_mean(sp, np.sum(x), math.prod(np.shape(x))),
    derivative="d/dx_i mean(x) = 1/n",
)
row(
    name="mean_dim",
    grad_fn="MeanBackward1",
    params=_DIM,
    saves=False,
    elementwise=False,
    front=None,
    example=([(2, 2)], {"dim": 0}),
    forward=lambda x, dim, keepdim=False: _mean(x, axis=axes(np.shape(x), dim), keepdims=keepdim),
    vjp=lambda F, g, out, x, dim, keepdim=False: (
        F.div_scalar(F.expand(F.unsqueeze(g, dim, keepdim, np.shape(x)), np.shape(x)), reduced(np.shape(x), dim)),
    ),
    sym=lambda sp, x, dim, keepdim=False: _sym_mean(
        sp, np.sum(x, axis=axes(np.shape(x), dim), keepdims=keepdim), reduced(np.shape(x), dim)
    ),
    derivative="d/dx_i mean(x, dim) = 1/n along dim",
)


# ---- more reductions (PyTorch's backward formulas: tools/autograd/derivatives.yaml, FunctionsManual.cpp) -----------
def _floats_only(x, message: str):
    if kind(x) in "biu":
        raise RuntimeError(message)


def _kept(F, a, x, dim, keepdim):
    """A reduction's answer (or gradient) shaped to broadcast against `x` again, through NumPy or the engine."""
    x = _data(x)
    if keepdim or np.ndim(x) == 0:
        return a
    shape = kept_shape(np.shape(x), dim)
    return F.reshape(a, shape) if is_tensor(a) else np.reshape(a, shape)


def _over(x, dim):
    """NumPy's axis for a reduction over `dim` (None: all)."""
    return axes(np.shape(_data(x)), dim)


def _data(a):
    """A rule's operand as an array: under create_graph the rules get the engine's tensors."""
    return a.data if is_tensor(a) else a


def _logsumexp(x, dim, keepdim=False):
    """PyTorch's: the max taken out (0 where it is infinite), log of the sum of exp, the max added back."""
    if kind(x) in "biu":
        x = x.astype(np.float32)
    over = _over(x, dim)
    top = np.max(x, axis=over, keepdims=True) if np.size(x) else np.zeros(kept_shape(np.shape(x), dim), x.dtype)
    top = np.where(np.isinf(top), 0, top)
    shifted = x - top  # a fresh array: exp in place (big tensors: one allocation fewer)
    np.exp(shifted, out=shifted) if shifted.dtype == np.float64 else np.copyto(shifted, precise(np.exp, shifted))
    out = precise(np.log, np.sum(shifted, axis=over, keepdims=True)) + top
    return (out if keepdim else np.reshape(out, np.shape(np.sum(x, axis=over)))).astype(x.dtype)[()]


def _logsumexp_vjp(F, g, out, x, dim, keepdim=False):
    """logsumexp_backward: grad * (self - result).exp(), grad and result unsqueezed along dim; on arrays in one
    buffer."""
    if is_tensor(x) or np.ndim(x) == 0:
        return (_kept(F, g, x, dim, keepdim) * F.exp(x - _kept(F, out, x, dim, keepdim)),)
    e = np.subtract(x, _kept(F, out, x, dim, keepdim))
    np.exp(e, out=e) if e.dtype == np.float64 else np.copyto(e, precise(np.exp, e))
    return (np.multiply(_kept(F, g, x, dim, keepdim), e, out=e),)


def _logsumexp_sym(sp, x, dim, keepdim=False):
    exps = np.frompyfunc(lambda e: sp.exp(e, evaluate=False), 1, 1)(np.asarray(x, dtype=object))
    total = np.sum(exps, axis=_over(x, dim), keepdims=keepdim)
    return np.frompyfunc(lambda s: sp.log(s, evaluate=False), 1, 1)(total)


row(
    name="logsumexp",
    grad_fn="LogsumexpBackward0",
    params=_DIM,
    elementwise=False,
    front=Signature(needs_param=True),
    example=([(2, 2)], {"dim": 0}),
    forward=_logsumexp,
    vjp=_logsumexp_vjp,
    sym=_logsumexp_sym,
    derivative="d/dx_i logsumexp(x, dim) = exp(x_i - logsumexp(x, dim))",
    mp="log",
)


def _prod_others(F, x, axis):
    """Each element's product of the others along `axis` (None: all), PyTorch's prod_safe_zeros_backward: the
    exclusive cumulative product from the front times the one from the back (right with zeros in `x`)."""
    flat = axis is None
    a = np.reshape(x, -1) if flat else x
    ax = 0 if flat else axis
    ones = np.ones_like(np.take(a, [0], axis=ax))
    front = np.cumprod(np.concatenate([ones, np.take(a, range(a.shape[ax] - 1), axis=ax)], axis=ax), axis=ax)
    back = np.flip(
        np.cumprod(np.concatenate([ones, np.flip(np.take(a, range(1, a.shape[ax]), axis=ax), ax)], axis=ax), axis=ax),
        ax,
    )
    others = front * back
    return np.reshape(others, np.shape(x)) if flat else others


def _prod_vjp(F, g, out, x, dim=None, keepdim=False):
    """prod_backward: grad * (result / input) without zeros in the input, else prod_safe_zeros_backward. Under
    create_graph a zero input takes the first form too (second derivatives at zeros are not supported)."""
    if np.ndim(_data(x)) == 0:
        return (g,)
    g, out = _kept(F, g, x, dim, keepdim), _kept(F, out, x, dim, keepdim)
    data = _data(x)
    if not np.any(data == 0):
        return (g * (out / x),)
    axis = None if dim is None else _over(x, dim)[0]
    if is_tensor(x):
        return (g * _prod_others_recorded(F, x, axis),)
    return (g * _prod_others(F, x, axis),)


def _prod_others_recorded(F, x, axis):
    """Each element's product of the others, in differentiable ops (create_graph with zeros in the input): the
    input repeated along a new last dim with the element itself replaced by 1, multiplied along it. Along `axis` of a
    tensor of more than 2 dims it is the first form, which is nan at a zero (not supported)."""
    shape = np.shape(_data(x))
    if axis is not None and len(shape) > 2:
        return F.prod(x, axis, True) / x
    t = F.reshape(x, (-1,)) if axis is None else (F.t(x) if axis == 0 and len(shape) == 2 else x)
    lines = np.shape(t.data)
    n = lines[-1]
    eye = np.eye(n, dtype=bool).reshape((1,) * (len(lines) - 1) + (n, n))
    spread = F.expand(F.reshape(t, lines[:-1] + (1, n)), lines[:-1] + (n, n))
    others = F.prod(F.where(eye, 1.0, spread), len(lines))
    if axis is None:
        return F.reshape(others, shape)
    return F.t(others) if axis == 0 and len(shape) == 2 else others


def _prod_sym(sp, x, dim=None, keepdim=False):
    return np.prod(np.asarray(x, dtype=object), axis=None if dim is None else _over(x, dim), keepdims=keepdim)


def _one_dim(dim, op: str):
    if isinstance(dim, tuple):
        raise TypeError(f"{op}(): argument 'dim' must be int, not tuple")
    return dim


row(
    name="prod",
    grad_fn="ProdBackward0",
    elementwise=False,
    forward=lambda x: np.prod(x, dtype=np.int64 if kind(x) in "biu" else None),
    example=([(3,)], {}),
    front=Signature(params=(Param("dim", "dims"), flag("keepdim")), dim_row="prod_dim"),
    vjp=_prod_vjp,
    sym=_prod_sym,
    derivative="d/dx_i prod(x) = prod of the others (x_i = 0 included)",
    kink=None,
)
row(
    name="prod_dim",
    grad_fn="ProdBackward1",
    params=_DIM,
    elementwise=False,
    front=None,
    example=([(2, 2)], {"dim": 0}),
    forward=lambda x, dim, keepdim=False: np.prod(
        x, axis=_over(x, _one_dim(dim, "prod")), keepdims=keepdim, dtype=np.int64 if kind(x) in "biu" else None
    ),
    vjp=_prod_vjp,
    sym=_prod_sym,
    derivative="d/dx_i prod(x, dim) = prod of the others along dim",
)


def _extreme(pick):
    def forward(x, dim=None, keepdim=False):
        if np.size(x) == 0:
            raise IndexError("amax(): Expected reduction dim 0 to have non-zero size.")
        return pick(x, axis=_over(x, dim), keepdims=keepdim)[()]

    return forward


def _extreme_vjp(F, g, out, x, dim=None, keepdim=False):
    """scale_grad_by_count: (grad / count of the ties) * mask — a tie shares the gradient evenly."""
    data = x.data if is_tensor(x) else x
    top = _kept(F, out.data if is_tensor(out) else out, x, dim, keepdim)
    mask = data == top
    count = np.sum(mask, axis=_over(x, dim), keepdims=True).astype(np.result_type(data))
    return (_masked(F, _kept(F, g, x, dim, keepdim) / count, mask),)


def _masked(F, a, mask):
    """a * mask, as PyTorch multiplies (an infinite gradient times 0 is nan there); under create_graph a selection."""
    return F.where(mask, a, 0.0) if is_tensor(a) else a * mask.astype(np.result_type(a))


def _tied(pick):
    def kink(x, dim=None, keepdim=False):
        top = pick(x, axis=_over(x, dim), keepdims=True)
        return np.sum(np.asarray(x) == top, axis=_over(x, dim)) > 1

    return kink


def _extreme_sym(sp, x, dim, keepdim, function):
    x = np.asarray(x, dtype=object)
    over = _over(x, dim)
    if over is None or x.ndim == 0:
        answer = np.asarray(function(*x.reshape(-1)), dtype=object)
        return answer.reshape((1,) * x.ndim) if keepdim else answer[()]
    moved = np.moveaxis(x, over, tuple(range(-len(over), 0)))
    lead = moved.shape[: moved.ndim - len(over)]
    flat = moved.reshape(lead + (-1,))
    answer = np.empty(lead, dtype=object)
    for index in np.ndindex(*lead):
        answer[index] = function(*flat[index])
    return np.reshape(answer, kept_shape(x.shape, dim)) if keepdim else answer[()]


for _name, _pick, _function in (("amax", np.max, "Max"), ("amin", np.min, "Min")):
    row(
        name=_name,
        grad_fn=f"{_name.capitalize()}Backward0",
        params=_DIM,
        elementwise=False,
        example=([(2, 2)], {"dim": 0}),
        forward=_extreme(_pick),
        vjp=_extreme_vjp,
        sym=lambda sp, x, dim=None, keepdim=False, _f=_function: _extreme_sym(sp, x, dim, keepdim, getattr(sp, _f)),
        kink=_tied(_pick),
        convention="a tie shares the gradient evenly among the tied elements (scale_grad_by_count)",
        derivative=f"d/dx_i {_name}(x, dim) = 1/k for the k elements equal to it, else 0",
        mp=SYMPY_ONLY,
    )
