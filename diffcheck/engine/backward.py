"""The backward pass: reverse accumulation over the graph the engine records, and autograd.grad."""
from __future__ import annotations

import gc
import types
from heapq import heappop, heappush
from typing import Iterable, Optional

import numpy as np

from .. import ops as _ops
from . import (_IGNORE, FUNCTIONS, NON_SCALAR_ROOT, NO_GRAD_ROOT, SECOND_BACKWARD, Tensor, _GradMode, _data,
                     _float64, _quiet, _refcount, _restore, tensor)
from ..ops import OPS
from ..ops import arrays as _arrays

_BOOLS = frozenset({np.bool_, bool})
_FLOATS = frozenset({_float64, float})


def _where(condition, a, b):
    """np.where, with its 0-d answers as scalars: a 0-d gradient would send every later rule and sum through the
    ufunc machinery. A scalar condition between float64 or Python float scalars selects directly: the same value
    and dtype, without np.where's ~2 µs on scalars (relu's rule on every scalar graph)."""
    if type(condition) in _BOOLS and type(a) in _FLOATS and type(b) in _FLOATS:
        return _float64(a if condition else b)
    out = np.where(condition, a, b)
    return out[()] if out.ndim == 0 else out


class _ArrayFunctions:
    """`F` of a first-order backward, on arrays: every row's forward by its name (F.sigmoid), else NumPy's function
    (F.sign, F.matmul), and where the rules need NumPy's own kernel or a scalar shortcut, those below. Looked up once
    per name, then kept on the instance until the table changes."""

    where = staticmethod(_where)
    expand = staticmethod(np.broadcast_to)  # a read-only view: sum's gradient costs no pass over memory
    unsqueeze = staticmethod(lambda g, dim, keepdim, shape: _arrays.unsqueeze_dim(g, shape, dim, keepdim))

    def __getattr__(self, name: str):
        op = OPS.get(name)
        function = op.forward if op is not None else getattr(np, name)
        setattr(self, name, function)
        return function


class _TensorFunctions:
    """`F` under create_graph=True, on tensors: the engine's function of every spelling and internal row
    (differentiable), else NumPy's function made a constant — right for what rules take from NumPy, which is
    piecewise constant (sign, zeros_like): its derivative is 0. Kept on the instance as `_ArrayFunctions`."""

    unsqueeze = staticmethod(lambda g, dim, keepdim, shape: g if keepdim else FUNCTIONS["reshape"](
        g, np.shape(_arrays.unsqueeze_dim(np.empty(np.shape(g.data)), shape, dim, False))))

    def __getattr__(self, name: str):
        function = FUNCTIONS.get(name)
        if function is None:
            numpy = getattr(np, name)
            function = lambda *args: Tensor(numpy(*(_data(a) for a in args)))  # noqa: E731
        setattr(self, name, function)
        return function


_NUMPY_F, _TENSOR_F = _ArrayFunctions(), _TensorFunctions()


def _forget_functions() -> None:
    """The table changed: look every name up again."""
    _NUMPY_F.__dict__.clear()
    _TENSOR_F.__dict__.clear()


_ops.subscribe(_forget_functions)


def _size(shape) -> str:
    return f"torch.Size({list(shape)})"


