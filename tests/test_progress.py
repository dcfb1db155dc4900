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
from diffcheck.render import progress as progress_module
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


def test_the_bar_shows_cases_each_kind_of_ending_and_a_rate_only_once_it_means_something(monkeypatch):
    clock = iter([100.0, 100.001, 100.002, 100.003, 101.5])  # started, three cases at once, one 1.5 s later
    monkeypatch.setattr(progress_module.time, "perf_counter", lambda: next(clock))
    console = Console(force_terminal=True, file=io.StringIO(), width=120)
    with progress(console, "verify", 4) as advance:
        advance("errored", ran=False)  # refused before it ran: no part of the rate
        advance("")
        advance("failed")
        advance("")
    text = console.file.getvalue()
    # 3 cases ran in 1.5 s (the refused one is no work); no frame ever showed the first milliseconds' rate
    assert "verify" in text and "4/4" in text and "1 errored, 1 failed  2.0 cases/s" in text
    assert text.count("cases/s") == text.count("2.0 cases/s")


def test_a_bar_started_without_a_total_is_told_it_later():
    console = Console(force_terminal=True, file=io.StringIO(), width=120)
    with progress(console, "verify", None) as advance:
        advance("")
        advance(total=2)
        advance("failed")
    text = console.file.getvalue()
    assert "2/2" in text and "3/2" not in text  # telling the total counted no case


def test_the_bar_is_a_no_op_off_a_terminal():
    console = Console(file=io.StringIO(), width=120)
    with progress(console, "verify", 2) as advance:
        advance("failed")
    with progress(None, "verify", 2) as advance:
        advance("failed")
    assert console.file.getvalue() == ""


@pytest.mark.parametrize("lazy", [False, True])
def test_verify_advances_once_per_case_with_its_failure(tmp_path, lazy):
    (tmp_path / "cases.toml").write_text(CASES)
    calls = []

    def advance(kind="", ran=True, total=None):
        calls.append(("total", total) if total is not None else (kind, ran))

    @contextmanager
    def record(total):
        calls.append(("entered with", total))
        yield advance

    batch, _ = verify([tmp_path], jobs=1, progress=record, lazy=lazy)
    assert calls[0] == ("entered with", None)  # the files load as the cases run
    if not lazy:  # the parent refuses the case as it loads the file, before the run draws it
        assert calls[1:3] == [("errored", False), ("total", 3)]
    # completion order is the pool's; the counts are not. A case its worker refused did not run either.
    assert sorted(calls[1:]) == [("", True), ("errored", False), ("failed", True), ("total", 3)]
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
    assert "1 errored" in shown and "3/3" in shown  # the bar counts each ending (a rate only after a second)
    machine = _on_a_terminal(["verify", "cases.toml", "-j", "1", "--format", "json"], tmp_path)
    assert "cases/s" not in machine and machine.lstrip().startswith("{")


def test_fuzz_shows_the_same_bar_on_a_terminal(tmp_path):
    shown = _on_a_terminal(["fuzz", "--cases", "16", "--seed", "1"], tmp_path)
    assert "16/16" in shown and "cases/s" in shown  # 16 generated programs take more than a second
