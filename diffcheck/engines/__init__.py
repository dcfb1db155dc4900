"""The engines under test: the interface (engines/base.py), its adapters, and loading an engine by name.

An adapter module offers `available()` (its framework is installed, checked without importing it) and `load()` (the
`Engine`, built once per process).

Names (`--engine NAME`, `load(name)`):

- a built-in adapter: `diffcheck` (ours), `torch`, `jax`, `micrograd`;
- `package.module:factory`: the user's own engine, `factory()` returning an `Engine`;
- the name of an entry point in the group `diffcheck.engines` that an installed package registers
  (`[project.entry-points."diffcheck.engines"] myengine = "mypkg.adapter:make"`).

Trust: an engine runs the user's code. Only the user names one (the command line, their pyproject.toml, a call of the
Python API): never a sample file, a snippet or an expression.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Callable

from ..errors import DiffcheckError
from .base import Capabilities, Engine, Unsupported

__all__ = [
    "BUILT_IN",
    "Capabilities",
    "Engine",
    "EngineLoadError",
    "Unsupported",
    "adapter",
    "default",
    "load",
    "names",
]

BUILT_IN = ("diffcheck", "torch", "jax", "micrograd")  # the adapters in this package, by the name commands give them
GROUP = "diffcheck.engines"  # the entry-point group of installed packages' engines
# What to install for a built-in engine whose framework is missing.
INSTALL = {"torch": "pip install 'diffcheck-autograd[torch]'", "jax": "pip install 'diffcheck-autograd[jax]'"}
INSTALL["micrograd"] = "pip install 'diffcheck-autograd[micrograd]'"
FRAMEWORK = {"torch": "PyTorch", "jax": "JAX", "micrograd": "micrograd"}


class EngineLoadError(DiffcheckError):
    """An engine name that cannot be loaded: one line, exit code 2."""


def adapter(name: str):
    """The module of a built-in engine: `diffcheck.engines.<name>`."""
    if name not in BUILT_IN:
        raise KeyError(name)
    return importlib.import_module(f".{name}", __name__)


def default() -> Engine:
    """diffcheck's own engine, the one every command checks unless told otherwise."""
    from .diffcheck import ENGINE

    return ENGINE


def _entry_points() -> dict:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=GROUP)}


def names() -> list[str]:
    """Every engine name `load` knows without a `module:factory`: built-ins, then installed entry points."""
    return [*BUILT_IN, *sorted(n for n in _entry_points() if n not in BUILT_IN)]


_LOADED: dict[str, Engine] = {}


def load(name: str) -> Engine:
    """The engine called `name` (see the module docstring), built once per process; EngineLoadError when it cannot be."""
    if name not in _LOADED:
        _LOADED[name] = _load(name)
    return _LOADED[name]


def _load(name: str) -> Engine:
    if name in BUILT_IN:
        module = adapter(name)
        if not module.available():
            raise EngineLoadError(f"engine '{name}' needs {FRAMEWORK[name]}, which is not installed: {INSTALL[name]}")
        return module.load()
    if ":" in name:
        module_name, _, attribute = name.partition(":")
        return _call(name, _import(name, module_name, attribute))
    found = _entry_points()
    if name in found:
        try:
            factory = found[name].load()
        except Exception as error:  # noqa: BLE001 - the user's package: whatever it raises, one line
            raise EngineLoadError(
                f"engine '{name}' (entry point {found[name].value}): cannot load: {type(error).__name__}: {error}"
            ) from None
        return _call(name, factory)
    import difflib  # here: only a misspelt name needs it

    close = difflib.get_close_matches(name, names(), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise EngineLoadError(
        f"unknown engine '{name}'{hint} (built in: {', '.join(BUILT_IN)}; or MODULE:FACTORY, "
        f"or an entry point in the group '{GROUP}')"
    )


def _import(name: str, module_name: str, attribute: str) -> Callable:
    if not module_name or not attribute:
        raise EngineLoadError(f"engine '{name}': give it as package.module:factory")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise EngineLoadError(f"engine '{name}': module '{module_name}' cannot be imported: {error}") from None
    except Exception as error:  # noqa: BLE001 - the user's module: whatever it raises on import, one line
        raise EngineLoadError(
            f"engine '{name}': importing '{module_name}' raised {type(error).__name__}: {error}"
        ) from None
    target = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise EngineLoadError(f"engine '{name}': module '{module_name}' has no attribute '{attribute}'")
        target = getattr(target, part)
    return target


def _call(name: str, factory) -> Engine:
    if isinstance(factory, Engine):  # an instance already
        return factory
    if not callable(factory):
        raise EngineLoadError(f"engine '{name}': the factory is not callable (it is {type(factory).__name__})")
    try:
        engine = factory()
    except Exception as error:  # noqa: BLE001 - the user's factory: whatever it raises, one line
        raise EngineLoadError(f"engine '{name}': the factory raised {type(error).__name__}: {error}") from None
    if not isinstance(engine, Engine):
        raise EngineLoadError(
            f"engine '{name}': the factory returned {type(engine).__name__}, not a diffcheck.engines.Engine"
        )
    return engine
