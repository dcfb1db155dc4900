"""The table's ops as the library's functions, Tensor's methods and Python's operators on tensors."""

from __future__ import annotations

import sys
import types

from .. import ops as _ops
from ..ops import OPS, Op
from . import dtypes as _dtypes, inplace as _inplace, views as _views
from .dtypes import _default_dtype
from .forward import (
    _IGNORE,
    _NO_PARAMS,
    _float64,
    _keep,
    _kept,
    _ndarray,
    _new,
    _next_seq,
    _quiet,
    _restore,
    _result_dtype,
    apply,
)
from .node import _NODE_CLASSES, node_class
from .tensors import Tensor, _ndim
from .untracked import deep as _deep
from .versions import record

_DIM = "tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None"
_OVERLOADS = {  # (op, method): the overloads PyTorch's argument parser lists when none fits the call
    ("sum", False): ("Tensor input, *, torch.dtype dtype = None", f"Tensor input, {_DIM}, Tensor out = None"),
    ("mean", False): (
        "Tensor input, *, torch.dtype dtype = None, Tensor out = None",
        f"Tensor input, {_DIM}, Tensor out = None",
    ),
    ("sum", True): ("*, torch.dtype dtype = None", _DIM),
    ("mean", True): ("*, torch.dtype dtype = None", _DIM),
    ("clamp", False): (
        "Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None",
        "Tensor input, Number min = None, Number max = None, *, Tensor out = None",
    ),
    ("sort", False): (
        "Tensor input, *, bool stable, int dim = -1, bool descending = False, tuple of Tensors out = None",
        "Tensor input, int dim = -1, bool descending = False, *, tuple of Tensors out = None",
    ),
    ("sort", True): ("*, bool stable, int dim = -1, bool descending = False", "int dim = -1, bool descending = False"),
    ("pow", False): (
        "Tensor input, Tensor exponent, *, Tensor out = None",
        "Number self, Tensor exponent, *, Tensor out = None",
        "Tensor input, Number exponent, *, Tensor out = None",
    ),
}


def type_name(value) -> str:
    """A value's type as PyTorch's messages name it; an object standing for another (`run`'s nn modules) names the
    type it stands for in its `type_name`."""
    if isinstance(value, Tensor):
        return "Tensor"
    named = getattr(value, "type_name", None)
    return named if isinstance(named, str) else type(value).__name__


def not_a_tensor(spelling: str, value) -> str:
    """PyTorch's TypeError for a function given something else than a tensor as its first argument."""
    return f"{spelling}(): argument 'input' (position 1) must be Tensor, not {type_name(value)}"


def no_overload(spelling: str, op: str, args, kwargs: dict, method: bool) -> str:
    """PyTorch's TypeError when no overload fits: the call's argument types (keywords last, in reverse order, as
    measured; a method's without the tensor it is called on), then the overloads."""
    got = [type_name(a) for a in args] + [f"{k}={type_name(v)}" for k, v in reversed(kwargs.items())]
    got_text = ", ".join(got) if args else "".join(f"{g}, " for g in got)
    return (
        f"{spelling}() received an invalid combination of arguments - got ({got_text}), but expected one of:\n"
        + "".join(f" * ({overload})\n" for overload in _OVERLOADS[op, method])
    )


def keyword_refusal(spelling: str, sig: _ops.Signature, args, kwargs: dict, method: bool) -> str:
    """PyTorch's TypeError for a call giving a keyword-only overload's keyword (sort's stable=) that the overload does
    not fit: parameters by position too, or the keyword neither a bool nor None; "" where it fits. `args` without a
    method's tensor. As measured on 2.13, a method's parser says more past two arguments, and names the keywords."""
    keyword = sig.keyword_row[0] if sig.keyword_row else None
    if keyword not in kwargs:
        return ""
    given = len(args) - (sig.arity - method)
    if given <= 0 and type(kwargs[keyword]) in (bool, type(None)):
        return ""
    if method and given + len(kwargs) > 2:
        if given > 0:
            return f"{spelling}() takes from 1 to 0 positional arguments but {given} were given"
        return f"{spelling}(): argument '{keyword}' must be bool, not {type_name(kwargs[keyword])}"
    text = no_overload(spelling, sig.name, args, kwargs, method)
    if method and given + len(kwargs) > 1:
        text += f"      didn't match because some of the keywords were incorrect: {', '.join(reversed(kwargs))}\n"
    return text


