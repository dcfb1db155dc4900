"""The rows' `sym` forms on symengine (SymPy's C++ core), and mpmath plans that evaluate its expressions.

A row's `sym` takes SymPy's namespace as `sp`; `SHIM` is the part of it the rows use, on symengine. symengine always
evaluates (`x**2/x` is `x`), so its expressions serve derivatives, whose values need not follow the user's writing;
the value as written is computed op by op (`Written`), each op's form on its own arguments. Anything symengine lacks
(a row's own `sp.Function`, an attribute the shim has not) raises `Unserved`: the case goes to SymPy.
"""

from __future__ import annotations

import operator
from fractions import Fraction
from typing import Callable, Mapping, Optional

import mpmath
import numpy as np

import symengine as se

from .. import ops
from ..errors import DiffcheckError
from ..exact import add_all, first_branch, multiply_all, postorder, run_steps
from ..lang.indices import UNDECIDED, literal_indices, subscript
from ..lang.lower import number_params, numbers_alone, run, tuple_arguments


class Unserved(Exception):
    """symengine cannot serve this case or point: SymPy does it."""


def _plain(function):
    """`function` without SymPy's `evaluate=` keyword (symengine always evaluates)."""
    return staticmethod(lambda *args, evaluate=True: function(*args))


def _piecewise_abs(x):
    # d/dx |u| as a Piecewise symengine can differentiate; at u = 0 (a kink: the engine reports it) SymPy takes over
    return se.Piecewise((x, x >= 0), (-x, True))


def _piecewise_sign(x):
    return se.Piecewise((1, x > 0), (-1, x < 0), (0, True))


class _Shim:
    """SymPy's namespace as the rows' `sym` forms use it, on symengine; a missing name raises `Unserved`."""

    Add, Mul, Pow = _plain(se.Add), _plain(se.Mul), _plain(se.Pow)
    Abs, sign = _plain(_piecewise_abs), _plain(_piecewise_sign)
    Piecewise, And, Or, Not = (staticmethod(f) for f in (se.Piecewise, se.And, se.Or, se.Not))
    Eq = Equality = staticmethod(se.Eq)
    Ne = Unequality = staticmethod(se.Ne)
    StrictGreaterThan, GreaterThan = staticmethod(se.Gt), staticmethod(se.Ge)
    StrictLessThan, LessThan = staticmethod(se.Lt), staticmethod(se.Le)
    Integer, pi, nan, E, oo, S = se.Integer, se.pi, se.nan, se.E, se.oo, se.S  # S.Zero: a product with an exact 0
    true, false = se.true, se.false

    @staticmethod
    def Rational(p, q=1):  # noqa: N802 - SymPy's name; p may be a number's text ("0.5"), as SymPy takes it
        exact = Fraction(p) / Fraction(q)
        return se.Rational(exact.numerator, exact.denominator)

    @staticmethod
    def Float(value, digits=15):  # noqa: N802 - SymPy's name; the rows give floats, whose binary value is exact
        return se.RealDouble(float(value))

    @staticmethod
    def sympify(value):
        return to_symengine(value)

    def __getattr__(self, name: str):
        if name in _FUNCTIONS:
            return _plain(getattr(se, name)).__func__
        raise Unserved(f"symengine has no '{name}' here")


_FUNCTIONS = {"exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos", "atan", "atan2", "sqrt"}
_FUNCTIONS |= {"erf", "erfc", "floor", "ceiling", "Max", "Min"}
SHIM = _Shim()


def to_symengine(value):
    """A Python number as SymPy's lowering makes it: an int exactly, a float as the decimal it prints as."""
    if isinstance(value, np.generic):  # an element of an index, a mask or a weight
        value = value.item()
    if isinstance(value, bool):
        return se.true if value else se.false
    if isinstance(value, int):
        return se.Integer(value)
    if isinstance(value, float):
        if value != value:
            return se.nan
        if value in (float("inf"), float("-inf")):
            return se.oo if value > 0 else -se.oo
        exact = Fraction(repr(value))
        return se.Rational(exact.numerator, exact.denominator)
    return value


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def ndim(value):
    return None if is_number(value) else np.ndim(value) if isinstance(value, np.ndarray) else 0


