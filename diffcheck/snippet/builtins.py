"""`diffcheck run`, Python's own behaviour on the interpreter's values: the builtins (print, len, range, enumerate,
zip, min, max, sum, list, tuple, dict, sorted, isinstance, the exception classes ...), `math`, the methods of lists,
dicts and strings (`str.format` with its fields checked), truth, iteration, items, and calls of the snippet's own
functions with Python's argument errors and a depth limit. A mixin of the interpreter."""

from __future__ import annotations

import ast
import math
import string

from .. import engine
from ..engine import type_name
from .classes import ClassValue, InstanceValue
from .modules import ModuleValue
from .names import BUILTINS, EXCEPTIONS, TENSOR_ATTRIBUTES
from ..ops.subscripts import spec_of
from .sizes import text_length
from .torch_surface import Raised
from .values import (
    NODE_CLASS,
    TENSOR_CLASS,
    ExceptionValue,
    LazyIterator,
    ReturnValue,
    Scope,
    SnippetObject,
    TorchClass,
    UserFunction,
    modes,
    set_modes,
)

MAX_ITEMS = 1_000_000  # items a builtin may gather into a list (list(range(10 ** 9)) is refused)
_SAFE_METHODS = {
    list: {"append", "extend", "pop", "insert", "index", "count", "remove", "reverse", "clear", "copy", "sort"},
    tuple: {"index", "count"},
    dict: {"items", "keys", "values", "get", "pop", "setdefault"},
    str: {"format", "join", "upper", "lower", "strip", "split", "replace", "startswith", "endswith", "count", "index"},
}
_FIELD = __import__("re").compile(r"^(\d*|[A-Za-z]\w*)$")
_ABSENT = object()  # hasattr's default for getattr


def _opaque(value) -> bool:
    """An object of the snippet's or torch's that Python cannot iterate (map's and filter's iterators can)."""
    return isinstance(value, SnippetObject) and not hasattr(value, "__iter__")


def _instance_of(value, kind) -> bool:
    """isinstance() against the snippet's classes (their bases count) and torch.nn's (nn.Module: any module)."""
    if isinstance(kind, ClassValue):
        cls = getattr(value, "cls", None)
        return isinstance(cls, ClassValue) and cls.subclass_of(kind)
    if not isinstance(value, ModuleValue):
        return False
    name = kind.qualname.rpartition(".")[2]
    return kind.qualname == "torch.nn.Module" or value.cls is None and value.name == name


