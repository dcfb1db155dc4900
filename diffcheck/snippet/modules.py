"""`diffcheck run`, torch.nn: `nn.Module` objects — the snippet's own subclasses (`class Net(nn.Module)`, with
`super().__init__()`, layers and `nn.Parameter`s as attributes and a `forward`) and torch's layers — with PyTorch's
registration order, `parameters()`, `named_parameters()`, `zero_grad()`, `train()`/`eval()`, `state_dict()` and
printing. Layers compute through the op table (`nn.Linear` is the `linear` row), so every forward is traced and each
backward() verified like any other; `nn.Linear` draws its initial weights from the run's generator as PyTorch does,
so a seeded model prints PyTorch's weights. torch.nn's layers are in `snippet/layers.py`; the class machinery a
subclass shares with the snippet's plain classes (methods, inheritance, super()) in `snippet/classes.py`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from .. import engine
from ..engine import type_name
from ..engine.parameters import is_parameter, mark_parameter
from . import classes, custom_function
from .torch_surface import Raised
from .values import BoundMethod, SnippetObject, torch_class


def parameter(data, requires_grad: bool = True):
    """nn.Parameter: a leaf tensor the engine prints as `Parameter containing:` and the tensor."""
    return mark_parameter(engine.Tensor(data, requires_grad))


class StateDict(dict):
    """What state_dict() returns: an OrderedDict, printed as Python 3.11 prints one."""

    def __repr__(self) -> str:
        return f"OrderedDict({list(self.items())!r})" if self else "OrderedDict()"


@dataclass(eq=False)
class ModuleValue(SnippetObject):
    """One nn.Module: parameters, submodules and other attributes in registration order, as PyTorch keeps them."""

    name: str  # the class name PyTorch prints
    cls: Optional[classes.ClassValue] = None  # the snippet's class, or None for torch's layers
    forward_impl: Optional[Callable] = None  # torch's layers: (interp, module, args, kwargs, node) -> value
    extra: Callable[["ModuleValue"], str] = lambda module: ""  # extra_repr
    initialised: bool = False
    training: bool = True
    params: dict = field(default_factory=dict)
    modules: dict = field(default_factory=dict)
    attrs: dict = field(default_factory=dict)

    @property
    def type_name(self) -> str:
        return self.name

    # ---- attributes ----------------------------------------------------------------------------------------------
    def get(self, interp, name: str, node: ast.AST):
        """A property of its class, then its parameters, children and attributes, its class's members, and
        nn.Module's methods (PyTorch finds the tables through Module.__getattr__; no name is in two places)."""
        value = classes.read(interp, self, self.cls, name, node, (self.params, self.modules, self.attrs))
        if value is not classes.MISSING:
            return value
        if name == "training":
            return self.training
        builtin = _METHODS.get(name)
        if builtin is not None:
            return BoundMethod(
                name, lambda i, args, kwargs, n: builtin(i, self, args, kwargs, n), self, f"Module.{name}"
            )
        raise Raised("AttributeError", f"'{self.name}' object has no attribute '{name}'", node.lineno)

    def set(self, interp, name: str, value, node: ast.AST) -> None:
        """PyTorch's Module.__setattr__: a Parameter registers, a module becomes a child, None keeps the slot."""
        classes.writable(self, self.cls, name, node)
        if name == "training" and isinstance(value, bool):
            self.training = value
        elif is_parameter(value):
            self._initialised("parameters", node)
            self.modules.pop(name, None), self.attrs.pop(name, None)
            self.params[name] = value
        elif name in self.params:
            if value is not None:
                raise Raised(
                    "TypeError",
                    f"cannot assign '{_torch_type(value)}' as parameter '{name}' (torch.nn.Parameter or None expected)",
                    node.lineno,
                )
            self.params[name] = None
        elif isinstance(value, ModuleValue):
            self._initialised("module", node)
            self.params.pop(name, None), self.attrs.pop(name, None)
            self.modules[name] = value
        elif name in self.modules:
            if value is not None:
                raise Raised(
                    "TypeError",
                    f"cannot assign '{_torch_type(value)}' as child module '{name}' (torch.nn.Module or None expected)",
                    node.lineno,
                )
            self.modules[name] = None
        else:
            self.attrs[name] = value

    def _initialised(self, what: str, node: ast.AST) -> None:
        if not self.initialised:
            raise Raised("AttributeError", f"cannot assign {what} before Module.__init__() call", node.lineno)

    # ---- calling -------------------------------------------------------------------------------------------------
    def invoke(self, interp, args: list, kwargs: dict, node: ast.AST):
        if self.forward_impl is not None:
            return self.forward_impl(interp, self, args, kwargs, node)
        for name in ("__call__", "forward"):
            member = self.cls.lookup(name) if self.cls is not None else None
            if member is not None:
                return interp.call(classes.bind(member, self, name), args, kwargs, node)
        raise Raised(
            "NotImplementedError", f'Module [{self.name}] is missing the required "forward" function', node.lineno
        )

    def item(self, interp, key, node: ast.AST):
        if self.name != "Sequential":
            return super().item(interp, key, node)
        layers = list(self.modules.values())
        if type(key) is not int:
            raise interp.fail("nn.Sequential is indexed by an integer here", node)
        if not -len(layers) <= key < len(layers):
            raise Raised("IndexError", f"index {key} is out of range", node.lineno)
        return layers[key]

    def length(self, interp, node: ast.AST) -> int:
        return len(self.modules) if self.name == "Sequential" else super().length(interp, node)

    # ---- walking -------------------------------------------------------------------------------------------------
    def named_parameters(self, prefix: str = "") -> list:
        """Own parameters first, then each submodule's, each tensor once (PyTorch's `named_parameters`)."""
        seen, out = set(), []
        for name, value in self._named(prefix):
            if value is not None and id(value) not in seen:
                seen.add(id(value))
                out.append((name, value))
        return out

    def _named(self, prefix: str) -> list:
        out = [(prefix + name, p) for name, p in self.params.items()]
        for name, module in self.modules.items():
            if module is not None:
                out += module._named(f"{prefix}{name}.")
        return out

    def __repr__(self) -> str:
        text = self.cls.text(self, "__repr__") if self.cls is not None else None
        if text is not None:
            return text
        extra = self.extra(self)
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): " + _indent(repr(module), 2) for key, module in self.modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            body = extra_lines[0] if len(extra_lines) == 1 and not child_lines else "\n  " + "\n  ".join(lines) + "\n"
        return f"{self.name}({body})"


