"""Custom autograd Functions (`class F(torch.autograd.Function)`): `F.apply` runs the user's forward under no_grad and
records one node, `FBackward`, whose backward calls the user's own `backward` through a callback (the snippet
interpreter runs it: the engine never executes user text). The engine checks what comes back with PyTorch's errors,
sums a broadcast gradient back to its input's shape and casts it to the input's dtype, as PyTorch's engine does."""

from __future__ import annotations

import functools
from typing import Callable, Optional

import numpy as np

from ..ops import Op
from . import dtypes as _dtypes
from .dtypes import _GradMode
from .forward import _next_seq
from .node import Node
from . import views
from .calls import output_node
from .tensors import Tensor
from .versions import _message, record, version

_TYPE_NAMES = {bool: "bool", int: "int", float: "float", str: "str", list: "list", tuple: "tuple", dict: "dict"}


class Context:
    """`ctx`: what forward saves for backward, which inputs need a gradient, and the user's backward. The snippet's
    own attributes (`ctx.constant = 3`) live in `attributes`."""

    def __init__(self, name: str, args: tuple, backward: Callable):
        self.name, self.backward, self.args = name, backward, args
        self.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        self.saved: Optional[tuple] = None  # (tensor or None, its version when saved) per saved tensor
        self.materialize = True
        self.unpack = None  # saved_tensors_hooks: gives the saved tensors from what pack returned
        self.non_differentiable: set[int] = set()
        self.attributes: dict = {}

    def save_for_backward(self, *tensors) -> None:
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {tensors.index(t)} is of "
                    f"type {_type_name(t)}"
                )
        self.saved = tuple((t, None if t is None else version(t)) for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The saved tensors, refused as PyTorch refuses them after one was changed in place (a backward without
        retain_graph frees them: the walk refuses a second one before backward runs)."""
        if self.unpack is not None:  # saved_tensors_hooks packed them: what unpack returns, unchecked by versions
            return self.unpack()
        for t, saved_at in self.saved or ():
            if t is not None and version(t) != saved_at:
                made_by = None if t._node is None else (t.grad_fn, 0)
                raise RuntimeError(_message(t.data, made_by, version(t), saved_at))
        return tuple(t for t, _ in self.saved or ())


class FunctionNode(Node):
    """The node of one `F.apply` call: its tensor inputs' edges and data as a variadic row's (tuples in `e0`, `d0`),
    `out` its answers, `params` the call's Context. Printed as PyTorch prints a Python Function's node."""

    __slots__ = ("params",)

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{self.op.grad_fn} object at {hex(id(self))}>"

    def check_versions(self) -> None:
        """Saved tensors are checked when backward reads them (`Context.saved_tensors`), as PyTorch does."""


@functools.cache
def _node_class(grad_fn: str) -> type:
    return type(grad_fn, (FunctionNode,), {"__slots__": ()})


@functools.cache
def _op(name: str, outputs: int, saves: bool) -> Op:
    """A row for the engine's walk alone (never in the table): variadic, `outputs` answers, freed after a backward
    without retain_graph when forward saved tensors."""
    return Op(
        name=name,
        grad_fn=f"{name}Backward",
        forward=None,
        sym=None,
        derivative="",
        vjp=_vjp,
        variadic=True,
        outputs=outputs,
        saves=saves,
        front=None,
    )


def apply(name: str, forward: Callable, backward: Callable, args: tuple):
    """`F.apply(*args)`: `forward(ctx, *args)` under no_grad, then, if grad mode is on and a tensor input requires
    grad, a `FBackward` node over the tensor inputs as every output tensor's grad_fn. Returns what forward returned."""
    ctx = Context(name, args, backward)
    with _GradMode(False):
        result = forward(ctx, *args)
    answers = result if isinstance(result, tuple) else (result,)
    inputs = tuple(a for a in args if isinstance(a, Tensor))
    outs = [i for i, a in enumerate(answers) if isinstance(a, Tensor)]
    if not (_dtypes._grad_enabled and any(t._requires_grad for t in inputs)) or not outs:
        return result
    for i in outs:
        if any(answers[i] is t for t in inputs):
            raise ValueError(f"{name}.forward returned its input as it is (mark_dirty and views are not modelled)")
    views.fresh(inputs)  # a view's grad_fn is current before it is an edge, and older than this node
    node = _node_class(f"{name}Backward")()
    node.op, node.seq = _op(name, len(answers), ctx.saved is not None), _next_seq()
    node._x = node._mark = None
    node.params = {"ctx": ctx}
    node.e0 = tuple((t._node or t) if t._requires_grad else t for t in inputs)
    node.d0 = tuple(t.data for t in inputs)
    node.out = tuple(a.data if isinstance(a, Tensor) else None for a in answers)
    if len(answers) == 1:
        node.out = node.out[0]
    record(node, inputs)
    for i in outs:
        t = answers[i]
        if id(t) in ctx.non_differentiable or t.data.dtype.kind != "f":
            continue
        t._requires_grad, t._node = True, node if len(answers) == 1 else output_node(node, i)
    return result


def _vjp(F, g, out, inputs, ctx: Context):
    """The user's backward with one gradient per output (zeros where an output got none, unless
    ctx.set_materialize_grads(False)), its answers checked as PyTorch's engine checks them."""
    create_graph = isinstance(g, Tensor) or isinstance(g, (list, tuple)) and any(isinstance(x, Tensor) for x in g)
    outs = out if isinstance(out, tuple) else (out,)
    grads = list(g) if isinstance(out, tuple) else [g]
    grads = [
        (Tensor(np.zeros_like(_data(o))[()]) if ctx.materialize and o is not None else None)
        if gi is None
        else gi
        if isinstance(gi, Tensor)
        else Tensor(gi)
        for gi, o in zip(grads, outs)
    ]
    answers = ctx.backward(ctx, grads)
    answers = list(answers) if isinstance(answers, (tuple, list)) else [answers]
    expected = len(ctx.args)
    if len(answers) > expected and all(a is None for a in answers[expected:]):
        answers = answers[:expected]
    if len(answers) != expected:
        raise RuntimeError(
            f"function {ctx.name}Backward returned an incorrect number of gradients (expected {expected}, got "
            f"{len(answers)})"
        )
    result = []
    for index, (arg, answer) in enumerate(zip(ctx.args, answers)):
        if answer is not None and not isinstance(answer, Tensor):
            raise RuntimeError(f"expected Variable or None (got {_type_name(answer)})")
        if not isinstance(arg, Tensor):
            if answer is not None:
                raise RuntimeError(
                    f"function {ctx.name}Backward returned a gradient different than None at position {index + 1}, "
                    "but the corresponding forward input was not a Variable"
                )
            continue
        if answer is None:
            result.append(None)
            continue
        if not _expandable(arg.shape, answer.shape):
            raise RuntimeError(
                f"Function {ctx.name}Backward returned an invalid gradient at index {index} - got "
                f"{list(answer.shape)} but expected shape compatible with {list(arg.shape)}"
            )
        data = answer.data if answer.data.dtype == arg.data.dtype else answer.data.astype(arg.data.dtype)
        result.append(answer if create_graph else data)
    return tuple(result)


def _data(value):
    return value.data if isinstance(value, Tensor) else value


def _expandable(shape: tuple, grad_shape: tuple) -> bool:
    """`shape` broadcasts to `grad_shape` (PyTorch's is_expandable_to): the gradient sums back to it."""
    if len(shape) > len(grad_shape):
        return False
    return all(s == d or s == 1 for s, d in zip(reversed(shape), reversed(grad_shape)))


def _type_name(value) -> str:
    """Python's name for the value's type; a snippet's own object says its own (`type_name`)."""
    return _TYPE_NAMES.get(type(value)) or getattr(value, "type_name", type(value).__name__)
