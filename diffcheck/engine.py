"""The reverse-mode engine: a NumPy-backed Tensor with PyTorch's autograd semantics, driven by the op table."""
from __future__ import annotations

import math
import types
import warnings
from typing import Any, Iterable, Optional, Sequence

import numpy as np

from . import ops as _ops
from .ops import OPS, Op

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


class Node:
    """A grad_fn: the op row, the arguments it saved, and whether backward freed them. One subclass per grad_fn name."""

    __slots__ = ("op", "args", "params", "freed")

    def __init__(self, op: Op, args: tuple, params: dict):
        self.op, self.args, self.params, self.freed = op, args, params, False

    def name(self) -> str:
        return self.op.grad_fn

    @property
    def next_functions(self) -> tuple:
        return tuple(((a.grad_fn or _AccumulateGrad(a)) if a._requires_grad else None, 0)
                     for a in self.args if isinstance(a, Tensor))

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


_NODE_CLASSES = {}
for _op in OPS.values():
    _NODE_CLASSES[_op.name] = _NODE_CLASSES.get(_op.grad_fn) or type(_op.grad_fn or "Node", (Node,), {"__slots__": ()})


class Tensor:
    """A value and its place in the autograd graph; mirrors torch.Tensor's autograd surface."""

    __slots__ = ("data", "_requires_grad", "grad_fn", "_grad", "_retains_grad")
    __array_priority__ = 1000  # `ndarray * Tensor` defers to Tensor.__rmul__

    def __init__(self, data, requires_grad: bool = False, grad_fn: Optional[Node] = None):
        self.data, self._requires_grad, self.grad_fn = data, requires_grad, grad_fn
        self._grad: Optional[Tensor] = None
        self._retains_grad = False

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
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in "
                "a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
        if value and not self.dtype.is_floating_point:
            raise RuntimeError(int_message)
        if self.grad_fn is None:
            self._requires_grad = bool(value)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self._retains_grad = True

    @property
    def grad(self) -> Optional["Tensor"]:
        if self.grad_fn is not None and not self._retains_grad:
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
        _run_backward([self], [gradient], retain_graph, create_graph, inputs, capture=None)

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
        from .tensor_repr import tensor_repr
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
    def __add__(self, other): return add(self, other)
    def __radd__(self, other): return add(other, self)
    def __sub__(self, other): return sub(self, other)
    def __rsub__(self, other): return sub(other, self)  # 2 - x → RsubBackward1
    def __mul__(self, other): return mul(self, other)
    def __rmul__(self, other): return mul(other, self)
    def __truediv__(self, other): return div(self, other)
    def __rtruediv__(self, other): return div(other, self)  # 1 / x → reciprocal(x) * 1: MulBackward0
    def __pow__(self, other): return pow(self, other)
    def __rpow__(self, other): return pow(other, self)  # 2 ** x → PowBackward2
    def __matmul__(self, other): return matmul(self, other)
    def __rmatmul__(self, other): return matmul(other, self)
    def __neg__(self): return neg(self)
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
    if isinstance(value, Tensor):
        return np.ndim(value.data)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float)):
        return np.ndim(value)
    return None


def apply(op: Op, args: tuple, params: dict) -> Tensor:
    """Run one table row forward and, if grad mode is on and an input requires grad, record its node."""
    with np.errstate(all="ignore"):
        out = op.forward(*[a.data if type(a) is Tensor else a for a in args], **params)
    if _grad_enabled and op.grad_fn and any(type(a) is Tensor and a._requires_grad for a in args):
        return Tensor(out, True, _NODE_CLASSES[op.name](op, args, params))
    return Tensor(out)


def _front(sig: _ops.Signature):
    """The library function for a user-facing op: positional extras become parameters, then the overload row runs."""

    def function(*args, **params):
        params.update(zip(sig.params, args[sig.arity:]))
        params = {k: v for k, v in params.items() if v is not None}
        op, resolved, params = _ops.resolve(sig.name, args[:sig.arity], params, _ndim)
        return apply(op, resolved, params)

    function.__name__ = function.__qualname__ = sig.name
    function.__doc__ = f"`{sig.name}` from the op table (PyTorch semantics)."
    return function


FUNCTIONS = {spelling: _front(sig) for spelling, sig in _ops.SIGNATURES.items()}
for _name in ("expand", "sum_to", "reshape", "transpose"):
    FUNCTIONS[_name] = (lambda op: lambda x, *a: apply(op, (x,), dict(zip(op.params, a))))(OPS[_name])
globals().update({name: FUNCTIONS[name] for name in _ops.SIGNATURES})  # diffcheck.sin, diffcheck.pow, ... as torch

for _name in ("pow", "exp", "log", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "abs", "sqrt", "square", "sum", "mean",
              "clamp", "clip", "reciprocal", "log1p", "expm1", "sinh", "cosh", "asin", "acos", "atan", "maximum",
              "minimum", "matmul", "neg", "add", "sub", "mul", "div"):
    setattr(Tensor, _name, FUNCTIONS[_name])


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
    return Tensor(array.astype(dtype.np)[()], bool(requires_grad))


