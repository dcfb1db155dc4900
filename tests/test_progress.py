"""The progress bar of `verify` and `fuzz`: drawn on a terminal, absent from piped and machine output."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from diffcheck.cli import main
from diffcheck.render.progress import progress
from diffcheck.batch.verify import verify
from sample_texts import SQUARE, STALE  # noqa: E402 - tests/ is on sys.path under pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = (
    SQUARE
    + "\n"
    + STALE
    + """
[[case]]
name = "refused"
program = "y = x * x"
"""
)


def test_the_bar_shows_cases_failures_and_rate_on_a_terminal():
    console = Console(force_terminal=True, file=io.StringIO(), width=120)
    with progress(console, "verify", 3) as advance:
        for failed in (False, True, False):
            advance(failed)
    text = console.file.getvalue()
    assert "verify" in text and "3/3" in text and "1 failed" in text and "cases/s" in text


def test_the_bar_is_a_no_op_off_a_terminal():
    console = Console(file=io.StringIO(), width=120)
    with progress(console, "verify", 2) as advance:
        advance(True)
    with progress(None, "verify", 2) as advance:
        advance(True)
    assert console.file.getvalue() == ""


def test_verify_advances_once_per_case_with_its_failure(tmp_path):
    (tmp_path / "cases.toml").write_text(CASES)
    calls = []

    @contextmanager
    def record(total):
        calls.append(("total", total))
        yield lambda failed: calls.append(failed)

    batch, _ = verify([tmp_path], jobs=1, progress=record)
    assert calls[0] == ("total", 3)
    assert sorted(calls[1:]) == [False, True, True]  # completion order is the pool's; the counts are not
    assert [o.status for o in batch.outcomes] == ["pass", "fail", "error"]


@pytest.mark.parametrize("fmt", ["table", "json", "junit", "github", "markdown"])
def test_no_progress_in_output_that_is_not_a_terminal(tmp_path, fmt):
    (tmp_path / "cases.toml").write_text(CASES)
    result = CliRunner().invoke(main, ["verify", str(tmp_path), "-j", "1", "--format", fmt])
    assert result.exit_code == 2  # the refused case is an error
    assert "cases/s" not in result.output and "\x1b[?25l" not in result.output  # no bar, no hidden cursor


def _on_a_terminal(args: list[str], cwd: Path) -> str:
    """Run `diffcheck ARGS` with stdout on a pseudo-terminal; everything it wrote there."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    process = subprocess.Popen(
        [sys.executable, "-m", "diffcheck", *args],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_real_terminal_gets_the_bar_and_a_machine_format_does_not(tmp_path):
    (tmp_path / "cases.toml").write_text(CASES)
    shown = _on_a_terminal(["verify", "cases.toml", "-j", "1"], tmp_path)
    assert "cases/s" in shown and "failed" in shown and "3/3" in shown
    machine = _on_a_terminal(["verify", "cases.toml", "-j", "1", "--format", "json"], tmp_path)
    assert "cases/s" not in machine and machine.lstrip().startswith("{")


def test_fuzz_shows_the_same_bar_on_a_terminal(tmp_path):
    shown = _on_a_terminal(["fuzz", "--cases", "16", "--seed", "1"], tmp_path)
    assert "16/16" in shown and "disagreeing" in shown and "cases/s" in shown
