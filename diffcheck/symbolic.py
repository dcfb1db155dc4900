"""Program → SymPy: the op table's `sym` forms, differentiated by SymPy itself, evaluated exactly or at 30 digits.

Symbols are built directly (`Symbol(name, real=True)`), never parsed from text, so `E`, `I` or `beta` are ordinary
variables. Arithmetic is built unevaluated, so SymPy differentiates the expression the user wrote (`x**2/x` stays a
quotient and is nan at 0, as the engine's is), not an auto-simplified one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import mpmath
import numpy as np
import sympy as sp

from . import ops
from .errors import DiffcheckError, LimitError
from .lower import number_params, run
from .program import Program

DIGITS = 30


@dataclass(frozen=True, slots=True)
class Exact:
    """A SymPy value at a point, by kind: finite, inf, -inf, zoo (complex infinity), nan or complex."""

    kind: str
    value: float = math.nan

    @property
    def is_finite(self) -> bool:
        return self.kind == "finite"

    def __str__(self) -> str:
        return repr(self.value) if self.kind == "finite" else self.kind


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _ndim(value) -> Optional[int]:
    return None if _is_number(value) else np.ndim(value) if isinstance(value, np.ndarray) else 0


def _to_sym(value):
    if isinstance(value, bool):
        return sp.true if value else sp.false
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        return sp.Rational(repr(value)) if math.isfinite(value) else sp.Float(value)
    return value


def _call(node, args: list, params: dict):
    params = number_params(node, params, _is_number)
    try:
        op, args, params = ops.resolve(node.op, tuple(args), params, _ndim)
    except ValueError as error:
        raise DiffcheckError(str(error), node.pos) from None
    if all(_is_number(a) for a in args):  # Python numbers stay numbers, exactly as on the engine side
        with np.errstate(all="ignore"):
            return np.asarray(op.forward(*args, **params)).item()
    symbolic = [_to_sym(a) for a in args]
    if op.name != "where":  # a mask in arithmetic counts as 1/0, as a bool tensor does in PyTorch
        symbolic = [_mask_as_number(a) for a in symbolic]
    try:
        if op.elementwise:
            return np.frompyfunc(lambda *a: op.sym(sp, *a, **params), len(args), 1)(*symbolic)
        return op.sym(sp, *[np.asarray(a, dtype=object) if np.ndim(a) else a for a in symbolic], **params)
    except (ValueError, IndexError) as error:  # shapes that do not fit (NumPy's message)
        raise DiffcheckError(f"'{node.op}': {error}", node.pos) from None
    except TypeError as error:  # SymPy compared nan or zoo while building: the program is undefined everywhere
        raise DiffcheckError(f"SymPy cannot build '{node.op}' here ({error}): the expression is undefined "
                             "for every input (0/0 or the like)", node.pos) from None


def _mask_as_number(value):
    if isinstance(value, np.ndarray):
        return np.frompyfunc(_mask_as_number, 1, 1)(value)
    if isinstance(value, (sp.core.relational.Relational, sp.logic.boolalg.BooleanAtom,
                          sp.logic.boolalg.BooleanFunction)):  # not Boolean: every Symbol is one
        return sp.Piecewise((1, value), (0, True))
    return value


def symbols(name: str, shape: tuple):
    """A real Symbol for a scalar; an object array of `name[i,j]` Symbols for a tensor."""
    if shape == ():
        return sp.Symbol(name, real=True)
    array = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        array[index] = sp.Symbol(f"{name}[{','.join(map(str, index))}]", real=True)
    return array


def lower(program: Program, inputs: Mapping[str, Any], hold: Mapping[str, Any] = {}) -> dict[str, Any]:
    """Every statement's SymPy value (scalar expression or object array), with `hold` names kept as symbols."""
    return run(program, inputs, _call, hold)


def scalar_output(value) -> sp.Expr:
    """The scalar that backward differentiates: the output itself, or sum(output) (backward with ones) for a tensor."""
    if isinstance(value, np.ndarray):
        return sp.Add(*value.reshape(-1).tolist())
    return sp.sympify(value) if not isinstance(value, sp.Basic) else value


def within_budget(exprs: list, limit: int) -> None:
    """Refuse expression swell: more than `limit` distinct subexpressions (shared ones count once)."""
    seen: set = set()
    stack = [e for e in exprs if isinstance(e, sp.Basic)]
    while stack:
        expr = stack.pop()
        if expr not in seen:
            seen.add(expr)
            if len(seen) > limit:
                raise LimitError(f"the SymPy expressions grew past {limit} nodes "
                                 "(raise it with --max-sympy-nodes)")
            stack.extend(expr.args)


def flat(value) -> list:
    return np.asarray(value, dtype=object).reshape(-1).tolist()


def canonical(expr):
    """`expr` rebuilt with SymPy's automatic evaluation, bottom-up.

    SymPy's cse mishandles unevaluated nodes (cse([Mul(x, x, evaluate=False), 2*x]) gives [x*x, x**2]), so only
    canonical expressions — derivatives, whose values need not follow the user's writing — go through cse.
    """
    return expr.replace(lambda e: isinstance(e, (sp.Add, sp.Mul, sp.Pow)), lambda e: e.func(*e.args))


