"""The reverse-mode engine: a NumPy-backed Tensor with PyTorch's autograd semantics, driven by the op table.

dtypes (element types, grad mode) → node (grad_fn objects) → tensors (Tensor) → forward (`apply`: a row forward, its
node recorded) → front (the table's functions, Tensor's methods and operators) → backward (the walk, autograd.grad);
creation makes leaves, printing is PyTorch's repr. tensors is imported first: it imports front and backward, which
need its class, at its end.
"""
from .tensors import CREATE_GRAPH_WARNING, NONLEAF_GRAD_WARNING, Tensor, _ndim  # noqa: F401  (first: see above)
from ..ops import OPS  # noqa: F401
from .backward import _NUMPY_F, _TENSOR_F, NO_GRAD_ROOT, NON_SCALAR_ROOT, SECOND_BACKWARD, autograd, grad  # noqa: F401
from .creation import ones, tensor, zeros  # noqa: F401
from .dtypes import (TORCH_DTYPES, _GradMode, bool_, dtype, enable_grad, float32, float64, int64,  # noqa: F401
                     is_grad_enabled, no_grad)
from .forward import _apply, _apply_tensor, apply  # noqa: F401
from .front import FUNCTIONS, TORCH_FUNCTIONS, _front, no_overload, not_a_tensor, type_name  # noqa: F401
from .node import Node  # noqa: F401

