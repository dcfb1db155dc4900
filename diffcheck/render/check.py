"""Results → reports: rich tables for people, JSON for machines. Pure functions that return, never print."""

from __future__ import annotations

import math
from typing import Any

from ..check import (
    EXPLAINED,
    INDETERMINATE,
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
}


def _error_text(t: TensorResult) -> str:
    if t.abs_err is None:
        return ""
    return f"{t.abs_err:.1e}" if t.abs_err else "0"


def tensor_table(result: CheckResult, engine_label: str = "engine"):
    from rich.table import Table
    from rich.text import Text

    numeric = any(t.numeric is not None for t in result.tensors)
    table = Table(title=Text(result.source or result.name, style="bold"), title_justify="left", show_lines=False)
    for column, options in (
        ("tensor", {"style": "bold"}),
        ("role", {}),
        ("requires_grad", {}),
        ("is_leaf", {}),
        (f"{engine_label} .grad", {"overflow": "fold"}),
        ("SymPy", {"overflow": "fold"}),
        *([("numeric", {"overflow": "fold"})] if numeric else []),
        ("derivative", {"overflow": "fold"}),
        ("abs err", {"justify": "right"}),
        ("status", {}),
    ):
        table.add_column(column, **options)
    for t in result.tensors:
        label, style = STATUS_STYLE[t.status]
        status = Text(label, style=style)
        if t.note:
            status.append(f"\n{t.note}", style="dim")
        table.add_row(
            t.name,
            t.role,
            str(t.requires_grad),
            str(t.is_leaf),
            number_text(t.engine),
            number_text(t.sympy),
            *([number_text(t.numeric) if t.numeric is not None else ""] if numeric else []),
            t.derivative or "",
            _error_text(t),
            status,
        )
    return table


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
    if explained and result.strict:
        return f"[bold red]✗ --strict: {', '.join(explained)} differ at {special}[/]"
    text = f"[green]✓ all gradients agree[/] ({len(checked)} checked"
    if explained:
        text += f"; {', '.join(explained)} at {special}, explained by PyTorch's convention"
    return text + ")"


def check_table(result: CheckResult, engine_label: str = "engine"):
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
    return Group(tensor_table(result, engine_label), line, Text.from_markup(verdict(result), emoji=False))


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
    two columns per engine, so two engines fit 80 columns."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    ran = [r for r in runs if r.result is not None]
    first = ran[0].result if ran else None
    title = (first.source or first.name) if first else ""
    table = Table(title=Text(title, style="bold"), title_justify="left")  # user text: never markup
    table.add_column("tensor", style="bold")
    table.add_column("SymPy", overflow="fold")
    for run in runs:
        table.add_column(f"{run.engine}", overflow="fold")  # its .grad
        table.add_column("status", overflow="fold")
    for index, t in enumerate(first.tensors if first else []):
        cells = [t.name, number_text(t.sympy)]
        for run in runs:
            if run.result is None:
                cells += ["", Text(UNSUPPORTED, style="dim")]
                continue
            mine = run.result.tensors[index]
            cells += [number_text(mine.engine), Text(_short_status(mine), style=STATUS_STYLE[mine.status][1])]
        table.add_row(*cells)
    lines = [table] if first else []
    for run in runs:
        if run.result is None:
            lines.append(Text(f"{run.engine}: {UNSUPPORTED}: {run.unsupported}", style="dim"))
        else:
            lines.append(Text.assemble((run.engine, "bold"), ": ", Text.from_markup(verdict(run.result), emoji=False)))
    return Group(*lines)


# ---- machine formats ------------------------------------------------------------------------------------------------
def plain(value: Any) -> Any:
    """JSON-safe: non-finite floats become the strings "nan", "inf", "-inf"; tuples become lists."""
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
