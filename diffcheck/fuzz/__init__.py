"""The fuzz room: random programs over the op table, checked through the same parse → check path (shrinking a
finding lives in fuzz/shrink.py).

A case is a pure function of (seed, index): its own generator `default_rng([seed, index])` builds the program tree,
prints it to text, and picks the point, so results do not depend on how cases are split over processes.
"""

from __future__ import annotations

import signal
from collections import Counter
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .. import ops
from ..lang.program import Apply, Assign, Const, Expr, Program, Var, walk
from .tables import edges_of, tables


def __getattr__(name: str):
    """UNARY and INFIX: the table's one-argument ops and binary operators as it has them now."""
    if name in ("UNARY", "INFIX"):
        return getattr(tables(), name.lower())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


NAMES = ("x", "y", "z", "u", "v", "w", "p", "q", "r", "s")
PIECEWISE = 1  # where/clamp/maximum/minimum/relu per program: SymPy takes minutes over nested Piecewise
EDGE_RATE = 0.25  # share of cases with one input moved onto a kink or domain edge
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
        return repr(expr.value) if isinstance(expr.value, str) or expr.value >= 0 else f"(-{-expr.value!r})"
    if isinstance(expr, Var):
        return expr.name
    args, infix = [expr_text(a) for a in expr.args], tables().infix
    if expr.op in infix and not expr.params:
        return f"({args[0]} {infix[expr.op]} {args[1]})"
    prefix = next((symbol for symbol, name in ops.dispatch.UNARY.items() if name == expr.op), None)
    if prefix:
        return f"({prefix}{args[0]})"
    return f"{expr.op}({', '.join(args + [f'{k}={expr_text(v)}' for k, v in expr.params])})"


def program_text(statements) -> str:
    return "\n".join(f"{s.name} = {expr_text(s.value)}" for s in statements)


