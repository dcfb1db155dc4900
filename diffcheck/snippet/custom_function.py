"""`diffcheck run`, custom autograd Functions: `class F(torch.autograd.Function)` with static `forward(ctx, ...)` and
`backward(ctx, *grads)`, checked by the validator, made by the interpreter, run by the engine (`engine.custom`) with
the snippet's own forward and backward interpreted, never executed.

Verification: while `F.apply` runs the forward, a tracer of its own records the forward's ops over its tensor inputs
(as if they required grad), so SymPy differentiates the user's forward. The call is one row of the table for the
check (`Case.rows`): its engine side is the user's forward and backward again, interpreted at the check's dtype,
muted; its SymPy side the traced forward. A wrong backward is then a mismatch at the function's inputs.
"""

from __future__ import annotations

import ast
import time
import warnings

import numpy as np

from .. import engine
from ..engine import custom
from ..errors import DiffcheckError
from ..ops import Op
from .torch_surface import Raised
from .values import SnippetObject

METHODS = ("forward", "backward", "setup_context")  # forward takes ctx first unless setup_context is defined


# ---- reading ----------------------------------------------------------------------------------------------------
def validate_class(validator, node: ast.ClassDef) -> None:
    """A Function's body: docstrings, `pass`, and its `@staticmethod` forward, backward and setup_context, each taking
    ctx first (forward does not when setup_context is defined)."""
    where = f"class '{node.name}' (a torch.autograd.Function)"
    seen = set()
    separate = any(isinstance(s, ast.FunctionDef) and s.name == "setup_context" for s in node.body)
    for statement in node.body:
        if isinstance(statement, ast.Pass) or (
            isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        ):
            continue
        if not isinstance(statement, ast.FunctionDef):
            raise validator.refuse(
                f"{where}: only its @staticmethod forward and backward are supported here", statement
            )
        if statement.name not in METHODS:
            raise validator.refuse(
                f"{where}: method '{statement.name}' is not supported (forward, backward and setup_context; jvp "
                "and vmap are not)",
                statement,
            )
        decorators = statement.decorator_list
        if not decorators or not (isinstance(decorators[0], ast.Name) and decorators[0].id == "staticmethod"):
            raise validator.refuse(f"{where}: '{statement.name}' must be a @staticmethod", statement)
        for decorator in decorators[1:]:  # @staticmethod then @once_differentiable, on backward
            if statement.name != "backward" or validator.resolve(decorator, 1) != "decorator:once_differentiable":
                raise validator.refuse(f"{where}: only @once_differentiable may follow @staticmethod", decorator)
        if statement.name == "forward" and separate:
            validator.function(statement)
        elif not statement.args.args:
            raise validator.refuse(f"{where}: '{statement.name}' takes ctx as its first parameter", statement)
        else:
            validator.function(statement, objects=(statement.args.args[0].arg,))
        seen.add(statement.name)
    missing = [m for m in METHODS[:2] if m not in seen]
    if missing:
        raise validator.refuse(f"{where} defines no {missing[0]}()", node)


# ---- running ----------------------------------------------------------------------------------------------------
def define_class(interpreter, node: ast.ClassDef) -> "FunctionClass":
    methods = {
        s.name: interpreter.make_function(f"{node.name}.{s.name}", s)
        for s in node.body
        if isinstance(s, ast.FunctionDef)
    }
    once = any(len(s.decorator_list) > 1 for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "backward")
    return FunctionClass(node.name, methods["forward"], methods["backward"], methods.get("setup_context"), once)


class FunctionClass(SnippetObject):
    type_name = "type"

    def __init__(self, name: str, forward, backward, setup_context=None, once: bool = False):
        self.name, self.forward, self.backward, self.setup_context = name, forward, backward, setup_context
        self.once = once  # @once_differentiable: its backward runs with gradients off, as PyTorch's wrapper does

    def __repr__(self) -> str:
        return f"<class '__main__.{self.name}'>"

    def get(self, interpreter, name: str, node: ast.AST):
        if name == "apply":
            return Apply(self)
        if name in METHODS and getattr(self, name) is not None:
            return getattr(self, name)
        raise Raised("AttributeError", f"type object '{self.name}' has no attribute '{name}'", node.lineno)

    def invoke(self, interpreter, args, kwargs, node):
        raise interpreter.fail(
            f"'{self.name}(...)': call '{self.name}.apply(...)' (Functions are not instantiated)", node
        )


class Apply(SnippetObject):
    type_name = "method"
    name = "apply"

    def __init__(self, function: FunctionClass):
        self.function = function

    def __repr__(self) -> str:
        return f"<bound method Function.apply of {self.function!r}>"

    def invoke(self, interpreter, args, kwargs, node):
        if kwargs:
            raise interpreter.fail(f"keyword arguments to '{self.function.name}.apply' are not supported", node)
        return apply(interpreter, self.function, args, node)


