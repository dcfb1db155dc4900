"""Kinks and singular points: where the program meets them, one-sided derivatives, and a numeric third opinion.

At a kink (abs/relu at 0, a maximum tie, a clamp bound) the derivative does not exist; PyTorch picks a convention
(relu'(0) = 0) and SymPy another (Heaviside(0) = 1/2), and both are valid subgradients if they lie between the
one-sided derivatives. At a pole or off the real domain PyTorch gives ±inf/nan where SymPy gives zoo or a complex
number. These are labelled differences, not failures — unless the engine's value is outside what the maths allows.

Where a power meets an indeterminate form with a non-finite operand (1**inf, 1**nan, (-1)**inf, inf**0, nan**0) IEEE 754
defines the value as 1 and PyTorch follows it, while SymPy leaves the form undefined (nan): also a labelled difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable, Optional

import mpmath
import numpy as np

from .. import ops
from ..lang.program import Apply, Program, Var, walk
from .run import is_number

ONE_SIDED_DIGITS = 60
STEP = mpmath.mpf("1e-25")  # far below float64 resolution, far above 60-digit noise


@dataclass(frozen=True)
class Hit:
    """One op of the program evaluated at one of its special points."""

    op: str  # the row's name, e.g. "relu"
    kind: str  # "kink" | "singular" | "indeterminate" | "overflow"
    where: str  # the node's position in the source, e.g. "1:1"
    convention: str
    depends: frozenset = frozenset()  # the inputs and named tensors the node's value depends on
    bound: float = 0.0  # a rounding hit's relative error (ops.Op.rounded)
    undefined: bool = False  # a singular hit where the op's own value is not finite (0 % 0), not only its derivative


def special_points(op: ops.Op, datas: list, params: dict, where: str, depends: frozenset) -> list[Hit]:
    """The kinds of special point `op` sits on for these argument values (elementwise, any element counts)."""
    hits = []
    rounded = op.rounded(*datas, **params) if callable(op.rounded) else op.rounded
    if rounded is not None:  # everywhere the op runs: its rounded constant reaches every gradient through it
        hits.append(Hit(op.name, "rounding", where, rounded[1], depends, rounded[0]))
    if op.conditioned is not None:
        hits.extend(_ill_conditioned(op, datas, where, depends))
    for kind, test in (("kink", op.kink), ("singular", op.singular)):
        if test is not None:
            with np.errstate(all="ignore"):
                if np.any(test(*datas, **params)):
                    hits.append(Hit(op.name, kind, where, op.convention, depends))
    if op.power is not None:
        base, exponent = np.broadcast_arrays(*(np.asarray(datas[i], dtype=float) for i in op.power))
        found = np.flatnonzero(ops.indeterminate_power(base, exponent))
        if found.size:
            b, e = base.flat[found[0]], exponent.flat[found[0]]
            hits.append(
                Hit(
                    op.name,
                    "indeterminate",
                    where,
                    f"IEEE 754 defines pow({b:g}, {e:g}) = 1, as PyTorch; "
                    "SymPy leaves this indeterminate form undefined (nan)",
                    depends,
                )
            )
    return hits


ILL_ULPS = 16  # the argument's own rounding, grown by the float64 ops before it (float32's tolerance is 16 ulps too)
ILL_FROM = 1e-13  # below this the grown rounding cannot reach a tolerance: no hit


def _ill_conditioned(op: ops.Op, datas: list, where: str, depends: frozenset) -> list[Hit]:
    """An `ill-conditioned` hit where the op's condition number at the engine's float64 argument grows that
    argument's rounding (ILL_ULPS ulps) past ILL_FROM; its bound is the relative error that may give."""
    kappa = op.conditioned(*datas)
    bound = kappa * ILL_ULPS * float(np.finfo(np.float64).eps)
    if not bound > ILL_FROM:
        return []
    convention = (
        f"its float64 argument's rounding ({ILL_ULPS} ulps) grows {kappa:.3g} times in its value and derivative "
        "(condition number |x f'(x)/f(x)|, |x f''(x)/f'(x)|)"
    )
    return [Hit(op.name, "ill-conditioned", where, convention, depends, bound)]


def found(applied: list, program: Program, value: Callable) -> list[Hit]:
    """The special points the program's ops sit on, from each op's row and the forward values `value` reads of its
    arguments and result: `applied` holds (node, row, arguments, parameters, result) per op, in the order they ran.
    A non-finite result from finite arguments, where the row declares no special point, is a float64 overflow.
    What each hit depends on is worked out only for the ops that have one (most programs: none)."""
    below: dict = {}
    closure: Optional[dict] = None
    hits = []
    for node, op, args, params, result in applied:
        if op.variadic or op.outputs != 1 and op.kink is None and op.singular is None:  # cat, split: no special point
            continue
        datas = [a if a is None or is_number(a) else value(a) for a in args]  # None: clamp(x, min=t)'s absent max
        here = special_points(op, datas, params, str(node.pos), frozenset())
        out_finite = _finite(value(result))
        if not out_finite and any(h.kind == "singular" for h in here):
            here = [replace(h, undefined=True) if h.kind == "singular" else h for h in here]
        finite_args = all(_finite(d) for d in datas if d is not None)
        if not here and not out_finite and finite_args:
            here = [Hit(op.name, "overflow", str(node.pos), "float64 overflow: the value left the float range")]
        if not here and not finite_args and not any(h.kind in ("overflow", "singular") for h in hits):
            here = _non_finite(op, datas, value(result), str(node.pos), frozenset())  # (else those made the inf)
        if here:
            if closure is None:
                closure, aliases = dependencies(program), _aliases(program)
            depends = names_in(node, closure, below)
            depends = depends.union(*(aliases.get(n, ()) for n in depends))
            hits.extend(replace(h, depends=depends) for h in here)
    return hits


