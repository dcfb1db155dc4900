"""The check language's subscripts: `x[0, 1:]`, `x[:, None]`, `x[...]`, `x[[0, 2]]` with literal indices, and `x[m]`
with an expression `m` (a mask), as `Apply("getitem", (x, *tensors), (("key", Const(spec)),))` (ops/subscripts.py's
spec). Handlers of lang/parse.py's converter, kept apart so the parser's own table stays short.
"""

from __future__ import annotations

import ast
from typing import Optional

from ..errors import ParseError
from ..ops.subscripts import NOT_AN_INDEX
from .program import Apply, Const


def subscript(conv, node: ast.Subscript):
    written = isinstance(node.slice, ast.Tuple)
    tensors: list[ast.AST] = []
    items = tuple(index(conv, part, tensors) for part in (node.slice.elts if written else [node.slice]))
    spec = (written, items)

    def build(kids: list):
        at = conv.pos(node.slice)  # errors point at the index
        return conv._made(Apply("getitem", tuple(k.expr for k in kids), (("key", Const(spec, at)),), at), kids, node)

    return [node.value, *tensors], build


def index(conv, part: ast.AST, tensors: list):
    """One item of a subscript as a spec's; an expression (a mask) becomes an argument."""
    if isinstance(part, ast.Slice):
        message = "slice indices must be integers or None"
        return (
            "slice",
            *(None if p is None else integer(conv, p, message) for p in (part.lower, part.upper, part.step)),
        )
    if isinstance(part, ast.List):
        return ("list", tuple(integer(conv, e, NOT_AN_INDEX.format("list"), bools=True) for e in part.elts))
    if isinstance(part, ast.Constant) and (part.value is None or part.value is Ellipsis):
        return "..." if part.value is Ellipsis else None
    if isinstance(part, ast.Constant) or isinstance(part, ast.UnaryOp) and isinstance(part.operand, ast.Constant):
        return integer(conv, part, None)
    if isinstance(part, (ast.Tuple, ast.Starred)):
        raise ParseError("unsupported syntax: a tuple inside a subscript", conv.pos(part))
    tensors.append(part)
    return ("tensor", len(tensors) - 1)


def integer(conv, part: ast.AST, message: Optional[str], bools: bool = False) -> int:
    """An integer literal (`-1` too) of a subscript; anything else is PyTorch's refusal, at its place."""
    sign, inner = 1, part
    if isinstance(part, ast.UnaryOp) and isinstance(part.op, ast.USub):
        sign, inner = -1, part.operand
    value = inner.value if isinstance(inner, ast.Constant) else None
    if type(value) is int or (bools and type(value) is bool and sign == 1):
        conv.nodes += 1
        return sign * value if type(value) is int else value
    got = type(value).__name__ if isinstance(inner, ast.Constant) else "an expression"
    raise ParseError(message or NOT_AN_INDEX.format(got), conv.pos(part))
