"""`diffcheck run`, the interpreter's own values: what a name can denote besides numbers, strings, lists, dicts and
tensors (modules, torch functions, builtins, the snippet's functions, exceptions, grad-mode contexts), the scopes
names live in, and the signals that carry `break`, `continue` and `return` out of a block."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Optional

from .names import CLASS_MODULES, EXCEPTIONS


@dataclass(frozen=True)
class Module:
    path: str


@dataclass(frozen=True)
class Base:
    """A class the snippet's classes may derive from, by its path (`torch.autograd.Function`)."""

    path: str


@dataclass(frozen=True)
class Function:
    name: str  # a torch function: a creator, a context manager, an op spelling, an extra (allclose, grad ...)


@dataclass(frozen=True)
class Builtin:
    name: str
    type_name = "builtin_function_or_method"  # Python's type of print, math.sqrt


@dataclass(frozen=True)
class MathFunction:
    name: str
    type_name = "builtin_function_or_method"  # Python's type of print, math.sqrt


class TensorClass:
    """torch.Tensor, for isinstance()."""

    def __repr__(self) -> str:
        return "<class 'torch.Tensor'>"


TENSOR_CLASS = TensorClass()


class NodeClass:
    """torch.autograd.graph.Node, for isinstance(): the class of every grad_fn."""

    def __repr__(self) -> str:
        return "<class 'torch.autograd.graph.Node'>"


NODE_CLASS = NodeClass()


@dataclass(frozen=True)
class GradContext:
    """torch.no_grad(), torch.enable_grad(), torch.set_grad_enabled(mode): a `with` context or a decorator."""

    enabled: bool
    name: str
    previous: Optional[bool] = None  # set_grad_enabled: the mode before it was made, restored when a `with` ends
    inference: Optional[bool] = None  # inference_mode(mode): inference mode on or off (grad mode its opposite)

    def __repr__(self) -> str:
        return f"<torch.autograd.grad_mode.{self.name} object at {hex(id(self))}>"


def set_grad_mode(enabled: bool) -> None:
    from ..engine import dtypes

    dtypes._grad_enabled = enabled


def modes() -> tuple[bool, bool]:
    """Grad mode and inference mode, to restore after a `with` or a decorated function."""
    from ..engine import dtypes

    return dtypes._grad_enabled, dtypes._inference


def set_modes(grad: bool, inference: Optional[bool]) -> None:
    from ..engine import dtypes

    dtypes._grad_enabled = grad
    if inference is not None:
        dtypes._inference = inference


@dataclass
class UserFunction:
    """A `def` or a `lambda` of the snippet: its parameters, body and the scope it was defined in."""

    name: str
    node: ast.AST  # the FunctionDef or the Lambda
    defaults: list
    kw_defaults: dict
    closure: "Scope"
    grad_mode: Optional[bool] = None  # @torch.no_grad(): False, @torch.enable_grad(): True
    inference: Optional[bool] = None  # @torch.inference_mode(): True
    owner: Any = None  # a method's: the snippet's class that defines it (super() in it starts past it)
    type_name = "function"  # in PyTorch's messages (a hook returned one)

    def __repr__(self) -> str:
        return f"<function {self.name} at {hex(id(self))}>"


class ExceptionValue:
    """An exception as the snippet sees it (`except RuntimeError as e: print(e)`)."""

    def __init__(self, kind: str, message: str, args: tuple = ()):
        self.kind, self.message, self.args = kind, message, args

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{self.kind}({', '.join(map(repr, self.args))})"

    def matches(self, kind: str) -> bool:
        return kind == self.kind or kind in EXCEPTIONS.get(self.kind, ("Exception",))


