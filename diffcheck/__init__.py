"""diffcheck: verify derivatives with SymPy and a PyTorch-like reverse-mode engine.

The library mirrors PyTorch's autograd names, so programs port by changing the import:
`from diffcheck import tensor`. Nothing heavy (SymPy, rich) is imported here.
"""
from __future__ import annotations

__version__ = "0.1.0"

_ENGINE_NAMES = ("Tensor", "tensor", "no_grad", "enable_grad", "is_grad_enabled", "float32", "float64", "autograd",
                 "grad", "ones", "zeros")


def __getattr__(name: str):
    """Engine names and table ops (diffcheck.sin, diffcheck.pow ...) load NumPy on first use only."""
    import importlib

    engine = importlib.import_module(".engine", __name__)
    if name in _ENGINE_NAMES or name in engine.FUNCTIONS:
        value = getattr(engine, name) if hasattr(engine, name) else engine.FUNCTIONS[name]
        globals()[name] = value  # later lookups skip this function (~2 µs each)
        return value
    raise AttributeError(f"module 'diffcheck' has no attribute '{name}'")
