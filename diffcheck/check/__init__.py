"""Both sides at a point → plain-data results with statuses; the exit-code contract lives on `Report`.

The engine under test is reached through the interface of engines/base.py (diffcheck's own unless `check` is given
another); the SymPy side is built from the program alone (prepared.py).
"""

from __future__ import annotations

import sys
import time
import types
from dataclasses import replace
from typing import Any, Literal, Mapping, Optional, Union

import numpy as np

from ..defaults import ATOL, MAX_POINTS, RTOL
from .case import Case, case_of, validate
from .compare import (
    EXPLAINED,
    INDETERMINATE,
    ROUNDING,
    ILL_CONDITIONED,
    KINK,
    MATCH,
    MISMATCH,
    NONE,
    NOT_RETAINED,
    OVERFLOW,
    SEVERITY,
    SINGULAR,
    ZERO_TIMES_INF,
)
from .result import CheckResult, EngineRun, OutputInfo, Report, TensorResult
from .run import run_engine
from ..lang.program import nesting

__all__ = [
    "ATOL",
    "RTOL",
    "EXPLAINED",
    "INDETERMINATE",
    "ROUNDING",
    "ILL_CONDITIONED",
    "KINK",
    "MATCH",
    "MISMATCH",
    "NONE",
    "NOT_RETAINED",
    "OVERFLOW",
    "SINGULAR",
    "ZERO_TIMES_INF",
    "MAX_POINTS",
    "Case",
    "CheckResult",
    "EngineRun",
    "OutputInfo",
    "Report",
    "TensorResult",
    "check",
    "check_engines",
    "check_program",
    "run_engine",
]

DEEP = 40  # well inside the default recursion limit of 1000 frames, with room for the caller's own


def check(case: Case, engine=None) -> CheckResult:
    """Differentiate `case` on both sides and compare every tensor, at its point or at `points` random points.

    `engine` is the engine under test (engines/base.py), diffcheck's own unless given. SymPy recurses about seven
    frames per level of nesting, so a program nested deeper than `DEEP` (`sin` applied 300 times) is checked on a
    thread whose stack and recursion limit fit it, and so is one whose SymPy forms outgrow the default limit anyway
    (hardsigmoid of hardswish of a where: each a Piecewise of the other's).
    """
    from .budget import run_deep

    if nesting(case.program) > DEEP:
        return run_deep(lambda: _check(case, engine), None)
    try:
        return _check(case, engine)
    except RecursionError:  # a shallow program whose SymPy forms are deep (piecewise ops composed): again, with room
        return run_deep(lambda: _check(case, engine), None)


def check_program(
    expr_or_program,
    point: Mapping[str, Any],
    engine: Union[str, Any, None] = None,
    *,
    rtol: Optional[float] = None,
    atol: Optional[float] = None,
    no_grad: tuple[str, ...] = (),
    retain_grad: tuple[str, ...] = (),
    order: Literal[1, 2] = 1,
    dtype: Literal["float64", "float32"] = "float64",
    strict: bool = False,
) -> CheckResult:
    """`diffcheck.check(...)`: the gradients of a program of the check language (text or a parsed `Program`) at
    `point`, on `engine` (an `Engine`, or a name as `--engine` takes it; diffcheck's own by default) and in SymPy.
    Returns the `CheckResult` (`result.failed`, `result.tensors` ...) and never raises for a disagreement:
    `diffcheck.testing.assert_gradients` is the asserting form. Bad input raises `diffcheck.errors.DiffcheckError`."""
    from ..engines import load

    case = case_of(
        expr_or_program,
        point,
        no_grad=no_grad,
        retain_grad=retain_grad,
        rtol=rtol,
        atol=atol,
        strict=strict,
        order=order,
        dtype=dtype,
    )
    return check(case, load(engine) if isinstance(engine, str) else engine)


