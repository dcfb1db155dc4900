"""Op rows of statistics along a dim: cumsum and cumprod, var and std (correction, unbiased), norm (p = 1, 2, inf and
others; LinalgVectorNormBackward0, as torch 2.13 names it). Whole-array rows, as reductions.py's."""

from __future__ import annotations

import math

import numpy as np

from .arrays import TYPE_NAMES, is_tensor, kind, reduced, sum_kept
from .dispatch import check_dims
from .reductions import _data, _extreme_sym, _floats_only, _kept, _masked, _one_dim, _over
from .table import Family, Param, Signature, Spelling, dims, flag

ROWS = Family()
row = ROWS.row


# ---- cumulative sums and products along one dim ---------------------------------------------------------------------
def _cumulative(name: str, compute):
    def forward(x, dim):
        dim = _one_dim(dim, name)
        check_dims(dim, np.ndim(x))
        if kind(x) in "biu":
            x = x.astype(np.int64)
        return compute(x, axis=dim % np.ndim(x))[()] if np.ndim(x) else x

    return forward


def _reversed_cumsum(F, w, dim):
    """reversed_cumsum: w.flip(dim).cumsum(dim).flip(dim); under create_graph as sum - cumsum + w (differentiable)."""
    if is_tensor(w):
        return sum_kept(F, w, dim, np.shape(w.data)) - F.cumsum(w, dim) + w
    axis = dim % np.ndim(w)
    return np.flip(np.cumsum(np.flip(w, axis), axis=axis), axis)


def _cumsum_vjp(F, g, out, x, dim):
    if np.size(_data(x)) <= 1 or np.shape(_data(x))[dim] == 1:
        return (g,)
    return (_reversed_cumsum(F, g, dim),)


def _cumprod_vjp(F, g, out, x, dim):
    """cumprod_backward: reversed_cumsum(output * grad) / input without zeros; with zeros in the input, each
    element's sum over the later outputs of the product of the others (the value PyTorch's own zero path gives;
    under create_graph the first form, so second derivatives at zeros are not supported)."""
    if np.size(_data(x)) <= 1 or np.shape(_data(x))[dim] == 1:
        return (g,)
    data = _data(x)
    if is_tensor(x) or not np.any(data == 0):
        return (_reversed_cumsum(F, out * g, dim) / x,)
    axis = dim % np.ndim(x)
    w, zero = out * g, x == 0
    seen = np.cumsum(zero, axis=axis)
    before = seen == 0  # before the first zero: reversed_cumsum(w there) / input
    with np.errstate(all="ignore"):
        grad = np.where(before, _reversed_cumsum(F, np.where(before, w, 0), dim) / np.where(before, x, 1), 0)
    first, between = zero & (seen == 1), (seen == 1) & ~zero  # the first zero; after it, before the second
    products = np.cumprod(np.where(between, x, 1), axis=axis)
    total = np.sum(products * np.where(seen == 1, g, 0), axis=axis, keepdims=True)
    ones = np.ones_like(np.take(out, [0], axis=axis))
    previous = np.concatenate([ones, np.take(out, range(np.shape(x)[axis] - 1), axis=axis)], axis=axis)
    return (np.where(first, total * previous, grad).astype(np.result_type(x)),)


def _cumulative_sym(combine):
    def sym(sp, x, dim):
        x = np.asarray(x, dtype=object)
        if x.ndim == 0:
            return x[()]
        moved = np.moveaxis(x, dim % x.ndim, -1).copy()
        for j in range(1, moved.shape[-1]):
            moved[..., j] = combine(moved[..., j - 1], moved[..., j])
        return np.moveaxis(moved, -1, dim % x.ndim)

    return sym


_CUM = (Param("dim", "int"),)
row(
    name="cumsum",
    grad_fn="CumsumBackward0",
    params=_CUM,
    saves=False,
    elementwise=False,
    example=([(3,)], {"dim": 0}),
    front=Signature(needs_param=True),
    forward=_cumulative("cumsum", np.cumsum),
    vjp=_cumsum_vjp,
    sym=_cumulative_sym(lambda a, b: a + b),
    derivative="d/dx_j cumsum(x)_i = 1 for j <= i: the gradient's reversed cumulative sum",
)
row(
    name="cumprod",
    grad_fn="CumprodBackward0",
    params=_CUM,
    elementwise=False,
    example=([(3,)], {"dim": 0}),
    front=Signature(needs_param=True),
    forward=_cumulative("cumprod", np.cumprod),
    vjp=_cumprod_vjp,
    sym=_cumulative_sym(lambda a, b: a * b),
    derivative="d/dx_j cumprod(x)_i = prod_{k <= i, k != j} x_k for j <= i",
)


# ---- var and std ----------------------------------------------------------------------------------------------------
_STATS = (dims("dim"), Param("correction", "number"), flag("unbiased"), flag("keepdim"))