def _finite(value) -> bool:
    """Every element finite (a bool or an integer is): math's test for the scalars most ops see, NumPy's else."""
    if isinstance(value, float):  # Python's floats and NumPy's float64 scalars
        return math.isfinite(value)
    if isinstance(value, int):  # bools too
        return True
    return bool(np.all(np.isfinite(value)))


def _non_finite(op: ops.Op, datas: list, result, where: str, depends: frozenset) -> list[Hit]:
    """An op with a nan or infinite argument: IEEE 754's arithmetic (PyTorch's) against SymPy's limits and
    cancellations: relu(nan)'s mask passes the gradient and softplus' derivative at inf is its limit 1 where SymPy says
    nan (labelled indeterminate); x - x at inf is nan where SymPy cancels it to 0 (labelled overflow: a non-finite
    value on the way)."""
    floats = [
        np.asarray(d, dtype=float)
        for d in datas
        if d is not None and not isinstance(d, (bool, np.bool_)) and not _bools(d)
    ]
    kind = "indeterminate"  # explains SymPy's nan only
    with np.errstate(all="ignore"):
        if all(np.all(np.isfinite(d)) for d in floats):
            return []
        if any(np.any(np.isnan(d)) for d in floats):
            text = "a nan argument has no derivative; PyTorch's rule (its mask or formula) gives the engine's value"
        elif np.any(np.isnan(np.asarray(result, dtype=float))):  # a non-finite value on the way, as an overflow
            kind, text = "overflow", "IEEE 754 makes inf - inf (0 * inf, inf / inf) nan, as PyTorch; SymPy cancels it"
        else:
            text = (
                "an infinite argument: SymPy's derivative is an indeterminate form there (oo/oo, oo - oo), PyTorch's "
                "formula gives a value"
            )
    return [Hit(op.name, kind, where, text, depends)]


def _bools(d) -> bool:
    return np.asarray(d).dtype.kind == "b"


def dependencies(program: Program) -> dict[str, frozenset]:
    """For each statement, every name its value depends on, through earlier statements."""
    closure: dict[str, frozenset] = {}
    for statement in program.statements:
        closure[statement.name] = names_in(statement.value, closure)
    return closure


def _aliases(program: Program) -> dict[str, frozenset]:
    """For each name, the statements that merely rename it (`t2 = y`): their gradient is its gradient, so a special
    point on its path is on theirs."""
    renamed: dict[str, set] = {}
    for statement in program.statements:
        if isinstance(statement.value, Var):
            target = statement.value.name
            renamed.setdefault(target, set()).add(statement.name)
            for names in renamed.values():  # a rename of a rename
                if target in names:
                    names.add(statement.name)
    return {name: frozenset(names) for name, names in renamed.items()}


def names_in(expr, closure: dict, below: Optional[dict] = None) -> frozenset:
    """The names `expr` reads, and what they depend on. `below` (id of a node -> the names read under it) is filled
    and reused: the ops of a program nested n deep would otherwise walk n subtrees of up to n nodes each."""
    names = _read(expr, below) if below is not None else {node.name for node in walk(expr) if isinstance(node, Var)}
    return frozenset(names.union(*(closure.get(n, frozenset()) for n in names)))


def _read(expr, below: dict) -> frozenset:
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in below:
            continue
        children = (*node.args, *(v for _, v in node.params)) if isinstance(node, Apply) else ()
        if isinstance(node, Var):
            below[id(node)] = frozenset((node.name,))
        elif ready or not children:
            below[id(node)] = frozenset().union(*(below[id(c)] for c in children))
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children)
    return below[id(expr)]


def one_sided(function: Callable, values: list, index: int) -> Optional[tuple[float, float]]:
    """Left and right difference quotients of `function` in argument `index`, at 60 digits; None if not finite."""
    left, right = sides(function, values, index)
    return None if left is None or right is None else (left, right)


def sides(function: Callable, values: list, index: int) -> tuple[Optional[float], Optional[float]]:
    """Left and right difference quotients of `function` in argument `index`, at 60 digits, each None where it is
    not finite: off the real line, or where the function is not defined at the point itself (both None)."""
    with mpmath.workdps(ONE_SIDED_DIGITS):
        args = [mpmath.mpf(v) for v in values]
        try:
            centre = _real(function(*args))
        except (ZeroDivisionError, ValueError, TypeError, OverflowError):
            return None, None
        if not mpmath.isfinite(centre):
            return None, None
        return _quotient(function, args, index, centre, -STEP), _quotient(function, args, index, centre, STEP)


def _quotient(function: Callable, args: list, index: int, centre, step) -> Optional[float]:
    moved = list(args)
    moved[index] += step
    try:
        quotient = (_real(function(*moved)) - centre) / step
    except (ZeroDivisionError, ValueError, TypeError, OverflowError):
        return None
    return float(quotient) if mpmath.isfinite(quotient) else None


def central(function: Callable, values: list, index: int) -> Optional[float]:
    """A high-precision central difference (mpmath.diff): the numeric opinion shown with --numeric."""
    with mpmath.workdps(30):
        args = [mpmath.mpf(v) for v in values]

        def along(t):
            moved = list(args)
            moved[index] = t
            return _real(function(*moved))

        try:
            value = mpmath.diff(along, args[index])
        except (ZeroDivisionError, ValueError, TypeError, OverflowError):
            return None
        return float(value) if mpmath.isfinite(value) else None


def _real(value):
    if isinstance(value, mpmath.mpc):
        if value.imag != 0:
            raise ValueError("complex")
        return value.real
    return mpmath.mpf(value)
