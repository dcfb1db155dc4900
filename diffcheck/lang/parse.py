"""Read programs from text without ever evaluating it.

Python's own parser (`ast.parse`) reads the text; a dispatch table keyed by AST node type then converts the tree and
is itself the whitelist: a node type without a handler is refused, so nothing the table does not name gets through.
Cleaning, limits and the token scan are in `lang/text.py`, command-line values in `lang/values.py`, calls in
`lang/calls.py`, constant folding in `lang/folding.py`.
"""

from __future__ import annotations

import ast
from typing import Any, Callable, NamedTuple, Optional

from ..ops.dispatch import BINARY, FLAGS, PREFIXES, UNARY  # noqa: F401 - PREFIXES importable from here, as before
from ..errors import DiffcheckError, ParseError
from .text import (
    DEFAULT_LIMITS,
    Limits,
    _ast_parse,
    _check_name,
    _clean,
    _limit,
    _literal_problem,
    _number_problem,
    _op_names,
    _printable,
    _scan_tokens,
)
from .calls import Calls
from .folding import Folding
from .shaped import ShapedArguments
from .values import parse_assignment, parse_value  # noqa: F401 - importable from here, as before the split
from .program import Apply, Assign, Const, Pos, Program, Var
from .subscripts import subscript

# Python's operators as written; the op each reaches is the table's (ops.dispatch.BINARY / UNARY), the rest refused
SYMBOLS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.USub: "-",
    ast.UAdd: "+",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Invert: "~",
    ast.Not: "not",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}

_LABELS = {
    ast.Subscript: "subscript",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.JoinedStr: "f-string",
    ast.NamedExpr: "walrus operator ':='",
    ast.IfExp: "conditional expression",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Dict: "dict",
    ast.Set: "set",
    ast.Starred: "starred expression",
    ast.Slice: "slice",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.AugAssign: "augmented assignment",
    ast.AnnAssign: "annotated assignment",
    ast.Import: "import",
    ast.ImportFrom: "import",
}


class _Node(NamedTuple):  # a converted expression, its depth, whether input-free, its estimated value, its ast
    expr: Any
    depth: int
    const: bool
    value: Optional[float]
    src: ast.AST


