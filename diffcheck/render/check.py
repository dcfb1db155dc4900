"""Results → reports: rich tables for people, JSON for machines. Pure functions that return, never print."""

from __future__ import annotations

import math
from typing import Any

from ..check import (
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
    SINGULAR,
    ZERO_TIMES_INF,
    CheckResult,
    Report,
    TensorResult,
)
from ..lang.values import number_text
from . import visible

STATUS_STYLE = {
    MATCH: ("✓ match", "green"),
    MISMATCH: ("✗ mismatch", "bold red"),
    NONE: ("none", "dim"),
    NOT_RETAINED: ("not-retained", "yellow"),
    KINK: ("~ kink", "yellow"),
    SINGULAR: ("~ singular", "yellow"),
    ZERO_TIMES_INF: ("~ zero-times-inf", "yellow"),
    OVERFLOW: ("~ overflow", "yellow"),
    INDETERMINATE: ("~ indeterminate", "yellow"),
    ROUNDING: ("~ rounding", "yellow"),
    ILL_CONDITIONED: ("~ ill-conditioned", "yellow"),
}


def _error_text(t: TensorResult) -> str:
    if t.abs_err is None:
        return ""
    return f"{t.abs_err:.1e}" if t.abs_err else "0"


MAX_ROWS = 12  # tensors a table shows without --verbose: the worst ones
MAX_DERIVATIVE = 400  # characters of one derivative shown without --verbose
_RANK = {MISMATCH: 0, MATCH: 2, NONE: 3, NOT_RETAINED: 3}  # the rest (kink, singular ...) 1: explained


def _worst_first(tensors: list[TensorResult]) -> list[TensorResult]:
    return sorted(tensors, key=lambda t: (_RANK.get(t.status, 1), -(t.abs_err or 0.0)))


def _shown(result: CheckResult, verbose: bool) -> tuple[list[TensorResult], int]:
    """The tensors to show, in program order when all are shown, worst first when only the worst are."""
    if verbose or len(result.tensors) <= MAX_ROWS:
        return list(result.tensors), 0
    return _worst_first(list(result.tensors))[:MAX_ROWS], len(result.tensors) - MAX_ROWS


MAX_ELEMENTS = 16  # elements of one gradient shown without --verbose; beyond, the worst few
WORST_ELEMENTS = 6


def _elements(value, index: tuple = ()) -> list[tuple[tuple, Any]]:
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _elements(v, (*index, i))]
    return [(index, value)]


def _gap(a, b) -> float:
    try:
        gap = abs(float(a) - float(b))
    except (TypeError, ValueError):  # SymPy's zoo, a complex value: as bad as it gets
        return math.inf
    return (0.0 if str(a) == str(b) else math.inf) if math.isnan(gap) else gap


def _values(t: TensorResult, numeric: bool, verbose: bool) -> list[str]:
    """The engine's, SymPy's (and the numeric) gradient as cell text; past MAX_ELEMENTS elements only the
    WORST_ELEMENTS that differ most, each with its index, and a line saying how many are not shown."""
    sides = [t.engine, t.sympy] + ([t.numeric] if numeric else [])
    flat = [_elements(v) if isinstance(v, list) else None for v in sides]
    if verbose or flat[0] is None or flat[1] is None or len(flat[0]) <= MAX_ELEMENTS:
        return [number_text(v) for v in sides]
    if any(f is not None and len(f) != len(flat[0]) for f in flat):
        return [number_text(v) for v in sides]
    gaps = [_gap(e, s) for (_, e), (_, s) in zip(flat[0], flat[1])]
    worst = sorted(range(len(gaps)), key=lambda i: -gaps[i])[:WORST_ELEMENTS]
    more = f"({len(gaps) - len(worst)} more elements: -v)"
    return [
        "\n".join([*(f"{list(f[i][0])} {number_text(f[i][1])}" for i in worst), more]) if f else number_text(v)
        for f, v in zip(flat, sides)
    ]


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _under(result: CheckResult, tensors: list[TensorResult], hidden: int, derivatives: bool, verbose: bool) -> list:
    """What is printed under the table: the tensors not shown, the derivatives that moved out of it, the notes."""
    from rich.text import Text

    lines = []
    if hidden:
        lines.append(
            Text(
                f"… {hidden} more tensor{'s' * (hidden > 1)} not shown, none worse than those above "
                "(-v/--verbose shows all)",
                style="dim",
            )
        )
    for t in tensors if derivatives else ():
        if t.derivative:
            lines.append(
                Text.assemble((f"d{result.output.name}/d{t.name}", "bold"), f" = {_cut(t.derivative, verbose)}")
            )
    notes: dict[str, list[str]] = {}  # the same note for many tensors (not-retained ones) is one line
    for t in tensors:
        if t.note:
            notes.setdefault(t.note.replace(f"--retain-grad {t.name})", "--retain-grad NAME)"), []).append(t.name)
    for note, names in notes.items():
        if len(names) == 1:
            note = note.replace("--retain-grad NAME)", f"--retain-grad {names[0]})")
        lines.append(Text.assemble((", ".join(names), "bold"), ": ", (note, "dim")))
    return lines


