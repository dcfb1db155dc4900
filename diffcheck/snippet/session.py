"""`diffcheck run`, reading a REPL session: a docstring's `>>> ` examples, run as the Python REPL and doctest run them.

`doctest`'s own parser splits the text into examples (a `>>> ` line and its `... ` continuations; the lines between
are the output the author expected, not code). Each example is parsed as Python's REPL compiles it, in 'single' mode,
and its statements are placed at their lines and columns in the file (the prompts become spaces), so messages point
into the file. The REPL echoes the repr of an expression statement's value unless it is None — also inside a loop or
a branch of the example, never inside a function or class body (CPython's interactive compiler does the same) — and
an exception ends only the example that raised it.
"""

from __future__ import annotations

import ast
import re

from ..errors import DiffcheckError, ParseError
from ..lang.program import Pos
from ..lang.text import DEFAULT_LIMITS, _ast_parse, _scan_tokens

_PROMPT = re.compile(r"[ \t]*>>>(?: |$)")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def is_session(text: str) -> bool:
    """A REPL session: its first line that is neither blank nor a `#` comment starts with the `>>> ` prompt."""
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return _PROMPT.match(line) is not None
    return False


def read_session(text: str) -> tuple[ast.Module, tuple[tuple[int, int], ...], frozenset[int], list[str]]:
    """The session as one module: its statements, each example's span of them (start, end), the ids of the
    expression statements the REPL echoes, and the file's lines with every prompt blanked (the code's columns)."""
    import doctest

    try:
        examples = doctest.DocTestParser().get_examples(text)
    except ValueError as error:  # "line 3 of the docstring for <string> has inconsistent leading whitespace: ..."
        found = re.search(r"line (\d+) of the docstring for \S+ (.*)", str(error), re.S)
        line, message = (int(found[1]), found[2].split("\n")[0]) if found else (1, str(error))
        raise ParseError(f"not a REPL session: {message}", Pos(line, 1)) from None
    lines = text.split("\n")
    body: list[ast.stmt] = []
    spans, echo = [], set()
    for example in examples:
        shift = example.indent + 4  # the prompt and the indentation before it
        source_lines = example.source.split("\n")[:-1]
        for k, code in enumerate(source_lines):
            lines[example.lineno + k] = " " * shift + code if code else ""
        tree = _parsed(example.source, example.lineno, shift)
        for node in ast.walk(tree):
            if hasattr(node, "lineno"):
                node.lineno += example.lineno
                node.end_lineno += example.lineno
                node.col_offset += shift
                node.end_col_offset += shift
        echo.update(_echoed(tree))
        spans.append((len(body), len(body) + len(tree.body)))
        body.extend(tree.body)
    return ast.Module(body=body, type_ignores=[]), tuple(spans), frozenset(echo), lines


def _parsed(source: str, offset: int, shift: int) -> ast.Interactive:
    """One example parsed as the REPL compiles it; an error's place moved to the example's place in the file."""
    try:
        _scan_tokens(source, DEFAULT_LIMITS)
        return _ast_parse(source, "single")
    except DiffcheckError as error:
        if error.pos is not None:
            error.pos = Pos(error.pos.line + offset, error.pos.col + shift)
        raise


def _echoed(tree: ast.AST) -> list[int]:
    """The expression statements of the example outside any function or class body."""
    found, todo = [], [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Expr):
            found.append(id(node))
        todo.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, _SCOPES))
    return found
