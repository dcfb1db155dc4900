"""Element types as PyTorch names them, and grad mode (torch.no_grad)."""

from __future__ import annotations

import weakref

import numpy as np


class dtype:
    """A tensor element type, printed as PyTorch prints it (`torch.float64`)."""

    __slots__ = ("name", "np", "is_floating_point")

    def __init__(self, name: str, np_type: type, is_floating_point: bool):
        self.name, self.np, self.is_floating_point = name, np.dtype(np_type), is_floating_point

    def __repr__(self) -> str:
        return f"torch.{self.name}"


float32 = dtype("float32", np.float32, True)
float64 = dtype("float64", np.float64, True)
int64 = dtype("int64", np.int64, False)
bool_ = dtype("bool", np.bool_, False)
_DTYPES = {d.np: d for d in (float32, float64, int64, bool_)}


class _Unsupported(dtype):
    """A dtype PyTorch has and the engine does not compute in (NumPy's float16 rounds otherwise than PyTorch's half
    kernels): a name to print, compare and assign (`x.grad_dtype = torch.float16`); a tensor of it is refused."""

    __slots__ = ()

    def __init__(self, name: str):
        self.name, self.is_floating_point = name, True

    @property
    def np(self):
        raise ValueError(f"{self!r} tensors are not supported by diffcheck's engine")


float16 = _Unsupported("float16")
bfloat16 = _Unsupported("bfloat16")
# torch's names for them, aliases included (torch.long is torch.int64): `bool` itself would shadow the builtin here
TORCH_DTYPES = {
    "float32": float32,
    "float": float32,
    "float64": float64,
    "double": float64,
    "int64": int64,
    "long": int64,
    "bool": bool_,
    "float16": float16,
    "half": float16,
    "bfloat16": bfloat16,
}
_default_dtype = float32

_grad_enabled = True


class _State:
    mixed = False  # some op met tensors of two float dtypes: from then on, backward casts gradients (backward.py)


state = _State()


class _GradMode:
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __enter__(self):
        global _grad_enabled
        self.previous, _grad_enabled = _grad_enabled, self.enabled

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self.previous


def no_grad() -> _GradMode:
    """Context manager: results computed inside do not require grad (torch.no_grad)."""
    return _GradMode(False)


def enable_grad() -> _GradMode:
    return _GradMode(True)


def is_grad_enabled() -> bool:
    return _grad_enabled


# ---- inference mode (torch.inference_mode): grad mode off, and the tensors made inside are inference tensors ------
_inference = False
_inference_made = False  # some inference tensor was made: only then do ops look for one among their inputs
_INFERENCE_TENSORS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # id -> tensor made in it
NOT_SAVED = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode in "
    "computation tracked by autograd. To work around this, you can make a clone to get a normal tensor and use it "
    "in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`."
)
NO_VERSION = "Inference tensors do not track version counter."
NO_INPLACE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get a normal "
    "tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more details."
)
NO_REQUIRES_GRAD = "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."


class _InferenceMode:
    """c10::InferenceMode(enabled): inference mode `enabled`, grad mode its opposite; both restored on exit."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled

    def __enter__(self):
        global _grad_enabled, _inference
        self.previous = (_grad_enabled, _inference)
        _grad_enabled, _inference = not self.enabled, self.enabled

    def __exit__(self, *exc):
        global _grad_enabled, _inference
        _grad_enabled, _inference = self.previous


def inference_mode(mode: bool = True) -> _InferenceMode:
    return _InferenceMode(mode)


def is_inference_mode_enabled() -> bool:
    return _inference


def made_in_inference(t) -> None:
    global _inference_made
    _inference_made = True
    _INFERENCE_TENSORS[id(t)] = t


def is_inference(t) -> bool:
    return t is not None and _INFERENCE_TENSORS.get(id(t)) is t


def check_saved(op, args) -> None:
    """PyTorch refuses to record a node that saves an inference tensor (mul does; add saves none)."""
    from .forward import _kept

    for a, kept in zip(args, _kept(op.name)[1:]):
        if kept and is_inference(a):
            raise RuntimeError(NOT_SAVED)