def _indent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    return lines[0] if len(lines) == 1 else lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _torch_type(value) -> str:
    if isinstance(value, engine.Tensor):
        return {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor"}.get(
            str(value.data.dtype), "torch.LongTensor"
        )
    return type_name(value)


class ModuleKind(classes.Kind):
    """nn.Module subclasses: their instances are modules, and what lies past the snippet's classes is nn.Module's
    `__init__` (which registers the module's tables) and methods."""

    def make(self, cls: classes.ClassValue) -> ModuleValue:
        return ModuleValue(cls.name, cls=cls)

    def no_init(self, interp, module, args: list, kwargs: dict, node: ast.AST) -> None:
        module.initialised = True
        if args or kwargs:
            raise Raised(
                "TypeError",
                f"{module.name}.__init__() takes 1 positional argument but {len(args) + 1} were given",
                node.lineno,
            )

    def inherited(self, interp, module, name: str, node: ast.AST):
        if name == "__init__":
            return BoundMethod(name, lambda i, args, kwargs, n: _module_init(module, args, kwargs, n))
        builtin = _METHODS.get(name)
        if builtin is not None:
            return BoundMethod(name, lambda i, args, kwargs, n: builtin(i, module, args, kwargs, n))
        raise Raised("AttributeError", f"'super' object has no attribute '{name}'", node.lineno)


def _module_init(module: ModuleValue, args: list, kwargs: dict, node: ast.AST) -> None:
    if args or kwargs:
        raise Raised("TypeError", "Module.__init__() takes 1 positional argument", node.lineno)
    module.initialised = True


MODULE = ModuleKind()


# ---- nn.Module's methods --------------------------------------------------------------------------------------------
def _parameters(interp, module, args, kwargs, node):
    return [p for _, p in module.named_parameters()]


def _named_parameters(interp, module, args, kwargs, node):
    return list(module.named_parameters())


def _zero_grad(interp, module, args, kwargs, node):
    set_to_none = ([*args, *kwargs.values()] or [True])[0]
    for _, p in module.named_parameters():
        interp.clear_grad(p, set_to_none, node)


def _train(interp, module, args, kwargs, node, mode=None):
    mode = ([*args, *kwargs.values()] or [True])[0] if mode is None else mode
    if not isinstance(mode, bool):
        raise Raised("ValueError", "training mode is expected to be boolean", node.lineno)
    stack = [module]
    while stack:
        current = stack.pop()
        current.training = mode
        stack.extend(m for m in current.modules.values() if m is not None)
    return module


