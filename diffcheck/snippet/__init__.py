"""`diffcheck run`, interpreting: a validated PyTorch snippet run on diffcheck's engine, never executed by Python.

A dispatch dict keyed by AST node type runs each statement and expression (the whitelist a second time: what has no
handler cannot run). Output is written as PyTorch's would be, warnings go through Python's own warning machinery with
the snippet's file and line, and what the real program would raise stops the run as one line. Every tensor is traced
(`snippet_trace`) so each backward() call becomes a `check.Case`; `verify` checks them all with `check.check`.
"""

from __future__ import annotations

import ast
import linecache
import operator
import os
import re
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Callable

from .. import engine
from ..engine import type_name
from ..errors import DiffcheckError
from ..lang.parse import SYMBOLS
from ..lang.program import Pos
from ..ops.dispatch import BINARY, PYTHON, UNARY
from .names import DTYPES
from .parse import BUILTINS, MODULES, Snippet, node_pos
from .torch_surface import Raised, TorchSurface
from .trace import Outcome, Tracer, verify

__all__ = ["run_snippet", "verify", "Outcome"]

MAX_STEPS = 100_000  # statements executed, loops included
MAX_TEXT = 1_000_000  # characters of one string or items of one list
MAX_INT_BITS = 100_000
_PYTHON_ERRORS = (TypeError, ValueError, ZeroDivisionError, OverflowError)


@dataclass(frozen=True)
class _Module:
    path: str


@dataclass(frozen=True)
class _Function:
    name: str  # a torch function: a creator, a context manager or an op spelling


@dataclass(frozen=True)
class _Builtin:
    name: str


def run_snippet(snippet: Snippet, write: Callable[[str], Any] = None) -> Outcome:
    """Interpret `snippet`: output through `write` (stdout by default), warnings to stderr, never a traceback."""
    interpreter = _Interpreter(snippet, write or (lambda text: sys.stdout.write(text)))
    return interpreter.run()


