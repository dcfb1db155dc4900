"""A verify batch → reports: a rich table, JSON, JUnit XML, GitHub workflow commands, Markdown.

Pure functions that return text or renderables; `write_atomic` is the one writer, so a crash or Ctrl-C never leaves a
truncated report behind.
"""

from __future__ import annotations

import html
import json
import re
from typing import Mapping

from ..check.compare import MATCH, MISMATCH, NONE, NOT_RETAINED
from ..lang.values import number_text
from . import visible
from .check import plain, result_data
from ..batch.verify import ERROR, FAIL, PASS, TIMEOUT, UNSUPPORTED, Batch, Outcome

_STYLE = {
    PASS: ("✓ pass", "green"),
    FAIL: ("✗ fail", "bold red"),
    ERROR: ("! error", "bold red"),
    TIMEOUT: ("⏱ timeout", "bold red"),
    UNSUPPORTED: ("– unsupported", "dim"),  # the engine lacks what the case needs: not a failure
}
_QUIET = (MATCH, NONE, NOT_RETAINED)


# ---- words shared by every format -------------------------------------------------------------------------------------
def label(outcome: Outcome) -> str:
    return visible(outcome.name) if outcome.name is not None else "(file)"


def place(outcome: Outcome) -> str:
    """`file:line`, or the path alone for a row about a path itself (line 0: a folder that cannot be listed)."""
    return visible(f"{outcome.file}:{outcome.line}" if outcome.line else outcome.file)


def problems(outcome: Outcome) -> list[str]:
    """Why a case did not pass, one line each (empty for a pass), control characters escaped."""
    return [visible(line) for line in _problems(outcome)]


def _problems(outcome: Outcome) -> list[str]:
    if outcome.status == UNSUPPORTED:
        return [outcome.note]
    if outcome.error:
        prefix = f"{place(outcome)}: " + (f"case '{outcome.name}': " if outcome.name is not None else "")
        return [outcome.error.removeprefix(prefix)]
    result = outcome.result
    if result is None or outcome.status == PASS:
        return []
    lines = [f"broken expectation: {line}" for line in result.broken_expectations]
    out = result.output
    if out.status not in _QUIET:
        lines.append(
            f"output {out.name}: {out.status}: engine {number_text(out.value)}, SymPy {number_text(out.sympy_value)}"
        )
    for t in result.tensors:
        if t.status == MISMATCH or (result.strict and t.status not in _QUIET):
            lines.append(
                f"{t.name}: {t.status}: engine {number_text(t.engine)}, SymPy {number_text(t.sympy)}"
                + (f" ({t.note})" if t.note else "")
            )
    return lines


def diagnosis(outcome: Outcome) -> str:
    """The full story of a case that did not pass: the error that stopped it, or every problem, the program, the
    point and every tensor; control characters escaped."""
    return visible(_diagnosis(outcome))


def _diagnosis(outcome: Outcome) -> str:
    if outcome.error:
        return outcome.error
    lines = [f"{outcome.file}:{outcome.line}: case '{outcome.name}': {outcome.status}", *problems(outcome)]
    result = outcome.result
    if result is not None:
        lines.append(f"program: {result.source}")
        lines.append("point: " + ", ".join(f"{k}={number_text(v)}" for k, v in result.point.items()))
        lines.append(
            f"output {result.output.name} = {result.output.repr} (SymPy {number_text(result.output.sympy_value)},"
            f" {result.output.status})"
        )
        for t in result.tensors:
            lines.append(
                f"  {t.name} [{t.role}] {t.status}: engine .grad {number_text(t.engine)}, SymPy "
                f"{number_text(t.sympy)}"
                + (f", d = {t.derivative}" if t.derivative else "")
                + (f", abs err {t.abs_err:.3g}" if t.abs_err is not None else "")
            )
    return "\n".join(lines)


