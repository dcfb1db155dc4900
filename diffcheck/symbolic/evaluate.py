"""SymPy's expressions valued at a point: by mpmath at 30 digits where it can, exactly by SymPy where it cannot."""

from __future__ import annotations

import math
import operator
from typing import Callable, Optional

import mpmath
import numpy as np
import sympy as sp
from sympy.functions.elementary.piecewise import ExprCondPair

from .. import ops
from ..exact import Exact, add_all, first_branch, multiply_all, postorder, run_steps
from .powers import power_fits, substitute, substitute_taken

DIGITS = 30


def canonical(exprs: list) -> list:
    """`exprs` rebuilt with SymPy's automatic evaluation, bottom-up: derivatives, whose values need not follow the
    user's writing, are evaluated in SymPy's canonical form.

    What `expr.replace(is Add/Mul/Pow, rebuild)` gives, but each distinct subexpression is rebuilt once: `replace`
    walks the tree, and a derivative of a nested program shares its subtrees so often that the walk does not end.
    """
    done: dict = {}
    for expr in postorder(exprs):
        args = tuple(done[a] for a in expr.args)
        if isinstance(expr, sp.Pow):
            power_fits(*args)
        rebuilt = expr.func(*args) if args != expr.args else expr
        if isinstance(rebuilt, (sp.Add, sp.Mul, sp.Pow)):
            rebuilt = rebuilt.func(*rebuilt.args)
        done[expr] = rebuilt
    return [done[e] if isinstance(e, sp.Basic) else e for e in exprs]


class Evaluator:
    """`exprs` as functions of `syms`, evaluated at 30 digits: by mpmath where it can (`mp_function`), exactly by
    SymPy at poles, off the real line, at non-finite points, or for a node mpmath does not know.

    `as_written` values (the forward output) keep the user's structure, so `x**2/x` is nan at 0 as on the engine.
    Derivatives are valued in SymPy's canonical form; where the form `diff` returned is finite that is the same value,
    so the canonical form is only built (it costs as much again as evaluating) where it is not: a 0/0 to cancel.
    """

    def __init__(self, exprs: list, syms: list, as_written: bool = False):
        self.syms, self.as_written = list(syms), as_written
        self.exprs = [sp.sympify(e) for e in exprs]
        self.function = mp_function(self.exprs, self.syms)
        self.canonical: Optional[Evaluator] = None

    def __call__(self, values: list) -> list[Exact]:
        quick = self._mpmath(values)
        if self.as_written:
            if quick is not None:
                return quick
            # 30-digit Floats, not exact Rationals: Rational(0.5) ** Rational(1e300) would compute a number with
            # 1e300 digits, while SymPy still gives zoo, nan and I for Floats at poles and off the real line.
            at = {s: sp.Float(float(v), DIGITS) for s, v in zip(self.syms, values)}
            return [_exactly(e, at) for e in self.exprs]
        if quick is not None and all(v.is_finite for v in quick):
            return quick
        if self.canonical is None:
            try:
                self.canonical = Evaluator(canonical(self.exprs), self.syms, as_written=True)
            except (TypeError, ValueError):  # SymPy compares nan/zoo while rebuilding (0/0 built in): keep as it is
                self.canonical = Evaluator(self.exprs, self.syms, as_written=True)
        return self.canonical(values)

    def _mpmath(self, values: list) -> Optional[list[Exact]]:
        if self.function is None or not all(math.isfinite(v) for v in values):
            return None
        try:
            with mpmath.workdps(DIGITS):
                return [_classify_mp(v) for v in self.function(*[mpmath.mpf(float(v)) for v in values])]
        except (ZeroDivisionError, ValueError, TypeError, OverflowError):
            return None  # a pole or a comparison off the real line: SymPy says which (zoo, nan, complex)


def mp_function(exprs: list, syms: list) -> Optional[Callable[..., list]]:
    """A function of mpmath values for `syms` returning the values of `exprs`, or None if a node is not known here.

    Each distinct subexpression is one step, computed once, in an order where its arguments come first: nothing is
    rebuilt (SymPy's cse and lambdify's printing rebuild unevaluated nodes with evaluation: cse([Mul(x, x,
    evaluate=False), 2*x]) gives [x*x, x**2]), depth costs no stack, and there is no code to compile. It raises
    where SymPy has a pole (1/0, log(0)): the caller then asks SymPy. Piecewise branches are all computed, so a pole
    in a branch not taken sends the point to SymPy too.
    """
    slots = {s: i for i, s in enumerate(syms)}
    steps: list[tuple[Callable, list[int]]] = []
    for expr in postorder(exprs):
        if expr in slots or isinstance(expr, ExprCondPair):  # an input; a Piecewise branch, read by its Piecewise
            continue
        step = _step(expr)
        if step is None:
            return None
        args = [
            slots[a]
            for a in (
                expr.args if not isinstance(expr, sp.Piecewise) else [part for pair in expr.args for part in pair.args]
            )
        ]
        slots[expr] = len(syms) + len(steps)
        steps.append((step, args))
    outputs = [slots[e] for e in exprs]
    return run_steps(steps, outputs)