def _run_backward(roots: list, grad_roots: list, retain_graph: Optional[bool], create_graph: bool,
                  inputs: Optional[Iterable[Tensor]], capture: Optional[list]) -> Optional[list]:
    """Reverse-accumulate from `roots`: into `.grad` of leaves (and retained non-leaves), or into `capture`'s slots.

    As PyTorch's engine: the nodes reachable from the roots run newest first (by `seq`), so each one's gradient is
    complete when it runs and a gradient's contributions are summed in PyTorch's order, bit for bit; leaves'
    gradients are accumulated into `.grad` at the end. Iterative, so depth is unlimited; vertices are keyed by
    identity, never by value.
    """
    if retain_graph is None:
        retain_graph = create_graph
    starts = []  # (vertex, gradient): a root's grad_fn, or the root itself if it is a leaf
    for index, (root, g) in enumerate(zip(roots, grad_roots)):
        if not root._requires_grad:
            raise RuntimeError(NO_GRAD_ROOT.format(index))
        if g is None:
            if np.size(root.data) != 1 or np.ndim(root.data) != 0:
                raise RuntimeError(NON_SCALAR_ROOT)
            g = np.ones_like(root.data)[()]
        else:
            g = g if isinstance(g, Tensor) else tensor(g, dtype=root.dtype)
            if g.shape != root.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{index}] has a shape of {_size(g.shape)} and "
                                   f"output[{index}] has a shape of {_size(root.shape)}.")
            g = g.data
        starts.append((root._node or root, Tensor(g) if create_graph else g))

    # One walk, newest node first. The nodes seen and not yet run wait on `stack`, each newer than the one below it,
    # or else on a min-heap of their `seq` (ints: tuples would compare slower) with `pending` mapping each to its
    # node; the next to run is the newer of the stack's top and the heap's least. Most nodes' newest input is the
    # next to run (an add's product, a chain's previous link), so most never touch the heap and the dict. A node's
    # consumers are all newer than it and were all seen before it runs, so its gradient is complete when it runs.
    # A vertex (node or leaf) is stamped with this walk's `mark` when first seen, so a walk never reads another's
    # state, and gathers its gradient in `_acc`; leaves wait in `leaves` until the end.
    mark = object()
    leaves: list = []
    stack: list = []
    heap: list = []
    pending: dict = {}
    top = 1  # the seq of the stack's top; while it is empty, 1: above every seq, so any node goes on the stack
    for vertex, g in starts:
        if vertex._mark is not mark:
            vertex._mark, vertex._acc = mark, g
            if type(vertex) is Tensor:
                leaves.append(vertex)
            elif vertex.seq < top:
                stack.append(vertex)
                top = vertex.seq
            else:
                heappush(heap, vertex.seq)
                pending[vertex.seq] = vertex
        else:
            vertex._acc = vertex._acc + g

    targets = None if inputs is None else {id(t) for t in inputs}
    wanted = None if capture is None else {id(t._node or t): i for i, t in enumerate(capture)}
    results = [None] * len(capture) if capture is not None else None
    F = _TENSOR_F if create_graph else _NUMPY_F
    free = not retain_graph
    ndarray, shape = np.ndarray, np.shape

    # Backward leaves nothing behind but gradients, so the cyclic collector has nothing to find meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    token = _quiet(_IGNORE)
    try:
        with _GradMode(create_graph):
            while True:
                if heap and heap[0] < top:
                    node = pending.pop(heappop(heap))
                elif stack:
                    node = stack.pop()
                    top = stack[-1].seq if stack else 1
                else:
                    break
                g, node._acc = node._acc, None
                if g is not None:
                    if wanted is not None:
                        if id(node) in wanted:
                            i = wanted[id(node)]
                            results[i] = g if create_graph else Tensor(g.astype(capture[i].data.dtype))
                    elif node._retained is not None:
                        t = node._retained()
                        if t is not None and (targets is None or id(t) in targets):
                            _accumulate(t, g, create_graph)
                op, out = node.op, node.out
                if out is None:
                    raise RuntimeError(SECOND_BACKWARD)
                arity = op.arity
                if arity == 2:
                    edges, saved = (node.e0, node.e1), (node.d0, node.d1)
                elif arity == 1:
                    edges, saved = (node.e0,), (node.d0,)
                else:
                    edges, saved = (node.e0, node.e1, node.e2), (node.d0, node.d1, node.d2)
                if g is None:
                    in_grads = (None,) * arity
                elif create_graph:  # the rule runs on tensors rebuilt from what the node saved, so it is recorded
                    rebuilt = [e if type(e) is Tensor else d if e is None else Tensor(d, True, e)
                               for e, d in zip(edges, saved)]
                    in_grads = op.vjp(F, g, Tensor(out, True, node), *rebuilt, **node.params)
                elif op.params:
                    in_grads = op.vjp(F, g, out, *saved, **node.params)
                elif arity == 2:  # spelled out: a call with *saved costs ~70 ns more, a third of a scalar mul's rule
                    in_grads = op.vjp(F, g, out, saved[0], saved[1])
                elif arity == 1:
                    in_grads = op.vjp(F, g, out, saved[0])
                else:
                    in_grads = op.vjp(F, g, out, *saved)
                i = -1
                for e in edges:  # by index: a zip of three costs more than this loop's other work for scalars
                    i += 1
                    if e is None:
                        continue
                    ga = in_grads[i]
                    if ga is not None and (type(ga) is ndarray or create_graph or type(saved[i]) is ndarray):
                        d = saved[i]
                        if shape(ga.data if create_graph else ga) != shape(d):
                            ga = F.sum_to(ga, shape(d))  # broadcast in the forward: sum back to the input's shape
                    # leaves and nodes apart: an attribute access specialises on one class, and misses on others
                    if type(e) is Tensor:
                        if e._mark is not mark:
                            if e._requires_grad:
                                leaves.append(e)
                                e._mark, e._acc = mark, ga
                        elif ga is not None:
                            acc = e._acc
                            e._acc = ga if acc is None else acc + ga if type(acc) is not ndarray else _add(acc, ga)
                    elif e._mark is not mark:  # first seen: a node runs later even with no gradient, as in PyTorch
                        seq = e.seq
                        if seq < top:
                            stack.append(e)
                            top = seq
                        else:
                            heappush(heap, seq)
                            pending[seq] = e
                        e._mark, e._acc = mark, ga
                    elif ga is not None:
                        acc = e._acc
                        e._acc = ga if acc is None else acc + ga if type(acc) is not ndarray else _add(acc, ga)
                if free and op.saves:  # PyTorch frees saved tensors: their memory goes, a second backward fails here
                    node.out = node.d0 = None
                    if arity > 1:
                        node.d1 = None
                        if arity > 2:
                            node.d2 = None
            for leaf in leaves:
                g, leaf._acc = leaf._acc, None
                if g is None:
                    continue
                if wanted is not None:
                    if id(leaf) in wanted:
                        results[wanted[id(leaf)]] = g if create_graph else Tensor(g.astype(leaf.data.dtype))
                elif targets is None or id(leaf) in targets:
                    _accumulate(leaf, g, create_graph)
    finally:
        _restore(token)
        if collecting:
            gc.enable()
    return results


