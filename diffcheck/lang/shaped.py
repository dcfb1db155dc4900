"""The check language's arguments of other shapes than expressions, for the parser (`lang/parse.py`): a list of
tensors (`cat([x, y], 0)`, or a call that gives a tuple: `cat(split(x, 2))`), sizes as varargs or one tuple
(`view(x, 2, 3)`, `view(x, (2, -1))`), and ops spelled as attributes (`x.T`, `x.mT`)."""

from __future__ import annotations

import ast
from typing import Optional

from .. import ops
from ..errors import ParseError
from ..ops.dispatch import SPELLINGS


class ShapedArguments:
    """Handlers the parser's converter mixes in: they read its positions and source (`pos`, `_source`), and mark the
    constants they make in its `choices`, as a choice's string is marked: taken as it is."""

    def _shaped_arguments(self, signature, node: ast.Call, shown: str) -> tuple[Optional[list], list]:
        """A variadic op's list (`cat([x, y], 0)`: its tensors, returned apart; a call that gives a tuple,
        `cat(split(x, 2))`, stands for it) and a shape-first op's sizes as varargs (`view(x, 2, 3)`: one tuple).
        Returns (the tensors, or None where the arguments hold them; the arguments as the arity check counts them)."""
        args, tensors = list(node.args), None
        row = ops.OPS.get(signature.row)
        if row is not None and row.variadic and args:
            first = args[0]
            if isinstance(first, (ast.List, ast.Tuple)):
                if not first.elts:
                    raise ParseError(f"'{shown}' needs at least one tensor in its list", self.pos(first))
                for elt in first.elts:
                    if isinstance(elt, ast.Constant) or isinstance(elt, ast.Starred):
                        raise ParseError(f"'{shown}' takes a list of tensors, not '{self._source(elt)}'", self.pos(elt))
                tensors = list(first.elts)
            elif isinstance(first, ast.Call) and self._gives_tuple(first):
                tensors = [first]
            else:
                raise ParseError(f"'{shown}' takes a list of tensors: {shown}([x, y])", self.pos(first))
        params = signature.params
        if len(params) == 1 and ops.kind_of(params[0]) == "shape" and len(args) > signature.arity + 1:  # not full's
            args = [*args[: signature.arity], self._sizes(shown, args[signature.arity :], False)]
        return tensors, args

    @staticmethod
    def _gives_tuple(call: ast.Call) -> bool:
        """A call of an op with several answers (split, chunk, unbind): a tuple of tensors, as a list argument."""
        func = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
        signature = ops.SIGNATURES.get(func)
        row = ops.OPS.get(signature.row) if signature is not None else None
        return row is not None and row.outputs != 1

    def _sizes(self, shown: str, nodes: list, one_int: bool) -> ast.AST:
        """Sizes written as integers, or one tuple or list of them: a constant tuple (`one_int`: a single integer
        stays one, split's size)."""
        items = nodes[0].elts if len(nodes) == 1 and isinstance(nodes[0], (ast.Tuple, ast.List)) else nodes
        values = []
        for item in items:
            negative = isinstance(item, ast.UnaryOp) and isinstance(item.op, ast.USub)
            literal = item.operand if negative else item
            if not (isinstance(literal, ast.Constant) and type(literal.value) is int):
                raise ParseError(f"'{shown}' takes sizes as integers, not '{self._source(item)}'", self.pos(item))
            values.append(-literal.value if negative else literal.value)
        single = one_int and len(nodes) == 1 and not isinstance(nodes[0], (ast.Tuple, ast.List))
        constant = ast.copy_location(ast.Constant(values[0] if single else tuple(values)), nodes[0])
        self.choices.add(id(constant))  # taken as it is, as a choice's string
        self.sizes.append(constant)  # kept alive: its id marks it
        return constant

    def _attribute(self, node: ast.Attribute):
        """`x.T`, `x.mT`: an op spelled as a tensor's attribute; any other attribute is refused."""
        spelling = SPELLINGS.get(node.attr)
        if spelling is None or not spelling.attribute:
            raise self.refuse(node)
        name = ops.SIGNATURES[node.attr].name
        return [node.value], lambda kids: self._apply(name, kids, (), node)
