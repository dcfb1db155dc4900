"""The reverse-mode engine: a NumPy-backed Tensor with PyTorch's autograd semantics, driven by the op table.

dtypes (element types, grad mode) → node (grad_fn objects) → tensors (Tensor) → forward (`apply`: a row forward, its
node recorded) → front (the table's functions, Tensor's methods and operators) → backward (the walk, autograd.grad);
creation makes leaves, printing is PyTorch's repr. tensors is imported first: it imports front and backward, which
need its class, at its end.
"""

from .tensors import CREATE_GRAPH_WARNING, NONLEAF_GRAD_WARNING, Tensor, _ndim  # (first: see above)
from ..ops import OPS
from .backward import _NUMPY_F, _TENSOR_F, NO_GRAD_ROOT, NON_SCALAR_ROOT, SECOND_BACKWARD, autograd, grad
from .creation import full, linspace, ones, tensor, zeros
from .dtypes import (
    TORCH_DTYPES,
    _GradMode,
    bool_,
    dtype,
    enable_grad,
    float32,
    float64,
    inference_mode,
    int64,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
)
from .forward import _apply, _apply_tensor, apply
from .front import (
    FUNCTIONS,
    TORCH_FUNCTIONS,
    _front,
    keyword_refusal,
    no_overload,
    not_a_second_tensor,
    not_a_tensor,
    type_name,
    where_refusal,
)
from .node import Node
from .random import (
    Generator,
    dropout_noise,
    initial_seed,
    manual_seed,
    normal,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    seed,
)

# What other rooms and the library's users take from the engine (torch's function names are added by front.py).
__all__ = [
    "CREATE_GRAPH_WARNING",
    "FUNCTIONS",
    "NONLEAF_GRAD_WARNING",
    "NON_SCALAR_ROOT",
    "NO_GRAD_ROOT",
    "OPS",
    "SECOND_BACKWARD",
    "TORCH_DTYPES",
    "TORCH_FUNCTIONS",
    "Node",
    "Tensor",
    "_GradMode",
    "_NUMPY_F",
    "_TENSOR_F",
    "_apply",
    "_apply_tensor",
    "_front",
    "_ndim",
    "apply",
    "autograd",
    "bool_",
    "dropout_noise",
    "dtype",
    "enable_grad",
    "float32",
    "float64",
    "full",
    "grad",
    "int64",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "linspace",
    "no_grad",
    "keyword_refusal",
    "no_overload",
    "not_a_tensor",
    "where_refusal",
    "not_a_second_tensor",
    "ones",
    "tensor",
    "type_name",
    "zeros",
    "Generator",
    "initial_seed",
    "manual_seed",
    "normal",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "seed",
]
