"""`diffcheck run`, the factories beyond torch.tensor/ones/zeros: torch.full, torch.linspace, and torch.device('cpu')
(the only device; `device=` on every factory). A mixin of the interpreter (`_create` in torch_surface.py calls it)."""

from __future__ import annotations

import ast

import numpy as np

from .. import engine

MAX_ELEMENTS = 1_000_000  # elements of one tensor (as torch_surface's)


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