def apply(op, args: list, params: dict):
    """`op`'s form on symengine values (scalars, object arrays, a list of them for cat and stack): a comparison used
    as a number is 1/0; an index or a mask the op takes as one (gather's index, masked_fill's mask) stays as it is."""
    if op.elementwise and not _row_served(op):
        raise Unserved(f"'{op.name}': its form is SymPy's own")
    if op.name != "where":
        kept = {*op.index_args, *op.mask_args}
        args = [a if i in kept else _mask_as_number(a) for i, a in enumerate(args)]
    if op.elementwise:
        if not any(type(a) is np.ndarray for a in args):  # scalars (most calls): no ufunc to make
            return op.sym(SHIM, *args, **params)
        return np.frompyfunc(lambda *a: op.sym(SHIM, *a, **params), len(args), 1)(*args)
    if op.variadic:  # cat, stack: the list of arrays
        return op.sym(SHIM, [np.asarray(to_symengine(a), dtype=object) for a in args[0]], **params)
    return op.sym(SHIM, *[np.asarray(a, dtype=object) if np.ndim(a) else a for a in args], **params)


def _mask_as_number(value):
    if isinstance(value, np.ndarray):
        return np.frompyfunc(_mask_as_number, 1, 1)(value) if value.dtype == object else value
    if type(value).__name__ in _BOOLEAN:
        return se.Piecewise((1, value), (0, True))
    return value


def lower(program, inputs: Mapping, hold: Mapping = {}, point: Optional[dict] = None) -> dict:
    """Every statement's symengine value, as `symbolic.lower` gives SymPy's (but evaluated); a mask subscript decided
    at `point` (symbol -> exact value). What symengine cannot build is `Unserved`: SymPy builds it, or says why not."""

    def call(node, args, params):
        try:
            return _call(node, args, params, point)
        except (DiffcheckError, Unserved):
            raise
        except Exception as error:  # noqa: BLE001 - any other trouble building: SymPy's route says what it is
            raise Unserved(f"'{node.op}': {type(error).__name__}: {error}") from None

    return run(program, inputs, call, hold)


def _call(node, args: list, params: dict, point: Optional[dict]):
    if node.op in ("getitem", "setitem"):
        return subscript(node, args, params["key"], SHIM, lambda index: _decided(node, index, point))
    resolved = resolve(node, args, params)
    if not isinstance(resolved, tuple):
        return resolved
    op, args, params = resolved
    return apply(op, [to_symengine(a) for a in args], params)


def resolve(node, args: list, params: dict):
    """A call's (row, arguments, parameters), as SymPy's lowering resolves it (a float parameter exact, as the
    number it prints as); or its value, for Python numbers alone."""
    args = literal_indices(args)
    row = ops.OPS.get(ops.FRONTS[node.op].row)
    tuple_arguments(node, args, row is not None and row.variadic)
    params = number_params(node, params, is_number)
    try:
        resolved = ops.resolve(node.op, tuple(args), params, ndim, node.function)
    except ValueError as error:
        raise DiffcheckError(str(error), node.pos) from None
    if args and all(is_number(a) for a in args):
        return numbers_alone(resolved)
    op, args, params = resolved
    if op.grad_fn:
        params = {name: to_symengine(v) if type(v) is float else v for name, v in params.items()}
    return op, list(args), params


def _decided(node, index, point: Optional[dict]):
    """A subscript's tensor as NumPy, each element decided at `point` (as symbolic._decided decides SymPy's)."""
    if not isinstance(index, np.ndarray) and not isinstance(index, se.Basic) or np.asarray(index).dtype.kind in "biu":
        return np.asarray(index)  # a number, or an input of integers (bools): an index (a mask) as given
    flat = np.asarray(index, dtype=object).reshape(-1)
    if point is not None:
        flat = [e.xreplace(point) if isinstance(e, se.Basic) else e for e in flat]
    if all(e in (se.true, se.false, True, False) for e in flat):
        return np.asarray([bool(e) for e in flat], dtype=bool).reshape(np.shape(index))
    if all(isinstance(e, se.Integer) for e in flat):
        return np.asarray([int(e) for e in flat], dtype=np.int64).reshape(np.shape(index))
    raise DiffcheckError(UNDECIDED, node.pos)


def symbols(name: str, shape: tuple):
    """Symbols named as SymPy's side names them: `name` for a scalar, `name[i,j]` per element of a tensor."""
    if shape == ():
        return se.Symbol(name)
    array = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        array[index] = se.Symbol(f"{name}[{','.join(map(str, index))}]")
    return array


def flat(value) -> list:
    return np.asarray(value, dtype=object).reshape(-1).tolist()


def total(value):
    """The scalar backward differentiates: the output, or the sum of a tensor's elements."""
    return se.Add(*flat(value)) if isinstance(value, np.ndarray) else to_symengine(value)


