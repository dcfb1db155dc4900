"""Both sides at a point → plain-data results with statuses; the exit-code contract lives on `Report`."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from .errors import DiffcheckError
from .program import Program

# Default tolerances. float64 rounding in a dozen-op graph stays near 1e-15 relative; SymPy is exact. rtol 1e-8 leaves
# room for cancellation and PyTorch conventions (softplus is the identity above 20: 2e-9 off), while a backward rule
# that is wrong by one part in a million is still reported. atol catches true zeros met by rounding noise.
RTOL = 1e-8
ATOL = 1e-12

# Statuses, from best to worst within a tensor; `FAILING` ones make the exit code 1.
MATCH, NONE, NOT_RETAINED, KINK, SINGULAR, MISMATCH = "match", "none", "not-retained", "kink", "singular", "mismatch"
_SEVERITY = {NONE: 0, NOT_RETAINED: 0, MATCH: 0, KINK: 1, SINGULAR: 2, MISMATCH: 3}


@dataclass(frozen=True)
class Case:
    """What to check: a program, its input values, and how the tensors are set up."""

    program: Program
    values: dict[str, Any]  # name -> float or nested list of floats
    no_grad: frozenset[str] = frozenset()
    retain: frozenset[str] = frozenset()
    rtol: float = RTOL
    atol: float = ATOL
    strict: bool = False  # kink / singular differences fail too
    name: str = "expression"
    order: int = 1  # 2: also every second derivative (Hessian entries of the requiring inputs)
    points: int = 0  # > 0: check at this many random points from each op's smooth domain instead of `values`
    seed: int = 0
    numeric: bool = False  # add a central-difference opinion


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
        failing = {MISMATCH, KINK, SINGULAR} if self.strict else {MISMATCH}
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
    if missing:
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


def run_engine(case: Case) -> dict:
    """The program on our engine in float64, backward from the output; every statement's tensor by name."""
    from . import engine
    from .lower import number_params, run

    def call(node, args, params):
        try:
            return engine.FUNCTIONS[node.op](*args, **number_params(node, params, _is_number))
        except (ValueError, IndexError) as error:  # shapes that do not fit (NumPy's message)
            raise DiffcheckError(f"'{node.op}': {error}", node.pos) from None

    leaves = {name: engine.tensor(case.values[name], dtype=engine.float64, requires_grad=name not in case.no_grad)
              for name in case.program.inputs}
    env = run(case.program, leaves, call)
    for name in case.retain:
        if not env[name].requires_grad:
            raise DiffcheckError(f"--retain-grad '{name}': can't retain_grad on Tensor that has requires_grad=False")
        env[name].retain_grad()
    out = env[case.program.output]
    if out.requires_grad:
        out.backward(None if out.dim() == 0 else engine.tensor(np.ones(out.shape), dtype=engine.float64))
    return env


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check(case: Case) -> CheckResult:
    """Differentiate `case` on both sides at its point and compare every tensor."""
    import sympy as sp

    from . import symbolic
    from .tensor_repr import tensor_repr

    started = time.perf_counter()
    _validate(case)
    env = run_engine(case)
    program, out_name = case.program, case.program.output
    shapes = {name: np.shape(np.asarray(case.values[name], dtype=float)) for name in program.inputs}
    syms = {name: symbolic.symbols(name, shapes[name]) for name in program.inputs}
    point = {s: v for name in program.inputs
             for s, v in zip(symbolic.flat(syms[name]), np.asarray(case.values[name], dtype=float).reshape(-1))}
    full = symbolic.lower(program, syms)
    target = symbolic.scalar_output(full[out_name])

    rows: list[tuple[str, str, Any]] = [(n, "input", None) for n in program.inputs]
    rows += [(s.name, "intermediate" if s.name != out_name else "output", None) for s in program.statements]
    wanted = []  # (row index, derivative expressions)
    for index, (name, role, _) in enumerate(rows):
        t = env[name]
        if not t.requires_grad or (not t.is_leaf and not t.retains_grad):
            continue
        if role == "input":
            wanted.append((index, [sp.diff(target, s) for s in symbolic.flat(syms[name])]))
        else:  # hold the retained tensor as fresh symbols and differentiate the output with respect to them
            held = symbolic.symbols(f"{name}", np.shape(t.data))
            partial = symbolic.scalar_output(symbolic.lower(program, syms, hold={name: held})[out_name])
            replace = dict(zip(symbolic.flat(held), symbolic.flat(full[name])))
            wanted.append((index, [sp.diff(partial, s).xreplace(replace) for s in symbolic.flat(held)]))

    out_exact = symbolic.evaluate(symbolic.flat(full[out_name]), point, as_written=True)
    values = symbolic.evaluate([e for _, es in wanted for e in es], point)

    out = env[out_name]
    out_status, _, _ = compare(np.asarray(out.data, dtype=float), out_exact, case)
    output = OutputInfo(out_name, _plain(out.data), _nest([_exact_plain(v) for v in out_exact], out.shape),
                        out.grad_fn.name() if out.grad_fn else None, tensor_repr(out, default_dtype=out.dtype), out_status)

    derivatives = {index: exprs for index, exprs in wanted}
    results, cursor = [], 0
    for index, (name, role, _) in enumerate(rows):
        t = env[name]
        base = dict(name=name, role=role, requires_grad=t.requires_grad, is_leaf=t.is_leaf, shape=tuple(t.shape))
        if index in derivatives:
            exact = values[cursor:cursor + len(derivatives[index])]
            cursor += len(derivatives[index])
            grad = t._grad
            engine_grad = None if grad is None else np.asarray(grad.data, dtype=float)
            status, abs_err, rel_err = compare(engine_grad, exact, case) if grad is not None else (NONE, None, None)
            results.append(TensorResult(
                **base, engine=None if grad is None else _plain(grad.data),
                sympy=_nest([_exact_plain(v) for v in exact], t.shape), derivative=_derivative_text(derivatives[index]),
                abs_err=abs_err, rel_err=rel_err, status=status,
                note="" if grad is not None else "not reached by backward: PyTorch leaves .grad None"))
        elif not t.requires_grad:
            results.append(TensorResult(**base, engine=None, sympy=None, derivative=None, abs_err=None, rel_err=None,
                                        status=NONE, note="requires_grad=False: .grad is None on both sides"))
        else:
            results.append(TensorResult(**base, engine=None, sympy=None, derivative=None, abs_err=None, rel_err=None,
                                        status=NOT_RETAINED, note=f"non-leaf: .grad is None unless retained "
                                                                  f"(--retain-grad {name})"))
    return CheckResult(case.name, program.source, {n: case.values[n] for n in program.inputs}, output, results,
                       case.strict, time.perf_counter() - started)


