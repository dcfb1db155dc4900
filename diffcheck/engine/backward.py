"""The backward pass: reverse accumulation over the graph the engine records, and autograd.grad."""

from __future__ import annotations

import gc
import types
from heapq import heappop, heappush
from typing import Iterable, Optional

import numpy as np

from .. import ops as _ops
from ..ops import OPS
from ..ops import arrays as _arrays
from .creation import tensor
from . import dtypes as _dtypes
from .dtypes import _GradMode
from .forward import _IGNORE, _float64, _is_hollow, _next_seq, _quiet, _restore
from . import calls, hooks, versions, views
from . import saved as _saved
from .front import FUNCTIONS
from .accumulate import _add, _deliver, _finish
from .casts import _as_output, _edge_value
from .node import _Output
from .tensors import Tensor, _data
from .untracked import deep

_BOOLS = frozenset({np.bool_, bool})
_FLOATS = frozenset({_float64, float})


SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have already "
    "been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). "
    "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved "
    "tensors after calling backward."
)
NO_GRAD_ROOT = "element {} of tensors does not require grad and does not have a grad_fn"
NON_SCALAR_ROOT = "grad can be implicitly created only for scalar outputs"


def _where(condition, a, b):
    """np.where, with its 0-d answers as scalars: a 0-d gradient would send every later rule and sum through the
    ufunc machinery. A scalar condition between float64 or Python float scalars selects directly: the same value
    and dtype, without np.where's ~2 µs on scalars (relu's rule on every scalar graph)."""
    if type(condition) in _BOOLS and type(a) in _FLOATS and type(b) in _FLOATS:
        return _float64(a if condition else b)
    out = np.where(condition, a, b)
    return out[()] if out.ndim == 0 else out


class _Functions(types.SimpleNamespace):
    """A backward rule's `F`: a name is looked up once (`look_up`) and kept in the instance's own dict, where an
    attribute load is fastest (a class attribute or descriptor costs more on every rule call), until the table
    changes. `fixed` are the names the rules need other than the table's or NumPy's."""

    def __init__(self, look_up, fixed: dict):
        super().__init__(**fixed)
        self._look_up, self._fixed = look_up, fixed

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        function = self._look_up(name)
        setattr(self, name, function)
        return function

    def forget(self) -> None:
        look_up, fixed = self._look_up, self._fixed
        self.__dict__.clear()
        self.__init__(look_up, fixed)


def _array_function(name: str):
    """On arrays: every row's forward by its name (F.sigmoid), else NumPy's function (F.sign, F.matmul)."""
    op = OPS.get(name)
    return op.forward if op is not None else getattr(np, name)


def _tensor_function(name: str):
    """Under create_graph=True, on tensors: the engine's function of every spelling and internal row
    (differentiable), else NumPy's function made a constant — right for what rules take from NumPy, which is
    piecewise constant (sign, zeros_like): its derivative is 0."""
    function = FUNCTIONS.get(name)
    if function is None:
        numpy = getattr(np, name)
        function = lambda *args: Tensor(numpy(*(_data(a) for a in args)))  # noqa: E731
    return function


def _unsqueeze_tensor(g, dim, keepdim, shape):
    """A reduction's gradient given its reduced dims back, as PyTorch's sum_backward (unsqueeze_multiple): one
    unsqueeze per dim in increasing order, so that the graph has its UnsqueezeBackward0 nodes."""
    if keepdim or dim is None:
        return g
    for axis in sorted(_arrays.axes(shape, dim)):
        g = FUNCTIONS["unsqueeze"](g, axis)
    return g


_NUMPY_F = _Functions(
    _array_function,
    {
        "where": _where,  # NumPy's own kernel, without np.where's cost on scalars
        "expand": np.broadcast_to,  # a read-only view: sum's gradient costs no pass over memory
        "unsqueeze": lambda g, dim, keepdim, shape: _arrays.unsqueeze_dim(g, shape, dim, keepdim),
        "graph": False,  # a rule may take a shortcut of the same value that records another graph (pow's x**1)
    },
)


def _sum_to_tensor(g, shape):
    """at::sum_to: to no dims at all it is g.sum() (SumBackward0), whatever g's shape, else the sum_to row."""
    return FUNCTIONS["sum"](g) if tuple(shape) == () else FUNCTIONS["sum_to"](g, shape)


_TENSOR_F = _Functions(_tensor_function, {"unsqueeze": _unsqueeze_tensor, "sum_to": _sum_to_tensor, "graph": True})


