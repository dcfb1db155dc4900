"""Thin click commands: argv → parse → check → render → exit. Heavy modules are imported inside commands."""

from __future__ import annotations

import gc
import math
import os
import sys
from pathlib import Path

import click

from .. import __version__, defaults

EXIT_HELP = (
    "Exit codes: 0 everything agrees, 1 some gradient disagrees, 2 trouble (bad input, unreadable file, timeout)."
)


def _tolerance(ctx, param, value):
    """A tolerance is a finite number >= 0, as in sample files."""
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise click.BadParameter(f"{value!r} is not a finite number >= 0")
    return value


def finite_seconds(ctx, param, value):
    """A budget in seconds is finite: `nan` would stop nothing and `inf` cannot be waited for; one line, exit 2."""
    if value is not None and not math.isfinite(value):
        fail(f"{param.opts[0]} {value}: must be a finite number of seconds > 0")
    return value


# The comparison's options, shared by `check` and `run`.
RTOL = click.option(
    "--rtol", type=float, default=None, callback=_tolerance, help=f"Relative tolerance (default {defaults.RTOL:g})."
)
ATOL = click.option(
    "--atol", type=float, default=None, callback=_tolerance, help=f"Absolute tolerance (default {defaults.ATOL:g})."
)
STRICT = click.option(
    "--strict",
    is_flag=True,
    help="Fail on kink, singular, zero-times-inf, overflow, indeterminate and rounding differences too.",
)


def _symbolic(ctx, param, value):
    """`--symbolic` for the command and the workers it forks, as the environment's route, restored at the end."""
    if value is not None:
        from ..check.fast import VARIABLE, symengine_ready
        from ..errors import DiffcheckError

        if value == "symengine":  # asked for: trouble at once where it is missing
            try:
                symengine_ready(True)
            except DiffcheckError as error:
                fail(str(error))
        before = os.environ.get(VARIABLE)
        os.environ[VARIABLE] = value
        ctx.call_on_close(lambda: os.environ.pop(VARIABLE) if before is None else os.environ.update({VARIABLE: before}))
    return value


SYMBOLIC = click.option(
    "--symbolic",
    type=click.Choice(["auto", "sympy", "symengine"]),
    default=None,
    callback=_symbolic,
    help="The exact side's route: symengine (fast) wherever it can serve and SymPy elsewhere (auto, the default), "
    "SymPy alone, or symengine required (an error if it cannot be imported). Values and statuses are the same.",
)
ENGINE = click.option(
    "--engine",
    "engine_names",
    multiple=True,
    metavar="NAME",
    help="Engine under test (repeatable, side by side): diffcheck (default), torch, jax, micrograd, "
    "package.module:factory, or an installed entry point of the group diffcheck.engines.",
)

DTYPE = click.option(
    "--dtype",
    type=click.Choice(["float64", "float32"]),
    default=None,
    help="The engine's dtype (default float64; verify: each case's `dtype` key); float32 is judged with a tolerance "
    "that follows it (16 ulps) and shows ulps.",
)


def engine_names_of(names) -> tuple[str, ...]:
    """The engines to check, each once: `--engine`, else `engines` of the configuration (cli/config.py), else none:
    diffcheck's own."""
    return tuple(dict.fromkeys(names or ()))


def load_engines(names) -> list:
    """The engines the user named, loaded (the first bad name: one line, exit code 2); empty when none was named."""
    from ..engines import load

    return [load(name) for name in dict.fromkeys(names)]


def fail(message: str) -> None:
    """One line on stderr and exit code 2."""
    click.echo(f"diffcheck: error: {message}", err=True)
    sys.exit(2)


# Commands living in their own modules, imported only when used: "name": "module:attribute".
COMMANDS: dict[str, str] = {
    "ops": "diffcheck.cli.ops_command:ops",
    "verify": "diffcheck.cli.verify_command:verify",
    "run": "diffcheck.cli.run_command:run",
    "fuzz": "diffcheck.cli.fuzz_command:fuzz",
}


class _Group(click.Group):
    """Loads commands lazily, and turns any error into one line and exit code 2: no traceback reaches a user
    (DIFFCHECK_DEBUG=1 shows it)."""

    def list_commands(self, ctx):
        return sorted([*super().list_commands(ctx), *COMMANDS])

    def get_command(self, ctx, name):
        if name in COMMANDS:
            import importlib

            module, attribute = COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)

    def invoke(self, ctx):
        from ..errors import DiffcheckError

        try:
            try:
                return super().invoke(ctx)
            finally:  # what is buffered for stdout is written here, where a closed pipe is handled below
                sys.stdout.flush()
        except DiffcheckError as error:
            fail(str(error))
        except (KeyboardInterrupt, click.Abort):  # click's Abort would exit 1, which means "disagreement"
            fail("interrupted")
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except RecursionError:
            fail("input too deeply nested for this run (recursion limit); simplify it or split it into statements")
        except BrokenPipeError:  # the reader stopped reading (`| head -1`): the rest of the output has nowhere to go
            _stdout_to_null()
            fail("stdout was closed before all the output was written (broken pipe)")
        except Exception as error:  # noqa: BLE001 - the promise is: never a traceback
            if os.environ.get("DIFFCHECK_DEBUG"):
                raise
            fail(f"internal error: {type(error).__name__}: {error} (set DIFFCHECK_DEBUG=1 for a traceback)")


