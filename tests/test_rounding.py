"""A rounded constant in PyTorch's backward (hardsigmoid multiplies by float32(1/6) in float64 too): the difference
it makes is labelled `rounding` on the gradients whose path runs through the op, and nothing more is excused."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from diffcheck import ops
from diffcheck.cli import main


def tensors(*args):
    result = CliRunner().invoke(main, ["check", *args, "--format", "json"])
    return result.exit_code, {t["name"]: t for t in json.loads(result.stdout)["tensors"]}


def test_hardsigmoids_float32_sixth_is_labelled_rounding_on_its_path_only():
    code, found = tensors("y * hardsigmoid(x)", "x=0.5", "y=2")
    assert code == 0
    assert (found["x"]["status"], found["x"]["engine"]) == ("rounding", 2 * float(np.float32(1 / 6)))
    assert found["x"]["note"] == (
        "hardsigmoid at 1:5: PyTorch's backward multiplies by float32(1/6) = 0.16666667163 in float64 too; "
        "SymPy gives 0.3333333333333333, the engine 0.3333333432674408"
    )
    assert found["y"]["status"] == "match"  # y's gradient is hardsigmoid's value, computed exactly


def test_strict_fails_a_rounding_difference():
    result = CliRunner().invoke(main, ["check", "hardsigmoid(x)", "x=0.5", "--strict"])
    assert result.exit_code == 1


def test_a_wrong_rule_is_not_excused_by_a_declared_rounding():
    wrong = ops.Op(
        name="sixth",
        grad_fn="SixthBackward0",
        forward=lambda x: x / 6,
        vjp=lambda F, g, out, x: (g * 0.17,),  # 2% off: far beyond the constant's 3e-8
        sym=lambda sp, x: x / 6,
        derivative="1/6",
        rounded=(3e-8, "a rounded sixth"),
    )
    with ops.registered(wrong):
        code, found = tensors("sixth(x)", "x=1")
    assert code == 1 and found["x"]["status"] == "mismatch"
