"""Thin click commands: argv → parse → check → render → exit. Heavy modules are imported inside commands."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from pathlib import Path

import click

from .. import __version__
from .options import EXIT_HELP, fail

# Commands living in their own modules, imported only when used (`check`, the common one, is registered below): "name": "module:attribute".
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


def _print_version(ctx, param, value) -> None:
    """`--version`: the versions are read from the installed metadata only when asked (importing importlib.metadata
    was 13 ms of every command's start-up, `verify`'s before its fork server starts)."""
    if value and not ctx.resilient_parsing:
        click.echo(_versions(), color=ctx.color)
        ctx.exit()


@click.group(cls=_Group, epilog=EXIT_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-V",
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
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
    frozen, so the last collection skips it; after a command that called `exit_quickly` the process ends there.
    """
    global _collector_paused
    gc.disable()
    _collector_paused = True
    ending: list = []  # the exit code `main` ends with (it always ends by SystemExit)
    try:
        main()
    except SystemExit as done:
        ending.append(done.code)
        raise
    finally:
        gc.freeze()
        if _quick_exit and ending:
            _end_now(ending[0])


_quick_exit = False  # set by `exit_quickly`, in the program's own process only


def exit_quickly() -> None:
    """This command leaves nothing to finalise: the program ends without the interpreter's teardown, which frees the
    objects of every module one by one (NumPy's, symengine's, rich's: 15 ms of a `check` that takes 0.19 s). From
    `main` (a CliRunner, a notebook) nothing changes."""
    global _quick_exit
    _quick_exit = _collector_paused


def _end_now(code) -> None:
    """End the process with SystemExit's `code` as the interpreter's exit would, once stdout and stderr are flushed
    and the atexit handlers have run (coverage's, logging's), but skip freeing what is alive. With another thread
    running, a code that is not an exit status (a message), or a stream that cannot be flushed, this returns and the
    interpreter's exit does its work as usual."""
    import atexit
    import ctypes
    import threading

    if not (code is None or type(code) is int and 0 <= code < 256) or threading.active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    try:
        ctypes.CDLL(None).fflush(None)  # C's stdio buffers too (what an extension printed): exit() would flush them
    except (OSError, AttributeError):
        pass
    os._exit(code or 0)


@contextlib.contextmanager
def blas_setting(variable: str, value: str):
    """NumPy loaded, and processes started, in this block see OpenBLAS's `variable` set to `value`: only in the program's
    own process, where the user has not set it; it is taken out again after, so what starts later inherits nothing."""
    if not _collector_paused or variable in os.environ:
        yield
        return
    os.environ[variable] = value
    try:
        yield
    finally:
        os.environ.pop(variable, None)


def blas_threads_asleep():
    """`check`'s: NumPy's OpenBLAS worker threads with OPENBLAS_THREAD_TIMEOUT=4, an idle worker busy-waiting 2**4
    cycles for work before it sleeps, not 2**28 (about 0.1 s). That wait, on the second core, made `import numpy` take
    0.15 s instead of 0.09 s on a 2-core machine, and `check` never multiplies anything big enough to use the threads.
    The threads and what they compute stay the same (a big product wakes them)."""
    return blas_setting("OPENBLAS_THREAD_TIMEOUT", "4")


def one_blas_thread():
    """`verify`'s: its fork server (so every worker) and this process load NumPy with OPENBLAS_NUM_THREADS=1. The
    workers are one per CPU already, so BLAS threads would only compete with them, and each process's idle thread
    busy-waits about 0.1 s of a CPU the others need (0.12 s of CPU in a 1,000-case run on 2 CPUs)."""
    return blas_setting("OPENBLAS_NUM_THREADS", "1")


def settle() -> None:
    """A long-running command has started: its start-up's objects are frozen (no collection walks them again) and the
    collector resumes for what the command makes."""
    if _collector_paused:
        gc.freeze()
        gc.enable()


from .check_command import check  # noqa: E402 - registered on `main` as it always was: main.commands["check"]

main.add_command(check)
