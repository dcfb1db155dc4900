"""`diffcheck run` speaks the Python autograd snippets are written in: each of tests/python_snippets/*.py (functions,
closures, lambdas, loops with else, unpacking, exceptions, format specs, in-place ops, `.data` sharing, the version
counter, autograd.grad, dicts and lists, plain classes, map/filter/sorted(key=)) prints byte for byte what PyTorch 2.13 printed, and ends as it ended: an
uncaught exception as diffcheck's one line `NAME.py:LINE: Kind: message`, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from diffcheck.cli import main

CASES = Path(__file__).resolve().parent / "python_snippets"
NAMES = sorted(path.stem for path in CASES.glob("*.py"))
NO_BACKWARD = {"closures_and_lambdas", "dicts_lists", "loops_else"}


@pytest.mark.parametrize("name", NAMES)
def test_python_behaves_as_under_pytorch(name, monkeypatch):
    monkeypatch.chdir(CASES)
    result = CliRunner().invoke(main, ["run", "--quiet", f"{name}.py"])
    assert result.stdout == (CASES / f"{name}.stdout").read_text(encoding="utf-8")
    raised = CASES / f"{name}.stderr"
    expected = raised.read_text(encoding="utf-8") if raised.exists() else ""
    if name in NO_BACKWARD:
        expected += f"diffcheck: error: {name}.py: no backward() call: nothing to verify\n"
    assert result.stderr == expected
    assert result.exit_code == (2 if expected else 0)


def test_the_limits_are_flags(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.py").write_text("n = 0\nwhile n < 100:\n    n += 1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "--max-steps", "50", "s.py"])
    assert result.exit_code == 2
    assert result.stderr == "diffcheck: error: s.py:2:1: the snippet runs more than 50 statements (--max-steps)\n"
    (tmp_path / "r.py").write_text("def f(n):\n    return 0 if n == 0 else f(n - 1)\nf(30)\n", encoding="utf-8")
    assert "calls nest more than 10 deep" in CliRunner().invoke(main, ["run", "--max-depth", "10", "r.py"]).stderr
    (tmp_path / "t.py").write_text("while True:\n    pass\n", encoding="utf-8")
    slow = CliRunner().invoke(main, ["run", "--max-steps", "100000000", "--time-budget", "0.2", "t.py"])
    assert slow.stderr.startswith("diffcheck: error: t.py:") and slow.stderr.count("\n") == 1
    assert slow.stderr.endswith(": the snippet runs longer than 0.2 s (--time-budget)\n") and slow.exit_code == 2
