"""Powers SymPy and mpmath could not compute in memory, refused before they are tried; substitution that checks
each one."""

from __future__ import annotations

import math
from typing import Optional

import mpmath
import sympy as sp
from sympy.logic.boolalg import ITE

from ..errors import LimitError
from ..exact import postorder

# Powers SymPy and mpmath would compute without end: an exact base to an exponent of 10**300 has 10**300 digits, and
# mpmath turns an integral exponent into a Python integer (3 ** 3 ** 3 ** 27 as written needs one of 10**12 bits).
EXACT_POWER_BITS = 2**22  # bits of an exact power's result (1.3 million digits, milliseconds to compute)
EXPONENT_BITS = 4096  # bits of a floating exponent's integer part (1e1233)


def power_fits(base, exponent) -> bool:
    """True, or a LimitError when `base ** exponent` (numbers: SymPy's or mpmath's) could not be computed in memory.

    A base of 0 or ±1 and a symbolic operand always fit; an exact base and exponent fit while the result has at most
    `EXACT_POWER_BITS` bits; a floating one while the exponent's magnitude has at most `EXPONENT_BITS` bits."""
    if isinstance(base, sp.Basic) and not base.is_Number or isinstance(exponent, sp.Basic) and not exponent.is_Number:
        return True
    magnitude = _bits(exponent)
    if isinstance(base, sp.Rational) and isinstance(exponent, sp.Rational):
        size = max(abs(int(base.p)), int(base.q))
        if size <= 1 or magnitude + math.log2(max(size.bit_length(), 1)) <= math.log2(EXACT_POWER_BITS):
            return True
    elif magnitude <= EXPONENT_BITS:
        return True
    raise LimitError(
        f"a power with an exponent of about 2**{magnitude} is too large to compute exactly (its result cannot fit "
        "in memory)"
    )


def _bits(number) -> int:
    """log2 of |number|, rounded up (0 for zero, inf and nan)."""
    try:
        if isinstance(number, sp.Rational):
            return max(abs(int(number.p)).bit_length() - int(number.q).bit_length() + 1, 0)
        value = mpmath.mpf(number._mpf_) if isinstance(number, sp.Float) else number
        if isinstance(value, mpmath.mpf) and mpmath.isfinite(value) and value:
            return max(int(mpmath.mag(value)), 0)
    except (TypeError, ValueError, AttributeError):  # a complex or an infinite SymPy number: nothing to compute
        pass
    return 0


def substitute(expr, at: dict):
    """`expr.xreplace(at)`, rebuilt bottom-up (each distinct subexpression once, no recursion), with every power
    checked by `power_fits` before SymPy evaluates it."""
    done: dict = {}
    for node in postorder([expr]):
        if node in at:
            done[node] = at[node]
            continue
        args = tuple(done[a] for a in node.args)
        if isinstance(node, sp.Pow):
            power_fits(*args)
        done[node] = node.func(*args) if args != node.args else node
    return done[expr] if isinstance(expr, sp.Basic) else expr


def substitute_taken(expr, at: dict, done: Optional[dict] = None):
    """`substitute`, but a Piecewise or an ITE values its conditions first and only the branch they take.

    SymPy folds a comparison into each branch of an inner Piecewise (`maximum(x / hardsigmoid(x), y)` holds
    `y < zoo*x` for the branch x <= -3), so valuing every branch compares nan (`zoo*0`) at x = 0, where that
    branch is not taken. Recursive: for the points where `substitute` raised.
    """
    done = {} if done is None else done
    if expr in done:
        return done[expr]
    if expr in at:
        value = at[expr]
    elif isinstance(expr, sp.Piecewise):
        value = next((substitute_taken(v, at, done) for v, c in expr.args if _holds(c, at, done)), sp.nan)
    elif isinstance(expr, ITE):
        condition, then, otherwise = expr.args
        value = substitute_taken(then if _holds(condition, at, done) else otherwise, at, done)
    elif not expr.args:
        value = expr
    else:
        args = tuple(substitute_taken(a, at, done) for a in expr.args)
        if isinstance(expr, sp.Pow):
            power_fits(*args)
        value = expr.func(*args) if args != expr.args else expr
    done[expr] = value
    return value


def _holds(condition, at: dict, done: dict) -> bool:
    value = substitute_taken(condition, at, done)
    if value not in (sp.true, sp.false):
        raise TypeError(f"a condition undecided at the point: {value}")
    return value is sp.true
