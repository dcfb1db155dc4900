"""`diffcheck run`, expressions: names through the scopes, attributes, calls (torch, builtins, methods, the snippet's
own functions), operators on numbers, strings, lists and tensors, comparisons, `and`/`or`/`not`, conditional
expressions, literals, subscripts of lists, tuples, dicts and strings, lambdas and f-strings. A mixin of the
interpreter."""

from __future__ import annotations

import ast
import operator
import re

from .. import engine
from ..engine import type_name
from ..lang.parse import SYMBOLS
from ..ops.dispatch import BINARY, PYTHON, UNARY
from .names import BUILTINS, CREATORS, DTYPES, MODULES, NUMPY_NAMES, base_path
from .sizes import text_length
from .torch_surface import Raised, Size
from .values import (
    NODE_CLASS,
    TENSOR_CLASS,
    Scope,
    set_grad_mode,
    Base,
    Builtin,
    Function,
    GradContext,
    MathFunction,
    Module,
    SnippetObject,
    torch_class,
    UserFunction,
)

MAX_TEXT = 1_000_000  # characters of one string or items of one list
MAX_INT_BITS = 100_000
_EXTRA_PYTHON = {"//": operator.floordiv, "%": operator.mod, "in": lambda a, b: a in b}
_CONTEXT_NAMES = {"no_grad", "enable_grad", "set_grad_enabled", "inference_mode"}


