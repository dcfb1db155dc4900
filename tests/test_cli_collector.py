"""The program pauses its cyclic collector while a command starts (`cli.run`); `main`, as a caller such as CliRunner
invokes it, leaves the caller's collector alone; `check` ends its process without the interpreter's teardown. Timings
are the benchmark's business; this checks the states."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest
from click.testing import CliRunner

from diffcheck.cli import main

# At exit (atexit runs after `run` returns): is the collector running, and was anything frozen?
PROBE = (
    "import atexit, gc, sys\n"
    "from diffcheck.cli import run\n"
    "atexit.register(lambda: print(gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr))\n"
    "sys.argv = ['diffcheck', *sys.argv[1:]]\n"
    "run()\n"
)


@pytest.mark.parametrize(
    "argv, enabled",
    [
        (["check", "sin(x) * y", "x=1", "y=2"], False),  # one case: paused to the end, then frozen
        (["fuzz", "--cases", "2", "-j", "1"], True),  # runs long in this process: settles after start-up
    ],
)
def test_the_program_pauses_its_collector_until_a_long_command_settles(argv, enabled):
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == f"{enabled} True"


def test_main_leaves_the_callers_collector_alone():
    frozen = gc.get_freeze_count()
    result = CliRunner().invoke(main, ["check", "sin(x)", "x=1"])
    assert result.exit_code == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_the_console_script_is_the_program():
    from importlib.metadata import entry_points

    from diffcheck.cli import run

    (script,) = entry_points(group="console_scripts", name="diffcheck")
    assert script.load() is run


# Who runs the atexit handlers: `_end_now` (a command that called `exit_quickly`), or the interpreter's own exit (None).
ENDING = (
    "import atexit, sys\n"
    "from diffcheck.cli import run\n"
    "atexit.register(lambda: print('ended by', getattr(sys._getframe().f_back, 'f_code', None) and "
    "sys._getframe().f_back.f_code.co_name))\n"
    "sys.argv = ['diffcheck', *sys.argv[1:]]\n"
    "run()\n"
)


@pytest.mark.parametrize(
    "argv, code, ended_by, stderr",
    [
        (["check", "sin(x)", "x=1"], 0, "_end_now", ""),
        (
            ["check", "sin(x) +", "x=1"],
            2,
            "_end_now",
            "diffcheck: error: expression:1:9: syntax error: invalid syntax\n",
        ),
        (["check", "sin(x)", "x=1", "--format", "json"], 0, "_end_now", ""),
        (["--version"], 0, "None", ""),  # the other commands end as they always did
    ],
)
def test_check_ends_without_the_teardown_after_its_output_and_atexit_handlers(argv, code, ended_by, stderr):
    done = subprocess.run([sys.executable, "-c", ENDING, *argv], capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stderr) == (code, stderr)
    *output, last = done.stdout.splitlines()
    assert last == f"ended by {ended_by}"
    if code == 0 and argv[0] == "check":  # everything printed before the end
        assert output[-1] == ("}" if "json" in argv else "✓ all gradients agree (1 checked)")


def test_check_from_main_leaves_the_callers_exit_alone():
    from diffcheck import cli

    assert CliRunner().invoke(main, ["check", "sin(x)", "x=1"]).exit_code == 0
    assert cli._quick_exit is False