def summary(batch: Batch) -> str:
    counts = [
        f"{batch.count(PASS)} passed",
        f"{batch.count(FAIL)} failed",
        f"{batch.count(ERROR)} error{'s' * (batch.count(ERROR) != 1)}",
        f"{batch.count(TIMEOUT)} timed out",
    ]
    if batch.count(UNSUPPORTED):  # only runs naming engines have them; other summaries stay as they were
        counts.append(f"{batch.count(UNSUPPORTED)} unsupported by their engine")
    cases = len(batch.outcomes)  # every row: a file that cannot be read is one error, as a case that cannot run
    other = len(batch.errors)
    outside = f"; {other} error{'s' * (other != 1)} outside the cases" if other else ""  # a path, a signal ...
    shard = f", shard {batch.shard[0]}/{batch.shard[1]}" if batch.shard else ""
    return (
        f"{cases} case{'s' * (cases != 1)}: {', '.join(counts)}{outside} in {batch.seconds:.1f} s "
        f"(-j {batch.jobs}{shard}); exit code {batch.report.return_code}"
    )


def _error_text(outcome: Outcome) -> str:
    worst = outcome.result.worst_error if outcome.result else None
    return "" if worst is None else f"{worst:.1e}" if worst else "0"


# ---- table ----------------------------------------------------------------------------------------------------------------
def _layout(shown: list[Outcome], detail: bool, stacked: bool = False):
    """The cases as rows: `file:line` whole (a path stays clickable), the status and numbers whole; why a case did
    not pass in a `detail` column, or (narrow) under the table, one `file:line: problem` line each; narrower still,
    the case's name under its `file:line`."""
    from rich.text import Text

    from .fit import Col, Layout

    styled = [Text(*_STYLE[o.status]) for o in shown]
    if stacked:
        columns = [Col("file\ncase", [Text.assemble(place(o), "\n", (label(o), "bold")) for o in shown], wrap=True)]
    else:  # a case name as written: `name [torch]` is no markup
        columns = [
            Col("file", [place(o) for o in shown]),
            Col("case", [Text(label(o)) for o in shown], wrap=True, floor=20),
        ]
    columns += [
        Col("status", styled),
        Col("worst error", [_error_text(o) for o in shown], justify="right"),
        Col("time", [f"{o.seconds:.2f}s" for o in shown], justify="right"),
    ]
    if detail:
        return Layout([*columns, Col("detail", ["\n".join(problems(o)) for o in shown], wrap=True, floor=24)])
    under = [Text(f"{place(o)}: {line}", style="red") for o in shown for line in problems(o)]
    return Layout(columns, under)


def table(batch: Batch, verbose: bool = False, errors: bool = True, quiet: bool = False):
    """One row per case and a summary line; `verbose` adds the full tensor table of every case that failed, `quiet`
    leaves out the cases that passed. The run's own errors (a missing path) are lines of it unless `errors` is False:
    on a terminal stderr has them already."""
    from rich.console import Group
    from rich.text import Text

    from .check import check_table
    from .fit import Fitted

    shown = [o for o in batch.outcomes if not (quiet and o.status == PASS)]
    grid = Fitted(
        Text("diffcheck verify", style="bold"),
        [lambda d=d, s=s: _layout(shown, d, s) for d, s in ((True, False), (False, False), (False, True))],
    )
    parts = [grid] if shown else []  # no cases (or none to show): the errors and the summary say all there is
    for message in batch.errors if errors else ():
        parts.append(Text(f"error: {visible(message)}", style="bold red"))
    if verbose:
        for o in batch.outcomes:
            if o.status == FAIL and o.result is not None:
                parts.append(Text(f"\n{o.file}:{o.line}: {o.name}", style="bold"))
                parts.append(check_table(o.result, o.engine or "engine", verbose=True))
                parts.extend(Text(f"broken expectation: {line}", style="red") for line in o.result.broken_expectations)
    style = "green" if batch.report.return_code == 0 else "bold red"
    parts.append(Text(summary(batch), style=style))
    return Group(*parts)


def table_text(batch: Batch, verbose: bool = False) -> str:
    """The table as plain text (for `--output`): no colours, wide enough never to crop."""
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=200, color_system=None, highlight=False)
    console.print(table(batch, verbose))
    return console.file.getvalue()


