"""Which tensors are an nn.Parameter: marked by snippet/, printed by Tensor.__repr__ as PyTorch prints one."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .tensors import Tensor

_PARAMETERS: dict = {}  # id -> weak reference: the tensors that are an nn.Parameter (printed as PyTorch prints one)


def mark_parameter(t: Tensor) -> Tensor:
    """Make `t` print as an nn.Parameter (`Parameter containing:` first); the engine's ops see a plain tensor."""
    key = id(t)

    def forget(ref) -> None:
        if _PARAMETERS.get(key) is ref:
            del _PARAMETERS[key]

    _PARAMETERS[key] = weakref.ref(t, forget)
    return t


def is_parameter(value) -> bool:
    marked = _PARAMETERS.get(id(value))
    return marked is not None and marked() is value
