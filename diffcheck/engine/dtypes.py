"""Element types as PyTorch names them, and grad mode (torch.no_grad)."""

from __future__ import annotations

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
# torch's names for them, aliases included (torch.long is torch.int64): `bool` itself would shadow the builtin here
TORCH_DTYPES = {
    "float32": float32,
    "float": float32,
    "float64": float64,
    "double": float64,
    "int64": int64,
    "long": int64,
    "bool": bool_,
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