def _forget_functions() -> None:
    """The table changed: look every name up again."""
    _NUMPY_F.forget()
    _TENSOR_F.forget()


_ops.subscribe(_forget_functions)


def _size(shape) -> str:
    return f"torch.Size({list(shape)})"


def _run_backward(
    roots: list,
    grad_roots: list,
    retain_graph: Optional[bool],
    create_graph: bool,
    inputs: Optional[Iterable[Tensor]],
    capture: Optional[list],
) -> Optional[list]:
    """Reverse-accumulate from `roots`: into `.grad` of leaves (and retained non-leaves), or into `capture`'s slots.

    As PyTorch's engine: the nodes reachable from the roots run newest first (by `seq`), so each one's gradient is
    complete when it runs and a gradient's contributions are summed in PyTorch's order, bit for bit; leaves'
    gradients are accumulated into `.grad` at the end. Iterative, so depth is unlimited; vertices are keyed by
    identity, never by value.
    """
    if retain_graph is None:
        retain_graph = create_graph
    views.fresh([*roots, *(capture or ())])  # a view's grad_fn is current before the walk starts from or ends at it
    starts = _starts(roots, grad_roots, create_graph)
    inputs = None if inputs is None else list(inputs)
    targets = None if inputs is None else {id(t) for t in inputs}
    # Backward leaves nothing behind but gradients, so the cyclic collector has nothing to find meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    token = _quiet(_IGNORE)
    below = deep.walking()
    try:
        with _GradMode(create_graph):
            if hooks.state.live:  # hooks registered: the walk that calls them (hooked.py)
                from .hooked import walk

                return walk(starts, not retain_graph, create_graph, inputs, capture)
            return _walk(starts, not retain_graph, create_graph, targets, capture)
    finally:
        deep.walked(below, _next_seq())
        _restore(token)
        if collecting:
            gc.enable()


def _starts(roots: list, grad_roots: list, create_graph: bool) -> list:
    """(vertex, gradient) per root: its grad_fn, or the root itself if it is a leaf; PyTorch's refusals."""
    starts = []
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
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{index}] has a shape of {_size(g.shape)} and "
                    f"output[{index}] has a shape of {_size(root.shape)}."
                )
            if create_graph:  # the given gradient as it is: a second derivative may be taken with respect to it
                starts.append((root._node or root, g))
                continue
            g = np.asarray(g.data).astype(np.asarray(root.data).dtype, copy=False)  # PyTorch casts it to the root's
        starts.append((root._node or root, Tensor(g) if create_graph else g))
    return starts


class _Walk:
    """One walk's state. The nodes seen and not yet run wait on `stack`, each newer than the one below it, or else on
    a min-heap of their `seq` (ints: tuples would compare slower) with `pending` mapping each to its node; the next
    to run is the newer of the stack's top and the heap's least. Most nodes' newest input is the next to run (an
    add's product, a chain's previous link), so most never touch the heap and the dict. A node's consumers are all
    newer than it and were all seen before it runs, so its gradient is complete when it runs. A vertex (node or
    leaf) is stamped with this walk's `mark` when first seen, so a walk never reads another's state, and gathers its
    gradient in `_acc`; leaves wait in `leaves` until the end. `_walk` keeps these in locals, for speed."""

    def __init__(self, starts: list, capture: Optional[list]):
        self.mark, self.leaves, self.stack, self.heap, self.pending = object(), [], [], [], {}
        self.wanted = None if capture is None else {id(t._node or t): i for i, t in enumerate(capture)}
        self.results = None if capture is None else [None] * len(capture)
        for vertex, g in starts:
            if vertex._mark is not self.mark:
                self.see(vertex, g)
            else:
                vertex._acc = vertex._acc + g

    def see(self, vertex, g) -> None:
        """Stamp a vertex first seen with its gradient and queue it (as `_walk`'s edge loop does inline)."""
        vertex._mark, vertex._acc = self.mark, g
        if type(vertex) is Tensor:
            self.leaves.append(vertex)
        elif self.stack and vertex.seq > self.stack[-1].seq:
            heappush(self.heap, vertex.seq)
            self.pending[vertex.seq] = vertex
        else:
            self.stack.append(vertex)


