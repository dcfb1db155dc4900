"""`diffcheck run`: a thin command over `snippet` — read, validate, interpret, verify, render, exit."""

from __future__ import annotations

import io
import sys

import click

from .. import defaults
from ..render.console import consoles
from .options import ATOL, EXIT_HELP, RTOL, STRICT, finite_seconds


@click.command(epilog=EXIT_HELP)
@click.argument("path", metavar="SNIPPET.py")
@click.option("--quiet", "-q", is_flag=True, help="Print only the program's output (the exit code still verifies).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="json: one document with the program's output and every verification.",
)
@RTOL
@ATOL
@STRICT
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    callback=finite_seconds,
    default=defaults.TIMEOUT,
    show_default=True,
    help="Wall-clock budget in seconds for verifying one backward() call.",
)
@click.option(
    "--engine",
    "engine_names",
    multiple=True,
    metavar="NAME",
    help="Engine(s) that check each backward() call (repeatable; default diffcheck's own); the snippet itself is "
    "interpreted on diffcheck's engine.",
)
@click.option(
    "--max-steps",
    type=click.IntRange(min=1),
    default=defaults.SNIPPET_MAX_STEPS,
    show_default=True,
    help="Statements the snippet may execute (loops and calls included).",
)
@click.option(
    "--max-depth",
    type=click.IntRange(min=1, max=500),
    default=defaults.SNIPPET_MAX_CALL_DEPTH,
    show_default=True,
    help="Nested calls of its functions.",
)
@click.option(
    "--time-budget",
    type=click.FloatRange(min=0, min_open=True),
    callback=finite_seconds,
    default=defaults.SNIPPET_TIME_BUDGET,
    show_default=True,
    help="Wall-clock seconds the snippet may run (verification apart).",
)
@click.option(
    "--max-output",
    type=click.IntRange(min=0),
    default=defaults.SNIPPET_MAX_OUTPUT,
    show_default=True,
    help="Characters the snippet may print.",
)
@click.option(
    "--sample",
    type=click.IntRange(min=0),
    default=defaults.SNIPPET_SAMPLE,
    show_default=True,
    help="Calls of one graph shape (a loop's steps) verified between its first and last, drawn with a fixed seed.",
)
@click.option(
    "--doctest",
    is_flag=True,
    help="Run the file as a REPL session (doctest's `>>> ` examples; the default when its first code line has the "
    "prompt): each expression statement's value is echoed, an exception ends only its example.",
)
def run(
    path,
    quiet,
    fmt,
    rtol,
    atol,
    strict,
    timeout,
    engine_names,
    max_steps,
    max_depth,
    time_budget,
    max_output,
    sample,
    doctest,
):
    """Run a PyTorch snippet on diffcheck's engine — interpreted, never executed — print exactly what PyTorch
    prints, then verify the gradients of every backward() call with SymPy.

    \b
    SNIPPET.py is a file, or - for stdin. Supported: import torch, assignments, torch.tensor(...), the ops of
    `diffcheck check` as torch functions, methods and operators, backward(), autograd.grad(), in-place updates,
    .grad, no_grad, and the Python of tutorials: def, lambda, if, for, while, try, f-strings, lists, dicts.
    Anything else is refused before the snippet runs; --max-steps, --max-depth, --time-budget and --max-output
    bound a run.
    """
    from ..errors import DiffcheckError
    from ..snippet import Limits, run_snippet, verify
    from ..snippet.parse import MAX_LENGTH, parse_snippet

    from .options import engine_names_of, load_engines

    engines = tuple(load_engines(engine_names_of(engine_names)))  # before the run: a bad name is one line, exit 2
    if quiet and fmt == "json":
        raise click.UsageError("--quiet and --format json do not go together")
    where = "<stdin>" if path == "-" else path
    try:
        text = sys.stdin.read(4 * MAX_LENGTH + 1) if path == "-" else _read(path)
    except (OSError, UnicodeDecodeError) as error:
        raise DiffcheckError(f"cannot read: {getattr(error, 'strerror', None) or error}", where=where) from None
    snippet = parse_snippet(text, where, doctest or None)
    captured = io.StringIO()
    stdout = _Stdout()
    limits = Limits(max_steps, max_depth, time_budget, max_output, sample)
    outcome = run_snippet(snippet, captured.write if fmt == "json" else stdout, limits)
    if outcome.raised:
        click.echo(outcome.raised, err=True)
    unsupported: list[str] = []
    report, lines = verify(outcome, rtol, atol, strict, timeout, engines, unsupported)
    for line in unsupported:  # not a failure: the engine lacks what the call needs (an op, a custom Function)
        click.echo(f"diffcheck: note: {line}", err=True)
    out, _ = consoles()
    if fmt == "json":
        click.echo(_json(where, captured.getvalue(), report, lines))
    elif not quiet and report.results:
        from ..render.check import check_table

        if stdout.last != "\n":
            out.print()
        out.print()
        for result in report.results:
            out.print(check_table(result))
    for error in report.errors:
        if error != outcome.raised:
            click.echo(f"diffcheck: error: {error}", err=True)
    sys.exit(report.return_code)


def _read(path: str) -> str:
    """The snippet file's text: a regular file of at most 4 bytes per allowed character. A FIFO would block the open
    and /dev/zero never ends: opened without blocking and refused by kind, before a byte is read."""
    import os
    import stat

    from ..errors import DiffcheckError
    from ..snippet.parse import MAX_LENGTH

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a FIFO" if stat.S_ISFIFO(mode) else "a directory" if stat.S_ISDIR(mode) else "a device"
            raise DiffcheckError(f"cannot read: not a regular file ({kind})", where=path)
        limit = 4 * MAX_LENGTH
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(fd, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise DiffcheckError(
            f"cannot read: larger than {limit} bytes (a snippet is at most {MAX_LENGTH} characters)", where=path
        )
    return b"".join(chunks).decode("utf-8")


class _Stdout:
    """Program output straight to stdout, remembering its last character: the tables start on a line of their own."""

    def __init__(self):
        self.last = "\n"

    def __call__(self, text: str) -> None:
        if text:
            sys.stdout.write(text)
            self.last = text[-1]


def _json(where: str, stdout: str, report, lines: list) -> str:
    import json

    from ..render.check import result_data

    checks = [
        {**result_data(result), "backward_lines": call_lines} for result, call_lines in zip(report.results, lines)
    ]
    return json.dumps(
        {"file": where, "stdout": stdout, "exit_code": report.return_code, "errors": report.errors, "checks": checks},
        indent=2,
        ensure_ascii=False,
    )