def _versions() -> str:
    """diffcheck's version and those of what it computes with (read from the installed metadata: no import)."""
    from importlib.metadata import PackageNotFoundError, version

    def of(package: str) -> str:
        try:
            return version(package)
        except PackageNotFoundError:
            return "not installed"

    python = ".".join(map(str, sys.version_info[:3]))
    return f"diffcheck {__version__} (SymPy {of('sympy')}, NumPy {of('numpy')}, Python {python})"


def _stdout_to_null() -> None:
    """Send what is still buffered for stdout to /dev/null: the interpreter's flush at exit must not fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # no file descriptor (a CliRunner's stream): nothing to flush
        pass


@click.group(cls=_Group, epilog=EXIT_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", message=_versions(), prog_name="diffcheck")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour and styles: auto (a terminal, unless NO_COLOR is set), always, never.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Take option defaults from FILE ([tool.diffcheck] of a pyproject.toml, or the top level of a file of "
    "diffcheck's own) instead of ./pyproject.toml.",
)
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.pass_context
def main(ctx, color, config_file, isolated):
    """Check derivatives twice: symbolically with SymPy and with diffcheck's own PyTorch-like reverse-mode engine."""
    from ..render.console import fit_streams, set_color
    from .config import default_map

    fit_streams()  # any stdout encoding: ASCII stand-ins for the glyphs it cannot hold
    set_color(color)
    ctx.default_map = default_map(ctx.command, ctx, config_file, isolated)


_collector_paused = False  # by `run`: only the program's own process pauses its collector, never a caller of `main`


def run() -> None:
    """The program (`diffcheck`, `python -m diffcheck`): `main`, with the cyclic collector paused from the start.

    Starting a command makes a few hundred thousand objects that live until exit (modules, SymPy's and rich's tables),
    and collector passes over them free nothing: they were ~13% of a `check`'s instructions, and the interpreter's
    last collection at exit walked them all once more, ~6%. A command that runs long in this process calls `settle`
    once started; the others are one case, or wait on worker processes, and run paused. At exit what is alive is
    frozen, so the last collection skips it.
    """
    global _collector_paused
    gc.disable()
    _collector_paused = True
    try:
        main()
    finally:
        gc.freeze()


def settle() -> None:
    """A long-running command has started: its start-up's objects are frozen (no collection walks them again) and the
    collector resumes for what the command makes."""
    if _collector_paused:
        gc.freeze()
        gc.enable()


def _names(values: tuple[str, ...]) -> frozenset[str]:
    """`--no-grad y --no-grad z` or `--no-grad y,z`."""
    return frozenset(n.strip() for v in values for n in v.split(",") if n.strip())


