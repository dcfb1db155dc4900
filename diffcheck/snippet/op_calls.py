"""`diffcheck run`, calling the ops of the table: by function, method and operator, with PyTorch's argument parsing,
its error texts and broadcasting refusals, and no result too large to hold.

`OpCalls` is mixed into the interpreter (`snippet/__init__.py`), which supplies `fail`, `_engine`, `source`, `position`,
`in_time` and the tracer; every result is traced so that backward() calls can be verified.
"""

from __future__ import annotations

import ast
import math
from typing import Callable, Optional

import numpy as np

from .. import engine
from .. import ops
from ..engine import no_overload, not_a_tensor, type_name
from ..ops.activations import INPLACE_ROWS
from ..ops.dispatch import FLAGS
from .factories import Device
from .sizes import matmul_shape
from .torch_surface import MAX_ELEMENTS, Raised

_DEFAULTS = {"leaky_relu": (0.01,), "elu": (1.0,)}  # the in-place rows' parameters when not given
_PRODUCTS = {"matmul", "mm", "mv", "dot"}  # a result larger than its operands: sized before it is computed


class OpCalls:
    """Op calls of the interpreter (a mixin: see the module docstring)."""

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
        if not method and ("requires_grad" in kwargs or "device" in kwargs):
            return self._created(spelling, args, kwargs, node)
        if "inplace" in kwargs:
            return self._activation(spelling, args, kwargs, node)
        positional = args[: signature.arity]
        params = {**dict(zip(signature.positional, args[signature.arity :])), **kwargs}
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
        refusal = engine.keyword_refusal(spelling, signature, args[method:], kwargs, method)  # sort(x, stable=1)
        if refusal:
            raise Raised("TypeError", refusal, node.lineno)
        for index, key in enumerate(signature.positional):  # PyTorch's argument parser: keepdim a bool, never 1 or None
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
            if isinstance(value, engine.Tensor) and (kinds.get(key) == "tensor" or signature.tensor_params):
                continue  # linear's bias, a loss's weight; clamp's bounds (ClampBackward0)
            if type(value) is str and (value in choices.get(key, ()) or key in refused):
                continue  # a reduction outside its choices: the row raises PyTorch's ValueError
            if kinds.get(key) == "dtype" and isinstance(value, engine.dtype):
                continue  # torch.arange(3, dtype=torch.float64)
            shape = kinds.get(key) == "shape"
            if shape and type(value) in (tuple, list) and all(type(n) is int for n in value):
                continue  # torch.full((2, 3), 1.5)
            if value is not None and type(value) not in (int, float, bool) and (key, type(value)) != ("dim", tuple):
                raise self.fail(f"parameter '{key}' of '{spelling}' must be a number", node)
        params = {  # dim=None: see engine._front; stable=None picks sort's keyword overload
            k: v for k, v in params.items() if v is not None or k == "dim" or k in signature.keyword_row[:1]
        }
        self._guard_shapes(signature.name, [a for a in positional if isinstance(a, engine.Tensor)], node)
        result = self._engine(operator or engine.TORCH_FUNCTIONS[spelling], node, *positional, **params)
        if isinstance(result, tuple) and ops.OPS[signature.row].outputs:  # max(x, dim): values and indices (split's
            self.tracer.answers(  # pieces, a row of no fixed number of outputs, are the tuple the tracer's op records)
                result, signature.name, tuple(positional), params, self.source(node), self.position(node)
            )
            return result
        self.tracer.op(result, signature.name, tuple(positional), params, self.source(node), self.position(node))
        return result

    def _created(self, spelling: str, args: list, kwargs: dict, node: ast.AST):
        """A creation row (arange, eye, zeros_like ...) with `requires_grad=` or `device=`, which torch's factories
        take: the answer is a leaf that requires grad if asked."""
        kwargs = dict(kwargs)
        requires_grad, device = kwargs.pop("requires_grad", False), kwargs.pop("device", None)
        if device not in (None, "cpu", Device()):
            raise self.fail("only the CPU device is supported", node)
        if not isinstance(requires_grad, bool):  # torch lists the factory's overloads: not modelled
            raise self.fail(f"requires_grad= of 'torch.{spelling}' must be True or False", node)
        result = self.op(spelling, args, kwargs, node)
        if requires_grad:
            if not result.dtype.is_floating_point:
                raise Raised(
                    "RuntimeError",
                    "Only Tensors of floating point and complex dtype can require gradients",
                    node.lineno,
                )
            result.requires_grad_(True)
            self.tracer.leaf(result, self.source(node), self.position(node))
        return result

    def _activation(self, spelling: str, args: list, kwargs: dict, node: ast.AST):
        """F.relu(x, inplace=True) is x.relu_(); an activation's `inplace=False` is the op itself."""
        kwargs = dict(kwargs)
        inplace = kwargs.pop("inplace")
        if type(inplace) is not bool:
            raise self.fail(f"inplace= of '{spelling}' must be True or False", node)
        if not inplace:
            return self.op(spelling, args, kwargs, node)
        if spelling in INPLACE_ROWS and args and isinstance(args[0], engine.Tensor):
            return self.inplace_activation(spelling, args[0], args[1:], kwargs, node)
        if spelling != "relu" or len(args) != 1 or kwargs or not isinstance(args[0], engine.Tensor):
            raise self.fail(f"{spelling}(inplace=True) is not supported (write it out of place)", node)
        return self.inplace(args[0], "relu_", [], {}, node)

    def inplace_activation(self, spelling: str, x, args: list, kwargs: dict, node: ast.AST):
        """F.leaky_relu(x, s, inplace=True), F.elu_(x): the row's in-place node (LeakyReluBackward1, EluBackward1),
        traced as the activation itself (the same function of the old values)."""
        names = ops.SIGNATURES[spelling].params
        if len(args) > len(names) or set(kwargs) - set(names):
            raise self.fail(f"{spelling}(inplace=True) takes {', '.join(names)}", node)
        given = {**dict(zip(names, args)), **kwargs}
        graph = engine.is_grad_enabled() and x.requires_grad
        if not graph and x.grad_fn is not None:
            raise self.fail(f"{spelling}_() on a tensor of the graph under no_grad is not supported", node)
        label, pos = self.source(node), self.position(node)
        ref = self.tracer.entry(x, label, pos) if graph and not x.is_leaf else None
        row = ops.OPS[INPLACE_ROWS[spelling]]
        values = [given.get(name, default) for name, default in zip(row.params, _DEFAULTS[spelling])]
        self._engine(engine.inplace.activation_, node, x, spelling, *values)
        if ref is not None:
            self.tracer._add(x, spelling, (ref,), given, label, pos)
        self._share(x)
        return x

    def _torch_relu_(self, args: list, kwargs: dict, node: ast.AST):
        if not isinstance(args[0], engine.Tensor):
            raise Raised("TypeError", not_a_tensor("relu_", args[0]), node.lineno)
        return self.inplace(args[0], "relu_", [], {}, node)

    def _torch_leaky_relu_(self, args: list, kwargs: dict, node: ast.AST):
        return self._activation("leaky_relu", args, {**kwargs, "inplace": True}, node)

    def _torch_elu_(self, args: list, kwargs: dict, node: ast.AST):
        return self._activation("elu", args, {**kwargs, "inplace": True}, node)

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