class Builtins:
    """Python behaviour (see the module docstring)."""

    def builtin(self, name: str, args: list, kwargs: dict, node: ast.AST):
        spec = BUILTINS[name]  # called through a name the validator could not tell from the snippet's (`f = sorted`)
        unknown = [k for k in kwargs if k not in spec.keywords and "*" not in spec.keywords]
        if unknown or len(args) < spec.low or spec.high is not None and len(args) > spec.high:
            shown = f"unexpected keyword argument '{unknown[0]}'" if unknown else f"{len(args)} positional arguments"
            raise self.fail(f"{shown} for '{name}' is not supported", node)
        if name in EXCEPTIONS:
            if args:
                self.text_fits(text_length(args[0]), node)
            message = "" if not args else repr(args[0]) if name == "KeyError" else self._python(str, node, args[0])
            return ExceptionValue(name, message, tuple(args))
        handler = getattr(self, f"_builtin_{name}", None)
        if handler is not None:
            return handler(args, kwargs, node)
        python = {"list": list, "tuple": tuple, "dict": dict, "reversed": reversed}.get(name)
        if python is not None:
            if args:
                args = [self._bounded(args[0], node)]
            result = self._python(lambda *a, **k: python(*a, **k), node, *args, **kwargs)
            return LazyIterator(type(result).__name__, iter(list(result))) if name == "reversed" else result
        function = {"range": range, "enumerate": enumerate, "zip": zip}[name]
        if name == "zip":
            args = [self._bounded(a, node) for a in args]
        elif name == "enumerate" and args:
            args = [self._bounded(args[0], node), *args[1:]]
        result = self._python(function, node, *args, **kwargs)
        return result if name == "range" else list(result)

    def _bounded(self, value, node: ast.AST):
        """An iterable a builtin may walk: no more than MAX_ITEMS items, tensors as their rows."""
        if isinstance(value, engine.Tensor):
            return self.iterate(value, node)
        if isinstance(value, range) and _range_length(value) > MAX_ITEMS:
            raise self.fail(f"a range of more than {MAX_ITEMS} items cannot be gathered", node)
        if isinstance(value, (int, float, bool)) or value is None or _opaque(value):
            raise Raised("TypeError", f"'{type_name(value)}' object is not iterable", node.lineno)
        return value

    # ---- map, filter, sorted, getattr: the snippet's functions called back ----------------------------------------
    def _builtin_map(self, args, kwargs, node):
        """A lazy iterator, as Python 3's: each item calls the function when it is asked for (one step each)."""
        function, sources = args[0], [iter(self.iterate(a, node)) for a in args[1:]]

        def items():
            for values in zip(*sources):
                self.tick(node)
                yield self.call(function, list(values), {}, node)

        return LazyIterator("map", items())

    def _builtin_filter(self, args, kwargs, node):
        function, source = args[0], self.iterate(args[1], node)

        def items():
            for value in source:
                self.tick(node)
                if self.truth(value if function is None else self.call(function, [value], {}, node), node):
                    yield value

        return LazyIterator("filter", items())

    def _builtin_sorted(self, args, kwargs, node):
        values = list(self._bounded(args[0], node))
        self.sort(values, kwargs, node, "sorted()")
        return values

    def sort(self, values: list, kwargs: dict, node: ast.AST, what: str) -> None:
        """Sort `values` in place by their keys (`key(v)`, called once each), stably, as Python does."""
        key = kwargs.get("key")
        keys = values if key is None else [self.call(key, [v], {}, node) for v in values]
        bad = next((k for k in keys if isinstance(k, (engine.Tensor, SnippetObject))), None)
        if bad is not None:  # a tensor's `<` is a tensor; the snippet's objects define none
            kind = "tensors" if isinstance(bad, engine.Tensor) else f"'{type_name(bad)}' objects"
            raise self.fail(
                f"{what} of {kind} is not supported" if key is None else f"{what} by {kind} (key=) is not supported",
                node,
            )
        order = self._python(
            sorted, node, range(len(values)), key=keys.__getitem__, reverse=kwargs.get("reverse", False)
        )
        values[:] = [values[i] for i in order]

    def _attribute_name(self, args: list, node: ast.AST) -> str:
        name = args[1]
        if not isinstance(name, str):
            raise Raised("TypeError", f"attribute name must be string, not '{type_name(name)}'", node.lineno)
        if name.startswith("_") and name not in TENSOR_ATTRIBUTES:
            raise self.fail(f"attribute '{name}' is not supported", node)
        return name

    def _builtin_getattr(self, args, kwargs, node):
        name = self._attribute_name(args, node)
        try:
            return self._get_attribute(args[0], name, node)
        except Raised as error:
            if error.kind != "AttributeError" or len(args) < 3:
                raise
            return args[2]

    def _builtin_hasattr(self, args, kwargs, node):
        return self._builtin_getattr([*args, _ABSENT], kwargs, node) is not _ABSENT

    def _builtin_setattr(self, args, kwargs, node):
        self._set_attribute(args[0], self._attribute_name(args, node), args[2], node)

    def _builtin_print(self, args, kwargs, node):
        sep, end = kwargs.get("sep"), kwargs.get("end")
        for key, value in (("sep", sep), ("end", end)):
            if value is not None and not isinstance(value, str):
                raise Raised("TypeError", f"{key} must be None or a string, not {type_name(value)}", node.lineno)
        sep, end = " " if sep is None else sep, "\n" if end is None else end
        self.text_fits(sum(map(text_length, args)) + len(sep) * max(len(args) - 1, 0), node)
        text = sep.join(self._python(str, node, a) for a in args) + end
        self.printed += len(text)
        if self.printed > self.limits.output:
            raise self.fail(f"the snippet prints more than {self.limits.output} characters (--max-output)", node)
        self.write(text)

    def _builtin_str(self, args, kwargs, node):
        if args:
            self.text_fits(text_length(args[0]), node)
        return self._python(str, node, *args)

    def _builtin_repr(self, args, kwargs, node):
        self.text_fits(text_length(args[0]), node)
        return self._python(repr, node, args[0])

    def text_fits(self, length: int, node: ast.AST) -> None:
        """Refuse a string of more than MAX_ITEMS characters before it is made (what the snippet's own __repr__
        and __str__ return counts as it comes: classes.ClassValue.text)."""
        if not self.rendering:
            self.rendered, self.text_node = 0, node
        if length > MAX_ITEMS:
            raise self.fail(f"string longer than {MAX_ITEMS} characters", node)

    def _builtin_bool(self, args, kwargs, node):
        return self.truth(args[0], node) if args else False

    def _builtin_any(self, args, kwargs, node):
        return any(self.truth(v, node) for v in self._bounded(args[0], node))

    def _builtin_all(self, args, kwargs, node):
        return all(self.truth(v, node) for v in self._bounded(args[0], node))

    def _builtin_isinstance(self, args, kwargs, node):
        value, kinds = args
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        python = {"int": int, "float": float, "str": str, "list": list, "tuple": tuple, "dict": dict, "bool": bool}
        for kind in kinds:
            if kind is TENSOR_CLASS and isinstance(value, engine.Tensor):
                return True
            if kind is NODE_CLASS:
                if isinstance(value, engine.Node):
                    return True
                continue
            if isinstance(kind, (ClassValue, TorchClass)):
                if _instance_of(value, kind):
                    return True
                continue
            if getattr(kind, "name", None) in python and isinstance(value, python[kind.name]):
                return True
            if kind is not TENSOR_CLASS and getattr(kind, "name", None) not in python:
                raise self.fail(
                    "isinstance() takes torch.Tensor, torch.autograd.graph.Node, nn modules' and the snippet's classes "
                    "or int, float, str, list, tuple, dict, bool",
                    node,
                )
        return False

    def _reduce(self, name, args, kwargs, node):
        values = self._bounded(args[0], node) if len(args) == 1 else args
        values = list(values)
        if any(isinstance(v, engine.Tensor) for v in values):
            if name == "sum":
                total = kwargs.get("start", 0)
                for value in values:
                    total = self.binary(ast.Add(), total, value, node)
                return total
            raise self.fail(f"{name}() of tensors is not supported", node)
        function = {"min": min, "max": max, "sum": sum}[name]
        return self._python(function, node, values, *args[1:] if name == "sum" else (), **kwargs)

    def _builtin_min(self, args, kwargs, node):
        return self._reduce("min", args, kwargs, node)

    def _builtin_max(self, args, kwargs, node):
        return self._reduce("max", args, kwargs, node)

    def _builtin_sum(self, args, kwargs, node):
        if len(args) == 2:
            kwargs = {**kwargs, "start": args[1]}
        return self._reduce("sum", args[:1], kwargs, node)

    def math(self, name: str, args: list, kwargs: dict, node: ast.AST):
        if any(isinstance(a, engine.Tensor) for a in args):
            args = [self._scalar(a, node) if isinstance(a, engine.Tensor) else a for a in args]
        if name == "pow" and len(args) == 2 and all(type(a) is int for a in args):
            args = [float(a) for a in args]
        return self._python(getattr(math, name), node, *args, **kwargs)

    def value_method(self, value, name: str, args: list, kwargs: dict, node: ast.AST):
        methods = next((names for kind, names in _SAFE_METHODS.items() if isinstance(value, kind)), set())
        if name not in methods:
            if hasattr(value, name):  # Python's own (a list's sort, named like a tensor's): not a method to lie about
                raise self.fail(f"'{type_name(value)}.{name}()' is not supported", node)
            raise Raised("AttributeError", f"'{type_name(value)}' object has no attribute '{name}'", node.lineno)
        if name == "format":
            return self.str_format(value, args, kwargs, node)
        if name in ("extend", "join"):
            args = [list(self._bounded(args[0], node))]
            if name == "join":
                parts = list(args[0])
                self.text_fits(sum(map(text_length, parts)) + len(value) * max(len(parts) - 1, 0), node)
            if name == "extend" and len(value) + len(args[0]) > MAX_ITEMS:
                raise self.fail(f"list of more than {MAX_ITEMS} items", node)
        if name == "sort":
            if args:
                raise Raised("TypeError", "sort() takes no positional arguments", node.lineno)
            unknown = [k for k in kwargs if k not in ("key", "reverse")]  # a tensor's sort's: the validator let it by
            if unknown:
                raise Raised("TypeError", f"'{unknown[0]}' is an invalid keyword argument for sort()", node.lineno)
            return self.sort(value, kwargs, node, "sort() of a list")
        if name in ("append", "setdefault") and len(value) >= MAX_ITEMS:
            raise self.fail(f"{type_name(value)} of more than {MAX_ITEMS} items", node)
        if name == "replace" and len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
            count = value.count(args[0]) if args[0] else len(value) + 1
            self.text_fits(len(value) + count * max(len(args[1]) - len(args[0]), 0), node)
        if name in ("pop", "get") and isinstance(value, dict) or name == "index":
            name = name  # KeyError / ValueError come through _python
        result = self._python(getattr(value, name), node, *args, **kwargs)
        return list(result) if name in ("items", "keys", "values") else result

    def str_format(self, text: str, args: list, kwargs: dict, node: ast.AST) -> str:
        """str.format: fields are positions or names only (`{0.__class__}` and `{0[x]}` are refused)."""
        out, auto, total = [], 0, 0
        for literal, field, spec, conversion in self._python(lambda t: list(string.Formatter().parse(t)), node, text):
            out.append(literal)
            if field is None:
                continue
            if not _FIELD.match(field) or "{" in (spec or ""):
                raise self.fail("str.format() fields may only be positions or names", node)
            if field == "":
                field, auto = str(auto), auto + 1
            if field.isdigit():
                if int(field) >= len(args):
                    raise Raised(
                        "IndexError", f"Replacement index {field} out of range for positional args tuple", node.lineno
                    )
                value = args[int(field)]
            elif field in kwargs:
                value = kwargs[field]
            else:
                raise Raised("KeyError", repr(field), node.lineno)
            if conversion:
                value = {"s": str, "r": repr, "a": ascii}[conversion](value)
            out.append(self.format_value(value, spec or "", node))
            total += len(out[-1]) + len(literal)
            self.text_fits(total, node)
        return "".join(out)

    # ---- truth, iteration, items --------------------------------------------------------------------------------
    def truth(self, value, node: ast.AST) -> bool:
        if isinstance(value, engine.Tensor):
            count = value.numel()
            if count != 1:
                raise Raised(
                    "RuntimeError",
                    f"Boolean value of Tensor with {'no values' if count == 0 else 'more than one value'} is ambiguous",
                    node.lineno,
                )
            return bool(value.item())
        if isinstance(value, InstanceValue) and value.cls.lookup("__len__") is not None:
            return value.length(self, node) != 0
        return bool(value)

    def iterate(self, value, node: ast.AST):
        if isinstance(value, engine.Tensor):
            if value.dim() == 0:
                raise Raised("TypeError", "iteration over a 0-d tensor", node.lineno)
            # unbind(0), as PyTorch's Tensor.__iter__ (UnbindBackward0); each row traced as its subscript, which
            # the symbolic side takes as it takes x[i]
            rows = self._engine(list, node, value)
            for i, row in enumerate(rows):
                self.tracer.op(row, "getitem", (value,), {"key": (False, (i,))}, self.source(node), self.position(node))
            return rows
        if isinstance(value, dict):
            return list(value)
        if isinstance(value, (list, tuple, str, range, LazyIterator)):
            return value
        raise Raised("TypeError", f"'{type_name(value)}' object is not iterable", node.lineno)

    def get_item(self, value, key, node: ast.AST):
        if isinstance(value, SnippetObject):  # model[0] of an nn.Sequential
            return value.item(self, key, node)
        if isinstance(value, engine.Tensor):
            result = self._engine(lambda: value[key], node)
            tensors: list = []
            spec = spec_of(key, tensors)
            self.tracer.op(result, "getitem", (value, *tensors), {"key": spec}, self.source(node), self.position(node))
            return result
        if isinstance(key, engine.Tensor):
            raise self.fail("a tensor as the subscript of a Python value is not supported", node)
        if not isinstance(value, (list, tuple, dict, str, range)):
            raise Raised("TypeError", f"'{type_name(value)}' object is not subscriptable", node.lineno)
        if isinstance(value, dict) and key not in value:
            raise Raised("KeyError", repr(key), node.lineno)
        return self._python(lambda v, k: v[k], node, value, key)

    def set_item(self, value, key, new, node: ast.AST) -> None:
        if isinstance(value, engine.Tensor):
            return self._set_tensor_item(value, key, new, node)
        if not isinstance(value, (list, dict)):
            raise Raised("TypeError", f"'{type_name(value)}' object does not support item assignment", node.lineno)
        if isinstance(value, dict):
            self._python(hash, node, key)
            if len(value) >= MAX_ITEMS:
                raise self.fail(f"dict of more than {MAX_ITEMS} items", node)
        self._python(value.__setitem__, node, key, new)

    def _set_tensor_item(self, tensor, key, new, node: ast.AST) -> None:
        """`tensor[key] = new` in place on the engine; recorded in the graph as `setitem` (its values before, the new
        values, the key's tensors), as the in-place methods are."""
        if not isinstance(new, (engine.Tensor, int, float)):
            raise Raised("TypeError", f"can't assign a {type_name(new)} to a Tensor", node.lineno)
        label, pos = self.source(node), self.position(node)
        graph = engine.is_grad_enabled() and (
            tensor.requires_grad or isinstance(new, engine.Tensor) and new.requires_grad
        )
        if not graph and tensor.grad_fn is not None:
            raise self.fail("item assignment on a tensor of the graph under no_grad is not supported", node)
        tensors: list = []
        spec = spec_of(key, tensors)
        refs = (
            self.tracer.entry(tensor, label, pos),
            *(self.tracer.entry(t, label, pos) if isinstance(t, engine.Tensor) else t for t in (new, *tensors)),
        )
        self._engine(lambda: tensor.__setitem__(key, new), node)
        if graph:
            self.tracer._add(tensor, "setitem", refs, {"key": spec}, label, pos)
            if tensor._base is not None:  # into a view: its base has the new values (CopySlices)
                self.tracer.written(tensor, label, pos)
        self._share(tensor)

    # ---- the snippet's functions --------------------------------------------------------------------------------
    def call_function(self, function: UserFunction, args: list, kwargs: dict, node: ast.AST):
        if self.depth >= self.limits.depth:
            raise self.fail(f"calls nest more than {self.limits.depth} deep (--max-depth)", node)
        scope = Scope({}, function.closure)
        self._bind_arguments(function, args, kwargs, scope.vars, node)
        outer_scope, self.scope = self.scope, scope
        self.depth += 1
        mode, inference = modes()
        if function.grad_mode is not None:
            set_modes(function.grad_mode, function.inference)
        if function.owner is not None:  # a method: super() in it finds its self and class here
            self.selves.append((args[0] if args else None, function.owner))
        try:
            if isinstance(function.node, ast.Lambda):
                return self.eval(function.node.body)
            self.block(function.node.body)
            return None
        except ReturnValue as returned:
            return returned.value
        finally:
            self.scope, self.depth = outer_scope, self.depth - 1
            if function.grad_mode is not None:
                set_modes(mode, inference)
            if function.owner is not None:
                self.selves.pop()

    def _bind_arguments(self, function: UserFunction, args: list, kwargs: dict, into: dict, node: ast.AST) -> None:
        spec, name = function.node.args, function.name
        params = [a.arg for a in spec.args]
        if len(args) > len(params):
            given = "was" if len(args) == 1 else "were"
            low = len(params) - len(function.defaults)
            count = f"from {low} to {len(params)}" if low != len(params) else f"{len(params)}"
            takes = f"{count} positional argument{'s' * (len(params) != 1 or low != len(params))}"
            raise Raised("TypeError", f"{name}() takes {takes} but {len(args)} {given} given", node.lineno)
        into.update(zip(params, args))
        for key, value in kwargs.items():
            if key not in params and key not in {a.arg for a in spec.kwonlyargs}:
                raise Raised("TypeError", f"{name}() got an unexpected keyword argument '{key}'", node.lineno)
            if key in into:
                raise Raised("TypeError", f"{name}() got multiple values for argument '{key}'", node.lineno)
            into[key] = value
        defaults = dict(zip(params[len(params) - len(function.defaults) :], function.defaults))
        missing = []
        for param in params + [a.arg for a in spec.kwonlyargs]:
            if param not in into:
                if param in defaults or param in function.kw_defaults:
                    into[param] = defaults[param] if param in defaults else function.kw_defaults[param]
                else:
                    missing.append(param)
        if missing:
            listed = (
                " and ".join(f"'{m}'" for m in missing)
                if len(missing) <= 2
                else ", ".join(f"'{m}'" for m in missing[:-1]) + f", and '{missing[-1]}'"
            )
            raise Raised(
                "TypeError",
                f"{name}() missing {len(missing)} required positional argument{'s' * (len(missing) > 1)}: {listed}",
                node.lineno,
            )
        for key, value in into.items():
            if isinstance(value, engine.Tensor):
                self.tracer.bind(key, value, self.position(node))


def _range_length(value: range) -> int:
    """len(value) without its C limit: len(range(10 ** 24)) raises OverflowError, and such a range is merely long."""
    start, stop, step = value.start, value.stop, value.step
    return max(0, (stop - start + step - (1 if step > 0 else -1)) // step)
