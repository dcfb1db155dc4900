"""Autograd hooks in `run`: Tensor.register_hook, register_post_accumulate_grad_hook, grad_fn.register_hook and
register_prehook, torch.autograd.graph.register_multi_grad_hook, and their handles' remove(). The hook is the
snippet's function or lambda; the engine calls it through a plain Python callable that runs it on this interpreter
(never Python's exec). A backward call whose gradients a hook replaced is not verified (hooks.state.replaced)."""

from __future__ import annotations

import ast

from .. import engine
from ..engine import hooks, saved
from .values import Builtin, Function, MathFunction, Raised, TorchClass, UserFunction

REPLACED = "a hook replaced gradients during this call (not verifiable)"
_HANDLE_NAMES = {hooks.RemovableHandle: "RemovableHandle", hooks.MultiHandle: "_MultiHandle"}  # PyTorch's class names
HANDLES = tuple(_HANDLE_NAMES)


class HookSurface:
    def _hook(self, func, node: ast.AST):
        """The callable the engine calls: the snippet's function run by this interpreter (a value that is not a
        function raises Python's TypeError when the hook runs, as in PyTorch)."""

        def call(*values):
            try:
                return self.call(func, list(values), {}, node)
            except Raised as error:
                # raised inside a builtin, which PyTorch's traceback does not show: at the line that ran backward
                error.native = error.native or not isinstance(func, UserFunction)
                raise

        call.__name__ = _python_name(func)
        return call

    def _one_hook(self, args, kwargs, node):
        return self._hook(args[0] if args else kwargs["hook"], node)

    def _tensor_register_hook(self, tensor, args, kwargs, node):
        return self._engine(tensor.register_hook, node, self._one_hook(args, kwargs, node))

    def _tensor_register_post_accumulate_grad_hook(self, tensor, args, kwargs, node):
        return self._engine(tensor.register_post_accumulate_grad_hook, node, self._one_hook(args, kwargs, node))

    def hook_method(self, value, name: str, args: list, kwargs: dict, node: ast.AST):
        """grad_fn.register_hook / register_prehook, or a handle's remove() (`is_hook_method`)."""
        if isinstance(value, HANDLES):
            if args:  # `h.remove(1)` passed the validator as a list's remove would (names.method_spec)
                raise Raised(
                    "TypeError",
                    f"{_HANDLE_NAMES[type(value)]}.remove() takes 1 positional argument but {len(args) + 1} were given",
                    node.lineno,
                )
            return value.remove()
        return self._engine(getattr(value, name), node, self._one_hook(args, kwargs, node))

    def _torch_disable_saved_tensors_hooks(self, args, kwargs, node):
        message = args[0] if args else kwargs["error_message"]
        return SavedContext(lambda: saved.disable_saved_tensors_hooks(message))

    def _torch_save_on_cpu(self, args, kwargs, node):
        return saved.save_on_cpu(*args, **kwargs)

    def _torch_allow_mutation_on_saved_tensors(self, args, kwargs, node):
        return SavedContext(saved.allow_mutation_on_saved_tensors)

    def saved_context(self, context, body: list, node: ast.AST) -> None:
        """`with` one of them: entering raises PyTorch's RuntimeError at the `with` line."""
        manager = context.make() if isinstance(context, SavedContext) else context
        self._engine(manager.__enter__, node)
        try:
            self.block(body)
        finally:
            manager.__exit__(None, None, None)

    def _torch_register_multi_grad_hook(self, args, kwargs, node):
        options = {**dict(zip(("tensors", "fn", "mode"), args)), **kwargs}
        tensors = options.get("tensors")
        tensors = list(tensors) if isinstance(tensors, (list, tuple)) else None
        if tensors is None or not all(isinstance(t, engine.Tensor) for t in tensors):
            raise self.fail("register_multi_grad_hook() takes a list or tuple of tensors", node)
        fn = self._hook(options.get("fn"), node)
        return self._engine(hooks.register_multi_grad_hook, node, tensors, fn, options.get("mode", "all"))


class SavedContext:
    """A torch.autograd.graph context manager about saved tensors (engine/saved.py), for `with`."""

    def __init__(self, make):
        self.make = make

    def __repr__(self) -> str:
        return f"<contextlib._GeneratorContextManager object at {hex(id(self))}>"


def _python_name(func) -> str:
    """The __name__ Python gives the callable `func` stands for: a function's, a builtin's, a method's, a class's;
    '<unknown>' where it has none (an nn module), as PyTorch's hook errors say."""
    if isinstance(func, TorchClass):
        return func.qualname.rpartition(".")[2]
    if isinstance(func, (UserFunction, Builtin, MathFunction, Function)) or getattr(func, "type_name", None) in (
        "type",
        "method",
    ):
        return func.name
    return "<unknown>"


def is_hook_method(value, name: str) -> bool:
    return (isinstance(value, engine.Node) and name in ("register_hook", "register_prehook")) or (
        isinstance(value, HANDLES) and name == "remove"
    )