class Expressions:
    """Expression handlers (see the module docstring)."""

    def eval(self, node: ast.AST):
        handler = self.EXPRESSIONS.get(type(node))
        if handler is None:
            raise self.fail(f"'{type(node).__name__}' is not supported", node)
        return handler(self, node)

    def _constant(self, node: ast.Constant):
        return node.value

    def _name(self, node: ast.Name):
        scope = self.scope.find(node.id)
        if scope is not None:
            return scope.vars[node.id]
        if node.id in BUILTINS:
            return Builtin(node.id)
        if node.id == "_" and "_" in self.echoed:  # the REPL's builtins._: the last value it echoed
            return self.echoed["_"]
        raise Raised("NameError", f"name '{node.id}' is not defined", node.lineno)

    def _attribute(self, node: ast.Attribute):
        base = self.eval(node.value)
        if isinstance(base, Module):
            return self.member(base, node.attr, node.lineno)
        return self._get_attribute(base, node.attr, node)

    @staticmethod
    def member(module: Module, name: str, line: int):
        kind = MODULES[module.path][name]
        if module.path == "math":
            import math

            return MathFunction(name) if kind == "function" else getattr(math, name)
        if kind == "missing":
            raise Raised("AttributeError", f"module '{module.path}' has no attribute '{name}'", line)
        if kind == "module":
            return Module(f"{module.path}.{name}")
        if kind == "class":
            return TENSOR_CLASS
        if kind == "node_class":
            return NODE_CLASS
        if kind == "callable":
            return torch_class(f"{module.path}.{name}")
        if kind == "base":
            return Base(base_path(module.path, name))
        return DTYPES[name] if kind == "dtype" else Function(name)

    def _call(self, node: ast.Call):
        func, receiver, target = node.func, None, None
        if isinstance(func, ast.Attribute):
            receiver = self.eval(func.value)
            if isinstance(receiver, Module):
                target = self.member(receiver, func.attr, node.lineno)
        else:
            target = self.eval(func)
        args = [self.eval(arg) for arg in node.args]
        kwargs = {k.arg: self.eval(k.value) for k in node.keywords}
        if isinstance(target, Function) or target is None and isinstance(receiver, engine.Tensor):
            kwargs = {NUMPY_NAMES.get(k, k): v for k, v in kwargs.items()}  # x.sum(axis=1): PyTorch's aliases
        if target is None and isinstance(func, ast.Attribute):
            return self._method(receiver, func.attr, args, kwargs, node)
        return self.call(target, args, kwargs, node)

    def call(self, target, args: list, kwargs: dict, node: ast.AST):
        """Call any callable value of the snippet."""
        if isinstance(target, Builtin):
            return self.builtin(target.name, args, kwargs, node)
        if isinstance(target, MathFunction):
            return self.math(target.name, args, kwargs, node)
        if isinstance(target, UserFunction):
            return self.call_function(target, args, kwargs, node)
        if isinstance(target, SnippetObject):
            return target.invoke(self, args, kwargs, node)
        if isinstance(target, Function):
            if target.name in CREATORS:
                return self._create(target.name, args, kwargs, node)
            if target.name in _CONTEXT_NAMES:
                return self.grad_context(target.name, args, kwargs, node)
            extra = getattr(self, f"_torch_{target.name}", None)
            if extra is not None:
                return extra(args, kwargs, node)
            return self.op(target.name, args, kwargs, node)
        if isinstance(target, GradContext) and len(args) == 1 and isinstance(args[0], UserFunction):
            args[0].grad_mode, args[0].inference = target.enabled, target.inference  # torch.no_grad()(f)
            return args[0]
        raise Raised("TypeError", f"'{type_name(target)}' object is not callable", node.lineno)

    def grad_context(self, name: str, args, kwargs, node) -> GradContext:
        if name == "inference_mode":
            mode = args[0] if args else kwargs.get("mode", True)
            if not isinstance(mode, bool):
                raise self.fail("torch.inference_mode(mode) takes True or False", node)
            return GradContext(not mode, name, inference=mode)
        if name != "set_grad_enabled":
            return GradContext(name == "enable_grad", name)
        mode = args[0] if args else kwargs.get("mode")
        if not isinstance(mode, bool):
            raise Raised(
                "TypeError", f"set_grad_enabled(): argument 'mode' must be bool, not {type_name(mode)}", node.lineno
            )
        previous = engine.is_grad_enabled()
        set_grad_mode(mode)  # torch sets the mode when the object is made: a plain call switches it for good
        return GradContext(mode, name, previous)

    def binary(self, op: ast.AST, left, right, node: ast.AST):
        symbol = SYMBOLS[type(op)]
        if isinstance(left, engine.Tensor) or isinstance(right, engine.Tensor):
            name = BINARY.get(symbol)
            if name is None:
                raise self.fail(f"'{symbol}' on tensors is not supported", node)
            if all(isinstance(v, (engine.Tensor, int, float)) for v in (left, right)) and (
                name != "matmul" or isinstance(left, engine.Tensor) and isinstance(right, engine.Tensor)
            ):
                return self.op(name, [left, right], {}, node, operator=PYTHON[symbol])
            if symbol == "+" and type(left) in (list, tuple, str):  # the sequence's concatenation refuses
                kind = type(left).__name__
                raise Raised("TypeError", f'can only concatenate {kind} (not "Tensor") to {kind}', node.lineno)
            raise Raised(
                "TypeError",
                f"unsupported operand type(s) for {symbol}: '{type_name(left)}' and '{type_name(right)}'",
                node.lineno,
            )
        if isinstance(left, SnippetObject) or isinstance(right, SnippetObject):  # Python's message, with its names
            shown = "** or pow()" if symbol == "**" else symbol
            raise Raised(
                "TypeError",
                f"unsupported operand type(s) for {shown}: '{type_name(left)}' and '{type_name(right)}'",
                node.lineno,
            )
        python = PYTHON.get(symbol) or _EXTRA_PYTHON[symbol]
        self._guard_python(BINARY.get(symbol, symbol), left, right, node)
        return self._python(python, node, left, right)

    def _binop(self, node: ast.BinOp):
        return self.binary(node.op, self.eval(node.left), self.eval(node.right), node)

    def _unaryop(self, node: ast.UnaryOp):
        value = self.eval(node.operand)
        if isinstance(node.op, ast.Not):
            return not self.truth(value, node)
        if isinstance(value, engine.Tensor):
            if isinstance(node.op, ast.USub):
                return self.op(UNARY["-"], [value], {}, node, operator=operator.neg)
            return value
        if isinstance(value, SnippetObject):
            symbol = "-" if isinstance(node.op, ast.USub) else "+"
            raise Raised("TypeError", f"bad operand type for unary {symbol}: '{type_name(value)}'", node.lineno)
        return self._python(operator.neg if isinstance(node.op, ast.USub) else operator.pos, node, value)

    def _compare(self, node: ast.Compare):
        left = self.eval(node.left)
        result = True
        for op, right_node in zip(node.ops, node.comparators):
            right = self.eval(right_node)
            result = self.compare(op, left, right, node)
            if len(node.ops) > 1 and not self.truth(result, node):
                return result
            left = right
        return result

    def compare(self, op, left, right, node):
        symbol = SYMBOLS[type(op)]
        if symbol in ("in", "not in"):
            if isinstance(right, engine.Tensor) or isinstance(left, engine.Tensor) and isinstance(right, (list, tuple)):
                raise self.fail(f"'{symbol}' with tensors is not supported", node)
            if (
                isinstance(right, SnippetObject)
                and not hasattr(right, "__contains__")
                and not hasattr(right, "__iter__")
            ):
                raise Raised("TypeError", f"argument of type '{type_name(right)}' is not iterable", node.lineno)
            found = self._python(lambda a, b: a in b, node, left, right)
            return found if symbol == "in" else not found
        name, python = BINARY.get(symbol), PYTHON[symbol]
        tensors = isinstance(left, engine.Tensor) or isinstance(right, engine.Tensor)
        if tensors and name is not None:
            return self.op(name, [left, right], {}, node, operator=python)
        if (
            tensors
            and python in (operator.eq, operator.ne)
            and not all(isinstance(v, (engine.Tensor, int, float)) for v in (left, right))
        ):
            python = operator.is_ if python is operator.eq else operator.is_not  # torch: `x == None` is False
        objects = isinstance(left, SnippetObject) or isinstance(right, SnippetObject)
        if objects and python not in (operator.eq, operator.ne, operator.is_, operator.is_not):
            raise Raised(
                "TypeError",
                f"'{symbol}' not supported between instances of '{type_name(left)}' and '{type_name(right)}'",
                node.lineno,
            )
        if not tensors and python in (operator.eq, operator.ne) and _holds_tensor(left, right):
            raise self.fail("'==' between lists or tuples of tensors is not supported", node)
        result = self._python(python, node, left, right)
        if isinstance(result, engine.Tensor):  # == / != on tensors: a bool mask, not differentiable
            self.tracer.leaf(result, self.source(node), self.position(node))
        return result

    def _boolop(self, node: ast.BoolOp):
        is_and = isinstance(node.op, ast.And)
        for part in node.values[:-1]:
            value = self.eval(part)
            if self.truth(value, part) != is_and:
                return value
        return self.eval(node.values[-1])  # the last operand's truth is never asked: `print(t) or t` is t

    def _ifexp(self, node: ast.IfExp):
        return self.eval(node.body if self.truth(self.eval(node.test), node.test) else node.orelse)

    def _list(self, node: ast.List | ast.Tuple):
        items = [self.eval(element) for element in node.elts]
        if _items(items) > MAX_TEXT:  # lists share sublists: [a, a] of [a, a] ... doubles at each step
            raise self.fail(f"{'list' if isinstance(node, ast.List) else 'tuple'} of more than {MAX_TEXT} items", node)
        return items if isinstance(node, ast.List) else tuple(items)

    def _dict(self, node: ast.Dict):
        result = {}
        for key, value in zip(node.keys, node.values):
            key = self.eval(key)
            self._python(hash, node, key)
            result[key] = self.eval(value)
        return result

    def _subscript(self, node: ast.Subscript):
        return self.get_item(self.eval(node.value), self.eval(node.slice), node)

    def _slice(self, node: ast.Slice):
        parts = [None if p is None else self.eval(p) for p in (node.lower, node.upper, node.step)]
        return slice(*parts)

    def _comprehension(self, node):
        """[... for ... in ... if ...], {k: v for ...}, and a generator expression (gathered eagerly, in its own
        scope): each item is a step of the statement budget."""
        outer, self.scope = self.scope, Scope({}, self.scope)
        results: list = []
        try:
            self._generate(node, node.generators, results)
        finally:
            self.scope = outer
        if isinstance(node, ast.DictComp):
            for key, _ in results:
                self._python(hash, node, key)
            return dict(results)
        return results

    def _generate(self, node, generators: list, results: list) -> None:
        if not generators:
            if isinstance(node, ast.DictComp):
                results.append((self.eval(node.key), self.eval(node.value)))
            else:
                results.append(self.eval(node.elt))
            if len(results) > MAX_TEXT:
                raise self.fail(f"comprehension of more than {MAX_TEXT} items", node)
            return
        generator = generators[0]
        for item in self.iterate(self.eval(generator.iter), generator.iter):
            self.tick(node)
            self.store(generator.target, item)
            if all(self.truth(self.eval(condition), condition) for condition in generator.ifs):
                self._generate(node, generators[1:], results)

    def _lambda(self, node: ast.Lambda):
        return self.make_function("<lambda>", node)

    def _fstring(self, node: ast.JoinedStr):
        parts, total = [], 0
        for part in node.values:  # the total checked as it grows: 50,000 fields of a megabyte each never exist
            parts.append(self.eval(part))
            total += len(parts[-1])
            self.text_fits(total, node)
        return "".join(parts)

    def _formatted(self, node: ast.FormattedValue):
        value = self.eval(node.value)
        spec = self.eval(node.format_spec) if node.format_spec is not None else ""
        if node.conversion != -1:
            self.text_fits(text_length(value), node)
            value = {ord("s"): str, ord("r"): repr, ord("a"): ascii}[node.conversion](value)
        return self.format_value(value, spec, node)

    def format_value(self, value, spec: str, node: ast.AST) -> str:
        if any(int(number) > 10_000 for number in re.findall(r"\d+", spec)):
            raise self.fail("format width or precision above 10000 is not supported", node)
        self.text_fits(text_length(value), node)
        if isinstance(value, engine.Tensor):  # torch: a 0-dim tensor formats as its Python number
            if value.dim() == 0:
                value = value.item()
            elif spec:
                raise Raised("TypeError", "unsupported format string passed to Tensor.__format__", node.lineno)
        elif not isinstance(value, (int, float, str, bool, type(None), list, tuple, dict)) and spec:
            raise Raised("TypeError", f"unsupported format string passed to {type_name(value)}.__format__", node.lineno)
        return self._python(format, node, value, spec)

    EXPRESSIONS = {
        ast.Constant: _constant,
        ast.Name: _name,
        ast.Attribute: _attribute,
        ast.Call: _call,
        ast.BinOp: _binop,
        ast.UnaryOp: _unaryop,
        ast.Compare: _compare,
        ast.BoolOp: _boolop,
        ast.IfExp: _ifexp,
        ast.List: _list,
        ast.Tuple: _list,
        ast.Dict: _dict,
        ast.Subscript: _subscript,
        ast.Slice: _slice,
        ast.Lambda: _lambda,
        ast.ListComp: _comprehension,
        ast.DictComp: _comprehension,
        ast.GeneratorExp: _comprehension,
        ast.JoinedStr: _fstring,
        ast.FormattedValue: _formatted,
    }

    # ---- Python values -------------------------------------------------------------------------------------------
    def _guard_python(self, name: str, left, right, node: ast.AST) -> None:
        """Refuse Python arithmetic whose result would not fit in memory (2 ** 10 ** 9, 'ab' * 10 ** 9)."""
        ints = [v for v in (left, right) if type(v) is int]
        sized = sum(len(v) for v in (left, right) if isinstance(v, (str, list, tuple)))
        what = "string" if any(isinstance(v, str) for v in (left, right)) else "list or tuple"
        if name == "pow" and len(ints) == 2 and right > 0 and right * left.bit_length() > MAX_INT_BITS:
            raise self.fail(f"integer power too large (more than {MAX_INT_BITS} bits)", node)
        if name == "mul" and len(ints) == 2 and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise self.fail(f"integer product too large (more than {MAX_INT_BITS} bits)", node)
        if (name == "mul" and sized and ints and max(ints) * sized > MAX_TEXT) or (name == "add" and sized > MAX_TEXT):
            raise self.fail(f"{what} longer than {MAX_TEXT} {'characters' if what == 'string' else 'items'}", node)
        for value in (left, right):  # a torch.Size + a tuple is a torch.Size in PyTorch, a tuple here: refused
            if isinstance(value, Size) and name in ("add", "mul"):
                raise self.fail(f"'{'+' if name == 'add' else '*'}' on tuples is not supported", node)
        if name == "%" and isinstance(left, str):
            raise self.fail("'%' formatting of strings is not supported (use an f-string)", node)


def _holds_tensor(*values) -> bool:
    return any(isinstance(v, (list, tuple)) and any(isinstance(i, engine.Tensor) for i in v) for v in values)


def _items(items: list) -> int:
    """Items of nested lists and tuples, each shared one counted as often as it appears (as printing would)."""
    counts: dict[int, int] = {}
    stack = [(items, False)]
    while stack:
        current, done = stack.pop()
        if id(current) in counts:
            continue
        subs = [v for v in current if isinstance(v, (list, tuple))]
        if done or not subs:
            counts[id(current)] = len(current) + sum(counts[id(v)] for v in subs)
        else:
            stack.append((current, True))
            stack.extend((v, False) for v in subs if id(v) not in counts)
    return counts[id(items)]
