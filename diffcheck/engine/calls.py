"""Calls of other shapes than tensors in, one tensor out: a list of tensors (cat, stack), several answers (max(x, dim):
values and indices), a view of the input (reshape, transpose). Rare next to the scalar fast paths, so written once."""

from __future__ import annotations

from ..ops import Op
from . import dtypes as _dtypes
from .forward import _IGNORE, _hollow, _kept, _next_seq, _quiet, _restore
from .node import _Output, _OUTPUT, node_class
from .tensors import Tensor
from . import views
from .versions import counter, record, view_of


def apply_call(op: Op, args: tuple, params: dict):
    """`apply` for a row whose call has another shape (`op.variadic`, `op.outputs`, `op.view`): a variadic row takes
    its list as its one argument. Returns a tuple of tensors for several answers."""
    inputs = tuple(args[0]) if op.variadic else args
    datas = [a.data if type(a) is Tensor else a for a in inputs]
    token = _quiet(_IGNORE)
    try:
        out = op.forward(datas, **params) if op.variadic else op.forward(*datas, **params)
    finally:
        _restore(token)
    answers = [Tensor(o) for o in (out if op.outputs != 1 else (out,))]
    if _dtypes._grad_enabled and op.grad_fn and any(type(a) is Tensor and a._requires_grad for a in inputs):
        node = _node(op, inputs, datas, out, params)
        if op.outputs == 1:
            answers[0]._requires_grad, answers[0]._node = True, node
        else:
            differentiable = op.output_differentiability or (True,) * len(answers)
            for i, t in enumerate(answers):
                if differentiable[i]:
                    t._requires_grad, t._node = True, output_node(node, i)
            node._vc = tuple(counter(t) for t in answers)  # it may save any of them; their grad_fns are _Outputs
    if op.view:  # every answer: split's pieces are views of the input, each sharing its counter
        for i, t in enumerate(answers):
            view_of(t, inputs[0], op, params, None if op.outputs == 1 else i)
            # made under no_grad, a view of a tensor that requires grad requires grad, without a grad_fn (PyTorch)
            t._requires_grad = t._requires_grad or inputs[0]._requires_grad
    if op.outputs == 1:
        return answers[0]
    return ReturnType(op.name.split("_")[0], op.output_names, answers) if op.output_names else tuple(answers)


class ReturnType(tuple):
    """Several answers as PyTorch gives them: a tuple with named fields (`torch.return_types.max`: values, indices)."""

    def __new__(cls, name: str, fields: tuple, answers):
        self = super().__new__(cls, answers)
        self.name, self.fields = name, fields
        return self

    def __getattr__(self, field: str):
        if field in ("name", "fields"):
            raise AttributeError(field)
        try:
            return self[self.fields.index(field)]
        except ValueError:
            raise AttributeError(f"'torch.return_types.{self.name}' object has no attribute '{field}'") from None

    def __repr__(self) -> str:
        shown = ",\n".join(f"{field}={answer!r}" for field, answer in zip(self.fields, self))
        return f"torch.return_types.{self.name}(\n{shown})"

    __str__ = __repr__


def _node(op: Op, inputs: tuple, datas: list, out, params: dict):
    """The row's node, keeping what its rule reads (the rest as shapes only), with its inputs' versions noted."""
    kept = _kept(op.name)
    views.fresh(inputs)  # a view's grad_fn is current before it is an edge, and older than this node
    node = node_class(op)()
    node.op, node.seq = op, _next_seq()
    node._x = node._mark = None
    if op.params:
        node.params = params
    outs = out if op.outputs != 1 else (out,)
    outs = outs if kept[0] else tuple(_hollow(o) for o in outs)
    node.out = outs if op.outputs != 1 else outs[0]
    edges = [((a._node or a) if a._requires_grad else a) if type(a) is Tensor else None for a in inputs]
    datas = [d if kept[1 if op.variadic else 1 + i] else _hollow(d) for i, d in enumerate(datas)]
    if op.variadic:
        node.e0, node.d0 = tuple(edges), tuple(datas)
    else:
        for i, (e, d) in enumerate(zip(edges, datas)):
            setattr(node, f"e{i}", e)
            setattr(node, f"d{i}", d)
    record(node, inputs)
    return node


def output_node(node, i: int) -> _Output:
    """The grad_fn of output i of a multi-output node: newer than the node, so a walk runs it first."""
    proxy = _Output()
    proxy.op, proxy.seq = _OUTPUT, _next_seq()
    proxy._x = proxy._mark = None
    proxy.e0, proxy.d0 = node, i
    proxy.out = i  # not None: a proxy saves nothing, so a second backward never stops at it
    return proxy