def _correction(correction=None, unbiased=None):
    if correction is not None and unbiased is not None:
        raise RuntimeError("Cannot specify both unbiased and correction")  # not PyTorch's exact text
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _var(x, dim=None, correction=None, unbiased=None, keepdim=False):
    _floats_only(x, "std and var only support floating point and complex dtypes")
    c = _correction(correction, unbiased)
    over = _over(x, dim)
    mean = np.mean(x, axis=over, keepdims=True)
    n = reduced(np.shape(x), dim)
    with np.errstate(all="ignore"):
        total = np.sum((x - mean) * (x - mean), axis=over, keepdims=keepdim)
        return (total / x.dtype.type(max(n - c, 0)))[()]


def _var_vjp(F, g, out, x, dim=None, correction=None, unbiased=None, keepdim=False):
    """var_backward: (2 / (n - correction)) * grad * (self - self.mean(dim, keepdim=True))."""
    c = _correction(correction, unbiased)
    n = reduced(np.shape(x.data if is_tensor(x) else x), dim)
    data = x.data if is_tensor(x) else x
    mean = np.mean(data, axis=_over(data, dim), keepdims=True)
    centred = x - (sum_kept(F, x, dim, np.shape(data)) / n if is_tensor(x) else mean)
    with np.errstate(all="ignore"):  # n - correction <= 0: inf * 0 = nan, as PyTorch
        scale = float(np.float64(2.0) / (n - c))  # a Python float: float32 stays float32
    return (scale * _kept(F, g, data, dim, keepdim) * centred,)


def _std_vjp(F, g, out, x, dim=None, correction=None, unbiased=None, keepdim=False):
    """std_backward: var_backward of (grad / (result * 2)), 0 where the result is 0."""
    zero = (out.data if is_tensor(out) else np.asarray(out)) == 0
    return _var_vjp(F, F.where(zero, 0.0, g / (out * 2)), None, x, dim, correction, unbiased, keepdim)


def _var_sym(sp, x, dim=None, correction=None, unbiased=None, keepdim=False):
    x = np.asarray(x, dtype=object)
    c = _correction(correction, unbiased)
    over = _over(x, dim)
    n = reduced(x.shape, dim)
    mean = np.sum(x, axis=over, keepdims=True) / n
    return np.sum((x - mean) ** 2, axis=over, keepdims=keepdim) / (n - sp.sympify(c))


row(
    name="var",
    grad_fn="VarBackward0",
    params=_STATS,
    elementwise=False,
    example=([(3,)], {}),
    forward=_var,
    vjp=_var_vjp,
    sym=_var_sym,
    derivative="d/dx_i var(x) = 2 (x_i - mean) / (n - correction)",
)
row(
    name="std",
    grad_fn="StdBackward0",
    params=_STATS,
    elementwise=False,
    example=([(3,)], {}),
    forward=lambda x, dim=None, correction=None, unbiased=None, keepdim=False: np.sqrt(
        _var(x, dim, correction, unbiased, keepdim)
    )[()],
    vjp=_std_vjp,
    sym=lambda sp, x, dim=None, correction=None, unbiased=None, keepdim=False: np.frompyfunc(
        lambda v: sp.sqrt(v, evaluate=False), 1, 1
    )(_var_sym(sp, x, dim, correction, unbiased, keepdim)),
    derivative="d/dx_i std(x) = (x_i - mean) / ((n - correction) std)",
    singular=lambda x, dim=None, correction=None, unbiased=None, keepdim=False: np.any(
        np.all(np.asarray(x) == np.mean(x, axis=_over(x, dim), keepdims=True), axis=_over(x, dim))
    ),
    convention="all elements equal (std 0): PyTorch's gradient is 0 there (std_backward masks it), SymPy's undefined",
    mp="sqrt",
)


# ---- norm (torch.norm, Tensor.norm: LinalgVectorNormBackward0, as torch.linalg.vector_norm) ------------------------
def _norm(x, p=2, dim=None, keepdim=False):
    _floats_only(
        x,
        f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {TYPE_NAMES[np.result_type(x)][0]}",
    )
    over, a = _over(x, dim), np.abs(x)
    if p == 2:
        out = np.sqrt(np.sum(a * a, axis=over, keepdims=keepdim))
    elif p == 1:
        out = np.sum(a, axis=over, keepdims=keepdim)
    elif p == math.inf:
        out = np.max(a, axis=over, keepdims=keepdim)
    elif p == -math.inf:
        out = np.min(a, axis=over, keepdims=keepdim)
    else:
        out = np.sum(a**p, axis=over, keepdims=keepdim) ** (1 / p)
    return np.asarray(out, dtype=np.result_type(x))[()]


