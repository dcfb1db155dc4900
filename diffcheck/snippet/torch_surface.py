"""`diffcheck run`, the torch surface: tensor attributes and methods, running engine calls, and the builtins that
look inside tensors — each with PyTorch's behaviour and error texts (creating tensors: factories.py; ops by
function, method and operator: op_calls.py).

`TorchSurface` is mixed into the interpreter (`snippet/__init__.py`), which supplies `fail`, `warn`, `source`, `position`
and the tracer; every tensor made here is traced so that backward() calls can be verified.
"""

from __future__ import annotations

import ast

import numpy as np

from .. import engine
from .. import ops
from ..engine import type_name
from ..ops import TorchIndexError, TorchTypeError, TorchValueError
from .hook_surface import is_hook_method
from .names import NUMPY_NAMES, TENSOR_ATTRIBUTES, TENSOR_METHODS
from .values import Raised, SnippetObject

MAX_ELEMENTS = 1_000_000  # elements of one tensor
FLOAT_WARNING = engine.tensors.FLOAT_WARNING


_NODES = (engine.Node, engine.node._AccumulateGrad)  # grad_fn objects: a leaf's AccumulateGrad too


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
        except Raised as error:  # a hook's: a builtin's error is at this line (the traceback has no frame inside it)
            if error.native:
                error.line, error.native = node.lineno, False
            raise
        except RuntimeError as error:  # NotImplementedError too, as PyTorch raises for abs of a bool tensor
            raise Raised(type(error).__name__, str(error), node.lineno) from None
        except TorchIndexError as error:
            raise Raised("IndexError", str(error), node.lineno) from None
        except TorchValueError as error:  # a slice's step, a loss's reduction, its batch sizes
            raise Raised("ValueError", str(error), node.lineno) from None
        except TorchTypeError as error:  # PyTorch's argument parser: clamp's tensor and number bounds together
            raise Raised("TypeError", str(error), node.lineno) from None
        except (ValueError, TypeError, IndexError, OverflowError, ZeroDivisionError) as error:
            raise self.fail(f"cannot run this on diffcheck's engine: {error}", node) from None

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
        return self._engine(getattr, node, value, name)  # x._version of an inference tensor: PyTorch's error

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
        if name == "grad_dtype":
            self._engine(setattr, node, value, name, new)  # PyTorch's RuntimeErrors: not a dtype, not a leaf ...
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
        if is_hook_method(value, name):
            return self.hook_method(value, name, args, kwargs, node)
        if isinstance(value, SnippetObject):
            return value.call_method(self, name, args, kwargs, node)
        if not isinstance(value, engine.Tensor):
            return self.value_method(value, name, args, kwargs, node)
        self._tensor_keywords(name, kwargs, node)
        if name in ops.SIGNATURES:
            return self.op(name, [value, *args], kwargs, node, method=True)
        handler = getattr(self, f"_tensor_{name}", None)
        if handler is None and name[:-1] in ops.SIGNATURES and hasattr(engine.Tensor, name):  # exp_, pow_ ...
            return self.inplace(value, name, args, kwargs, node)
        if handler is None:
            raise Raised("AttributeError", f"'Tensor' object has no attribute '{name}'", node.lineno)
        return handler(value, args, kwargs, node)

    def _tensor_keywords(self, name: str, kwargs: dict, node: ast.Call) -> None:
        """The validator let a list's keywords through for a name a tensor's method has too (`x.sort(reverse=True)`,
        names.method_spec): a tensor's takes its own only."""
        spec = TENSOR_METHODS.get(name)
        for key in kwargs:
            if spec is not None and NUMPY_NAMES.get(key, key) not in spec.keywords and "*" not in spec.keywords:
                supported = f" (supported: {', '.join(sorted(spec.keywords))})" if spec.keywords else ""
                shown = self.source(node.func)
                raise self.fail(f"unexpected keyword argument '{key}' for '{shown}'{supported}", node)

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

    _tensor_nelement = _tensor_numel

    def _tensor_size(self, tensor, args, kwargs, node):
        return Size(tensor.shape)
