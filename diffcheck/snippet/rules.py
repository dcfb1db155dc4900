"""`diffcheck run`, reading: the validator's statements (a mixin of `parse._Validator`) — assignments and their
targets, loops, branches, `with`, `def`, `try`, `raise`, `assert` — each checked, with its parts, against the
whitelist of `snippet/names.py`.
"""

from __future__ import annotations

import ast

from .names import _OPERATORS, _REFUSED_OPERATORS, EXCEPTIONS, METHOD_DECORATORS, SETTABLE, SPECIAL_METHODS

from . import custom_function

MAX_DEPTH = 100  # nesting of one expression: keeps the interpreter's recursion far from Python's limit
_CLASSES_ONLY = (
    "only plain classes and subclasses of the snippet's classes, nn.Module and torch.autograd.Function are supported"
)
_GRAD_DECORATORS = ("context:no_grad", "context:enable_grad", "context:inference_mode")


def _docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


class StatementRules:
    """Statement handlers of the validator; `refuse`, `value`, `block`, `resolve` come from the validator."""

    def _assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._target(target)
        self.value(node.value, 0)

    def _target(self, target: ast.AST, depth: int = 0) -> None:
        """What an assignment, a loop or an augmented assignment may bind: names, tuples and lists of them,
        `.grad`/`.requires_grad`/`.data`, and subscripts."""
        if depth > MAX_DEPTH:
            raise self.refuse(f"assignment target nests more than {MAX_DEPTH} levels deep", target)
        if isinstance(target, ast.Name):
            self._assign_name(target)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._target(element, depth + 1)
        elif isinstance(target, ast.Attribute) and (
            target.attr in SETTABLE
            or target.attr in self.members
            or isinstance(target.value, ast.Name)
            and target.value.id in self.objects
        ):
            if target.attr.startswith("_"):
                raise self.refuse_attribute(f"attribute '{target.attr}' is not supported", target)
            self.value(target.value, 1)
        elif isinstance(target, ast.Attribute):
            raise self.refuse_attribute(
                f"assigning to '.{target.attr}' is not supported (only .grad, .requires_grad and .data)", target
            )
        elif isinstance(target, ast.Subscript):
            self.value(target.value, 1)
            self.key(target.slice, 1)
        else:
            raise self.unsupported(target)

    def _assign_name(self, target: ast.Name) -> None:
        name = self._name_target(target.id, target)
        if name in self.modules or name in self.imported:
            raise self.refuse(f"'{name}' names what was imported; assigning to it is not supported", target)

    def _aug_assign(self, node: ast.AugAssign) -> None:
        if type(node.op) not in _OPERATORS:
            raise self.refuse(f"operator '{_REFUSED_OPERATORS[type(node.op)]}=' is not supported", node)
        if isinstance(node.target, (ast.Tuple, ast.List)):
            raise self.refuse("illegal expression for augmented assignment", node.target)
        self._target(node.target)
        self.value(node.value, 0)

    def _expression_statement(self, node: ast.Expr) -> None:
        self.value(node.value, 0)

    def _for(self, node: ast.For) -> None:
        self._target(node.target)
        self.value(node.iter, 0)
        self._loop_body(node)

    def _while(self, node: ast.While) -> None:
        self.value(node.test, 0)
        self._loop_body(node)

    def _loop_body(self, node) -> None:
        self.loops += 1
        self.block(node.body)
        self.loops -= 1
        self.block(node.orelse)

    def _if(self, node: ast.If) -> None:
        self.value(node.test, 0)
        self.block(node.body)
        self.block(node.orelse)

    def _jump(self, node) -> None:
        if not self.loops:
            word = "break" if isinstance(node, ast.Break) else "continue"
            raise self.refuse(f"'{word}' outside loop", node)

    def _with(self, node: ast.With) -> None:
        item = node.items[0]
        if len(node.items) > 1:
            raise self.refuse("only one context manager per 'with' is supported", node.items[1].context_expr)
        call = item.context_expr
        if not (isinstance(call, ast.Call) and self.resolve(call.func, 1).startswith("context:")):
            raise self.refuse(
                "only 'with torch.no_grad():', 'torch.enable_grad()' and 'torch.set_grad_enabled(...)' are supported",
                call,
            )
        self.value(call, 0)
        if item.optional_vars is not None:
            raise self.refuse("'with ... as' is not supported", item.optional_vars)
        self.block(node.body)

    def _arguments(self, args: ast.arguments, depth: int) -> None:
        if args.vararg or args.kwarg:
            raise self.refuse("'*args' and '**kwargs' parameters are not supported", args.vararg or args.kwarg)
        if args.posonlyargs:
            raise self.refuse("positional-only parameters are not supported", args.posonlyargs[0])
        for arg in args.args + args.kwonlyargs:
            self._name_target(arg.arg, arg)
        for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.value(default, depth + 1)

    def _def(self, node: ast.FunctionDef) -> None:
        self._assign_name(ast.Name(node.name, lineno=node.lineno, col_offset=node.col_offset))
        for decorator in node.decorator_list:
            if not (isinstance(decorator, ast.Call) and self.resolve(decorator.func, 1) in _GRAD_DECORATORS):
                raise self.refuse("only '@torch.no_grad()' and '@torch.enable_grad()' decorate a function", decorator)
            self.value(decorator, 0)
        self.function(node)

    def function(self, node: ast.FunctionDef, objects: tuple = ()) -> None:
        """A function's parameters and body; `objects`: parameters whose attributes are the snippet's own (ctx)."""
        self._arguments(node.args, 0)
        outer, self.loops, self.functions = self.loops, 0, self.functions + 1
        known, self.objects = self.objects, self.objects | set(objects)
        scope, self.scope = self.scope, self.scope | _parameters(node.args) | local_names(node.body)
        self.block(node.body)
        self.loops, self.functions, self.objects, self.scope = outer, self.functions - 1, known, scope

    def _return(self, node: ast.Return) -> None:
        if not self.functions:
            raise self.refuse("'return' outside function", node)
        if node.value is not None:
            self.value(node.value, 0)

    def _try(self, node: ast.Try) -> None:
        self.block(node.body)
        for handler in node.handlers:
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            for kind in kinds:
                if kind is not None and not (isinstance(kind, ast.Name) and kind.id in EXCEPTIONS):
                    raise self.refuse(
                        "'except' takes Python's exception classes (RuntimeError, TypeError, ValueError ...)",
                        kind,
                    )
            if handler.name is not None:
                self._assign_name(ast.Name(handler.name, lineno=handler.lineno, col_offset=handler.col_offset))
            self.block(handler.body)
        self.block(node.orelse)
        self.block(node.finalbody)

    def _raise(self, node: ast.Raise) -> None:
        if node.cause is not None:
            raise self.refuse("'raise ... from' is not supported", node.cause)
        if node.exc is not None:
            self.value(node.exc, 0)

    def _assert(self, node: ast.Assert) -> None:
        self.value(node.test, 0)
        if node.msg is not None:
            self.value(node.msg, 0)

    # ---- classes: plain, nn.Module (snippet/classes.py) or torch.autograd.Function ---------------------------------
    def _class(self, node: ast.ClassDef) -> None:
        """A class, by its one base: none, `object` or one of the snippet's classes (whose kind it takes when it runs)
        makes a plain class; otherwise each base's rule (CLASS_RULES) says what its body may hold."""
        self._assign_name(ast.Name(node.name, lineno=node.lineno, col_offset=node.col_offset))
        if node.decorator_list:
            raise self.refuse("decorators on a class are not supported", node.decorator_list[0])
        if node.keywords:
            raise self.refuse("keywords in a class statement are not supported", node.keywords[0])
        if len(node.bases) > 1:
            raise self.refuse(f"class '{node.name}': multiple inheritance is not supported", node.bases[1])
        base = node.bases[0] if node.bases else None
        if base is None or isinstance(base, ast.Name) and (base.id in self.classes or base.id == "object"):
            rule = StatementRules._object_class
        else:
            rule = self.CLASS_RULES.get(self.resolve(base, 1))
        if rule is None:
            raise self.refuse(f"class '{node.name}': {_CLASSES_ONLY}", node)
        rule(self, node)

    def _object_class(self, node: ast.ClassDef) -> None:
        """A plain or nn.Module class: methods, class attributes (`name = value`), docstrings."""
        for statement in node.body:
            if isinstance(statement, ast.FunctionDef):
                self._method(statement, f"class '{node.name}'")
            elif isinstance(statement, ast.Assign) and all(isinstance(t, ast.Name) for t in statement.targets):
                for target in statement.targets:
                    self._name_target(target.id, target)
                self.value(statement.value, 0)
            elif not (isinstance(statement, ast.Pass) or _docstring(statement)):
                raise self.refuse(
                    f"class '{node.name}': a class body holds methods, attributes (name = value) and docstrings",
                    statement,
                )

    def _method(self, node: ast.FunctionDef, where: str) -> None:
        if node.name.startswith("__") and node.name not in SPECIAL_METHODS:
            raise self.refuse(
                f"{where}: method '{node.name}' is not supported (of the special methods: {', '.join(SPECIAL_METHODS)})",
                node,
            )
        if node.name not in SPECIAL_METHODS:
            self._name_target(node.name, node)
        kind = "method"
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Name) and decorator.id in METHOD_DECORATORS and decorator.id not in self.scope:
                if kind != "method" or node.name in SPECIAL_METHODS:
                    raise self.refuse(
                        f"{where}: '{node.name}' takes no more than one of @staticmethod, "
                        "@classmethod and @property, and a special method none",
                        decorator,
                    )
                kind = decorator.id
            elif isinstance(decorator, ast.Call) and self.resolve(decorator.func, 1) in _GRAD_DECORATORS:
                self.value(decorator, 0)
            else:
                raise self.refuse(
                    f"{where}: a method is decorated only by @staticmethod, @classmethod, @property and "
                    "@torch.no_grad() or @torch.enable_grad()",
                    decorator,
                )
        if kind != "staticmethod" and not node.args.args:
            raise self.refuse(f"method '{node.name}' needs a first parameter (self)", node)
        self.function(node)

    CLASS_RULES = {  # base class, as the validator resolves it -> how its body is checked
        "callable:Module": _object_class,
        "base:torch.autograd.Function": custom_function.validate_class,
    }

    RULES = {
        ast.Assign: _assign,
        ast.Expr: _expression_statement,
        ast.AugAssign: _aug_assign,
        ast.For: _for,
        ast.While: _while,
        ast.If: _if,
        ast.Break: _jump,
        ast.Continue: _jump,
        ast.With: _with,
        ast.FunctionDef: _def,
        ast.ClassDef: _class,
        ast.Return: _return,
        ast.Try: _try,
        ast.Raise: _raise,
        ast.Assert: _assert,
        ast.Pass: lambda self, node: None,
    }