def ones(*shape, dtype: Optional[dtype] = None, requires_grad: bool = False) -> Tensor:
    return tensor(np.ones(shape), dtype=dtype or _default_dtype, requires_grad=requires_grad)


def zeros(*shape, dtype: Optional[dtype] = None, requires_grad: bool = False) -> Tensor:
    return tensor(np.zeros(shape), dtype=dtype or _default_dtype, requires_grad=requires_grad)


# ---- backward --------------------------------------------------------------------------------------------------------
_NUMPY_F = types.SimpleNamespace(
    cos=np.cos, sin=np.sin, log=np.log, sqrt=np.sqrt, sign=np.sign, cosh=np.cosh, sinh=np.sinh,
    reciprocal=np.reciprocal, square=np.square, where=np.where, zeros_like=np.zeros_like, matmul=np.matmul,
    transpose=np.transpose, reshape=np.reshape, sigmoid=OPS["sigmoid"].forward,
    expand=_ops._expand, sum_to=_ops._sum_to, unsqueeze=lambda g, dim, keepdim, shape: _ops._unsqueeze_dim(g, shape, dim, keepdim))

_TENSOR_F = types.SimpleNamespace(
    **{name: FUNCTIONS[name] for name in ("cos", "sin", "log", "sqrt", "cosh", "sinh", "reciprocal", "square",
                                          "where", "matmul", "sigmoid", "expand", "sum_to", "reshape", "transpose")},
    sign=lambda x: Tensor(np.sign(x.data)),  # piecewise constant: its derivative is 0, so a constant is exact
    zeros_like=lambda x: Tensor(np.zeros_like(_data(x))),
    unsqueeze=lambda g, dim, keepdim, shape: g if keepdim else FUNCTIONS["reshape"](
        g, np.shape(_ops._unsqueeze_dim(np.empty(np.shape(g.data)), shape, dim, False))))


def _size(shape) -> str:
    return f"torch.Size({list(shape)})"


def _run_backward(roots: list, grad_roots: list, retain_graph: Optional[bool], create_graph: bool,
                  inputs: Optional[Iterable[Tensor]], capture: Optional[list]) -> Optional[list]:
    """Reverse-accumulate from `roots`: into `.grad` of leaves (and retained non-leaves), or into `capture`'s slots.

    Iterative (Kahn's algorithm over the tensors reachable through grad_fn), so depth is unlimited; tensors are keyed by
    identity, never by value; a tensor's gradient is complete before its node's rule runs.
    """
    if retain_graph is None:
        retain_graph = create_graph
    grads: dict[int, Any] = {}
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
        g = Tensor(g) if create_graph else g
        grads[id(root)] = grads[id(root)] + g if id(root) in grads else g

    pending: dict[int, int] = {}  # consumers not yet processed, per tensor
    stack, seen = list(roots), {id(r) for r in roots}
    while stack:
        node = stack.pop().grad_fn
        if node is None:
            continue
        for arg in node.args:
            if type(arg) is Tensor and arg._requires_grad:
                key = id(arg)
                pending[key] = pending.get(key, 0) + 1
                if key not in seen:
                    seen.add(key)
                    stack.append(arg)

    targets = None if inputs is None else {id(t) for t in inputs}
    wanted = None if capture is None else {id(t): i for i, t in enumerate(capture)}
    results = [None] * len(capture) if capture is not None else None
    F = _TENSOR_F if create_graph else _NUMPY_F
    ready = [r for r in {id(r): r for r in roots}.values() if pending.get(id(r), 0) == 0]
    with np.errstate(all="ignore"), _GradMode(create_graph):
        while ready:
            t = ready.pop()
            key = id(t)
            g = grads.pop(key, None)
            node = t.grad_fn
            if g is not None:
                if wanted is not None:
                    if key in wanted:
                        results[wanted[key]] = g if create_graph else Tensor(g.astype(t.data.dtype))
                elif (node is None or t._retains_grad) and (targets is None or key in targets):
                    _accumulate(t, g, create_graph)
            if node is None:
                continue
            if node.freed:
                raise RuntimeError(SECOND_BACKWARD)
            args = node.args
            if g is not None:
                if create_graph:
                    in_grads = node.op.vjp(F, g, t, *args, **node.params)
                else:
                    in_grads = node.op.vjp(F, g, t.data, *[a.data if type(a) is Tensor else a for a in args],
                                           **node.params)
            for arg, ga in zip(args, in_grads if g is not None else [None] * len(args)):
                if type(arg) is not Tensor or not arg._requires_grad:
                    continue
                k = id(arg)
                if ga is not None:
                    shape = np.shape(arg.data)
                    if (np.shape(ga.data) if create_graph else np.shape(ga)) != shape:
                        ga = F.sum_to(ga, shape)
                    grads[k] = grads[k] + ga if k in grads else ga
                pending[k] -= 1
                if pending[k] == 0:
                    ready.append(arg)
            if not retain_graph and node.op.saves:
                node.freed = True
    return results


def _accumulate(t: Tensor, g, create_graph: bool) -> None:
    """Add `g` into t.grad: a new tensor the first time, the same tensor object afterwards (as PyTorch)."""
    if create_graph:
        t._grad = g if t._grad is None else t._grad + g
        return
    g = g.astype(t.data.dtype)
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
