"""`diffcheck verify`: argv → load → run → render → exit. The work lives in batch/verify.py and render/batch.py."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import click

from .. import defaults
from ..render.console import consoles
from . import ENGINE, EXIT_HELP, SYMBOLIC, engine_names_of, fail, load_engines


def _timeout(ctx, param, value):
    """A finite number of seconds: `nan` would time nothing out and `inf` cannot be waited for; one line, exit 2."""
    if not math.isfinite(value):
        fail(f"--timeout {value}: must be a finite number of seconds >= 0 (0: no limit)")
    return value


def _shard(ctx, param, value):
    """`K/N` with 1 <= K <= N."""
    if value is None:
        return None
    k, slash, n = value.partition("/")
    if not (slash and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise click.BadParameter(f"'{value}' is not K/N with 1 <= K <= N (e.g. 2/4)")
    return int(k), int(n)


@click.command(epilog=EXIT_HELP + " No cases found is exit code 2.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH...")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help=f"Worker processes (default: the number of CPUs; at most {defaults.JOBS_PER_CPU} per CPU and one per case).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=defaults.TIMEOUT,
    show_default=True,
    callback=_timeout,
    help="Seconds a case may run before it is killed and reported as a timeout (0: no limit).",
)
@click.option(
    "--shard",
    "shard_of",
    callback=_shard,
    metavar="K/N",
    help="Run only the K-th of N deterministic slices (for a CI matrix).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "junit", "github", "markdown"]),
    default="table",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write the report to FILE (atomically) instead of stdout; stdout gets the summary line.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show the full tensor table of every failing case.")
@click.option(
    "--update",
    is_flag=True,
    help="Pin the current results as the expectations of cases that agree; refuse (and say so) the rest.",
)
@ENGINE
@SYMBOLIC
def verify(paths, jobs, timeout, shard_of, fmt, output, verbose, update, engine_names, symbolic):
    """Check every [[case]] of the sample files under PATH... (files, or folders searched for *.toml).

    \b
    Examples:
      diffcheck verify samples/
      diffcheck verify samples/ -j 4 --format junit --output report.xml
      diffcheck verify samples/ --shard 2/3 --format github
      diffcheck verify samples/ --engine torch
    """
    engine_names = engine_names_of(engine_names)
    if update and engine_names:
        fail("--update pins diffcheck's own results; per-engine pins ([case.expect.torch]) are written by hand")
    load_engines(engine_names)  # a bad name or a missing framework: one line, before any worker starts
    from functools import partial

    from ..batch.pool import start_server

    start_server()  # first: its imports (SymPy) overlap this process's own and the loading of the files
    from ..batch.files import write_report
    from ..render.batch import markdown_text, render, summary, table
    from ..render.progress import progress
    from ..batch.verify import update as pin, verify as run

    shown = fmt == "table" and sys.stdout.isatty()  # a machine format gets no bar, even on a terminal
    bar = partial(progress, consoles()[0] if shown else None, "verify")
    batch, items = run(list(paths), jobs, timeout, shard_of, bar, engine_names, symbolic or "")
    lines = [f"diffcheck: warning: {line}" for line in batch.warnings]
    if update:
        written, refused = pin(batch, items)
        lines += [f"diffcheck: {line}" for line in written] + [f"diffcheck: warning: {line}" for line in refused]
    lines += [f"diffcheck: error: {line}" for line in batch.report.errors]
    for line in lines:  # one line each, even when a case name or a message holds a newline
        click.echo(line.replace("\r", "\\r").replace("\n", "\\n"), err=True)

    if output is not None:
        try:
            write_report(output, render(batch, fmt, verbose))
        except OSError as error:  # the summary still says how the run went
            click.echo(summary(batch))
            fail(f"--output {output}: {error.strerror or error}")
        click.echo(summary(batch))
    elif fmt == "table":
        consoles()[0].print(table(batch, verbose))
    else:
        click.echo(render(batch, fmt, verbose), nl=False)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and step_summary:
        try:
            with open(step_summary, "a", encoding="utf-8") as stream:
                stream.write(markdown_text(batch))
        except OSError as error:  # the annotations are out already; a missing summary must not hide the result
            click.echo(f"diffcheck: warning: $GITHUB_STEP_SUMMARY {step_summary}: {error.strerror or error}", err=True)
    sys.exit(batch.report.return_code)
