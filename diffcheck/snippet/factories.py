"""`diffcheck run`, the tensor factories: torch.tensor (its data checked as PyTorch checks it), zeros/ones/empty/eye,
torch.full, torch.linspace, and torch.device('cpu') (the only device; `device=` on every factory). A mixin of the
interpreter."""

from __future__ import annotations

import ast

import numpy as np

from .. import engine
from ..engine import type_name
from .torch_surface import MAX_ELEMENTS, Raised


class Device:
    """torch.device('cpu'): the only device."""

    def __eq__(self, other) -> bool:
        return isinstance(other, Device)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __str__(self) -> str:
        return "cpu"


class Factories:
    """See the module docstring."""

    def _create(self, name: str, args: list, kwargs: dict, node: ast.Call):
        dtype, requires_grad = kwargs.get("dtype"), kwargs.get("requires_grad", False)
        if kwargs.get("device") not in (None, "cpu", Device()):
            raise self.fail("only the CPU device is supported", node)
        if dtype is not None and not isinstance(dtype, engine.dtype):
            raise Raised(
                "TypeError", f"{name}(): argument 'dtype' must be torch.dtype, not {type_name(dtype)}", node.lineno
            )
        if not isinstance(requires_grad, bool):
            raise Raised(
                "TypeError",
                f"{name}(): argument 'requires_grad' must be bool, not {type_name(requires_grad)}",
                node.lineno,
            )
        if name == "tensor":
            data = _data(args[0], dtype, node, self)
            result = self._engine(engine.tensor, node, data, dtype=dtype, requires_grad=requires_grad)
        elif name in ("full", "linspace"):
            result = self._filled(name, args, dtype, requires_grad, node)
        else:
            if len(args) == 1 and isinstance(args[0], (tuple, list)):  # torch.ones((2, 3)), torch.zeros(x.shape)
                args = list(args[0])
            if not all(type(n) is int and n >= 0 for n in args):
                raise self.fail(f"torch.{name}() takes sizes as non-negative integers", node)
            if int(np.prod(args)) > MAX_ELEMENTS:
                raise self.fail(f"tensor of more than {MAX_ELEMENTS} elements", node)
            made = engine.zeros if name == "empty" else getattr(engine, name)  # empty's values are undefined
            result = self._engine(made, node, *args, dtype=dtype, requires_grad=requires_grad)
        self.tracer.leaf(result, self.source(node), self.position(node))
        return result

    def _torch_device(self, args, kwargs, node):
        if args[0] != "cpu" and args[0] != Device():
            raise self.fail("only the CPU device is supported", node)
        return Device()

    def _filled(self, name: str, args: list, dtype, requires_grad: bool, node: ast.Call):
        """torch.full(size, value) and torch.linspace(start, end, steps)."""
        if name == "full":
            size, value = args
            size = list(size) if isinstance(size, (tuple, list)) else size
            if not isinstance(size, list) or not all(type(n) is int and n >= 0 for n in size):
                raise self.fail("torch.full() takes its size as a tuple or list of non-negative integers", node)
            if type(value) not in (int, float, bool):
                raise self.fail("torch.full() takes a Python number as its fill value", node)
            count = int(np.prod(size))
        else:
            if not all(type(a) in (int, float) for a in args[:2]) or type(args[2]) is not int or args[2] < 0:
                raise self.fail("torch.linspace() takes two numbers and a non-negative integer of steps", node)
            count = args[2]
        if count > MAX_ELEMENTS:
            raise self.fail(f"tensor of more than {MAX_ELEMENTS} elements", node)
        return self._engine(getattr(engine, name), node, *args, dtype=dtype, requires_grad=requires_grad)


def _data(value, dtype, node: ast.AST, interpreter: Factories):
    """torch.tensor's data: a number or nested lists and tuples of numbers, checked as PyTorch checks it — every
    element's type first, then each sequence against the shape the first elements give (none when it has a zero),
    with torch's errors."""
    floats = []

    def scan(item) -> None:
        if isinstance(item, (list, tuple)):
            for element in item:
                scan(element)
        elif isinstance(item, engine.Tensor):
            raise interpreter.fail("torch.tensor() of tensors is not supported (use .detach() or .item())", node)
        elif type(item) not in (int, float, bool):
            raise Raised("TypeError", f"new(): invalid data type '{type_name(item)}'", node.lineno)
        elif type(item) is float:
            floats.append(item)

    def store(item, dim: int) -> None:
        if dim == len(sizes):
            if isinstance(item, (list, tuple)):  # a sequence where the first elements had a number
                floating = dtype.is_floating_point if dtype is not None else bool(floats)
                raise Raised(
                    "TypeError",
                    f"must be real number, not {type_name(item)}"
                    if floating
                    else f"'{type_name(item)}' object cannot be interpreted as an integer",
                    node.lineno,
                )
        elif not isinstance(item, (list, tuple)):
            raise Raised("TypeError", "not a sequence", node.lineno)
        elif len(item) != sizes[dim]:
            raise Raised(
                "ValueError", f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(item)})", node.lineno
            )
        else:
            for element in item:
                store(element, dim + 1)

    scan(value)
    sizes, first = [], value
    while isinstance(first, (list, tuple)):
        sizes.append(len(first))
        first = first[0] if first else None
    count = int(np.prod(sizes))
    if count > MAX_ELEMENTS:
        raise interpreter.fail(f"tensor of more than {MAX_ELEMENTS} elements", node)
    if count:  # PyTorch stores nothing, so checks nothing, when the shape has a zero; the engine says what it takes
        store(value, 0)
    return value