# ---- comparison -----------------------------------------------------------------------------------------------------
def compare(engine_values: np.ndarray, exact: list, case: Case) -> tuple[str, Optional[float], Optional[float]]:
    """Worst element status, and the largest absolute / relative error over elements finite on both sides."""
    status, abs_err, rel_err = MATCH, None, None
    for e, s in zip(np.asarray(engine_values, dtype=float).reshape(-1).tolist(), exact):
        element = _element_status(e, s, case)
        if _SEVERITY[element] > _SEVERITY[status]:
            status = element
        if s.is_finite and math.isfinite(e):
            err = abs(e - s.value)
            abs_err = err if abs_err is None else max(abs_err, err)
            rel = err / abs(s.value) if s.value else (0.0 if err == 0 else math.inf)
            rel_err = rel if rel_err is None else max(rel_err, rel)
    return status, abs_err, rel_err


def _element_status(e: float, s, case: Case) -> str:
    if s.is_finite:
        if math.isfinite(e) and abs(e - s.value) <= case.atol + case.rtol * abs(s.value):
            return MATCH
        return MISMATCH
    if (s.kind == "nan" and math.isnan(e)) or (s.kind in ("inf", "-inf") and e == s.value):
        return MATCH  # non-finite values agree by kind
    if s.kind in ("zoo", "complex", "nan") and not math.isfinite(e):
        return SINGULAR  # a pole or outside the real domain: PyTorch's ±inf/nan against SymPy's zoo/complex
    return MISMATCH


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
    texts = [str(e) for e in exprs]
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
