"""Op rows, creation inside expressions: zeros_like, ones_like, full_like (the input's shape and dtype), and arange,
linspace, eye, full (no tensor argument: arity 0). Not differentiable: their answers never require grad. Dtypes as
PyTorch's: arange and full of Python ints are int64, of a float the default float32 (as linspace and eye).

On the SymPy side each answer is its exact values: the engine's numbers as rationals, so both sides hold the same
constants (linspace's float32 thirds included).
"""

from __future__ import annotations

import math

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


def _linspace(start, end, steps, dtype=None):
    """PyTorch's CPU kernel, in the answer's dtype (float32 unless told): the first half from start, the second
    from end."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    kind = np.dtype(getattr(dtype, "np", np.float32))
    work = kind.type if kind.kind == "f" else np.float64
    start, end = work(start), work(end)
    step = (end - start) / work(max(steps - 1, 1))
    i = np.arange(steps, dtype=work)
    half = steps // 2
    return np.where(np.arange(steps) < half, start + step * i, end - step * (work(steps - 1) - i)).astype(kind)


def _eye(n, m=None):
    return np.eye(n, n if m is None else m, dtype=np.float32)


def _full(size, fill_value):
    kind = np.float32 if type(fill_value) is float else np.bool_ if type(fill_value) is bool else np.int64
    return np.full(tuple(size) if isinstance(size, (tuple, list)) else (size,), fill_value, dtype=kind)[()]


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