@dataclass
class Scope:
    """Names of the module, or of one call of a function (reading through to the scopes it was defined in)."""

    vars: dict = field(default_factory=dict)
    parent: Optional["Scope"] = None

    def find(self, name: str) -> Optional["Scope"]:
        scope = self
        while scope is not None:
            if name in scope.vars:
                return scope
            scope = scope.parent
        return None

    def flat(self) -> dict[str, Any]:
        """Every visible name, the innermost binding winning."""
        chain, scope = [], self
        while scope is not None:
            chain.append(scope.vars)
            scope = scope.parent
        merged: dict[str, Any] = {}
        for variables in reversed(chain):
            merged.update(variables)
        return merged


class BreakLoop(Exception):
    pass


class ContinueLoop(Exception):
    pass


class ReturnValue(Exception):
    def __init__(self, value):
        super().__init__()
        self.value = value


class Raised(Exception):
    """What the real program would raise at this line (autograd's RuntimeError, a TypeError, a NameError ...)."""

    def __init__(self, kind: str, message: str, line: int, value=None):
        super().__init__(message)
        self.kind, self.message, self.line, self.value = kind, message, line, value
        self.native = False  # raised inside a builtin PyTorch called back: at the line of the call into PyTorch


class SnippetObject:
    """An object of torch's the snippet holds (an nn.Module, an optimizer, a generator): attributes, methods and calls
    come to it, with the interpreter, the AST node (for PyTorch's errors at its line) and plain values."""

    type_name = "object"

    def get(self, interp, name: str, node: ast.AST):
        raise interp.missing(self, name, node)

    def set(self, interp, name: str, value, node: ast.AST) -> None:
        raise interp.missing(self, name, node)

    def call_method(self, interp, name: str, args: list, kwargs: dict, node: ast.AST):
        return interp.call(self.get(interp, name, node), args, kwargs, node)

    def invoke(self, interp, args: list, kwargs: dict, node: ast.AST):
        raise _type_error(f"'{self.type_name}' object is not callable", node)

    def item(self, interp, key, node: ast.AST):
        raise _type_error(f"'{self.type_name}' object is not subscriptable", node)

    def length(self, interp, node: ast.AST) -> int:
        raise _type_error(f"object of type '{self.type_name}' has no len()", node)


def _type_error(message: str, node: ast.AST):
    from .torch_surface import Raised

    return Raised("TypeError", message, node.lineno)


@dataclass
class BoundMethod(SnippetObject):
    """A method of a SnippetObject as a value (`model.forward`, `opt.step`): `run(interp, args, kwargs, node)`."""

    name: str
    run: Any
    of: Any = None  # a method of the snippet's classes: the object it is bound to, and its function's name
    function: str = ""
    type_name = "method"

    def invoke(self, interp, args: list, kwargs: dict, node: ast.AST):
        return self.run(interp, args, kwargs, node)

    def __repr__(self) -> str:
        owner = "" if self.of is None else f" of {self.of!r}"
        return f"<bound method {self.function or self.name}{owner}>"


class LazyIterator(SnippetObject):
    """map's, filter's and reversed's iterators: lazy and used up once, as Python 3's."""

    def __init__(self, type_name: str, items):
        self.type_name, self.items = type_name, items

    def __iter__(self):
        return self.items

    def __repr__(self) -> str:
        return f"<{self.type_name} object at {hex(id(self))}>"


@dataclass(frozen=True)
class TorchClass(SnippetObject):
    """A class of torch.nn or torch.optim (`nn.Linear`, `optim.SGD`): calling it makes the object."""

    qualname: str
    type_name = "type"

    def invoke(self, interp, args: list, kwargs: dict, node: ast.AST):
        return interp.construct(self.qualname, args, kwargs, node)

    def __repr__(self) -> str:  # the module PyTorch defines it in: <class 'torch.nn.modules.linear.Linear'>
        name = self.qualname.rpartition(".")[2]
        return f"<class '{CLASS_MODULES[name]}.{name}'>"


_TORCH_CLASSES: dict[str, TorchClass] = {}


def torch_class(qualname: str) -> TorchClass:
    """The one object for a torch class, so that `type(m) is nn.Linear` holds as in Python."""
    return _TORCH_CLASSES.setdefault(qualname, TorchClass(qualname))
