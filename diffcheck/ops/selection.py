"""Op rows, selection: max and min of the whole tensor (MaxBackward1: a tie shares the gradient evenly), over a dim
(MaxBackward0: values and indices, the gradient all to the selected index), argmax/argmin (not differentiable,
int64). `max(x, y)` is maximum: the dispatch's `pair_op` rule (a tensor where the dim goes).
"""

from __future__ import annotations

import numpy as np

from .arrays import is_tensor, kept_shape
from .dispatch import check_dims
from .reductions import _extreme_sym, _kept, _over, _tied
from .table import SYMPY_ONLY, Family, Param, Signature, Spelling, flag

ROWS = Family()
row = ROWS.row

_DIM = (Param("dim", "dims"), flag("keepdim"))
EMPTY = "{}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."


def _one_dim(dim, op: str) -> int:
    if isinstance(dim, tuple):
        raise TypeError(f"{op}(): argument 'dim' must be int, not tuple")
    return dim


def _whole(name: str, pick):
    def forward(x):
        if np.size(x) == 0:
            raise RuntimeError(EMPTY.format(name))
        return pick(x)[()]

    return forward


def _evenly(F, g, out, x):
    """evenly_distribute_backward (CPU): zeros with grad / count filled in where the input equals the answer (where
    it is nan, if the answer is nan) — a filled mask, so an infinite gradient leaves the others 0, not nan (amax's
    scale_grad_by_count multiplies: nan there)."""
    data, top = (a.data if hasattr(a, "grad_fn") else a for a in (x, out))
    mask = np.isnan(data) if np.isnan(top) else np.asarray(data) == top
    return (F.where(mask, g / int(np.sum(mask)), 0.0),)


def _along(name: str, pick, arg):
    """values and indices along one dim (the first of tied elements, as PyTorch's CPU kernel)."""

    def forward(x, dim, keepdim=False):
        dim = _one_dim(dim, name)
        axis = _over(x, dim)
        if np.ndim(x) == 0:
            return np.asarray(x)[()], np.int64(0)
        if np.shape(x)[axis[0]] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
        values = pick(x, axis=axis[0], keepdims=keepdim)
        indices = arg(x, axis=axis[0], keepdims=keepdim).astype(np.int64)
        return values[()], indices[()]

    return forward


def _along_vjp(F, gs, outs, x, dim, keepdim=False):
    """value_selecting_reduction_backward: the gradient of each answer to the one index it selected."""
    g = gs[0]
    if g is None:
        return (None,)
    data = x.data if hasattr(x, "grad_fn") else x
    if np.ndim(data) == 0:
        return (g,)
    axis = _over(data, dim)[0]
    indices = np.reshape(outs[1], kept_shape(np.shape(data), dim))
    spread = np.arange(np.shape(data)[axis]).reshape([-1 if i == axis else 1 for i in range(np.ndim(data))])
    return (F.where(spread == indices, _kept(F, g, data, dim, keepdim), 0.0),)


def _along_sym(function):
    def sym(sp, x, dim, keepdim=False):
        return _extreme_sym(sp, x, dim, keepdim, getattr(sp, function)), None

    return sym


def _arg(name: str, arg):
    def forward(x, dim=None, keepdim=False):
        if np.size(x) == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        if dim is None:
            flat = arg(np.reshape(x, -1))
            return np.reshape(np.int64(flat), (1,) * np.ndim(x) if keepdim else ())[()]
        axis = _over(x, _one_dim(dim, name))
        if np.ndim(x) == 0:
            return np.int64(0)
        return arg(x, axis=axis[0], keepdims=keepdim).astype(np.int64)[()]

    return forward


for _name, _pick, _arg_pick, _function in (("max", np.max, np.argmax, "Max"), ("min", np.min, np.argmin, "Min")):
    _title = _name.capitalize()
    row(
        name=_name,
        grad_fn=f"{_title}Backward1",
        elementwise=False,
        forward=_whole(_name, _pick),
        example=([(3,)], {}),
        front=Signature(params=_DIM, dim_row=f"{_name}_dim", pair_op=f"{_name}imum"),
        vjp=_evenly,
        sym=lambda sp, x, _f=_function: _extreme_sym(sp, x, None, False, getattr(sp, _f)),
        kink=_tied(_pick),
        convention="a tie shares the gradient evenly among the tied elements (evenly_distribute_backward)",
        derivative=f"d/dx_i {_name}(x) = 1/k for the k elements equal to it, else 0",
        mp=SYMPY_ONLY,
    )
    row(
        name=f"{_name}_dim",
        grad_fn=f"{_title}Backward0",
        params=_DIM,
        elementwise=False,
        front=None,
        outputs=2,
        output_differentiability=(True, False),
        output_names=("values", "indices"),
        example=([(2, 2)], {"dim": 0}),
        forward=_along(_name, _pick, _arg_pick),
        vjp=_along_vjp,
        sym=_along_sym(_function),
        kink=_tied(_pick),
        convention="a tie: the whole gradient to the index PyTorch selected (the first), none to the others",
        derivative=f"d/dx_i {_name}(x, dim) = 1 at the selected index along dim, else 0",
        mp=SYMPY_ONLY,
    )
    row(
        name=f"arg{_name}",
        grad_fn="",
        params=_DIM,
        saves=False,
        elementwise=False,
        int_result=True,
        example=([(2, 2)], {"dim": 0}),
        forward=_arg(f"arg{_name}", _arg_pick),
        vjp=lambda F, g, out, x, dim=None, keepdim=False: (None,),
        sym=lambda sp, x, dim=None, keepdim=False: None,
        derivative="not differentiable (an int64 index)",
    )


