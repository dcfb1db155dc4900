"""The table's ops as the library's functions, Tensor's methods and Python's operators on tensors."""
from __future__ import annotations

import operator
import types

from .. import ops as _ops
from ..ops import OPS, Op
from . import dtypes as _dtypes
from .dtypes import _default_dtype
from .forward import (_IGNORE, _NO_PARAMS, _float64, _keep, _ndarray, _new, _next_seq, _quiet, _restore,
                      _result_dtype, apply)
from .node import _NODE_CLASSES
from .tensors import Tensor, _ndim
from .versions import record

_DIM = "tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None"
_OVERLOADS = {  # (op, method): the overloads PyTorch's argument parser lists when none fits the call
    ("sum", False): ("Tensor input, *, torch.dtype dtype = None", f"Tensor input, {_DIM}, Tensor out = None"),
    ("mean", False): ("Tensor input, *, torch.dtype dtype = None, Tensor out = None",
                      f"Tensor input, {_DIM}, Tensor out = None"),
    ("sum", True): ("*, torch.dtype dtype = None", _DIM),
    ("mean", True): ("*, torch.dtype dtype = None", _DIM),
    ("clamp", False): ("Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None",
                       "Tensor input, Number min = None, Number max = None, *, Tensor out = None"),
    ("pow", False): ("Tensor input, Tensor exponent, *, Tensor out = None",
                     "Number self, Tensor exponent, *, Tensor out = None",
                     "Tensor input, Number exponent, *, Tensor out = None"),
}


def type_name(value) -> str:
    """A value's type as PyTorch's messages name it."""
    return "Tensor" if isinstance(value, Tensor) else type(value).__name__


def not_a_tensor(spelling: str, value) -> str:
    """PyTorch's TypeError for a function given something else than a tensor as its first argument."""
    return f"{spelling}(): argument 'input' (position 1) must be Tensor, not {type_name(value)}"


def no_overload(spelling: str, op: str, args, kwargs: dict, method: bool) -> str:
    """PyTorch's TypeError when no overload fits: the call's argument types (keywords last, in reverse order, as
    measured; a method's without the tensor it is called on), then the overloads."""
    got = [type_name(a) for a in args] + [f"{k}={type_name(v)}" for k, v in reversed(kwargs.items())]
    got_text = ", ".join(got) if args else "".join(f"{g}, " for g in got)
    return (f"{spelling}() received an invalid combination of arguments - got ({got_text}), but expected one of:\n"
            + "".join(f" * ({overload})\n" for overload in _OVERLOADS[op, method]))


def _front(spelling: str, sig: _ops.Signature, function: bool, method: bool = False):
    """The library function for a user-facing op: positional extras become parameters, then the overload row runs.

    `function`: torch's function (or `method`), as the library exports it and `run` calls it. A Python number first
    stays first where PyTorch takes one (`torch.sub(2, x)`: SubBackward0) and is PyTorch's TypeError where it takes a
    tensor, numbers alone make a tensor of PyTorch's dtype (`torch.add(2, 3)`: int64) and keepdim without a dim is
    PyTorch's TypeError. Otherwise the op as Python's operators and the check language mean it: the number moves last
    (`2 - x`: rsub(x, 2); `2 + x`: add(x, 2)).
    """
    name, arity, names = sig.name, sig.arity, sig.params

    # torch's functions take a Tensor first: add/sub/mul/div wrap a number, pow has a Number-self overload, and
    # where's condition is left as the library has always taken it
    tensor_first = function and not method and name not in _ops.NUMBER_INPUT and name != "where"

    def general(*args, **params):
        if function and "keepdim" in params and "dim" not in params and len(args) <= arity:  # sum, mean
            raise TypeError(no_overload(spelling, name, args[method:], params, method))
        if tensor_first and args and type(args[0]) is not Tensor:
            if name in ("pow", "clamp"):  # overloaded on the first argument: PyTorch lists those none of which fit
                if name != "pow" or type(args[1]) is not Tensor:  # pow(2, x) is pow's Number-self overload
                    raise TypeError(no_overload(spelling, name, args, params, False))
            else:
                raise TypeError(not_a_tensor(spelling, args[0]))
        if len(args) > arity:
            params.update(zip(names, args[arity:]))
            args = args[:arity]
        if params:  # min=None is no bound; dim=None stays, as it picks sum's and mean's dim overload in PyTorch
            params = {k: v for k, v in params.items() if v is not None or k == "dim"}
        op, resolved, params = _ops.resolve(name, args, params, _ndim, function)
        if op.via is not None:
            return op.via(_F, *resolved)
        if function and name in _ops.NUMBER_INPUT and Tensor not in (type(resolved[0]), type(resolved[1])):
            return _numbers(op, resolved, params)
        return apply(op, resolved, params)

    def single(*args, **params):  # a row without overloads: the row resolve would give, without the call
        if params or len(args) != arity or tensor_first and type(args[0]) is not Tensor:
            return general(*args, **params)
        return apply(OPS[name], args, _NO_PARAMS)

    front = single if name in _ops._SINGLE_ROW else general
    front.__name__ = front.__qualname__ = sig.name
    front.__doc__ = f"`{sig.name}` from the op table (PyTorch semantics)."
    return front


