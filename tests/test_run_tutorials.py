"""`diffcheck run` over the tutorial corpus (tests/tutorials/, sources in SOURCES.md): each prints byte for byte what
PyTorch 2.13 printed (object addresses masked), and every gradient call verifies."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from diffcheck.cli import main

TUTORIALS = Path(__file__).resolve().parent / "tutorials"
NAMES = sorted(path.stem for path in TUTORIALS.glob("*.py"))
# no backward() call: exit 2, as for any such snippet
NOTHING_TO_VERIFY = {"no_grad_docs", "set_grad_enabled_docs", "is_leaf_docs"}
# Output only (test_training_tutorial_output): 2000-point float32 graphs take SymPy minutes per verified call (the
# custom Function's verification is tests/test_run_custom_function.py's, on shortened copies); its losses are
# compared within 1 ulp
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
    for call, stands in (
        (1, "calls 1-2"),
        (3, "calls 3-29"),
        (30, "calls 30-54"),
        (55, "calls 55-99"),
        (100, "itself"),
    ):
        assert f"(call {call} of 100 of this graph shape, lines 36; verified: 5, this one stands for {stands})" in (
            result.stdout
        )
    assert result.stdout.count("✓ all gradients agree") == 5


def test_training_tutorial_output():
    """PyTorch's polynomial_custom_function tutorial, all 2000 steps (the tracer holds what a step holds, not what
    every step made: test_a_training_loop_holds_one_step). b and d print as PyTorch's, bit for bit; a and c, sums of
    residuals that cancel to ~1e-10, drift apart in float32 (PyTorch's sin and sum kernels round differently from
    NumPy's in the last bit): measured 1.3e-10 and 5.8e-10 apart at the end. The printed losses, sums of 2000 float32
    squares added in another order than PyTorch's, are PyTorch's or 1 ulp away (measured: 7 of 20 are 1 ulp away)."""
    from diffcheck.snippet import run_snippet
    from diffcheck.snippet.parse import parse_snippet

    name = "polynomial_custom_function"
    printed: list[str] = []
    path = TUTORIALS / f"{name}.py"
    outcome = run_snippet(parse_snippet(path.read_text(encoding="utf-8"), f"{name}.py"), printed.append)
    assert outcome.raised is None and outcome.error is None and outcome.calls == 2000
    ours, torch = "".join(printed).splitlines(), (TUTORIALS / f"{name}.stdout").read_text(encoding="utf-8").splitlines()
    assert len(ours) == len(torch) == 21
    for mine, theirs in zip(ours[:20], torch[:20]):
        (step, loss), (torch_step, torch_loss) = mine.split(), theirs.split()
        assert step == torch_step and abs(float(loss) - float(torch_loss)) <= np.spacing(np.float32(torch_loss))
    assert ours[0] == torch[0] == "99 209.95834350585938"
    numbers = re.compile(r"-?\d+\.\d+(?:e-?\d+)?")
    (a, b, c, d), (ta, tb, tc, td) = ([float(v) for v in numbers.findall(line)] for line in (ours[20], torch[20]))
    assert (b, d) == (tb, td) == (-2.208526849746704, 0.2554861009120941)
    assert abs(a - ta) < 3e-9 and abs(c - tc) < 3e-9


def test_a_training_loop_holds_one_step():
    """Tensors the snippet no longer reaches are freed, and a loop's backward() calls are sampled as they come: a
    loop's memory does not grow with its steps (it held every tensor and every call's Case: 56 MB at 400 steps of the
    tutorial above, 1.6 MB now)."""
    import tracemalloc

    from diffcheck.snippet import run_snippet
    from diffcheck.snippet.parse import parse_snippet

    text = (
        "import torch\nx = torch.linspace(-1, 1, 2000)\nw = torch.tensor(0.5, requires_grad=True)\n"
        "for t in range(STEPS):\n    loss = ((w * x - x) ** 2).sum()\n    loss.backward()\n"
        "    with torch.no_grad():\n        w -= 1e-4 * w.grad\n    w.grad = None\n"
    )
    held = []
    for steps in (50, 500):
        tracemalloc.start()
        outcome = run_snippet(parse_snippet(text.replace("STEPS", str(steps)), "s.py"), print)
        held.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
        assert outcome.calls == steps and outcome.error is None
        (shape,) = outcome.shapes.values()
        assert len(shape.sampler.chosen()) == 5
    assert held[1] < 1.5 * held[0]  # ten times the steps
