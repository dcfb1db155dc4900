"""`diffcheck run`, reading: a PyTorch snippet checked against a whitelist before any of it runs.

`ast.parse` reads the text; `_Validator` walks the whole tree with a dispatch dict keyed by node type, and that dict
is the whitelist: a statement or expression without a handler is refused with its place, so a snippet either passes
completely or nothing of it runs. What a snippet may say (names, calls, operators) and the refusals' messages are
declared in `snippet/names.py`.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass

from ..errors import DiffcheckError, ParseError
from ..lang.text import DEFAULT_LIMITS, _ast_parse, _clean, _scan_tokens
from ..lang.program import Pos
from .names import (
    _OPERATORS,
    _REFUSED,
    _REFUSED_OPERATORS,
    BUILTINS,
    CLASS_ATTRIBUTES,
    CREATORS,
    MODULES,
    OBJECT_MEMBERS,
    OP_FUNCTIONS,
    TENSOR_ATTRIBUTES,
    TENSOR_METHODS,
    TORCH_EXTRAS,
    VALUE_METHODS,
    _spec,
)
from .rules import MAX_DEPTH, StatementRules, _is_super, _members

MAX_LENGTH = 100_000  # characters of snippet text


@dataclass(frozen=True)
class Snippet:
    """A validated snippet: its tree, its text (for messages and warnings) and where it came from."""

    tree: ast.Module
    text: str
    where: str
    lines: tuple[str, ...]

    def source(self, node: ast.AST) -> str:
        """The node's source text, on one line (ast offsets count UTF-8 bytes)."""
        lines = [line.encode() for line in self.lines[node.lineno - 1 : node.end_lineno]]
        if not lines:
            return ""
        lines[-1] = lines[-1][: node.end_col_offset]
        lines[0] = lines[0][node.col_offset :]
        return " ".join(b" ".join(lines).decode("utf-8", "replace").split())


def node_pos(lines: list[str], node: ast.AST) -> Pos:
    """1-based line and column in characters (ast columns count UTF-8 bytes)."""
    line = lines[node.lineno - 1] if 0 < node.lineno <= len(lines) else ""
    return Pos(node.lineno, len(line.encode()[: node.col_offset].decode("utf-8", "replace")) + 1)


def parse_snippet(text: str, where: str) -> Snippet:
    """Parse and validate a whole snippet; raises ParseError (or LimitError) located at `where:line:col`."""
    try:
        text = text[1:] if text.startswith("\ufeff") else text
        if len(text) > MAX_LENGTH:
            raise ParseError(f"snippet is {len(text)} characters long (limit {MAX_LENGTH})")
        clean = _clean(text)
        _scan_tokens(clean, DEFAULT_LIMITS)
        tree = _ast_parse(clean, "exec")
        _Validator(clean, tree).module(tree)
        return Snippet(tree, clean, where, tuple(clean.split("\n")))
    except DiffcheckError as err:
        raise err.located(where) from None


