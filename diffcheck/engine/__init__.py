"""The reverse-mode engine: a NumPy-backed Tensor with PyTorch's autograd semantics, driven by the op table."""
from __future__ import annotations

import functools
import itertools
import sys
import types
import warnings
import weakref
from typing import Optional, Sequence

import numpy as np

from .. import ops as _ops
from ..ops import OPS, Op
from .promotion import result_type

NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, "
    "use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access the "
    "leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information. (Triggered internally at "
    "/__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)")
CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient "
    "which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid this. If you "
    "have to use this function, make sure to reset the .grad fields of your parameters to None after use to break the "
    "cycle and avoid the leak. (Triggered internally at /__w/pytorch/pytorch/torch/csrc/autograd/engine.cpp:1307.)")
SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have already "
    "been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). "
    "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved "
    "tensors after calling backward.")
NO_GRAD_ROOT = "element {} of tensors does not require grad and does not have a grad_fn"
NON_SCALAR_ROOT = "grad can be implicitly created only for scalar outputs"
_DIM = "tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None"
_OVERLOADS = {  # (op, method): the overloads PyTorch's argument parser lists when none fits the call
    ("sum", False): ("Tensor input, *, torch.dtype dtype = None", f"Tensor input, {_DIM}, Tensor out = None"),
    ("mean", False): ("Tensor input, *, torch.dtype dtype = None, Tensor out = None",
                      f"Tensor input, {_DIM}, Tensor out = None"),
    ("sum", True): ("*, torch.dtype dtype = None", _DIM),
    ("mean", True): ("*, torch.dtype dtype = None", _DIM),
    ("clamp", False): ("Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None",
                       "Tensor input, Number min = None, Number max = None, *, Tensor out = None"),
    ("pow", False): ("Tensor input, Tensor exponent, *, Tensor out = None",
                     "Number self, Tensor exponent, *, Tensor out = None",
                     "Tensor input, Number exponent, *, Tensor out = None"),
}


def type_name(value) -> str:
    """A value's type as PyTorch's messages name it."""
    return "Tensor" if isinstance(value, Tensor) else type(value).__name__


def not_a_tensor(spelling: str, value) -> str:
    """PyTorch's TypeError for a function given something else than a tensor as its first argument."""
    return f"{spelling}(): argument 'input' (position 1) must be Tensor, not {type_name(value)}"


def no_overload(spelling: str, op: str, args, kwargs: dict, method: bool) -> str:
    """PyTorch's TypeError when no overload fits: the call's argument types (keywords last, in reverse order, as
    measured; a method's without the tensor it is called on), then the overloads."""
    got = [type_name(a) for a in args] + [f"{k}={type_name(v)}" for k, v in reversed(kwargs.items())]
    got_text = ", ".join(got) if args else "".join(f"{g}, " for g in got)
    return (f"{spelling}() received an invalid combination of arguments - got ({got_text}), but expected one of:\n"
            + "".join(f" * ({overload})\n" for overload in _OVERLOADS[op, method]))


class dtype:
    """A tensor element type, printed as PyTorch prints it (`torch.float64`)."""

    __slots__ = ("name", "np", "is_floating_point")

    def __init__(self, name: str, np_type: type, is_floating_point: bool):
        self.name, self.np, self.is_floating_point = name, np.dtype(np_type), is_floating_point

    def __repr__(self) -> str:
        return f"torch.{self.name}"


float32 = dtype("float32", np.float32, True)
float64 = dtype("float64", np.float64, True)
int64 = dtype("int64", np.int64, False)
bool_ = dtype("bool", np.bool_, False)
_DTYPES = {d.np: d for d in (float32, float64, int64, bool_)}
# torch's names for them, aliases included (torch.long is torch.int64): `bool` itself would shadow the builtin here
TORCH_DTYPES = {"float32": float32, "float": float32, "float64": float64, "double": float64, "int64": int64,
                "long": int64, "bool": bool_}
_default_dtype = float32

_grad_enabled = True


class _GradMode:
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __enter__(self):
        global _grad_enabled
        self.previous, _grad_enabled = _grad_enabled, self.enabled

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self.previous