class Ctx(SnippetObject):
    """The ctx a forward and its backward share (PyTorch's is the node: its errors name `FBackward`)."""

    def __init__(self, context: custom.Context):
        self.context = context
        self.type_name = f"{context.name}Backward"

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{self.type_name} object at {hex(id(self))}>"

    def get(self, interpreter, name: str, node: ast.AST):
        context = self.context
        if name == "saved_tensors":
            return interpreter._engine(lambda: context.saved_tensors, node)
        if name == "needs_input_grad":
            return context.needs_input_grad
        if name in context.attributes:
            return context.attributes[name]
        return super().get(interpreter, name, node)

    def set(self, interpreter, name: str, value, node: ast.AST) -> None:
        if name in ("saved_tensors", "needs_input_grad"):
            raise Raised(
                "AttributeError", f"attribute '{name}' of '{self.type_name}' objects is not writable", node.lineno
            )
        self.context.attributes[name] = value

    def call_method(self, interpreter, name: str, args: list, kwargs: dict, node: ast.AST):
        context = self.context
        if name in context.attributes:
            return interpreter.call(context.attributes[name], args, kwargs, node)
        if kwargs and name in ("save_for_backward", "mark_non_differentiable", "set_materialize_grads"):
            raise interpreter.fail(f"keyword arguments to 'ctx.{name}' are not supported", node)
        if name == "save_for_backward":
            try:
                return context.save_for_backward(*args)
            except TypeError as error:
                raise Raised("TypeError", str(error), node.lineno) from None
        if name == "mark_non_differentiable":
            context.non_differentiable.update(id(a) for a in args)
            return None
        if name == "set_materialize_grads":
            context.materialize = bool(args[0]) if args else True
            return None
        if name == "mark_dirty":
            raise interpreter.fail("ctx.mark_dirty (in-place custom Functions) is not supported", node)
        return super().call_method(interpreter, name, args, kwargs, node)


def apply(interpreter, function: FunctionClass, args: list, node: ast.AST):
    """`F.apply(*args)` on the engine, its forward traced on a tracer of its own for the SymPy side."""
    from .trace import CustomCall, Tracer

    pos = interpreter.position(node)
    tensors = [a for a in args if isinstance(a, engine.Tensor)]
    params = [a.arg for a in function.forward.node.args.args][function.setup_context is None :]
    sub = Tracer(symbolic=True)
    fixed = {}
    for index, a in enumerate(args):
        if isinstance(a, engine.Tensor) and id(a) not in fixed:
            sub.leaf(a, params[index] if index < len(params) else f"input {index}", pos)
            fixed[id(a)] = f"{function.name}:in{len(fixed)}"
    traced: dict[int, tuple] = {}  # id(answer) -> (its traced forward, why none)
    outer, interpreter.tracer = interpreter.tracer, sub
    try:
        callbacks = _callbacks(
            interpreter, function, node, lambda result: _trace(sub, function, result, fixed, traced, pos)
        )
        result = interpreter._engine(custom.apply, node, function.name, *callbacks, args)
    finally:
        interpreter.tracer = outer
    answers = result if isinstance(result, tuple) else (result,)
    made = next((a._node for a in answers if isinstance(a, engine.Tensor) and a._node is not None), None)
    if made is not None and hasattr(interpreter, "pack_saved_for_backward"):
        interpreter.pack_saved_for_backward((made.e0 if made.op.name == "output" else made).params["ctx"], node)
    label = interpreter.source(node)
    refs = tuple(outer.entry(t, label, pos) for t in tensors)
    problem = _problem(function, tensors, fixed)
    for index, answer in enumerate(answers):
        if not isinstance(answer, engine.Tensor):
            continue
        if answer.grad_fn is None:
            outer.leaf(answer, label, pos)
            continue
        case, why = traced.get(id(answer), (None, "its forward's answer was made before it"))
        name = function.name if len(answers) == 1 else f"{function.name}[{index}]"
        row = _RowMaker(interpreter, function, list(args), index, len(answers), case, set(fixed.values()))
        outer._add(answer, CustomCall(name, row.make, problem or why), refs, {}, label, pos)
    return result


def _trace(sub, function: FunctionClass, result, fixed: dict, traced: dict, pos) -> None:
    """Each tensor the forward returned, as a program over the forward's inputs (before the engine gives it a
    grad_fn): the SymPy side of the check."""
    for answer in result if isinstance(result, tuple) else (result,):
        if isinstance(answer, engine.Tensor):
            try:
                traced[id(answer)] = (sub.case(answer, None, {}, function.name, pos, fixed), None)
            except DiffcheckError as error:
                traced[id(answer)] = (None, f"the forward of {function.name} cannot be traced: {error.message}")