class _Validator(StatementRules):
    """Walks every statement and expression; a node type without a handler is refused with its place."""

    def __init__(self, text: str, tree: ast.Module):
        self.lines = text.split("\n")
        self.modules: dict[str, str] = {}  # alias -> module path
        self.imported: dict[str, str] = {}  # name -> "kind:name" of what `from torch import name as name` bound
        self.loops = self.functions = 0  # enclosing loops (in this function) and functions: break, return
        self.objects: set[str] = set()  # names of objects whose attributes are the snippet's own (a Function's ctx)
        self.bases: dict[str, str] = {}  # name -> the path of the base class `from torch.autograd import` bound
        self.assigned = {name for node in ast.walk(tree) for name in _bound(node)}
        self.members = _members(tree)  # what the snippet's classes assign to `self.NAME`, and their methods

    def refuse(self, message: str, node: ast.AST) -> ParseError:
        return ParseError(message, node_pos(self.lines, node))

    def unsupported(self, node: ast.AST) -> ParseError:
        return self.refuse(_REFUSED.get(type(node), f"'{type(node).__name__}' is not supported"), node)

    def refuse_attribute(self, message: str, node: ast.Attribute) -> ParseError:
        """Refuse at the attribute's name (`x.__class__` points at `__class__`; names are ASCII, checked)."""
        line = self.lines[node.end_lineno - 1] if 0 < node.end_lineno <= len(self.lines) else ""
        start = line.encode()[: node.end_col_offset - len(node.attr)].decode("utf-8", "replace")
        return ParseError(message, Pos(node.end_lineno, len(start) + 1))

    # ---- statements --------------------------------------------------------------------------------------------
    def module(self, tree: ast.Module) -> None:
        for statement in tree.body:  # imports first: an alias means the same everywhere, as in Python
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                self.STATEMENTS[type(statement)](self, statement)
        self.block(tree.body, top=True)

    def block(self, body: list, top: bool = False) -> None:
        for statement in body:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                if not top:
                    raise self.refuse("imports are only supported at the top level", statement)
                continue
            handler = self.STATEMENTS.get(type(statement))
            if handler is None:
                raise self.unsupported(statement)
            handler(self, statement)

    def _import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "torch" or alias.name in _SUBMODULES and alias.asname is None:
                self._bind(alias, alias.asname or "torch", "torch")
            elif alias.name in _SUBMODULES:
                self._bind(alias, alias.asname, alias.name)
            elif alias.name == "math":
                self._bind(alias, alias.asname or "math", "math")
            elif alias.name.split(".")[0] == "torch":
                raise self.refuse(
                    f"'{alias.name}' is not supported (import torch, torch.nn as nn, torch.optim as optim, or "
                    "torch.nn.functional as F)",
                    alias,
                )
            else:
                raise self.refuse(f"import of '{alias.name}' is not supported (only torch and math)", alias)

    def _import_from(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level or module not in MODULES:
            shown = "." * node.level + module
            hint = "" if shown.split(".")[0] != "torch" else " (torch, torch.nn.functional)"
            raise self.refuse(
                f"import from '{shown}' is not supported{hint}"
                if hint
                else f"import of '{shown}' is not supported (only torch and math)",
                node,
            )
        for alias in node.names:
            if alias.name == "*":
                raise self.refuse("'import *' is not supported", alias)
            kind = MODULES[module].get(alias.name)
            if kind is None or kind == "missing":  # Python's ImportError for a missing name shows torch's path
                raise self.refuse(f"'{module}.{alias.name}' is not supported", alias)
            if kind == "module":
                self._bind(alias, alias.asname or alias.name, f"{module}.{alias.name}")
            else:
                name = self._name_target(alias.asname or alias.name, alias)
                if module == "math":
                    kind = "math" if kind == "function" else "value"
                self.imported[name] = f"{kind}:{alias.name}"  # an alias denotes what it names: `sin as s` is sin
                if kind == "base":
                    self.bases[name] = f"{module}.{alias.name}"

    def _bind(self, alias: ast.alias, name: str, path: str) -> None:
        self.modules[self._name_target(name, alias)] = path

    def _name_target(self, name: str, node: ast.AST) -> str:
        if name.startswith("__"):
            raise self.refuse(f"name '{name}' is not supported (names may not start with '__')", node)
        return name

    STATEMENTS = {ast.Import: _import, ast.ImportFrom: _import_from, **StatementRules.RULES}

    # ---- expressions -------------------------------------------------------------------------------------------
    def resolve(self, node: ast.AST, depth: int) -> str:
        """What a name or attribute chain denotes, validating the chain: `module:<path>`, `function:<name>`,
        `dtype:<name>`, `context:<name>`, `builtin:<name>`, `method:<name>`, `value` (a variable, an attribute) or
        `undefined` (a name never bound: Python raises NameError when it runs)."""
        if depth > MAX_DEPTH:
            raise self.refuse(f"expression nests more than {MAX_DEPTH} levels deep", node)
        if isinstance(node, ast.Name):
            name = self._name_target(node.id, node)
            if name in self.modules:
                return f"module:{self.modules[name]}"
            if name in self.bases:
                return f"base:{self.bases[name]}"
            if name in self.imported:
                return self.imported[name]
            if name not in self.assigned and name in BUILTINS:
                return f"builtin:{name}"
            if name not in self.assigned and hasattr(builtins, name):
                raise self.refuse(f"builtin '{name}' is not supported", node)
            return "value" if name in self.assigned else "undefined"  # a NameError when it runs, as in Python
        if not isinstance(node, ast.Attribute):
            self.value(node, depth)
            return "value"
        if node.attr == "__init__" and _is_super(node.value):  # super().__init__() in an nn.Module's __init__
            self.value(node.value, depth + 1)
            return "value"
        if node.attr.startswith("_") and node.attr not in ("_version", "_base"):  # a tensor's two
            raise self.refuse_attribute(f"attribute '{node.attr}' is not supported", node)
        if isinstance(node.value, ast.Name) and node.value.id in self.objects:
            return "value"  # ctx.anything: the object's own attributes, set and read by the snippet
        base = self.resolve(node.value, depth + 1)
        if base == "undefined":
            return base
        if base.startswith("module:"):
            path = base[len("module:") :]
            kind = MODULES[path].get(node.attr)
            if kind is None:
                raise self.refuse_attribute(f"'{path}.{node.attr}' is not supported", node)
            if kind == "missing":  # PyTorch's AttributeError when it runs, as an unbound name's NameError
                return "undefined"
            if path == "math":
                return "math:" + node.attr if kind == "function" else "value"
            if kind == "base":
                return f"base:{path}.{node.attr}"
            return f"module:{path}.{node.attr}" if kind == "module" else f"{kind}:{node.attr}"
        if base in ("method:values", "method:indices"):  # max(x, 1).values.sum(): torch.return_types' field
            base = "value"
        if base != "value":
            raise self.refuse_attribute(f"'{self._source(node.value)}' has no attribute '{node.attr}' here", node)
        if node.attr in self.members:  # `self.relu(x)`: the snippet's own attribute, whatever tensors call so
            return "value"
        if node.attr in TENSOR_METHODS or node.attr in VALUE_METHODS:
            return f"method:{node.attr}"
        if node.attr in TENSOR_ATTRIBUTES or node.attr in OBJECT_MEMBERS or node.attr in CLASS_ATTRIBUTES:
            return "value"
        raise self.refuse_attribute(f"attribute '{node.attr}' is not supported", node)

    def value(self, node: ast.AST, depth: int) -> None:
        """Validate an expression that produces a value (not a function or module)."""
        if depth > MAX_DEPTH:
            raise self.refuse(f"expression nests more than {MAX_DEPTH} levels deep", node)
        handler = self.EXPRESSIONS.get(type(node))
        if handler is None:
            raise self.unsupported(node)
        handler(self, node, depth)

    def _constant(self, node: ast.Constant, depth: int) -> None:
        if isinstance(node.value, complex):
            raise self.refuse("complex numbers are not supported", node)
        if isinstance(node.value, bytes):
            raise self.refuse("bytes literals are not supported", node)
        if node.value is Ellipsis:
            raise self.refuse("'...' is not supported", node)

    def _reference(self, node: ast.AST, depth: int) -> None:
        kind, _, name = self.resolve(node, depth).partition(":")
        if kind in (
            "value",
            "dtype",
            "undefined",
            "class",
            "builtin",
            "function",
            "math",
            "context",
            "callable",
            "base",
        ):
            return  # functions are values too: key=..., a function passed along
        shown = self._source(node)
        if kind == "method":
            raise self.refuse(f"method '{name}' must be called: '{shown}()'", node)
        if kind == "context":
            raise self.refuse(f"'{shown}' is only supported as 'with {shown}():'", node)
        if kind == "module":
            raise self.refuse(f"module '{shown}' can only be used as '{shown}.<name>'", node)
        raise self.refuse(f"'{shown}' can only be called", node)

    def _call(self, node: ast.Call, depth: int) -> None:
        kind_name, _, name = self.resolve(node.func, depth + 1).partition(":")
        shown = self._source(node.func)
        if kind_name == "builtin":
            spec = BUILTINS[name]
        elif kind_name == "function":
            spec = CREATORS.get(name) or TORCH_EXTRAS.get(name) or OP_FUNCTIONS[name]
        elif kind_name == "math":
            spec = _spec(0, None)
        elif kind_name == "method":
            spec = TENSOR_METHODS.get(name) or VALUE_METHODS[name]
        elif kind_name == "context":
            spec = TORCH_EXTRAS[name]
        elif kind_name in ("dtype", "class", "constant"):
            raise self.refuse(f"'{shown}' cannot be called", node)
        elif kind_name in (
            "undefined",
            "value",
            "callable",
        ):  # the snippet's functions, nn classes: checked when called
            spec = _spec(0, None, *[k.arg for k in node.keywords if k.arg])
        else:
            raise self.refuse("only calls of torch functions, tensor methods and builtins are supported", node)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse("starred arguments are not supported", arg)
            self.value(arg, depth + 1)
        given = len(node.args)
        if given < spec.low or spec.high is not None and given > spec.high:
            takes = (
                f"{spec.low}"
                if spec.low == spec.high
                else f"at least {spec.low}"
                if spec.high is None
                else f"{spec.low} to {spec.high}"
            )
            raise self.refuse(
                f"'{shown}' takes {takes} positional argument{'s' * (takes != '1')} ({given} given)", node
            )
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self.refuse("'**' arguments are not supported", keyword.value)
            if keyword.arg not in spec.keywords and "*" not in spec.keywords:
                supported = f" (supported: {', '.join(sorted(spec.keywords))})" if spec.keywords else ""
                raise self.refuse(f"unexpected keyword argument '{keyword.arg}' for '{shown}'{supported}", keyword)
            self.value(keyword.value, depth + 1)

    def _binop(self, node: ast.BinOp, depth: int) -> None:
        if type(node.op) not in _OPERATORS:
            raise self.refuse(f"operator '{_REFUSED_OPERATORS[type(node.op)]}' is not supported", node)
        self.value(node.left, depth + 1)
        self.value(node.right, depth + 1)

    def _unaryop(self, node: ast.UnaryOp, depth: int) -> None:
        if not isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
            raise self.refuse(f"operator '{_REFUSED_OPERATORS[type(node.op)]}' is not supported", node)
        self.value(node.operand, depth + 1)

    def _compare(self, node: ast.Compare, depth: int) -> None:
        sides = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, sides, sides[1:]):
            if isinstance(op, (ast.Is, ast.IsNot)) and any(
                isinstance(side, (ast.Tuple, ast.List, ast.Dict)) for side in (left, right)
            ):
                # Python warns at compile time and folds equal constant tuples into one object: `(1,) is (1,)` is True
                raise self.refuse("'is' with a literal is not supported (use '==')", node)
        for side in sides:
            self.value(side, depth + 1)

    def _boolop(self, node: ast.BoolOp, depth: int) -> None:
        for side in node.values:
            self.value(side, depth + 1)

    def _ifexp(self, node: ast.IfExp, depth: int) -> None:
        for side in (node.test, node.body, node.orelse):
            self.value(side, depth + 1)

    def _dict(self, node: ast.Dict, depth: int) -> None:
        for key, value in zip(node.keys, node.values):
            if key is None:
                raise self.refuse("'**' in a dict is not supported", value)
            self.value(key, depth + 1)
            self.value(value, depth + 1)

    def _subscript(self, node: ast.Subscript, depth: int) -> None:
        self.value(node.value, depth + 1)
        self.key(node.slice, depth + 1)

    def key(self, node: ast.AST, depth: int) -> None:
        """A subscript's key: `...` is an item of it (`x[..., 0]`), never a value elsewhere."""
        items = node.elts if isinstance(node, ast.Tuple) else [node]
        for item in items:
            if not (isinstance(item, ast.Constant) and item.value is Ellipsis):
                self.value(item, depth)

    def _slice(self, node: ast.Slice, depth: int) -> None:
        for part in (node.lower, node.upper, node.step):
            if part is not None:
                self.value(part, depth + 1)

    def _comprehension(self, node, depth: int) -> None:
        for generator in node.generators:
            if generator.is_async:
                raise self.refuse("async comprehensions are not supported", node)
            self._target(generator.target)
            self.value(generator.iter, depth + 1)
            for condition in generator.ifs:
                self.value(condition, depth + 1)
        for part in (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,):
            self.value(part, depth + 1)

    def _lambda(self, node: ast.Lambda, depth: int) -> None:
        self._arguments(node.args, depth)
        loops, self.loops = self.loops, 0
        self.value(node.body, depth + 1)
        self.loops = loops

    def _list(self, node: ast.List | ast.Tuple, depth: int) -> None:
        for element in node.elts:
            self.value(element, depth + 1)

    def _fstring(self, node: ast.JoinedStr, depth: int) -> None:
        for part in node.values:
            self.value(part, depth + 1)

    def _formatted(self, node: ast.FormattedValue, depth: int) -> None:
        self.value(node.value, depth + 1)
        if node.format_spec is not None:
            self.value(node.format_spec, depth + 1)

    EXPRESSIONS = {
        ast.Constant: _constant,
        ast.Name: _reference,
        ast.Attribute: _reference,
        ast.Call: _call,
        ast.BinOp: _binop,
        ast.UnaryOp: _unaryop,
        ast.Compare: _compare,
        ast.List: _list,
        ast.Tuple: _list,
        ast.JoinedStr: _fstring,
        ast.FormattedValue: _formatted,
        ast.BoolOp: _boolop,
        ast.IfExp: _ifexp,
        ast.Dict: _dict,
        ast.Subscript: _subscript,
        ast.Slice: _slice,
        ast.Lambda: _lambda,
        ast.ListComp: _comprehension,
        ast.DictComp: _comprehension,
        ast.GeneratorExp: _comprehension,
    }

    def _source(self, node: ast.AST) -> str:
        return ast.get_source_segment("\n".join(self.lines), node) or type(node).__name__


def _bound(node: ast.AST) -> list[str]:
    """The names a node binds: assignment and loop targets (unpacked), functions, parameters, `except ... as`."""
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.For, ast.AugAssign, ast.AnnAssign, ast.NamedExpr, ast.comprehension)):
        targets = [node.target]
    elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return [node.name]
    elif isinstance(node, ast.arg):
        return [node.arg]
    elif isinstance(node, ast.ExceptHandler):
        return [node.name] if node.name else []
    else:
        return []
    return [t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name)]


_SUBMODULES = ("torch.nn", "torch.nn.functional", "torch.optim")
