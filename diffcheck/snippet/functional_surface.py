"""`diffcheck run`, `torch.autograd.functional`: vjp, jvp, jacobian, hessian, vhp and hvp, built as PyTorch 2.13's
functional.py builds them, from the snippet's own function and torch.autograd.grad (jvp and hvp by the double-backward
trick, jacobian one grad call per output element, hessian the jacobian of a jacobian), so the answers, their grad_fn
and the errors are PyTorch's, and every gradient call inside is recorded and verified as the snippet's own. One
difference: under create_graph an input that requires grad is used as it is, where PyTorch takes a view of it (the
same values and answers; the gradients are then with respect to a leaf, which verifying a second derivative needs).
`strict=True` and the forward-mode strategies are refused; `vectorize=True` gives the same answers one call at a
time. A mixin of the interpreter.
"""

from __future__ import annotations

import ast

from .. import engine
from ..engine import type_name
from .torch_surface import Raised

_SINGLE = "The vector v can only be None if the user-provided function returns a single Tensor with a single element."


class FunctionalSurface:
    """See the module docstring."""

    def _functional_options(self, name: str, args: list, kwargs: dict, names: tuple, node: ast.AST) -> dict:
        options = {**dict(zip(names, args)), **kwargs}
        if options.get("strict"):
            raise self.fail(f"{name}(strict=True) is not supported", node)
        if (
            options.get("strategy", "reverse-mode") != "reverse-mode"
            or options.get("outer_jacobian_strategy", "reverse-mode") != "reverse-mode"
        ):
            raise self.fail(f"{name}() is supported with the reverse-mode strategy only", node)
        return options

    def _as_tuple(self, value, what: str, name: str, node: ast.AST) -> tuple[bool, tuple]:
        """PyTorch's _as_tuple: a tensor or a tuple of tensors, and whether it was a tuple."""
        if isinstance(value, engine.Tensor):
            return False, (value,)
        if not isinstance(value, tuple):
            message = f"The {what} given to {name} must be either a Tensor or a tuple of Tensors but the given {what} "
            raise Raised("TypeError", message + f"has type {_python_type(value)}.", node.lineno)
        for index, element in enumerate(value):
            if not isinstance(element, engine.Tensor):
                raise Raised(
                    "TypeError",
                    f"The {what} given to {name} must be either a Tensor or a tuple of Tensors but the value at index "
                    f"{index} has type {_python_type(element)}.",
                    node.lineno,
                )
        return True, value

    def _preprocess(self, tensors: tuple, create_graph: bool, need_graph: bool, node: ast.AST) -> tuple:
        """_grad_preprocess: an input that requires grad under create_graph as it is (PyTorch takes a view of it, the
        same values: the gradients are then taken with respect to the leaf, which a second derivative's verification
        needs), else a new leaf."""
        out = []
        for tensor in tensors:
            if create_graph and tensor.requires_grad:
                out.append(tensor)
            else:
                leaf = self._detached(tensor, node)
                out.append(self._engine(leaf.requires_grad_, node, need_graph))
        return tuple(out)

    def _postprocess(self, value, create_graph: bool, node: ast.AST):
        """_grad_postprocess: detached answers unless create_graph (nested tuples too)."""
        if create_graph:
            return value
        if isinstance(value, engine.Tensor):
            return self._detached(value, node)
        return tuple(self._postprocess(v, False, node) for v in value)

    def _validate_v(self, v: tuple, other: tuple, is_tuple: bool, node: ast.AST) -> None:
        if len(other) != len(v):
            message = (
                f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}."
                if is_tuple
                else "The given v should contain a single Tensor."
            )
            raise Raised("RuntimeError", message, node.lineno)
        for index, (el_v, el_other) in enumerate(zip(v, other)):
            if tuple(el_v.shape) != tuple(el_other.shape):
                prepend = f"Entry {index} in " if is_tuple else ""
                raise Raised(
                    "RuntimeError",
                    f"{prepend}v has invalid size: should be {el_other.shape} but got {el_v.shape}.",
                    node.lineno,
                )

    def _autograd_grad(self, outputs, inputs, grad_outputs, create_graph, node, retain_graph=None) -> tuple:
        """_autograd_grad: torch.autograd.grad over the outputs that require grad, allow_unused."""
        grad_outputs = grad_outputs if grad_outputs is not None else (None,) * len(outputs)
        pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
        if not pairs:
            return (None,) * len(inputs)
        options = {"allow_unused": True, "create_graph": create_graph, "retain_graph": retain_graph}
        outs, grads = [p[0] for p in pairs], [p[1] for p in pairs]
        return tuple(self._torch_grad([outs, list(inputs), grads], options, node))

    def _fill_in_zeros(self, grads: tuple, refs: tuple, node: ast.AST) -> tuple:
        return tuple(self.op("zeros_like", [r], {}, node) if g is None else g for g, r in zip(grads, refs))

    def _user(self, func, node: ast.AST):
        return lambda tensors: self.call(func, list(tensors), {}, node)

    # ---- the six functions --------------------------------------------------------------------------------------
    def _torch_vjp(self, args, kwargs, node):
        options = self._functional_options("vjp", args, kwargs, ("func", "inputs", "v", "create_graph", "strict"), node)
        create_graph = bool(options.get("create_graph", False))
        with engine.enable_grad():
            is_inputs_tuple, inputs = self._as_tuple(options["inputs"], "inputs", "vjp", node)
            inputs = self._preprocess(inputs, create_graph, True, node)
            outputs = self._user(options["func"], node)(inputs)
            is_outputs_tuple, outputs = self._as_tuple(outputs, "outputs of the user-provided function", "vjp", node)
            v = self._v(options.get("v"), outputs, is_outputs_tuple, create_graph, "vjp", node)
            grads = self._autograd_grad(outputs, inputs, v, create_graph, node)
            vjp = self._fill_in_zeros(grads, inputs, node)
            outputs, vjp = self._postprocess(outputs, create_graph, node), self._postprocess(vjp, create_graph, node)
        return _unpack(outputs, is_outputs_tuple), _unpack(vjp, is_inputs_tuple)

    def _v(self, v, against: tuple, is_tuple: bool, create_graph: bool, name: str, node: ast.AST):
        if v is None:
            if len(against) != 1 or against[0].numel() != 1:
                raise Raised("RuntimeError", _SINGLE, node.lineno)
            return None
        _, v = self._as_tuple(v, "v", name, node)
        v = self._preprocess(v, create_graph, False, node)
        self._validate_v(v, against, is_tuple, node)
        return v

    def _torch_jvp(self, args, kwargs, node):
        options = self._functional_options("jvp", args, kwargs, ("func", "inputs", "v", "create_graph", "strict"), node)
        create_graph = bool(options.get("create_graph", False))
        with engine.enable_grad():
            is_inputs_tuple, inputs = self._as_tuple(options["inputs"], "inputs", "jvp", node)
            inputs = self._preprocess(inputs, create_graph, True, node)
            v = options.get("v")
            if v is None:
                if len(inputs) != 1 or inputs[0].numel() != 1:
                    raise Raised(
                        "RuntimeError",
                        "The vector v can only be None if the input to the user-provided function is a single Tensor "
                        "with a single element.",
                        node.lineno,
                    )
            else:
                _, v = self._as_tuple(v, "v", "jvp", node)
                v = self._preprocess(v, create_graph, False, node)
                self._validate_v(v, inputs, is_inputs_tuple, node)
            outputs = self._user(options["func"], node)(inputs)
            is_outputs_tuple, outputs = self._as_tuple(outputs, "outputs of the user-provided function", "jvp", node)
            grad_outputs = tuple(self._zeros_requiring_grad(out, node) for out in outputs)
            grad_inputs = self._autograd_grad(outputs, inputs, grad_outputs, True, node)
            grads = self._autograd_grad(grad_inputs, grad_outputs, v, create_graph, node)
            jvp = self._fill_in_zeros(grads, outputs, node)
            outputs, jvp = self._postprocess(outputs, create_graph, node), self._postprocess(jvp, create_graph, node)
        return _unpack(outputs, is_outputs_tuple), _unpack(jvp, is_outputs_tuple)

    def _zeros_requiring_grad(self, like, node: ast.AST):
        zeros = self.op("zeros_like", [like], {}, node)
        return self._engine(zeros.requires_grad_, node, True)

    def _torch_jacobian(self, args, kwargs, node):
        names = ("func", "inputs", "create_graph", "strict", "vectorize", "strategy")
        options = self._functional_options("jacobian", args, kwargs, names, node)
        return self._jacobian(self._user(options["func"], node), options["inputs"], options, "jacobian", node)

    def _jacobian(self, call, inputs, options: dict, name: str, node: ast.AST):
        create_graph = bool(options.get("create_graph", False))
        with engine.enable_grad():
            is_inputs_tuple, inputs = self._as_tuple(inputs, "inputs", name, node)
            inputs = self._preprocess(inputs, create_graph, True, node)
            outputs = call(inputs)
            is_outputs_tuple, outputs = self._as_tuple(outputs, "outputs of the user-provided function", name, node)
            jacobian = []
            for out in outputs:
                rows = [[] for _ in inputs]
                flat = self.op("reshape", [out, (-1,)], {}, node, method=True)
                for j in range(out.numel()):
                    element = self.get_item(flat, j, node)
                    grads = self._autograd_grad((element,), inputs, None, create_graph, node, retain_graph=True)
                    for row, grad, inp in zip(rows, grads, inputs):
                        row.append(self.op("zeros_like", [inp], {}, node) if grad is None else grad)
                jacobian.append(
                    tuple(
                        self.op("view", [self.op("stack", [row], {"dim": 0}, node), out.shape + inp.shape], {}, node)
                        for row, inp in zip(rows, inputs)
                    )
                )
            jacobian = self._postprocess(tuple(jacobian), create_graph, node)
        return _unpack_pair(jacobian, is_outputs_tuple, is_inputs_tuple)

    def _torch_hessian(self, args, kwargs, node):
        names = ("func", "inputs", "create_graph", "strict", "vectorize", "outer_jacobian_strategy")
        options = self._functional_options("hessian", args, kwargs, names, node)
        is_inputs_tuple, inputs = self._as_tuple(options["inputs"], "inputs", "hessian", node)
        user = self._user(options["func"], node)

        def single_output(tensors):
            is_tuple, out = self._as_tuple(user(tensors), "outputs of the user-provided function", "hessian", node)
            if is_tuple or out[0].numel() != 1:
                message = (
                    "The function given to hessian should return a single Tensor"
                    if is_tuple
                    else "The Tensor returned by the function given to hessian should contain a single element"
                )
                raise Raised("RuntimeError", message, node.lineno)
            return self.op("squeeze", [out[0]], {}, node, method=True)

        def jac_func(tensors):
            return self._jacobian(single_output, tensors, {"create_graph": True}, "jacobian", node)

        result = self._jacobian(
            jac_func, inputs, options, "jacobian", node
        )  # the inputs as a tuple, as PyTorch passes them
        return _unpack_pair(result, is_inputs_tuple, is_inputs_tuple)

    def _torch_vhp(self, args, kwargs, node):
        return self._hessian_product("vhp", args, kwargs, node)

    def _torch_hvp(self, args, kwargs, node):
        return self._hessian_product("hvp", args, kwargs, node)

    def _hessian_product(self, name: str, args, kwargs, node):
        """vhp: the gradient of the gradient against v; hvp: the same by the double-backward trick (the Hessian
        is symmetric, PyTorch computes hvp so to reach backward's other side)."""
        options = self._functional_options(name, args, kwargs, ("func", "inputs", "v", "create_graph", "strict"), node)
        create_graph = bool(options.get("create_graph", False))
        with engine.enable_grad():
            is_inputs_tuple, inputs = self._as_tuple(options["inputs"], "inputs", name, node)
            inputs = self._preprocess(inputs, create_graph, True, node)
            outputs = self._user(options["func"], node)(inputs)
            is_outputs_tuple, outputs = self._as_tuple(outputs, "outputs of the user-provided function", name, node)
            if is_outputs_tuple or outputs[0].numel() != 1:
                message = (
                    f"The function given to {name} should return a single Tensor"
                    if is_outputs_tuple
                    else f"The Tensor returned by the function given to {name} should contain a single element"
                )
                raise Raised("RuntimeError", message, node.lineno)
            v = options.get("v")
            if v is not None:
                _, v = self._as_tuple(v, "v", name, node)
                v = self._preprocess(v, create_graph, False, node)
                self._validate_v(v, inputs, is_inputs_tuple, node)
            elif len(inputs) != 1 or inputs[0].numel() != 1:
                raise Raised(
                    "RuntimeError",
                    "The vector v can only be None if the input to the user-provided function is a single Tensor "
                    "with a single element.",
                    node.lineno,
                )
            jac = self._autograd_grad(outputs, inputs, None, True, node)
            if name == "hvp":
                grad_jac = tuple(self._zeros_requiring_grad(inp, node) for inp in inputs)
                double_back = self._autograd_grad(jac, inputs, grad_jac, True, node)
            if name == "hvp":
                grads = self._autograd_grad(double_back, grad_jac, v, create_graph, node)
            else:
                grads = self._autograd_grad(jac, inputs, v, create_graph, node)
            product = self._fill_in_zeros(grads, inputs, node)
            outputs, product = (
                self._postprocess(outputs, create_graph, node),
                self._postprocess(product, create_graph, node),
            )
        return _unpack(outputs, is_outputs_tuple), _unpack(product, is_inputs_tuple)


def _unpack(value: tuple, is_tuple: bool):
    return value if is_tuple else value[0]


def _unpack_pair(value: tuple, outer: bool, inner: bool):
    """_tuple_postprocess with two flags: a jacobian indexed by outputs, then inputs."""
    if not inner:
        value = tuple(v[0] for v in value)
    return value if outer else value[0]


def _python_type(value) -> str:
    return f"<class '{type_name(value)}'>"
