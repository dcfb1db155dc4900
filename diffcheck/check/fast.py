"""The fast exact route: the symbolic side on symengine (SymPy's C++ core), SymPy where symengine cannot serve.

`--symbolic auto` (the default) takes symengine for a case whose every op it has, and at a point where it gives
the answer SymPy would: no special point (kink, pole, indeterminate form, overflow) on the engine's run, and every
value finite and real at 30 digits. Anywhere else SymPy prepares and values the case, as `--symbolic sympy` always
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
from ..exact import Exact
from .case import Case
from .prepared import Prepared, origins, requiring

ROUTES = ("auto", "sympy", "symengine")
VARIABLE = "DIFFCHECK_SYMBOLIC"  # the route (`--symbolic` sets it, so verify's workers follow it)
DIGITS = 30
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
    """The symbolic side of `case` by the chosen route: symengine's where it can serve the case, else SymPy's.
    Programs with index or mask inputs (a loss's targets) or subscripts keep SymPy's route: their concrete values and
    per-point masks are Prepared's alone."""
    chosen = route(case)
    if chosen != "sympy" and _plain(case) and symengine_ready(chosen == "symengine"):
        from .forms import Unserved

        try:
            return FastPrepared(case, shapes)
        except (Unserved, RuntimeError, TypeError, AttributeError, ValueError):  # a form symengine cannot build
            pass
    prepared = Prepared(case, shapes)
    prepared.route = "sympy"
    return prepared


def _plain(case: Case) -> bool:
    """No index or mask inputs or arguments (a loss's targets), no subscripts and no op of several tensors in or out
    (cat, split, max over a dim): what the symengine route was built and compared for."""
    from .. import ops
    from ..lang.indices import index_inputs
    from ..lang.program import Apply, walk

    program = case.program
    if index_inputs(program, case.values):
        return False
    for node in (n for s in program.statements for n in walk(s.value) if isinstance(n, Apply)):
        front = ops.FRONTS.get(node.op)
        row = ops.OPS.get(front.row) if front is not None else None
        if row is None or row.variadic or row.outputs != 1 or row.index_args or row.mask_args:  # (a subscript: None)
            return False
    return True


class FastPrepared(Prepared):
    """Prepared's interface on symengine: the same rows, derivatives and second-order blocks; SymPy's Prepared is
    built, once, for the first point symengine cannot value."""

    route = "symengine"

    def __init__(self, case: Case, shapes: dict):
        from . import forms
        from .written import Written

        self.case, self.shapes, program = case, shapes, case.program
        self.fallback = None
        self.indices, self.point = {}, None  # no index inputs, no masks: `_plain` cases only
        self.syms = {name: forms.symbols(name, shapes[name]) for name in program.inputs}
        self.flat_syms = [s for name in program.inputs for s in forms.flat(self.syms[name])]
        full = forms.lower(program, self.syms)
        self.target = forms.total(full[program.output])
        self.written = Written(program, shapes)
        self.output = Values(self.written.output, finite_only=False)
        self.target_fn = self.written.target
        self.rows = [(n, "input") for n in program.inputs]
        self.rows += [(s.name, "output" if s.name == program.output else "intermediate") for s in program.statements]
        self.requiring = requiring(program, case.no_grad)
        self.origin = origins(program)
        self.derivatives = self._first(full)
        firsts = [e for exprs, *_ in self.derivatives.values() for e in exprs]
        within_budget(forms.flat(full[program.output]) + firsts, case.max_sympy_nodes)
        self.first = Values(forms.plan(firsts, self.flat_syms))
        self.second = self._second() if case.order == 2 else []
        seconds = [e for *_, exprs in self.second for e in exprs]
        if seconds:
            within_budget(firsts + seconds, case.max_sympy_nodes)
        self.second_eval = Values(forms.plan(seconds, self.flat_syms))

    def _first(self, full: dict) -> dict[str, tuple]:
        """As Prepared._first: name -> (exprs, as-written function, its symbols, held symbols)."""
        from . import forms
        from .written import Written

        program, out_name = self.case.program, self.case.program.output
        retained = {self.origin[name] for name in self.case.retain}
        derivatives: dict[str, tuple] = {}
        for name, role in self.rows:
            if name not in self.requiring or (role != "input" and self.origin[name] not in retained):
                continue
            if self.origin[name] != name:
                derivatives[name] = derivatives[self.origin[name]]
            elif role == "input":
                exprs = [self.target.diff(s) for s in forms.flat(self.syms[name])]
                derivatives[name] = (exprs, self.target_fn, self.flat_syms, [])
            else:
                shape = np.shape(full[name])
                held = forms.flat(forms.symbols(name, shape))
                lowered = forms.lower(program, self.syms, hold={name: forms.symbols(name, shape)})
                partial = forms.total(lowered[out_name])
                replace = {h: forms.to_symengine(v) for h, v in zip(held, forms.flat(full[name]))}
                exprs = [partial.diff(s).xreplace(replace) for s in held]
                written = Written(program, self.shapes, {name: shape})
                derivatives[name] = (exprs, written.target, self.flat_syms + held, held)
        return derivatives

    def _second(self) -> list[tuple]:
        from . import forms

        names = [n for n in self.case.program.inputs if n in self.requiring]
        return [
            (
                f"d2/d{a}d{b}",
                a,
                b,
                [d.diff(s) for d in self.derivatives[a][0] for s in forms.flat(self.syms[b])],
            )
            for i, a in enumerate(names)
            for b in names[i:]
        ]

    def _offset(self, name: str) -> int:
        from .forms import flat

        inputs = self.case.program.inputs
        return sum(len(flat(self.syms[other])) for other in inputs[: inputs.index(name)])

    def at(self, case: Case, engine, env: dict, hits: list):
        """symengine's result at this point where it serves (no special point met, every value finite and real),
        else SymPy's."""
        from .forms import Unserved

        if not hits:
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
    from ..exact import postorder
    from .forms import to_symengine

    if len(postorder([to_symengine(e) for e in exprs])) > limit:
        raise LimitError(f"the SymPy expressions grew past {limit} nodes (raise it with --max-sympy-nodes)")
