"""The Tensor: a value and its place in the autograd graph, with torch.Tensor's autograd surface."""

from __future__ import annotations

import warnings
import weakref
from typing import Optional, Sequence

import numpy as np

from ..ops import OPS
from . import dtypes as _dtypes
from .dtypes import _DTYPES, dtype
from .messages import CREATE_GRAPH_WARNING, FLOAT_WARNING, NONLEAF_GRAD_WARNING
from .node import _NO_PARAMS, Node, _named
from .parameters import is_parameter
from .versions import version

_FLOAT_WARNED = False  # PyTorch warns once per process (TORCH_WARN_ONCE)


def _warned_float() -> None:
    global _FLOAT_WARNED
    _FLOAT_WARNED = True


class Tensor:
    """A value and its place in the autograd graph; mirrors torch.Tensor's autograd surface."""

    # `_mark` and `_acc`: a leaf's bookkeeping in one backward walk, as a Node's. Only __init__ makes leaves; the
    # tensors ops make with a grad_fn never lack a grad_fn, so they are never a walk's vertex and skip the store.
    # `_node`: the grad_fn, plain as ops make it (`Node`); `grad_fn` gives it its class.
    # `_vc`: the version counter, None until one is needed, or the base tensor of a view (versions.py).
    __slots__ = (
        "data",
        "_requires_grad",
        "_node",
        "_grad",
        "_retains_grad",
        "_mark",
        "_acc",
        "_vc",
        "_hooks",
        "__weakref__",
    )
    __array_priority__ = 1000  # `ndarray * Tensor` defers to Tensor.__rmul__

    def __init__(self, data, requires_grad: bool = False, grad_fn: Optional[Node] = None):
        self.data, self._requires_grad, self._node = data, requires_grad, grad_fn
        self._grad: Optional[Tensor] = None
        self._retains_grad = False
        self._mark = self._vc = None
        if _dtypes._inference:
            _dtypes.made_in_inference(self)

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
        if value and not _dtypes._inference and _dtypes.is_inference(self):
            raise RuntimeError(_dtypes.NO_REQUIRES_GRAD)
        if self._node is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in "
                "a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        if value and not self.dtype.is_floating_point:
            raise RuntimeError(int_message)
        if self._node is None:
            self._requires_grad = bool(value)

    @property
    def grad_fn(self) -> Optional[Node]:
        if type(self._vc) is Tensor:  # a view of a base changed in place: its grad_fn regenerated (engine/views.py)
            _views.fresh((self,))
        return _named(self._node)

    @property
    def is_leaf(self) -> bool:
        if type(self._vc) is Tensor:
            _views.fresh((self,))
        return self._node is None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        _views.fresh((self,))
        if self._node is not None:
            self._retains_grad = True
            self._node._retained = weakref.ref(self)  # weak: the node must not keep its output alive

    def register_hook(self, hook):
        """hook(grad) on this tensor's gradient before it is used; a tensor it returns replaces it (hooks.py)."""
        return _hooks.register_tensor_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor) on a leaf after its .grad is accumulated."""
        return _hooks.register_post_accumulate_grad_hook(self, hook)

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
                f"'{list(self.shape)}'. Please ensure that the gradient and the tensor are the same size"
            )
        from .accumulate import check_assigned

        check_assigned(self, value)
        self._grad = value

    @property
    def grad_dtype(self):
        """The dtype backward casts this leaf's gradient to (PyTorch 2.13): its own dtype unless set; None: any."""
        from .accumulate import grad_dtype

        return grad_dtype(self)

    @grad_dtype.setter
    def grad_dtype(self, value) -> None:
        from .accumulate import set_grad_dtype

        if value is not None and not isinstance(value, dtype):
            raise RuntimeError(f"grad_dtype must be a torch.dtype or None, but got {type(value).__name__}")
        set_grad_dtype(self, value)

    def detach(self) -> "Tensor":
        """A leaf on the same storage and version counter: an in-place change of either is the other's too."""
        return _inplace.alias(self, Tensor(self.data))

    def backward(
        self,
        gradient=None,
        retain_graph: Optional[bool] = None,
        create_graph: bool = False,
        inputs: Optional[Sequence["Tensor"]] = None,
    ) -> None:
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
        return _inplace.apply_inplace(self, _front.FUNCTIONS["zero"])

    def add_(self, other, alpha=1):
        return _inplace.apply_inplace(self, lambda a, b: a + b * alpha if alpha != 1 else a + b, other)

    def sub_(self, other, alpha=1):
        return _inplace.apply_inplace(self, lambda a, b: a - b * alpha if alpha != 1 else a - b, other)

    def mul_(self, other):
        return _inplace.apply_inplace(self, lambda a, b: a * b, other)

    def div_(self, other):
        return _inplace.apply_inplace(self, lambda a, b: a / b, other)

    def clamp_(self, min=None, max=None):
        return _inplace.apply_inplace(self, lambda a: _front.clamp(a, min=min, max=max))

    # `x += y` is `x.add_(y)`, as torch.Tensor has it: in place, with its refusals
    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def fill_(self, value):
        return _inplace.fill_(self, value)

    def copy_(self, src):
        return _inplace.copy_(self, src)

    def index_add_(self, dim, index, source, alpha=1):
        return _inplace.apply_inplace(self, lambda a, i, s: _front.index_add(a, dim, i, s, alpha=alpha), index, source)

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor (or its base, or a view of it) has had."""
        if _dtypes._inference_made and _dtypes.is_inference(self):
            raise RuntimeError(_dtypes.NO_VERSION)
        return version(self)

    def is_inference(self) -> bool:
        """Made in inference mode (torch.inference_mode)."""
        return _dtypes.is_inference(self)

    @property
    def _base(self) -> Optional["Tensor"]:
        """The tensor this one is a view of; None if it is not a view."""
        vc = self._vc
        return vc if type(vc) is Tensor else None

    def __repr__(self) -> str:
        from .printing import tensor_repr

        return ("Parameter containing:\n" if is_parameter(self) else "") + tensor_repr(self)

    __str__ = __repr__

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        """unbind(0), as PyTorch's Tensor.__iter__: the rows are views with UnbindBackward0."""
        if not self.shape:
            raise TypeError("iteration over a 0-d tensor")
        return iter(_front.FUNCTIONS["unbind"](self, 0))

    def __getitem__(self, key) -> "Tensor":
        return _indexing.getitem(self, key)  # SelectBackward0, SliceBackward0 ... as PyTorch (engine/indexing.py)

    def __setitem__(self, key, value) -> None:
        _indexing.setitem(self, key, value)  # in place: CopySlices / IndexPutBackward0

    def __bool__(self) -> bool:
        if np.size(self.data) != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(np.asarray(self.data).reshape(()))

    def __float__(self) -> float:
        if np.size(self.data) != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if self._requires_grad and not _FLOAT_WARNED:
            _warned_float()
            warnings.warn(FLOAT_WARNING, UserWarning, stacklevel=2)
        return float(np.asarray(self.data).reshape(()))

    def __int__(self) -> int:
        if np.size(self.data) != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(np.asarray(self.data).reshape(()))

    def __hash__(self) -> int:  # tensors are compared by identity in graphs, as in PyTorch
        return id(self)

    # ---- operators: one-line delegations to the table's front ops ------------------------------------------------
    # __add__, __radd__, __sub__, __mul__, __rmul__, __truediv__: made from the rows below the class (`_operator`)
    # the operator's meaning, not torch.sub's (torch.sub(2, x) is SubBackward0): `2 - x` → RsubBackward1
    def __rsub__(self, other):
        return _front.FUNCTIONS["sub"](other, self)

    def __rtruediv__(self, other):
        return _front.FUNCTIONS["div"](other, self)  # 1 / x → reciprocal(x) * 1: two nodes

    def __pow__(self, other):
        return _front.pow(self, other)

    def __rpow__(self, other):
        return _front.pow(other, self)  # 2 ** x → PowBackward2

    def __mod__(self, other):
        return _front.FUNCTIONS["remainder"](self, other)

    def __rmod__(self, other):
        return _front.FUNCTIONS["remainder"](other, self)  # 2 % x: remainder(Scalar, Tensor), no derivative

    def __floordiv__(self, other):
        return _front.FUNCTIONS["floor_divide"](self, other)

    def __rfloordiv__(self, other):
        return _front.FUNCTIONS["floor_divide"](other, self)

    def __matmul__(self, other):
        return _front.matmul(self, other)

    def __rmatmul__(self, other):
        return _front.matmul(other, self)

    def __neg__(self):
        return _front.apply(OPS["neg"], (self,), _NO_PARAMS)

    def __pos__(self):
        return self

    def __abs__(self):
        return _front.abs(self)

    def __gt__(self, other):
        return _front.gt(self, other)

    def __ge__(self, other):
        return _front.ge(self, other)

    def __lt__(self, other):
        return _front.lt(self, other)

    def __le__(self, other):
        return _front.le(self, other)

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


# The table's functions and the backward pass, which import this module: read on use, not at import.
from . import front as _front, backward as _backward, inplace as _inplace, indexing as _indexing  # noqa: E402
from . import views as _views  # noqa: E402
from . import hooks as _hooks  # noqa: E402
