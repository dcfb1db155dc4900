"""`-q` / `--quiet` on every command: the table gives way to the line that matters; exit codes do not change."""

from __future__ import annotations

from click.testing import CliRunner

from diffcheck import ops
from diffcheck.cli import main

from sample_texts import GOOD, STALE  # noqa: E402 - tests/ is on sys.path under pytest


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_check_quiet_prints_only_the_verdict():
    good = invoke("check", "x * x", "x=3", "-q")
    assert (good.exit_code, good.stdout) == (0, "✓ all gradients agree (1 checked)\n")
    kink = invoke("check", "relu(x)", "x=0", "-q", "--strict")
    assert (kink.exit_code, kink.stdout) == (
        1,
        "✗ --strict: x differ at a kink, singular point, overflow or indeterminate form\n",
    )


def test_verify_quiet_shows_only_the_cases_that_did_not_pass(tmp_path):
    (tmp_path / "good.toml").write_text(GOOD)
    assert invoke("verify", str(tmp_path), "-q", "-j", "1").stdout.startswith("2 cases: 2 passed")
    (tmp_path / "stale.toml").write_text(STALE)
    result = invoke("verify", str(tmp_path), "-q", "-j", "1")
    rows = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert result.exit_code == 1 and len(rows) == 1 and "stale.toml" in rows[0]


def test_ops_quiet_lists_the_names():
    result = invoke("ops", "-q")
    names = result.stdout.splitlines()
    assert result.exit_code == 0 and names[:3] == ["add", "sub", "mul"]
    assert set(names) >= {name for name in ops.FRONTS}


def test_fuzz_quiet_is_one_line_of_counts():
    result = invoke("fuzz", "--cases", "5", "--seed", "1", "-j", "1", "-q")
    assert result.exit_code == 0 and result.stdout == "5 cases: 5 agree, 0 findings\n"
