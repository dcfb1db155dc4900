"""Issue 23: where the engine agrees with PyTorch 2.13 at a nan or infinite value and SymPy says otherwise, `check`
labels the difference with its reason (exit 0, 1 under --strict); clamp with inverted bounds is PyTorch's
min(max(x, lo), hi) on both sides. The engine's values here are PyTorch's (tests/fidelity.json, elementwise.json)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from diffcheck.cli import main


def _check(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", "--format", "json", *args])
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize(
    "expr, point, engine, status, fragment",
    [
        ("relu(x)", "x=nan", 1.0, "indeterminate", "relu at 1:1: a nan argument has no derivative"),
        ("clamp(x, min=0.0)", "x=nan", 0.0, "indeterminate", "clamp at 1:1: a nan argument"),
        ("softplus(x)", "x=inf", 1.0, "indeterminate", "softplus at 1:1: an infinite argument"),
    ],
)
def test_a_non_finite_argument_is_an_explained_difference(expr, point, engine, status, fragment):
    code, data = _check(expr, point)
    x = data["tensors"][0]
    assert (code, x["engine"], x["sympy"], x["status"]) == (0, engine, "nan", status)
    assert x["note"].startswith(fragment)
    assert CliRunner().invoke(main, ["check", "--strict", expr, point]).exit_code == 1


def test_inf_minus_inf_is_labelled_where_sympy_cancels():
    code, data = _check("sum(x - x)", "x=[inf,1]")
    assert code == 0 and data["output"]["value"] == "nan" and data["output"]["sympy"] == 0.0
    assert data["output"]["status"] == "overflow"
    assert data["tensors"][0]["engine"] == [0.0, 0.0] and data["tensors"][0]["status"] == "match"


def test_clamp_with_inverted_bounds_is_the_upper_bound_on_both_sides():
    code, data = _check("clamp(x, min=1.0, max=0.0)", "x=[-1,0.5,2]")
    assert code == 0 and data["output"]["value"] == [0.0, 0.0, 0.0] and data["output"]["sympy"] == [0.0, 0.0, 0.0]
    assert data["tensors"][0]["engine"] == [0.0, 0.0, 0.0] and data["tensors"][0]["status"] == "match"


def test_overflow_on_the_way_stays_overflow():
    """At 710 cosh and sinh are finite (1.117e308) and both sides agree; at 711 they overflow, inf - inf is nan."""
    code, data = _check("cosh(x) - sinh(x)", "x=710")
    assert code == 0 and data["output"]["status"] == "match" and data["tensors"][0]["status"] == "match"
    code, data = _check("cosh(x) - sinh(x)", "x=711")
    assert code == 0 and data["output"]["value"] == "nan" and data["output"]["status"] == "overflow"
    assert data["tensors"][0]["note"].startswith("cosh at 1:1, sinh at 1:11: float64 overflow")
