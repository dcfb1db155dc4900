"""`diffcheck verify`: argv → load → run → render → exit. The work lives in batch/verify.py and render/batch.py."""

from __future__ import annotations

import math
import os
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Optional

import click

from .. import defaults
from ..render.console import consoles
from .options import DTYPE, ENGINE, EXIT_HELP, SYMBOLIC, engine_names_of, fail, load_engines


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
@DTYPE
@SYMBOLIC
@click.option("-q", "--quiet", is_flag=True, help="The table shows only the cases that did not pass.")
@click.option(
    "--sample-files-only",
    is_flag=True,
    help="Skip named files that are not sample files (no [[case]] tables): for hooks handed every changed TOML file.",
)
@click.option(
    "--junit-xml", "junit_file", type=click.Path(path_type=Path), metavar="FILE", help="Also write JUnit XML."
)
@click.option(
    "--json", "json_file", type=click.Path(path_type=Path), metavar="FILE", help="Also write the JSON report."
)
@click.option(
    "--markdown", "markdown_file", type=click.Path(path_type=Path), metavar="FILE", help="Also write Markdown."
)
def verify(
    paths,
    jobs,
    timeout,
    shard_of,
    fmt,
    output,
    verbose,
    update,
    engine_names,
    dtype,
    symbolic,
    quiet,
    sample_files_only,
    junit_file,
    json_file,
    markdown_file,
):
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
    if update and dtype:
        fail("--update pins the results of each case's own dtype; --dtype changes them for one run only")
    load_engines(engine_names)  # a bad name or a missing framework: one line, before any worker starts
    from ..batch.pool import start_server
    from . import one_blas_thread

    with one_blas_thread():  # the fork server starts, and NumPy loads here
        start_server()  # first: its imports (SymPy) overlap this process's own and the loading of the files
        from ..batch.verify import STDIN, display, renamed, verify as run

    with tempfile.TemporaryDirectory(prefix="diffcheck-stdin-") as folder:
        paths, read = _stdin(list(paths), Path(folder), update)
        if sample_files_only:
            paths = _sample_files(paths)
        from ..render.batch import keep_case_json

        made: dict = {}  # the JSON report's lines, made as the cases finish (the parent waits for the workers)
        keep = partial(keep_case_json, made) if fmt == "json" or json_file is not None else None
        batch, items = run(
            paths, jobs, timeout, shard_of, _bar(fmt), engine_names, dtype, symbolic or "", keep, lazy=not update
        )  # --update pins loaded cases: the parent loads them
    if read is not None:  # reports name the sample file read from stdin `<stdin>`, not by its temporary path
        batch = renamed(batch, display(read), STDIN)
    extra = {"junit": junit_file, "json": json_file, "markdown": markdown_file}
    _report(batch, items, fmt, output, verbose, update, quiet, {k: v for k, v in extra.items() if v is not None}, made)


def _stdin(paths: list[Path], folder: Path, update: bool) -> tuple[list[Path], Optional[Path]]:
    """`verify -`: stdin holds a sample file (it has a `[[case]]` header), kept in `folder` while it runs, or paths,
    one per line (`git diff --name-only | diffcheck verify -`). Returns the paths and the sample file read, if any."""
    if Path("-") not in paths:
        return paths, None
    from ..batch.samples import CASE_HEADER
    from ..defaults import MAX_SAMPLE_BYTES

    text = sys.stdin.read(MAX_SAMPLE_BYTES + 1)
    rest = [p for p in paths if p != Path("-")]
    if not CASE_HEADER.search(text):
        return rest + [Path(line.strip()) for line in text.splitlines() if line.strip()], None
    if update:
        fail("--update writes pins into sample files; a sample file read from stdin has no file to write")
    if len(text) > MAX_SAMPLE_BYTES:
        fail(f"stdin: larger than {MAX_SAMPLE_BYTES // 2**20} MiB, the limit for a sample file")
    read = folder / "stdin.toml"
    read.write_text(text, encoding="utf-8")
    return rest + [read], read


def _sample_files(paths: list[Path]) -> list[Path]:
    """The paths without the regular files that hold no [[case]] tables (a folder's are found by its walk); with
    nothing left, exits 0: a commit that touched no sample file has nothing to check."""
    from ..batch.samples import is_sample_file

    kept = [p for p in paths if not p.is_file() or is_sample_file(p)]
    if paths and not kept:
        click.echo("diffcheck: no sample files among the paths: nothing to check", err=True)
        sys.exit(0)
    return kept


def _bar(fmt: str):
    """The progress bar's factory: on a terminal, for the table only (a machine format gets none)."""
    from ..render.progress import progress

    return partial(progress, consoles()[0] if fmt == "table" and sys.stdout.isatty() else None, "verify")


def _report(
    batch,
    items: list,
    fmt: str,
    output: Optional[Path],
    verbose: bool,
    update: bool,
    quiet: bool,
    extra: dict,
    made: dict,
) -> None:
    """Errors and warnings on stderr, the report on stdout or in `output`, the `extra` reports (format -> file) beside
    it, `--update`'s pins; exits. A report that cannot be written is one line and exit 2, after the others."""
    from ..batch.files import write_report
    from ..batch.verify import update as pin
    from ..render.batch import markdown_text, render, summary, table

    lines = [f"diffcheck: warning: {line}" for line in batch.warnings]
    if update:
        written, refused = pin(batch, items)
        lines += [f"diffcheck: {line}" for line in written] + [f"diffcheck: warning: {line}" for line in refused]
    lines += [f"diffcheck: error: {line}" for line in batch.report.errors]
    for line in lines:  # one line each, even when a case name or a message holds a newline
        click.echo(line.replace("\r", "\\r").replace("\n", "\\n"), err=True)
    unwritten = []
    for extra_fmt, path in extra.items():  # one run, every report a CI job wants
        try:
            write_report(path, render(batch, extra_fmt, verbose, made))
        except OSError as error:
            unwritten.append(f"--{_FLAGS[extra_fmt]} {path}: {error.strerror or error}")
    if output is not None:
        try:
            write_report(output, render(batch, fmt, verbose, made))
        except OSError as error:  # the summary still says how the run went
            unwritten.insert(0, f"--output {output}: {error.strerror or error}")
        click.echo(summary(batch))
    elif fmt == "table":
        consoles()[0].print(table(batch, verbose, errors=False, quiet=quiet))  # stderr has the run's errors
    else:
        click.echo(render(batch, fmt, verbose, made), nl=False)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and step_summary:
        try:
            with open(step_summary, "a", encoding="utf-8") as stream:
                stream.write(markdown_text(batch))
        except OSError as error:  # the annotations are out already; a missing summary must not hide the result
            click.echo(f"diffcheck: warning: $GITHUB_STEP_SUMMARY {step_summary}: {error.strerror or error}", err=True)
    for line in unwritten[:-1]:
        click.echo(f"diffcheck: error: {line}", err=True)
    if unwritten:
        fail(unwritten[-1])
    sys.exit(batch.report.return_code)


_FLAGS = {"junit": "junit-xml", "json": "json", "markdown": "markdown"}
