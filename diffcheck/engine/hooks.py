"""Autograd hooks, as PyTorch's: on tensors (their gradient, before it is used or accumulated), after a leaf's
gradient is accumulated, on nodes (before and after they run), and on several tensors at once. A hook is a plain
Python callable (the snippet interpreter hands one that runs the snippet's function); a registration returns a
handle whose remove() drops it. The hooks of a vertex live in its `_hooks` slot, a dict of kind -> {id: hook} (in
registration order), unset until the first one: the walk without hooks never reads it. `state.live` counts the
hooks registered and not removed: while it is 0, backward takes its fast walk (hooked.py runs the other)."""

from __future__ import annotations

import itertools
import types
import weakref
from typing import Callable

import numpy as np

from ..ops import TorchTypeError, TorchValueError
from .forward import _is_hollow

NO_GRAD = "cannot register a hook on a tensor that doesn't require gradient"
NON_LEAF_POST = "post accumulate grad hooks cannot be registered on non-leaf tensors"

state = types.SimpleNamespace(live=0, replaced=False, walk=None)
_ids = itertools.count()


class _Table(dict):
    """One kind of hooks of one vertex, id -> hook. When the vertex (and so the table) dies, its hooks stop counting
    as live: a snippet that never removes its hooks leaves the fast walk to the next one."""

    def __init__(self):
        super().__init__()
        self.count = [0]  # shared with the finalizer, which cannot read the dead table
        weakref.finalize(self, _drop, self.count)


def _drop(count: list) -> None:
    state.live -= count[0]


class RemovableHandle:
    """torch.utils.hooks.RemovableHandle: remove() drops the hook (a second remove() does nothing)."""

    def __init__(self, table: _Table, key: int):
        self._table, self._key = weakref.ref(table), key  # weak, as PyTorch's: a handle keeps no vertex's hooks

    def remove(self) -> None:
        table = self._table()
        if table is not None and table.pop(self._key, None) is not None:
            table.count[0] -= 1
            state.live -= 1

    def __repr__(self) -> str:
        return f"<torch.utils.hooks.RemovableHandle object at {hex(id(self))}>"


def hooks_of(vertex, kind: str) -> tuple:
    """The hooks of `kind` on a tensor or node, in registration order."""
    table = getattr(vertex, "_hooks", None)
    return tuple(table[kind].values()) if table and kind in table else ()


def _add(vertex, kind: str, hook: Callable) -> RemovableHandle:
    table = getattr(vertex, "_hooks", None)
    if table is None:
        table = vertex._hooks = {}
    hooks = table.get(kind)
    if hooks is None:
        hooks = table[kind] = _Table()
    key = next(_ids)
    hooks[key] = hook
    hooks.count[0] += 1
    state.live += 1
    return RemovableHandle(hooks, key)


def register_tensor_hook(tensor, hook: Callable) -> RemovableHandle:
    """Tensor.register_hook: on a leaf, run on its gradient before it is accumulated; on a non-leaf, on the gradient
    of its grad_fn's output before the node runs (and before retain_grad() keeps it)."""
    if not tensor._requires_grad:
        raise RuntimeError(NO_GRAD)
    return _add(tensor if tensor._node is None else tensor._node, "tensor", hook)


def register_post_accumulate_grad_hook(tensor, hook: Callable) -> RemovableHandle:
    if not tensor._requires_grad:
        raise RuntimeError(NO_GRAD)
    if tensor._node is not None:
        raise RuntimeError(NON_LEAF_POST)
    return _add(tensor, "post", hook)


def register_node_hook(node, hook: Callable) -> RemovableHandle:
    """Node.register_hook: hook(grad_inputs, grad_outputs) after the node ran; a tuple it returns replaces
    grad_inputs."""
    return _add(node, "after", hook)


def register_node_prehook(node, hook: Callable) -> RemovableHandle:
    """Node.register_prehook: hook(grad_outputs) before the node runs; a tuple it returns replaces grad_outputs."""
    return _add(node, "before", hook)