@main.command(epilog=EXIT_HELP)
@click.argument("expression")
@click.argument("values", nargs=-1, metavar="NAME=VALUE...")
@click.option("--no-grad", "no_grad", multiple=True, metavar="NAME", help="Input that does not require grad.")
@click.option("--retain-grad", "retain", multiple=True, metavar="NAME", help="Computed tensor to retain_grad() on.")
@RTOL
@ATOL
@STRICT
@click.option(
    "--order",
    type=click.IntRange(1, 2),
    default=1,
    show_default=True,
    help="2: also check every second derivative (Hessian entries) against SymPy.",
)
@click.option("--numeric", is_flag=True, help="Add a third opinion: a high-precision central difference.")
@click.option(
    "--points",
    type=click.IntRange(0, defaults.MAX_POINTS),
    default=0,
    help="Check at N random points from each op's smooth domain; report the worst per tensor.",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed for --points.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    callback=finite_seconds,
    default=defaults.TIMEOUT,
    show_default=True,
    help="Wall-clock budget in seconds for the case.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@ENGINE
@DTYPE
@SYMBOLIC
@click.option(
    "-q", "--quiet", is_flag=True, help="Print only the verdict line (table format; the exit code is the same)."
)
@click.option("-v", "--verbose", is_flag=True, help="Show every tensor and every derivative whole (table format).")
@click.option("--graph", is_flag=True, help="Also print the computation graph under the table, as a tree.")
@click.option("--dot", type=click.Path(dir_okay=False), metavar="FILE", help="Write the graph as Graphviz DOT to FILE.")
@click.option(
    "--max-length",
    type=click.IntRange(1),
    default=defaults.MAX_LENGTH,
    show_default=True,
    help="Characters of EXPRESSION.",
)
@click.option(
    "--max-depth",
    type=click.IntRange(1),
    default=defaults.MAX_DEPTH,
    show_default=True,
    help="Nesting depth of one statement.",
)
@click.option(
    "--max-nodes", type=click.IntRange(1), default=defaults.MAX_NODES, show_default=True, help="Nodes of the program."
)
@click.option(
    "--max-statements", type=click.IntRange(1), default=defaults.MAX_STATEMENTS, show_default=True, help="Statements."
)
@click.option(
    "--max-int-digits",
    type=click.IntRange(1),
    default=defaults.MAX_INT_DIGITS,
    show_default=True,
    help="Digits of one integer literal.",
)
@click.option(
    "--max-power",
    type=click.IntRange(1),
    default=defaults.MAX_POWER,
    show_default=True,
    help="|exponent| of a power of two constants.",
)
@click.option(
    "--max-elements",
    type=click.IntRange(1),
    default=defaults.MAX_ELEMENTS,
    show_default=True,
    help="Elements of one NAME=VALUE tensor.",
)
@click.option(
    "--max-sympy-nodes",
    type=click.IntRange(1),
    default=defaults.MAX_SYMPY_NODES,
    show_default=True,
    help="Distinct SymPy subexpressions a case may grow to.",
)
def check(
    expression,
    values,
    no_grad,
    retain,
    rtol,
    atol,
    strict,
    order,
    numeric,
    points,
    seed,
    timeout,
    fmt,
    engine_names,
    symbolic,
    dtype,
    quiet,
    verbose,
    graph,
    dot,
    max_length,
    max_depth,
    max_nodes,
    max_statements,
    max_int_digits,
    max_power,
    max_elements,
    max_sympy_nodes,
):
    """Differentiate EXPRESSION at the point NAME=VALUE... on both sides and compare every tensor.

    \b
    Examples:
      diffcheck check "z = pow(x, 2) + pow(y, 2)" x=3 y=4 --no-grad y
      diffcheck check "sum(sin(x) * W @ x)" "x=[1,2]" "W=[[1,2],[3,4]]" --no-grad W
    """
    from ..check.budget import run_deep
    from ..check import ATOL, RTOL, Case, Report, check as run_check
    from ..errors import DiffcheckError
    from ..lang.parse import Limits, parse_assignment, parse_program
    from ..render.check import check_json, check_table, check_verdict
    from ..render.console import consoles

    if graph and fmt == "json":
        fail("--graph draws for people and cannot mix with --format json; write the graph with --dot FILE")
    if (graph or dot) and points:
        fail("--graph and --dot draw the graph at one point: give NAME=VALUE for every input instead of --points")
    limits = Limits(max_length, max_depth, max_nodes, max_statements, max_int_digits, max_power)
    program = parse_program(expression, where="expression", limits=limits)
    point = dict(parse_assignment(text, max_elements) for text in values)
    case = Case(
        program,
        point,
        _names(no_grad),
        _names(retain),
        RTOL if rtol is None else rtol,
        ATOL if atol is None else atol,
        strict,
        order=order,
        points=points,
        seed=seed,
        numeric=numeric,
        max_sympy_nodes=max_sympy_nodes,
        dtype=dtype or "float64",
        symbolic=symbolic or "",
    )
    engine_names = engine_names_of(engine_names)
    if engine_names:
        _check_engines(case, load_engines(engine_names), timeout, fmt, graph, dot, verbose)
    try:
        report = Report([run_deep(lambda: run_check(case), timeout)])
    except DiffcheckError as error:
        raise error.located("expression") from None
    out, _ = consoles()
    if fmt == "json":
        click.echo(check_json(report))
    elif quiet:
        out.print(check_verdict(report.results[0]))
    else:
        out.print(check_table(report.results[0], verbose=verbose))
    if graph or dot:
        _draw(case, graph, dot, out)
    sys.exit(report.return_code)


def _check_engines(case, engines: list, timeout, fmt: str, graph: bool, dot, verbose: bool) -> None:
    """`check --engine ...`: the case on every named engine, side by side; exits. An engine that cannot run the case
    (an op it lacks) shows `unsupported`, which fails nothing, as `none` does."""
    from ..check import check_engines
    from ..errors import DiffcheckError
    from ..render.check import check_table, engines_json, engines_table
    from ..render.console import consoles

    try:
        runs = check_engines(case, engines, timeout)
    except DiffcheckError as error:
        raise error.located("expression") from None
    code = 1 if any(run.failed for run in runs) else 0
    out, _ = consoles()
    if fmt == "json":
        click.echo(engines_json(runs, code))
    elif len(runs) == 1 and runs[0].result is not None:
        out.print(check_table(runs[0].result, runs[0].engine, verbose))
    else:
        out.print(engines_table(runs))
    if graph or dot:
        _draw(case, graph, dot, out, engines[0])
    sys.exit(code)


def _draw(case, tree: bool, dot_path: str | None, out, engine=None) -> None:
    """`check --graph` / `--dot FILE`: the engine's graph at the case's point."""
    from ..render.graph import build_graph, graph_dot, graph_tree

    picture = build_graph(case, engine) if engine is not None else build_graph(case)
    if tree:
        out.print(graph_tree(picture))
    if dot_path:
        try:
            with open(dot_path, "w", encoding="utf-8") as file:
                file.write(graph_dot(picture))
        except OSError as error:
            fail(f"--dot: cannot write '{dot_path}': {error.strerror}")
