"""The engines under test: the interface (engines/base.py) and its adapters, each imported only when asked for.

An adapter module offers `available()` (its framework is installed, checked without importing it) and `load()` (the
`Engine`, built once per process).
"""

from __future__ import annotations

import importlib

from .base import Capabilities, Engine, Unsupported

__all__ = ["BUILT_IN", "Capabilities", "Engine", "Unsupported", "adapter", "default"]

BUILT_IN = ("diffcheck", "torch", "jax")  # the adapters in this package, by the name commands give them


def adapter(name: str):
    """The module of a built-in engine: `diffcheck.engines.<name>`."""
    if name not in BUILT_IN:
        raise KeyError(name)
    return importlib.import_module(f".{name}", __name__)


def default() -> Engine:
    """diffcheck's own engine, the one every command checks unless told otherwise."""
    from .diffcheck import ENGINE

    return ENGINE