class Evaluator:
    """`exprs` as functions of `syms`, evaluated at 30 digits (exactly where mpmath fails).

    Derivatives are made canonical and share common subexpressions (cse); `as_written` values (the forward output)
    keep the user's structure, so `x**2/x` is nan at 0 as on the engine. Compiling with lambdify costs ~10 ms and pays
    off only over many values or points (`compile`); otherwise exact substitution is faster.
    """

    def __init__(self, exprs: list, syms: list, as_written: bool = False, compile: bool = True):
        self.syms, self.as_written = list(syms), as_written
        self.exprs = [sp.sympify(e) for e in exprs]
        if not as_written:
            try:
                self.exprs = [canonical(e) for e in self.exprs]
            except (TypeError, ValueError):  # SymPy compares nan/zoo while rebuilding (0/0 built in): keep, no cse
                self.as_written = True
        self.function = self._compile() if compile else None

    def _compile(self):
        if not self.exprs:
            return None
        try:
            return sp.lambdify(self.syms, self.exprs, modules="mpmath", cse=not self.as_written)
        except (SyntaxError, RecursionError, MemoryError, TypeError, NameError, KeyError, AttributeError):
            return None  # a form the mpmath printer cannot write, or code Python will not compile (> 200 parentheses)

    def __call__(self, values: list) -> list[Exact]:
        if self.function is None:
            # 30-digit Floats, not exact Rationals: Rational(0.5) ** Rational(1e300) would compute a number with 1e300
            # digits, while SymPy still gives zoo, nan and I for Floats at poles and off the real line.
            at = {s: sp.Float(float(v), DIGITS) for s, v in zip(self.syms, values)}
            try:
                return [_exactly(e, at) for e in self.exprs]
            except (MemoryError, OverflowError, RecursionError):  # SymPy's numbers blew up (exp of 1e16): mpmath's won't
                self.function = self._compile()
        if self.function is not None:
            try:
                with mpmath.workdps(DIGITS):
                    return [_classify_mp(v) for v in self.function(*[mpmath.mpf(float(v)) for v in values])]
            except (ZeroDivisionError, ValueError, TypeError, OverflowError, NameError, AttributeError):
                pass
        at = {s: sp.Float(float(v), DIGITS) for s, v in zip(self.syms, values)}
        return [_exactly(e, at, blow_up=Exact("nan")) for e in self.exprs]


def _exactly(expr, at: dict, blow_up=None) -> Exact:
    try:
        return _classify_exact(expr.xreplace(at))
    except TypeError:  # a Piecewise condition comparing zoo or a complex number: undefined on the real line
        return Exact("nan")
    except (MemoryError, OverflowError, RecursionError):
        if blow_up is None:
            raise
        return blow_up


def evaluate(exprs: list, point: Mapping[sp.Symbol, float], as_written: bool = False) -> list[Exact]:
    """Values of `exprs` at `point` (a one-off Evaluator)."""
    return Evaluator(exprs, list(point), as_written)(list(point.values()))


def compile_as_written(expr, syms: list):
    """An mpmath function of `syms` computing `expr` as written (for one-sided and central differences).

    Compiled on first use (most checks never need it); where lambdify cannot write the expression, SymPy evaluates it
    at the working precision instead.
    """
    syms = list(syms)
    compiled = []

    def function(*values):
        if not compiled:
            try:
                compiled.append(sp.lambdify(syms, expr, modules="mpmath"))
            except (SyntaxError, RecursionError, MemoryError, TypeError, NameError, KeyError, AttributeError):
                compiled.append(None)
        if compiled[0] is not None:
            return compiled[0](*values)
        value = sp.N(expr.xreplace({s: sp.Float(v, mpmath.mp.dps) for s, v in zip(syms, values)}), mpmath.mp.dps)
        if not value.is_real:
            raise ValueError("not a real number")
        return mpmath.mpf(str(value))

    return function


def _classify_mp(value) -> Exact:
    if isinstance(value, (bool, np.bool_)):
        return Exact("finite", float(value))
    if isinstance(value, mpmath.mpc) or isinstance(value, complex):
        return Exact("complex") if value.imag != 0 else _classify_mp(mpmath.mpf(value.real))
    if isinstance(value, sp.Basic):
        return _classify_exact(value)
    value = mpmath.mpf(value)
    if mpmath.isnan(value):
        return Exact("nan")
    if mpmath.isinf(value):
        return Exact("inf" if value > 0 else "-inf", float(value))
    return Exact("finite", float(value))


def _classify_exact(value) -> Exact:
    value = sp.sympify(value)
    if value is sp.zoo:
        return Exact("zoo")
    if value is sp.nan:
        return Exact("nan")
    if value in (sp.oo, -sp.oo):
        return Exact("inf" if value is sp.oo else "-inf", float(value))
    number = sp.N(value, DIGITS)
    if number.has(sp.zoo):
        return Exact("zoo")
    if number.has(sp.nan) or not number.is_number:
        return Exact("nan")
    real, imag = number.as_real_imag()
    if imag != 0:
        return Exact("complex")
    return _classify_mp(mpmath.mpf(str(real))) if real.is_finite else Exact("inf" if real > 0 else "-inf", float(real))
