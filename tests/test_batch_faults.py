"""Faults around a running batch, as real processes: SIGTERM and SIGHUP to `verify`, kill -9 of verify, of its fork
server and of a worker. Each ends with one line naming the place, exit code 2, every other case reported (in a
complete JSON report) and no process of the run left: the workers, the fork server and the resource tracker are
found in /proc while the run goes, and checked gone after it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")

QUICK = '[[case]]\nname = "quick {n}"\nprogram = "x * {n}"\ninputs = {{ x = 1.5 }}\n'
# SymPy differentiates a sum of 256 products of 16 terms for each of 512 symbols: minutes; the engine: microseconds.
# floor keeps the case on SymPy's route (its form is SymPy's own): symengine's takes well under a second.
HANG = '[[case]]\nname = "hang"\nprogram = "sum(sin(W @ V)) + sum(floor(V))"\ninputs = {{ W = {m}, V = {m} }}\n'.format(
    m=[[(i * 16 + j) / 100 for j in range(16)] for i in range(16)]
)


def _stat(pid: int) -> list[str] | None:
    """/proc/PID/stat after the command name: [state, ppid, ...]; None once the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def alive(pid: int) -> bool:
    """Running, not gone and not a zombie (a container's init may never reap an orphan)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        fields = _stat(int(entry)) if entry.isdigit() else None
        if fields is not None and int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


class Run:
    """`diffcheck verify` on a folder as a real process, with a JSON report in a file; knows its helper processes
    once its workers are running."""

    def __init__(self, folder: Path, *args: str):
        self.report = folder.parent / "report.json"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "diffcheck",
                "verify",
                folder.name,
                "-j",
                "2",
                "--timeout",
                "120",
                "--format",
                "json",
                "-o",
                str(self.report),
                *args,
            ],
            cwd=folder.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self.server, self.tracker, self.workers = self._helpers()

    def _helpers(self) -> tuple[int, int, list[int]]:
        """Waits until both workers run (the quick cases done: only the hanging one is left)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            mine = {pid: command_line(pid) for pid in children(self.process.pid)}
            server = [pid for pid, line in mine.items() if "forkserver" in line]
            tracker = [pid for pid, line in mine.items() if "resource_tracker" in line]
            if server and tracker and len(children(server[0])) == 2:
                time.sleep(1.0)  # the quick cases take milliseconds; the hanging one has started
                return server[0], tracker[0], children(server[0])
            time.sleep(0.05)
        self.process.kill()
        raise AssertionError(f"the workers never started: {self.process.communicate()}")

    def finish(self) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=60)
        return self.process.returncode, out, err

    def left(self) -> list[int]:
        """The run's processes still alive shortly after it ended (the kernel reaps in milliseconds)."""
        pids = [self.server, self.tracker, *self.workers]
        deadline = time.monotonic() + 5
        while any(map(alive, pids)) and time.monotonic() < deadline:
            time.sleep(0.05)
        return [pid for pid in pids if alive(pid)]

    def cases(self) -> list[tuple[str, str, str | None]]:
        return [(c["name"], c["status"], c["error"]) for c in json.loads(self.report.read_text())["cases"]]


@pytest.fixture(autouse=True)
def _no_run_left_behind(monkeypatch):
    """A test that fails before its run ends must not leave a verify hanging on its case."""
    started: list[Run] = []
    real = Run.__init__

    def tracked(self, *args):
        started.append(self)
        real(self, *args)

    monkeypatch.setattr(Run, "__init__", tracked)
    yield
    for run in started:
        if run.process.poll() is None:
            run.process.kill()
            run.process.communicate()


@pytest.fixture
def folder(tmp_path) -> Path:
    """Three cases for two workers: quick, hanging, quick (one case each out of the three, in that order)."""
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "a.toml").write_text(QUICK.format(n=1))
    (samples / "b.toml").write_text(HANG)
    (samples / "c.toml").write_text(QUICK.format(n=2))
    return samples


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_signal_to_verify_reports_what_finished_and_leaves_no_process(folder, name):
    run = Run(folder)
    os.kill(run.process.pid, getattr(signal, name))
    code, out, err = run.finish()
    assert code == 2
    assert run.cases() == [
        ("quick 1", "pass", None),
        ("hang", "error", f"samples/b.toml:1: case 'hang': stopped while running: verify got {name}"),
        ("quick 2", "pass", None),
    ]
    assert err.splitlines() == [
        f"diffcheck: error: stopped by {name}: 1 of 3 cases not finished",
        f"diffcheck: error: samples/b.toml:1: case 'hang': stopped while running: verify got {name}",
    ]
    assert out.startswith("3 cases: 2 passed, 0 failed, 1 error, 0 timed out; 1 error outside the cases in ")
    assert run.left() == []


def test_kill_9_of_verify_leaves_no_process(folder):
    run = Run(folder)
    os.kill(run.process.pid, signal.SIGKILL)
    code, _, _ = run.finish()
    assert code == -signal.SIGKILL
    assert run.left() == []  # the fork server ends with verify, and each worker with the fork server


def test_kill_9_of_the_workers_is_a_row_for_the_case_that_ran(folder):
    run = Run(folder)
    for worker in run.workers:  # one runs the hanging case, the other waits for work: charged nothing
        os.kill(worker, signal.SIGKILL)
    code, out, err = run.finish()
    assert code == 2
    died = "samples/b.toml:1: case 'hang': worker process died (killed by SIGKILL) while running this case"
    assert run.cases() == [("quick 1", "pass", None), ("hang", "error", died), ("quick 2", "pass", None)]
    assert err == f"diffcheck: error: {died}\n"
    assert run.left() == []


def test_kill_9_of_the_fork_server_is_a_row_for_the_case_that_ran(folder):
    run = Run(folder)
    os.kill(run.server, signal.SIGKILL)
    code, out, err = run.finish()
    assert code == 2
    lost = (
        "samples/b.toml:1: case 'hang': worker process lost (its fork server died, or it exited with code 255) "
        "while running this case"
    )
    assert run.cases() == [("quick 1", "pass", None), ("hang", "error", lost), ("quick 2", "pass", None)]
    assert err == f"diffcheck: error: {lost}\n"
    assert run.left() == []


def test_a_fork_server_lost_between_runs_is_replaced(folder):
    """A pool started after the fork server died gets a new one (multiprocessing relaunches it once the old one is
    reaped: until then, starting a worker fails with EOFError, which was `internal error: EOFError`)."""
    from multiprocessing import forkserver

    from diffcheck.batch.pool import run_pool, start_server

    start_server()
    forkserver._forkserver.ensure_running()
    os.kill(forkserver._forkserver._forkserver_pid, signal.SIGKILL)
    done = run_pool(abs, [-1, -2], 1, timeout=60)
    assert [(d.kind, d.value) for d in done] == [("ok", 1), ("ok", 2)]