def _eval(interp, module, args, kwargs, node):
    return _train(interp, module, [], {}, node, mode=False)


def _state_dict(interp, module, args, kwargs, node):
    state = StateDict()
    for name, p in module._named(""):
        if p is not None:
            state[name] = interp._detached(p, node)
    return state


def _apply(interp, module, args, kwargs, node):
    """Module.apply(fn): fn on every submodule, children first, then on the module itself; the module back."""
    given = [*args, *kwargs.values()]
    if len(given) != 1 or set(kwargs) - {"fn"}:
        raise interp.fail("apply() takes one function (fn)", node)
    for child in [m for m in module.modules.values() if m is not None]:
        _apply(interp, child, given, {}, node)
    interp.call(given[0], [module], {}, node)
    return module


def _forward(interp, module, args, kwargs, node):
    return module.invoke(interp, args, kwargs, node)


_METHODS: dict[str, Any] = {
    "parameters": _parameters,
    "named_parameters": _named_parameters,
    "zero_grad": _zero_grad,
    "train": _train,
    "eval": _eval,
    "state_dict": _state_dict,
    "forward": _forward,
    "apply": _apply,
}


class ModuleSurface:
    """The interpreter's side of nn and optim objects (a mixin): torch's classes by qualified name, the snippet's
    classes by base class, methods run with their module as `self` (and as `super()`'s), grads cleared."""

    FACTORIES: dict = {}  # "torch.nn.Linear" -> (interp, args, kwargs, node) -> object; filled by snippet/__init__
    CLASSES: dict = {  # torch's base class -> how a `class` statement defines one (the validator let through these)
        "torch.nn.Module": lambda interp, node: classes.define(interp, node, None, MODULE),
        "torch.autograd.Function": custom_function.define_class,
    }

    def construct(self, qualname: str, args: list, kwargs: dict, node: ast.AST):
        return self.FACTORIES[qualname](self, args, kwargs, node)

    def define_class(self, node: ast.ClassDef):
        """By its base: none or `object` (a plain class), one of the snippet's classes (its kind), or torch's."""
        if not node.bases or isinstance(node.bases[0], ast.Name) and node.bases[0].id == "object":
            return classes.define(self, node, None, classes.PLAIN)
        base = self.eval(node.bases[0])
        if isinstance(base, classes.ClassValue):
            return classes.define(self, node, base, base.kind)
        qualname = getattr(base, "qualname", None) or getattr(base, "path", None)
        if qualname not in self.CLASSES:
            shown = self.source(node.bases[0])
            raise self.fail(
                f"class '{node.name}': its base '{shown}' is not one of the snippet's plain or nn.Module classes", node
            )
        return self.CLASSES[qualname](self, node)

    def _builtin_type(self, args, kwargs, node):
        """type(obj) of an instance of the snippet's classes or of an nn module: its class, or torch's (one object
        each, so `is` compares)."""
        value = args[0]
        if isinstance(value, classes.InstanceValue):
            return value.cls
        if isinstance(value, ModuleValue):
            return value.cls if value.cls is not None else torch_class(f"torch.nn.{value.name}")
        raise self.fail(
            f"type() is supported only of an nn module or an instance of the snippet's classes (not of {type_name(value)!r})",
            node,
        )

    def _builtin_super(self, args, kwargs, node):
        if len(args) == 2 and isinstance(args[0], classes.ClassValue):
            cls = getattr(args[1], "cls", None)
            if not (isinstance(cls, classes.ClassValue) and cls.subclass_of(args[0])):
                raise Raised("TypeError", "super(type, obj): obj must be an instance or subtype of type", node.lineno)
            return classes.SuperValue(args[1], args[0])
        if not args and self.selves and self.selves[-1][0] is not None:
            return classes.SuperValue(*self.selves[-1])
        raise self.fail(
            "super() is supported only in a method of the snippet's classes: super() or super(Class, self)", node
        )

    def missing(self, value, name: str, node: ast.AST) -> Raised:
        return Raised("AttributeError", f"'{value.type_name}' object has no attribute '{name}'", node.lineno)

    def clear_grad(self, p, set_to_none, node: ast.AST) -> None:
        """zero_grad() for one parameter: None (PyTorch's default), or its grad detached and zeroed."""
        if set_to_none:
            p.grad = None
        elif p.grad is not None:
            if p.grad.grad_fn is not None:
                raise self.fail("zero_grad(set_to_none=False) of a grad with a graph is not supported", node)
            p.grad.zero_()
            self._share(p.grad)
