"""`diffcheck fuzz`'s summary: the counts of a run as a table, then each finding on a line of its own."""

from __future__ import annotations

from typing import Optional


def fuzz_summary(run, console, against: Optional[str], quiet: bool = False) -> None:
    """The counts as a table and every finding; `quiet`: one line of counts and the findings."""
    from rich.table import Table
    from rich.text import Text

    from ..fuzz import FINDINGS, summarize

    kinds, explained = summarize(run.outcomes)
    count = len(run.outcomes)
    table = Table(title="diffcheck fuzz" + (" (interrupted)" if run.interrupted else ""))
    table.add_column("", style="bold")
    table.add_column("count", justify="right")
    rows = [("cases", count), ("cases/s", f"{count / run.seconds:.1f}" if run.seconds else "-"), ("agree", kinds["ok"])]
    rows += [(f"explained: {status}", n) for status, n in sorted(explained.items())]
    rows += [
        ("disagreements (raw)", sum(kinds[k] for k in FINDINGS)),
        ("  mismatch", kinds["mismatch"]),
        ("  non-finite", kinds["non-finite"]),
        ("  crash", kinds["crash"]),
    ]
    if against:
        rows.append((f"  {against} differs", kinds[against]))
    rows += [
        ("findings (shrunk, distinct)", len(run.findings)),
        ("covered by a finding", run.covered),
        ("timeouts", kinds["timeout"]),
        ("invalid (generator)", kinds["invalid"]),
    ]
    if quiet:
        console.print(f"{count} cases: {kinds['ok']} agree, {len(run.findings)} findings", markup=False)
    else:
        for name, value in rows:
            table.add_row(name, str(value))
        console.print(table)
    for kind, key, candidate, detail, index in run.findings:  # a program's text is never read as markup
        console.print(
            Text.assemble(
                (kind, "bold"),
                f" {key.partition(':')[2]} (case {index}): "
                f"{candidate.program.source.replace(chr(10), '; ')}  at {candidate.values}",
            )
        )
        console.print(f"    {detail[:400]}", markup=False)
