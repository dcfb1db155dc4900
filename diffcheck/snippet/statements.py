"""`diffcheck run`, statements: assignment (unpacking, attributes, items, augmented — in place on tensors, as
PyTorch), branches and loops, `with` grad modes, `def`, `try`, `raise`, `assert`. A mixin of the interpreter, which
supplies `eval`, `truth`, `iterate`, `fail`, the scope and the tracer."""

from __future__ import annotations

import ast
import time

from .. import engine
from ..lang.parse import SYMBOLS
from .torch_surface import Raised
from .names import EXCEPTIONS, METHOD_DECORATORS
from .values import (
    Builtin,
    BreakLoop,
    ContinueLoop,
    ExceptionValue,
    GradContext,
    ReturnValue,
    UserFunction,
    modes,
    set_modes,
)

_INPLACE = {ast.Add: "add_", ast.Sub: "sub_", ast.Mult: "mul_", ast.Div: "div_"}


class Statements:
    """Statement handlers (see the module docstring)."""

    def block(self, body: list) -> None:
        for statement in body:
            self.tick(statement)
            handler = self.STATEMENTS.get(type(statement))
            if handler is None:
                raise self.fail(f"'{type(statement).__name__}' is not supported", statement)
            handler(self, statement)

    def tick(self, node: ast.AST) -> None:
        """One step of the budget: a statement, a loop test, a comprehension's item."""
        self.steps += 1
        if self.steps > self.limits.steps:
            raise self.fail(f"the snippet runs more than {self.limits.steps} statements (--max-steps)", node)
        self.in_time(node)

    def in_time(self, node: ast.AST) -> None:
        """Refuse to go on past the deadline: checked at every step and every torch op (a clock read costs less than
        either), so a run stops within one op of its budget, and every op's size is bounded."""
        if time.monotonic() > self.deadline:
            raise self.fail(f"the snippet runs longer than {self.limits.seconds:g} s (--time-budget)", node)

    def _assign(self, node: ast.Assign) -> None:
        value = self.eval(node.value)
        for target in node.targets:
            self.store(target, value)

    def store(self, target: ast.AST, value) -> None:
        if isinstance(target, ast.Name):
            self.scope.vars[target.id] = value
            if isinstance(value, engine.Tensor):
                self.tracer.bind(target.id, value, self.position(target))
            elif hasattr(value, "named_parameters") and not isinstance(value, engine.Tensor):
                for name, parameter in value.named_parameters():  # model.fc1.weight in the verification tables
                    self.tracer.bind(f"{target.id}.{name}", parameter, self.position(target))
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = list(self.iterate(value, target))
            if len(items) != len(target.elts):
                message = (
                    f"too many values to unpack (expected {len(target.elts)})"
                    if len(items) > len(target.elts)
                    else f"not enough values to unpack (expected {len(target.elts)}, got {len(items)})"
                )
                raise Raised("ValueError", message, target.lineno)
            for element, item in zip(target.elts, items):
                self.store(element, item)
        elif isinstance(target, ast.Attribute):
            self._set_attribute(self.eval(target.value), target.attr, value, target)
        else:
            self.set_item(self.eval(target.value), self.eval(target.slice), value, target)

    def _aug_assign(self, node: ast.AugAssign) -> None:
        target = node.target
        current = self.eval(
            target if not isinstance(target, ast.Name) else ast.Name(target.id, ast.Load(), **_at(target))
        )
        other = self.eval(node.value)
        if isinstance(current, engine.Tensor):
            method = _INPLACE.get(type(node.op))
            if method is None:
                raise self.fail(f"in-place '{SYMBOLS[type(node.op)]}=' on a tensor is not supported", node)
            self.inplace(current, method, [other], {}, node)
            return
        self.store(target, self.binary(node.op, current, other, node))

    def _expression(self, node: ast.Expr) -> None:
        value = self.eval(node.value)
        if value is not None and id(node) in self.snippet.echo:  # a REPL session echoes the value's repr
            self._builtin_print([self._builtin_repr([value], {}, node)], {}, node)
            self.echoed["_"] = value

    def _for(self, node: ast.For) -> None:
        for item in self.iterate(self.eval(node.iter), node.iter):
            self.store(node.target, item)
            try:
                self.block(node.body)
            except BreakLoop:
                break
            except ContinueLoop:
                continue
        else:
            self.block(node.orelse)

    def _while(self, node: ast.While) -> None:
        while self.truth(self.eval(node.test), node.test):
            self.tick(node)
            try:
                self.block(node.body)
            except BreakLoop:
                break
            except ContinueLoop:
                continue
        else:
            self.block(node.orelse)

    def _if(self, node: ast.If) -> None:
        self.block(node.body if self.truth(self.eval(node.test), node.test) else node.orelse)

    def _break(self, node) -> None:
        raise BreakLoop()

    def _continue(self, node) -> None:
        raise ContinueLoop()

    def _with(self, node: ast.With) -> None:
        context = self.eval(node.items[0].context_expr)
        if not isinstance(context, GradContext):  # torch.autograd.graph's about saved tensors (hook_surface.py)
            return self.saved_context(context, node.body, node.items[0].context_expr)
        grad, inference = modes()
        previous = grad if context.previous is None else context.previous
        set_modes(context.enabled, context.inference)
        try:
            self.block(node.body)
        finally:
            set_modes(previous, inference)

    def _def(self, node: ast.FunctionDef) -> None:
        function = self.make_function(node.name, node)
        self.decorate(function, node.decorator_list)
        self.scope.vars[node.name] = function

    def decorate(self, function: UserFunction, decorators: list) -> str:
        """Apply a function's grad-mode decorators (innermost first); what a method's @staticmethod, @classmethod or
        @property makes it (the validator lets those through on methods only), else "method"."""
        kind = "method"
        for decorator in reversed(decorators):
            if isinstance(decorator, ast.Name) and decorator.id in METHOD_DECORATORS:
                kind = decorator.id
                continue
            context = self.eval(decorator)
            if not isinstance(context, GradContext):
                raise self.fail("only '@torch.no_grad()' and '@torch.enable_grad()' decorate a function", decorator)
            function.grad_mode = context.enabled if function.grad_mode is None else function.grad_mode
            function.inference = context.inference if function.inference is None else function.inference
        return kind

    def make_function(self, name: str, node) -> UserFunction:
        args = node.args
        defaults = [self.eval(d) for d in args.defaults]
        kw_defaults = {a.arg: self.eval(d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None}
        return UserFunction(name, node, defaults, kw_defaults, self.scope)

    def _class(self, node: ast.ClassDef) -> None:
        self.scope.vars[node.name] = self.define_class(node)

    def _return(self, node: ast.Return) -> None:
        raise ReturnValue(None if node.value is None else self.eval(node.value))

    def _try(self, node: ast.Try) -> None:
        try:
            try:
                self.block(node.body)
            except Raised as error:
                self._handle(node, error)
            else:
                self.block(node.orelse)
        finally:
            self.block(node.finalbody)

    def _handle(self, node: ast.Try, error: Raised) -> None:
        value = error.value or ExceptionValue(error.kind, error.message, (error.message,))
        for handler in node.handlers:
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            if any(kind is None or value.matches(kind.id) for kind in kinds):
                if handler.name:
                    self.scope.vars[handler.name] = value
                self.handling.append(error)
                try:
                    self.block(handler.body)
                finally:
                    self.handling.pop()
                return
        raise error

    def _raise(self, node: ast.Raise) -> None:
        if node.exc is None:
            if not self.handling:
                raise Raised("RuntimeError", "No active exception to reraise", node.lineno)
            raise self.handling[-1]
        value = self.eval(node.exc)
        if isinstance(value, Builtin) and value.name in EXCEPTIONS:
            value = ExceptionValue(value.name, "", ())
        if not isinstance(value, ExceptionValue):
            raise Raised("TypeError", "exceptions must derive from BaseException", node.lineno)
        raise Raised(value.kind, value.message, node.lineno, value)

    def _assert(self, node: ast.Assert) -> None:
        if not self.truth(self.eval(node.test), node.test):
            message = "" if node.msg is None else self._builtin_str([self.eval(node.msg)], {}, node)
            raise Raised(
                "AssertionError",
                message,
                node.lineno,
                ExceptionValue("AssertionError", message, (message,) if node.msg else ()),
            )

    STATEMENTS = {
        ast.Assign: _assign,
        ast.AugAssign: _aug_assign,
        ast.Expr: _expression,
        ast.For: _for,
        ast.While: _while,
        ast.If: _if,
        ast.Break: _break,
        ast.Continue: _continue,
        ast.With: _with,
        ast.FunctionDef: _def,
        ast.ClassDef: _class,
        ast.Return: _return,
        ast.Try: _try,
        ast.Raise: _raise,
        ast.Assert: _assert,
        ast.Pass: lambda self, node: None,
    }


def _at(node: ast.AST) -> dict:
    return {k: getattr(node, k) for k in ("lineno", "col_offset", "end_lineno", "end_col_offset")}
