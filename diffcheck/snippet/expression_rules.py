"""`diffcheck run`, reading: the validator's expressions (a mixin of `parse._Validator`) — names and attribute
chains resolved against the whitelist of `snippet/names.py`, calls checked against their specs, every other
expression node by its handler; a node type without one is refused with its place.
"""

from __future__ import annotations

import ast
import builtins

from .names import (
    _OPERATORS,
    _REFUSED_OPERATORS,
    BUILTINS,
    CLASS_ATTRIBUTES,
    CREATORS,
    MODULES,
    NUMPY_NAMES,
    OBJECT_MEMBERS,
    OP_FUNCTIONS,
    SPECIAL_METHODS,
    TENSOR_ATTRIBUTES,
    TENSOR_METHODS,
    TORCH_EXTRAS,
    VALUE_METHODS,
    _spec,
    base_path,
    method_spec,
)
from .rules import MAX_DEPTH, _is_super, _parameters


class ExpressionRules:
    """Expression handlers of the validator; `refuse`, `refuse_attribute`, `unsupported`, `_name_target` and
    `_target` come from the validator."""

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
            if hasattr(builtins, name) and name not in self.scope:  # a builtin unless this scope shadows it
                if name in BUILTINS:
                    return f"builtin:{name}"
                raise self.refuse(f"builtin '{name}' is not supported", node)
            return "value" if name in self.assigned else "undefined"  # a NameError when it runs, as in Python
        if not isinstance(node, ast.Attribute):
            self.value(node, depth)
            return "value"
        if node.attr in SPECIAL_METHODS and _is_super(node.value):  # super().__init__() in a class's __init__
            self.value(node.value, depth + 1)
            return "value"
        if node.attr.startswith("_") and node.attr not in TENSOR_ATTRIBUTES:  # x._version is PyTorch's
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
                return f"base:{base_path(path, node.attr)}"
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
            "node_class",
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
            spec = method_spec(name)
        elif kind_name == "context":
            spec = TORCH_EXTRAS[name]
        elif kind_name in ("dtype", "class", "node_class", "constant"):
            raise self.refuse(f"'{shown}' cannot be called", node)
        elif kind_name in (
            "undefined",
            "value",
            "callable",
        ):  # the snippet's functions, nn classes: checked when called
            spec = _spec(0, None, *[k.arg for k in node.keywords if k.arg])
        else:
            raise self.refuse("only calls of torch functions, tensor methods and builtins are supported", node)
        if kind_name == "builtin" and name in ("getattr", "setattr", "hasattr") and len(node.args) > 1:
            self._attribute_name(node.args[1])
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
            named = NUMPY_NAMES.get(keyword.arg, keyword.arg) if kind_name in ("function", "method") else keyword.arg
            if named not in spec.keywords and "*" not in spec.keywords:
                supported = f" (supported: {', '.join(sorted(spec.keywords))})" if spec.keywords else ""
                raise self.refuse(f"unexpected keyword argument '{keyword.arg}' for '{shown}'{supported}", keyword)
            self.value(keyword.value, depth + 1)

    def _attribute_name(self, node: ast.AST) -> None:
        """getattr(x, "NAME"): a name spelled out is checked as `x.NAME` is (the run checks any other)."""
        name = node.value if isinstance(node, ast.Constant) else None
        if isinstance(name, str) and name.startswith("_") and name not in TENSOR_ATTRIBUTES:
            raise self.refuse(f"attribute '{name}' is not supported", node)

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
        outer = self.scope
        self.scope = outer | {t.id for g in node.generators for t in ast.walk(g.target) if isinstance(t, ast.Name)}
        self._comprehension_parts(node, depth)
        self.scope = outer

    def _comprehension_parts(self, node, depth: int) -> None:
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
        loops, self.loops, outer = self.loops, 0, self.scope
        self.scope = outer | _parameters(node.args)
        self.value(node.body, depth + 1)
        self.loops, self.scope = loops, outer

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