def _row_served(op) -> bool:
    """Whether an elementwise row's form is symengine's through and through, tried once per row on symbols. A row's
    own `sp.Function` (the rounding rows'), cached once SymPy's side has built it, makes a SymPy object, which
    symengine wraps as a Python callback its differentiation must not reach."""
    known = _SERVED.get(op.name)
    if known is None:
        try:
            args = [se.Symbol(f"_a{i}") for i in range(op.arity)]
            if op.name == "where":  # its condition is a relation
                args[0] = se.Ne(args[0], 0)
            form = op.sym(SHIM, *args)
            kinds = [type(e).__name__ for e in postorder([to_symengine(form)]) if not isinstance(e, se.Rational)]
            known = _SERVED[op.name] = all(kind in _KNOWN for kind in kinds)
        except (Unserved, TypeError, ValueError, RuntimeError, AttributeError):
            known = _SERVED[op.name] = False
    return known


_SERVED: dict = {}
ops.subscribe(_SERVED.clear)


def plan(exprs: list, syms: list, as_written: bool = False, order: Optional[list] = None) -> Callable[..., list]:
    """An mpmath function of `syms`' values returning `exprs`' values, each distinct node computed once in order.

    Constants are computed at the caller's working precision. It raises `Unserved` for a node it does not know,
    and mpmath's errors (1/0) where the expressions have a pole. `as_written`: a power of 0 (but to a positive
    integer) raises `Unserved` too: SymPy differentiates b**e as b**e * e/b, 0/0 there, which its value keeps.
    `order`: the expressions' postorder, where the caller has walked it already.
    """
    slots = {s: i for i, s in enumerate(syms)}
    steps: list[tuple[Callable, list[int]]] = []
    for expr in postorder([to_symengine(e) for e in exprs]) if order is None else order:
        if expr in slots:
            continue
        if type(expr).__name__ in ("Derivative", "Subs"):
            raise Unserved("symengine has no derivative here")
        step = _power_of_zero if as_written and type(expr).__name__ == "Pow" and expr.args[0] != se.E else _step(expr)
        slots[expr] = len(syms) + len(steps)
        steps.append((step, [slots[a] for a in expr.args]))
    outputs = [slots[to_symengine(e)] for e in exprs]
    return run_steps(steps, outputs)


def _step(expr) -> Callable:
    kind = type(expr).__name__
    if isinstance(expr, se.Rational):  # Integer, Rational and their singletons (Zero, One, Half ...)
        p, q = (int(v) for v in expr.get_num_den())
        return lambda: mpmath.mpf(p) / q
    if kind == "RealDouble":
        number = float(expr)
        return lambda: mpmath.mpf(number)
    if kind == "RealMPFR":
        text = str(expr)
        return lambda: mpmath.mpf(text)
    if kind == "Pow" and expr.args[0] == se.E:
        return lambda base, exponent: mpmath.exp(exponent)
    if kind == "Symbol":
        raise Unserved(f"a symbol '{expr}' that is not an input")
    function = _CONSTANTS.get(kind) or _CORE.get(kind)
    if function is None:
        raise Unserved(f"no mpmath function for symengine's {kind}")
    return function


def _power_of_zero(base, exponent):
    if base == 0 and not (exponent > 0 and exponent == int(exponent)):
        raise Unserved("a power of 0, whose derivative SymPy writes as 0/0")
    return base**exponent


def _compare(relation):
    def compare(a, b):
        if isinstance(a, mpmath.mpc) or isinstance(b, mpmath.mpc):
            raise TypeError("a comparison off the real line")
        return relation(a, b)

    return compare


_CONSTANTS = {
    "Pi": lambda: +mpmath.pi,
    "Exp1": lambda: +mpmath.e,
    "Infinity": lambda: mpmath.inf,
    "NegativeInfinity": lambda: -mpmath.inf,
    "NaN": lambda: mpmath.nan,
    "BooleanTrue": lambda: True,
    "BooleanFalse": lambda: False,
}
_BOOLEAN = {"StrictLessThan", "LessThan", "Equality", "Unequality", "And", "Or", "Not", "BooleanTrue", "BooleanFalse"}
_CORE = {
    "Add": add_all,
    "Mul": multiply_all,
    "Pow": lambda base, exponent: base**exponent,
    "Piecewise": first_branch,
    "StrictLessThan": _compare(operator.lt),
    "LessThan": _compare(operator.le),
    "Equality": operator.eq,
    "Unequality": operator.ne,
    "And": lambda *a: all(a),
    "Or": lambda *a: any(a),
    "Not": operator.not_,
    "Abs": abs,
    "sign": mpmath.sign,
    "floor": mpmath.floor,
    "ceiling": mpmath.ceil,
    "atan2": mpmath.atan2,
    "Max": lambda *a: max(a),
    "Min": lambda *a: min(a),
}
_CORE.update(
    {name: getattr(mpmath, name) for name in ("exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh", "erf", "erfc")}
)
_CORE.update({"asin": mpmath.asin, "acos": mpmath.acos, "atan": mpmath.atan})
_KNOWN = {*_CONSTANTS, *_CORE, "RealDouble", "RealMPFR", "Symbol"}