def no_grad() -> _GradMode:
    """Context manager: results computed inside do not require grad (torch.no_grad)."""
    return _GradMode(False)


def enable_grad() -> _GradMode:
    return _GradMode(True)


def is_grad_enabled() -> bool:
    return _grad_enabled


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
    PyTorch runs its highest first. `_retained` is a weak reference to the output tensor once it calls
    retain_grad(); `_mark` and `_acc` are one backward walk's bookkeeping.

    Ops make a node as a plain instance of its layout's class (one class for every row of up to two inputs without
    parameters) and it takes its grad_fn's class, a subclass of that, when a user first sees it (`_named`): Python
    specialises an attribute load or store on one class, so the operators' and the walk's attribute sites missed
    every other time while they alternated between MulBackward0 and AddBackward0 (~15% of a scalar graph's time).
    """

    __slots__ = ("op", "out", "seq", "_retained", "_mark", "_acc", "d0", "e0")
    params = _NO_PARAMS

    def name(self) -> str:
        return self.op.grad_fn

    def _inputs(self) -> tuple[tuple, tuple]:
        """(edges, data), one entry per input."""
        arity = self.op.arity
        if arity == 1:
            return (self.e0,), (self.d0,)
        if arity == 2:
            return (self.e0, self.e1), (self.d0, self.d1)
        return (self.e0, self.e1, self.e2), (self.d0, self.d1, self.d2)

    @property
    def next_functions(self) -> tuple:
        """(grad_fn, 0) per listed input: AccumulateGrad for a leaf requiring grad, None for a tensor without grad
        or a Python number (an edge of None)."""
        edges, listed = self._inputs()[0], self.op.listed
        return tuple(((_named(e) if type(e) is not Tensor else _AccumulateGrad(e) if e._requires_grad else None), 0)
                     for e in (edges if listed is None else [edges[i] for i in listed]))

    @property
    def args(self) -> tuple:
        """The inputs, for tools that draw the graph: a leaf tensor as itself, a non-leaf as its tensor if that called
        retain_grad() and is alive (else rebuilt from the data the node keeps), a Python number as itself; None for
        what the node keeps as a shape only or a backward without retain_graph has freed."""
        return tuple(e if type(e) is Tensor else d if e is None else
                     (e._retained and e._retained()) or (None if d is None or _is_hollow(d) else Tensor(d, True, e))
                     for e, d in zip(*self._inputs()))

    def __repr__(self) -> str:
        return f"<{self.op.grad_fn} object at {hex(id(self))}>"


class _AccumulateGrad:
    __slots__ = ("variable",)

    def __init__(self, variable: "Tensor"):
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    next_functions = ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


_EXTRA_SLOTS = {1: ("d1", "e1"), 2: ("d1", "e1"), 3: ("d1", "e1", "d2", "e2")}  # one layout for 1 and 2 inputs
_LAYOUTS: dict[tuple, type] = {}  # slots -> the plain class ops make nodes of
_BY_GRAD_FN: dict[str, type] = {}  # grad_fn name -> the class users see, a subclass of its layout's
_NODE_CLASSES: dict[str, type] = {}  # row name -> the plain class its nodes are made of


def _node_class(op: Op) -> type:
    """The plain class of `op`'s nodes, made with its layout's and grad_fn's classes if they are new."""
    layout = _EXTRA_SLOTS[op.arity] + (("params",) if op.params else ())
    plain = _LAYOUTS.setdefault(layout, type("Node", (Node,), {"__slots__": layout}))
    cls = _BY_GRAD_FN.setdefault(op.grad_fn, type(op.grad_fn or "Node", (plain,), {"__slots__": ()}))
    assert cls.__base__ is plain, f"rows named {op.grad_fn} differ in layout"
    return plain


for _op in OPS.values():
    if _op.via is None:  # a `via` row makes the nodes of the rows it composes
        _NODE_CLASSES[_op.name] = _node_class(_op)
_PLAIN = set(_LAYOUTS.values())


def _named(node: Optional[Node]) -> Optional[Node]:
    """The node as users see it, of its grad_fn's class (PyTorch's, MulBackward0 ...); the same layout, so the
    object changes class in place."""
    if type(node) in _PLAIN:
        node.__class__ = _BY_GRAD_FN[node.op.grad_fn]
    return node


class Tensor:
    """A value and its place in the autograd graph; mirrors torch.Tensor's autograd surface."""

    # `_mark` and `_acc`: a leaf's bookkeeping in one backward walk, as a Node's. Only __init__ makes leaves; the
    # tensors ops make with a grad_fn never lack a grad_fn, so they are never a walk's vertex and skip the store.
    # `_node`: the grad_fn, plain as ops make it (`Node`); `grad_fn` gives it its class.
    __slots__ = ("data", "_requires_grad", "_node", "_grad", "_retains_grad", "_mark", "_acc", "__weakref__")
    __array_priority__ = 1000  # `ndarray * Tensor` defers to Tensor.__rmul__

    def __init__(self, data, requires_grad: bool = False, grad_fn: Optional[Node] = None):
        self.data, self._requires_grad, self._node = data, requires_grad, grad_fn
        self._grad: Optional[Tensor] = None
        self._retains_grad = False
        self._mark = None

    # ---- autograd attributes -----------------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._set_requires_grad(value, "only Tensors of floating point and complex dtype can require gradients")

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self._set_requires_grad(requires_grad, "only Tensors of floating point dtype can require gradients")
        return self

    def _set_requires_grad(self, value: bool, int_message: str) -> None:
        if self._node is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in "
                "a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
        if value and not self.dtype.is_floating_point:
            raise RuntimeError(int_message)
        if self._node is None:
            self._requires_grad = bool(value)

    @property
    def grad_fn(self) -> Optional[Node]:
        return _named(self._node)

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._node is not None:
            self._retains_grad = True
            self._node._retained = weakref.ref(self)  # weak: the node must not keep its output alive

    @property
    def grad(self) -> Optional["Tensor"]:
        if self._node is not None and not self._retains_grad:
            warnings.warn(NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Optional["Tensor"]) -> None:
        if value is not None and value.shape != self.shape:
            raise RuntimeError(
                f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of size "
                f"'{list(self.shape)}'. Please ensure that the gradient and the tensor are the same size")
        self._grad = value

    def detach(self) -> "Tensor":
        return Tensor(self.data)

    def backward(self, gradient=None, retain_graph: Optional[bool] = None, create_graph: bool = False,
                 inputs: Optional[Sequence["Tensor"]] = None) -> None:
        if create_graph:
            warnings.warn(CREATE_GRAPH_WARNING, UserWarning, stacklevel=2)
        _backward._run_backward([self], [gradient], retain_graph, create_graph, inputs, capture=None)

    # ---- values ------------------------------------------------------------------------------------------------
    @property
    def dtype(self) -> dtype:
        return _DTYPES[self.data.dtype]

    @property
    def shape(self) -> tuple:
        return np.shape(self.data)

    @property
    def T(self) -> "Tensor":
        return FUNCTIONS["transpose"](self)

    def size(self) -> tuple:
        return self.shape

    def dim(self) -> int:
        return np.ndim(self.data)

    def numel(self) -> int:
        return int(np.size(self.data))

    def item(self):
        if np.size(self.data) != 1:
            raise RuntimeError(f"a Tensor with {np.size(self.data)} elements cannot be converted to Scalar")
        return np.asarray(self.data).reshape(()).item()

    def tolist(self):
        return np.asarray(self.data).tolist()

    def numpy(self) -> np.ndarray:
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return np.asarray(self.data)

    def zero_(self) -> "Tensor":
        self.data = np.zeros_like(self.data)[()]
        return self

    def __repr__(self) -> str:
        from .printing import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __len__(self) -> int:
        return self.shape[0]

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data)

    def __hash__(self) -> int:  # tensors are compared by identity in graphs, as in PyTorch
        return id(self)

    # ---- operators: one-line delegations to the table's front ops ------------------------------------------------
    # __add__, __radd__, __sub__, __mul__, __rmul__, __truediv__: made from the rows below the class (`_operator`)
    # the operator's meaning, not torch.sub's (torch.sub(2, x) is SubBackward0): `2 - x` → RsubBackward1
    def __rsub__(self, other): return FUNCTIONS["sub"](other, self)
    def __rtruediv__(self, other): return FUNCTIONS["div"](other, self)  # 1 / x → reciprocal(x) * 1: two nodes
    def __pow__(self, other): return pow(self, other)
    def __rpow__(self, other): return pow(other, self)  # 2 ** x → PowBackward2
    def __matmul__(self, other): return matmul(self, other)
    def __rmatmul__(self, other): return matmul(other, self)
    def __neg__(self): return apply(OPS["neg"], (self,), _NO_PARAMS)
    def __pos__(self): return self
    def __abs__(self): return abs(self)
    def __gt__(self, other): return gt(self, other)
    def __ge__(self, other): return ge(self, other)
    def __lt__(self, other): return lt(self, other)
    def __le__(self, other): return le(self, other)

    def __eq__(self, other):  # elementwise, as torch; not differentiable
        return Tensor(np.equal(self.data, _data(other)))

    def __ne__(self, other):
        return Tensor(np.not_equal(self.data, _data(other)))

    def __and__(self, other):
        return Tensor(np.logical_and(self.data, _data(other)))

    __rand__ = __and__


