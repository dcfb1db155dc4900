"""diffcheck: verify derivatives with SymPy and a PyTorch-like reverse-mode engine.

The library mirrors PyTorch's autograd names, so programs port by changing the import:
`from diffcheck import tensor`. Nothing heavy (SymPy, rich) is imported here.
"""

from __future__ import annotations

__version__ = "0.1.0"

_OPS_KEPT: set = set()  # table ops looked up and kept here: one taken out of the table later leaves too
_FOLLOWING: list = []  # _forget, once it follows the table
_ENGINE_NAMES = (
    "Tensor",
    "tensor",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "autograd",
    "grad",
    "ones",
    "zeros",
    "Generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "rand",
    "randn",
    "randint",
    "randperm",
    "normal",
    "rand_like",
    "randn_like",
)


def __getattr__(name: str):
    """Engine names, dtypes and table ops (diffcheck.sin, diffcheck.int64 ...) load NumPy on first use only."""
    import importlib

    engine = importlib.import_module(".engine", __name__)
    if name in engine.TORCH_DTYPES:  # diffcheck.bool, as torch.bool: the engine's own name, bool_, is not torch's
        value = engine.TORCH_DTYPES[name]
    elif name in _ENGINE_NAMES or name in engine.FUNCTIONS:
        value = getattr(engine, name) if hasattr(engine, name) else engine.FUNCTIONS[name]
    else:
        raise AttributeError(f"module 'diffcheck' has no attribute '{name}'")
    if name in engine.FUNCTIONS:
        if _forget not in _FOLLOWING:
            _FOLLOWING.append(_forget)
            importlib.import_module(".ops", __name__).subscribe(_forget)
        _OPS_KEPT.add(name)
    globals()[name] = value  # later lookups skip this function (~2 µs each)
    return value


def _forget() -> None:
    from .engine import FUNCTIONS

    for name in [name for name in _OPS_KEPT if name not in FUNCTIONS]:
        globals().pop(name, None)
    _OPS_KEPT.intersection_update(FUNCTIONS)
