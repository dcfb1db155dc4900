"""The fuzz room: random programs over the op table, checked through the same parse → check path (generating a case
lives in fuzz/generate.py, running many in fuzz/run.py, shrinking a finding in fuzz/shrink.py).

A case is a pure function of (seed, index): its own generator `default_rng([seed, index])` builds the program tree,
prints it to text, and picks the point, so results do not depend on how cases are split over processes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .. import ops
from ..lang.program import Apply, Const, Expr, Program, Var, walk
from .tables import tables


def __getattr__(name: str):
    """UNARY and INFIX: the table's one-argument ops and binary operators as it has them now."""
    if name in ("UNARY", "INFIX"):
        return getattr(tables(), name.lower())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


CASE_SECONDS = 10  # a SymPy blow-up counts as a timeout instead of stalling the run


@dataclass(frozen=True)
class Candidate:
    """A program and how to run it: what a finding is made of, and what the shrinker edits."""

    program: Program
    values: dict
    no_grad: frozenset = frozenset()
    retain: frozenset = frozenset()

    @property
    def ops(self) -> int:
        return sum(isinstance(n, Apply) for s in self.program.statements for n in walk(s.value))


# ---- printing: the tree back to text the parser reads ---------------------------------------------------------------
def expr_text(expr: Expr) -> str:
    if isinstance(expr, Const):
        if isinstance(expr.value, (str, tuple)):  # a choice, or sizes: view(x, size=(2, 3))
            return repr(expr.value)
        return repr(expr.value) if expr.value >= 0 else f"(-{-expr.value!r})"
    if isinstance(expr, Var):
        return expr.name
    args, infix = [expr_text(a) for a in expr.args], tables().infix
    if expr.op == "getitem":  # x[0, 1:]; a mask's text is an argument's
        return f"{args[0]}{subscript_text(dict(expr.params)['key'].value, args[1:])}"
    if expr.op in infix and not expr.params:
        return f"({args[0]} {infix[expr.op]} {args[1]})"
    prefix = next((symbol for symbol, name in ops.dispatch.UNARY.items() if name == expr.op), None)
    if prefix:
        return f"({prefix}{args[0]})"
    row = ops.OPS.get(ops.FRONTS[expr.op].row)
    if row is not None and row.variadic and not _gives_tuple(expr.args[0]):  # cat([a, b], dim=0)
        args = [f"[{', '.join(args)}]"]
    return f"{expr.op}({', '.join(args + [f'{k}={expr_text(v)}' for k, v in expr.params])})"


def _gives_tuple(expr: Expr) -> bool:
    front = ops.FRONTS.get(expr.op) if isinstance(expr, Apply) else None  # (a subscript is no front op)
    row = ops.OPS.get(front.row) if front is not None else None
    return len(getattr(expr, "args", ())) > 0 and row is not None and row.outputs != 1


def subscript_text(spec: tuple, tensors: list) -> str:
    from ..ops.subscripts import shown

    text = shown(spec)
    for tensor in tensors:
        text = text.replace("<tensor>", tensor, 1)
    return text


def program_text(statements) -> str:
    return "\n".join(f"{s.name} = {expr_text(s.value)}" for s in statements)


# ---- running one case -----------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    """One case, as plain data: its kind (ok / mismatch / non-finite / crash / invalid / timeout / torch / jax)."""

    index: int
    kind: str
    explained: tuple = ()  # explained statuses met (kink, singular, ...)
    detail: str = ""
    candidate: Optional[Candidate] = None