# ---- F.normalize: x / max(||x||_p along dim, eps), as PyTorch composes it ------------------------------------------
row(
    name="clamp_min",
    grad_fn="ClampMinBackward0",
    params=("min",),
    internal=True,
    forward=lambda x, min: np.maximum(x, np.asarray(min, dtype=np.result_type(x)))[()],
    vjp=lambda F, g, out, x, min: (F.where(x >= min, g, 0.0),),
    sym=lambda sp, x, min: sp.Piecewise((x, x >= min), (min, True)),
    derivative="d/dx max(x, min) = 1 if x >= min else 0",
    kink=lambda x, min: np.asarray(x) == min,
    convention="x == min: gradient 1 (clamp_min_backward: x >= min)",
)


def _normalize(x, p=2.0, dim=1, eps=1e-12):
    from .statistics import _norm

    norm = _norm(x, p, dim, True)
    return (x / np.maximum(norm, np.asarray(eps, dtype=np.result_type(x))))[()]


def _normalize_sym(sp, x, p=2.0, dim=1, eps=1e-12):
    from .statistics import _norm_sym

    norm = np.asarray(_norm_sym(sp, x, p, dim, True), dtype=object)
    bounded = np.frompyfunc(lambda n: sp.Max(n, sp.sympify(eps), evaluate=False), 1, 1)(norm)
    return np.asarray(x, dtype=object) / bounded


row(
    name="normalize",
    grad_fn="DivBackward0",
    params=(Param("p", "number"), Param("dim", "dims"), Param("eps", "number")),
    elementwise=False,
    example=([(2, 2)], {}),
    front=Signature(spellings=(Spelling("normalize", torch=False, method=False, functional=True),)),
    forward=_normalize,
    # F.normalize: input / norm(input, p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    via=lambda F, x, p=2.0, dim=1, eps=1e-12: F.div(
        x, F.expand(F.clamp_min(F.vector_norm(x, p, dim, True), eps), tuple(x.shape))
    ),
    sym=_normalize_sym,
    kink=lambda x, p=2.0, dim=1, eps=1e-12: np.all(np.asarray(x) == 0, axis=_over(x, dim)),
    convention="the norm at 0 is clamped to eps: the gradient there is grad / eps (ClampMinBackward0 passes it)",
    derivative="d/dx x / max(||x||_p, eps) (quotient rule; the norm clamped below at eps)",
    mp=SYMPY_ONLY,
)


# ---- sort: values and indices along one dim, stable (PyTorch's CPU kernel), nan the largest -------------------------
def _sort_order(x, axis: int, descending: bool):
    """Per position of the answer, the index along `axis` it takes: a stable sort, nan after every number (first when
    descending), ties in their order."""
    moved = np.moveaxis(np.asarray(x), axis, -1)
    if not descending:
        order = np.argsort(moved, axis=-1, kind="stable")
    else:
        nan = np.isnan(moved) if moved.dtype.kind == "f" else np.zeros(moved.shape, dtype=bool)
        flipped = -np.where(nan, 0, moved) if moved.dtype.kind != "b" else ~moved
        order = np.lexsort((flipped, ~nan), axis=-1)
    return np.moveaxis(order, -1, axis)


def _sort(x, dim=-1, descending=False):
    check_dims(dim, np.ndim(x))
    if np.ndim(x) == 0:
        return np.asarray(x)[()], np.int64(0)
    axis = dim % np.ndim(x)
    order = _sort_order(x, axis, descending).astype(np.int64)
    return np.take_along_axis(np.asarray(x), order, axis)[()], order[()]


def _sort_vjp(F, gs, outs, x, dim=-1, descending=False):
    """value_selecting_reduction_backward with keepdim: each value's gradient back to the index it came from, read
    as a gather by the inverse permutation."""
    g = gs[0]
    if g is None or np.ndim(outs[1]) == 0:
        return (g,)
    axis = dim % np.ndim(outs[1])
    return (F.gather(g, axis, np.argsort(outs[1], axis=axis, kind="stable").astype(np.int64)),)