def _data(value):
    return value.data if isinstance(value, Tensor) else value


def _ndim(value) -> Optional[int]:
    """None for a Python number (bool included: `x ** True` is PowBackward0 in PyTorch), else the array's rank."""
    if type(value) is Tensor:
        try:
            return value.data.ndim  # NumPy arrays and scalars
        except AttributeError:
            return np.ndim(value.data)
    if isinstance(value, (int, float)) and not isinstance(value, np.generic):
        return None
    return np.ndim(value)


# NumPy reports 1/0, overflow and nan by warning; PyTorch never does, so every op runs with NumPy's errors ignored.
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
    loaded = set(code.co_cellvars) | {i.argval for i in dis.get_instructions(code)
                                      if i.opname in ("LOAD_FAST", "LOAD_CLOSURE", "LOAD_DEREF")}
    return tuple(name in loaded for name in code.co_varnames[2:3 + op.arity])


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


def _result_dtype(values) -> Optional[np.dtype]:
    """PyTorch's result dtype for these operands: tensors by their dtype and rank, Python numbers as they are."""
    return result_type([(v.data.dtype, np.ndim(v.data)) if type(v) is Tensor else v for v in values],
                       _default_dtype.np)


def _torch_typed(compute, args, datas: list, params: dict, out, scalars=()):
    """`out` in the dtype PyTorch gives, where NumPy promotes otherwise: int64 with 1.5 or a float32 tensor is
    float64 in NumPy and float32 in PyTorch; sin of an int is float64, of a bool float16, and the default float in
    PyTorch. The tensors are cast to PyTorch's dtype and the op runs again, so the answer is computed in that dtype
    as PyTorch computes it; a bool condition stays as it is where other tensors carry the values (`where`).
    `scalars`: parameters that are operands too (clamp's bounds), unlike a dim or a shape."""
    want = _result_dtype([*args, *scalars])
    if out.dtype.kind == "f" and want.kind != "f":  # the op makes floats of integers: the default float dtype
        want = _default_dtype.np
    elif out.dtype.kind == "i" and want.kind == "b":  # the op counts bools (sum): int64, as PyTorch's sum
        want = int64.np
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
    if not (x._requires_grad and _grad_enabled and op.grad_fn):
        return Tensor(out)
    node = _NODE_CLASSES[op.name]()
    node.op, node.seq = op, _next_seq()
    node._retained = node._mark = None
    node.e0 = x._node or x
    if type(out) is _ndarray or type(d) is _ndarray:
        _keep(node, op, out, (d,))
    else:
        node.out, node.d0 = out, d
    t = _new(Tensor)
    t.data, t._requires_grad, t._node = out, True, node
    t._grad, t._retains_grad = None, False
    return t