def evaluate(candidate: Candidate, numeric: bool = False, against: Optional[str] = None) -> tuple[str, tuple, str]:
    """(kind, explained statuses, detail) for one candidate, through parse → check like any other command."""
    from ..check import EXPLAINED, MISMATCH, Case, check
    from ..check.budget import TimedOut, run_deep  # a child killed at the deadline: no blow-up outlives its case
    from ..errors import DiffcheckError

    case = Case(candidate.program, candidate.values, candidate.no_grad, candidate.retain, numeric=numeric)
    if against:
        adapter(against).load()  # a slow first import must not run into the case's budget

    def judged():
        result = check(case)
        return (result, *(_differs(candidate, result, against) if against else (None, ())))

    try:
        # against PyTorch or JAX, whose thread pools are not to be forked: a big-stack thread of this process, as
        # every check gets (SymPy's Piecewise recurses deeply), interrupted at the deadline
        result, other, conventions = run_deep(judged, CASE_SECONDS, fork=not against)
    except TimedOut:
        return "timeout", (), f"over {CASE_SECONDS}s"
    except DiffcheckError as error:
        return "invalid", (), str(error)
    except Exception as error:  # noqa: BLE001 - any other exception is a crash of diffcheck: a finding
        return "crash", (), f"{type(error).__name__}: {error}"
    explained = tuple(s for s in result.statuses if s in EXPLAINED) + conventions
    bad = [t for t in result.tensors if t.status == MISMATCH]
    if bad or result.output.status == MISMATCH:
        rows = [(t.name, t.engine, t.sympy, t.note) for t in bad] or [
            (result.output.name + " (value)", result.output.value, result.output.sympy_value, "")
        ]
        finite = all(
            np.all(np.isfinite(np.asarray(v, dtype=float)))
            for _, e, s, _ in rows
            for v in (e, s)
            if v is not None and not isinstance(v, str) and not _has_str(v)
        ) and not any(_has_str(s) for _, _, s, _ in rows)
        # check's note says why (both sides nan is a finding only where check's classification calls it a mismatch)
        text = "; ".join(f"{n}: engine {e!r}, SymPy {s!r}" + f" ({note})" * bool(note) for n, e, s, note in rows)
        return ("mismatch" if finite else "non-finite"), explained, text
    if other:
        return against, explained, other
    return "ok", explained, ""


def _undefined(exact, ours, theirs) -> bool:
    """Whether SymPy has no derivative (nan) wherever the framework differs from the engine: its value there is its
    own convention (JAX's abs'(0) = 1 times sqrt's infinite derivative: inf, where PyTorch's 0 * inf is nan)."""
    if exact is None or ours is None or theirs is None:
        return False
    sympy = np.vectorize(float, otypes=[float])(np.asarray(exact, dtype=object))
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    if sympy.shape != ours.shape or ours.shape != theirs.shape:
        return False
    with np.errstate(all="ignore"):
        differ = ~np.isclose(ours, theirs, rtol=1e-8, atol=1e-12, equal_nan=True)
    return bool(differ.any() and np.isnan(sympy[differ]).all())


def _has_str(value) -> bool:
    return isinstance(value, str) or isinstance(value, list) and any(_has_str(v) for v in value)


def run_chunk(indices: list[int], seed: int, depth: int, numeric: bool, against: Optional[str]) -> list[Outcome]:
    """Generate and check a chunk of cases (the unit of work of a worker process)."""
    from .generate import generate

    outcomes = []
    for index in indices:
        try:
            candidate = generate(seed, index, depth)
        except Exception as error:  # noqa: BLE001 - the generator's bug costs its case, not the run's other results
            outcomes.append(Outcome(index, "invalid", (), f"the generator failed: {type(error).__name__}: {error}"))
            continue
        kind, explained, detail = evaluate(candidate, numeric, against)
        outcomes.append(Outcome(index, kind, explained, detail, candidate if kind in FINDINGS else None))
    return outcomes


FINDINGS = ("mismatch", "non-finite", "torch", "jax", "crash")  # in rank order: real mismatches first


def rows_of(program: Program) -> list[str]:
    """The table rows a program uses, as the engine resolves them (2 - x is rsub, 2 ** x rpow ...)."""

    def constant(e):
        return not any(isinstance(n, Var) for n in walk(e))

    rows = []
    for s in program.statements:
        for node in walk(s.value):
            if not isinstance(node, Apply) or constant(node):
                continue
            if node.op not in ops.FRONTS or ops.FRONTS[node.op].by_rank:  # getitem; matmul: ranks not in the tree
                rows.append(node.op)
                continue
            kinds = tuple(None if constant(a) else 0 for a in node.args)
            row, _, _ = ops.resolve(node.op, kinds, _picking(node), lambda kind: kind, node.function)
            rows.append(row.name)
    return sorted(rows)


