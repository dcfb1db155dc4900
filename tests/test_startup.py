"""`diffcheck check`'s common path, in the real program: the modules it leaves unimported (in its own process and in
the child its case runs in), and NumPy's BLAS threads that sleep when idle. What start-up costs is measured by
benchmarks/check_startup.py, not here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = ["check", "sin(x) * exp(x) + x ** 2", "x=1"]
# sympy: symengine serves the case; tomllib: no pyproject.toml to read; difflib: no misspelt name to suggest one for;
# selectors: the wait for the case polls its pipe; the rest: `diffcheck ops`', `--version`'s and `--format json`'s only.
LEFT_OUT = {"sympy", "tomllib", "difflib", "selectors", "diffcheck.ops.describe", "importlib.metadata", "json"}


def _imported(cwd: Path, *argv: str, last: str = "✓ all gradients agree (1 checked)") -> set[str]:
    """Every module the program imported, in either process (-X importtime reports each import on stderr)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("DIFFCHECK_SYMBOLIC", None)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "diffcheck", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == last
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}


def test_checks_common_path_leaves_out_what_it_does_not_need(tmp_path):
    imported = _imported(tmp_path, *CHECK)
    assert {"numpy", "symengine", "mpmath", "click", "rich.table", "diffcheck.engine"} <= imported  # it did load
    assert imported & LEFT_OUT == set()


@pytest.mark.parametrize("config", ["[project]\nname = 'mine'\n", "[tool.diffcheck]\nrtol = 1e-6\n"])
def test_a_pyproject_toml_is_still_read(tmp_path, config):
    (tmp_path / "pyproject.toml").write_text(config)
    imported = _imported(tmp_path, *CHECK)
    assert "tomllib" in imported and "sympy" not in imported


def test_json_is_written_without_rich(tmp_path):
    imported = _imported(tmp_path, *CHECK, "--format", "json", last="}")
    assert "json" in imported and not any(name == "rich" or name.startswith("rich.") for name in imported)


# What OPENBLAS_THREAD_TIMEOUT was when NumPy loaded (an audit hook sees the import), and what it is at exit.
BLAS_PROBE = (
    "import atexit, os, sys\n"
    "seen = []\n"
    "sys.addaudithook(lambda event, args: event == 'import' and args[0] == 'numpy' and "
    "seen.append(os.environ.get('OPENBLAS_THREAD_TIMEOUT')))\n"
    "atexit.register(lambda: print('loaded with', seen[0], 'then', os.environ.get('OPENBLAS_THREAD_TIMEOUT')))\n"
    "sys.argv = ['diffcheck', *sys.argv[1:]]\n"
    "from diffcheck.cli import run\n"
    "run()\n"
)


@pytest.mark.parametrize("users, loaded, then", [(None, "4", "None"), ("12", "12", "12")])
def test_check_loads_numpy_with_blas_threads_that_sleep_when_idle(tmp_path, users, loaded, then):
    """Only for NumPy's load in check's own process, and the user's setting stands."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("OPENBLAS_THREAD_TIMEOUT", None)
    if users is not None:
        env["OPENBLAS_THREAD_TIMEOUT"] = users
    done = subprocess.run(
        [sys.executable, "-c", BLAS_PROBE, *CHECK], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"loaded with {loaded} then {then}"


VERIFY_PROBE = (  # the variable as a verify worker sees it, and as this process has it after
    "import os, diffcheck.cli as cli\n"
    "cli._collector_paused = True  # as in the program's own process (cli.run)\n"
    "with cli.one_blas_thread():\n"
    "    from diffcheck.batch.pool import run_pool, start_server\n"
    "    start_server()\n"
    "print(run_pool(os.getenv, ['OPENBLAS_NUM_THREADS'], 1, 60)[0].value, os.environ.get('OPENBLAS_NUM_THREADS'))\n"
)


@pytest.mark.parametrize("users, expected", [(None, "1 None"), ("3", "3 3")])
def test_verify_workers_load_numpy_with_one_blas_thread(tmp_path, users, expected):
    """The fork server, and so every worker, loads NumPy with one BLAS thread (the workers are one per CPU); the
    process starting it keeps no trace of the setting, and the user's own value stands."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("OPENBLAS_NUM_THREADS", None)
    if users is not None:
        env["OPENBLAS_NUM_THREADS"] = users
    done = subprocess.run(
        [sys.executable, "-c", VERIFY_PROBE], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == expected
