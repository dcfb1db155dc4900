"""`diffcheck run`, the torch surface: creating tensors, ops by function, method and operator, tensor attributes
and methods, and the builtins that look inside tensors — each with PyTorch's behaviour and error texts.

`TorchSurface` is mixed into the interpreter (`snippet/__init__.py`), which supplies `fail`, `warn`, `source`, `position`
and the tracer; every tensor made here is traced so that backward() calls can be verified.
"""

from __future__ import annotations

import ast
import math
from typing import Callable, Optional

import numpy as np

from .. import engine
from .. import ops
from ..engine import no_overload, not_a_tensor, type_name
from ..ops import TorchIndexError, TorchValueError
from ..ops.dispatch import FLAGS
from .names import TENSOR_ATTRIBUTES
from .sizes import matmul_shape
from .factories import Device
from .values import SnippetObject

MAX_ELEMENTS = 1_000_000  # elements of one tensor
_PRODUCTS = {"matmul", "mm", "mv", "dot"}  # a result larger than its operands: sized before it is computed
FLOAT_WARNING = engine.tensors.FLOAT_WARNING


_NODES = (engine.Node, engine.node._AccumulateGrad)  # grad_fn objects: a leaf's AccumulateGrad too


class Raised(Exception):
    """What the real program would raise at this line (autograd's RuntimeError, a TypeError, a NameError ...)."""

    def __init__(self, kind: str, message: str, line: int, value=None):
        super().__init__(message)
        self.kind, self.message, self.line, self.value = kind, message, line, value


