"""`diffcheck check`: argv → parse → check → render → exit; `--engine` side by side, `--graph` and `--dot`."""

from __future__ import annotations

import sys

import click

from .. import defaults
from .options import (
    ATOL,
    DTYPE,
    ENGINE,
    EXIT_HELP,
    RTOL,
    STRICT,
    SYMBOLIC,
    engine_names_of,
    fail,
    finite_seconds,
    load_engines,
)


def _names(values: tuple[str, ...]) -> frozenset[str]:
    """`--no-grad y --no-grad z` or `--no-grad y,z`."""
    return frozenset(n.strip() for v in values for n in v.split(",") if n.strip())


@click.command(epilog=EXIT_HELP)
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
    from . import blas_threads_asleep, exit_quickly

    with blas_threads_asleep():  # NumPy loads here
        from ..check.budget import run_deep
        from ..check import ATOL, RTOL, Case, Report, check as run_check
        from ..errors import DiffcheckError
        from ..lang.parse import Limits, parse_assignment, parse_program
        from ..render.check import check_json, check_table, check_verdict, load_check_table
        from ..render.console import consoles

    exit_quickly()
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
    printing: list = [None]  # stdout's console for a table (JSON is echoed: no rich at all)

    def meanwhile() -> None:  # while the case runs in its child process: what printing the table needs (20 ms)
        if fmt == "table":
            printing[0] = consoles()[0]
            if not quiet:
                load_check_table()

    try:
        report = Report([run_deep(lambda: run_check(case), timeout, meanwhile=meanwhile)])
    except DiffcheckError as error:
        raise error.located("expression") from None
    out = printing[0]
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