class _Interpreter(TorchSurface):
    def __init__(self, snippet: Snippet, write: Callable[[str], Any]):
        self.snippet, self.write = snippet, write
        self.lines = snippet.lines
        # Python shows a script's warnings under its absolute path (3.9+); the source line comes from linecache
        self.filename = "<stdin>" if snippet.where == "<stdin>" else os.path.abspath(snippet.where)
        self.env: dict[str, Any] = {}
        self.tracer = Tracer()
        self.outcome = Outcome(snippet.where)
        self.registry: dict = {}  # the warning registry of the snippet's module: once per call site
        self.float_warned = False
        self.steps = 0
        self.sources: dict[int, str] = {}
        self.positions: dict[int, Pos] = {}

    def run(self) -> Outcome:
        cached = linecache.cache.get(self.filename)
        if self.filename != "<stdin>":  # the text that runs is the text the warnings quote; stdin's, Python can't
            linecache.cache[self.filename] = (
                len(self.snippet.text),
                None,
                [line + "\n" for line in self.lines],
                self.filename,
            )
        try:
            with warnings.catch_warnings(), engine.enable_grad():
                warnings.showwarning = self._show
                self.block(self.snippet.tree.body)
        except Raised as stop:
            self.outcome.raised = f"{self.snippet.where}:{stop.line}: {stop.kind}: {stop.message}"
        except DiffcheckError as error:
            self.outcome.error = error.located(self.snippet.where)
        finally:
            if cached is None:
                linecache.cache.pop(self.filename, None)
            else:
                linecache.cache[self.filename] = cached
        return self.outcome

    @staticmethod
    def _show(message, category, filename, lineno, file=None, line=None) -> None:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    def warn(self, message: str, node: ast.AST) -> None:
        try:
            warnings.warn_explicit(
                message, UserWarning, self.filename, node.lineno, module="__main__", registry=self.registry
            )
        except Warning as raised:  # python -W error: the warning is raised where it happens
            raise Raised(type(raised).__name__, str(raised), node.lineno) from None

    def source(self, node: ast.AST) -> str:
        """A node's source text on one line (cached: loops ask for the same nodes again)."""
        text = self.sources.get(id(node))
        if text is None:
            text = self.sources[id(node)] = self.snippet.source(node)
        return text

    def position(self, node: ast.AST) -> Pos:
        pos = self.positions.get(id(node))
        if pos is None:
            pos = self.positions[id(node)] = node_pos(self.lines, node)
        return pos

    def fail(self, message: str, node: ast.AST) -> DiffcheckError:
        return DiffcheckError(message, self.position(node))

    # ---- statements --------------------------------------------------------------------------------------------
    def block(self, body: list) -> None:
        for statement in body:
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise self.fail(f"the snippet runs more than {MAX_STEPS} statements", statement)
            handler = self.STATEMENTS.get(type(statement))
            if handler is None:
                raise self.fail(f"'{type(statement).__name__}' is not supported", statement)
            handler(self, statement)

    def _import(self, node: ast.Import) -> None:
        for alias in node.names:
            path = "torch" if alias.asname is None else alias.name
            self.env[alias.asname or "torch"] = _Module(path)

    def _import_from(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.env[alias.asname or alias.name] = self._member(_Module(node.module), alias.name, node.lineno)

    def _assign(self, node: ast.Assign) -> None:
        value = self.eval(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.env[target.id] = value
                if isinstance(value, engine.Tensor):
                    self.tracer.bind(target.id, value, self.position(target))
            else:
                self._set_attribute(self.eval(target.value), target.attr, value, target)

    def _expression(self, node: ast.Expr) -> None:
        self.eval(node.value)

    def _for(self, node: ast.For) -> None:
        items = (
            self.eval(node.iter)
            if isinstance(node.iter, (ast.List, ast.Tuple))
            else range(*map(self.eval, node.iter.args))
        )
        for item in items:
            self.env[node.target.id] = item
            if isinstance(item, engine.Tensor):
                self.tracer.bind(node.target.id, item, self.position(node.target))
            self.block(node.body)

    def _with(self, node: ast.With) -> None:
        context = self.eval(node.items[0].context_expr.func)
        with engine.no_grad() if context.name == "no_grad" else engine.enable_grad():
            self.block(node.body)

    STATEMENTS = {
        ast.Import: _import,
        ast.ImportFrom: _import_from,
        ast.Assign: _assign,
        ast.Expr: _expression,
        ast.For: _for,
        ast.With: _with,
        ast.Pass: lambda self, node: None,
    }

    # ---- expressions -------------------------------------------------------------------------------------------
    def eval(self, node: ast.AST):
        handler = self.EXPRESSIONS.get(type(node))
        if handler is None:
            raise self.fail(f"'{type(node).__name__}' is not supported", node)
        return handler(self, node)

    def _constant(self, node: ast.Constant):
        return node.value

    def _name(self, node: ast.Name):
        if node.id in self.env:
            return self.env[node.id]
        if node.id in BUILTINS:
            return _Builtin(node.id)
        raise Raised("NameError", f"name '{node.id}' is not defined", node.lineno)

    def _attribute(self, node: ast.Attribute):
        base = self.eval(node.value)
        if isinstance(base, _Module):
            return self._member(base, node.attr, node.lineno)
        return self._get_attribute(base, node.attr, node)

    @staticmethod
    def _member(module: _Module, name: str, line: int):
        kind = MODULES[module.path][name]
        if kind == "missing":
            raise Raised("AttributeError", f"module '{module.path}' has no attribute '{name}'", line)
        if kind == "module":
            return _Module(f"{module.path}.{name}")
        return DTYPES[name] if kind == "dtype" else _Function(name)

    def _call(self, node: ast.Call):
        func, receiver, target = node.func, None, None
        if isinstance(func, ast.Attribute):
            receiver = self.eval(func.value)
            if isinstance(receiver, _Module):
                target = self._member(receiver, func.attr, node.lineno)
        else:
            target = self.eval(func)
        args = [self.eval(arg) for arg in node.args]
        kwargs = {k.arg: self.eval(k.value) for k in node.keywords}
        if isinstance(target, _Builtin):
            return getattr(self, f"_builtin_{target.name}")(args, kwargs, node)
        if isinstance(target, _Function):
            if target.name in ("tensor", "ones", "zeros"):
                return self._create(target.name, args, kwargs, node)
            return self.op(target.name, args, kwargs, node)
        if isinstance(func, ast.Attribute):
            return self._method(receiver, func.attr, args, kwargs, node)
        raise Raised("TypeError", f"'{type_name(target)}' object is not callable", node.lineno)

    def _binop(self, node: ast.BinOp):
        left, right = self.eval(node.left), self.eval(node.right)
        symbol = SYMBOLS[type(node.op)]
        name, python = BINARY[symbol], PYTHON[symbol]
        if isinstance(left, engine.Tensor) or isinstance(right, engine.Tensor):
            if all(isinstance(v, (engine.Tensor, int, float)) for v in (left, right)) and (
                name != "matmul" or isinstance(left, engine.Tensor) and isinstance(right, engine.Tensor)
            ):
                return self.op(name, [left, right], {}, node, operator=python)
            raise Raised(
                "TypeError",
                f"unsupported operand type(s) for {symbol}: '{type_name(left)}' and '{type_name(right)}'",
                node.lineno,
            )
        for value in (left, right):  # a torch.Size + a tuple is a torch.Size in PyTorch, a tuple here: refused
            if isinstance(value, (list, tuple)):
                raise self.fail(
                    f"'{symbol}' on {'lists' if isinstance(value, list) else 'tuples'} is not supported", node
                )
        self._guard_python(name, left, right, node)
        return self._python(python, node, left, right)

    def _unaryop(self, node: ast.UnaryOp):
        value = self.eval(node.operand)
        if isinstance(value, engine.Tensor):
            if isinstance(node.op, ast.USub):
                return self.op(UNARY["-"], [value], {}, node, operator=operator.neg)
            return value
        return self._python(operator.neg if isinstance(node.op, ast.USub) else operator.pos, node, value)

    def _compare(self, node: ast.Compare):
        left, right = self.eval(node.left), self.eval(node.comparators[0])
        symbol = SYMBOLS[type(node.ops[0])]
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
        result = self._python(python, node, left, right)
        if isinstance(result, engine.Tensor):  # == / != on tensors: a bool mask, not differentiable
            self.tracer.leaf(result, self.source(node), self.position(node))
        return result

    def _list(self, node: ast.List | ast.Tuple):
        items = [self.eval(element) for element in node.elts]
        if _items(items) > MAX_TEXT:  # lists share sublists: [a, a] of [a, a] ... doubles at each step
            raise self.fail(f"{'list' if isinstance(node, ast.List) else 'tuple'} of more than {MAX_TEXT} items", node)
        return items if isinstance(node, ast.List) else tuple(items)

    def _fstring(self, node: ast.JoinedStr):
        text = "".join(self.eval(part) for part in node.values)
        if len(text) > MAX_TEXT:
            raise self.fail(f"string longer than {MAX_TEXT} characters", node)
        return text

    def _formatted(self, node: ast.FormattedValue):
        value = self.eval(node.value)
        spec = self.eval(node.format_spec) if node.format_spec is not None else ""
        if any(int(number) > 10_000 for number in re.findall(r"\d+", spec)):
            raise self.fail("format width or precision above 10000 is not supported", node)
        if node.conversion != -1:
            value = {ord("s"): str, ord("r"): repr, ord("a"): ascii}[node.conversion](value)
        elif isinstance(value, engine.Tensor):  # torch: a 0-dim tensor formats as its Python number
            if value.dim() == 0:
                value = value.item()
            elif spec:
                raise Raised("TypeError", "unsupported format string passed to Tensor.__format__", node.lineno)
        return self._python(format, node, value, spec)

    EXPRESSIONS = {
        ast.Constant: _constant,
        ast.Name: _name,
        ast.Attribute: _attribute,
        ast.Call: _call,
        ast.BinOp: _binop,
        ast.UnaryOp: _unaryop,
        ast.Compare: _compare,
        ast.List: _list,
        ast.Tuple: _list,
        ast.JoinedStr: _fstring,
        ast.FormattedValue: _formatted,
    }

    # ---- Python values -------------------------------------------------------------------------------------------
    def _python(self, function, node: ast.AST, *args):
        """A Python operation on plain values; its exceptions are the snippet's own."""
        try:
            return function(*args)
        except _PYTHON_ERRORS as error:
            raise Raised(type(error).__name__, str(error), node.lineno) from None

    def _guard_python(self, name: str, left, right, node: ast.AST) -> None:
        """Refuse Python arithmetic whose result would not fit in memory (2 ** 10 ** 9, 'ab' * 10 ** 9)."""
        ints = [v for v in (left, right) if type(v) is int]
        text = sum(len(v) for v in (left, right) if isinstance(v, str))
        if name == "pow" and len(ints) == 2 and right > 0 and right * left.bit_length() > MAX_INT_BITS:
            raise self.fail(f"integer power too large (more than {MAX_INT_BITS} bits)", node)
        if name == "mul" and len(ints) == 2 and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise self.fail(f"integer product too large (more than {MAX_INT_BITS} bits)", node)
        if (name == "mul" and text and ints and max(ints) * text > MAX_TEXT) or (name == "add" and text > MAX_TEXT):
            raise self.fail(f"string longer than {MAX_TEXT} characters", node)

    def _builtin_print(self, args, kwargs, node):
        sep, end = kwargs.get("sep"), kwargs.get("end")
        for key, value in (("sep", sep), ("end", end)):
            if value is not None and not isinstance(value, str):
                raise Raised("TypeError", f"{key} must be None or a string, not {type_name(value)}", node.lineno)
        text = (" " if sep is None else sep).join(self._python(str, node, a) for a in args)
        self.write(text + ("\n" if end is None else end))

    def _builtin_str(self, args, kwargs, node):
        return self._python(str, node, args[0])

    def _builtin_repr(self, args, kwargs, node):
        return self._python(repr, node, args[0])


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