def _walk(starts: list, free: bool, create_graph: bool, targets: Optional[set], capture: Optional[list]):
    """Every node once, newest first (see _Walk): the common ones inline, the others through `_general`."""
    walk = _Walk(starts, capture)
    mark, leaves, stack, heap, pending = walk.mark, walk.leaves, walk.stack, walk.heap, walk.pending
    top = stack[-1].seq if stack else 1  # the seq of the stack's top; while it is empty, 1: above every seq
    F, wanted = _TENSOR_F if create_graph else _NUMPY_F, walk.wanted
    ndarray, shape, checked = np.ndarray, np.shape, versions.state.bumped  # no in-place change yet: nothing to check
    mixed = _dtypes.state.mixed  # no op met two float dtypes yet: no gradient to cast
    while stack or heap:
        if heap and heap[0] < top:  # with the stack empty, top is 1: the heap's
            node = pending.pop(heappop(heap))
        else:
            node = stack.pop()
            top = stack[-1].seq if stack else 1
        g, node._acc = node._acc, None
        if g is not None and (wanted is not None or (extras := node._x) is not None and extras.retained is not None):
            _deliver(walk, node, g, targets, capture, create_graph)
        op, out, arity = node.op, node.out, node.op.arity
        if out is None or checked:
            _check_saved(node)
        if arity == 2 and not (g is None or create_graph or op.params):  # spelled out: a call with *saved costs
            edges, saved = (node.e0, node.e1), (node.d0, node.d1)  # ~70 ns more, a third of a scalar mul's rule
            in_grads = op.vjp(F, g, out, saved[0], saved[1])
        elif arity == 1 and not (g is None or create_graph or op.params or op.variadic):
            edges, saved = (node.e0,), (node.d0,)
            in_grads = op.vjp(F, g, out, saved[0])
        else:
            edges, saved, in_grads = _general(walk, node, g, F, create_graph)
            top = stack[-1].seq if stack else 1  # an _Output may have queued its node
        i = -1
        for e in edges:  # by index: a zip of three costs more than this loop's other work for scalars
            i += 1
            if e is None:
                continue
            ga = in_grads[i]
            if ga is not None and (type(ga) is ndarray or create_graph or type(saved[i]) is ndarray):
                d = saved[i]
                if shape(ga.data if create_graph else ga) != shape(d):
                    # broadcast in the forward: summed back to the input's shape (at::sum_to: sum() for a 0-d one)
                    ga = F.sum_to(ga, shape(d)) if shape(d) else F.sum(ga)
            if mixed and ga is not None:  # some op met two float dtypes: each gradient in its input's dtype
                ga = _as_output(ga, _edge_value(e), create_graph)
            # leaves and nodes apart: an attribute access specialises on one class, and misses on others
            if type(e) is Tensor:
                if e._mark is not mark:
                    if e._requires_grad:
                        leaves.append(e)
                        e._mark, e._acc = mark, ga
                elif ga is not None:
                    e._acc = ga if (acc := e._acc) is None else acc + ga if type(acc) is not ndarray else _add(acc, ga)
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
                e._acc = ga if (acc := e._acc) is None else acc + ga if type(acc) is not ndarray else _add(acc, ga)
        if free and op.saves:  # PyTorch frees saved tensors: their memory goes, a second backward fails here
            node.out = node.d0 = None  # inline: a function call per node costs more than these stores
            if arity > 1:
                node.d1 = None
                if arity > 2:
                    node.d2 = None
                    if arity > 3:
                        node.d3 = None
    ga = in_grads = None  # the last gradient's only holder is then its leaf: _finish takes it without a copy
    return _finish(walk, targets, capture, create_graph)


def _check_saved(node, packed: bool = False) -> None:
    """PyTorch's refusals of a node's saved tensors: freed by an earlier backward, or changed in place since (not
    where saved_tensors_hooks packed them: backward uses what unpack returns, unchecked); then a leaf's values as they
    are now, as PyTorch reads a saved leaf (changed through `.data`, which no version counts)."""
    if node.out is None:
        raise RuntimeError(SECOND_BACKWARD)
    if not packed:
        versions.check(node)
    if node.op.variadic or not node.op.saves or _saved.state.mutation:  # a changed leaf kept its own array
        return
    for i in range(node.op.arity):
        e, d = getattr(node, f"e{i}"), getattr(node, f"d{i}")
        if type(e) is Tensor and d is not e.data and not _is_hollow(d) and _same_kind(d, e.data):
            setattr(node, f"d{i}", e.data)


def _same_kind(a, b) -> bool:
    return np.shape(a) == np.shape(b) and np.result_type(a) == np.result_type(b)