class MultiHandle:
    """torch.autograd.graph._MultiHandle: remove() drops the hook from every tensor."""

    def __init__(self, handles: list):
        self._handles = handles

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()

    def __repr__(self) -> str:
        return f"<torch.autograd.graph._MultiHandle object at {hex(id(self))}>"


def register_multi_grad_hook(tensors, fn: Callable, mode: str = "all") -> MultiHandle:
    """torch.autograd.graph.register_multi_grad_hook. "all": fn(grads) once per backward, after the gradients of
    every tensor the backward reaches are computed (None for the others); "any": fn(grad) at the first of them."""
    if mode not in ("all", "any"):
        raise TorchValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = list(tensors)
    seen: dict = {"walk": None, "grads": None, "left": 0}

    def on(index: int):
        def hook(grad):
            walk = state.walk
            if seen["walk"] is not walk.mark:
                will = [walk.will_run(t) for t in tensors]
                seen.update(walk=walk.mark, grads=[None] * len(tensors), left=sum(will), fired=False)
            if mode == "any":
                if not seen["fired"]:
                    seen["fired"] = True
                    fn(grad)
                return None
            seen["grads"][index], seen["left"] = grad, seen["left"] - 1
            if seen["left"] == 0:
                fn(tuple(seen["grads"]))
            return None

        return hook

    return MultiHandle([register_tensor_hook(t, on(i)) for i, t in enumerate(tensors) if t._requires_grad])


def attach_saved(node, unpack: Callable, items: list) -> None:
    """saved_tensors_hooks: the node's saved tensors were packed (`items`, (role, packed) in unpack order: role
    "self", "other", "input2", "input3" (input slots d0 .. d3), "tensors<k>" (a list's k-th), "result" or
    "result<k>" (the k-th answer), "param:<name>" (a tensor parameter: a loss's weight)); its backward unpacks them
    with `unpack` and uses the answers (hooked.py)."""
    _add(node, "saved", (unpack, items))


SLOTS = ("self", "other", "input2", "input3")  # saved_tensors_hooks' names of a node's input slots d0 .. d3
_SLOTS = {role: f"d{i}" for i, role in enumerate(SLOTS)}


def unpack_saved(node) -> dict:
    """Before the node's rule runs: each packed tensor through unpack, in place of what the node saved. Returns
    role -> the tensor unpack returned, which a rule under create_graph=True uses as it is (backward.py)."""
    unpacked: dict = {}
    for unpack, items in hooks_of(node, "saved"):
        for role, packed in items:
            value = unpack(packed)
            if not hasattr(value, "data"):
                raise TorchTypeError(
                    f"Output of saved tensor unpack_hook expected to be a Tensor but got result of type {type(value).__name__}"
                )
            unpacked[role] = value
            slot, index = _slot(node, role)
            old = getattr(node, slot) if index is None else getattr(node, slot)[index]
            old = getattr(old, "data", old)  # a loss's weight is a tensor among the parameters
            if _is_hollow(old) or not np.array_equal(old, value.data, equal_nan=True):
                state.replaced = True  # the rule runs on other values than the graph's
            if slot == "params":
                node.params = {**node.params, index: value.data}
            elif index is None:
                setattr(node, slot, value.data)
            else:
                held = list(getattr(node, slot))
                held[index] = value.data
                setattr(node, slot, tuple(held))
    return unpacked


def _slot(node, role: str) -> tuple:
    """The node's attribute holding a role's tensor, and its index where that holds a tuple (a list's inputs, the
    answers of a multi-output node)."""
    if role in _SLOTS:
        return _SLOTS[role], None
    if role.startswith("param:"):  # a loss's weight: the parameter of that name
        return "params", role[len("param:") :]
    if role.startswith("tensors"):
        return "d0", int(role[len("tensors") :])
    if role == "result":
        return "out", 0 if type(node.out) is tuple else None
    return "out", int(role[len("result") :])
