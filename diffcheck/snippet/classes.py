"""`diffcheck run`, the snippet's own classes, one implementation for both kinds: plain classes (`class Linear:`, as
Karpathy's makemore builds its layers from them) and nn.Module subclasses (whose instances are `modules.ModuleValue`).
Methods (plain, @staticmethod, @classmethod, @property), class attributes, single inheritance between the snippet's
classes with `super()`, and the special methods `__init__`, `__call__`, `__repr__`, `__str__`, `__len__` and
`__getitem__`; every method is interpreted as a function is, within the run's step, depth and size limits.

What a kind adds past the snippet's classes (object's `__init__`, or nn.Module's and its methods) is its `Kind`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple, Optional

from ..engine import type_name
from .torch_surface import Raised
from .values import BoundMethod, SnippetObject, UserFunction

MAX_RENDERED = 1_000_000  # characters the snippet's __repr__/__str__ may return within one conversion to text


class Member(NamedTuple):
    kind: str  # "method", "staticmethod", "classmethod", "property" or "attribute"
    value: Any


class Kind:
    """What instances of a kind of class are and inherit past the snippet's classes (object's, here)."""

    def make(self, cls: "ClassValue"):
        return cls.instance_type(cls)

    def no_init(self, interp, instance, args: list, kwargs: dict, node: ast.AST) -> None:
        """Calling a class none of whose classes defines __init__."""
        if args or kwargs:
            raise Raised("TypeError", f"{instance.cls.name}() takes no arguments", node.lineno)

    def inherited(self, interp, instance, name: str, node: ast.AST):
        """`super().NAME` past the snippet's classes: object's `__init__` only."""
        if name == "__init__":
            return BoundMethod(name, lambda i, args, kwargs, n: _object_init(instance, args, kwargs, n))
        raise Raised("AttributeError", f"'super' object has no attribute '{name}'", node.lineno)


def _object_init(instance, args: list, kwargs: dict, node: ast.AST) -> None:
    if args or kwargs:
        raise Raised(
            "TypeError",
            f"{instance.type_name}.__init__() takes exactly one argument (the instance to initialize)",
            node.lineno,
        )


PLAIN = Kind()


@dataclass(eq=False)
class ClassValue(SnippetObject):
    """A class of the snippet: its own methods (name -> (function, decorator kind)) and class attributes, its base
    among the snippet's classes, and its kind (plain, or nn.Module's)."""

    name: str
    methods: dict[str, tuple[UserFunction, str]]
    attributes: dict
    base: Optional["ClassValue"] = None
    kind: Kind = PLAIN
    interp: Any = field(default=None, repr=False)  # runs __repr__ and __str__ when Python asks for the text
    type_name = "type"

    @cached_property
    def instance_type(self) -> type:
        """InstanceValue under the class's name, so that Python's own messages about an instance name its class
        (`abs(obj)`: "bad operand type for abs(): 'Linear'"), as they would in the real program."""
        return type(self.name, (InstanceValue,), {"__module__": "__main__", "__qualname__": self.name})

    def lineage(self):
        cls = self
        while cls is not None:
            yield cls
            cls = cls.base

    def lookup(self, name: str) -> Optional[Member]:
        for cls in self.lineage():
            if name in cls.attributes:
                return Member("attribute", cls.attributes[name])
            if name in cls.methods:
                function, kind = cls.methods[name]
                return Member(kind, function)
        return None

    def subclass_of(self, other: "ClassValue") -> bool:
        return any(cls is other for cls in self.lineage())

    # ---- the class as a value: `Linear.count`, `Linear(3, 4)` --------------------------------------------------
    def get(self, interp, name: str, node: ast.AST):
        member = self.lookup(name)
        if member is None:
            raise Raised("AttributeError", f"type object '{self.name}' has no attribute '{name}'", node.lineno)
        if member.kind == "property":
            raise interp.fail(f"reading property '{name}' from class '{self.name}' is not supported", node)
        return member.value if member.kind == "method" else bind(member, self, name)  # a method: a function

    def set(self, interp, name: str, value, node: ast.AST) -> None:
        self.methods.pop(name, None)
        self.attributes[name] = value

    def invoke(self, interp, args: list, kwargs: dict, node: ast.AST):
        instance = self.kind.make(self)
        init = self.lookup("__init__")
        if init is None:
            self.kind.no_init(interp, instance, args, kwargs, node)
            return instance
        returned = interp.call(bind(init, instance, "__init__"), args, kwargs, node)
        if returned is not None:
            raise Raised("TypeError", f"__init__() should return None, not '{type_name(returned)}'", node.lineno)
        return instance

    def __repr__(self) -> str:
        return f"<class '__main__.{self.name}'>"

    # ---- what an instance finds on its class ---------------------------------------------------------------------
    def text(self, instance, name: str) -> Optional[str]:
        """What the snippet's `__repr__` or `__str__` returns for `instance`, None where its classes define none."""
        member = self.lookup(name)
        if member is None or member.kind != "method":
            return None
        interp = self.interp
        node = interp.text_node or member.value.node
        interp.rendering += 1
        try:
            text = interp.call_function(member.value, [instance], {}, node)
        finally:
            interp.rendering -= 1
        if not isinstance(text, str):
            raise Raised("TypeError", f"{name} returned non-string (type {type_name(text)})", node.lineno)
        interp.rendered += len(text)
        if interp.rendered > MAX_RENDERED:
            raise interp.fail(f"string longer than {MAX_RENDERED} characters", node)
        return text


