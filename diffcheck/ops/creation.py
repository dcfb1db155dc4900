"""Op rows, creation inside expressions: zeros_like, ones_like, full_like (the input's shape and dtype), and arange,
linspace, eye, full (no tensor argument: arity 0). Not differentiable: their answers never require grad. Dtypes as
PyTorch's: arange and full of Python ints are int64, of a float the default float32 (as linspace and eye).

On the SymPy side each answer is its exact values: the engine's numbers as rationals, so both sides hold the same
constants (linspace's float32 thirds included).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .table import Family, Param, Signature, Spelling

ROWS = Family()
row = ROWS.row

_NONE = dict(grad_fn="", saves=False, elementwise=False, derivative="not differentiable (a constant)")


_DTYPE = Param("dtype", "dtype")  # torch.float64 ...: the engine's dtype (its NumPy type in `.np`)


def _typed(forward):
    """The row's forward with PyTorch's `dtype=`: the answer cast to it."""

    def typed(*args, dtype=None, **params):
        out = forward(*args, **params)
        return out if dtype is None else np.asarray(out).astype(getattr(dtype, "np", dtype))[()]

    return typed


def _exact(sp, values):
    """An array of numbers as SymPy's exact values (0-d: one number)."""
    array = np.asarray(values)
    exact = np.frompyfunc(
        lambda v: sp.Rational(repr(float(v))) if array.dtype.kind == "f" else sp.Integer(int(v)), 1, 1
    )
    answer = exact(array)
    return answer[()] if array.ndim == 0 else answer


def _like(fill):
    return lambda x, **params: np.full_like(x, fill(params))[()]


for _name, _fill in (("zeros_like", lambda p: 0), ("ones_like", lambda p: 1)):
    row(
        name=_name,
        front=Signature(spellings=(Spelling(_name, method=False),)),
        params=(_DTYPE,),
        forward=_typed(_like(_fill)),
        vjp=lambda F, g, out, x, dtype=None: (None,),
        sym=lambda sp, x, dtype=None, _f=_fill: _exact(sp, np.full(np.shape(x), _f({}))),
        example=([(2,)], {}),
        **_NONE,
    )
row(
    name="full_like",
    params=("fill_value", _DTYPE),
    front=Signature(spellings=(Spelling("full_like", method=False),), needs_param=True),
    forward=_typed(lambda x, fill_value: np.full_like(x, fill_value)[()]),
    vjp=lambda F, g, out, x, fill_value, dtype=None: (None,),
    sym=lambda sp, x, fill_value, dtype=None: _exact(sp, np.full(np.shape(x), fill_value)),
    example=([(2,)], {"fill_value": 2.5}),
    **_NONE,
)


def _float(*numbers) -> bool:
    return any(type(n) is float for n in numbers)


def _arange(start=None, end=None, step=1):
    """torch.arange(end) or (start, end, step): int64 of ints, the default float (float32) with a float."""
    if start is None:
        raise TypeError("arange() received an invalid combination of arguments - got (), but expected one of end")
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    count = math.ceil((end - start) / step)
    values = start + step * np.arange(count, dtype=np.float64)
    return values.astype(np.float32 if _float(start, end, step) else np.int64)


def linspace_values(start, end, steps: int, kind=np.float32) -> np.ndarray:
    """torch.linspace as PyTorch's CPU kernel computes it, in `kind`: step = (end - start) / (steps - 1), the first
    half `start + step * i` and the second `end - step * (steps - 1 - i)`, each one fused multiply-add (one rounding,
    as the compiled kernel contracts it; measured against torch 2.13: bit for bit at 2000 points, float32 and 64).
    The row's answer, and `diffcheck run`'s torch.linspace of any dtype."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    first, last = kind(start), kind(end)
    if steps <= 1:
        return np.asarray([first][:steps], dtype=kind)
    step = (last - first) / kind(steps - 1)
    i, half = np.arange(steps), steps // 2
    if kind is np.float32:  # in float64 step * i is exact and the sum rounded once: the fused operation's value
        wide = np.where(i < half, np.float64(first) + np.float64(step) * i, last - np.float64(step) * (steps - 1 - i))
        return wide.astype(np.float32)
    exact = [  # float64: no wider float holds the product, so exactly, rounded once
        Fraction(float(first)) + Fraction(float(step)) * k
        if k < half
        else Fraction(float(last)) - Fraction(float(step)) * (steps - 1 - k)
        for k in range(steps)
    ]
    return np.asarray([float(v) for v in exact], dtype=kind)


def _linspace(start, end, steps, dtype=None):
    """The row: float32 unless told; an integer dtype takes the float64 values, truncated, as PyTorch's kernel."""
    kind = np.dtype(getattr(dtype, "np", np.float32))
    if kind.kind == "f":
        return linspace_values(start, end, steps, kind.type)
    return linspace_values(start, end, steps, np.float64).astype(kind)


def _eye(n, m=None):
    return np.eye(n, n if m is None else m, dtype=np.float32)


def full_values(size, fill_value, kind=None) -> np.ndarray:
    """torch.full's array: of `kind`, else of the fill value's (a float's the default float32, an int's int64, a
    bool's bool). The row's answer, and `diffcheck run`'s torch.full of any dtype."""
    if kind is None:
        kind = np.float32 if type(fill_value) is float else np.bool_ if type(fill_value) is bool else np.int64
    return np.full(tuple(size) if isinstance(size, (tuple, list)) else (size,), fill_value, dtype=kind)[()]


def _full(size, fill_value):
    return full_values(size, fill_value)


for _name, _params, _forward, _example in (
    ("arange", (Param("start"), Param("end"), Param("step")), _arange, {"start": 3}),
    ("linspace", (Param("start"), Param("end"), Param("steps", "int")), _linspace, {"start": 0, "end": 1, "steps": 3}),
    ("eye", (Param("n", "int"), Param("m", "int")), _eye, {"n": 2}),
    ("full", (Param("size", "shape"), Param("fill_value")), _full, {"size": (2,), "fill_value": 1.5}),
):
    _made = _forward if _name == "linspace" else _typed(_forward)  # linspace computes in its dtype
    row(
        name=_name,
        arity=0,
        params=(*_params, _DTYPE),
        front=Signature(spellings=(Spelling(_name, method=False),), tensor_first=False, needs_param=True),
        forward=_made,
        vjp=lambda F, g, out, **params: (),
        sym=lambda sp, _f=_made, **params: _exact(sp, _f(**params)),
        example=([], _example),
        **_NONE,
    )
