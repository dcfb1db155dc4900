"""diffcheck: verify derivatives with SymPy and a PyTorch-like reverse-mode engine.

The public API (`dir(diffcheck)` lists it):

- `diffcheck.check(program, point, engine=None, *, rtol, atol, no_grad, retain_grad, order, dtype, strict)`: a
  `CheckResult` (typed dataclasses: `result.failed`, `result.tensors`, each a `TensorResult`);
- `diffcheck.verify(*paths, jobs=None, timeout=60, engines=(), dtype=None)`: a `Batch` of every sample file's cases;
- `diffcheck.testing`: `assert_gradients`, `check_torch_function`;
- the engine, with PyTorch's autograd names, so programs port by changing the import: `from diffcheck import tensor`.

Nothing heavy (SymPy, rich) is imported here.
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


_API = {  # public name -> (module, attribute); None: the module itself
    "check": (".check", None),  # the package, callable: check/__init__.check_program
    "CheckResult": (".check", "CheckResult"),
    "TensorResult": (".check", "TensorResult"),
    "verify": (".batch.verify", "verify_paths"),
    "Batch": (".batch.verify", "Batch"),
    "Outcome": (".batch.verify", "Outcome"),
    "testing": (".testing", None),
    "DiffcheckError": (".errors", "DiffcheckError"),
}
__all__ = sorted([*_API, *_ENGINE_NAMES, "__version__"])


def __dir__() -> list[str]:
    return __all__


def __getattr__(name: str):
    """The API, engine names, dtypes and table ops (diffcheck.sin, diffcheck.int64 ...) load on first use only."""
    import importlib.util

    if name in _API:
        module, attribute = _API[name]
        loaded = importlib.import_module(module, __name__)
        return loaded if attribute is None else getattr(loaded, attribute)
    if name.isidentifier() and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        # A submodule not imported yet: `from .. import defaults` asks here before importing it, and must not pay
        # for the engine (NumPy and the op table: 0.15 s of every command's start-up).
        raise AttributeError(f"module 'diffcheck' has no attribute '{name}'")
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
