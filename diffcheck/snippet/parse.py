"""`diffcheck run`, reading: a PyTorch snippet checked against a whitelist before any of it runs.

`ast.parse` reads the text; `_Validator` walks the whole tree with a dispatch dict keyed by node type, and that dict
is the whitelist: a statement or expression without a handler is refused with its place, so a snippet either passes
completely or nothing of it runs. What a snippet may say (names, calls, operators) and the refusals' messages are
declared in `snippet/names.py`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..errors import DiffcheckError, ParseError
from ..lang.text import DEFAULT_LIMITS, _ast_parse, _clean, _scan_tokens
from ..lang.program import Pos
from .expression_rules import ExpressionRules
from .names import _REFUSED, MODULES, base_path
from .rules import StatementRules, _bound, _members, local_names
from .session import is_session, read_session

MAX_LENGTH = 100_000  # characters of snippet text


@dataclass(frozen=True)
class Snippet:
    """A validated snippet: its tree, its text (for messages and warnings) and where it came from."""

    tree: ast.Module
    text: str
    where: str
    lines: tuple[str, ...]
    session: bool = False  # a REPL session: each top-level statement runs as one the REPL read
    echo: frozenset[int] = frozenset()  # ids of the expression statements whose value the REPL echoes

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


def parse_snippet(text: str, where: str, session: bool | None = None) -> Snippet:
    """Parse and validate a whole snippet; raises ParseError (or LimitError) located at `where:line:col`. A REPL
    session (`>>> ` prompts; `session` None: when its first code line has one) runs as the REPL runs it."""
    try:
        text = text[1:] if text.startswith("\ufeff") else text
        if len(text) > MAX_LENGTH:
            raise ParseError(f"snippet is {len(text)} characters long (limit {MAX_LENGTH})")
        clean = _clean(text)
        if session or session is None and is_session(clean):
            tree, echo, lines = read_session(clean)
            _Validator("\n".join(lines), tree).module(tree)
            return Snippet(tree, "\n".join(lines), where, tuple(lines), True, echo)
        _scan_tokens(clean, DEFAULT_LIMITS)
        tree = _ast_parse(clean, "exec")
        _Validator(clean, tree).module(tree)
        return Snippet(tree, clean, where, tuple(clean.split("\n")))
    except DiffcheckError as err:
        raise err.located(where) from None


class _Validator(StatementRules, ExpressionRules):
    """Walks every statement and expression; a node type without a handler is refused with its place."""

    def __init__(self, text: str, tree: ast.Module):
        self.lines = text.split("\n")
        self.modules: dict[str, str] = {}  # alias -> module path
        self.imported: dict[str, str] = {}  # name -> "kind:name" of what `from torch import name as name` bound
        self.loops = self.functions = 0  # enclosing loops (in this function) and functions: break, return
        self.objects: set[str] = set()  # names of objects whose attributes are the snippet's own (a Function's ctx)
        self.bases: dict[str, str] = {}  # name -> the path of the base class `from torch.autograd import` bound
        self.assigned = {name for node in ast.walk(tree) for name in _bound(node)}
        self.scope = local_names(tree.body)  # what the current scope and those around it bind: a builtin's name
        self.members = _members(tree)  # what the snippet's classes assign to `self.NAME`, and their methods
        self.classes = {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}  # bases they may name

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
                    self.bases[name] = base_path(module, alias.name)

    def _bind(self, alias: ast.alias, name: str, path: str) -> None:
        self.modules[self._name_target(name, alias)] = path

    def _name_target(self, name: str, node: ast.AST) -> str:
        if name.startswith("__"):
            raise self.refuse(f"name '{name}' is not supported (names may not start with '__')", node)
        return name

    STATEMENTS = {ast.Import: _import, ast.ImportFrom: _import_from, **StatementRules.RULES}


_SUBMODULES = ("torch.nn", "torch.nn.functional", "torch.optim")