class _CallablePackage(types.ModuleType):
    """`diffcheck.check(...)` is the public API: this package called is `check_program` (the package keeps its
    name, which `import diffcheck.check` binds on `diffcheck`)."""

    def __call__(self, *args, **kwargs) -> CheckResult:
        return check_program(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage


def check_engines(case: Case, engines: list, timeout=None) -> list[EngineRun]:
    """`check` on each engine (loaded `Engine`s, in order), side by side: an engine that lacks what the case needs
    gives an `EngineRun` saying so (`Unsupported`), not an error. Other errors (the program's, SymPy's) propagate."""
    from ..engines import Unsupported
    from .budget import run_deep

    runs = []
    for engine in engines:
        try:
            result = run_deep(lambda engine=engine: check(case, engine), timeout, engine.fork_safe)
        except Unsupported as error:
            runs.append(EngineRun(engine.name, engine.label or engine.name, unsupported=error.message))
            continue
        result.engine = engine.name
        runs.append(EngineRun(engine.name, engine.label or engine.name, result))
    return runs


def _check(case: Case, engine) -> CheckResult:
    if case.rows:
        from .. import ops

        with ops.registered(*case.rows):
            return _check_rows(case, engine)
    return _check_rows(case, engine)


def _check_rows(case: Case, engine) -> CheckResult:
    from ..engines import Unsupported, default
    from ..lang.indices import index_inputs
    from .fast import prepare
    from .points import random_points
    from .prepared import masked

    started = time.perf_counter()
    validate(case)
    engine = engine or default()
    given = case  # its tolerances judge a float32 run's graph again in float64
    if case.dtype == "float32":
        case = float32_tolerance(case)
    if case.order == 2 and not engine.capabilities.second_order:
        raise Unsupported(engine.name, "second derivatives")
    shapes = {name: np.shape(np.asarray(case.values.get(name, 0.0), dtype=float)) for name in case.program.inputs}
    points = []
    if case.points:
        indices = {name: case.values[name] for name in index_inputs(case.program, case.values)}
        points = [
            replace(case, values={**values, **indices})  # an index or a mask keeps its given values
            for values in random_points(case.program, shapes, case.points, case.seed)
        ]
    runs = iter(points or [case])
    # The engine first: it reports bad shapes and retain_grad misuse as PyTorch would, before SymPy's work.
    first, hits = next(runs), []
    env = run_engine(first, hits, engine=engine)
    prepared = prepare(first, shapes)
    results = [prepared.at(first, engine, env, hits)]
    each_point = masked(case.program)  # a mask subscript: the SymPy side differs from point to point
    for at in runs:
        hits = []
        prepared = prepare(at, shapes) if each_point else prepared
        results.append(prepared.at(at, engine, run_engine(at, hits, engine=engine), hits))
    if case.dtype == "float32":
        for result in results:
            _float32_rounding(result, replace(given, values=result.point), engine)
    routes = list(dict.fromkeys(r.symbolic or prepared.route for r in results))
    result = _worst(results, case.points) if case.points else results[0]
    result.symbolic = "+".join(routes)  # symengine, sympy, or both (points where symengine could not serve)
    if case.dtype == "float32":
        _ulps(result)
    result.seconds = time.perf_counter() - started
    return result


F32_ULPS = 16  # float32's tolerance: this many units of its last place, relative, and as much absolute near zero
F32_EPS = 2.0**-23


def float32_tolerance(case: Case) -> Case:
    """A float32 run is judged by float32's precision: rtol and atol at least `F32_ULPS` ulps of float32 (1.9e-6), so
    a correctly rounded result (within half an ulp) passes while a wrong rule (off by a factor, a sign) does not."""
    floor = F32_ULPS * F32_EPS
    return replace(case, rtol=max(case.rtol, floor), atol=max(case.atol, floor))


def _float32_rounding(result: CheckResult, case: Case, engine) -> None:
    """A float32 value further than `F32_ULPS` from SymPy's whose graph, run again in float64, agrees with SymPy at
    the case's own tolerance: the rules are right, and the difference is float32's arithmetic — a sum that cancels
    (terms near 1 adding up to 0.04) keeps float32's error of its terms, whatever the ulps of its answer. Labelled
    `rounding` (failing only with --strict), the float64 run's error in the note."""
    from ..engines import Unsupported
    from .compare import close

    failing = [t for t in result.tensors if t.status == MISMATCH and t.engine is not None and t.sympy is not None]
    if not failing and result.output.status != MISMATCH:
        return
    wide = replace(case, dtype="float64", dtypes={})
    try:
        env = run_engine(wide, engine=engine)
    except Unsupported:
        return

    def agrees(value, exact) -> Optional[float]:
        """The largest difference when every element agrees with SymPy's at `wide`'s tolerance, else None."""
        pairs = list(zip(np.ravel(np.asarray(value, dtype=float)), np.ravel(np.asarray(exact, dtype=object))))
        if not all(isinstance(s, (int, float)) and close(float(e), s, wide) for e, s in pairs):
            return None
        return max((abs(float(e) - s) for e, s in pairs), default=0.0)

    for t in failing:
        grad = engine.grad(env[t.name]) if t.name in env else None  # (a Hessian entry's name is no tensor's)
        error = None if grad is None else agrees(grad, t.sympy)
        if error is not None:
            t.status = ROUNDING
            t.note = f"float32's rounding: the same graph in float64 agrees with SymPy (abs err {error:.2g})"
    out = result.output
    if out.status == MISMATCH and agrees(engine.value(env[out.name]), out.sympy_value) is not None:
        out.status = ROUNDING


def ulps32(engine_value, exact) -> Optional[float]:
    """How far the engine's value is from the exact one in units in the last place of float32 at the exact value
    (the largest over the elements); None when no element pair is finite."""
    worst = None
    for e, s in zip(np.ravel(np.asarray(engine_value, dtype=object)), np.ravel(np.asarray(exact, dtype=object))):
        if not isinstance(e, (int, float)) or not isinstance(s, (int, float)):
            continue
        if not (np.isfinite(e) and np.isfinite(s)):
            continue
        ulp = float(np.spacing(np.float32(abs(s)))) if abs(s) < 3.4e38 else float("inf")
        distance = abs(e - s) / ulp if ulp else 0.0
        worst = distance if worst is None else max(worst, distance)
    return worst


def _ulps(result: CheckResult) -> None:
    """Each compared tensor's distance from SymPy in float32 ulps, in its note."""
    for t in result.tensors:
        if t.engine is None or t.sympy is None:
            continue
        distance = ulps32(t.engine, t.sympy)
        if distance is not None:
            t.ulps = distance
            t.note = (t.note + "; " if t.note else "") + f"{distance:.3g} ulp of float32"


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