def _parameters(args: ast.arguments) -> set[str]:
    return {arg.arg for arg in args.posonlyargs + args.args + args.kwonlyargs}


def _is_super(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"


def _members(tree: ast.Module) -> set[str]:
    """The attributes the methods of the snippet's classes assign on their first parameter (`self.fc1 = ...`), the
    methods' names and the class attributes: what `model.fc1`, `self.helper(x)` and `Counter.count` may name."""
    members = set()
    for cls in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
        members.update(
            t.id for s in cls.body if isinstance(s, ast.Assign) for t in s.targets if isinstance(t, ast.Name)
        )
        for method in (node for node in cls.body if isinstance(node, ast.FunctionDef)):
            members.add(method.name)
            if not method.args.args:
                continue
            this = method.args.args[0].arg
            for node in ast.walk(method):
                targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
                for target in targets:
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                        if target.value.id == this:
                            members.add(target.attr)
    return {name for name in members if not name.startswith("_")}


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


_SCOPES = (ast.FunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def local_names(body: list) -> set[str]:
    """The names a scope's own statements bind (not those of the functions, lambdas, classes and comprehensions it
    holds, which are scopes of their own; their names are bound here): a binding that shadows a builtin shadows it
    in this scope and those inside it, as in Python."""
    names, todo = set(), list(body)
    while todo:
        node = todo.pop()
        names.update(_bound(node))
        if not isinstance(node, _SCOPES):
            todo.extend(ast.iter_child_nodes(node))
    return names
