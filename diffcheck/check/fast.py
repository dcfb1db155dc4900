"""The fast exact route: the symbolic side on symengine (SymPy's C++ core), SymPy where symengine cannot serve.

`--symbolic auto` (the default) takes symengine for a case whose every op it has, and at a point where it gives
the answer SymPy would: no special point (kink, pole, indeterminate form, overflow) on the engine's run (rounding and
ill-conditioning only widen the comparison's tolerance: they count for nothing here), and every value finite and real
at 30 digits. Anywhere else SymPy prepares and values the case, as `--symbolic sympy` always
does; so values and statuses are SymPy's. Derivatives are symengine's evaluated forms, valued as SymPy values its
canonical forms; values as written (`x**2/x`: nan at 0) are computed op by op (written.py). The route a result took
is named in it (`symbolic`).
"""

from __future__ import annotations

import math
import os
import sys

import mpmath
import numpy as np

from ..errors import DiffcheckError, LimitError
from ..exact import Exact, postorder
from .case import Case
from ..lang.indices import index_inputs
from .prepared import Prepared, masked
from .result import written_sizes

ROUTES = ("auto", "sympy", "symengine")
VARIABLE = "DIFFCHECK_SYMBOLIC"  # the route (`--symbolic` sets it, so verify's workers follow it)
DIGITS = 30
REVERSE_FROM = 32  # symbols from which derivatives are taken in reverse mode (at 57 it is 1.7x faster than diff)
_told: list = []  # the notice that symengine is missing, given once per process


def route(case: Case) -> str:
    """The case's route, else the environment's (`--symbolic` of fuzz sets it for its workers), else auto."""
    chosen = case.symbolic or os.environ.get(VARIABLE, "") or "auto"
    if chosen not in ROUTES:
        raise DiffcheckError(f"the symbolic route is one of {', '.join(ROUTES)}, not '{chosen}'")
    return chosen


def symengine_ready(required: bool) -> bool:
    """Whether symengine imports; if not, an error where it was asked for, else one notice on stderr."""
    try:
        import symengine  # noqa: F401
    except ImportError:
        if required:
            raise DiffcheckError("--symbolic symengine: symengine cannot be imported (pip install symengine)") from None
        if not _told:
            _told.append(True)
            sys.stderr.write("diffcheck: symengine cannot be imported; the symbolic side uses SymPy (slower)\n")
        return False
    return True


def prepare(case: Case, shapes: dict) -> Prepared:
    """The symbolic side of `case` by the chosen route: symengine's where it can serve the case, else SymPy's."""
    chosen = route(case)
    if chosen != "sympy" and symengine_ready(chosen == "symengine"):
        from .forms import Unserved

        try:
            return FastPrepared(case, shapes)
        except (Unserved, RuntimeError, TypeError, AttributeError, ValueError):  # a form symengine cannot build
            pass
    prepared = Prepared(case, shapes)
    prepared.route = "sympy"
    return prepared


class FastPrepared(Prepared):
    """Prepared's interface on symengine: the same rows, derivatives and second-order blocks (by `diff`, or in reverse
    mode for many symbols: `_gradient`); SymPy's Prepared is built, once, for the first point symengine cannot
    value."""

    route = "symengine"

    def __init__(self, case: Case, shapes: dict):
        from . import forms
        from .written import Written

        self.case, self.shapes, program = case, shapes, case.program
        self.fallback = None
        self.indices = index_inputs(program, case.values)  # concrete here too: no symbols, no derivative
        self.syms = {
            name: self.indices[name] if name in self.indices else forms.symbols(name, shapes[name])
            for name in program.inputs
        }
        self.flat_syms = [s for name in self.symbolic_inputs for s in forms.flat(self.syms[name])]
        self.point = _at_point(self, case.values) if masked(program) else None
        full = forms.lower(program, self.syms, point=self.point)
        self.target = forms.total(full[program.output])
        self.written = Written(program, shapes, indices=self.indices)
        self.output = Values(self.written.output, finite_only=False)
        self.target_fn = self.written.target
        self._describe(program, case)
        self.derivatives = self._first(full)
        firsts = [e for exprs, *_ in self.derivatives.values() for e in exprs]
        order = postorder([forms.to_symengine(e) for e in firsts])  # walked once: counted, planned, sized for text
        self.sizes = written_sizes(order)
        outputs = postorder([forms.to_symengine(e) for e in forms.flat(full[program.output])], set(order))
        _within(len(order) + len(outputs), case.max_sympy_nodes)
        self.first = Values(forms.plan(firsts, self.flat_syms, order=order))
        self.second = self._second() if case.order == 2 else []
        seconds = [e for *_, exprs in self.second for e in exprs]
        if seconds:
            within_budget(firsts + seconds, case.max_sympy_nodes)
        self.second_eval = Values(forms.plan(seconds, self.flat_syms))

    def _gradient(self, target, syms: list) -> list:
        """symengine's `diff` per symbol (C++, its forms shorter to print) for a few symbols; one reverse-mode pass
        (adjoint.py) for many, where a `diff` per symbol, each walking the whole expression, costs the most, and for
        Max and Min, which `diff` cannot differentiate."""
        from .adjoint import gradient
        from .forms import to_symengine

        target = to_symengine(target)
        if len(syms) < REVERSE_FROM and not _has_max_or_min(target):
            return [target.diff(s) for s in syms]
        return gradient(target, syms)

    def _held(self, name: str, full: dict) -> tuple:
        from . import forms
        from .written import Written

        shape = np.shape(full[name])
        held = forms.flat(forms.symbols(name, shape))
        lowered = forms.lower(self.case.program, self.syms, hold={name: forms.symbols(name, shape)}, point=self.point)
        replace = {h: forms.to_symengine(v) for h, v in zip(held, forms.flat(full[name]))}
        exprs = [e.xreplace(replace) for e in self._gradient(forms.total(lowered[self.case.program.output]), held)]
        written = Written(self.case.program, self.shapes, {name: shape}, self.indices)
        return exprs, written.target, self.flat_syms + held, held

    def at(self, case: Case, engine, env: dict, hits: list):
        """symengine's result at this point where it serves (no special point met but those that only widen the
        comparison's tolerance or lie on constants: no differentiated tensor reaches them; every value finite and
        real), else SymPy's."""
        from .forms import Unserved

        if all(h.kind in _TOLERANCES or h.depends and not h.depends & self.requiring for h in hits):
            try:
                result = super().at(case, engine, env, hits)
                result.symbolic = "symengine"
                return result
            except Unserved:
                pass
        if self.fallback is None:
            self.fallback = Prepared(self.case, self.shapes)
        result = self.fallback.at(case, engine, env, hits)
        result.symbolic = "sympy"
        return result


