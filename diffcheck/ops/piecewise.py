"""Op rows, piecewise and selection: maximum, minimum, clamp, where, and the comparisons (declared not
differentiable)."""

from __future__ import annotations

import numpy as np

from .table import Family, Signature, Spelling

ROWS = Family()
row = ROWS.row
CLAMP_NO_BOUND = "torch.clamp: At least one of 'min' or 'max' must not be None"


def _clamp(x, min=None, max=None):
    """PyTorch's min(max(x, min), max) with std::max and std::min, nan kept: clamp(-0.0, min=0.0) is -0.0 and
    clamp(x, min=1, max=0) is 0 everywhere."""
    if min is None and max is None:  # NumPy's clip would give x back
        raise RuntimeError(CLAMP_NO_BOUND)
    if min is not None:
        x = np.where(x < min, min, x)
    if max is not None:
        x = np.where(max < x, max, x)
    return x[()]


def _inverted(sp, lo, hi) -> bool:
    """Bounds known to be inverted (numbers, lo > hi); symbols never are."""
    return lo is not None and hi is not None and sp.sympify(lo > hi) is sp.true


def _maximum(a, b):
    """std::max(a, b) with nan propagated, as PyTorch: a tie gives the first operand (maximum(0.0, -0.0) is 0.0)."""
    return np.where((a < b) | np.isnan(b), b, a)[()]


def _minimum(a, b):
    return np.where((b < a) | np.isnan(b), b, a)[()]


def _inside(x, lo, hi):
    inside = np.ones(np.shape(x), dtype=bool)
    if lo is not None:
        inside = inside & (x >= lo)
    if hi is not None:
        inside = inside & (x <= hi)
    return inside


def _clamp_tensor_vjp(F, g, x, lo, hi):
    """The bounds' gradients first (derivatives.yaml's 'min, max' sorts before 'self': PyTorch makes them first)."""
    glo = None if lo is None else F.where(F.logical_and(x < lo, lo < hi) if hi is not None else x < lo, g, 0.0)
    ghi = None if hi is None else F.where(F.logical_or(x > hi, hi < lo) if lo is not None else x > hi, g, 0.0)
    return F.where(_inside(x, lo, hi), g, 0.0), glo, ghi


def _binary(name: str) -> Signature:
    """maximum and minimum: neither takes a Python number for `b` (torch.max(a, b) reaches them: ops/selection.py)."""
    return Signature(spellings=(Spelling(name),), tensors_only=True)


# ---- piecewise and selection -------------------------------------------------------------------------------------
row(
    name="maximum",
    grad_fn="MaximumBackward0",
    arity=2,
    forward=_maximum,
    front=_binary("maximum"),
    # where(a == b, g / 2, g).masked_fill_(a < b, 0): a nan operand sends g to both sides, as PyTorch
    vjp=lambda F, g, out, a, b: (  # `other` before `self`, as PyTorch makes them
        F.where(a > b, 0.0, F.where(a == b, g / 2, g)),
        F.where(a < b, 0.0, F.where(a == b, g / 2, g)),
    )[::-1],
    sym=lambda sp, a, b: sp.Piecewise((a, a > b), (b, a < b), ((a + b) / 2, True)),
    derivative="d/da max(a, b) = 1 if a > b, 1/2 if a == b, else 0",
    kink=lambda a, b: np.asarray(a) == b,
    convention="tie a == b: 1/2 to each side; a nan operand: the gradient to both",
)
row(
    name="minimum",
    grad_fn="MinimumBackward0",
    arity=2,
    forward=_minimum,
    front=_binary("minimum"),
    vjp=lambda F, g, out, a, b: (  # `other` before `self`
        F.where(a < b, 0.0, F.where(a == b, g / 2, g)),
        F.where(a > b, 0.0, F.where(a == b, g / 2, g)),
    )[::-1],
    sym=lambda sp, a, b: sp.Piecewise((a, a < b), (b, a > b), ((a + b) / 2, True)),
    derivative="d/da min(a, b) = 1 if a < b, 1/2 if a == b, else 0",
    kink=lambda a, b: np.asarray(a) == b,
    convention="tie a == b: 1/2 to each side",
)
row(
    name="clamp",
    grad_fn="ClampBackward1",
    params=("min", "max"),
    forward=_clamp,
    front=Signature(
        spellings=(Spelling("clamp"), Spelling("clip")),
        needs_param=True,
        lists_overloads=True,
        tensor_params="clamp_tensor",
    ),
    vjp=lambda F, g, out, x, min=None, max=None: (F.where(_inside(x, min, max), g, 0.0),),
    sym=lambda sp, x, min=None, max=None: sp.Piecewise(
        *([(max, True)] if _inverted(sp, min, max) else []),  # min(max(x, lo), hi) with lo > hi: hi everywhere
        *([(min, x < min)] if min is not None else []),
        *([(max, x > max)] if max is not None else []),
        (x, True),
    ),
    derivative="d/dx clamp(x, lo, hi) = 1 if lo <= x <= hi else 0",
    kink=lambda x, min=None, max=None: (np.asarray(x) == min) | (np.asarray(x) == max),
    convention="at a bound: grad 1 (inclusive); masks nan/inf upstream outside",
)
row(
    name="clamp_tensor",
    grad_fn="ClampBackward0",
    arity=3,
    front=None,  # clamp(x, min=tensor, max=tensor): the bounds are inputs, with gradients of their own
    forward=_clamp,
    # derivatives.yaml: self clamp_backward; min and max clamp_backward_min_max (where the bound is the answer; with
    # min > max, max is everywhere)
    vjp=lambda F, g, out, x, lo, hi: _clamp_tensor_vjp(F, g, x, lo, hi),
    sym=lambda sp, x, lo, hi: sp.Piecewise(
        *([(hi, lo > hi)] if lo is not None and hi is not None else []),
        *([(lo, x < lo)] if lo is not None else []),
        *([(hi, x > hi)] if hi is not None else []),
        (x, True),
    ),
    derivative="d/dx = 1 if lo <= x <= hi; d/dlo = 1 where x < lo (< hi); d/dhi = 1 where x > hi (or hi < lo)",
    kink=lambda x, lo, hi: (np.asarray(x) == lo) | (np.asarray(x) == hi) | (np.asarray(lo) == hi),
    convention="at a bound: the gradient to x (inclusive), none to the bound; lo == hi with x outside: to none",
)


