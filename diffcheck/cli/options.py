"""What the commands share: the comparison's options, the engine and route options, and the one-line failure."""

from __future__ import annotations

import math
import os
import sys

import click

from .. import defaults

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
    help="Fail on kink, singular, zero-times-inf, overflow, indeterminate, ill-conditioned and rounding differences too.",
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
    """The engines the user named, loaded (the first bad name: one line, exit code 2); empty when none was named
    (without importing the engines' module: `verify` starts its fork server after this, as early as it can)."""
    if not names:
        return []
    from ..engines import load

    return [load(name) for name in dict.fromkeys(names)]


def fail(message: str) -> None:
    """One line on stderr and exit code 2."""
    click.echo(f"diffcheck: error: {message}", err=True)
    sys.exit(2)