# ---- JSON -----------------------------------------------------------------------------------------------------------------
def json_text(batch: Batch, made: Mapping[int, tuple] = {}) -> str:
    """Stable keys: `exit_code`, `summary`, `cases` (each with its full `result` as `check --format json` gives it),
    `errors`, `warnings`. Shards' `cases` lists concatenate into the whole run's.

    One key, and one case, per line: each is encoded compactly by the json module's C encoder, where `indent=`
    would take its pure-Python one (0.4 s per 1,000 cases, in the process that waits for every worker). `made`:
    id(outcome) -> (outcome, its line), the lines `case_json` made as the cases finished."""
    data = {
        "exit_code": batch.report.return_code,
        "summary": {
            "cases": len(batch.outcomes),  # = passed + failed + errors + timeouts (+ unsupported)
            "passed": batch.count(PASS),
            "failed": batch.count(FAIL),
            "errors": batch.count(ERROR),
            "timeouts": batch.count(TIMEOUT),
            **({"unsupported": batch.count(UNSUPPORTED)} if batch.count(UNSUPPORTED) else {}),
            "other_errors": len(batch.errors),  # the run's own, in `errors`: a missing path, no cases found
            "seconds": round(batch.seconds, 3),
            "jobs": batch.jobs,
            "shard": f"{batch.shard[0]}/{batch.shard[1]}" if batch.shard else None,
        },
        "errors": batch.errors,
        "warnings": batch.warnings,
    }
    lines = [f"  {json.dumps(key)}: {json.dumps(value)}" for key, value in data.items()]
    cases = ",\n".join(f"    {_made(o, made)}" for o in batch.outcomes)
    lines.insert(2, f'  "cases": [\n{cases}\n  ]' if cases else '  "cases": []')
    return "{\n" + ",\n".join(lines) + "\n}"


def case_json(o: Outcome) -> str:
    """One case's line of the JSON report. `verify` makes them as the cases finish, while it waits for the workers,
    rather than all after the last (json_text's `made`)."""
    return json.dumps(
        {
            "file": o.file,
            "line": o.line,
            "name": o.name,
            "status": o.status,
            "seconds": round(o.seconds, 6),
            "worst_error": plain(o.result.worst_error) if o.result else None,
            "broken_expectations": o.result.broken_expectations if o.result else [],
            "error": o.error,
            "result": result_data(o.result) if o.result else None,
            **({"engine": o.engine} if o.engine else {}),
            **({"reason": o.note} if o.status == UNSUPPORTED else {}),
        }  # already plain
    )


def keep_case_json(made: dict, outcome: Outcome) -> None:
    """A case's line of the JSON report, made as it finishes, into `made`; one that cannot be made now is made (and
    fails, as it always did) with the report, after the run."""
    try:
        made[id(outcome)] = (outcome, case_json(outcome))
    except Exception:  # noqa: BLE001 - the run goes on: no case is lost to its report's line
        pass


def _made(o: Outcome, made: Mapping[int, tuple]) -> str:
    """The line made for this very outcome (a renamed or re-pinned case is a new one), else made now."""
    known = made.get(id(o))
    return known[1] if known is not None and known[0] is o else case_json(o)


# ---- JUnit XML ------------------------------------------------------------------------------------------------------------
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


def junit_class(file: str) -> str:
    """A sample file as a JUnit class name, as pytest's junitxml names it (the pytest plugin's items): the path with
    dots for slashes, `.toml` kept."""
    return file.strip("/").replace("/", ".")