class Size(tuple):
    """torch.Size: a tuple printed as `torch.Size([2, 3])`."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__


class TorchSurface:
    """Tensor behaviour of the interpreter (a mixin: see the module docstring)."""

    def _builtin_abs(self, args, kwargs, node):
        if isinstance(args[0], engine.Tensor):
            return self.op("abs", args, {}, node, operator=abs)
        return self._python(abs, node, args[0])

    def _scalar(self, value, node):
        if value.numel() != 1:
            raise Raised("ValueError", "only one element tensors can be converted to Python scalars", node.lineno)
        return value.item()

    def _builtin_float(self, args, kwargs, node):
        value = args[0]
        if isinstance(value, engine.Tensor):
            if value.requires_grad and not self.float_warned:  # torch warns once per process
                self.float_warned = True
                self.warn(FLOAT_WARNING, node)
            value = self._scalar(value, node)
        return self._python(float, node, value)

    def _builtin_int(self, args, kwargs, node):
        value = self._scalar(args[0], node) if isinstance(args[0], engine.Tensor) else args[0]
        return self._python(int, node, value)

    def _builtin_round(self, args, kwargs, node):
        if isinstance(args[0], engine.Tensor):
            raise self.fail("round() of a tensor is not supported", node)
        return self._python(round, node, *args)

    def _builtin_len(self, args, kwargs, node):
        if isinstance(args[0], SnippetObject):
            return args[0].length(self, node)
        if isinstance(args[0], engine.Tensor):
            if args[0].dim() == 0:
                raise Raised("TypeError", "len() of a 0-d tensor", node.lineno)
            return args[0].shape[0]
        return self._python(len, node, args[0])

    def _engine(self, function, node: ast.AST, *args, **kwargs):
        """An engine call: its RuntimeErrors are PyTorch's and stop the snippet; anything else (NumPy refusing
        shapes or values) is something diffcheck cannot run."""
        try:
            with np.errstate(all="ignore"):  # NumPy's warnings are not PyTorch's (nan cast to int64 is silent there)
                return function(*args, **kwargs)
        except RuntimeError as error:  # NotImplementedError too, as PyTorch raises for abs of a bool tensor
            raise Raised(type(error).__name__, str(error), node.lineno) from None
        except TorchIndexError as error:
            raise Raised("IndexError", str(error), node.lineno) from None
        except TorchValueError as error:  # a slice's step, a loss's reduction, its batch sizes
            raise Raised("ValueError", str(error), node.lineno) from None
        except (ValueError, TypeError, IndexError, OverflowError, ZeroDivisionError) as error:
            raise self.fail(f"cannot run this on diffcheck's engine: {error}", node) from None

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
            result = self._engine(getattr(engine, name), node, *args, dtype=dtype, requires_grad=requires_grad)
        self.tracer.leaf(result, self.source(node), self.position(node))
        return result

    def op(
        self,
        spelling: str,
        args: list,
        kwargs: dict,
        node: ast.AST,
        operator: Optional[Callable] = None,
        method: bool = False,
    ):
        """One op of the table, by function, method or `operator` (Python's, on the engine's tensors: `2 + x` is
        x.__radd__(2), add(x, 2), where torch.add(2, x) keeps the 2 first); the result is traced."""
        signature = ops.SIGNATURES[spelling]
        positional = args[: signature.arity]
        params = {**dict(zip(signature.params, args[signature.arity :])), **kwargs}
        if signature.pair_op and isinstance(params.get("dim"), engine.Tensor) and len(params) == 1:
            return self.op(signature.pair_op, [positional[0], params["dim"]], {}, node, method=method)  # max(x, y)
        kinds = {p: ops.kind_of(p) for p in signature.params}
        first = signature.params[0] if signature.params else None
        if len(kinds) == 1 and kinds[first] == "shape" and len(args) > signature.arity + 1:  # torch.full takes a tuple
            params[first] = tuple(args[signature.arity :])  # x.view(2, 3): the sizes as varargs
        elif first and kinds[first] == "shape" and type(params.get(first)) is int:
            params[first] = (params[first],)  # x.flip(0), x.view(-1)
        row = ops.OPS.get(signature.row)
        if row is not None and row.variadic:  # torch.cat([a, b]): the engine raises PyTorch's TypeErrors
            return self._joined(spelling, signature, positional, params, node)
        if (
            signature.dim_row
            and "keepdim" in params
            and ("dim" not in params or signature.name == "mean" and not method and type(params["keepdim"]) is not bool)
        ):
            raise Raised("TypeError", no_overload(spelling, signature.name, args[method:], kwargs, method), node.lineno)
        for index, key in enumerate(signature.params):  # PyTorch's argument parser: keepdim is a bool, never 1 or None
            if key in FLAGS and key in params and type(params[key]) is not bool:
                where = f" (position {signature.arity + index + (not method)})" if key not in kwargs else ""
                raise Raised(
                    "TypeError",
                    f"{spelling}(): argument '{key}'{where} must be bool, not {type_name(params[key])}",
                    node.lineno,
                )
        if signature.name == "where" and not operator and engine.where_refusal(positional):
            raise Raised("TypeError", engine.where_refusal(positional), node.lineno)
        if not operator and positional and not isinstance(positional[0], engine.Tensor):
            if signature.number_self:  # torch.pow(2, x) is pow's Number-self overload; none takes two numbers
                if all(isinstance(a, (int, float)) for a in positional):
                    raise Raised("TypeError", no_overload(spelling, "pow", args, kwargs, False), node.lineno)
            elif not signature.number_input or not isinstance(positional[0], (int, float)):
                raise Raised("TypeError", not_a_tensor(spelling, positional[0]), node.lineno)
        if signature.tensors_only and not isinstance(positional[1], engine.Tensor):
            refusal = engine.not_a_second_tensor(spelling, signature.name, positional[1], method)
            raise Raised("TypeError", refusal, node.lineno)
        for value in positional:
            if not isinstance(value, (engine.Tensor, int, float)):
                raise Raised(
                    "TypeError", f"{spelling}(): expected a Tensor or a number, got {type_name(value)}", node.lineno
                )
        if isinstance(params.get("dim"), (tuple, list)):  # only sum and mean take a dim
            params["dim"] = self._dims(spelling, signature.name, args, kwargs, params, method, node)
        choices = {p: getattr(p, "choices", ()) for p in signature.params}  # approximate='tanh', p='fro'
        kinds = {p: ops.kind_of(p) for p in signature.params}
        refused = {p for p in signature.params if getattr(p, "refusal", "")}
        for key, value in params.items():
            if kinds.get(key) in ("shape", "sections") and isinstance(value, (tuple, list)):
                params[key] = tuple(value)  # sizes (a torch.Size too): the engine takes them as PyTorch does
                continue
            if kinds.get(key) == "tensor" and isinstance(value, engine.Tensor):
                continue  # linear's bias, a loss's weight
            if type(value) is str and (value in choices.get(key, ()) or key in refused):
                continue  # a reduction outside its choices: the row raises PyTorch's ValueError
            if kinds.get(key) == "dtype" and isinstance(value, engine.dtype):
                continue  # torch.arange(3, dtype=torch.float64)
            shape = kinds.get(key) == "shape"
            if shape and type(value) in (tuple, list) and all(type(n) is int for n in value):
                continue  # torch.full((2, 3), 1.5)
            if value is not None and type(value) not in (int, float, bool) and (key, type(value)) != ("dim", tuple):
                raise self.fail(f"parameter '{key}' of '{spelling}' must be a number", node)
        params = {k: v for k, v in params.items() if v is not None or k == "dim"}  # dim=None: see engine._front
        self._guard_shapes(signature.name, [a for a in positional if isinstance(a, engine.Tensor)], node)
        result = self._engine(operator or engine.TORCH_FUNCTIONS[spelling], node, *positional, **params)
        if isinstance(result, tuple):  # max(x, dim): values and indices
            self.tracer.answers(
                result, signature.name, tuple(positional), params, self.source(node), self.position(node)
            )
            return result
        self.tracer.op(result, signature.name, tuple(positional), params, self.source(node), self.position(node))
        return result

    def _joined(self, spelling: str, signature, positional: list, params: dict, node: ast.AST):
        """cat and stack: a list (or a tuple, split's) of tensors, run and traced with its tensors as arguments."""
        for key, value in params.items():
            if type(value) is not int:
                raise self.fail(f"parameter '{key}' of '{spelling}' must be an integer", node)
        result = self._engine(engine.TORCH_FUNCTIONS[spelling], node, *positional, **params)
        self.tracer.op(result, signature.name, tuple(positional), params, self.source(node), self.position(node))
        return result

    def _dims(
        self, spelling: str, op: str, args: list, kwargs: dict, params: dict, method: bool, node: ast.AST
    ) -> tuple:
        """Several dims (a tuple, a list, a torch.Size) as PyTorch's argument parser takes them, as a plain tuple of
        ints (the engine's test for several dims is `type(dim) in (tuple, list)`). The parser picks the overload by the
        first element, an int and not a bool, and unpacks the others, bools included, once it has picked one."""
        dims = params["dim"]
        for index, dim in enumerate(dims):
            if isinstance(dim, engine.Tensor):
                raise self.fail(f"a tensor among the dims of '{spelling}' is not supported", node)
            if index == 0 and type(dim) is not int:
                if "keepdim" in params:  # torch's text then depends on the form and the op (three measured): refused
                    raise self.fail(f"the dims of '{spelling}' must be integers", node)
                raise Raised("TypeError", no_overload(spelling, op, args[method:], kwargs, method), node.lineno)
            if not isinstance(dim, int):
                raise Raised(
                    "TypeError",
                    f"{spelling}(): argument 'dim' failed to unpack the object at pos "
                    f'{index + 1} with error "type must be tuple of ints,but got '
                    f'{type_name(dim)}"',
                    node.lineno,
                )
        return tuple(int(dim) for dim in dims)  # torch unpacks a bool as 0 or 1: its errors say 1, never True

    def _guard_shapes(self, op: str, tensors: list, node: ast.AST) -> None:
        """PyTorch's broadcasting error text, and no result too large to hold (checked before it is computed)."""
        self.in_time(node)
        for tensor in tensors:  # zeros(0, 10**9) holds nothing, and its sum(0) 10**9 zeros
            if not np.size(tensor.data) and math.prod(d for d in tensor.shape if d) > MAX_ELEMENTS:
                raise self.fail(f"an empty tensor whose other sizes make more than {MAX_ELEMENTS} elements", node)
        if op in _PRODUCTS and len(tensors) == 2:
            shape = matmul_shape(tuple(tensors[0].shape), tuple(tensors[1].shape))
            if shape is not None and math.prod(shape) > MAX_ELEMENTS:
                raise self.fail(f"result of more than {MAX_ELEMENTS} elements", node)
            return
        front = ops.FRONTS.get(op)
        row = ops.OPS.get(front.row) if front is not None else None
        if len(tensors) < 2 or front is not None and (row is None or not row.elementwise or row.index_args):
            return  # matmul, cat, linear; an index does not broadcast
            return
        shapes = [t.shape for t in tensors]
        ndim = max(len(s) for s in shapes)
        for i in range(ndim - 1, -1, -1):  # torch reports the last mismatching dimension
            a, b = (s[i - ndim + len(s)] if i - ndim + len(s) >= 0 else 1 for s in shapes[:2])
            if a != b and a != 1 and b != 1:
                raise Raised(
                    "RuntimeError",
                    f"The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton dimension {i}",
                    node.lineno,
                )
        try:
            size = int(np.prod(np.broadcast_shapes(*shapes)))
        except ValueError as error:
            raise self.fail(f"'{op}': {error}", node) from None
        if size > MAX_ELEMENTS:
            raise self.fail(f"result of more than {MAX_ELEMENTS} elements", node)

    def _get_attribute(self, value, name: str, node: ast.Attribute):
        if isinstance(value, SnippetObject):
            return value.get(self, name, node)
        if isinstance(value, tuple) and name in getattr(value, "fields", ()):  # torch.return_types: .values
            return getattr(value, name)
        if name == "next_functions" and isinstance(value, _NODES):
            return value.next_functions
        if not isinstance(value, engine.Tensor) or name == "next_functions":
            raise Raised("AttributeError", f"'{type_name(value)}' object has no attribute '{name}'", node.lineno)
        if name == "grad":
            # a non-leaf's .grad is None unless retained; not reading it spares the engine's warning (from its own
            # frame): the snippet's comes from its own line, once per line as Python's default filter has it
            if not value.is_leaf and not value.retains_grad:
                self.warn(engine.NONLEAF_GRAD_WARNING, node)
                return None
            grad = value.grad
            if grad is not None:
                self.tracer.entry(grad, self.source(node), self.position(node))
            return grad
        if name == "data":  # a new leaf sharing the values (not the version counter, unlike detach())
            result = engine.Tensor(value.data)
            self.tracer.leaf(result, self.source(node), self.position(node))
            self._alias(value, result)
            return result
        if name == "shape":
            return Size(value.shape)
        if name in ops.SIGNATURES and ops.dispatch.SPELLINGS[name].attribute:  # x.T, x.mT: ops, traced as one
            return self.op(name, [value], {}, node, method=True)
        if name not in TENSOR_ATTRIBUTES:  # a name the snippet's classes use (`x.fc1`) read on a tensor
            raise self.fail(f"attribute '{name}' of a tensor is not supported", node)
        return getattr(value, name)

    def _set_attribute(self, value, name: str, new, node: ast.Attribute) -> None:
        if isinstance(value, SnippetObject):
            value.set(self, name, new, node)
            if isinstance(new, engine.Tensor) and new.grad_fn is None:
                self.tracer.entry(new, self.source(node), self.position(node))
            return
        if not isinstance(value, engine.Tensor):
            raise Raised("AttributeError", f"'{type_name(value)}' object has no attribute '{name}'", node.lineno)
        if name == "grad":
            if new is not None and not isinstance(new, engine.Tensor):
                raise Raised(
                    "TypeError",
                    f"assigned grad expected to be a Tensor or None but got grad of type {type_name(new)}",
                    node.lineno,
                )
            self._engine(setattr, node, value, "grad", new)
            return
        if name == "data":
            if not isinstance(new, engine.Tensor):
                raise Raised("TypeError", f"Variable data has to be a tensor, but got {type_name(new)}", node.lineno)
            value.data = np.array(new.data, copy=True)[()]
            engine.versions.data_changed()
            self._share(value)
            return
        if name != "requires_grad":
            raise self.fail(f"setting '.{name}' on a tensor is not supported", node)
        if not isinstance(new, bool):
            raise Raised("TypeError", f"requires_grad must be a bool, not {type_name(new)}", node.lineno)
        self._engine(setattr, node, value, "requires_grad", new)
        self._relabel(value, node)

    def _relabel(self, tensor, node: ast.AST) -> None:
        """After requires_grad changed on a leaf: a new version of it (earlier results keep the old one)."""
        if tensor.grad_fn is None:
            self.tracer.entry(tensor, self.source(node), self.position(node))

    def _detached(self, value, node: ast.AST):
        result = value.detach()
        self.tracer.leaf(result, self.source(node), self.position(node))
        return result

    def _method(self, value, name: str, args: list, kwargs: dict, node: ast.Call):
        if name == "name" and isinstance(value, _NODES):
            return value.name()
        if isinstance(value, SnippetObject):
            return value.call_method(self, name, args, kwargs, node)
        if not isinstance(value, engine.Tensor):
            return self.value_method(value, name, args, kwargs, node)
        if name in ops.SIGNATURES:
            return self.op(name, [value, *args], kwargs, node, method=True)
        handler = getattr(self, f"_tensor_{name}", None)
        if handler is None and name[:-1] in ops.SIGNATURES and hasattr(engine.Tensor, name):  # exp_, pow_ ...
            return self.inplace(value, name, args, kwargs, node)
        if handler is None:
            raise Raised("AttributeError", f"'Tensor' object has no attribute '{name}'", node.lineno)
        return handler(value, args, kwargs, node)

    def _tensor_retain_grad(self, tensor, args, kwargs, node):
        self._engine(tensor.retain_grad, node)

    def _tensor_requires_grad_(self, tensor, args, kwargs, node):
        flag = args[0] if args else kwargs.get("requires_grad", True)
        if not isinstance(flag, bool):
            raise Raised(
                "TypeError",
                f"requires_grad_(): argument 'requires_grad' must be bool, not {type_name(flag)}",
                node.lineno,
            )
        self._engine(tensor.requires_grad_, node, flag)
        self._relabel(tensor, node)
        return tensor

    def _tensor_detach(self, tensor, args, kwargs, node):
        return self._detached(tensor, node)

    def _tensor_item(self, tensor, args, kwargs, node):
        return self._engine(tensor.item, node)

    def _tensor_tolist(self, tensor, args, kwargs, node):
        return tensor.tolist()

    def _tensor_dim(self, tensor, args, kwargs, node):
        return tensor.dim()

    def _tensor_numel(self, tensor, args, kwargs, node):
        return tensor.numel()

    def _tensor_size(self, tensor, args, kwargs, node):
        return Size(tensor.shape)


def _data(value, dtype, node: ast.AST, interpreter: TorchSurface):
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