MAX_SORTED = 8  # elements along the dim the symbolic form takes: the k-th smallest is a min over C(n, k) maxima


def _kth(sp, values: list, k: int):
    """The k-th smallest (0-based) of `values`: the least of the maxima of its (k+1)-element subsets."""
    from itertools import combinations

    return sp.Min(*(sp.Max(*subset) for subset in combinations(values, k + 1)))


def _sort_sym(sp, x, dim=-1, descending=False):
    x = np.asarray(x, dtype=object)
    if x.ndim == 0:
        return x[()], None
    moved = np.moveaxis(x, dim % x.ndim, -1)
    n = moved.shape[-1]
    if n > MAX_SORTED:
        raise ValueError(f"sort of more than {MAX_SORTED} elements along dim has no symbolic form here")
    answer = np.empty(moved.shape, dtype=object)
    for index in np.ndindex(*moved.shape[:-1]):
        row_ = list(moved[index])
        for k in range(n):
            answer[index + (k,)] = _kth(sp, row_, n - 1 - k if descending else k)
    return np.moveaxis(answer, -1, dim % x.ndim), None


def _sort_ties(x, dim):
    """Elements equal to another along dim: sort is not differentiable there (PyTorch picks by position)."""
    x = np.asarray(x)
    if x.ndim == 0:
        return np.zeros((), dtype=bool)
    moved = np.moveaxis(x, dim % x.ndim, -1)
    tied = (moved[..., :, None] == moved[..., None, :]).sum(axis=-1) > 1
    return np.moveaxis(tied, -1, dim % x.ndim)


_SORT = dict(
    params=(Param("dim", "int"), flag("descending")),
    elementwise=False,
    outputs=2,
    output_differentiability=(True, False),
    output_names=("values", "indices"),
    example=([(2, 3)], {"dim": 1}),
    forward=_sort,
    vjp=_sort_vjp,
    sym=_sort_sym,
    kink=lambda x, dim=-1, descending=False: _sort_ties(x, dim),
    convention="a tie: each tied value's gradient to the index the stable sort put there",
    derivative="d/dx sort(x, dim) = the permutation the sort applied, taken back",
    mp=SYMPY_ONLY,
)
row(
    name="sort",
    grad_fn="SortBackward0",
    front=Signature(
        params=(Param("dim", "int"), flag("descending"), flag("stable")), keyword_row=("stable", "sort_stable")
    ),
    **_SORT,
)
# sort.stable: stable= given (True, False or None: PyTorch's CPU sort is stable either way), every parameter a keyword
row(name="sort_stable", grad_fn="SortBackward1", front=None, **_SORT)


# ---- median of the whole tensor: PyTorch's lower median, its gradient shared by the elements equal to it -----------
def _median(x):
    a = np.asarray(x).reshape(-1)
    if a.size == 0 or (a.dtype.kind == "f" and np.isnan(a).any()):
        return np.asarray(np.nan, dtype=a.dtype if a.dtype.kind == "f" else np.float64)[()]
    return np.sort(a, kind="stable")[(a.size - 1) // 2]


def _median_vjp(F, g, out, x):
    """evenly_distribute_backward: the gradient divided among the elements equal to the median (nan: the nans)."""
    data, value = (x.data if is_tensor(x) else x), (out.data if is_tensor(out) else out)
    mask = np.isnan(data) if np.isnan(value) else np.asarray(data == value)
    return (F.where(mask, g / int(mask.sum()), 0.0),)


def _median_sym(sp, x):
    values = list(np.asarray(x, dtype=object).reshape(-1))
    if len(values) > MAX_SORTED:
        raise ValueError(f"median of more than {MAX_SORTED} elements has no symbolic form here")
    return _kth(sp, values, (len(values) - 1) // 2) if len(values) > 1 else values[0]


def _median_ties(x):
    """Elements equal to the median where another is too: PyTorch shares the gradient among them."""
    a = np.asarray(x)
    tied = a == _median(a)
    return tied if tied.sum() > 1 else np.zeros(a.shape, dtype=bool)


row(
    name="median",
    grad_fn="MedianBackward0",
    elementwise=False,
    front=Signature(spellings=(Spelling("median", reserved=False),)),  # a name programs give their values
    forward=_median,
    vjp=_median_vjp,
    sym=_median_sym,
    derivative="d/dx median(x) = 1 at the element that is the lower median (shared evenly among equal ones)",
    kink=_median_ties,
    convention="a tie at the median: the gradient divided evenly among the equal elements",
    example=([(3,)], {}),
    mp=SYMPY_ONLY,
)
