"""`diffcheck run`, reading a REPL session: a docstring's `>>> ` examples, run as the Python REPL runs them.

A code line starts with the prompt `>>> ` or `... ` (or is the bare prompt); the lines between are the output the
author expected, not code. A run of consecutive code lines is one block, parsed as Python with the prompts removed
(PyTorch's docstrings put `>>> ` on every line of a class, blank ones included, as xdoctest reads them; Python's
doctest style has one statement per `>>> ` line and its `... ` lines, the same statements either way). Each top-level
statement then runs as the REPL runs one it compiled in 'single' mode: the repr of an expression statement's value is
echoed unless it is None — also inside a loop or a branch, never inside a function or class body (CPython's
interactive compiler does the same) — and an exception ends only that statement. The statements keep their lines and
columns in the file (the prompts become spaces), so messages point into it.
"""

from __future__ import annotations

import ast
import re

from ..errors import DiffcheckError, ParseError
from ..lang.program import Pos
from ..lang.text import DEFAULT_LIMITS, _ast_parse, _scan_tokens

_PROMPT = re.compile(r"([ \t]*)(>>>|\.\.\.)(?: |$)")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def is_session(text: str) -> bool:
    """A REPL session: its first line that is neither blank nor a `#` comment starts with the `>>> ` prompt."""
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped.startswith(">>>") and _PROMPT.match(line) is not None
    return False


def read_session(text: str) -> tuple[ast.Module, frozenset[int], list[str]]:
    """The session as one module whose top-level statements each run as one REPL statement, the ids of the
    expression statements the REPL echoes, and the file's lines with every prompt blanked (the code's columns)."""
    lines = text.split("\n")
    body: list[ast.stmt] = []
    echo: set[int] = set()
    for first, last, shift in _blocks(lines):
        source = "\n".join(line[shift:] for line in lines[first:last]) + "\n"
        for k in range(first, last):
            lines[k] = " " * shift + lines[k][shift:] if len(lines[k]) > shift else ""
        tree = _parsed(source, first, shift)
        for node in ast.walk(tree):
            if hasattr(node, "lineno"):
                node.lineno += first
                node.end_lineno += first
                node.col_offset += shift
                node.end_col_offset += shift
        echo.update(_echoed(tree))
        body.extend(tree.body)
    return ast.Module(body=body, type_ignores=[]), frozenset(echo), lines


def _blocks(lines: list[str]):
    """(first, end, prompt width) of each run of consecutive code lines: a `... ` line without a block before it
    is the author's output (doctest reads it so too)."""
    start, shift = None, 0
    for k, line in enumerate([*lines, ""]):
        found = _PROMPT.match(line)
        if found and (start is not None or found[2] == ">>>"):
            if start is None:
                start, shift = k, len(found[1]) + 4
            elif len(found[1]) + 4 != shift:
                raise ParseError("prompt indented unlike the line before it", Pos(k + 1, len(found[1]) + 1))
            continue
        if start is not None:
            yield start, k, shift
            start = None


def _parsed(source: str, offset: int, shift: int) -> ast.Module:
    """One block parsed; an error's place moved to the block's place in the file."""
    try:
        _scan_tokens(source, DEFAULT_LIMITS)
        return _ast_parse(source, "exec")
    except DiffcheckError as error:
        if error.pos is not None:
            error.pos = Pos(error.pos.line + offset, error.pos.col + shift)
        raise


def _echoed(tree: ast.AST) -> list[int]:
    """The expression statements of a block outside any function or class body."""
    found, todo = [], [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Expr):
            found.append(id(node))
        todo.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, _SCOPES))
    return found