def _problem(function: FunctionClass, tensors: list, fixed: dict):
    if len(fixed) != len(tensors):
        return f"{function.name}.apply takes one tensor twice (not verifiable)"
    if len(tensors) > 3:
        return f"{function.name}.apply takes {len(tensors)} tensors (at most 3 are verifiable)"
    return None


def _callbacks(interpreter, function: FunctionClass, node: ast.AST, trace=None):
    """The engine's forward and backward callbacks: the snippet's methods, interpreted with the same ctx object;
    `trace(result)` sees what forward returned."""

    def forward(context, *args):
        context.snippet = ctx = Ctx(context)
        if function.setup_context is None:
            result = interpreter.call_function(function.forward, [ctx, *args], {}, node)
        else:  # PyTorch 2's style: forward without ctx, then setup_context(ctx, inputs, output)
            result = interpreter.call_function(function.forward, list(args), {}, node)
            interpreter.call_function(function.setup_context, [ctx, tuple(args), result], {}, node)
        if trace is not None:
            trace(result)
        return result

    def backward(context, grads):
        from .trace import Tracer

        outer, interpreter.tracer = interpreter.tracer, Tracer()  # gradients are traced when the snippet reads them
        try:
            if function.once:
                with engine.no_grad():
                    return interpreter.call_function(function.backward, [context.snippet, *grads], {}, node)
            return interpreter.call_function(function.backward, [context.snippet, *grads], {}, node)
        finally:
            interpreter.tracer = outer

    return forward, backward


class _RowMaker:
    """One call's row, made when a backward() that reaches it is verified (its name is given then)."""

    def __init__(self, interpreter, function, args, index, outputs, traced, inputs: set):
        self.interpreter, self.function, self.index, self.outputs = interpreter, function, index, outputs
        self.args = [None if isinstance(a, engine.Tensor) else a for a in args]  # tensors come from the check
        self.program = None if traced is None else traced.program
        # the traced forward's constants by name (its inputs' values are the check's)
        self.consts = {} if traced is None else {k: v for k, v in traced.values.items() if k not in inputs}
        self.node = None

    def make(self, name: str) -> Op:
        arity = sum(a is None for a in self.args)
        return Op(
            name=name,
            grad_fn=f"{self.function.name}Backward",
            forward=self.forward,
            sym=self.sym,
            derivative=f"its backward (line {self.function.backward.node.lineno})",
            vjp=self.vjp,
            arity=arity,
            saves=False,
            elementwise=False,
        )

    def forward(self, *arrays):
        """The user's forward again on the check's values (muted): its answer, and the node whose ctx backward uses."""
        tensors = iter(engine.Tensor(np.asarray(a)[()], requires_grad=True) for a in arrays)
        args = [next(tensors) if a is None else a for a in self.args]
        result = self._muted(
            lambda: self.interpreter._engine(
                custom.apply,
                self.function.forward.node,
                self.function.name,
                *_callbacks(self.interpreter, self.function, self.function.forward.node),
                args,
            )
        )
        answers = result if isinstance(result, tuple) else (result,)
        answer = answers[self.index]
        self.node = answer.grad_fn
        return answer.data

    def vjp(self, F, g, out, *args):
        node = self.node
        grads = g if self.outputs == 1 else [g if i == self.index else None for i in range(self.outputs)]
        outs = node.out
        return self._muted(lambda: custom._vjp(F, grads, outs, node.d0, node.params["ctx"]))

    def sym(self, sp, *args):
        from .. import symbolic

        values = {k: _exact(v) for k, v in self.consts.items()}
        values.update({f"{self.function.name}:in{i}": a for i, a in enumerate(args)})
        return symbolic.lower(self.program, values)[self.program.output]

    def _muted(self, run):
        """Run the snippet's code for the check: no output, no warnings, budgets afresh; what it raises is why the
        call cannot be verified."""
        from .trace import Tracer

        interpreter = self.interpreter
        write, tracer, steps = interpreter.write, interpreter.tracer, interpreter.steps
        interpreter.write, interpreter.tracer, interpreter.steps = (lambda text: None), Tracer(), 0
        interpreter.deadline = time.monotonic() + interpreter.limits.seconds
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return run()
        except Raised as stop:
            raise DiffcheckError(
                f"{self.function.name} raised {stop.kind} on line {stop.line} when run again at float64: {stop.message}"
            ) from None
        except RuntimeError as error:
            raise DiffcheckError(f"{self.function.name}: {error}") from None
        finally:
            interpreter.write, interpreter.tracer, interpreter.steps = write, tracer, steps


def _exact(value):
    from ..symbolic import _to_sym

    if isinstance(value, list):
        return np.vectorize(_to_sym, otypes=[object])(np.asarray(value, dtype=object))
    return _to_sym(value)