def _layout(result, tensors, hidden, engine_label, verbose, level: int):
    """One way to draw the tensors, narrower as `level` grows: 0 the values side by side and the derivative in a
    column; 1 the derivatives under the table; 2 the values stacked in one cell; 3 the role under the tensor's name;
    4 is_leaf under requires_grad and the abs err under the status."""
    from rich.text import Text

    from .fit import Col, Layout

    numeric = any(t.numeric is not None for t in result.tensors)

    def values(t: TensorResult) -> list[str]:
        return _values(t, numeric, verbose)

    def stack(*cells) -> Text:  # lines of one cell, the first plain, the others dim
        return Text("\n").join(
            Text(c, style="dim" if i else "") if isinstance(c, str) else c for i, c in enumerate(cells)
        )

    heads = [f"{engine_label} .grad", "SymPy"] + (["numeric"] if numeric else [])
    names = [Text(t.name, style="bold") for t in tensors]
    if level < 3:
        columns = [Col("tensor", names), Col("role", [t.role for t in tensors])]
    else:
        cells = [Text.assemble(n, "\n", (t.role, "dim")) for n, t in zip(names, tensors)]
        columns = [Col("tensor", cells, wrap=level == 4, fold=6)]  # narrowest: a long name folds, not a number
    if level < 4:
        columns += [
            Col("req", [_yes(t.requires_grad) for t in tensors]),
            Col("leaf", [_yes(t.is_leaf) for t in tensors]),
        ]
    else:
        columns.append(Col("req\nleaf", [stack(_yes(t.requires_grad), _yes(t.is_leaf)) for t in tensors]))
    if level < 2:
        columns += [Col(head, [values(t)[i] for t in tensors]) for i, head in enumerate(heads)]  # whole, else stacked
    else:
        columns.append(Col("\n".join(heads), [stack(*values(t)) for t in tensors], wrap=True))
    if level == 0:
        columns.append(Col("derivative", [_cut(t.derivative or "", verbose) for t in tensors], wrap=True, floor=24))
    statuses = [Text(*STATUS_STYLE[t.status]) for t in tensors]
    if level < 4:
        columns += [
            Col("abs err", [_error_text(t) for t in tensors], justify="right"),
            Col("status", statuses),
        ]
    else:
        columns.append(Col("status\nabs err", [stack(s, _error_text(t)) for s, t in zip(statuses, tensors)]))
    return Layout(columns, _under(result, tensors, hidden, level > 0, verbose))


def _cut(text: str, verbose: bool) -> str:
    if verbose or len(text) <= MAX_DERIVATIVE:
        return text
    return f"{text[:MAX_DERIVATIVE]} … {len(text) - MAX_DERIVATIVE} more characters (-v/--verbose)"