def _apply(op: Op, args: tuple, params: dict) -> Tensor:
    datas = [a.data if type(a) is Tensor else a for a in args]
    token = _quiet(_IGNORE)
    try:
        out = op.forward(*datas, **params) if params else op.forward(*datas)  # `**{}` alone costs ~0.2 µs
        dtype = out.dtype
        for a in args:
            if type(a) is Tensor and a.data.dtype != dtype:
                out = _torch_typed(op.forward, args, datas, params, out, params.values() if op.elementwise else ())
                break
    finally:
        _restore(token)
    if not (_grad_enabled and op.grad_fn):
        return Tensor(out)
    for a in args:  # a loop, not any(): a generator costs more than a scalar op
        if type(a) is Tensor and a._requires_grad:
            break
    else:
        return Tensor(out)
    # The node and its tensor are filled in here rather than by __init__: no Python frame per object.
    node = _NODE_CLASSES[op.name]()  # no __init__: the call makes an empty instance
    node.op, node.seq = op, _next_seq()  # at most three targets a line: four or more build and unpack a tuple
    node._retained = node._mark = None
    if op.params:
        node.params = params
    arity = op.arity
    a = args[0]
    node.e0 = ((a._node or a) if a._requires_grad else a) if type(a) is Tensor else None
    if arity > 1:
        a = args[1]
        node.e1 = ((a._node or a) if a._requires_grad else a) if type(a) is Tensor else None
        if arity > 2:
            a = args[2]
            node.e2 = ((a._node or a) if a._requires_grad else a) if type(a) is Tensor else None
    if type(out) is _ndarray or type(datas[0]) is _ndarray:
        _keep(node, op, out, datas)
    else:  # scalars: keeping them all costs less than choosing
        node.out, node.d0 = out, datas[0]
        if arity > 1:
            node.d1 = datas[1]
            if arity > 2:
                node.d2 = datas[2]
    t = _new(Tensor)
    t.data, t._requires_grad, t._node = out, True, node
    t._grad, t._retains_grad = None, False
    return t