def _norm_vjp(F, g, out, x, p=2, dim=None, keepdim=False):
    """norm_backward for p = 1 (sgn * grad), 2 (grad * self / norm, 0 where the norm is 0), ±inf (the gradient shared
    by the elements of largest (smallest) magnitude), other p as PyTorch's three branches (p < 1, 1 < p < 2, p > 2)."""
    data = x.data if is_tensor(x) else x
    g, norm = _kept(F, g, data, dim, keepdim), _kept(F, out, data, dim, keepdim)
    zero = (norm.data if is_tensor(norm) else np.asarray(norm)) == 0
    if p == 1:
        return (F.sign(x) * g,)
    if p == 2:
        return (g * F.where(zero, 0.0, x / norm),)
    if math.isinf(p):
        mask = np.abs(data) == (norm.data if is_tensor(norm) else norm)
        count = np.sum(mask, axis=_over(data, dim), keepdims=True).astype(np.result_type(data))
        return (F.sign(x) * _masked(F, g / count, mask),)
    if p < 1:  # sgn(x) |x|^(p-1), 0 where x is 0, times grad * norm^(1-p)
        scaled = F.where(_data(x) == 0, 0.0, F.sign(x) * F.abs(x) ** (p - 1))
        return (scaled * g * norm ** (1 - p),)
    scale = F.where(zero, 0.0, g / norm ** (p - 1))
    if p < 2:  # sgn(x) |x|^(p-1): finite at x = 0, where x |x|^(p-2) would be 0 * inf
        return (F.sign(x) * F.abs(x) ** (p - 1) * scale,)
    return (x * F.abs(x) ** (p - 2) * scale,)


def _norm_sym(sp, x, p=2, dim=None, keepdim=False):
    x = np.asarray(x, dtype=object)
    over = _over(x, dim)
    absolute = np.frompyfunc(lambda e: sp.Abs(e, evaluate=False), 1, 1)
    if p == 2:
        return np.frompyfunc(lambda v: sp.sqrt(v, evaluate=False), 1, 1)(np.sum(x * x, axis=over, keepdims=keepdim))
    if p == 1:
        return np.sum(absolute(x), axis=over, keepdims=keepdim)
    if math.isinf(p):
        return _extreme_sym(sp, absolute(x), dim, keepdim, sp.Max if p > 0 else sp.Min)
    power = np.frompyfunc(lambda v: v ** (1 / sp.sympify(p)), 1, 1)
    return power(np.sum(absolute(x) ** p, axis=over, keepdims=keepdim))


def _norm_zero(x, p=2, dim=None, keepdim=False):
    """Where the norm is 0 (p = 2 and p > 1: a kink of |x| at 0 in every direction) or an element is 0 (p = 1)."""
    x = np.asarray(x)
    if p == 1:
        return x == 0
    if math.isinf(p):
        a = np.abs(x)
        return np.sum(a == np.max(a, axis=_over(x, dim), keepdims=True), axis=_over(x, dim)) > 1
    return np.all(x == 0, axis=_over(x, dim))


def _fro(rule):
    """norm's p='fro' (no dim, or one or two dims) is the 2-norm: LinalgVectorNormBackward0 too. (The engine reads
    which inputs a backward rule uses from its arguments' names: the vjp is written out.)"""
    return lambda *args, p=2, **params: rule(*args, p=2 if p == "fro" else p, **params)


_NORM_CONVENTION = (
    "p = 2 at 0: gradient 0 (norm_backward masks grad * x / norm where the norm is 0); p = 1: sign(0) = 0; "
    "p = inf: a tie of largest magnitudes shares the gradient evenly"
)
row(
    name="norm",
    grad_fn="LinalgVectorNormBackward0",
    params=(Param("p", "number", choices=("fro",)), dims("dim"), flag("keepdim")),
    elementwise=False,
    example=([(3,)], {}),
    forward=_fro(_norm),
    vjp=lambda F, g, out, x, p=2, dim=None, keepdim=False: _norm_vjp(
        F, g, out, x, 2 if p == "fro" else p, dim, keepdim
    ),
    sym=_fro(_norm_sym),
    kink=_fro(_norm_zero),
    convention=_NORM_CONVENTION,
    derivative="d/dx_i ||x||_p = sign(x_i) |x_i|^(p-1) / ||x||_p^(p-1)",
    mp="sqrt",
)
# torch.linalg.vector_norm(x, ord, dim, keepdim): the same node, its order named `ord`
row(
    name="vector_norm",
    grad_fn="LinalgVectorNormBackward0",
    params=(Param("ord", "number"), dims("dim"), flag("keepdim")),
    elementwise=False,
    example=([(3,)], {}),
    front=Signature(spellings=(Spelling("vector_norm", torch=False, method=False, linalg=True),)),
    forward=lambda x, ord=2, dim=None, keepdim=False: _norm(x, ord, dim, keepdim),
    vjp=lambda F, g, out, x, ord=2, dim=None, keepdim=False: _norm_vjp(F, g, out, x, ord, dim, keepdim),
    sym=lambda sp, x, ord=2, dim=None, keepdim=False: _norm_sym(sp, x, ord, dim, keepdim),
    kink=lambda x, ord=2, dim=None, keepdim=False: _norm_zero(x, ord, dim, keepdim),
    convention=_NORM_CONVENTION,
    derivative="d/dx_i ||x||_ord = sign(x_i) |x_i|^(ord-1) / ||x||_ord^(ord-1)",
    mp="sqrt",
)