def junit_text(batch: Batch) -> str:
    """One `testsuite` per file, one `testcase` per case, valid against the JUnit schema Jenkins uses (the one
    pytest's junitxml writes to): `classname` is the file as `junit_class` names it, `failure`/`error` carry the full
    diagnosis, which starts with the case's `file:line`, as text, and the first problem as `message`."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="diffcheck verify")
    suites: dict[str, ET.Element] = {}
    for o in batch.outcomes:
        suite = suites.get(o.file)
        if suite is None:
            suite = suites[o.file] = ET.SubElement(root, "testsuite", name=_xml(o.file))
        case = ET.SubElement(
            suite, "testcase", classname=_xml(junit_class(o.file)), name=_xml(label(o)), time=f"{o.seconds:.3f}"
        )
        if o.status == UNSUPPORTED:
            ET.SubElement(case, "skipped", message=_xml(o.note))
        elif o.status != PASS:
            kind = "failure" if o.status == FAIL else "error"
            first = (problems(o) or [o.status])[0]
            element = ET.SubElement(case, kind, message=_xml(first), type=o.status)
            element.text = _xml(diagnosis(o))
    if batch.errors:
        suite = ET.SubElement(root, "testsuite", name="diffcheck")
        for message in batch.errors:
            case = ET.SubElement(suite, "testcase", classname="diffcheck", name="run", time="0")
            ET.SubElement(case, "error", message=_xml(message), type=ERROR).text = _xml(message)
    for element in [root, *root]:
        statuses = [next(iter(c), None) for c in element.iter("testcase")]
        counts = {tag: str(sum(s is not None and s.tag == tag for s in statuses)) for tag in ("failure", "error")}
        element.set("tests", str(len(statuses)))
        element.set("failures", counts["failure"])
        element.set("errors", counts["error"])
        if element is not root:  # the schema has `skipped` on a testsuite only
            element.set("skipped", str(sum(s is not None and s.tag == "skipped" for s in statuses)))
        element.set("time", f"{sum(float(c.get('time')) for c in element.iter('testcase')):.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


# ---- GitHub workflow commands ---------------------------------------------------------------------------------------------
def escape_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF escaped (GitHub's own escaping, `%` first)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (file, title): the message escapes plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_text(batch: Batch) -> str:
    """`::error` annotations at each failing case's line, `::warning` for warnings, then the summary line."""
    lines = []
    for o in batch.outcomes:
        if o.status not in (PASS, UNSUPPORTED):
            title = f"diffcheck: {label(o)} ({o.status})"
            line = f",line={o.line}" if o.line else ""
            lines.append(
                f"::error file={escape_property(visible(o.file))}{line},title={escape_property(title)}::"
                f"{escape_data(diagnosis(o))}"
            )
    lines += [f"::error title=diffcheck::{escape_data(visible(message))}" for message in batch.errors]
    for message in map(visible, batch.warnings):
        file, line, rest = (message.split(":", 2) + ["", ""])[:3]
        lines.append(
            f"::warning file={escape_property(file)},line={line}::{escape_data(rest.strip())}"
            if line.isdigit()
            else f"::warning::{escape_data(message)}"
        )
    lines.append(summary(batch))
    return "\n".join(lines) + "\n"


# ---- Markdown -------------------------------------------------------------------------------------------------------------
def _cell(text: str) -> str:
    """Text in a Markdown table cell or summary: shown, never rendered (HTML escaped, `|` and newlines kept)."""
    return html.escape(visible(text), quote=False).replace("|", "\\|").replace("\n", "<br>")


def _code(text: str) -> str:
    """A path in a table cell as code: a code span renders no HTML, so only `|` and backticks need care."""
    return "`" + visible(text).replace("`", "'").replace("|", "\\|") + "`"


def markdown_text(batch: Batch) -> str:
    """A summary table for `$GITHUB_STEP_SUMMARY`, pull-request comments or a wiki; failures in details blocks."""
    icon = {PASS: "✅", FAIL: "❌", ERROR: "⚠️", TIMEOUT: "⏱️", UNSUPPORTED: "➖"}
    code = batch.report.return_code
    lines = [
        f"### diffcheck verify {'✅' if code == 0 else '❌'}",
        "",
        summary(batch),
        "",
        "| | file | case | status | worst error | time |",
        "|---|---|---|---|---:|---:|",
    ]
    for o in batch.outcomes:
        lines.append(
            f"| {icon[o.status]} | {_code(place(o))} | {_cell(label(o))} | {o.status} | "
            f"{_error_text(o)} | {o.seconds:.2f}s |"
        )
    lines += ["", *[f"- **error:** {_cell(message)}" for message in batch.errors]]
    for o in batch.outcomes:
        if o.status not in (PASS, UNSUPPORTED):
            lines += [
                f"<details><summary>{_cell(place(o))}: {_cell(label(o))} ({o.status})</summary>",
                "",
                "```",
                diagnosis(o).replace("```", "'''"),
                "```",
                "",
                "</details>",
                "",
            ]
    return "\n".join(lines).rstrip("\n") + "\n"


def render(batch: Batch, fmt: str, verbose: bool = False, made: Mapping[int, tuple] = {}) -> str:
    """The report in `fmt` as text (`made`: the JSON lines made as the cases finished, json_text's)."""
    makers = {
        "table": lambda: table_text(batch, verbose),
        "json": lambda: json_text(batch, made) + "\n",
        "junit": lambda: junit_text(batch),
        "github": lambda: github_text(batch),
        "markdown": lambda: markdown_text(batch),
    }
    return makers[fmt]()