def _front(spelling: str, sig: _ops.Signature, function: bool, method: bool = False):
    """The library function for a user-facing op: positional extras become parameters, then the overload row runs.

    `function`: torch's function (or `method`), as the library exports it and `run` calls it. A Python number first
    stays first where PyTorch takes one (`torch.sub(2, x)`: SubBackward0) and is PyTorch's TypeError where it takes a
    tensor, numbers alone make a tensor of PyTorch's dtype (`torch.add(2, 3)`: int64) and keepdim without a dim is
    PyTorch's TypeError. Otherwise the op as Python's operators and the check language mean it: the number moves last
    (`2 - x`: rsub(x, 2); `2 + x`: add(x, 2)).
    """
    name, arity, names = sig.name, sig.arity, sig.params

    # torch's functions take a Tensor first: add/sub/mul/div wrap a number (`number_input`), pow has a Number-self
    # overload, and where's condition is left as the library has always taken it (`tensor_first`)
    tensor_first = function and not method and sig.tensor_first and not sig.number_input

    def general(*args, **params):
        if function and sig.dim_row and "keepdim" in params and "dim" not in params and len(args) <= arity:
            raise TypeError(no_overload(spelling, name, args[method:], params, method))
        if tensor_first and args and type(args[0]) is not Tensor:
            if not sig.lists_overloads:
                raise TypeError(not_a_tensor(spelling, args[0]))
            if not (sig.number_self and type(args[1]) is Tensor):  # pow(2, x) is pow's Number-self overload
                raise TypeError(no_overload(spelling, name, args, params, False))
        if len(args) > arity:
            params.update(zip(names, args[arity:]))
            args = args[:arity]
        if params:  # min=None is no bound; dim=None stays, as it picks sum's and mean's dim overload in PyTorch
            params = {k: v for k, v in params.items() if v is not None or k == "dim"}
        op, resolved, params = _ops.resolve(name, args, params, _ndim, function)
        if op.via is not None:
            return op.via(_F, *resolved)
        if function and sig.number_input and Tensor not in (type(resolved[0]), type(resolved[1])):
            return _numbers(op, resolved, params)
        return apply(op, resolved, params)

    front = general
    if sig.single:
        row = sig.row

        def front(*args, **params):  # a row without overloads: the row resolve would give, without the call
            if params or len(args) != arity or tensor_first and type(args[0]) is not Tensor:
                return general(*args, **params)
            return apply(OPS[row], args, _NO_PARAMS)

    front.__name__ = front.__qualname__ = sig.name
    front.__doc__ = f"`{sig.name}` from the op table (PyTorch semantics)."
    return front


