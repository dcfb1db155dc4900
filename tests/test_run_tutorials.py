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
# Output only (test_training_tutorial_output): 2000-point float32 graphs take SymPy minutes per verified call (the
# custom Function's verification is tests/test_run_custom_function.py's, on shortened copies)
OUTPUT_ONLY = {"polynomial_custom_function"}
_ADDRESS = re.compile(r"0x[0-9a-f]+")


def test_corpus_size_and_sources():
    assert len(NAMES) >= 15
    sources = (TUTORIALS / "SOURCES.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert (TUTORIALS / f"{name}.stdout").exists(), name
        assert f"| {name} |" in sources, name


@pytest.mark.parametrize("name", sorted(set(NAMES) - OUTPUT_ONLY))
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


def test_a_loop_is_verified_at_its_first_and_last_calls_and_a_seeded_sample(monkeypatch):
    monkeypatch.chdir(TUTORIALS)
    result = CliRunner().invoke(main, ["run", "loeber_05_gradientdescent_auto.py"])
    assert result.exit_code == 0
    # the first, the last and three seeded calls between, each standing for the calls up to the next
    for call, stands in ((1, "calls 1-50"), (51, "calls 51-54"), (55, "calls 55-98"), (99, "itself"), (100, "itself")):
        assert f"(call {call} of 100 of this graph shape, lines 36; verified: 5, this one stands for {stands})" in (
            result.stdout
        )
    assert result.stdout.count("✓ all gradients agree") == 5


def test_training_tutorial_output():
    """PyTorch's polynomial_custom_function tutorial (its loop cut from 2000 to 300 steps: the tracer keeps every
    tensor of a run, 10 million elements at most). Its losses print as PyTorch's, bit for bit, and so do b and d; a
    and c, sums of residuals that cancel to ~1e-10, drift apart in float32 (PyTorch's sin and sum kernels round
    differently from NumPy's in the last bit): measured 2.6e-9 and 2.2e-9 apart (4e-11 and 1.2e-9 before the engine's
    float32 sums took PyTorch's order for short vectors, which moves these residues: each is the rounding noise of
    terms of order 1e-2, not a trend)."""
    from diffcheck.snippet import run_snippet
    from diffcheck.snippet.parse import parse_snippet

    name = "polynomial_custom_function"
    printed: list[str] = []
    path = TUTORIALS / f"{name}.py"
    outcome = run_snippet(parse_snippet(path.read_text(encoding="utf-8"), f"{name}.py"), printed.append)
    assert outcome.raised is None and outcome.error is None and len(outcome.backwards) == 300
    ours, torch = "".join(printed).splitlines(), (TUTORIALS / f"{name}.stdout").read_text(encoding="utf-8").splitlines()
    assert ours[:3] == torch[:3] == ["99 209.95834350585938", "199 144.66018676757812", "299 100.70249938964844"]
    numbers = re.compile(r"-?\d+\.\d+(?:e-?\d+)?")
    (a, b, c, d), (ta, tb, tc, td) = ([float(v) for v in numbers.findall(line)] for line in (ours[3], torch[3]))
    assert (b, d) == (tb, td) == (-1.5471197366714478, 0.24978573620319366)
    assert abs(a - ta) < 3e-9 and abs(c - tc) < 3e-9
