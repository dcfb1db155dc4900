"""Nodes: the grad_fn objects ops record, one class per grad_fn name, with their inputs in slots."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..ops import OPS, Op
from .untracked import deep

if TYPE_CHECKING:
    from .tensors import Tensor

_NO_PARAMS: dict = {}  # the params of a node whose row has none; nothing mutates a node's params


class Node:
    """A grad_fn, one subclass per grad_fn name. Like PyTorch's, it holds what its rule needs and edges, never tensors
    made by ops: a graph has no reference cycles, frees by reference counting, and an intermediate tensor dies when
    its user drops it.

    Input i (i < op.arity ≤ 3) is `d<i>`, its data, and `e<i>`, its edge: the grad_fn of a non-leaf that requires
    grad, the input Tensor itself if it is a leaf (gradient or not), None for a Python number. They are slots (two
    inputs' worth for one input, three only where there are three) rather than tuples: an op leaves two objects
    behind (this node and its tensor) for the cyclic collector to count and traverse, not four, and each has few
    references to visit. `out` is the forward answer; an array its rule never reads is kept as a shape only
    (`_keep`). Backward without retain_graph drops the answer and the data where the row saves tensors
    (`op.saves`), which frees their memory and makes a second backward fail there. `params` is a slot only where the
    row has parameters. `seq` orders nodes by creation, counting down: backward runs the smallest (newest) first, as
    PyTorch runs its highest first. `_mark` and `_acc` are one backward walk's bookkeeping. What few nodes carry (a
    retained output, version counters, hooks) is in `_x`, an `_Extras` made the first time one is set, else None:
    three slots fewer on every node is 24 bytes an op and a shorter object for each pass of the cyclic collector.

    Ops make a node as a plain instance of its layout's class (one class for every row of up to two inputs without
    parameters) and it takes its grad_fn's class, a subclass of that, when a user first sees it (`_named`): Python
    specialises an attribute load or store on one class, so the operators' and the walk's attribute sites missed
    every other time while they alternated between MulBackward0 and AddBackward0 (~15% of a scalar graph's time).

    Calls of other shapes: a variadic row's node keeps its list's edges and data as tuples in `e0` and `d0`; a
    multi-output row's keeps the tuple of answers in `out`, and each output tensor's grad_fn is an `_Output` node
    naming it and its number, which hands its gradient over (so `_acc` is the list of the outputs' gradients).
    """

    __slots__ = ("op", "out", "seq", "_mark", "_acc", "d0", "e0", "_x")
    params = _NO_PARAMS

    # The extras, read and set as attributes; unset, they read as a node without them (None, no versions noted).
    _retained = property(lambda self: _extra(self, "retained"), lambda self, v: _set_extra(self, "retained", v))
    _vc = property(lambda self: _extra(self, "vc"), lambda self, v: _set_extra(self, "vc", v))
    _versions = property(lambda self: _extra(self, "versions") or (), lambda self, v: _set_extra(self, "versions", v))
    _hooks = property(lambda self: _extra(self, "hooks"), lambda self, v: _set_extra(self, "hooks", v))

    def name(self) -> str:
        return self.op.grad_fn

    def _inputs(self) -> tuple[tuple, tuple]:
        """(edges, data), one entry per input (per tensor of a variadic row's list)."""
        op = self.op
        arity = op.arity
        if op.variadic:
            return self.e0, self.d0
        if arity == 1:
            return (self.e0,), (self.d0,)
        if arity == 2:
            return (self.e0, self.e1), (self.d0, self.d1)
        if arity == 3:
            return (self.e0, self.e1, self.e2), (self.d0, self.d1, self.d2)
        return (self.e0, self.e1, self.e2, self.e3), (self.d0, self.d1, self.d2, self.d3)

    @property
    def next_functions(self) -> tuple:
        """(grad_fn, output number) per listed input: AccumulateGrad for a leaf requiring grad, None for a tensor
        without grad or a Python number (an edge of None)."""
        from .tensors import Tensor

        edges, listed = self._inputs()[0], self.op.listed
        return tuple(
            (_named(e.e0), e.d0)
            if type(e) is _Output
            else ((_named(e) if type(e) is not Tensor else _AccumulateGrad(e) if e._requires_grad else None), 0)
            for e in (edges if listed is None else [edges[i] for i in listed])
        )

    @property
    def args(self) -> tuple:
        """The inputs, for tools that draw the graph: a leaf tensor as itself, a non-leaf as its tensor if that called
        retain_grad() and is alive (else rebuilt from the data the node keeps), a Python number as itself; None for
        what the node keeps as a shape only or a backward without retain_graph has freed."""
        from .forward import _is_hollow
        from .tensors import Tensor

        return tuple(
            e
            if type(e) is Tensor
            else d
            if e is None
            else (e._retained and e._retained()) or (None if d is None or _is_hollow(d) else Tensor(d, True, e))
            for e, d in zip(*self._inputs())
        )

    def register_hook(self, hook):
        from .hooks import register_node_hook

        return register_node_hook(self, hook)

    def register_prehook(self, hook):
        from .hooks import register_node_prehook

        return register_node_prehook(self, hook)

    def __repr__(self) -> str:
        return f"<{self.op.grad_fn} object at {hex(id(self))}>"


class _Extras:
    """A node's rare attributes: `retained`, a weak reference to its output tensor once that called retain_grad();
    `vc` and `versions`, version counting's (see versions.py); `hooks`, its hooks table (see hooks.py)."""

    __slots__ = ("retained", "vc", "versions", "hooks")

    def __init__(self):
        self.retained = self.vc = self.versions = self.hooks = None


def _extra(node: Node, name: str):
    extras = node._x
    return None if extras is None else getattr(extras, name)


def _set_extra(node: Node, name: str, value) -> None:
    extras = node._x
    if extras is None:
        if value is None:
            return
        extras = node._x = _Extras()
        deep.track(node)  # what extras hold may close a cycle: the collector must see the node (untracked.py)
    setattr(extras, name, value)


class _AccumulateGrad:
    __slots__ = ("variable",)

    def __init__(self, variable: "Tensor"):
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    next_functions = ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


class _Output(Node):
    """The grad_fn of output `d0` of the multi-output node `e0`, never seen by users (`_named` gives `e0`): it edges
    consumers to that output, as PyTorch's edges name an output number. Made right after its node, so it runs first
    in a walk, once its own consumers have, and hands its gradient over (backward's `_hand_over`)."""

    __slots__ = ()


_OUTPUT = Op(name="output", grad_fn="", forward=None, sym=None, derivative="", arity=0, saves=False)

_EXTRA_SLOTS = {0: (), 1: ("d1", "e1"), 2: ("d1", "e1"), 3: ("d1", "e1", "d2", "e2")}  # one layout for 1 and 2 inputs
_EXTRA_SLOTS[4] = _EXTRA_SLOTS[3] + ("d3", "e3")  # index_add(x, dim, index, source)
_LAYOUTS: dict[tuple, type] = {}  # slots -> the plain class ops make nodes of
_BY_GRAD_FN: dict[str, type] = {}  # grad_fn name -> the class users see, a subclass of its layout's
_NODE_CLASSES: dict[str, type] = {}  # row name -> the plain class of its nodes


def node_class(op: Op) -> type:
    """The plain class of the row's nodes, made for its layout the first time (a row declared later included)."""
    cls = _NODE_CLASSES.get(op.name)
    if cls is None:
        layout = _EXTRA_SLOTS[op.arity] + (("params",) if op.params else ())
        plain = _LAYOUTS.setdefault(layout, type("Node", (Node,), {"__slots__": layout}))
        # rows without a grad_fn make no nodes: their (unused) classes are kept apart by layout
        named = _BY_GRAD_FN.setdefault(op.grad_fn or layout, type(op.grad_fn or "Node", (plain,), {"__slots__": ()}))
        assert named.__base__ is plain, f"rows named {op.grad_fn} differ in layout"
        cls = _NODE_CLASSES[op.name] = plain
        _PLAIN.add(plain)
    return cls


_PLAIN: set[type] = set()
for _op in OPS.values():
    if _op.via is None:  # a `via` row makes the nodes of the rows it composes
        node_class(_op)


def _named(node: Optional[Node]) -> Optional[Node]:
    """The node as users see it, of its grad_fn's class (PyTorch's, MulBackward0 ...); the same layout, so the
    object changes class in place. An output of a multi-output node is that node."""
    if type(node) in _PLAIN:
        node.__class__ = _BY_GRAD_FN[node.op.grad_fn]
    elif type(node) is _Output:
        return _named(node.e0)
    return node