def _numbers(op: Op, args: tuple, params: dict) -> Tensor:
    """A torch function of Python numbers alone (`torch.add(2, 3)`): PyTorch wraps each in a tensor, so the answer
    is a tensor of their result dtype (int64 for ints, the default float with a float, div's a float), computed in
    that dtype as PyTorch computes it."""
    want = _result_dtype(args)
    token = _quiet(_IGNORE)
    try:
        if op.forward(*args, **params).dtype.kind == "f":  # an op that makes floats of integers (div)
            want = want if want.kind == "f" else _default_dtype.np
        return Tensor(op.forward(*(want.type(a) for a in args), **params))
    finally:
        _restore(token)


# The table's front ops as Python's operators and the check language mean them (its programs run on these), and as
# torch's functions: the library's `diffcheck.sub`, ... and `run`'s `torch.sub`. They differ only on Python numbers.
FUNCTIONS = {spelling: _front(spelling, sig, False) for spelling, sig in _ops.SIGNATURES.items()}
TORCH_FUNCTIONS = {spelling: _front(spelling, sig, True) for spelling, sig in _ops.SIGNATURES.items()}
for _name in ("expand", "sum_to", "reshape", "transpose"):
    FUNCTIONS[_name] = (lambda op: lambda x, *a: apply(op, (x,), dict(zip(op.params, a))))(OPS[_name])
globals().update(TORCH_FUNCTIONS)  # diffcheck.sin, diffcheck.pow, ... as torch
_F = types.SimpleNamespace(**FUNCTIONS)  # what a `via` row composes
_NUMBERS = frozenset({int, float})


def _operator(name: str, compute):
    """Tensor's method for `+ - * /`, `apply` specialised: with a Tensor or Python number on the other side, the row
    runs directly (these rows have no overloads there); anything else goes through the front op.

    Python's operator on NumPy data gives the row's ufunc answer bit for bit, types and errors included, without the
    ufunc call's overhead, which is most of a scalar op's cost. A float64 scalar with a float64 or Python number goes
    through Python's own float arithmetic (the same IEEE operation, on the operands as exact Python floats: a float64
    would dispatch to NumPy's scalar maths, which reads the error state) and needs no error state at all: only
    division by zero and out-of-range integers raise there, and those take NumPy's path. Operands of different
    dtypes, or that NumPy refuses, go through the front op: PyTorch's promotion and refusals are the row's.
    tests/test_engine_scale.py checks both shortcuts against `apply` running the row, bit for bit.
    """
    op, front, cls = OPS[name], FUNCTIONS[name], _NODE_CLASSES[name]

    def method(self, other):
        kind = type(other)
        if kind is Tensor:
            db, rb = other.data, other._requires_grad
        elif kind in _NUMBERS:
            db, rb = other, False
        else:
            return front(self, other)
        da, out = self.data, None
        if type(da) is _float64 and (kind is not Tensor or type(db) is _float64):
            try:
                out = _float64(compute(float(da), float(db)))
            except (ZeroDivisionError, OverflowError):
                pass
        if out is None:
            token = _quiet(_IGNORE)
            try:
                out = compute(da, db)
            except (TypeError, ValueError, OverflowError):  # the row raises PyTorch's error first (bool - bool ...)
                out = None
            finally:
                _restore(token)
            if out is None or da.dtype != out.dtype or kind is Tensor and db.dtype != out.dtype:
                return front(self, other)
        ra = self._requires_grad
        if (ra or rb) and _dtypes._grad_enabled:
            node = cls()
            node.op, node.seq = op, _next_seq()
            node._retained = node._mark = None
            node.e0 = (self._node or self) if ra else self
            node.e1 = ((other._node or other) if rb else other) if kind is Tensor else None
            if self._vc is not None or kind is Tensor and other._vc is not None:  # they count in-place changes
                record(node, (self, other))
            if type(out) is _ndarray:
                _keep(node, op, out, (da, db))
            else:
                node.out, node.d0, node.d1 = out, da, db
            t = _new(Tensor)
            t.data, t._requires_grad, t._node = out, True, node
            t._grad, t._retains_grad, t._vc = None, False, None
            return t
        return Tensor(out)

    method.__name__ = method.__qualname__ = f"__{name.replace('div', 'truediv')}__"
    return method


for _name, _compute in (("add", operator.add), ("sub", operator.sub), ("mul", operator.mul), ("div", operator.truediv)):
    setattr(Tensor, f"__{_name.replace('div', 'truediv')}__", _operator(_name, _compute))
# `2 + x` and `2 * x` are x.__radd__(2) and x.__rmul__(2): torch.add(x, 2) and torch.mul(x, 2), x first as in PyTorch
Tensor.__radd__, Tensor.__rmul__ = Tensor.__add__, Tensor.__mul__

for _name in ("pow", "exp", "log", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "abs", "sqrt", "square", "sum",
              "mean", "clamp", "clip", "reciprocal", "log1p", "expm1", "sinh", "cosh", "asin", "acos", "atan",
              "maximum", "minimum", "matmul", "neg", "add", "sub", "mul", "div"):
    setattr(Tensor, _name, _front(_name, _ops.SIGNATURES[_name], True, method=True))
