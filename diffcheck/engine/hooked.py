"""The backward walk while hooks are registered (hooks.py): the fast walk's order and sums, plainly written, with
PyTorch's hook points. As PyTorch's engine: a node's output gradient goes through its tensor's hooks, then into a
retained .grad or autograd.grad's answer, then through the node's pre-hooks; the node runs; its post-hooks see and
may replace its input gradients. A leaf runs as soon as its last consumer has (PyTorch's AccumulateGrad comes
first among ready nodes): its tensor hooks, then the accumulation into .grad, then its post-accumulate hooks."""

from __future__ import annotations

from heapq import heappop
from typing import Optional

import numpy as np

from . import hooks as _hooks
from . import versions
from ..ops import TorchTypeError
from .accumulate import _accumulate, _deliver, _finish
from .backward import _NUMPY_F, _TENSOR_F, _check_saved, _general, _Walk
from .casts import _as_output, _edge_value
from .front import type_name
from .node import _Output
from .tensors import Tensor


class _HookedWalk(_Walk):
    """_Walk's state, and what hooks need: each leaf's count of consumer edges not yet run (`deps`), and the
    vertices a backward with `inputs=` (or autograd.grad) must run to reach them (`needed`, None: all)."""

    def __init__(self, starts: list, capture: Optional[list], inputs: Optional[list], create_graph: bool):
        super().__init__(starts, capture)
        self.create_graph, self.capture = create_graph, capture
        self.targets = None if inputs is None else {id(t) for t in inputs}
        self.deps, children = {}, {}
        todo = [v for v, _ in starts if type(v) is not Tensor]
        while todo:
            vertex = todo.pop()
            if id(vertex) in children:
                continue
            edges = _edges(vertex)
            children[id(vertex)] = edges
            for e in edges:
                if type(e) is Tensor:
                    self.deps[id(e)] = self.deps.get(id(e), 0) + 1
                elif id(e) not in children:
                    todo.append(e)
        goals = capture if capture is not None else inputs
        goals = None if goals is None else {id(t._node or t) for t in goals}
        self.needed = None if goals is None else _reaching(children, goals)
        self.reached = set(children) | {id(v) for v, _ in starts} | set(self.deps)

    def will_run(self, tensor) -> bool:
        """Whether this backward calls `tensor`'s hooks (torch._C._will_engine_execute_node)."""
        vertex = tensor._node or tensor
        return id(vertex) in self.reached and (self.needed is None or id(vertex) in self.needed)

    def call(self, vertex, g):
        """g through the tensor hooks of a vertex, each seeing the last one's answer."""
        for hook in _hooks.hooks_of(vertex, "tensor"):
            answer = hook(_as_tensor(g, self.create_graph))
            if answer is not None:
                g = _replace(hook, g, answer, self.create_graph)
        return g


def _edges(vertex) -> tuple:
    if type(vertex) is _Output:
        return (vertex.e0,)
    return tuple(e for e in vertex._inputs()[0] if e is not None and (type(e) is not Tensor or e._requires_grad))


def _constant(edge) -> bool:
    return edge is None or (type(edge) is Tensor and not edge._requires_grad)


def _reaching(children: dict, goals: set) -> set:
    """The vertices from which a goal is reached (goals included), by a fixed point over the graph's edges."""
    needed, changed = set(goals), True
    while changed:
        changed = False
        for key, edges in children.items():
            if key not in needed and any(id(e) in needed for e in edges):
                needed.add(key)
                changed = True
    return needed


def _as_tensor(g, create_graph: bool):
    return None if g is None else g if create_graph else Tensor(g)


def _replace(hook, g, answer, create_graph: bool):
    """A tensor hook's answer in place of g, with PyTorch's checks."""
    name = _hook_name(hook)
    if not isinstance(answer, Tensor):
        raise TorchTypeError(f"expected Variable, but hook returned '{type_name(answer)}'")
    old = g.data if create_graph else g
    if answer.data.dtype != np.result_type(old):  # the type before the size, as python_hook.cpp checks
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was {_legacy(np.result_type(old))} got "
            f"{_legacy(answer.data.dtype)})"
        )
    if np.shape(answer.data) != np.shape(old):
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    _hooks.state.replaced = True
    return answer if create_graph else answer.data


def _hook_name(hook) -> str:
    """How PyTorch's errors name a hook: its __name__ (a builtin's too, `print`), else '<unknown>' (an nn module)."""
    name = getattr(hook, "__name__", None)
    return name if isinstance(name, str) else "<unknown>"


def _legacy(dtype) -> str:
    from .dtypes import _DTYPES

    name = repr(_DTYPES[np.dtype(dtype)])[len("torch.") :]
    return (
        "torch."
        + {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16"}.get(
            name, name.capitalize()
        )
        + "Tensor"
    )