def _general(walk: _Walk, node, g, F, create_graph: bool, unpacked: Optional[dict] = None) -> tuple:
    """(edges, saved data, input gradients) of a node `_walk` does not run inline: no gradient, create_graph,
    parameters, three inputs or a list of them; an _Output hands its gradient to its node and has no edges.
    `unpacked`: saved_tensors_hooks' answers by role, which a rule under create_graph uses as they are (a detached
    one is a constant there, as in PyTorch)."""
    op = node.op
    if type(node) is _Output:
        _hand_over(walk, node, g)
        return (), (), ()
    edges, saved = node._inputs()
    if g is None:
        return edges, saved, (None,) * len(edges)
    params = node.params
    if not create_graph:
        return edges, saved, op.vjp(F, g, node.out, *((saved,) if op.variadic else saved), **params)
    # the rule runs on tensors rebuilt from what the node saved, so it is recorded
    rebuilt = [e if type(e) is Tensor else d if e is None else rebuild(d, e) for e, d in zip(edges, saved)]
    if op.outputs == 1:
        answer = rebuild(node.out, node)
    else:
        differentiable = op.output_differentiability or (True,) * len(node.out)
        answer = tuple(
            Tensor(o, True, calls.output_node(node, i)) if differentiable[i] else Tensor(o)
            for i, o in enumerate(node.out)
        )
    if unpacked:
        rebuilt, answer, params = _unpacked(unpacked, rebuilt, answer, params)
    return edges, saved, op.vjp(F, g, answer, *((rebuilt,) if op.variadic else rebuilt), **params)


_ROLES = {role: i for i, role in enumerate(hooks.SLOTS)}


def _unpacked(unpacked: dict, rebuilt: list, answer, params: dict) -> tuple:
    """The rule's tensors under create_graph with saved_tensors_hooks' answers in place of what the node saved, each
    with the autograd identity of the tensor saved, as PyTorch's SavedVariable::unpack gives them."""
    rebuilt, answers = list(rebuilt), list(answer) if type(answer) is tuple else [answer]
    for role, value in unpacked.items():
        if role in _ROLES:
            rebuilt[_ROLES[role]] = _as_saved(value, rebuilt[_ROLES[role]])
        elif role.startswith("tensors"):
            k = int(role[len("tensors") :])
            rebuilt[0] = tuple(_as_saved(value, t) if i == k else t for i, t in enumerate(rebuilt[0]))
        elif role.startswith("param:"):
            params = {**params, role[len("param:") :]: Tensor(value.data)}
        else:
            k = int(role[len("result") :] or 0)
            answers[k] = _as_saved(value, answers[k])
    return rebuilt, tuple(answers) if type(answer) is tuple else answers[0], params


def _as_saved(value, saved):
    """unpack's values on `saved`'s place in the graph: its node's output, or a leaf through CloneBackward0."""
    if type(saved) is not Tensor or not saved._requires_grad:
        return Tensor(value.data)
    if saved._node is not None:
        return rebuild(value.data, saved._node)
    if np.array_equal(saved.data, value.data, equal_nan=True):
        return saved
    from . import FUNCTIONS

    alias = FUNCTIONS["clone"](saved)  # the leaf's gradient, through an identity
    alias.data = value.data
    return alias


def rebuild(data, node) -> Tensor:
    """A tensor of `node`'s output from what a node saved, for a rule under create_graph=True: on the output's
    version counter, so what the rule records notes its version now (an in-place change before is no change since)."""
    t = Tensor(data, True, node)
    vc = getattr(node, "_vc", None)
    t._vc = vc if type(vc) is versions.Version else None
    return t


def _hand_over(walk: _Walk, proxy, g) -> None:
    """An output of a multi-output node passes its (complete) gradient to the node, which runs after all of its
    outputs have: its `_acc` is the list of their gradients, None for an output that got none."""
    node, i = proxy.e0, proxy.d0
    if node._mark is not walk.mark:
        walk.see(node, None)
    if g is not None:
        if node._acc is None:
            # as many as the op's outputs; split's (outputs=0): one counter per output, kept after out is freed
            node._acc = [None] * (node.op.outputs or len(node._vc))
        node._acc[i] = g


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: Optional[bool] = None,
    create_graph: bool = False,
    allow_unused: bool = False,
    materialize_grads: bool = False,
) -> tuple:
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
                raise RuntimeError(
                    f"The differentiated Tensor at index {index} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
    return tuple(results)


autograd = types.SimpleNamespace(
    grad=grad,
    backward=lambda tensors, grad_tensors=None, **kw: tensors.backward(grad_tensors, **kw),
    graph=types.SimpleNamespace(register_multi_grad_hook=hooks.register_multi_grad_hook),
)