def _has_max_or_min(expr) -> bool:
    """Whether a Max or Min is among `expr`'s distinct subexpressions. Not symengine's `atoms`, which walks the tree
    written out: a program that reuses a value (`y = sin(y) + cos(y)` twenty times) is a small graph but a tree of
    millions of nodes (issue #22: at 18 steps `atoms` took 1.35 s of a 1.4 s check, `diff` 0.2 ms)."""
    return any(type(node).__name__ in ("Max", "Min") for node in postorder([expr]))


_TOLERANCES = ("rounding", "ill-conditioned")  # hits that explain a difference by the op's float error alone: the exact
# value they are compared with is the same at 30 digits on either route, so symengine serves them (sin at 3.1)


def _at_point(prepared: Prepared, values: dict) -> dict:
    """Each input symbol -> its exact value at `values` (what a mask subscript is decided with)."""
    from .forms import flat, to_symengine

    return {
        s: to_symengine(v)
        for name in prepared.symbolic_inputs
        for s, v in zip(flat(prepared.syms[name]), np.asarray(values[name], dtype=float).reshape(-1).tolist())
    }


class Values:
    """A planned function's values at a point as `Exact`s, at 30 digits; `Unserved` where one is not finite and
    real (SymPy says what it is), or, with `finite_only=False`, only where mpmath fails (as SymPy's quick path)."""

    def __init__(self, function, finite_only: bool = True):
        self.function, self.finite_only = function, finite_only

    def __call__(self, point: list) -> list[Exact]:
        from .forms import Unserved

        if not all(math.isfinite(v) for v in point):
            raise Unserved("a non-finite input")
        try:
            with mpmath.workdps(DIGITS):
                values = self.function(*[mpmath.mpf(v) for v in point])
                return [_exact(v, self.finite_only) for v in values]
        except (ZeroDivisionError, ValueError, TypeError, OverflowError):
            raise Unserved("a pole or a value off the real line") from None


def _exact(value, finite_only: bool) -> Exact:
    if type(value) is mpmath.mpf and mpmath.isfinite(value):  # most values: already at the working precision
        return Exact("finite", float(value))
    from .forms import Unserved

    if isinstance(value, (bool, np.bool_)):
        return Exact("finite", float(value))
    if isinstance(value, mpmath.mpc):
        if value.imag != 0:
            raise Unserved("a value off the real line")
        value = value.real
    value = mpmath.mpf(value)
    if mpmath.isfinite(value):
        return Exact("finite", float(value))
    if finite_only or mpmath.isnan(value):
        raise Unserved("a value that is not finite")
    return Exact("inf" if value > 0 else "-inf", float(value))


def within_budget(exprs: list, limit: int) -> None:
    """As symbolic.within_budget, counted on symengine's expressions."""
    from .forms import to_symengine

    _within(len(postorder([to_symengine(e) for e in exprs])), limit)


def _within(nodes: int, limit: int) -> None:
    if nodes > limit:
        raise LimitError(f"the SymPy expressions grew past {limit} nodes (raise it with --max-sympy-nodes)")