def _where_sym(sp, c, a, b):
    try:
        return sp.Piecewise((a, c), (b, True))
    except KeyError:  # SymPy 1.14 rewrites a condition holding a Piecewise to ITE, and fails (pop from an empty set)
        # on a branch of it that evaluates to False there (hardsigmoid(x*x) < x: x*x <= -3): evaluate those first
        c = c.replace(
            lambda e: isinstance(e, sp.Piecewise), lambda e: sp.Piecewise(*((v, q.doit()) for v, q in e.args))
        )
        return sp.Piecewise((a, c), (b, True))


row(
    name="where",
    grad_fn="WhereBackward0",
    arity=3,
    listed=(1, 2),  # the condition has no entry
    front=Signature(spellings=(Spelling("where", method=False),), tensor_first=False),
    forward=lambda c, a, b: np.where(c, a, b),
    vjp=lambda F, g, out, c, a, b: (None, F.where(c, g, 0.0), F.where(c, 0.0, g)),
    sym=lambda sp, c, a, b: _where_sym(sp, c, a, b),
    derivative="d/da where(c, a, b) = 1 where c, d/db = 1 where not c  (selects)",
)


# ---- comparisons: not differentiable, declared so ------------------------------------------------------------------
for _name, _symbol, _np, _sym_name in (
    ("gt", ">", np.greater, "StrictGreaterThan"),
    ("ge", ">=", np.greater_equal, "GreaterThan"),
    ("lt", "<", np.less, "StrictLessThan"),
    ("le", "<=", np.less_equal, "LessThan"),
):
    row(
        name=_name,
        grad_fn="",
        arity=2,
        saves=False,
        forward=_np,
        vjp=lambda F, g, out, a, b: (None, None),
        front=Signature(spellings=(Spelling(_name, method=False),), operators=(f"a {_symbol} b",)),
        sym=lambda sp, a, b, _s=_sym_name: _relation(getattr(sp, _s), a, b),
        derivative="not differentiable (a boolean mask)",
    )


def _relation(relation, a, b):
    """`a OP b`, as `a - b OP 0` when both sides hold a same symbol: SymPy's Piecewise moves terms between the sides of
    such a condition back and forth without end (`y - x <= x - z` and `x - y >= z - x` in turn, a RecursionError in
    `where`), while one side with every symbol is a form it keeps."""
    shared = getattr(a, "free_symbols", set()) & getattr(b, "free_symbols", set())
    return relation(a - b, 0) if shared else relation(a, b)