_WHERE = (  # torch.where's overloads; the last three are annotated with the arguments that do not fit
    ("Tensor condition",),
    ("Tensor condition", "Tensor input", "Tensor other", "*", "Tensor out = None"),
    ("Tensor condition", "Number self", "Tensor other"),
    ("Tensor condition", "Tensor input", "Number other"),
    ("Tensor condition", "Number self", "Number other"),
)


def where_refusal(args) -> str:
    """PyTorch's TypeError for torch.where with a condition that is not a tensor (or a value neither a tensor nor a
    number), "" where an overload fits. As measured on 2.13: a Tensor parameter is marked `!type!` when the argument
    is no tensor, a Number parameter always."""
    fits = type(args[0]) is Tensor and all(type(a) in (Tensor, int, float, bool) for a in args[1:])
    if fits or len(args) != 3:
        return ""
    got = [type_name(a) for a in args]
    lines = [f"where() received an invalid combination of arguments - got ({', '.join(got)}), but expected one of:"]
    for index, params in enumerate(_WHERE):
        lines.append(f" * ({', '.join(params)})")
        if index >= 2:
            marks = [g if p.startswith("Tensor") and g == "Tensor" else f"!{g}!" for p, g in zip(params, got)]
            lines.append(f"      didn't match because some of the arguments have invalid types: ({', '.join(marks)})")
    return "\n".join(lines) + "\n"


_SECOND = {"dot": "tensor", "mv": "vec", "mm": "mat2"}  # PyTorch's name of a second argument other than `other`


def not_a_second_tensor(spelling: str, op: str, value, method: bool) -> str:
    """PyTorch's TypeError for a number where an op takes only a tensor second (maximum, matmul, mm ...)."""
    where = f"'{_SECOND.get(op, 'other')}' (position {1 if method else 2})"
    return f"{spelling}(): argument {where} must be Tensor, not {type_name(value)}"


def _front(spelling: str, sig: _ops.Signature, function: bool, method: bool = False):
    """The library function for a user-facing op: positional extras become parameters, then the overload row runs.

    `function`: torch's function (or `method`), as the library exports it and `run` calls it. A Python number first
    stays first where PyTorch takes one (`torch.sub(2, x)`: SubBackward0) and is PyTorch's TypeError where it takes a
    tensor, numbers alone make a tensor of PyTorch's dtype (`torch.add(2, 3)`: int64) and keepdim without a dim is
    PyTorch's TypeError. Otherwise the op as Python's operators and the check language mean it: the number moves last
    (`2 - x`: rsub(x, 2); `2 + x`: add(x, 2)).
    """
    name, arity, names = sig.name, sig.arity, sig.params

    # torch's functions take a Tensor first: add/sub/mul/div wrap a number (`number_input`), pow has a Number-self
    # overload, and where's condition is left as the library has always taken it (`tensor_first`)
    tensor_first = function and not method and sig.tensor_first and not sig.number_input
    sizes_first = len(names) == 1 and _ops.kind_of(names[0]) == "shape"  # view, expand, permute: varargs; not full
    variadic = sig.row in OPS and OPS[sig.row].variadic
    tensor_first = tensor_first and not variadic

    def general(*args, **params):
        if variadic:
            _tensor_list(spelling, args)
        if function and sig.dim_row and "keepdim" in params and "dim" not in params and len(args) <= arity:
            raise TypeError(no_overload(spelling, name, args[method:], params, method))
        if tensor_first and args and type(args[0]) is not Tensor:
            if not sig.lists_overloads:
                raise TypeError(not_a_tensor(spelling, args[0]))
            if not (sig.number_self and type(args[1]) is Tensor):  # pow(2, x) is pow's Number-self overload
                raise TypeError(no_overload(spelling, name, args, params, False))
        if checks_where and where_refusal(args):
            raise TypeError(where_refusal(args))
        if sig.keyword_row and keyword_refusal(spelling, sig, args[method:], params, method):
            raise TypeError(keyword_refusal(spelling, sig, args[method:], params, method))
        if refuses_numbers and len(args) > 1 and type(args[1]) is not Tensor:
            raise TypeError(not_a_second_tensor(spelling, name, args[1], method))
        if len(args) > arity:
            if sizes_first:  # x.view(2, 3) or x.view((2, 3)): the sizes as varargs or as one sequence
                rest = args[arity:]
                params[names[0]] = rest[0] if len(rest) == 1 and isinstance(rest[0], (tuple, list)) else rest
            else:
                params.update(zip(sig.positional, args[arity:]))
            args = args[:arity]
        if sizes_first and isinstance(params.get(names[0]), (int, list)):
            params[names[0]] = tuple(params[names[0]]) if isinstance(params[names[0]], list) else (params[names[0]],)
        if params:  # min=None is no bound; dim=None stays, as it picks sum's and mean's dim overload in PyTorch
            params = {k: v for k, v in params.items() if v is not None or k == "dim" or k in sig.keyword_row[:1]}
        op, resolved, params = _ops.resolve(name, args, params, _ndim, function)
        if op.via is not None:
            return op.via(_F, *resolved, **params)
        if function and sig.number_input and Tensor not in (type(resolved[0]), type(resolved[1])):
            return _numbers(op, resolved, params)
        return apply(op, resolved, params)

    front = general
    refuses_numbers = function and sig.tensors_only and arity > 1
    checks_where = function and name == "where"  # torch.where's own TypeError (where_refusal)
    # a `via` row (relu6, softsign) composes others: `general` runs it
    if sig.single and OPS[sig.row].via is None and not variadic:
        row = sig.row

        def front(*args, **params):  # a row without overloads: the row resolve would give, without the call
            if (
                params
                or len(args) != arity
                or tensor_first
                and type(args[0]) is not Tensor
                or refuses_numbers
                and type(args[1]) is not Tensor
                or checks_where
            ):
                return general(*args, **params)
            return apply(OPS[row], args, _NO_PARAMS)

    front.__name__ = front.__qualname__ = sig.name
    front.__doc__ = f"`{sig.name}` from the op table (PyTorch semantics)."
    return front