def _numbers(op: Op, args: tuple, params: dict) -> Tensor:
    """A torch function of Python numbers alone (`torch.add(2, 3)`): PyTorch wraps each in a tensor, so the answer
    is a tensor of their result dtype (int64 for ints, the default float with a float, div's a float), computed in
    that dtype as PyTorch computes it."""
    want = _result_dtype(args)
    token = _quiet(_IGNORE)
    try:
        if op.forward(*args, **params).dtype.kind == "f":  # an op that makes floats of integers (div)
            want = want if want.kind == "f" else _default_dtype.np
        return Tensor(op.forward(*(want.type(a) for a in args), **params))
    finally:
        _restore(token)


def _internal(op: Op):
    """An internal row's function, for backward rules: its parameters positional after the tensor."""
    return lambda x, *params: apply(op, (x,), dict(zip(op.params, params)))


# The table's front ops as Python's operators and the check language mean them (its programs run on these), and as
# torch's functions: the library's `diffcheck.sub`, ... and `run`'s `torch.sub`. They differ only on Python numbers.
FUNCTIONS: dict = {}
TORCH_FUNCTIONS: dict = {}
_F = types.SimpleNamespace()  # what a `via` row composes: FUNCTIONS by name
_MADE: dict = {}  # spelling -> the Signature (internal row: the Op) its functions were made from
_METHODS: set = set()  # Tensor's methods made here


def _forget(spelling: str) -> None:
    """A spelling the table no longer has (or has anew): its functions, module name and method go."""
    del _MADE[spelling], FUNCTIONS[spelling]
    if spelling in TORCH_FUNCTIONS:
        del TORCH_FUNCTIONS[spelling]
        globals().pop(spelling, None)
    if spelling in _METHODS:
        _METHODS.discard(spelling)
        delattr(Tensor, spelling)


def _make(spelling: str, made) -> None:
    """A spelling's functions: as the check language means it, as torch's (a module name too) and as a method."""
    _MADE[spelling] = made
    if isinstance(made, Op):
        FUNCTIONS[spelling] = _internal(made)
        return
    FUNCTIONS[spelling] = _front(spelling, made, False)
    TORCH_FUNCTIONS[spelling] = globals()[spelling] = _front(spelling, made, True)  # diffcheck.sin ... as torch
    if _ops.dispatch.SPELLINGS[spelling].method:
        _METHODS.add(spelling)
        setattr(Tensor, spelling, _front(spelling, made, True, method=True))


def _sync() -> None:
    """Follow the table (called again whenever it changes): every row's node class, every spelling's functions
    and Tensor method, every internal row's function for backward rules; what left the table goes."""
    for name in [name for name in _NODE_CLASSES if name not in OPS]:
        del _NODE_CLASSES[name]
    for op in OPS.values():
        if op.via is None and op.name not in _NODE_CLASSES:
            _NODE_CLASSES[op.name] = _node_class(op)
    _PLAIN.update(_LAYOUTS.values())
    _kept.cache_clear()
    wanted = {**_ops.SIGNATURES, **{op.name: op for op in OPS.values() if op.internal}}
    for spelling in [s for s, made in _MADE.items() if wanted.get(s) is not made]:
        _forget(spelling)
    for spelling, made in wanted.items():
        if spelling not in _MADE:
            _make(spelling, made)
    _F.__dict__.clear()
    _F.__dict__.update(FUNCTIONS)


_NUMBERS = frozenset({int, float})


