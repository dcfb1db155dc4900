"""Plain-data results of a check, and the exit-code contract on `Report`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from .compare import EXPLAINED, MISMATCH


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
    ulps: Optional[float] = None  # float32 runs: the largest distance from SymPy in units in the last place of float32


@dataclass
class OutputInfo:
    name: str
    value: Any
    sympy_value: Any
    grad_fn: Optional[str]
    repr: str
    status: str  # the forward values compared: match / singular / mismatch


_FAILING, _FAILING_STRICT = frozenset({MISMATCH}), frozenset({MISMATCH, *EXPLAINED})


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
    engine: str = ""  # the engine under test, by the name it was given (empty: diffcheck's own, not asked for)
    symbolic: str = ""  # the exact side's route: sympy, symengine, or symengine+sympy (check/fast.py)

    @property
    def statuses(self) -> list[str]:
        return [self.output.status] + [t.status for t in self.tensors]

    @property
    def failed(self) -> bool:
        failing = _FAILING_STRICT if self.strict else _FAILING
        return (
            bool(self.broken_expectations)
            or self.output.status in failing
            or any(t.status in failing for t in self.tensors)
        )

    @property
    def worst_error(self) -> Optional[float]:
        errors = [t.abs_err for t in self.tensors if t.abs_err is not None]
        return max(errors) if errors else None


@dataclass
class EngineRun:
    """One engine's outcome on a case: its result, or why the engine could not run it (`Unsupported`: an op it lacks,
    a tensor it cannot hold). Not being supported is an outcome of the case on that engine, never a failure."""

    engine: str  # the name it was given (`torch`, `mypkg.adapter:make`)
    label: str  # how reports name it ("PyTorch")
    result: Optional[CheckResult] = None
    unsupported: str = ""  # the one-line reason, when result is None

    @property
    def failed(self) -> bool:
        return self.result is not None and self.result.failed


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


# ---- plain values for the results ---------------------------------------------------------------------------------
def plain(data) -> Any:
    value = np.asarray(data, dtype=float)
    return value.item() if value.ndim == 0 else value.tolist()


def exact_plain(value) -> Any:
    return value.value if value.kind == "finite" else value.kind


def nest(items: list, shape: tuple) -> Any:
    if not shape:
        return items[0]
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array.reshape(shape).tolist()


def exact_nested(values: list, shape: tuple) -> Any:
    """SymPy's values, nested like the tensor."""
    return nest([exact_plain(v) for v in values], shape)


TEXT_NODES = 1_000_000  # a row's derivatives longer than this, written out, are described instead


def derivative_text(exprs: list, sizes: Optional[dict] = None) -> str:
    """A row's derivatives as SymPy or symengine print them, unless written out they have more than `TEXT_NODES`
    nodes together: a derivative of shared subexpressions (`a = sin(a) * cos(a)` forty times, a 2-layer MLP's loss
    by each of its weights) is small as a graph and huge as text, and printing it would hold the interpreter (and
    the --timeout's clock) for as long as it takes. `sizes`: each node's size written out, where the caller has
    counted them (`written_sizes`)."""
    if sizes is not None and all(e in sizes for e in exprs):
        written = sum(sizes[e] for e in exprs)
    else:
        written = _written(exprs)
    if written > TEXT_NODES:
        return f"(too long to print: over {TEXT_NODES:,} nodes written out)"
    if exprs and type(exprs[0]).__module__.startswith("symengine"):  # the symengine route's forms
        texts = [str(e) for e in exprs]
    else:
        import sympy as sp

        texts = [sp.sstr(e, order="none") for e in exprs]  # unsorted terms: sorting costs more than the whole check
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"


def written_sizes(order: list) -> dict:
    """Each node of a postorder (exact.postorder) -> its size written out, a shared subtree counted each time."""
    sizes: dict = {}
    for node in order:
        sizes[node] = 1 + sum(sizes[a] for a in node.args)
    return sizes


def _written(exprs: list) -> int:
    """The nodes of `exprs` written out, counted until past `TEXT_NODES`: one expression at a time, the shared ones
    walked once, so a long row stops early."""
    from ..exact import postorder

    sizes: dict = {}
    seen: set = set()
    written = 0
    for expr in exprs:
        for node in postorder([expr], seen):
            sizes[node] = 1 + sum(sizes[a] for a in node.args)
        written += sizes.get(expr, 1)
        if written > TEXT_NODES:
            break
    return written