def _tensor_list(spelling: str, args: tuple) -> None:
    """PyTorch's TypeErrors for cat's and stack's list of tensors."""
    if not args or type(args[0]) not in (list, tuple):
        got = type_name(args[0]) if args else "nothing"
        raise TypeError(f"{spelling}(): argument 'tensors' (position 1) must be tuple of Tensors, not {got}")
    for i, t in enumerate(args[0]):
        if type(t) is not Tensor:
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type_name(t)}")


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


def _internal(op: Op):
    """An internal row's function, for backward rules: its parameters positional after the tensors."""
    arity = op.arity
    return lambda *args: apply(op, args[:arity], dict(zip(op.params, args[arity:])))


# The table's front ops as Python's operators and the check language mean them (its programs run on these), and as
# torch's functions: the library's `diffcheck.sub`, ... and `run`'s `torch.sub`. They differ only on Python numbers.
FUNCTIONS: dict = {}
TORCH_FUNCTIONS: dict = {}
_F = types.SimpleNamespace()  # what a `via` row composes: FUNCTIONS by name
_MADE: dict = {}  # spelling -> the Signature (internal row: the Op) its functions were made from
_METHODS: set = set()  # Tensor's methods made here
_INPLACE: set = set()  # Tensor's in-place methods made here (`exp_`)
_ENGINE = sys.modules[__package__]  # diffcheck.engine: torch's functions are its names too (diffcheck.engine.sin)


def _forget(spelling: str) -> None:
    """A spelling the table no longer has (or has anew): its functions, module name and method go."""
    del _MADE[spelling], FUNCTIONS[spelling]
    if spelling in TORCH_FUNCTIONS:
        del TORCH_FUNCTIONS[spelling]
        _ENGINE.__dict__.pop(spelling, None)
        globals().pop(spelling, None)
    if spelling in _METHODS:
        _METHODS.discard(spelling)
        delattr(Tensor, spelling)
    if spelling + "_" in _INPLACE:
        _INPLACE.discard(spelling + "_")
        delattr(Tensor, spelling + "_")


