"""torch's random tensors: the same numbers PyTorch 2.13's CPU generator gives for the same seed and calls
(mt19937.py, boxmuller.py), as leaf tensors with PyTorch's dtypes, `requires_grad` and errors."""

from __future__ import annotations

from typing import Optional

import numpy as np

from . import boxmuller as _normal
from . import mt19937 as _generator
from . import dtypes as _dtypes
from .dtypes import _default_dtype, dtype, int64
from .tensors import Tensor
from .versions import bump

Generator = _generator.Generator
LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def manual_seed(seed: int) -> Generator:
    """Seed the global generator (torch.manual_seed), returning it."""
    return _generator.default_generator().manual_seed(seed)


def seed() -> int:
    """Seed the global generator from 64 bits of /dev/urandom (torch.seed), returning the seed."""
    return _generator.default_generator().seed()


def initial_seed() -> int:
    return _generator.default_generator().initial_seed()


def _shape(size: tuple) -> tuple:
    """torch's `*size`: rand(2, 3), rand((2, 3)) and rand([2, 3]) are one shape."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(int(n) for n in size)


def _floating(kind: Optional[dtype], kernel: str) -> dtype:
    """The float dtype a kernel draws in; PyTorch has no integer kernel for uniform or normal numbers."""
    kind = kind or _default_dtype
    if not kind.is_floating_point:
        raise NotImplementedError(f""""{kernel}" not implemented for 'Long'""")
    return kind


def _leaf(data: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor(data[()], bool(requires_grad))


def rand(*size, generator: Optional[Generator] = None, dtype: Optional[dtype] = None, requires_grad=False) -> Tensor:
    """Uniform on [0, 1) (torch.rand)."""
    kind = _floating(dtype, "check_uniform_bounds")
    return _leaf(_generator.rand(generator, _shape(size), kind.np), requires_grad)


def randn(*size, generator: Optional[Generator] = None, dtype: Optional[dtype] = None, requires_grad=False) -> Tensor:
    """Standard normal (torch.randn)."""
    kind = _floating(dtype, "normal_kernel_cpu")
    return _leaf(_normal.randn(generator, _shape(size), kind.np), requires_grad)


def normal(mean: float, std: float, size, *, generator: Optional[Generator] = None, dtype=None, requires_grad=False):
    """torch.normal(mean, std, size) with float mean and std."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    kind = _floating(dtype, "normal_kernel_cpu")
    return _leaf(_normal.normal(generator, _shape((size,)), kind.np, mean, std), requires_grad)


def randint(
    *args, size=None, generator: Optional[Generator] = None, dtype: Optional[dtype] = None, requires_grad=False
) -> Tensor:
    """torch.randint(high, size) or torch.randint(low, high, size): int64 unless a dtype says otherwise."""
    if size is None:
        *bounds, size = args
    else:
        bounds = list(args)
    low, high = (0, *bounds) if len(bounds) == 1 else bounds
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    kind = dtype or int64
    if requires_grad and not kind.is_floating_point:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return _leaf(_generator.randint(generator, low, high, _shape((size,)), kind.np), requires_grad)


def randperm(n: int, *, generator: Optional[Generator] = None, dtype: Optional[dtype] = None) -> Tensor:
    """A random permutation of 0 .. n-1 (torch.randperm), int64 unless a dtype says otherwise."""
    return Tensor(_generator.randperm(generator, n, (dtype or int64).np))


def rand_like(t: Tensor, *, dtype: Optional[dtype] = None, requires_grad=False) -> Tensor:
    return rand(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn_like(t: Tensor, *, dtype: Optional[dtype] = None, requires_grad=False) -> Tensor:
    return randn(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def _in_place(t: Tensor, draw) -> Tensor:
    """Fill `t` with new numbers of its own dtype, as PyTorch's in-place kernels do: refused on a leaf that requires
    grad unless gradients are off (the `with torch.no_grad(): w.uniform_(...)` of weight initialisation)."""
    if t.requires_grad and t.is_leaf and _dtypes._grad_enabled:
        raise RuntimeError(LEAF_IN_PLACE)
    t.data = draw(t.data.dtype)[()]
    bump(t)
    return t


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Optional[Generator] = None) -> Tensor:
    """Tensor.uniform_(a, b): uniform on [a, b) in the tensor's dtype."""
    _floating(self.dtype, "check_uniform_bounds")
    return _in_place(self, lambda kind: _generator.uniform(generator, np.shape(self.data), kind, a, b))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Optional[Generator] = None) -> Tensor:
    """Tensor.normal_(mean, std) in the tensor's dtype."""
    _floating(self.dtype, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    return _in_place(self, lambda kind: _normal.normal(generator, np.shape(self.data), kind, mean, std))


def bernoulli_(self: Tensor, p: float = 0.5, *, generator: Optional[Generator] = None) -> Tensor:
    """Tensor.bernoulli_(p) with a float p: 1 with probability p, else 0, in the tensor's dtype (dropout's mask)."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _in_place(self, lambda kind: _generator.bernoulli(generator, np.shape(self.data), p, kind))


def dropout_noise(x: Tensor, p: float, *, generator: Optional[Generator] = None) -> Tensor:
    """What training-mode dropout multiplies its input by (ATen's _dropout_impl on the CPU): a mask drawn by
    bernoulli_(1 - p), divided by 1 - p in the input's dtype; p == 1 is a 0-d zero, drawing nothing."""
    kind = x.data.dtype
    if p == 1:
        return Tensor(np.zeros((), kind)[()])
    mask = _generator.bernoulli(generator, np.shape(x.data), 1 - p, kind)
    return Tensor((mask / kind.type(1 - p))[()])


def random_(self: Tensor, low: int, high: Optional[int] = None, *, generator: Optional[Generator] = None) -> Tensor:
    """Tensor.random_(to) / random_(from, to): integers in [from, to) in the tensor's dtype, drawn as torch.randint
    draws them (the same kernel, random_from_to)."""
    low, high = (0, low) if high is None else (low, high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    return _in_place(self, lambda kind: _generator.randint(generator, low, high, np.shape(self.data), kind))


Tensor.uniform_, Tensor.normal_, Tensor.random_, Tensor.bernoulli_ = uniform_, normal_, random_, bernoulli_