def _operator(name: str, compute):
    """Tensor's method for `+ - * /`, `apply` specialised: with a Tensor or Python number on the other side, the row
    runs directly (these rows have no overloads there); anything else goes through the front op.

    Python's operator on NumPy data gives the row's ufunc answer bit for bit, types and errors included, without the
    ufunc call's overhead, which is most of a scalar op's cost. A float64 scalar with a float64 or Python number goes
    through Python's own float arithmetic (the same IEEE operation, on the operands as exact Python floats: a float64
    would dispatch to NumPy's scalar maths, which reads the error state) and needs no error state at all: only
    division by zero and out-of-range integers raise there, and those take NumPy's path. Operands of different
    dtypes, or that NumPy refuses, go through the front op: PyTorch's promotion and refusals are the row's.
    tests/test_engine_scale.py checks both shortcuts against `apply` running the row, bit for bit.
    """
    op, front, cls = OPS[name], FUNCTIONS[name], _NODE_CLASSES[name]

    def method(self, other):
        kind = type(other)
        if kind is Tensor:
            db, rb = other.data, other._requires_grad
        elif kind in _NUMBERS:
            db, rb = other, False
        else:
            return front(self, other)
        da, out = self.data, None
        if type(da) is _float64 and (kind is not Tensor or type(db) is _float64):
            try:
                out = _float64(compute(float(da), float(db)))
            except (ZeroDivisionError, OverflowError):
                pass
        if out is None:
            token = _quiet(_IGNORE)
            try:
                out = compute(da, db)
            except (TypeError, ValueError, OverflowError):  # the row raises PyTorch's error first (bool - bool ...)
                out = None
            finally:
                _restore(token)
            if out is None or da.dtype != out.dtype or kind is Tensor and db.dtype != out.dtype:
                return front(self, other)
        ra = self._requires_grad
        if (ra or rb) and _grad_enabled:
            node = cls()
            node.op, node.seq = op, _next_seq()
            node._retained = node._mark = None
            node.e0 = (self._node or self) if ra else self
            node.e1 = ((other._node or other) if rb else other) if kind is Tensor else None
            if type(out) is _ndarray:
                _keep(node, op, out, (da, db))
            else:
                node.out, node.d0, node.d1 = out, da, db
            t = _new(Tensor)
            t.data, t._requires_grad, t._node = out, True, node
            t._grad, t._retains_grad = None, False
            return t
        return Tensor(out)

    method.__name__ = method.__qualname__ = f"__{name.replace('div', 'truediv')}__"
    return method


_sync()
_ops.subscribe(_sync)
for _symbol in ("+", "-", "*", "/"):  # the rows of these operators have no overload between two tensors
    _name = _ops.dispatch.BINARY[_symbol]
    setattr(Tensor, f"__{_name.replace('div', 'truediv')}__", _operator(_name, _ops.dispatch.PYTHON[_symbol]))
# `2 + x` and `2 * x` are x.__radd__(2) and x.__rmul__(2): torch.add(x, 2) and torch.mul(x, 2), x first as in PyTorch
Tensor.__radd__, Tensor.__rmul__ = Tensor.__add__, Tensor.__mul__


def tensor(data, dtype: Optional[dtype] = None, requires_grad: bool = False) -> Tensor:
    """Build a leaf tensor from a number or nested list, as torch.tensor (default dtype float32)."""
    if isinstance(data, Tensor):
        data = data.data
    array = np.asarray(data)
    if dtype is None:
        kind = array.dtype.kind
        dtype = bool_ if kind == "b" else int64 if kind in "iu" else _default_dtype
    if requires_grad and not dtype.is_floating_point:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    token = _quiet(_IGNORE)  # 1e308 as float32 is inf, as in PyTorch, without NumPy's warning
    try:
        return Tensor(array.astype(dtype.np)[()], bool(requires_grad))
    finally:
        _restore(token)


def ones(*shape, dtype: Optional[dtype] = None, requires_grad: bool = False) -> Tensor:
    return tensor(np.ones(shape), dtype=dtype or _default_dtype, requires_grad=requires_grad)


def zeros(*shape, dtype: Optional[dtype] = None, requires_grad: bool = False) -> Tensor:
    return tensor(np.zeros(shape), dtype=dtype or _default_dtype, requires_grad=requires_grad)


# The backward pass lives in its own room, which imports this module: it is read on use, not at import, so either
# module may be imported first. Its names stay importable from here, as in torch.autograd.
from . import backward as _backward  # noqa: E402


def __getattr__(name: str):
    if name in ("_NUMPY_F", "_TENSOR_F", "autograd", "grad"):
        return getattr(_backward, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