def _node_hooks(kind: str, node, grads: tuple, outputs: tuple, create_graph: bool) -> tuple:
    """Pre-hooks (kind "before": hook(grad_outputs)) or post-hooks ("after": hook(grad_inputs, grad_outputs)); a
    tuple returned replaces `grads`."""
    for hook in _hooks.hooks_of(node, kind):
        shown = tuple(_as_tensor(g, create_graph) for g in grads)
        answer = hook(shown) if kind == "before" else hook(shown, tuple(_as_tensor(g, create_graph) for g in outputs))
        if answer is None:
            continue
        if not isinstance(answer, tuple):
            raise TorchTypeError(f"expected tuple, but hook returned '{type_name(answer)}'")
        if len(answer) != len(grads):
            raise RuntimeError(
                f"hook '{_hook_name(hook)}' has returned an incorrect number of values "
                f"(got {len(answer)}, but expected {len(grads)})"
            )
        new = []
        for old, value in zip(grads, answer):
            if old is None and value is not None:
                raise RuntimeError("can't replace a None gradient with a non-None value")
            new.append(None if value is None else _replace(hook, old, value, create_graph))
        grads = tuple(new)
    return grads


def walk(starts: list, free: bool, create_graph: bool, inputs: Optional[list], capture: Optional[list]):
    """backward._walk's order with hooks; see the module's docstring."""
    walk = _HookedWalk(starts, capture, inputs, create_graph)
    outer, _hooks.state.walk = _hooks.state.walk, walk
    try:
        for leaf in list(walk.leaves):
            if walk.deps.get(id(leaf), 0) == 0:
                _leaf(walk, leaf)
        _run(walk, free, _TENSOR_F if create_graph else _NUMPY_F)
        return _finish(walk, walk.targets, capture, create_graph)
    finally:
        _hooks.state.walk = outer


def _run(walk: _HookedWalk, free: bool, F) -> None:
    stack, heap, pending, create_graph = walk.stack, walk.heap, walk.pending, walk.create_graph
    while stack or heap:
        top = stack[-1].seq if stack else 1
        node = pending.pop(heappop(heap)) if heap and heap[0] < top else stack.pop()
        g, node._acc = node._acc, None
        hooked = walk.needed is None or id(node) in walk.needed
        if hooked and g is not None and type(g) is not list:
            g = walk.call(node, g)
        if g is not None and (
            walk.wanted is not None or (extras := node._x) is not None and extras.retained is not None
        ):
            _deliver(walk, node, g, walk.targets, walk.capture, create_graph)
        if type(node) is not _Output and hooked:
            outputs = tuple(g) if type(g) is list else (g,)
            outputs = _node_hooks("before", node, outputs, outputs, create_graph)
            g = list(outputs) if type(g) is list else outputs[0]
        if node.out is None or versions.state.bumped:
            _check_saved(node, type(node) is not _Output and bool(_hooks.hooks_of(node, "saved")))
        unpacked = _hooks.unpack_saved(node) if type(node) is not _Output else None
        edges, saved, in_grads = _general(walk, node, g, F, create_graph, unpacked)
        if type(node) is not _Output and hooked and _hooks.hooks_of(node, "after"):
            outputs = tuple(g) if type(g) is list else (g,)
            # PyTorch computes no gradient for an input that does not require one: None, to hooks too
            in_grads = tuple(None if _constant(e) else ga for e, ga in zip(edges, in_grads))
            in_grads = _node_hooks("after", node, in_grads, outputs, create_graph)
        _route(walk, edges, saved, in_grads, F)
        if free and node.op.saves:
            node.out = node.d0 = None
            if node.op.arity > 1:
                node.d1 = None
                if node.op.arity > 2:
                    node.d2 = None


def _route(walk: _HookedWalk, edges, saved, in_grads, F) -> None:
    """Each input gradient to its edge (as _walk's edge loop), a leaf run once its last consumer has."""
    create_graph = walk.create_graph
    for e, d, ga in zip(edges, saved, in_grads):
        if e is None:
            continue
        if ga is not None:
            if np.shape(ga.data if create_graph else ga) != np.shape(d):
                ga = F.sum_to(ga, np.shape(d)) if np.shape(d) else F.sum(ga)
            ga = _as_output(ga, _edge_value(e), create_graph)
        if type(e) is Tensor:
            if not e._requires_grad:
                continue
            if e._mark is not walk.mark:
                walk.leaves.append(e)
                e._mark, e._acc = walk.mark, ga
            elif ga is not None:
                e._acc = ga if e._acc is None else e._acc + ga
            walk.deps[id(e)] -= 1
            if walk.deps[id(e)] == 0:
                _leaf(walk, e)
        elif e._mark is not walk.mark:
            walk.see(e, ga)
        elif ga is not None:
            e._acc = ga if e._acc is None else e._acc + ga


def _leaf(walk: _HookedWalk, leaf) -> None:
    """PyTorch's AccumulateGrad: the leaf's tensor hooks, then .grad (or autograd.grad's answer), then the
    post-accumulate hooks."""
    g, leaf._acc = leaf._acc, None
    if g is None or (walk.needed is not None and id(leaf) not in walk.needed):
        return
    g = walk.call(leaf, g)
    if walk.wanted is not None:
        i = walk.wanted[id(leaf)]
        walk.results[i] = _as_output(g, leaf.data, True) if walk.create_graph else Tensor(g.astype(leaf.data.dtype))
        return
    _accumulate(leaf, g, walk.create_graph)
    for hook in _hooks.hooks_of(leaf, "post"):
        hook(leaf)
