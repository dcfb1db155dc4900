"""The check language's function calls, for the parser (`lang/parse.py`): a call's name looked up in the table, its
arguments and keywords matched to the op's signature, string choices, integer tuples and index lists taken as
constants."""

from __future__ import annotations

import ast

from .. import ops
from ..errors import ParseError
from ..ops.dispatch import FLAGS, PREFIXES
from .indices import index_literal
from .subscripts import integer


def _string_choice(param, value: ast.AST) -> bool:
    """A number parameter given one of its string choices (norm's p='fro')."""
    return bool(getattr(param, "choices", ())) and isinstance(value, ast.Constant) and type(value.value) is str


def _int_literal(node: ast.AST) -> bool:
    """`1` or `-1`: a dim, where max(x, 1) takes one (anything else there is a tensor: max(x, y))."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is int


class Calls:
    """Handlers the parser's converter mixes in, as `ShapedArguments`: they read its positions, source and
    arguments, mark the constants they make in its `choices` and build through its `_apply`."""

    def _call(self, node: ast.Call):
        func, parts = node.func, []
        while isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name):
            raise ParseError("unsupported syntax: call of something other than a function name", self.pos(node))
        shown = ".".join([func.id, *reversed(parts)])
        prefix, key = shown[: len(shown) - len(parts[0])] if parts else "", parts[0] if parts else func.id
        if prefix and prefix not in PREFIXES:
            raise self.refuse(node.func)
        self._ascii(node.func)
        signature = ops.SIGNATURES.get(key)
        if signature is None:
            import difflib  # only for this message

            close = difflib.get_close_matches(key, list(ops.SIGNATURES), n=1)
            hint = f" (did you mean '{prefix}{close[0]}'?)" if close else ""
            raise ParseError(f"unknown function '{shown}'{hint}", self.pos(node))
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise ParseError("unsupported syntax: starred argument", self.pos(arg))
        tensors, args = self._shaped_arguments(signature, node, shown)
        low, high, given = signature.arity, signature.arity + len(signature.positional), len(args)
        if not low <= given <= high:
            takes = f"{low} argument{'s' * (low != 1)}" if low == high else f"{low} to {high} arguments"
            raise ParseError(f"'{shown}' takes {takes} ({given} given)", self.pos(node))
        params = dict(zip(signature.positional, args[low:]))
        for keyword in node.keywords:
            if keyword.arg is None:
                raise ParseError("unsupported syntax: **kwargs", self.pos(keyword))
            self._ascii(keyword)
            if keyword.arg not in signature.params:
                raise ParseError(f"unexpected keyword argument '{keyword.arg}' for '{shown}'", self.pos(keyword))
            if keyword.arg in params:
                raise ParseError(f"'{shown}' got multiple values for argument '{keyword.arg}'", self.pos(keyword))
            params[keyword.arg] = keyword.value
        keyword = signature.keyword_row[:1]
        if keyword and keyword[0] in params and given > low:  # PyTorch's TypeError: that overload is keyword-only
            raise ParseError(
                f"'{shown}' with {keyword[0]}= takes its other arguments by keyword, as PyTorch's overload does "
                f"(e.g. {shown}(x, dim=0, {keyword[0]}=True))",
                self.pos(node.args[low]),
            )
        for param in signature.params:
            if (
                ops.kind_of(param) in ("shape", "sections")
                and param in params
                and id(params[param]) not in self.choices
            ):
                params[param] = self._sizes(shown, [params[param]], ops.kind_of(param) == "sections")
        for name in FLAGS.intersection(params):
            value = params[name]
            if isinstance(value, ast.Constant) and isinstance(value.value, bool):
                params[name] = ast.copy_location(ast.Constant(int(value.value)), value)
        for param in signature.params:
            if param in params and (ops.kind_of(param) == "choice" or _string_choice(param, params[param])):
                self._choice(shown, param, params[param])
            if param in params and ops.kind_of(param) in ("shape", "dims") and isinstance(params[param], ast.Tuple):
                params[param] = self._int_tuple(params[param])
        if signature.pair_op and len(node.args) == 2 and not _int_literal(node.args[1]):  # max(x, y) is maximum
            return list(node.args), lambda kids: self._apply(signature.pair_op, kids, (), node)
        names = [name for name in signature.params if name in params]  # signature order: clamp(x, 0, 1) == keywords
        if signature.needs_param and not names:  # torch.clamp(x) raises: a bound at least
            raise ParseError(f"'{shown}' needs {' or '.join(map(repr, signature.params))}", self.pos(node))
        tensors = self._index_lists(signature, args[:low]) if tensors is None else tensors
        children, count = [*tensors, *(params[name] for name in names)], len(tensors)
        function = signature.number_input  # torch.sub(2, x) keeps its 2 first
        return children, lambda kids: self._apply(
            signature.name, kids[:count], tuple(zip(names, kids[count:])), node, function
        )

    def _int_tuple(self, value: ast.Tuple) -> ast.Constant:
        """A shape or several dims written as a tuple of integers (`full((2, 3), 0.5)`), taken as one constant."""
        numbers = tuple(integer(self, e, "a shape or dims are a tuple of integers") for e in value.elts)
        constant = ast.copy_location(ast.Constant(numbers), value)
        self.choices.add(id(constant))
        return constant

    def _choice(self, shown: str, param: ops.Param, value: ast.AST) -> None:
        """A string-choice parameter (gelu's approximate): one of its choices, written as a string literal."""
        if not (isinstance(value, ast.Constant) and type(value.value) is str and value.value in param.choices):
            if getattr(param, "refusal", "") and isinstance(value, ast.Constant) and type(value.value) is str:
                raise ParseError(f"'{shown}': {param.refusal.format(value.value)}", self.pos(value))  # PyTorch's
            allowed = ", ".join(repr(choice) for choice in param.choices)
            allowed = f"one of {allowed}" if ops.kind_of(param) == "choice" else f"a number or {allowed}"
            got = self._source(value)[:40]
            raise ParseError(f"'{shown}' takes {param}= {allowed}, not {got}", self.pos(value))
        self.choices.add(id(value))

    def _index_lists(self, signature: ops.Signature, args: list) -> list:
        """An integer list literal where the op takes an index (`F.cross_entropy(z, [2, 0])`, `gather(x, 1, [[0]])`)
        becomes a constant of nested tuples: an int64 tensor without grad on both sides."""
        rows = [ops.OPS.get(name) for name in (signature.row, *(row for _, row in signature.by_rank))]
        positions = {i for row in rows if row is not None for i in row.index_args}
        converted = []
        for i, arg in enumerate(args):
            if i in positions and isinstance(arg, ast.List):
                arg = ast.copy_location(ast.Constant(index_literal(arg, self.pos)), arg)
                self.index_lists.add(id(arg))
            converted.append(arg)
        return converted