def _private(a, references: int) -> bool:
    """Whether array `a` may be written or kept as it is: it owns its memory and at most `references` references,
    the caller's own, can see it, so it is a temporary a rule made for this gradient alone. PyTorch steals and adds
    into such gradients the same way; a shared one (add's rule returns `(g, g)`, a user's `gradient=`) is never
    touched."""
    return a.base is None and a.flags.writeable and _refcount(a) <= references


def _add(acc, ga):
    """acc + ga, into `acc` itself when nothing else can see it (references: the holder the caller read it from,
    the caller's variable, this argument and getrefcount's)."""
    if (type(ga) is np.ndarray and type(acc) is np.ndarray and acc.dtype == ga.dtype and acc.shape == ga.shape
            and _private(acc, 4)):
        return np.add(acc, ga, out=acc)
    return acc + ga


def _accumulate(t: Tensor, g, create_graph: bool) -> None:
    """Add `g` into t.grad: a new tensor the first time, the same tensor object afterwards (as PyTorch)."""
    if create_graph:
        t._grad = g if t._grad is None else t._grad + g
        return
    dtype = t.data.dtype
    # kept as it is when private (references: the walk's variable, this argument, _private's,
    # getrefcount's); a gradient straight from a rule's tuple or shared with anything else is copied
    if not (type(g) is np.ndarray and g.dtype == dtype and _private(g, 4)):
        g = g.astype(dtype)
    if t._grad is None:
        t._grad = Tensor(g)
    else:
        t._grad.data = t._grad.data + g


def grad(outputs, inputs, grad_outputs=None, retain_graph: Optional[bool] = None, create_graph: bool = False,
         allow_unused: bool = False, materialize_grads: bool = False) -> tuple:
    """torch.autograd.grad: gradients of `outputs` with respect to `inputs`, leaving every `.grad` untouched."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    if any(not t._requires_grad for t in inputs):
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    results = _run_backward(outputs, list(grad_outputs), retain_graph, create_graph, None, capture=inputs)
    for index, (t, r) in enumerate(zip(inputs, results)):
        if r is None:
            if materialize_grads:
                results[index] = Tensor(np.zeros_like(t.data)[()])
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {index} appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
    return tuple(results)


autograd = types.SimpleNamespace(grad=grad, backward=lambda tensors, grad_tensors=None, **kw: tensors.backward(
    grad_tensors, **kw))
