"""Both sides at a point → plain-data results with statuses; the exit-code contract lives on `Report`."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Optional

import numpy as np

from ..defaults import ATOL, MAX_POINTS, MAX_SYMPY_NODES, RTOL
from .compare import (EXPLAINED, INDETERMINATE, KINK, MATCH, MISMATCH, NONE, NOT_RETAINED, OVERFLOW,
                      SEVERITY, SINGULAR, ZERO_TIMES_INF, Context, Sided, compare)
from ..errors import DiffcheckError
from ..lang.program import Program, nesting

__all__ = ["ATOL", "RTOL", "EXPLAINED", "INDETERMINATE", "KINK", "MATCH", "MISMATCH", "NONE", "NOT_RETAINED",
           "OVERFLOW", "SINGULAR", "ZERO_TIMES_INF", "Case", "CheckResult", "OutputInfo", "Report", "TensorResult",
           "check", "run_engine"]

@dataclass(frozen=True)
class Case:
    """What to check: a program, its input values, and how the tensors are set up."""

    program: Program
    values: dict[str, Any]  # name -> float or nested list of floats
    no_grad: frozenset[str] = frozenset()
    retain: frozenset[str] = frozenset()
    rtol: float = RTOL
    atol: float = ATOL
    strict: bool = False  # explained differences (kink, singular ...) fail too
    name: str = "expression"
    order: int = 1  # 2: also every second derivative (Hessian entries of the requiring inputs)
    points: int = 0  # > 0: check at this many random points from each op's smooth domain instead of `values`
    seed: int = 0
    numeric: bool = False  # add a central-difference opinion
    max_sympy_nodes: int = MAX_SYMPY_NODES


@dataclass
class TensorResult:
    name: str
    role: str  # input | intermediate | output
    requires_grad: bool
    is_leaf: bool
    shape: tuple
    engine: Any  # float, nested list, or None (PyTorch's .grad is None)
    sympy: Any  # float / "nan" / "inf" / "-inf" / "zoo" / "complex", nested like `engine`, or None
    derivative: Optional[str]  # SymPy's derivative of the output with respect to this tensor
    abs_err: Optional[float]
    rel_err: Optional[float]
    status: str
    note: str = ""
    numeric: Any = None  # central differences (--numeric), nested like `engine`


@dataclass
class OutputInfo:
    name: str
    value: Any
    sympy_value: Any
    grad_fn: Optional[str]
    repr: str
    status: str  # the forward values compared: match / singular / mismatch


@dataclass
class CheckResult:
    name: str
    source: str
    point: dict[str, Any]
    output: OutputInfo
    tensors: list[TensorResult]
    strict: bool = False
    seconds: float = 0.0
    broken_expectations: list[str] = field(default_factory=list)  # pinned values this result no longer produces

    @property
    def statuses(self) -> list[str]:
        return [self.output.status] + [t.status for t in self.tensors]

    @property
    def failed(self) -> bool:
        failing = {MISMATCH, *EXPLAINED} if self.strict else {MISMATCH}
        return bool(self.broken_expectations) or any(s in failing for s in self.statuses)

    @property
    def worst_error(self) -> Optional[float]:
        errors = [t.abs_err for t in self.tensors if t.abs_err is not None]
        return max(errors) if errors else None


@dataclass
class Report:
    """The outcome of one diffcheck command: results that ran, and one-line errors for what could not."""

    results: list[CheckResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def return_code(self) -> int:
        """The exit-code contract of every diffcheck command, like diff's:

        0 — every gradient agrees (kink/singular differences explained by PyTorch's conventions count as agreeing
            unless --strict);
        1 — some gradient or value disagrees, or a pinned expectation was broken;
        2 — trouble: bad input, an unreadable file, a timeout, or nothing to check. Trouble wins over disagreement.
        """
        if self.errors or not self.results:
            return 2
        return 1 if any(r.failed for r in self.results) else 0


# ---- running both sides ---------------------------------------------------------------------------------------------


def _validate(case: Case) -> None:
    program = case.program
    inputs, assigned = program.inputs, {s.name for s in program.statements}
    missing = [n for n in inputs if n not in case.values]
    if missing and not case.points:
        raise DiffcheckError(f"no value for input '{missing[0]}' (give it as {missing[0]}=...)")
    for name in case.values:
        if name not in inputs:
            kind = "a computed name" if name in assigned else "not used by the program"
            raise DiffcheckError(f"'{name}' is {kind}; inputs are: {', '.join(inputs) or '(none)'}")
    for name in case.no_grad:
        if name not in inputs:
            raise DiffcheckError(f"--no-grad '{name}': not an input of the program (inputs: {', '.join(inputs)})")
    for name in case.retain:
        if name not in assigned:
            raise DiffcheckError(f"--retain-grad '{name}': not a computed name of the program "
                                 f"(computed: {', '.join(s.name for s in program.statements)})")
    if case.order not in (1, 2):
        raise DiffcheckError(f"order must be 1 or 2, not {case.order}")
    if not 0 <= case.points <= MAX_POINTS:
        raise DiffcheckError(f"points must be 0 to {MAX_POINTS}, not {case.points}")


def run_engine(case: Case, hits: Optional[list] = None, backward: bool = True) -> dict:
    """The program on our engine in float64, backward from the output; every statement's tensor by name.

    `hits` collects the special points (kinks, singular points, indeterminate forms, overflows) the program's ops
    sit on.
    """
    from .. import engine
    from .. import ops
    from ..lang.lower import number_params, numbers_alone, run
    from .special import Hit, dependencies, names_in, special_points

    closure = dependencies(case.program)

    def call(node, args, params):
        params = number_params(node, params, _is_number)
        # A mask used as a number is 1/0 in float64, as PyTorch promotes a bool tensor (where's condition stays a mask).
        args = [engine.tensor(a.data, dtype=engine.float64)
                if isinstance(a, engine.Tensor) and a.dtype is engine.bool_ and (node.op != "where" or i) else a
                for i, a in enumerate(args)]
        tensors = [a for a in args if isinstance(a, engine.Tensor)]
        try:
            if not tensors:
                return numbers_alone(ops.resolve(node.op, tuple(args), params, engine._ndim))
            result = (engine.TORCH_FUNCTIONS if node.function else engine.FUNCTIONS)[node.op](*args, **params)
        except ops.TorchIndexError as error:  # PyTorch's own refusal (a dim out of range), in its words
            raise DiffcheckError(f"'{node.op}': {error}", node.pos) from None
        except (ValueError, IndexError) as error:  # shapes that do not fit (numbers alone: matmul's)
            shapes = " and ".join(str(tuple(a.shape)) for a in tensors)
            raise DiffcheckError(f"'{node.op}' cannot combine shapes {shapes}" if tensors else str(error),
                                 node.pos) from None
        if hits is not None:
            op, resolved, row_params = ops.resolve(node.op, tuple(args), params, engine._ndim, node.function)
            datas = [a.data if isinstance(a, engine.Tensor) else a for a in resolved]
            depends = names_in(node, closure)
            found = special_points(op, datas, row_params, str(node.pos), depends)
            if not found and not np.all(np.isfinite(result.data)) and all(
                    np.all(np.isfinite(d)) for d in datas if not isinstance(d, (bool, np.bool_))):
                found = [Hit(op.name, "overflow", str(node.pos), "float64 overflow: the value left the float range",
                             depends)]
            hits.extend(found)
        return result

    leaves = {name: engine.tensor(case.values[name], dtype=engine.float64, requires_grad=name not in case.no_grad)
              for name in case.program.inputs}
    env = run(case.program, leaves, call)
    for statement in case.program.statements:  # `z = 2` names a number; report it as the constant tensor it is
        if not isinstance(env[statement.name], engine.Tensor):
            env[statement.name] = engine.tensor(env[statement.name], dtype=engine.float64)
    if env[case.program.output].dtype is engine.bool_:
        raise DiffcheckError("the output is a comparison (a boolean mask): it has no derivative; use it in where()")
    for name in case.retain:
        if not env[name].requires_grad:
            raise DiffcheckError(f"--retain-grad '{name}': can't retain_grad on Tensor that has requires_grad=False")
        env[name].retain_grad()
    out = env[case.program.output]
    if backward and out.requires_grad:
        out.backward(None if out.dim() == 0 else engine.tensor(np.ones(out.shape), dtype=engine.float64))
    return env


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check(case: Case) -> CheckResult:
    """Differentiate `case` on both sides and compare every tensor, at its point or at `points` random points.

    SymPy recurses about seven frames per level of nesting, so a program nested deeper than `DEEP` (`sin` applied 300
    times) is checked on a thread whose stack and recursion limit fit it.
    """
    if nesting(case.program) > DEEP:
        from .budget import run_deep

        return run_deep(lambda: _check(case), None)
    return _check(case)


DEEP = 40  # well inside the default recursion limit of 1000 frames, with room for the caller's own


def _check(case: Case) -> CheckResult:
    started = time.perf_counter()
    _validate(case)
    from .points import random_points

    shapes = {name: np.shape(np.asarray(case.values.get(name, 0.0), dtype=float)) for name in case.program.inputs}
    if not case.points:  # one point: the engine runs once, and the SymPy side reads its tensors
        hits: list = []
        env = run_engine(case, hits)
        result = _Prepared(case, shapes, env).at(case, env, hits)
    else:
        prepared = _Prepared(case, shapes)
        result = _worst([prepared.at(replace(case, values=values))
                         for values in random_points(case.program, shapes, case.points, case.seed)], case.points)
    result.seconds = time.perf_counter() - started
    return result


class _Prepared:
    """The SymPy side of a case, built and differentiated once, evaluated at any point of the same shapes."""

    def __init__(self, case: Case, shapes: dict, probe: Optional[dict] = None):
        import sympy as sp

        from .. import symbolic

        self.case, program = case, case.program
        out_name = program.output
        # The engine first: it reports bad shapes and retain_grad misuse as PyTorch would.
        if probe is None:
            probe = run_engine(replace(case, values={n: np.zeros(shapes[n]).tolist() for n in program.inputs}),
                               backward=False)
        self.syms = {name: symbolic.symbols(name, shapes[name]) for name in program.inputs}
        self.flat_syms = [s for name in program.inputs for s in symbolic.flat(self.syms[name])]
        full = symbolic.lower(program, self.syms)
        target = symbolic.scalar_output(full[out_name])
        self.output = symbolic.Evaluator(symbolic.flat(full[out_name]), self.flat_syms, as_written=True)
        self.target_fn = symbolic.compile_as_written(target, self.flat_syms)
        # Which tensors SymPy differentiates for: requiring leaves always, non-leaves when retained.
        self.rows = [(n, "input") for n in program.inputs]
        self.rows += [(s.name, "output" if s.name == out_name else "intermediate") for s in program.statements]
        self.derivatives: dict[str, tuple] = {}  # name -> (exprs, as-written function, its symbols, held symbols)
        # `b = a` names the very same tensor: aliases share the first name's derivative (and its retain_grad).
        first_name = {}
        for name, _ in self.rows:
            first_name.setdefault(id(probe[name]), name)
        self.origin = origin = {name: first_name[id(probe[name])] for name, _ in self.rows}
        retained = {origin[name] for name in case.retain}
        for name, role in self.rows:
            t = probe[name]
            if not t.requires_grad or (role != "input" and origin[name] not in retained):
                continue
            if origin[name] != name:
                self.derivatives[name] = self.derivatives[origin[name]]
            elif role == "input":
                self.derivatives[name] = ([sp.diff(target, s) for s in symbolic.flat(self.syms[name])],
                                          self.target_fn, self.flat_syms, [])
            else:  # hold the retained tensor as fresh symbols and differentiate the output with respect to them
                held = symbolic.flat(symbolic.symbols(name, np.shape(t.data)))
                held_array = symbolic.symbols(name, np.shape(t.data))
                partial = symbolic.scalar_output(symbolic.lower(program, self.syms, hold={name: held_array})[out_name])
                replace_held = dict(zip(held, symbolic.flat(full[name])))
                self.derivatives[name] = ([sp.diff(partial, s).xreplace(replace_held) for s in held],
                                          symbolic.compile_as_written(partial, self.flat_syms + held),
                                          self.flat_syms + held, held)
        firsts = [e for exprs, *_ in self.derivatives.values() for e in exprs]
        symbolic.within_budget(symbolic.flat(full[out_name]) + firsts, case.max_sympy_nodes)
        self.first = symbolic.Evaluator(firsts, self.flat_syms)
        self.second = []  # (label, name_a, name_b, exprs) for order 2: the Hessian blocks of the requiring inputs
        if case.order == 2:
            requiring = [n for n in program.inputs if probe[n].requires_grad]
            for i, a in enumerate(requiring):
                for b in requiring[i:]:
                    firsts = self.derivatives[a][0]
                    exprs = [sp.diff(d, s) for d in firsts for s in symbolic.flat(self.syms[b])]
                    self.second.append((f"d2/d{a}d{b}", a, b, exprs))
        seconds = [e for *_, exprs in self.second for e in exprs]
        symbolic.within_budget(firsts + seconds, case.max_sympy_nodes)
        self.second_eval = symbolic.Evaluator(seconds, self.flat_syms)

    def at(self, case: Case, env: Optional[dict] = None, hits: Optional[list] = None) -> CheckResult:
        """The result at `case.values`; `env` and `hits`, when given, are the engine's run at that point."""
        from ..engine.printing import tensor_repr

        if env is None:
            hits = []
            env = run_engine(case, hits)
        program, out_name = case.program, case.program.output
        point = [float(v) for n in program.inputs for v in np.asarray(case.values[n], dtype=float).reshape(-1)]
        context = Context(case, hits, point)

        out = env[out_name]
        out_exact = self.output(point)
        out_status, _, _, _ = compare(np.asarray(out.data, dtype=float), out_exact, context)
        output = OutputInfo(out_name, _plain(out.data), _nest([_exact_plain(v) for v in out_exact], out.shape),
                            out.grad_fn.name() if out.grad_fn else None, tensor_repr(out, default_dtype=out.dtype),
                            out_status)
        firsts = iter(self.first(point))
        results = []
        for name, role in self.rows:
            t = env[name]
            base = dict(name=name, role=role, requires_grad=t.requires_grad, is_leaf=t.is_leaf, shape=tuple(t.shape))
            if name in self.derivatives:
                exprs, function, syms, held = self.derivatives[name]
                exact = [next(firsts) for _ in exprs]
                grad = t._grad
                sided = Sided(function, point + [float(v) for v in np.asarray(t.data, dtype=float).reshape(-1)]
                               if held else point, len(point) if held else self._offset(self.origin[name]))
                numeric = _nest([sided.central(k) for k in range(len(exprs))], t.shape) if case.numeric else None
                if grad is None:
                    results.append(TensorResult(**base, engine=None, sympy=_nest([_exact_plain(v) for v in exact],
                                                t.shape), derivative=_derivative_text(exprs), abs_err=None,
                                                rel_err=None, status=NONE, numeric=numeric,
                                                note="not reached by backward: PyTorch leaves .grad None"))
                    continue
                status, abs_err, rel_err, note = compare(np.asarray(grad.data, dtype=float), exact,
                                                         context.about(name), sided)
                results.append(TensorResult(**base, engine=_plain(grad.data),
                                            sympy=_nest([_exact_plain(v) for v in exact], t.shape),
                                            derivative=_derivative_text(exprs), abs_err=abs_err, rel_err=rel_err,
                                            status=status, note=note, numeric=numeric))
            elif not t.requires_grad:
                results.append(TensorResult(**base, engine=None, sympy=None, derivative=None, abs_err=None,
                                            rel_err=None, status=NONE,
                                            note="requires_grad=False: .grad is None on both sides"))
            else:
                results.append(TensorResult(**base, engine=None, sympy=None, derivative=None, abs_err=None,
                                            rel_err=None, status=NOT_RETAINED,
                                            note=f"non-leaf: .grad is None unless retained (--retain-grad {name})"))
        if self.second:
            results.extend(self._second_order(case, context, point))
        return CheckResult(case.name, program.source, {n: case.values[n] for n in program.inputs}, output, results,
                           case.strict)

    def _offset(self, name: str) -> int:
        """Index of the first symbol of input `name` in the flat symbol list."""
        from .. import symbolic

        offset = 0
        for other in self.case.program.inputs:
            if other == name:
                return offset
            offset += len(symbolic.flat(self.syms[other]))
        raise KeyError(name)

    def _second_order(self, case: Case, context: "Context", point: list) -> list[TensorResult]:
        """Hessian blocks on the engine (autograd.grad with create_graph=True, one row per element) against SymPy's."""
        from .. import engine

        env = run_engine(case, backward=False)
        out = env[case.program.output]
        scalar = out if out.dim() == 0 else engine.FUNCTIONS["sum"](out)
        names = list(dict.fromkeys(n for _, a, b, _ in self.second for n in (a, b)))
        leaves = [env[n] for n in names]
        firsts = engine.grad(scalar, leaves, create_graph=True, allow_unused=True, materialize_grads=True)
        exact = iter(self.second_eval(point))
        rows = []
        for label, a, b, exprs in self.second:
            g = firsts[names.index(a)]
            a_shape, b_shape = np.shape(env[a].data), np.shape(env[b].data)
            block = np.zeros(a_shape + b_shape)
            for k in np.ndindex(*a_shape):
                if g.requires_grad:
                    onehot = np.zeros(a_shape)
                    onehot[k] = 1.0
                    (h,) = engine.grad(g, [env[b]], grad_outputs=engine.tensor(onehot, dtype=engine.float64),
                                       retain_graph=True, allow_unused=True, materialize_grads=True)
                    block[k] = np.asarray(h.data, dtype=float)
            values = [next(exact) for _ in exprs]
            status, abs_err, rel_err, note = compare(block, values, context.about(a) if a == b else context)
            rows.append(TensorResult(label, "second", True, True, a_shape + b_shape, _plain(block),
                                     _nest([_exact_plain(v) for v in values], a_shape + b_shape),
                                     _derivative_text(exprs), abs_err, rel_err, status, note))
        return rows