_A_TENSOR = object()  # a tensor given where a number goes: ops.resolve picks the op's tensor_params row by it


def _picking(node: Apply) -> dict:
    """The parameters as far as they pick a row: sizes as written (split's list is SplitWithSizesBackward0), a tensor
    parameter as given (linear's bias), a tensor where a number goes (lerp's weight: LerpBackward1); the others by
    name only."""
    kinds = {p: ops.kind_of(p) for p in ops.FRONTS[node.op].params}
    tensors = bool(ops.FRONTS[node.op].tensor_params)
    return {
        k: (
            v.value
            if isinstance(v, Const) and kinds.get(k) == "sections"
            else 0
            if kinds.get(k) == "tensor"
            else _A_TENSOR
            if tensors and not isinstance(v, Const)
            else None
        )
        for k, v in node.params
    }


def signature(kind: str, candidate: Candidate) -> str:
    return f"{kind}:{'+'.join(rows_of(candidate.program)) or 'no-ops'}"


def summarize(outcomes: list[Outcome]) -> tuple[Counter, Counter]:
    """Counts by kind, and explained differences by status, over all cases run."""
    return Counter(o.kind for o in outcomes), Counter(s for o in outcomes for s in set(o.explained))


# ---- further engines (--against): PyTorch or JAX, each imported only when asked for ---------------------------------
ENGINES = {"torch": "PyTorch", "jax": "JAX"}  # --against choices, as the report names them


def adapter(against: str):
    """The module of the engine to run programs on as well (`diffcheck.engines.torch`, `diffcheck.engines.jax`):
    `available()`, and `load()` giving the `Engine` (engines/base.py)."""
    from .. import engines

    return engines.adapter(against)


def _differs(c: Candidate, result, against: str) -> tuple[Optional[str], tuple]:
    """Where the framework's value or gradients differ from our engine's, with SymPy's beside: (the differences or
    None, convention labels). With `own_conventions`, a difference where SymPy itself has no finite derivative (an
    explained status) is the framework's convention at that point, labelled by status and op, not a finding."""
    from ..check import EXPLAINED, Case, run_engine

    engine, label = adapter(against).load(), ENGINES[against]
    try:
        env = run_engine(Case(c.program, c.values, c.no_grad, c.retain), engine=engine)
    except engine.errors as error:
        return f"{label} raised {type(error).__name__}: {(str(error).splitlines() or [''])[0]}", ()
    value, grads = engine.value(env[c.program.output]), {n: engine.grad(env[n]) for n in [*c.program.inputs, *c.retain]}
    out = result.output
    rows = [(out.name + " (value)", out.value, value, out.sympy_value, out.status, "")]
    rows += [
        (t.name + ".grad", t.engine, grads.get(t.name), t.sympy, t.status, t.note)
        for t in result.tensors
        if t.role == "input" or t.name in c.retain
    ]
    differ, conventions = [], []
    for name, ours, theirs, exact, status, note in rows:
        if (ours is None) == (theirs is None) and (
            ours is None or np.allclose(np.asarray(ours, dtype=float), theirs, rtol=1e-8, atol=1e-12, equal_nan=True)
        ):
            continue
        if engine.own_conventions and (status in EXPLAINED or _undefined(exact, ours, theirs)):
            status = status if status in EXPLAINED else "no derivative in SymPy"
            op = note.split(" at ", 1)[0]
            conventions.append(f"{against} convention: {status}" + f" of {op}" * (" " not in op and bool(op)))
            continue
        shown = None if theirs is None else np.asarray(theirs).tolist()
        differ.append(f"{name}: engine {ours!r}, {label} {shown!r}, SymPy {exact!r}")
    return "; ".join(differ) or None, tuple(dict.fromkeys(conventions))
