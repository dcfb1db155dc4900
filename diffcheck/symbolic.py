"""Program → SymPy: the op table's `sym` forms, differentiated by SymPy itself, evaluated exactly or at 30 digits.

Symbols are built directly (`Symbol(name, real=True)`), never parsed from text, so `E`, `I` or `beta` are ordinary
variables. Arithmetic is built unevaluated, so SymPy differentiates the expression the user wrote (`x**2/x` stays a
quotient and is nan at 0, as the engine's is), not an auto-simplified one.
"""

from __future__ import annotations

import math
import operator
from typing import Any, Callable, Mapping, Optional

import mpmath
import numpy as np
import sympy as sp
from sympy.functions.elementary.piecewise import ExprCondPair

from . import ops
from .errors import DiffcheckError, LimitError
from .exact import Exact, add_all, first_branch, multiply_all, postorder
from .lang.indices import literal_indices
from .lang.lower import answer_of, number_params, numbers_alone, run, tuple_arguments
from .lang.program import Program

DIGITS = 30


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
        return _subscript(node, args, params["key"], point)
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


def _subscript(node, args: list, spec: tuple, point: Optional[dict]):
    """`x[key]` on an object array of symbols, by the steps the engine takes (ops.subscripts.plan), so both refuse
    alike; a traced `x[key] = value` (setitem) writes the value's symbols in. A mask must be decided here: one that
    depends on the inputs is decided at `point` (symbol -> value): the answer's shape depends on it."""
    from .ops.subscripts import TorchValueError, key_of, on_symbols, plan, positions

    fixed = 2 if node.op == "setitem" else 1
    if isinstance(args[0], tuple):
        return answer_of(node, args[0], spec)
    if _is_number(args[0]):
        raise DiffcheckError(f"'{type(args[0]).__name__}' object is not subscriptable", node.pos)
    x = np.asarray(args[0], dtype=object)
    key = key_of(spec, [_decided(node, t, point) for t in args[fixed:]])
    try:
        if node.op == "setitem":
            steps, advanced = plan(x.shape, key, whole=not spec[0])
            answer = ops.OPS["subscript_copy"].sym(sp, x, args[1], positions(x.shape, steps, advanced))
        else:
            answer = on_symbols(sp, x, key, whole=not spec[0])
    except (ops.TorchIndexError, TorchValueError, RuntimeError) as error:
        raise DiffcheckError(f"subscript: {error}", node.pos) from None
    return np.asarray(answer, dtype=object)[()] if np.ndim(answer) == 0 else answer  # `b[...] = 4` of a 0-d b: 4


def _decided(node, index, point: Optional[dict]):
    """A subscript's tensor (a mask) as NumPy, each element decided at `point` (exactly), else refused."""
    if not isinstance(index, np.ndarray) and not isinstance(index, sp.Basic):
        return np.asarray(index)
    flat = np.asarray(index, dtype=object).reshape(-1)
    if point is not None:
        flat = [e.xreplace(point) if isinstance(e, sp.Basic) else e for e in flat]
    if all(e in (sp.true, sp.false, True, False) for e in flat):
        return np.asarray([bool(e) for e in flat], dtype=bool).reshape(np.shape(index))
    if all(isinstance(e, sp.Integer) for e in flat):
        return np.asarray([int(e) for e in flat], dtype=np.int64).reshape(np.shape(index))
    raise DiffcheckError(
        "subscript: a mask that depends on the inputs is not supported by check (the answer's shape would depend on "
        "the point); use where(mask, x, 0)",
        node.pos,
    )


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

    def function(*values) -> list:
        computed = list(values)
        for step, args in steps:
            computed.append(step(*[computed[a] for a in args]))
        return [computed[i] for i in outputs]

    return function


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
                _MP_FUNCTIONS.setdefault(type(form), function)
    return _MP_FUNCTIONS


ops.subscribe(_MP_FUNCTIONS.clear)


def _exactly(expr, at: dict) -> Exact:
    try:
        return _classify_exact(substitute(expr, at))
    except TypeError:  # a Piecewise condition comparing zoo or a complex number: undefined on the real line
        return Exact("nan")
    except ValueError:  # Max/Min of nan or zoo ("not comparable"): undefined there too
        return Exact("nan")
    except (MemoryError, OverflowError, RecursionError):  # SymPy's numbers blew up (exp of 1e16 where mpmath failed)
        return Exact("nan")


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
