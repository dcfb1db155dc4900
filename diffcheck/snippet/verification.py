"""`diffcheck run`, verifying: the backward() calls a run recorded (`Outcome`), each one's Case checked with
`check.check` — of a loop's calls of one graph shape, the first, the last and a seeded sample between — and the
report's notes for what a snippet adds (retain_grad(), a custom Function's inputs)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Any, Optional

import numpy as np

from ..check import MISMATCH, NOT_RETAINED, Case, Report
from ..defaults import SNIPPET_SAMPLE, SNIPPET_SAMPLE_SEED
from ..errors import DiffcheckError
from ..lang.program import Apply, Var
from .second_order import CREATE_GRAPH
from .trace_entries import Taken


@dataclass
class Backward:
    """One backward() call: the Case that verifies it, or why it cannot be verified."""

    line: int
    text: str
    case: Optional[Case] = None
    problem: Optional[str] = None
    own: dict = field(default_factory=dict)  # leaf name -> (.grad before, .grad after) in the snippet's own run


class Sampler:
    """Of items coming one by one (a loop's calls of one graph shape): the first, the last, and `size` drawn with a
    fixed seed between them, uniformly (Algorithm R over the ones between: each is kept or dropped as the next
    comes), so that what is not verified is not kept."""

    def __init__(self, size: int, seed: int = SNIPPET_SAMPLE_SEED):
        self.size, self.random = size, random.Random(seed)
        self.count = 0
        self.first: Optional[tuple] = None
        self.pending: Optional[tuple] = None  # the latest: the last unless another comes
        self.between: list[tuple] = []  # (index, item)

    def add(self, item) -> None:
        index, self.count = self.count, self.count + 1
        if index == 0:
            self.first = (0, item)
            return
        if self.pending is not None:
            seen = self.pending[0] - 1  # its place among the items between
            if seen < self.size:
                self.between.append(self.pending)
            else:
                slot = self.random.randrange(seen + 1)
                if slot < self.size:
                    self.between[slot] = self.pending
        self.pending = (index, item)

    def chosen(self) -> list[tuple]:
        """(index, item) of the kept ones, in order."""
        return [self.first, *sorted(self.between, key=lambda pair: pair[0])] + [self.pending] * (
            self.pending is not None
        )


def sampled_calls(count: int, sample: int, seed: int = SNIPPET_SAMPLE_SEED) -> list[int]:
    """The indices verified among `count` calls of one shape: the first, the last, and `sample` drawn between."""
    sampler = Sampler(sample, seed)
    for index in range(count):
        sampler.add(index)
    return [index for index, _ in sampler.chosen()]


@dataclass
class Shape:
    """The calls of one graph shape: every call's line, the sampled calls' Cases, whether all were identical."""

    sampler: Sampler
    key: Any  # the first call's values: identical calls are verified once
    lines: list[int] = field(default_factory=list)
    identical: bool = True


@dataclass
class Outcome:
    """What a run produced besides its output: its backward() calls (those verification will check, sampled per graph
    shape as they come: `sample` between the first and the last; of those that cannot be verified, a count per line
    and reason), and how it stopped if it did not finish."""

    where: str
    sample: int = SNIPPET_SAMPLE
    calls: int = 0
    last: Optional[Backward] = None  # the latest call
    shapes: dict = field(default_factory=dict)  # shape key -> Shape, in order of first call
    problems: dict = field(default_factory=dict)  # (line, problem) -> calls
    raised: Optional[str] = None  # `file:line: RuntimeError: <text>`, as the real program would fail
    error: Optional[DiffcheckError] = None  # something diffcheck cannot run, found while running

    def record(self, call: Backward) -> None:
        self.calls += 1
        self.last = call
        if call.case is None:
            key = (call.line, call.problem)
            self.problems[key] = self.problems.get(key, 0) + 1
            return
        shape = self.shapes.get(_shape_key(call.case))
        if shape is None:
            shape = self.shapes[_shape_key(call.case)] = Shape(Sampler(self.sample), _key(call.case))
        elif shape.identical:
            shape.identical = _key(call.case) == shape.key
        shape.lines.append(call.line)
        shape.sampler.add(call)


def verify(
    outcome: Outcome,
    rtol: Optional[float] = None,
    atol: Optional[float] = None,
    strict: bool = False,
    timeout: float = 60.0,
    engines: tuple = (),
    unsupported: Optional[list] = None,
) -> tuple[Report, list[list[int]]]:
    """Check the backward() calls the run kept with `check.check`, each within `timeout` seconds: of each graph shape
    (a loop's steps), the first and the last call and `outcome.sample` calls drawn between them with a fixed seed;
    each verified call stands for the calls after it up to the next verified one. Returns the report and, per result,
    the lines of the calls it stands for. `engines` (loaded `Engine`s; none: diffcheck's own) check each call in turn,
    the result's title naming the engine; a call an engine cannot run is a line in `unsupported`, never a failure."""
    errors = [outcome.raised] if outcome.raised else []
    if outcome.error is not None:
        errors.append(str(outcome.error))
    for (line, problem), count in outcome.problems.items():
        calls = "this backward()" if count == 1 else f"these {count} backward() calls"
        errors.append(f"{outcome.where}:{line}: cannot verify {calls}: {problem}")
    results, lines = [], []
    options = {k: v for k, v in (("rtol", rtol), ("atol", atol)) if v is not None}
    for shape in outcome.shapes.values():
        for call, title, covered in _sampled(outcome.where, shape):
            for engine in engines or (None,):
                case, named = _on(call.case, engine, title)
                case = replace(case, program=replace(case.program, source=named), name=named, strict=strict, **options)
                result = _verified(case, covered[0], outcome.where, timeout, errors, engine, unsupported)
                if result is not None:
                    if engine is None:  # the snippet ran on diffcheck's engine: what it saw is what the check gives
                        _own_gradients(case, result, call.own)
                    results.append(result)
                    lines.append(covered)
    if not outcome.calls and not errors:
        errors.append(f"{outcome.where}: no backward() call: nothing to verify")
    elif not results and not errors and unsupported:  # as verify: a run that checked nothing is no pass
        errors.append(f"{outcome.where}: no backward() call could be checked on the engines named")
    return Report(results, errors), lines


def _on(case: Case, engine, title: str) -> tuple[Case, str]:
    """The case for `engine` (None: diffcheck's own, which the snippet ran on) and its title. An engine that has no
    float32 checks a float32 snippet's graph in float64, as its title says: its rules are what is compared."""
    if engine is None:
        return case, title
    if {case.dtype, *case.dtypes.values()} <= engine.capabilities.dtypes:
        return case, f"{title}  [{engine.name}]"
    return replace(case, dtype="float64", dtypes={}), f"{title}  [{engine.name}, in float64]"


def _sampled(where: str, shape: Shape):
    """(call, title, lines of the calls it stands for) per verified call of one graph shape."""
    chosen, count = shape.sampler.chosen(), shape.sampler.count
    first = chosen[0][1]
    text = f"{where}:{first.line}: {first.text}"
    every = f"lines {', '.join(map(str, sorted(set(shape.lines))))}"
    if count == 1:
        return [(first, text, shape.lines)]
    if shape.identical:
        return [(first, f"{text}  ({count} identical calls, {every})", shape.lines)]
    out = []
    for k, (index, call) in enumerate(chosen):
        end = chosen[k + 1][0] if k + 1 < len(chosen) else index + 1
        stands = "itself" if end - index == 1 else f"calls {index + 1}-{end}"
        title = (
            f"{where}:{call.line}: {call.text}  (call {index + 1} of {count} of this graph shape, {every}; "
            f"verified: {len(chosen)}, this one stands for {stands})"
        )
        out.append((call, title, shape.lines[index:end]))
    return out


def _own_gradients(case: Case, result, own: dict) -> None:
    """A leaf whose .grad in the snippet's own run is not its .grad before plus the engine's gradient in the check
    (the traced graph run in the leaves' dtypes: the same engine, the same ops), bit for bit, is a mismatch: the
    gradient the snippet saw is not the graph's that was verified (the engine's state — views, in-place changes — went
    wrong where a fresh run does not, or the trace missed a step); a custom Function's too, its backward run as the
    snippet's row. Not a graph through a create_graph gradient: its row runs the first call's program again on leaves
    of its own, so a leaf the gradient reaches through the row and directly gets the two added in another order than
    in the snippet's run (1 ulp apart)."""
    if any(row.grad_fn == CREATE_GRAPH for row in case.rows):
        return
    for t in result.tensors:
        if t.role != "input" or t.name not in own:
            continue
        before, after = own[t.name]
        given = None if t.engine is None else np.asarray(t.engine, dtype=case.dtypes.get(t.name, case.dtype))
        if given is not None and after is not None:  # cast to the .grad's dtype (grad_dtype), then accumulated
            given = given.astype(after.dtype)
        want = before if given is None else given if before is None else before + given
        if (want is None) != (after is None) or (
            want is not None and not np.array_equal(np.asarray(want), np.asarray(after), equal_nan=True)
        ):
            shown = "None" if after is None else np.asarray(after).tolist()
            wanted = "None" if want is None else np.asarray(want).tolist()
            t.status = MISMATCH
            t.note = (
                f"the snippet's .grad after this backward() is {shown}, where its graph gives {wanted} "
                "(diffcheck went wrong in this run: please report it)"
            )


def _verified(case: Case, line: int, where: str, timeout: float, errors: list, engine=None, unsupported=None):
    """One check (on `engine`; diffcheck's own unless given), its failures as error lines; the notes of a snippet's
    rows. A call the engine cannot run goes to `unsupported`."""
    from ..check.budget import run_deep
    from ..check import check
    from ..engines import Unsupported

    case = _free_names(case)
    try:
        result = run_deep(lambda: check(case, engine), timeout, engine is None or engine.fork_safe)
    except Unsupported as error:
        if unsupported is not None:
            unsupported.append(f"{where}:{line}: backward() not checked on engine '{engine.name}': {error}")
        return None
    except DiffcheckError as error:
        errors.append(f"{where}:{line}: cannot verify this backward(): {error}")
        return None
    except Exception as error:  # noqa: BLE001 - a crash in one check must not lose the output and the others
        errors.append(
            f"{where}:{line}: cannot verify this backward(): internal error in check: {type(error).__name__}: {error}"
        )
        return None
    finally:
        if case.rows:
            from ..engine.forward import _kept

            _kept.cache_clear()  # what a node keeps is cached by row name; these names come back as other rows
    inputs = _custom_inputs(case)
    for t in result.tensors:
        if t.status == NOT_RETAINED:  # check's note names its --retain-grad flag; a snippet calls a method
            t.note = _not_retained_note(t)
        if t.name in inputs:
            t.note = inputs[t.name] + (f"; {t.note}" if t.note else "")
    return result


def _free_names(case: Case) -> Case:
    """The case with its rows renamed where a name is in the table still (a check that ran out of time goes on in
    its thread with its rows until it ends)."""
    from .. import ops

    taken = Taken(ops.OPS)
    renamed = {row.name: taken.unique(row.name) for row in case.rows}
    if all(old == new for old, new in renamed.items()):
        return case

    def rename(expr):
        if not isinstance(expr, Apply):
            return expr
        return replace(expr, op=renamed.get(expr.op, expr.op), args=tuple(rename(a) for a in expr.args))

    statements = tuple(replace(s, value=rename(s.value)) for s in case.program.statements)
    rows = tuple(replace(row, name=renamed[row.name]) for row in case.rows)
    return replace(case, program=replace(case.program, statements=statements), rows=rows)


def _custom_inputs(case: Case) -> dict[str, str]:
    """name -> what it is to a custom Function (`input 0 of Cube, whose backward (line 13) gave this gradient`),
    for the tensors passed to one."""
    rows = {row.name: row for row in case.rows if row.grad_fn != CREATE_GRAPH}  # custom Functions' rows
    found: dict[str, str] = {}
    stack = [s.value for s in case.program.statements]
    while stack:
        expr = stack.pop()
        if not isinstance(expr, Apply):
            continue
        stack.extend(expr.args)
        row = rows.get(expr.op)
        for index, arg in enumerate(expr.args if row else ()):
            if isinstance(arg, Var):
                found.setdefault(arg.name, f"input {index} of {row.name}: {row.derivative} gave this gradient")
    return found


def _not_retained_note(t) -> str:
    if t.is_leaf:  # x.backward() on a leaf: the output row is the leaf itself
        return "the leaf itself: its gradient is on its own row"
    how = f"{t.name}.retain_grad()" if t.name.isidentifier() else "retain_grad()"
    return f"non-leaf: .grad is None unless retained ({how} before backward)"


def _shape_key(case: Case):
    """Calls that differ only in their values (a loop's steps) are one graph shape: verified once."""
    shapes = tuple(sorted((k, np.shape(v)) for k, v in case.values.items()))
    return (case.program, shapes, case.no_grad, case.retain, _dtypes(case))


def _key(case: Case):
    values = tuple(sorted((k, repr(v)) for k, v in case.values.items()))
    return (case.program, values, case.no_grad, case.retain, _dtypes(case))


def _dtypes(case: Case):
    return (case.dtype, tuple(sorted(case.dtypes.items())))
