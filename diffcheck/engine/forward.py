"""Running one table row forward and recording its node: `apply` and its fast paths."""

from __future__ import annotations

import functools
import itertools
import sys
from typing import Optional

import numpy as np

from ..ops import OPS, Op, TorchShapeError
from . import dtypes as _dtypes
from .dtypes import _default_dtype, int64
from .node import _NO_PARAMS, _NODE_CLASSES, Node
from .promotion import result_type
from .tensors import Tensor
from .untracked import deep as _deep
from .versions import record

# np.errstate costs ~1.7 µs per use, more than a scalar op; setting the context variable it sets costs a tenth of that
# and is as local: the user's error state is back as soon as the op returns.
try:
    from numpy._core._ufunc_config import _extobj_contextvar as _ERRORS

    with np.errstate(all="ignore"):
        _IGNORE = _ERRORS.get()
    _quiet, _restore = _ERRORS.set, _ERRORS.reset
except ImportError:  # NumPy < 2 keeps the state elsewhere: the same, through np.errstate itself
    _IGNORE = {"all": "ignore"}

    def _quiet(state: dict) -> np.errstate:
        quiet = np.errstate(**state)
        quiet.__enter__()
        return quiet

    def _restore(quiet: np.errstate) -> None:
        quiet.__exit__(None, None, None)


_new = object.__new__
_ndarray = np.ndarray
_refcount = sys.getrefcount
_next_seq = itertools.count(0, -1).__next__  # counts down: the newest node has the smallest seq
_float64 = np.float64


@functools.cache  # a scan of the rule's bytecode (3 ms for every row at import): only rows whose ops meet arrays
def _kept(name: str) -> tuple[bool, ...]:
    """What a node of this row keeps as data, for (out, input 0, input 1, ...); the rest it keeps as shapes only.

    A row that saves no tensors has a rule that reads shapes only; one that does keeps what its rule reads (a
    parameter the rule never loads is not kept), as PyTorch saves per formula: exp keeps its answer, not its input.
    """
    import dis

    op = OPS[name]
    if not op.saves:
        return (False,) * (1 + op.arity)
    code = op.vjp.__code__
    loaded = set(code.co_cellvars) | {
        i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_FAST", "LOAD_CLOSURE", "LOAD_DEREF")
    }
    return tuple(name in loaded for name in code.co_varnames[2 : 3 + op.arity])


_HOLLOW = {}  # dtype -> the one zero element every hollow array of that dtype broadcasts


def _hollow(data):
    """An array's shape and dtype without its memory: a read-only broadcast of one element."""
    if type(data) is not _ndarray:
        return data
    one = _HOLLOW.get(data.dtype)
    if one is None:
        one = _HOLLOW[data.dtype] = np.zeros((), data.dtype)
    return np.broadcast_to(one, data.shape)


def _is_hollow(data) -> bool:
    return type(data) is _ndarray and data.base is not None and data.base is _HOLLOW.get(data.dtype)


def _keep(node: Node, op: Op, out, datas) -> None:
    """Store an array op's answer and inputs on its node, hollow where the rule does not read them: a graph holds
    the memory PyTorch's would, not every intermediate array."""
    kept = _kept(op.name)
    node.out = out if kept[0] else _hollow(out)
    node.d0 = datas[0] if kept[1] else _hollow(datas[0])
    if op.arity > 1:
        node.d1 = datas[1] if kept[2] else _hollow(datas[1])
        if op.arity > 2:
            node.d2 = datas[2] if kept[3] else _hollow(datas[2])
            if op.arity > 3:
                node.d3 = datas[3] if kept[4] else _hollow(datas[3])


def _result_dtype(values) -> Optional[np.dtype]:
    """PyTorch's result dtype for these operands: tensors by their dtype and rank, Python numbers as they are."""
    return result_type([(v.data.dtype, np.ndim(v.data)) if type(v) is Tensor else v for v in values], _default_dtype.np)


def _torch_typed(compute, args, datas: list, params: dict, out, scalars=()):
    """`out` in the dtype PyTorch gives, where NumPy promotes otherwise: int64 with 1.5 or a float32 tensor is
    float64 in NumPy and float32 in PyTorch; sin of an int is float64, of a bool float16, and the default float in
    PyTorch. The tensors are cast to PyTorch's dtype and the op runs again, so the answer is computed in that dtype
    as PyTorch computes it; a bool condition stays as it is where other tensors carry the values (`where`).
    `scalars`: parameters that are operands too (clamp's bounds), unlike a dim or a shape. A creation row's `dtype=`
    is its answer's."""
    if params.get("dtype") is not None:  # zeros_like(x, dtype=torch.float64): the row cast its answer
        return out
    want = _result_dtype([*args, *scalars])
    if out.dtype.kind == "f" and want.kind != "f":  # the op makes floats of integers: the default float dtype
        want = _default_dtype.np
    elif out.dtype.kind == "i" and want.kind == "b":  # the op counts bools (sum): int64, as PyTorch's sum
        want = int64.np
    if any(type(a) is Tensor and a.data.dtype.kind == "f" and a.data.dtype != want for a in args):
        _dtypes.state.mixed = True  # a float tensor computed in another dtype: its gradient is cast back
    if want == out.dtype or out.dtype.kind == "b":
        return out
    tensors = [type(a) is Tensor and a.data.dtype != want for a in args]
    if any(flag and a.data.dtype.kind != "b" for flag, a in zip(tensors, args)):
        tensors = [flag and a.data.dtype.kind != "b" for flag, a in zip(tensors, args)]
    datas[:] = [d.astype(want) if flag else d for flag, d in zip(tensors, datas)]
    out = compute(*datas, **params)
    return out if out.dtype == want else out.astype(want)  # a selection between Python numbers: exact


