"""`diffcheck fuzz`: the command; running and shrinking live in fuzz/run.py, generation in fuzz/."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import settle
from .options import SYMBOLIC, fail


@click.command()
@click.option("--cases", type=click.IntRange(min=1), default=None, help="Number of cases (default 500 without --time).")
@click.option(
    "--time",
    "seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Stop starting new cases after this many seconds.",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Same seed, same cases.")
@click.option(
    "--depth", type=click.IntRange(1, 12), default=4, show_default=True, help="Maximum nesting depth of each statement."
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the findings, one sample file each (diffcheck verify FOLDER reproduces them).",
)
@click.option("--numeric", is_flag=True, help="Add central differences to every check (slower).")
@click.option(
    "--engine",
    "--against",
    "against",
    type=click.Choice(["diffcheck", "torch", "jax"]),
    default=None,
    help="Also run every program on an installed PyTorch or JAX and report where it differs from diffcheck's own "
    "engine (--against is the old name). diffcheck: its own engine alone, as without the option.",
)
@click.option("--dry-run", is_flag=True, help="Print a sample of generated programs and points; check nothing.")
@click.option("-q", "--quiet", is_flag=True, help="One line of counts instead of the table; the findings still.")
@SYMBOLIC
def fuzz(cases, seconds, seed, depth, jobs, out, numeric, against, dry_run, quiet, symbolic):
    """Generate random programs over the op table, check each on both sides, shrink disagreements to minimal
    sample files.

    \b
    Examples:
      diffcheck fuzz --cases 2000 --seed 7 --depth 6 --out found/
      diffcheck fuzz --time 60 -j 4
      diffcheck fuzz --dry-run --cases 5
    \b
    Exit codes: 0 nothing unexplained found, 1 some disagreement found (written under --out), 2 bad usage.
    """
    del symbolic  # its callback set the environment's route, which the workers (forked) inherit
    from ..fuzz import ENGINES, adapter
    from ..fuzz.generate import generate
    from ..fuzz.run import file_stem, sample_text, shrink_findings
    from ..render.console import consoles
    from ..render.fuzz import fuzz_summary

    settle()  # with -j 1 the cases run in this process, for as long as --time says

    if against == "diffcheck":  # the engine every case runs on anyway
        against = None
    if cases is None and seconds is None:
        cases = 500
    if dry_run:
        for index in range(min(cases or 10, 50)):
            c = generate(seed, index, depth)
            flags = f"  no_grad={sorted(c.no_grad)}" * bool(c.no_grad) + f"  retain={sorted(c.retain)}" * bool(c.retain)
            click.echo(f"# case {index}: {c.values}{flags}\n{c.program.source}\n")
        sys.exit(0)
    if against and not adapter(against).available():
        fail(f"--against {against} needs {ENGINES[against]}: pip install 'diffcheck-autograd[{against}]'")
    out_console, _ = consoles()
    run = _with_progress(out_console, cases, seconds, seed, depth, jobs, numeric, against)
    shrink_findings(run, numeric, against)
    if out is not None and run.findings:
        out.mkdir(parents=True, exist_ok=True)
        for kind, key, candidate, detail, index in run.findings:
            (out / f"{file_stem(key)}.toml").write_text(sample_text(kind, key, candidate, detail, seed, index))
    fuzz_summary(run, out_console, against, quiet)
    if out is not None and run.findings:
        click.echo(f"{len(run.findings)} finding(s) written to {out}/", err=True)
    sys.exit(1 if run.findings else 0)


def _with_progress(console, cases, seconds, seed, depth, jobs, numeric, against):
    """The run, with a live bar (cases, disagreements, cases/s) when stdout is a terminal."""
    from ..fuzz import FINDINGS
    from ..fuzz.run import run_cases
    from ..render.progress import progress

    with progress(console if sys.stdout.isatty() else None, "fuzz", cases) as advance:
        seen = 0

        def tally(run) -> None:  # called per finished chunk, with every outcome so far
            nonlocal seen
            for outcome in run.outcomes[seen:]:
                advance("disagreeing" if outcome.kind in FINDINGS else "")
            seen = len(run.outcomes)

        return run_cases(cases, seconds, seed, depth, jobs, numeric, against, tally)