def bind(member: Member, instance, name: str):
    """A member as `instance.NAME` reads it (a property is `read`'s): a method bound to it, a class method to its
    class, a static method or an attribute as it is."""
    if member.kind not in ("method", "classmethod"):
        return member.value
    this = instance if member.kind == "method" or isinstance(instance, ClassValue) else instance.cls
    function = member.value
    return BoundMethod(
        name, lambda i, args, kwargs, n: i.call_function(function, [this, *args], kwargs, n), this, function.name
    )


def read(interp, instance, cls: Optional[ClassValue], name: str, node: ast.AST, own: tuple[dict, ...]):
    """`instance.NAME`: a property first (a data descriptor), then the instance's own attributes (in the tables
    `own`), then its class's; `MISSING` when none has it."""
    member = cls.lookup(name) if cls is not None else None
    if member is not None and member.kind == "property":
        return interp.call_function(member.value, [instance], {}, node)
    for table in own:
        if name in table:
            return table[name]
    return MISSING if member is None else bind(member, instance, name)


def writable(instance, cls: Optional[ClassValue], name: str, node: ast.AST) -> None:
    """Python's refusal to assign over a property without a setter (none has one here)."""
    member = cls.lookup(name) if cls is not None else None
    if member is not None and member.kind == "property":
        raise Raised("AttributeError", f"property '{name}' of '{instance.type_name}' object has no setter", node.lineno)


MISSING = object()


@dataclass(eq=False)
class InstanceValue(SnippetObject):
    """An instance of a plain class: its own attributes; the rest comes from its class."""

    cls: ClassValue
    attrs: dict = field(default_factory=dict)

    @property
    def type_name(self) -> str:
        return self.cls.name

    def get(self, interp, name: str, node: ast.AST):
        value = read(interp, self, self.cls, name, node, (self.attrs,))
        if value is MISSING:
            raise Raised("AttributeError", f"'{self.cls.name}' object has no attribute '{name}'", node.lineno)
        return value

    def set(self, interp, name: str, value, node: ast.AST) -> None:
        writable(self, self.cls, name, node)
        self.attrs[name] = value

    def special(self, interp, name: str, args: list, node: ast.AST, refusal: str):
        member = self.cls.lookup(name)
        if member is None:
            raise Raised("TypeError", refusal, node.lineno)
        return interp.call(bind(member, self, name), args, {}, node)

    def invoke(self, interp, args: list, kwargs: dict, node: ast.AST):
        member = self.cls.lookup("__call__")
        if member is None:
            raise Raised("TypeError", f"'{self.cls.name}' object is not callable", node.lineno)
        return interp.call(bind(member, self, "__call__"), args, kwargs, node)

    def item(self, interp, key, node: ast.AST):
        return self.special(interp, "__getitem__", [key], node, f"'{self.cls.name}' object is not subscriptable")

    def length(self, interp, node: ast.AST) -> int:
        length = self.special(interp, "__len__", [], node, f"object of type '{self.cls.name}' has no len()")
        if not isinstance(length, int):
            raise Raised("TypeError", f"'{type_name(length)}' object cannot be interpreted as an integer", node.lineno)
        if length < 0:
            raise Raised("ValueError", "__len__() should return >= 0", node.lineno)
        return length

    def __repr__(self) -> str:
        text = self.cls.text(self, "__repr__")
        return f"<__main__.{self.cls.name} object at {hex(id(self))}>" if text is None else text

    def __str__(self) -> str:
        text = self.cls.text(self, "__str__")
        return repr(self) if text is None else text


@dataclass(eq=False)
class SuperValue(SnippetObject):
    """super() in a method: the members of the classes past the one that defines the method, bound to `instance`."""

    instance: Any
    owner: ClassValue
    type_name = "super"

    def get(self, interp, name: str, node: ast.AST):
        member = self.owner.base.lookup(name) if self.owner.base is not None else None
        if member is not None:
            if member.kind == "property":
                return interp.call_function(member.value, [self.instance], {}, node)
            return bind(member, self.instance, name)
        return self.owner.kind.inherited(interp, self.instance, name, node)


def define(interp, node: ast.ClassDef, base: Optional[ClassValue], kind: Kind) -> ClassValue:
    """A `class` statement: its attributes evaluated in order in a scope of its own (later ones see earlier ones),
    its methods defined in the enclosing scope (a class body is no closure)."""
    from .values import Scope

    outer = interp.scope
    interp.scope = Scope({}, outer)
    methods: dict = {}
    try:
        for statement in node.body:
            interp.tick(statement)
            if isinstance(statement, ast.FunctionDef):
                function = interp.make_function(f"{node.name}.{statement.name}", statement)
                decorated = interp.decorate(function, statement.decorator_list)
                function.closure = outer
                methods[statement.name] = (function, decorated)
                interp.scope.vars.pop(statement.name, None)
            elif isinstance(statement, ast.Assign):
                value = interp.eval(statement.value)
                for target in statement.targets:
                    interp.scope.vars[target.id] = value
                    methods.pop(target.id, None)
    finally:
        attributes, interp.scope = interp.scope.vars, outer
    cls = ClassValue(node.name, methods, attributes, base, kind, interp)
    for function, decorated in methods.values():
        function.owner = cls if decorated != "staticmethod" else None
    return cls
