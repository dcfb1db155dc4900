"""Input values from the command line (`x=3`, `W=[[1,2],[3,4]]`): numbers and rectangular nested lists, read with
`ast.parse` and never evaluated."""

from __future__ import annotations

import ast
import math
from typing import Any

from ..defaults import MAX_ELEMENTS
from ..errors import DiffcheckError, LimitError, ParseError
from .program import Pos
from .text import _ast_parse, _check_name, _clean, _literal_problem, _number_problem, _pos_at, _printable


def _value(node: ast.AST, depth: int, lines: list[str]) -> tuple[Any, tuple[int, ...]]:
    """A number or a nested list of them, with its shape; recursion is bounded by the 3-level list limit.

    `lines` is the text split once: `ast.get_source_segment` splits the whole text again for every number it is asked
    about, which made a 10,000-element value take 37 s."""
    pos = Pos(node.lineno, node.col_offset + 1)  # value text is ASCII (checked), so bytes are characters
    if isinstance(node, ast.List):
        if depth == 3:
            raise ParseError("nested list is more than 3 levels deep", pos)
        if not node.elts:
            raise ParseError("empty list", pos)
        items = [_value(element, depth + 1, lines) for element in node.elts]
        for element, (_, shape) in zip(node.elts, items):
            if shape != items[0][1]:
                kinds = [
                    "a number" if not s else f"a list of {s[0]}" if len(s) == 1 else f"a {'x'.join(map(str, s))} list"
                    for s in (shape, items[0][1])
                ]
                raise ParseError(
                    f"ragged nested list ({kinds[0]} next to {kinds[1]})", Pos(element.lineno, element.col_offset + 1)
                )
        return [value for value, _ in items], (len(items), *items[0][1])
    sign, number = 1.0, node
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign, number = (-1.0 if isinstance(node.op, ast.USub) else 1.0), node.operand
    line = lines[node.lineno - 1]  # the segment's first line: value text is ASCII, so offsets are characters
    source = line[node.col_offset : node.end_col_offset if node.end_lineno == node.lineno else len(line)]
    if isinstance(number, ast.Constant):
        if problem := _literal_problem(number.value) or _number_problem(number.value, source):
            raise ParseError(problem, pos)
        return sign * float(number.value), ()  # ints become floats; -0 and -0.0 give -0.0
    if isinstance(number, ast.Name) and number.id.lower() in ("inf", "infinity", "nan"):
        return sign * float(number.id), ()
    raise ParseError(f"expected a number (3, -0.5, 1e-3, inf, nan) or a [list] of numbers, not '{source[:40]}'", pos)


def parse_value(text: str, where: str, max_elements: int = MAX_ELEMENTS) -> Any:
    """A command-line value: a number (`3`, `-0.0`, `1e-3`, `inf`, `-inf`, `nan`) as a float, or a rectangular
    nested list of floats up to 3 levels (`[1, 2]`, `[[1, 2], [3, 4]]`). Raises ParseError / LimitError."""
    try:
        clean = _clean(text)
        if not clean.isascii():
            index = next(i for i, char in enumerate(clean) if not char.isascii())
            raise ParseError(f"non-ASCII character {clean[index]!r}", _pos_at(clean, index))
        if not clean.strip():
            raise ParseError("empty value")
        indent = len(clean) - len(clean.lstrip(" \t"))  # `ast.parse(" 3")` is an indentation error
        try:
            tree = _ast_parse(clean[indent:], "eval")
        except DiffcheckError as err:
            if err.pos and err.pos.line == 1:
                err.pos = Pos(1, err.pos.col + indent)
            raise
        value, shape = _value(tree.body, 0, clean[indent:].split("\n"))
        if math.prod(shape) > max_elements:
            raise LimitError(
                f"value has {math.prod(shape)} elements (limit {max_elements}; raise it with --max-elements)"
            )
        return value
    except DiffcheckError as err:
        raise err.located(where) from None


def parse_assignment(text: str, max_elements: int = MAX_ELEMENTS) -> tuple[str, Any]:
    """`name=value` from the command line (`x=3`, `W=[[1,2],[3,4]]`); errors name the whole argument."""
    where = f"argument '{_printable(text)}'"
    name, equals, value = text.partition("=")
    try:
        if not equals:
            raise ParseError("expected NAME=VALUE, e.g. x=3 or W=[[1,2],[3,4]]")
        column = len(name) - len(name.lstrip()) + 1
        if not name.strip():
            raise ParseError("missing name before '='", Pos(1, column))
        _check_name(name.strip(), Pos(1, column))
        try:
            return name.strip(), parse_value(value, where, max_elements)
        except DiffcheckError as err:
            if err.pos and err.pos.line == 1:  # columns count from the start of the whole argument
                err.pos = Pos(1, err.pos.col + len(name) + 1)
            raise
    except DiffcheckError as err:
        raise err.located(where) from None


def number_text(value: Any) -> str:
    """A gradient as the table shows it: `None`, `6.0`, `nan`, `[1.0, 2.0]`; floats at full precision (repr)."""
    if value is None:
        return "None"
    if isinstance(value, list):
        return "[" + ", ".join(number_text(v) for v in value) + "]"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return str(value)