def _worst(results: list[CheckResult], count: int) -> CheckResult:
    """One result holding, for each tensor, its worst row over the points (most severe status, then largest error)."""
    def badness(row):
        return (SEVERITY[row.status], row.abs_err or 0.0)

    merged = results[0]
    for index in range(len(merged.tensors)):
        rows = [(r.tensors[index], r) for r in results]
        row, origin = max(rows, key=lambda pair: badness(pair[0]))
        if row.status not in (NONE, NOT_RETAINED):
            where = ", ".join(f"{k}={_point_text(v)}" for k, v in origin.point.items())
            row.note = (row.note + "; " if row.note else "") + f"worst of {count} points at {where}"
        merged.tensors[index] = row
    worst = max(results, key=lambda r: max(badness(t) for t in r.tensors) if r.tensors else (0, 0.0))
    merged.output = max((r.output for r in results), key=lambda o: SEVERITY[o.status])
    merged.point = worst.point
    return merged


def _point_text(value) -> str:
    return repr(value) if not isinstance(value, list) else "[" + ", ".join(_point_text(v) for v in value) + "]"


def _plain(data) -> Any:
    value = np.asarray(data, dtype=float)
    return value.item() if value.ndim == 0 else value.tolist()


def _exact_plain(value) -> Any:
    return value.value if value.kind == "finite" else value.kind


def _nest(items: list, shape: tuple) -> Any:
    if not shape:
        return items[0]
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array.reshape(shape).tolist()


def _derivative_text(exprs: list) -> str:
    import sympy as sp

    texts = [sp.sstr(e, order="none") for e in exprs]  # unsorted terms: sorting costs more than the whole check
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