def tensor_table(result: CheckResult, engine_label: str = "engine", verbose: bool = False):
    """The tensors of a check, fitted to the width (the first of `_layout`'s levels that fits); status notes are
    always under the table. Beyond MAX_ROWS tensors only the worst are shown unless `verbose`."""
    from rich.text import Text

    from .fit import Fitted

    tensors, hidden = _shown(result, verbose)
    title = Text(visible(result.source or result.name), style="bold")
    return Fitted(
        title,
        [lambda level=level: _layout(result, tensors, hidden, engine_label, verbose, level) for level in range(5)],
    )


def verdict(result: CheckResult) -> str:
    checked = [t for t in result.tensors if t.status not in (NONE, NOT_RETAINED) or t.engine is not None]
    bad = [t.name for t in result.tensors if t.status == MISMATCH]
    explained = [t.name for t in result.tensors if t.status in EXPLAINED]
    if result.output.status == MISMATCH:
        bad.insert(0, f"{result.output.name} (value)")
    elif result.output.status in EXPLAINED:  # the value alone can differ by a convention (1**inf: 1 against nan)
        explained.insert(0, f"{result.output.name} (value)")
    if bad:
        return f"[bold red]✗ {len(bad)} disagreement{'s' if len(bad) > 1 else ''}: {', '.join(bad)}[/]"
    special = "a kink, singular point, overflow or indeterminate form"
    rounded = {t.name for t in result.tensors if t.status == ROUNDING}  # a rounding's cause is in its note
    if result.output.status == ROUNDING:
        rounded.add(f"{result.output.name} (value)")
    at_special = [name for name in explained if name not in rounded]
    within = [name for name in explained if name in rounded]
    if explained and result.strict:
        parts = [f"{', '.join(at_special)} differ at {special}"] * bool(at_special)
        parts += [f"{', '.join(within)} differ by rounding"] * bool(within)
        return f"[bold red]✗ --strict: {'; '.join(parts)}[/]"
    text = f"[green]✓ all gradients agree[/] ({len(checked)} checked"
    if at_special:
        text += f"; {', '.join(at_special)} at {special}, explained by PyTorch's convention"
    if within:
        text += f"; {', '.join(within)} within rounding"
    return text + ")"


def check_verdict(result: CheckResult):
    """`check -q`: the verdict line alone."""
    from rich.text import Text

    return Text.from_markup(verdict(result), emoji=False)


def load_check_table() -> None:
    """Load what `check_table` draws with (rich's table, and its table of character widths: 5 ms), for a caller with
    time to spare: `check` while its case runs in a child process."""
    from rich.cells import cell_len
    from rich.table import Table  # noqa: F401

    from . import fit  # noqa: F401

    cell_len("✓")  # a glyph that is not Latin-1 loads rich's width table


def check_table(result: CheckResult, engine_label: str = "engine", verbose: bool = False):
    """The whole `check` report: the tensor table, the output line and a one-line verdict."""
    from rich.console import Group
    from rich.text import Text

    out = result.output
    line = Text.assemble((f"{out.name} = ", "bold"), out.repr)
    if out.status != MATCH:
        line.append(
            f"   (SymPy value: {number_text(out.sympy_value)}: {out.status})",
            style="red" if out.status == MISMATCH else "yellow",
        )
    return Group(tensor_table(result, engine_label, verbose), line, Text.from_markup(verdict(result), emoji=False))


# ---- several engines side by side (`check --engine A --engine B`) ----------------------------------------------------
UNSUPPORTED = "unsupported"  # an engine that lacks what the case needs: shown like `none`, never a failure


def _short_status(t: TensorResult) -> str:
    label = STATUS_STYLE[t.status][0]
    if t.ulps is not None:
        return f"{label} {t.ulps:.3g} ulp"
    if t.status == MISMATCH and t.abs_err is not None:
        return f"{label} {_error_text(t)}"
    return label


