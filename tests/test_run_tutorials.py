"""`diffcheck run` over the tutorial corpus (tests/tutorials/, sources in SOURCES.md): each prints byte for byte what
PyTorch 2.13 printed (object addresses masked), and every gradient call verifies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from diffcheck.cli import main

TUTORIALS = Path(__file__).resolve().parent / "tutorials"
NAMES = sorted(path.stem for path in TUTORIALS.glob("*.py"))
# no backward() call: exit 2, as for any such snippet
NOTHING_TO_VERIFY = {"no_grad_docs", "set_grad_enabled_docs", "is_leaf_docs"}
_ADDRESS = re.compile(r"0x[0-9a-f]+")


def test_corpus_size_and_sources():
    assert len(NAMES) >= 15
    sources = (TUTORIALS / "SOURCES.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert (TUTORIALS / f"{name}.stdout").exists(), name
        assert f"| {name} |" in sources, name


@pytest.mark.parametrize("name", NAMES)
def test_tutorial_prints_what_pytorch_prints(name, monkeypatch):
    monkeypatch.chdir(TUTORIALS)
    result = CliRunner().invoke(main, ["run", "--quiet", f"{name}.py"])
    stdout = (TUTORIALS / f"{name}.stdout").read_text(encoding="utf-8")
    stderr_path = TUTORIALS / f"{name}.stderr"
    stderr = stderr_path.read_text(encoding="utf-8").replace("{dir}", str(TUTORIALS)) if stderr_path.exists() else ""
    assert _ADDRESS.sub("0x…", result.stdout) == _ADDRESS.sub("0x…", stdout)
    expected_errors = f"diffcheck: error: {name}.py: no backward() call: nothing to verify\n"
    assert result.stderr == stderr + (expected_errors if name in NOTHING_TO_VERIFY else "")
    assert result.exit_code == (2 if name in NOTHING_TO_VERIFY else 0), result.stderr


def test_a_loop_of_calls_is_verified_once_per_graph_shape(monkeypatch):
    monkeypatch.chdir(TUTORIALS)
    result = CliRunner().invoke(main, ["run", "loeber_05_gradientdescent_auto.py"])
    assert result.exit_code == 0
    # the first, the last and three seeded calls between, each standing for the calls up to the next
    for call, stands in ((1, "calls 1-50"), (51, "calls 51-54"), (55, "calls 55-98"), (99, "itself"), (100, "itself")):
        assert f"(call {call} of 100 of this graph shape, lines 36; verified: 5, this one stands for {stands})" in (
            result.stdout
        )
    assert result.stdout.count("✓ all gradients agree") == 5