def apply(op: Op, args: tuple, params: dict) -> Tensor:
    """Run one table row forward and, if grad mode is on and an input requires grad, record its node."""
    if not op.plain_call:
        return calls.apply_call(op, args, params)
    if len(args) == 1 and not params and not op.params and type(args[0]) is Tensor:
        return _apply_tensor(op, args)
    return _apply(op, args, params)


def _apply_tensor(op: Op, args: tuple) -> Tensor:
    """`_apply` specialised to one Tensor and a row without parameters (relu, exp, sum ..., Tensor's methods too):
    without its loops, list and star calls, relu on a scalar takes ~0.9 µs instead of ~2 µs.
    tests/test_engine_scale.py checks it against `_apply` bit for bit."""
    x = args[0]
    d = x.data
    forward = op.forward
    token = _quiet(_IGNORE)
    try:
        out = forward(d)
        # a scalar's type is its dtype, and cheaper to compare; with the same dtype _torch_typed returns `out`
        if type(out) is not type(d) or type(out) is _ndarray and out.dtype != d.dtype:
            datas = [d]
            out = _torch_typed(forward, args, datas, _NO_PARAMS, out)
            d = datas[0]
    finally:
        _restore(token)
    if not (x._requires_grad and _dtypes._grad_enabled and op.grad_fn):
        return Tensor(out)
    if _dtypes._inference_made:
        _dtypes.check_saved(op, args)
    if x._vc is not None:  # a view's grad_fn made current first: a node is newer than its inputs' (the walk's order)
        views.fresh(args)
    node = _NODE_CLASSES[op.name]()
    seq = _next_seq()
    node.op, node.seq = op, seq
    node._x = node._mark = None
    if x._vc is not None:  # x counts in-place changes: note its version
        record(node, args)
    node.e0 = x._node or x
    if type(out) is _ndarray or type(d) is _ndarray:
        _keep(node, op, out, (d,))
    else:
        node.out, node.d0 = out, d
    if seq < _deep.below and node._x is None:  # a deep graph: out of the collector's way (untracked.py)
        _deep.untrack(node)
    t = _new(Tensor)
    t.data, t._requires_grad, t._node = out, True, node
    t._grad, t._retains_grad, t._vc = None, False, None
    return t


def broadcast_error(shapes) -> str:
    """PyTorch's refusal of shapes that do not broadcast: the first dimension from the right where two differ."""
    ndim = max(len(s) for s in shapes)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    for i in reversed(range(ndim)):
        sizes = [s[i] for s in padded if s[i] != 1]
        if len(set(sizes)) > 1:
            a = sizes[0]
            b = next(size for size in sizes if size != a)
            return f"The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton dimension {i}"
    return ""


def _apply(op: Op, args: tuple, params: dict) -> Tensor:
    datas = [a.data if type(a) is Tensor else a for a in args]
    token = _quiet(_IGNORE)
    try:
        try:
            out = op.forward(*datas, **params) if params else op.forward(*datas)  # `**{}` alone costs ~0.2 µs
        except ValueError:
            refused = op.elementwise and broadcast_error([np.shape(d) for d in datas])
            if refused:
                raise TorchShapeError(refused) from None
            raise
        dtype = out.dtype
        for a in args:  # an internal row's answer has the dtype its forward gives (copy: the destination's)
            if type(a) is Tensor and a.data.dtype != dtype and not op.internal:
                out = _torch_typed(op.forward, args, datas, params, out, params.values() if op.elementwise else ())
                break
    finally:
        _restore(token)
    if not (_dtypes._grad_enabled and op.grad_fn):
        return Tensor(out)
    for a in args:  # a loop, not any(): a generator costs more than a scalar op
        if type(a) is Tensor and a._requires_grad:
            break
    else:
        return Tensor(out)
    if _dtypes._inference_made:
        _dtypes.check_saved(op, args)
    versioned = False
    for a in args:
        if type(a) is Tensor and a._vc is not None:  # an input counts in-place changes
            views.fresh(args)  # a view's grad_fn is current before it is an edge, and older than this node
            versioned = True
            break
    # The node and its tensor are filled in here rather than by __init__: no Python frame per object.
    node = _NODE_CLASSES[op.name]()  # no __init__: the call makes an empty instance
    seq = _next_seq()
    node.op, node.seq = op, seq  # at most three targets a line: four or more build and unpack a tuple
    node._x = node._mark = None
    if op.params:
        node.params = params
    if versioned:  # note the inputs' versions
        record(node, args)
    arity = op.arity
    a = args[0]
    node.e0 = ((a._node or a) if a._requires_grad else a) if type(a) is Tensor else None
    if arity > 1:
        a = args[1]
        node.e1 = ((a._node or a) if a._requires_grad else a) if type(a) is Tensor else None
        if arity > 2:
            a = args[2]
            node.e2 = ((a._node or a) if a._requires_grad else a) if type(a) is Tensor else None
            if arity > 3:
                a = args[3]
                node.e3 = ((a._node or a) if a._requires_grad else a) if type(a) is Tensor else None
    if type(out) is _ndarray or type(datas[0]) is _ndarray:
        _keep(node, op, out, datas)
    else:  # scalars: keeping them all costs less than choosing
        node.out, node.d0 = out, datas[0]
        if arity > 1:
            node.d1 = datas[1]
            if arity > 2:
                node.d2 = datas[2]
                if arity > 3:
                    node.d3 = datas[3]
    if seq < _deep.below and node._x is None:
        _deep.untrack(node)
    t = _new(Tensor)
    t.data, t._requires_grad, t._node = out, True, node
    t._grad, t._retains_grad, t._vc = None, False, None
    return t


from . import calls, views  # noqa: E402  (they run rows through this module's helpers)
