"""`diffcheck run`, torch's random numbers: `torch.manual_seed`, `torch.Generator`, `rand`, `randn`, `randint`,
`randperm`, `normal`, `rand_like`, `randn_like` and the in-place `uniform_`/`normal_`/`random_` (and F.dropout's mask), drawn
by the engine's copy of PyTorch's CPU generator (engine/random.py), so a seeded snippet prints PyTorch's numbers.

Each run has its own global generator, seeded from /dev/urandom as PyTorch's is at start-up: an unseeded snippet
draws different numbers on every run, and one run never continues another's stream. A mixin of the interpreter.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np

from .. import engine
from ..engine import type_name
from ..engine.mt19937 import Generator
from .factories import Device
from .layers import functional_dropout
from .torch_surface import MAX_ELEMENTS, Raised
from .values import BoundMethod, SnippetObject


@dataclass(eq=False)
class GeneratorValue(SnippetObject):
    """A torch.Generator: `manual_seed` (returning the generator), `seed`, `initial_seed`."""

    generator: Generator
    type_name = "Generator"

    def get(self, interp, name: str, node: ast.AST):
        if name == "manual_seed":
            return BoundMethod(name, lambda i, args, kwargs, n: self.manual_seed(i, [*args, *kwargs.values()], n))
        if name in ("seed", "initial_seed"):
            return BoundMethod(name, lambda i, args, kwargs, n: getattr(self.generator, name)())
        return super().get(interp, name, node)

    def manual_seed(self, interp, args: list, node: ast.AST):
        if len(args) != 1:
            raise Raised("TypeError", f"manual_seed() takes exactly one argument ({len(args)} given)", node.lineno)
        seed = args[0]
        if isinstance(seed, engine.Tensor):
            seed = interp._scalar(seed, node)
        if type(seed) not in (int, bool, float):
            raise Raised("TypeError", f"manual_seed expected a long, but got {type_name(seed)}", node.lineno)
        self.generator.manual_seed(int(seed))
        return self

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {hex(id(self))}>"


class RandomSurface:
    """torch's random functions (see the module docstring)."""

    def _default_generator(self) -> GeneratorValue:
        if getattr(self, "_generator", None) is None:
            generator = Generator()
            generator.seed()
            self._generator = GeneratorValue(generator)
        return self._generator

    def _drawn_by(self, kwargs: dict, node: ast.AST) -> Generator:
        given = kwargs.pop("generator", None)
        if given is None:
            return self._default_generator().generator
        if not isinstance(given, GeneratorValue):
            raise Raised(
                "TypeError", f"argument 'generator' must be torch.Generator, not {type_name(given)}", node.lineno
            )
        return given.generator

    def _torch_dropout(self, args, kwargs, node):  # F.dropout: its mask from the run's generator
        return functional_dropout(self, args, kwargs, node)

    def _torch_manual_seed(self, args, kwargs, node):
        return self._default_generator().manual_seed(self, [*args, *kwargs.values()], node)

    def _torch_seed(self, args, kwargs, node):
        return self._default_generator().generator.seed()

    def _torch_initial_seed(self, args, kwargs, node):
        return self._default_generator().generator.initial_seed()

    def _torch_Generator(self, args, kwargs, node):
        device = args[0] if args else kwargs.get("device", "cpu")
        if device not in ("cpu", Device()):
            raise self.fail("only a CPU torch.Generator is supported", node)
        return GeneratorValue(Generator())

    def _sizes(self, name: str, args: list, kwargs: dict, node: ast.AST) -> tuple:
        """`*size` as torch takes it: numbers, or one tuple, list or torch.Size; at most MAX_ELEMENTS elements."""
        sizes = kwargs.pop("size", None)
        if sizes is None:
            sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
        elif args:
            raise Raised("TypeError", f"{name}() got multiple values for argument 'size'", node.lineno)
        if not isinstance(sizes, (tuple, list)) or not all(type(n) is int and n >= 0 for n in sizes):
            raise self.fail(f"torch.{name}() takes sizes as non-negative integers", node)
        if int(np.prod(sizes)) > MAX_ELEMENTS:
            raise self.fail(f"tensor of more than {MAX_ELEMENTS} elements", node)
        return tuple(sizes)

    def _random_leaf(self, draw, args: list, kwargs: dict, node: ast.AST):
        """A new leaf from `draw(generator=..., dtype=..., requires_grad=...)`, checked and traced as torch.tensor's."""
        dtype, requires_grad = kwargs.pop("dtype", None), kwargs.pop("requires_grad", False)
        if kwargs.pop("device", None) not in (None, "cpu", Device()):
            raise self.fail("only the CPU device is supported", node)
        if dtype is not None and not isinstance(dtype, engine.dtype):
            raise Raised("TypeError", f"argument 'dtype' must be torch.dtype, not {type_name(dtype)}", node.lineno)
        if not isinstance(requires_grad, bool):
            raise Raised(
                "TypeError", f"argument 'requires_grad' must be bool, not {type_name(requires_grad)}", node.lineno
            )
        generator = self._drawn_by(kwargs, node)
        result = self._engine(draw, node, generator=generator, dtype=dtype, requires_grad=requires_grad)
        self.tracer.leaf(result, self.source(node), self.position(node))
        return result

    def _torch_rand(self, args, kwargs, node):
        kwargs = dict(kwargs)
        shape = self._sizes("rand", args, kwargs, node)
        return self._random_leaf(lambda **k: engine.rand(*shape, **k), [], kwargs, node)

    def _torch_randn(self, args, kwargs, node):
        kwargs = dict(kwargs)
        shape = self._sizes("randn", args, kwargs, node)
        return self._random_leaf(lambda **k: engine.randn(*shape, **k), [], kwargs, node)

    def _torch_randint(self, args, kwargs, node):
        kwargs = dict(kwargs)
        named = {key: kwargs.pop(key) for key in ("low", "high", "size") if key in kwargs}
        bounds = [*args, *(named[k] for k in ("low", "high") if k in named)]
        size = named.get("size", bounds.pop() if len(bounds) > 1 and isinstance(bounds[-1], (tuple, list)) else None)
        if size is None or not bounds or len(bounds) > 2:
            raise Raised("TypeError", "randint() received an invalid combination of arguments", node.lineno)
        if not all(type(b) is int for b in bounds):
            raise self.fail("torch.randint() takes integer bounds", node)
        shape = self._sizes("randint", [], {"size": size}, node)
        return self._random_leaf(lambda **k: engine.randint(*bounds, size=shape, **k), [], kwargs, node)

    def _torch_randperm(self, args, kwargs, node):
        kwargs = dict(kwargs)
        n = args[0] if args else kwargs.pop("n")
        if type(n) is not int or n < 0:
            raise self.fail("torch.randperm() takes a non-negative integer", node)
        self._sizes("randperm", [n], {}, node)
        if kwargs.get("requires_grad"):
            raise Raised(
                "RuntimeError", "Only Tensors of floating point and complex dtype can require gradients", node.lineno
            )
        kwargs.pop("requires_grad", None)
        return self._random_leaf(lambda requires_grad, **k: engine.randperm(n, **k), [], kwargs, node)

    def _torch_normal(self, args, kwargs, node):
        kwargs = dict(kwargs)
        values = {**dict(zip(("mean", "std", "size"), args)), **kwargs}
        mean, std = values.pop("mean", 0.0), values.pop("std", 1.0)
        if "size" not in values or any(isinstance(v, engine.Tensor) for v in (mean, std)):
            raise self.fail("torch.normal() is supported as normal(mean, std, size) with numbers", node)
        if not all(type(v) in (int, float) for v in (mean, std)):
            raise self.fail("torch.normal() takes a number as mean and std", node)
        shape = self._sizes("normal", [], {"size": values.pop("size")}, node)
        return self._random_leaf(lambda **k: engine.normal(float(mean), float(std), shape, **k), [], values, node)

    def _like(self, name: str, args, kwargs, node):
        template = args[0]
        if not isinstance(template, engine.Tensor):
            raise Raised(
                "TypeError",
                f"{name}(): argument 'input' (position 1) must be Tensor, not {type_name(template)}",
                node.lineno,
            )
        kwargs = {"dtype": template.dtype, **kwargs}
        draw = engine.rand if name == "rand_like" else engine.randn
        return self._random_leaf(lambda **k: draw(*template.shape, **k), [], kwargs, node)

    def _torch_rand_like(self, args, kwargs, node):
        return self._like("rand_like", args, kwargs, node)

    def _torch_randn_like(self, args, kwargs, node):
        return self._like("randn_like", args, kwargs, node)

    def _fill_random(self, tensor, method: str, args: list, kwargs: dict, node: ast.AST):
        kwargs = dict(kwargs)
        generator = self._drawn_by(kwargs, node)
        for value in [*args, *kwargs.values()]:
            if type(value) not in (int, float):
                raise self.fail(f"{method}() takes numbers", node)
        if tensor.grad_fn is not None:
            raise self.fail(f"{method}() on a tensor of the graph is not supported", node)
        self._engine(getattr(tensor, method), node, *args, generator=generator, **kwargs)
        self._share(tensor)
        return tensor

    def _tensor_uniform_(self, tensor, args, kwargs, node):
        return self._fill_random(tensor, "uniform_", args, kwargs, node)

    def _tensor_normal_(self, tensor, args, kwargs, node):
        return self._fill_random(tensor, "normal_", args, kwargs, node)

    def _tensor_random_(self, tensor, args, kwargs, node):
        if not args or any(type(a) is not int for a in args):
            raise self.fail("random_() is supported with integer bounds: random_(to) or random_(from, to)", node)
        return self._fill_random(tensor, "random_", args, kwargs, node)
