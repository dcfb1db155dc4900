"""The engine's inference mode (torch.inference_mode): grad mode off inside, tensors made there are inference tensors,
and PyTorch 2.13's refusals when one meets autograd (texts recorded in tests/sessions/inference.stderr). The REPL
session tests/sessions/inference.txt compares the whole behaviour with PyTorch's; these pin the engine's API."""

from __future__ import annotations

import pytest

from diffcheck import engine
from diffcheck.engine import dtypes


def test_inference_mode_switches_both_modes_and_marks_what_it_makes():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    with engine.inference_mode():
        assert engine.is_inference_mode_enabled() and not engine.is_grad_enabled()
        y = x * x
        with engine.inference_mode(False):
            assert not engine.is_inference_mode_enabled() and engine.is_grad_enabled()
    assert not engine.is_inference_mode_enabled() and engine.is_grad_enabled()
    assert y.is_inference() and not y.requires_grad and not x.is_inference()
    with pytest.raises(RuntimeError, match="^Inference tensors do not track version counter.$"):
        _ = y._version
    with pytest.raises(RuntimeError, match="^Inference tensors cannot be saved for backward"):
        _ = y * x  # mul saves both operands
    assert (x + y).grad_fn.name() == "AddBackward0"  # add saves none
    with pytest.raises(RuntimeError, match="^Setting requires_grad=True on inference tensor outside InferenceMode"):
        y.requires_grad_()


def test_an_optional_argument_left_none_is_not_an_inference_tensor():
    """None among an op's arguments (clamp's missing min) once matched the inference table's missing entry."""
    with engine.inference_mode():
        engine.ones(1)
    assert dtypes._inference_made and not dtypes.is_inference(None)
    x = engine.tensor([2.0, 0.5], requires_grad=True)
    assert x.clamp(max=engine.tensor(1.0)).grad_fn.name() == "ClampBackward0"


def test_an_in_place_change_outside_is_made_then_refused_as_pytorch():
    with engine.inference_mode():
        y = engine.ones(2)
    with pytest.raises(RuntimeError, match="^Inplace update to inference tensor outside InferenceMode"):
        y.add_(1)
    assert y.tolist() == [2.0, 2.0]  # PyTorch's check comes after the kernel wrote
