"""The command line and the pytest plugin against hostile circumstances (issue 21), in real subprocesses: a reader that
closes stdout (`diffcheck verify samples/ | head -1`), and the plugin on cases that were internal errors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
BROKEN = "diffcheck: error: stdout was closed before all the output was written (broken pipe)\n"


@pytest.mark.parametrize(
    "args",
    [
        ["verify", "samples/arithmetic.toml"],
        ["check", "sin(x)", "x=1"],
        ["check", "x", "x=1", "--format", "json"],
        ["ops"],
    ],
)
def test_a_reader_that_stops_reading_is_one_line_and_exit_2(args):
    """rich exits 1 on a broken pipe, which means "a gradient disagrees"; Python would print BrokenPipeError."""
    process = subprocess.Popen(
        [sys.executable, "-m", "diffcheck", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=ROOT
    )
    process.stdout.close()  # before the command writes anything
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 2 and stderr == BROKEN


def test_verify_into_head_keeps_its_first_line():
    shell = f"{sys.executable} -m diffcheck verify samples/arithmetic.toml | head -1; exit ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=300)
    assert done.stdout.startswith("diffcheck verify") and done.stdout.count("\n") == 1
    assert (done.returncode, done.stderr) in ((0, ""), (2, BROKEN))  # whether head closed before the last write


HOSTILE_CASES = """
[[case]]
name = "bool minus"
program = "(1 > 0) - x"
inputs = { x = [1.0, 2.0] }

[[case]]
name = "inf dim"
program = "sum(x, dim=exp(1000))"
inputs = { x = [1.0, 2.0] }

[[case]]
name = "where"
program = "where(((y - x) <= (x - z)), x, y)"
inputs = { y = [0.0, 0.0], x = [[0.0, 0.0], [0.0, 0.0]], z = [0.0, 0.0] }

[[case]]
name = "power"
program = "maximum(x - x, 0.5) ** 1e300 + log(x - x)"
inputs = { x = 1.0 }

[[case]]
name = "tower"
program = "x**(x**(x**(x**x)))"
inputs = { x = 3.0 }
"""


def test_the_pytest_plugin_reports_former_internal_errors_in_one_line(tmp_path):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "hostile.toml").write_text(HOSTILE_CASES)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--diffcheck", "cases", "-p", "no:cacheprovider", "-q"],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=tmp_path,
        timeout=600,
    )
    assert "Traceback" not in done.stdout and "internal error" not in done.stdout, done.stdout
    power = "a power with an exponent of about 2**{} is too large to compute exactly (its result cannot fit in memory)"
    for line in [
        "cases/hostile.toml:2: case 'bool minus': program:1:1: 'sub': Subtraction, the `-` operator, with a bool",
        "cases/hostile.toml:7: case 'inf dim': program:1:1: parameter 'dim' of 'sum' must be an integer",
        f"cases/hostile.toml:17: case 'power': {power.format(997)}",
        f"cases/hostile.toml:22: case 'tower': {power.format(12086286059298)}",
    ]:
        assert line in done.stdout, done.stdout
    assert "4 failed, 1 passed" in done.stdout


def test_the_pytest_plugin_kills_a_case_at_its_timeout(tmp_path):
    (tmp_path / "slow.toml").write_text(
        '[[case]]\nname = "tower"\nprogram = "exp(exp(exp(exp(exp(x)))))"\ninputs = { x = 1.0 }\n'
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--diffcheck",
            "slow.toml",
            "--diffcheck-timeout",
            "1",
            "-p",
            "no:cacheprovider",
        ],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=tmp_path,
        timeout=600,
    )
    assert "slow.toml:1: case 'tower': timeout: still running after 1 s (killed)" in done.stdout, done.stdout
    assert "1 failed" in done.stdout and "Traceback" not in done.stdout