class _Converter(ShapedArguments, Calls, Folding):
    def __init__(self, text: str, limits: Limits):
        self.limits, self.lines, self.op_names, self.nodes = limits, text.split("\n"), _op_names(), 0
        self.assigned: dict[str, int] = {}  # name -> line of its statement
        self.inputs: dict[str, Pos] = {}  # names read before any assignment -> first read
        self.consts: dict[str, Optional[float]] = {}  # intermediates without inputs -> estimated value
        self.choices: set[int] = set()  # the string literals `_call` took as a choice parameter (id of the ast node)
        self.sizes: list[ast.Constant] = []  # the constant tuples `_sizes` made (view's sizes), marked in `choices`
        self.index_lists: set[int] = set()  # the integer list literals `_call` took as an index (id of the ast node)

    # ---- positions: ast columns are UTF-8 byte offsets, Pos counts characters ------------------------------------
    def _col(self, line: int, offset: int) -> int:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return offset + 1 if text.isascii() else len(text.encode()[:offset].decode("utf-8", "replace")) + 1

    def pos(self, node: ast.AST) -> Pos:
        return Pos(node.lineno, self._col(node.lineno, node.col_offset))

    def _between(self, left: ast.AST, right: ast.AST, symbol: str, node: ast.AST) -> Pos:
        """Where an operator stands between its operands (the ast does not record it)."""
        if left.end_lineno == right.lineno:
            start, end = self._col(left.end_lineno, left.end_col_offset), self._col(right.lineno, right.col_offset)
            found = self.lines[right.lineno - 1].find(symbol, start - 1, end - 1)
            if found >= 0:
                return Pos(right.lineno, found + 1)
        return self.pos(node)

    def _source(self, node: ast.AST) -> str:
        """The node's source text (its first line), for messages."""
        line = self.lines[node.lineno - 1] if 0 < node.lineno <= len(self.lines) else ""
        end = node.end_col_offset if node.end_lineno == node.lineno else None
        return line.encode()[node.col_offset : end].decode("utf-8", "replace")

    def _ascii(self, node: ast.AST) -> None:
        """Refuse a name Python normalised from non-ASCII text; backs up the token scan for names its regex misses."""
        if not self.lines[node.lineno - 1].isascii() and not (head := self._source(node).split("=")[0]).isascii():
            raise ParseError(f"non-ASCII identifier '{_printable(head.strip())}'", self.pos(node))

    def _identifier(self, node: ast.AST, name: str) -> str:
        self._ascii(node)
        return _check_name(name, self.pos(node), self.op_names)

    def refuse(self, node: ast.AST) -> ParseError:
        if isinstance(node, ast.Attribute):  # point at the dot when it sits right before the name
            line, dot = node.end_lineno, self._col(node.end_lineno, node.end_col_offset) - len(node.attr) - 2
            at = Pos(line, dot + 1) if self.lines[line - 1][dot : dot + 1] == "." else self.pos(node)
            return ParseError(f"unsupported syntax: attribute access '.{node.attr}'", at)
        if isinstance(node, ast.BoolOp):
            return ParseError(
                f"unsupported syntax: boolean operator '{type(node.op).__name__.lower()}'", self.pos(node)
            )
        kind = "statement" if isinstance(node, ast.stmt) else "expression"
        return ParseError(
            f"unsupported syntax: {_LABELS.get(type(node), f'{type(node).__name__} {kind}')}", self.pos(node)
        )

    # ---- expressions: a handler gives a finished _Node, or (child ast nodes, build from the converted children) ---
    def expr(self, root: ast.AST) -> _Node:
        """Post-order with an explicit stack: nesting is bounded by the limits, never by Python's stack."""
        done: list[_Node] = []
        todo: list[Any] = [root]
        while todo:
            item = todo.pop()
            if isinstance(item, tuple):  # (build, number of children), the children all converted
                kids = done[len(done) - item[1] :]
                del done[len(done) - item[1] :]
                done.append(item[0](kids))
                continue
            handler = self.HANDLERS.get(type(item))
            if handler is None:
                raise self.refuse(item)
            result = handler(self, item)
            if isinstance(result, _Node):
                done.append(result)
            else:
                todo.append((result[1], len(result[0])))
                todo.extend(reversed(result[0]))
        return done[0]

    def _constant(self, node: ast.Constant) -> _Node:
        if id(node) in self.choices or id(node) in self.index_lists:  # a string choice (approximate='tanh'), an
            self.nodes += 1  # integer list as an index (target=[2, 0]): `_call` took them, not numbers
            return _Node(Const(node.value, self.pos(node)), 1, True, None, node)
        if problem := _literal_problem(node.value):
            if isinstance(node.value, bool):
                problem += f" (True and False are only accepted for {', '.join(sorted(FLAGS))})"
            raise ParseError(problem, self.pos(node))
        if problem := _number_problem(node.value, self._source(node)):
            raise ParseError(problem, self.pos(node))
        self.nodes += 1
        return _Node(Const(node.value, self.pos(node)), 1, True, float(node.value), node)

    def _name(self, node: ast.Name) -> _Node:
        name = self._identifier(node, node.id)
        if name not in self.assigned:
            self.inputs.setdefault(name, self.pos(node))
        self.nodes += 1
        return _Node(Var(name, self.pos(node)), 1, name in self.consts, self.consts.get(name), node)

    def _binop(self, node: ast.BinOp):
        symbol = SYMBOLS[type(node.op)]
        op = BINARY.get(symbol)
        if op is None:
            raise ParseError(
                f"unsupported operator '{symbol}'{' (use ** for powers)' * (symbol == '^')}",
                self._between(node.left, node.right, symbol, node),
            )
        return [node.left, node.right], lambda kids: self._apply(op, kids, (), node)

    def _unaryop(self, node: ast.UnaryOp):
        if isinstance(node.op, ast.UAdd):
            return [node.operand], lambda kids: kids[0]
        op = UNARY.get(SYMBOLS[type(node.op)])
        if op is not None:
            return [node.operand], lambda kids: self._apply(op, kids, (), node)
        raise ParseError(f"unsupported operator '{SYMBOLS[type(node.op)]}'", self.pos(node))

    def _compare(self, node: ast.Compare):
        if len(node.ops) > 1:
            raise ParseError("unsupported syntax: chained comparison (use one comparison)", self.pos(node))
        symbol, right = SYMBOLS[type(node.ops[0])], node.comparators[0]
        op = BINARY.get(symbol)
        if op is None:
            raise ParseError(f"unsupported operator '{symbol}'", self._between(node.left, right, symbol[:2], node))
        return [node.left, right], lambda kids: self._apply(op, kids, (), node)

    def _made(self, expr, kids: list[_Node], node: ast.AST) -> _Node:
        """A converted expression of `kids` (lang/subscripts.py builds subscripts with it)."""
        self.nodes += 1
        return _Node(expr, 1 + max(k.depth for k in kids), all(k.const for k in kids), None, node)

    HANDLERS: dict[type, Callable[..., Any]] = {
        ast.Constant: _constant,
        ast.Name: _name,
        ast.BinOp: _binop,
        ast.UnaryOp: _unaryop,
        ast.Compare: _compare,
        ast.Call: Calls._call,  # lang/calls.py
        ast.Attribute: ShapedArguments._attribute,
        ast.Subscript: subscript,  # lang/subscripts.py
    }

    def _apply(self, op: str, args: list[_Node], params: tuple, node: ast.AST, function: bool = False) -> _Node:
        kids = [*args, *(kid for _, kid in params)]
        expr = Apply(
            op, tuple(k.expr for k in args), tuple((name, k.expr) for name, k in params), self.pos(node), function
        )
        const = all(kid.const for kid in kids)
        self.nodes += 1
        return _Node(
            expr,
            1 + max(kid.depth for kid in kids),
            const,
            self._fold(op, args, node) if const and not params else None,
            node,
        )

    # ---- statements -----------------------------------------------------------------------------------------------
    def program(self, module: ast.Module, source: str) -> Program:
        body, limits, statements = module.body, self.limits, []
        if not body:
            raise ParseError("empty program")
        if len(body) > limits.max_statements:
            raise _limit(
                f"program has {len(body)} statements",
                "statements",
                limits.max_statements,
                self.pos(body[limits.max_statements]),
            )
        for index, statement in enumerate(body):
            if isinstance(statement, ast.Assign):
                if len(statement.targets) > 1:
                    raise ParseError("unsupported syntax: chained assignment", self.pos(statement.targets[1]))
                target = statement.targets[0]
                if not isinstance(target, ast.Name):
                    label = {ast.Attribute: "an attribute", ast.Subscript: "a subscript"}.get(type(target))
                    raise ParseError(
                        f"can only assign to a plain name, not {label or 'a ' + _LABELS[type(target)]}",
                        self.pos(target),
                    )
                name = self._identifier(target, target.id)
            elif isinstance(statement, ast.Expr):
                if index < len(body) - 1:
                    raise ParseError(
                        "a bare expression is only allowed as the last statement (write 'name = ...')",
                        self.pos(statement),
                    )
                name = "out"
            else:
                raise self.refuse(statement)
            item = self.expr(statement.value)
            if item.depth > limits.max_depth:
                raise _limit(
                    f"expression nests {item.depth} levels deep", "depth", limits.max_depth, self.pos(statement.value)
                )
            if name in self.assigned:
                raise ParseError(
                    f"'{name}' is assigned twice (first on line {self.assigned[name]})", self.pos(statement)
                )
            if name in self.inputs:
                raise ParseError(
                    f"'{name}' is used before it is assigned on line {statement.lineno}", self.inputs[name]
                )
            self.assigned[name] = statement.lineno
            if item.const:
                self.consts[name] = item.value
            statements.append(Assign(name, item.expr, self.pos(statement)))
        if self.nodes > limits.max_nodes:
            raise _limit(f"program has {self.nodes} nodes", "nodes", limits.max_nodes)
        return Program(tuple(statements), source)


def parse_program(text: str, where: str = "expression", limits: Limits = DEFAULT_LIMITS) -> Program:
    """Parse `name = expr` statements (`;` or newline separated); the last is the output, a bare last expression
    is named `out`. Raises ParseError / LimitError located at `where`, and nothing else, for any text."""
    try:
        text = text[1:] if text.startswith("\ufeff") else text
        if len(text) > limits.max_length:
            raise _limit(f"program is {len(text)} characters long", "length", limits.max_length)
        clean = _clean(text)
        _scan_tokens(clean, limits)
        return _Converter(clean, limits).program(_ast_parse(clean, "exec"), text)
    except DiffcheckError as err:
        raise err.located(where) from None