# ---- the generator --------------------------------------------------------------------------------------------------
class _Generator:
    """One random program: statements of nested ops, each subtree shaped to fit its parent."""

    def __init__(self, rng: np.random.Generator, depth: int):
        self.rng, self.depth = rng, depth
        self.inputs: dict[str, tuple] = {}
        self.named: dict[str, tuple] = {}  # earlier statements, usable as shared subexpressions
        self.edges: list[tuple] = []  # ("value", input, value) | ("tie", input, input)
        self.unused: list[str] = []  # intermediates no later statement reads yet
        self.budget = 0  # ops left for the statement being built: keeps SymPy's work per case bounded
        self.piecewise = PIECEWISE

    def pick(self, items):
        return items[int(self.rng.integers(len(items)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def dim(self) -> int:
        return 3 if self.chance(0.25) else 2  # SymPy's work grows with every element

    def shape(self) -> tuple:
        return self.pick([(), (), (self.dim(),), (self.dim(), self.dim())])

    def leaf(self, shape: tuple, fresh_input: bool = False) -> Var:
        names = [n for n, s in self.named.items() if s == shape]
        if names and not fresh_input and self.chance(0.5):
            unused = [n for n in names if n in self.unused]
            name = self.pick(unused or names)
            self.unused = [n for n in self.unused if n != name]
            return Var(name)
        same = [n for n, s in self.inputs.items() if s == shape]
        if same and self.chance(0.6):
            return Var(self.pick(same))
        name = next((n for n in NAMES if n not in self.inputs), f"x{len(self.inputs)}")
        self.inputs[name] = shape
        return Var(name)

    def guarded(self, shape: tuple, depth: int, op: str) -> Expr:
        """The argument of a domain-limited op: mostly a plain input, so the point can respect the domain."""
        if self.chance(0.6):
            var = self.leaf(shape, fresh_input=True)
            if var.name in self.inputs and edges_of(op) is not None:
                self.edges.extend(("value", var.name, v) for v in edges_of(op))
            return var
        return self.expr(shape, depth - 1)

    def broadcast(self, shape: tuple) -> tuple:
        return self.pick([shape, shape, (), shape[1:]]) if shape else ()

    def expr(self, shape: tuple, depth: int) -> Expr:
        if depth <= 1 or self.budget <= 0 or self.chance(0.15):
            return self.leaf(shape)
        self.budget -= 1
        forms = ["unary"] * 8 + ["binary"] * 3 + ["const"] * 2 + ["pow", "reduce", "matmul"]
        forms += ["clamp", "where", "minmax"] * (self.piecewise > 0)
        forms += ["along"] * (len(shape) > 0 and bool(tables().along))
        forms += ["param", "modular"] * (self.piecewise > 0)
        form = self.pick([f for f in forms if f != "reduce" or len(shape) < 2])
        self.piecewise -= form in ("clamp", "where", "minmax", "param", "modular")
        return getattr(self, "_" + form)(shape, depth)

    def _unary(self, shape, depth):
        op = self.pick([u for u in tables().unary if u != "relu" or self.piecewise > 0])
        self.piecewise -= op == "relu"  # its SymPy form is a Piecewise
        arg = self.guarded(shape, depth, op) if edges_of(op) is not None else self.expr(shape, depth - 1)
        return Apply(op, (arg,))

    def _binary(self, shape, depth):
        op = self.pick(tables().binary)
        a, b = self.expr(shape, depth - 1), self.expr(self.broadcast(shape), depth - 1)
        return Apply(op, (a, b) if self.chance(0.5) else (b, a))

    # Parameters are non-negative (the parser keeps `-1` as neg(1), which a parameter refuses); hardtanh's bounds in
    # order and celu's alpha never 0 this way.
    _PARAM_VALUES = {"min_val": (0.0, 0.5), "max_val": (1.5, 2.0)}

    def _param(self, shape, depth):
        op = self.pick(tables().param)
        arg = self.guarded(shape, depth, op) if edges_of(op) is not None else self.expr(shape, depth - 1)
        params = []
        for param in ops.FRONTS[op].params:
            if self.chance(0.5):
                continue
            if ops.kind_of(param) == "choice":
                params.append((str(param), Const(self.pick(param.choices))))
            else:
                params.append((str(param), Const(self.pick(self._PARAM_VALUES.get(param, (0.2, 0.5, 1.5, 2.0))))))
        return Apply(op, (arg,), tuple(params))

    def _modular(self, shape, depth):
        op, a = self.pick(tables().modular), self.expr(shape, depth - 1)
        if self.chance(0.5):  # by a number: FmodBackward0 / RemainderBackward0
            return Apply(op, (a, Const(self.pick([0.5, 1.5, 2]))))
        return Apply(op, (a, self.guarded(self.broadcast(shape), depth, "sqrt")))  # a divisor away from 0

    def _minmax(self, shape, depth):
        op, a = self.pick(tables().minmax), self.expr(shape, depth - 1)
        b = Const(self.pick([0.5, 1, 2])) if self.chance(0.3) else self.expr(self.broadcast(shape), depth - 1)
        if isinstance(a, Var) and a.name in self.inputs:
            self.edges.append(
                ("value", a.name, float(b.value))
                if isinstance(b, Const)
                else ("tie", a.name, b.name)
                if isinstance(b, Var)
                else ()
            )
        return Apply(op, (a, b) if self.chance(0.5) else (b, a))

    def _const(self, shape, depth):
        c = Const(self.pick([0.5, 1, 2, 1.5, 3]))
        op = self.pick(["add", "mul", "sub", "div", "rsub", "rdiv"])
        if op in ("rsub", "rdiv"):  # `c - e`, `c / e`: PyTorch's RsubBackward1 and reciprocal-times-c
            arg = self.guarded(shape, depth, "reciprocal") if op == "rdiv" else self.expr(shape, depth - 1)
            return Apply(op[1:], (c, arg))
        return Apply(op, (self.expr(shape, depth - 1), c))

    def _pow(self, shape, depth):
        kind = self.pick(["const", "const", "base", "tensor"])
        if kind == "base":  # c ** e: PowBackward2
            return Apply("pow", (Const(self.pick([2, 0.5, 3])), self.expr(shape, depth - 1)))
        if kind == "tensor":  # e ** e: PowBackward1, base kept in its domain
            return Apply("pow", (self.guarded(shape, depth, "sqrt"), self.expr(self.broadcast(shape), depth - 1)))
        e = self.pick([2, 3, 0.5, 1.5, 0, -1])
        base = self.guarded(shape, depth, "sqrt") if e != int(e) or e <= 0 else self.expr(shape, depth - 1)
        return Apply("pow", (base, Const(e) if e >= 0 else Apply("neg", (Const(-e),))))

    def _clamp(self, shape, depth):
        # Bounds are non-negative: the parser keeps `-1` as neg(1), which clamp refuses as a parameter.
        bounds = self.pick([(("min", 0.5),), (("max", 1),), (("min", 0), ("max", 1.5))])
        arg = self.expr(shape, depth - 1)
        if isinstance(arg, Var) and arg.name in self.inputs:
            self.edges.extend(("value", arg.name, float(v)) for _, v in bounds)
        return Apply("clamp", (arg,), tuple((k, Const(v)) for k, v in bounds))

    def _where(self, shape, depth):
        cond = Apply(
            self.pick(tables().compare),
            (self.expr(self.broadcast(shape), depth - 1), self.expr(self.broadcast(shape), depth - 1)),
        )
        return Apply("where", (cond, self.expr(shape, depth - 1), self.expr(self.broadcast(shape), depth - 1)))

    def _reduce(self, shape, depth):
        op = self.pick(tables().reduce)
        if shape == ():
            inner = self.pick([(self.dim(),), (self.dim(), self.dim())])
            if ops.FRONTS[op].needs_param:  # a dim it must have: the whole of a 1-D argument
                return Apply(op, (self.expr(inner[:1], depth - 1),), (("dim", Const(0)),))
            return Apply(op, (self.expr(inner, depth - 1),))
        dim = int(self.rng.integers(2))  # a (n,) result from a 2-D argument, reduced along `dim`
        inner = (self.dim(), shape[0]) if dim == 0 else (shape[0], self.dim())
        return Apply(op, (self.expr(inner, depth - 1),), (("dim", Const(dim)),))

    def _along(self, shape, depth):
        """An op along one dim that keeps the shape (softmax, cumsum), along a dim of the answer's own shape."""
        op = self.pick(tables().along)
        dim = int(self.rng.integers(len(shape)))
        return Apply(op, (self.expr(shape, depth - 1),), (("dim", Const(dim)),))

    def _matmul(self, shape, depth):
        k = self.dim()
        left = {0: (k,), 1: (shape[0], k) if shape else (), 2: (shape[0], k) if shape else ()}[len(shape)]
        right = (k,) if len(shape) < 2 else (k, shape[1])
        return Apply("matmul", (self.expr(left, depth - 1), self.expr(right, depth - 1)))

    def program(self) -> list[Assign]:
        statements = []
        count = int(self.rng.integers(1, 4))
        for i in range(count):
            name = "out" if i == count - 1 else f"t{i + 1}"
            depth, self.budget = int(self.rng.integers(min(2, self.depth), self.depth + 1)), 2 + self.depth // 2
            shape = self.named[self.unused[-1]] if self.unused and self.chance(0.8) else self.shape()
            statements.append(Assign(name, self.expr(shape, depth)))
            self.named[name] = _shape_of(statements[-1].value, self.inputs, self.named)
            self.unused.append(name)
        return statements


def _shape_of(expr: Expr, inputs: dict, named: dict) -> tuple:
    """The result shape of a generated expression (every generated subtree has a known shape)."""
    if isinstance(expr, Const):
        return ()
    if isinstance(expr, Var):
        return inputs.get(expr.name, named.get(expr.name, ()))
    shapes = [_shape_of(a, inputs, named) for a in expr.args]
    if expr.op in tables().reduce:
        dims = dict(expr.params)
        return (
            ()
            if "dim" not in dims
            else tuple(n for i, n in enumerate(shapes[0]) if i != dims["dim"].value % len(shapes[0]))
        )
    if expr.op == "matmul":
        return tuple(shapes[0][:-1]) + tuple(shapes[1][1:])
    return max(shapes, key=len)


def _requires(expr: Expr, requiring: set) -> bool:
    """Whether a value requires grad as PyTorch decides it: comparisons never do; `where` through its branches."""
    if isinstance(expr, Var):
        return expr.name in requiring
    if isinstance(expr, Const) or expr.op in tables().compare:
        return False
    return any(_requires(a, requiring) for a in (expr.args[1:] if expr.op == "where" else expr.args))


def generate(seed: int, index: int, depth: int) -> Candidate:
    """Case `index` of the run seeded `seed`: program, point, requires_grad flags and retained intermediates."""
    from ..lang.parse import parse_program
    from ..check.points import domains

    rng = np.random.default_rng([seed, index])
    gen = _Generator(rng, depth)
    statements = gen.program()
    program = parse_program(program_text(statements), where=f"fuzz case {index}")
    bounds = domains(program)
    values = {n: np.asarray(np.round(rng.uniform(*bounds[n], size=gen.inputs[n]), 3)) for n in program.inputs}
    edges = [e for e in gen.edges if e and e[1] in values]
    if edges and rng.random() < EDGE_RATE:
        edge = edges[int(rng.integers(len(edges)))]
        target = values[edge[1]]
        if edge[0] == "tie":
            source = values.get(edge[2])
            if source is not None and source.shape == target.shape:
                target[...] = source
        elif target.ndim == 0 or rng.random() < 0.5:
            target[...] = edge[2]
        else:
            target.reshape(-1)[int(rng.integers(target.size))] = edge[2]
    no_grad = {n for n in program.inputs if rng.random() < 0.25}
    if len(no_grad) == len(program.inputs):
        no_grad.discard(program.inputs[0])
    requiring = set(program.inputs) - no_grad
    retain = set()
    for s in program.statements:
        if _requires(s.value, requiring):
            requiring.add(s.name)
            if s.name != program.output and rng.random() < 0.3:
                retain.add(s.name)
    return Candidate(program, {n: v.tolist() for n, v in values.items()}, frozenset(no_grad), frozenset(retain))


# ---- running one case -----------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    """One case, as plain data: its kind (ok / mismatch / non-finite / crash / invalid / timeout / torch / jax)."""

    index: int
    kind: str
    explained: tuple = ()  # explained statuses met (kink, singular, ...)
    detail: str = ""
    candidate: Optional[Candidate] = None


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def evaluate(candidate: Candidate, numeric: bool = False, against: Optional[str] = None) -> tuple[str, tuple, str]:
    """(kind, explained statuses, detail) for one candidate, through parse → check like any other command."""
    from ..check import EXPLAINED, MISMATCH, Case, check
    from ..errors import DiffcheckError

    case = Case(candidate.program, candidate.values, candidate.no_grad, candidate.retain, numeric=numeric)
    if against:
        adapter(against).load()  # a slow first import must not run into the case's alarm
    armed = signal.getsignal(signal.SIGALRM) is not None and hasattr(signal, "setitimer")
    try:
        if armed:
            previous = signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
        result = check(case)
        other, conventions = _differs(candidate, result, against) if against else (None, ())
    except DiffcheckError as error:
        return "invalid", (), str(error)
    except _Timeout:
        return "timeout", (), f"over {CASE_SECONDS}s"
    except Exception as error:  # noqa: BLE001 - any other exception is a crash of diffcheck: a finding
        return "crash", (), f"{type(error).__name__}: {error}"
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
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


def _has_str(value) -> bool:
    return isinstance(value, str) or isinstance(value, list) and any(_has_str(v) for v in value)


def run_chunk(indices: list[int], seed: int, depth: int, numeric: bool, against: Optional[str]) -> list[Outcome]:
    """Generate and check a chunk of cases (the unit of work of a worker process)."""
    outcomes = []
    for index in indices:
        candidate = generate(seed, index, depth)
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
            if ops.FRONTS[node.op].by_rank:  # ranks are not in the tree: the op's own name (matmul)
                rows.append(node.op)
                continue
            kinds = tuple(None if constant(a) else 0 for a in node.args)
            row, _, _ = ops.resolve(
                node.op, kinds, dict.fromkeys(k for k, _ in node.params), lambda kind: kind, node.function
            )
            rows.append(row.name)
    return sorted(rows)


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
        if engine.own_conventions and status in EXPLAINED:
            op = note.split(" at ", 1)[0]
            conventions.append(f"{against} convention: {status}" + f" of {op}" * (" " not in op and bool(op)))
            continue
        shown = None if theirs is None else np.asarray(theirs).tolist()
        differ.append(f"{name}: engine {ours!r}, {label} {shown!r}, SymPy {exact!r}")
    return "; ".join(differ) or None, tuple(dict.fromkeys(conventions))
