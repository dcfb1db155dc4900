"""Program → SymPy: the op table's `sym` forms, differentiated by SymPy itself, evaluated exactly or at 30 digits
(evaluate.py; powers.py keeps SymPy's and mpmath's powers computable).

Symbols are built directly (`Symbol(name, real=True)`), never parsed from text, so `E`, `I` or `beta` are ordinary
variables. Arithmetic is built unevaluated, so SymPy differentiates the expression the user wrote (`x**2/x` stays a
quotient and is nan at 0, as the engine's is), not an auto-simplified one.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Optional

import numpy as np
import sympy as sp

from .. import ops
from ..errors import DiffcheckError, LimitError
from ..exact import Exact
from ..lang.indices import UNDECIDED, literal_indices, subscript
from ..lang.lower import number_params, numbers_alone, run, tuple_arguments
from ..lang.program import Program
from .evaluate import DIGITS, Evaluator, canonical, compile_as_written, mp_function
from .powers import power_fits, substitute

__all__ = ["DIGITS", "Evaluator", "Exact", "canonical", "compile_as_written", "mp_function", "power_fits", "substitute"]


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


def _call(node, args: list, params: dict, point: Optional[dict] = None):
    if node.op in ("getitem", "setitem"):
        return subscript(node, args, params["key"], sp, lambda index: _decided(node, index, point))
    args = literal_indices(args)
    row = ops.OPS.get(ops.FRONTS[node.op].row)
    tuple_arguments(node, args, row is not None and row.variadic)
    params = number_params(node, params, _is_number)
    try:
        resolved = ops.resolve(node.op, tuple(args), params, _ndim, node.function)
    except ValueError as error:
        raise DiffcheckError(str(error), node.pos) from None
    if args and all(_is_number(a) for a in args):  # Python numbers stay numbers, exactly as on the engine side
        return numbers_alone(resolved)
    op, args, params = resolved
    if op.grad_fn:  # a creation row (full's fill value) computes its constant from the number as written
        params = exact_params(params)
    symbolic = [_to_sym(a) for a in args]
    if op.name != "where":  # a mask in arithmetic counts as 1/0, as a bool tensor does in PyTorch
        kept = {*op.index_args, *op.mask_args}  # an index or a mask the op takes as one
        symbolic = [a if i in kept else _mask_as_number(a) for i, a in enumerate(symbolic)]
    try:
        if op.elementwise:
            return np.frompyfunc(lambda *a: op.sym(sp, *a, **params), len(args), 1)(*symbolic)
        if op.variadic:  # cat, stack: the list of arrays
            return op.sym(sp, [np.asarray(_to_sym(a), dtype=object) for a in symbolic[0]], **params)
        return op.sym(sp, *[np.asarray(a, dtype=object) if np.ndim(a) else a for a in symbolic], **params)
    except (ValueError, IndexError) as error:  # shapes that do not fit (NumPy's message)
        raise DiffcheckError(f"'{node.op}': {error}", node.pos) from None
    except TypeError as error:  # SymPy compared nan or zoo while building: the program is undefined everywhere
        raise DiffcheckError(
            f"SymPy cannot build '{node.op}' here ({error}): the expression is undefined "
            "for every input (0/0 or the like)",
            node.pos,
        ) from None


def _decided(node, index, point: Optional[dict]):
    """A subscript's tensor (a mask) as NumPy, each element decided at `point` (exactly), else refused."""
    if not isinstance(index, np.ndarray) and not isinstance(index, sp.Basic) or np.asarray(index).dtype.kind in "biu":
        return np.asarray(index)  # a number, or an input of integers (bools): an index (a mask) as given
    flat = np.asarray(index, dtype=object).reshape(-1)
    if point is not None:
        flat = [e.xreplace(point) if isinstance(e, sp.Basic) else e for e in flat]
    if all(e in (sp.true, sp.false, True, False) for e in flat):
        return np.asarray([bool(e) for e in flat], dtype=bool).reshape(np.shape(index))
    if all(isinstance(e, sp.Integer) for e in flat):
        return np.asarray([int(e) for e in flat], dtype=np.int64).reshape(np.shape(index))
    raise DiffcheckError(UNDECIDED, node.pos)


def exact_params(params: dict) -> dict:
    """Float parameters (clamp's `max=0.0`) as the exact numbers the arguments are (`_to_sym`): a SymPy Float 0.0
    is not an integer, so `2 * (0.0 * W)` built unevaluated answered `is_even` both ways, in an order set by the hash
    seed (InconsistentAssumptions from `diff` on some seeds)."""
    return {name: _to_sym(value) if type(value) is float else value for name, value in params.items()}


def _mask_as_number(value):
    if isinstance(value, np.ndarray):
        return np.frompyfunc(_mask_as_number, 1, 1)(value)
    if isinstance(
        value, (sp.core.relational.Relational, sp.logic.boolalg.BooleanAtom, sp.logic.boolalg.BooleanFunction)
    ):  # not Boolean: every Symbol is one
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


def lower(
    program: Program, inputs: Mapping[str, Any], hold: Mapping[str, Any] = {}, point: Optional[dict] = None
) -> dict[str, Any]:
    """Every statement's SymPy value (scalar expression or object array), with `hold` names kept as symbols; a mask
    subscript (`x[x > 0]`) decided at `point` (symbol -> exact value), where the program has one."""
    call = _call if point is None else lambda node, args, params: _call(node, args, params, point)
    return run(program, inputs, call, hold)


def at_point(syms: Mapping[str, Any], values: Mapping[str, Any]) -> dict:
    """Each input symbol -> its exact value at `values` (what a mask is decided with)."""
    exact = {}
    for name, array in syms.items():
        for s, v in zip(flat(array), np.asarray(values[name], dtype=float).reshape(-1).tolist()):
            exact[s] = _to_sym(v)
    return exact


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
                raise LimitError(f"the SymPy expressions grew past {limit} nodes (raise it with --max-sympy-nodes)")
            stack.extend(expr.args)


def flat(value) -> list:
    return np.asarray(value, dtype=object).reshape(-1).tolist()


def differentiate(expr, sym) -> sp.Expr:
    """d expr / d sym by SymPy; where its rule for |a| fails, with each such |a| written as a Piecewise.

    SymPy differentiates |a| of an `a` it cannot prove real (a Piecewise of `y/x`, which may be zoo) through re/im
    and `rewrite(sign)`, which writes an inner |b| as b/sign(b): 0/0 = nan for b = x - x, then compared in a
    condition ("Invalid NaN comparison"). Every value here is real off the ops' singular points, so |a| is
    a for a >= 0 and -a below, which SymPy differentiates branch by branch.
    """
    try:
        return sp.diff(expr, sym)
    except (TypeError, ValueError):
        return sp.diff(real_abs(expr), sym)


def real_abs(expr):
    """`expr` with each |a| whose `a` SymPy cannot prove real written as Piecewise((a, a >= 0), (-a, True))."""
    while True:
        unproved = {e for e in expr.atoms(sp.Abs) if not e.args[0].is_extended_real}
        if not unproved:
            return expr
        expr = expr.xreplace({e: sp.Piecewise((e.args[0], e.args[0] >= 0), (-e.args[0], True)) for e in unproved})