def engines_table(runs: list):
    """One gradient column (headed by the engine's name) and one status column per engine beside SymPy's, for every
    tensor; under it each engine's verdict (or why it could not run the case). Narrow by design: tensor, SymPy, then
    two columns per engine; narrower, the status under each engine's .grad."""
    from rich.console import Group
    from rich.text import Text

    from .fit import Col, Fitted, Layout

    ran = [r for r in runs if r.result is not None]
    first = ran[0].result if ran else None
    title = (first.source or first.name) if first else ""
    tensors = list(enumerate(first.tensors)) if first else []

    def status(m) -> Text:
        return Text(_short_status(m), style=STATUS_STYLE[m.status][1]) if m else Text(UNSUPPORTED, style="dim")

    def layout(stacked: bool) -> Layout:
        columns = [
            Col("tensor", [Text(t.name, style="bold") for _, t in tensors]),
            Col("SymPy", [number_text(t.sympy) for _, t in tensors], wrap=True),
        ]
        for run in runs:
            mine = [run.result.tensors[i] if run.result else None for i, _ in tensors]
            values = [Text(number_text(m.engine) if m else "") for m in mine]
            if stacked:  # narrow: the status under the engine's .grad
                cells = [Text("\n").join([v, status(m)]) if v.plain else status(m) for v, m in zip(values, mine)]
                columns.append(Col(f"{run.engine}\nstatus", cells, wrap=True))
            else:
                columns += [Col(run.engine, values, wrap=True), Col("status", [status(m) for m in mine])]
        return Layout(columns)

    table = Fitted(
        Text(visible(title), style="bold"), [lambda: layout(False), lambda: layout(True)]
    )  # user text: never markup
    lines = [table] if first else []
    for run in runs:
        if run.result is None:
            lines.append(Text(f"{run.engine}: {UNSUPPORTED}: {run.unsupported}", style="dim"))
        else:
            lines.append(Text.assemble((run.engine, "bold"), ": ", Text.from_markup(verdict(run.result), emoji=False)))
    return Group(*lines)


# ---- machine formats ------------------------------------------------------------------------------------------------
def plain(value: Any) -> Any:
    """JSON-safe: non-finite floats become the strings "nan", "inf", "-inf"; tuples become lists. (A batch's
    report runs this on every value of every case, after the last one: the common types are told apart first.)"""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    if kind is float:
        return value if math.isfinite(value) else str(value)
    if kind is list:
        return [plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def result_data(result: CheckResult) -> dict:
    out = result.output
    return plain(
        {
            "name": result.name,
            "source": result.source,
            "ok": not result.failed,
            "point": result.point,
            "output": {
                "name": out.name,
                "value": out.value,
                "sympy": out.sympy_value,
                "grad_fn": out.grad_fn,
                "repr": out.repr,
                "status": out.status,
            },
            "tensors": [
                {
                    "name": t.name,
                    "role": t.role,
                    "requires_grad": t.requires_grad,
                    "is_leaf": t.is_leaf,
                    "shape": list(t.shape),
                    "engine": t.engine,
                    "sympy": t.sympy,
                    "derivative": t.derivative,
                    "abs_err": t.abs_err,
                    "rel_err": t.rel_err,
                    "status": t.status,
                    "note": t.note,
                    "numeric": t.numeric,
                    **({"ulps_float32": t.ulps} if t.ulps is not None else {}),
                }
                for t in result.tensors
            ],
            "seconds": round(result.seconds, 6),
            "symbolic": result.symbolic,
        }
    )


def engines_json(runs: list, exit_code: int) -> str:
    """`check --engine ... --format json`: one entry per engine, each naming it (`"engine"`), with its result's data
    or `"status": "unsupported"` and the reason."""
    import json

    entries = []
    for run in runs:
        if run.result is None:
            entries.append({"engine": run.engine, "label": run.label, "status": UNSUPPORTED, "reason": run.unsupported})
        else:
            entries.append({"engine": run.engine, "label": run.label, **result_data(run.result)})
    return json.dumps({"engines": entries, "exit_code": exit_code}, indent=2)


def check_json(report: Report) -> str:
    """One result's data at the top level (with `exit_code`), as `diffcheck check --format json` prints it."""
    data = result_data(report.results[0])
    data["exit_code"] = report.return_code
    import json  # here: a table needs none of it

    return json.dumps(data, indent=2)