def _step(expr) -> Optional[Callable]:
    """How mpmath computes one node from its arguments' values (numbers at the working precision), or None."""
    if isinstance(expr, sp.Rational):
        p, q = int(expr.p), int(expr.q)
        return lambda: mpmath.mpf(p) / q
    if isinstance(expr, sp.Float):
        return lambda: mpmath.mpf(expr._mpf_)
    constant = _MP_CONSTANTS.get(expr)
    if constant is not None:
        return lambda: +constant()
    function = _mp_functions().get(type(expr))
    return function if function is not None and expr.args else None


def _heaviside(x, at_zero):
    return at_zero if x == 0 else mpmath.mpf(x > 0)


_MP_CONSTANTS = {
    sp.pi: lambda: mpmath.pi,
    sp.E: lambda: mpmath.e,
    sp.oo: lambda: mpmath.inf,
    -sp.oo: lambda: -mpmath.inf,
    sp.nan: lambda: mpmath.nan,
    sp.true: lambda: True,
    sp.false: lambda: False,
}
# SymPy's arithmetic and logic, and the functions its derivatives bring in; each row's own function is its `mp`
_MP_CORE = {
    sp.Add: add_all,
    sp.Mul: multiply_all,
    sp.Pow: lambda base, exponent: power_fits(base, exponent) and base**exponent,
    sp.sign: mpmath.sign,
    sp.Heaviside: _heaviside,
    sp.Piecewise: first_branch,
    sp.StrictGreaterThan: operator.gt,
    sp.GreaterThan: operator.ge,
    sp.StrictLessThan: operator.lt,
    sp.LessThan: operator.le,
    sp.Equality: operator.eq,
    sp.Unequality: operator.ne,
    sp.And: lambda *a: all(a),
    sp.Or: lambda *a: any(a),
    sp.Not: operator.not_,
}
_MP_FUNCTIONS: dict = {}


def _mp_functions() -> dict:
    """SymPy function class → mpmath function: the core, and every row's `mp` for the class its `sym` applies
    (found by applying it to symbols). Built on first use and again after the table changes."""
    if not _MP_FUNCTIONS:
        _MP_FUNCTIONS.update(_MP_CORE)
        for op in ops.OPS.values():
            if op.mp is not None and op.mp != ops.SYMPY_ONLY and op.elementwise:
                form = op.sym(sp, *(sp.Symbol(f"a{i}", real=True) for i in range(op.arity)))
                function = getattr(mpmath, op.mp) if isinstance(op.mp, str) else op.mp
                _MP_FUNCTIONS.setdefault(type(form), function if op.arity == 1 else _real_operands(function))
    return _MP_FUNCTIONS


def _real_operands(function: Callable) -> Callable:
    """`function` where a complex operand raises ValueError: mpmath's functions of two arguments (atan2) are defined
    on the reals only and fail inside on an mpc (`atan2(asin(x), y)` at x = 1.3), so SymPy says what it is there."""

    def real_only(*args):
        if any(isinstance(a, mpmath.mpc) for a in args):
            raise ValueError("an operand off the real line")
        return function(*args)

    return real_only


ops.subscribe(_MP_FUNCTIONS.clear)


def _exactly(expr, at: dict) -> Exact:
    try:
        return _classify_exact(_substituted(expr, at))
    except TypeError:  # a Piecewise condition comparing zoo or a complex number: undefined on the real line
        return Exact("nan")
    except ValueError:  # Max/Min of nan or zoo ("not comparable"): undefined there too
        return Exact("nan")
    except (MemoryError, OverflowError, RecursionError):  # SymPy's numbers blew up (exp of 1e16 where mpmath failed)
        return Exact("nan")


def _substituted(expr, at: dict):
    """`expr` at `at`; where valuing every branch fails, valuing only the branches taken (`substitute_taken`)."""
    try:
        return substitute(expr, at)
    except (TypeError, ValueError):
        return substitute_taken(expr, at)


def compile_as_written(expr, syms: list):
    """An mpmath function of `syms` computing `expr` as written (for one-sided and central differences).

    Planned on first use (most checks never need it); where mpmath cannot compute it, SymPy evaluates it at the
    working precision instead.
    """
    syms = list(syms)
    planned = []

    def value(*values):
        if not planned:
            planned.append(mp_function([expr], syms))
        if planned[0] is not None:
            return planned[0](*values)[0]
        number = sp.N(substitute(expr, {s: sp.Float(v, mpmath.mp.dps) for s, v in zip(syms, values)}), mpmath.mp.dps)
        if not number.is_real:
            raise ValueError("not a real number")
        return mpmath.mpf(str(number))

    return value


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