def _make(spelling: str, made) -> None:
    """A spelling's functions: as the check language means it, as torch's (a module name too) and as a method."""
    _MADE[spelling] = made
    if isinstance(made, Op):
        FUNCTIONS[spelling] = _internal(made)
        return
    FUNCTIONS[spelling] = _front(spelling, made, False)
    TORCH_FUNCTIONS[spelling] = _front(spelling, made, True)
    # diffcheck.engine.sin ... as torch, and this module's name Tensor's own operators call (`x ** 2`: pow)
    setattr(_ENGINE, spelling, TORCH_FUNCTIONS[spelling])
    globals()[spelling] = TORCH_FUNCTIONS[spelling]
    where = _ops.dispatch.SPELLINGS[spelling]
    if where.method:
        _METHODS.add(spelling)
        method = _front(spelling, made, True, method=True)
        setattr(Tensor, spelling, property(method) if where.attribute else method)
        if _has_inplace(made) and not hasattr(Tensor, spelling + "_"):
            _INPLACE.add(spelling + "_")
            setattr(Tensor, spelling + "_", _inplace.method(method))


_NO_INPLACE = frozenset({"maximum", "minimum", "logaddexp"})  # PyTorch's Tensor has no maximum_, logaddexp_ ...


def _has_inplace(sig: _ops.Signature) -> bool:
    """PyTorch's Tensor has `NAME_` for its elementwise differentiable methods but maximum, minimum and logaddexp
    (tests/test_fidelity_engine.py compares the list with torch's)."""
    row = OPS.get(sig.row)
    return row is not None and row.elementwise and bool(row.grad_fn) and sig.name not in _NO_INPLACE


def _sync() -> None:
    """Follow the table (called again whenever it changes): every row's node class, every spelling's functions
    and Tensor method, every internal row's function for backward rules; what left the table goes."""
    for name in [name for name in _NODE_CLASSES if name not in OPS]:
        del _NODE_CLASSES[name]
    for op in OPS.values():
        if op.via is None:  # a `via` row makes the nodes of the rows it composes
            node_class(op)
    _kept.cache_clear()
    wanted = {**_ops.SIGNATURES, **{op.name: op for op in OPS.values() if op.internal}}
    for spelling in [s for s, made in _MADE.items() if wanted.get(s) is not made]:
        _forget(spelling)
    for spelling, made in wanted.items():
        if spelling not in _MADE:
            _make(spelling, made)
    _F.__dict__.clear()
    _F.__dict__.update(FUNCTIONS)


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
            if _dtypes._inference_made:
                _dtypes.check_saved(op, (self, other))
            versioned = self._vc is not None or kind is Tensor and other._vc is not None  # counting in-place changes
            if versioned:
                _views.fresh((self, other))  # a view's grad_fn is current before it is an edge, and older than the node
            node = cls()
            seq = _next_seq()
            node.op, node.seq = op, seq
            node._x = node._mark = None
            if versioned:
                record(node, (self, other))
            node.e0 = (self._node or self) if ra else self
            node.e1 = ((other._node or other) if rb else other) if kind is Tensor else None
            if type(out) is _ndarray:
                _keep(node, op, out, (da, db))
            else:
                node.out, node.d0, node.d1 = out, da, db
            if seq < _deep.below and node._x is None:  # a deep graph: out of the collector's way (untracked.py)
                _deep.untrack(node)
            t = _new(Tensor)
            t.data, t._requires_grad, t._node = out, True, node
            t._grad, t._retains_grad, t._vc = None, False, None
            return t
        return Tensor(out)

    method.__name__ = method.__qualname__ = f"__{name.replace('div', 'truediv')}__"
    return method


_sync()
_ops.subscribe(_sync)
for _symbol in ("+", "-", "*", "/"):  # the rows of these operators have no overload between two tensors
    _name = _ops.dispatch.BINARY[_symbol]
    setattr(Tensor, f"__{_name.replace('div', 'truediv')}__", _operator(_name, _ops.dispatch.PYTHON[_symbol]))
# `2 + x` and `2 * x` are x.__radd__(2) and x.__rmul__(2): torch.add(x, 2) and torch.mul(x, 2), x first as in PyTorch
Tensor.__radd__, Tensor.__rmul__ = Tensor.__add__, Tensor.__mul__
