"""`diffcheck run`, the rest of torch's surface: in-place methods and augmented assignment on tensors (PyTorch's
leaf error, the version counter, `.data` sharing storage), `backward()` on one-element tensors and with
`create_graph`, `torch.autograd.grad`, `torch.allclose`/`isclose`/`equal`, `torch.is_grad_enabled`. A mixin of the
interpreter; every gradient call is recorded for verification as backward() is."""

from __future__ import annotations

import ast
import weakref

import numpy as np

from .. import engine, ops
from ..engine import hooks, type_name
from ..errors import DiffcheckError
from . import second_order
from .hook_surface import REPLACED
from .torch_surface import Raised
from .verification import Backward

_OP_OF = {"add_": "add", "sub_": "sub", "mul_": "mul", "div_": "div", "zero_": "zero", "copy_": "expand"}


def _op_of(method: str):
    """The op an in-place method records (`exp_`: exp), as the tracer names it; None for one it cannot."""
    if method in _OP_OF:
        return _OP_OF[method]
    name = method[:-1]
    return name if name in ops.SIGNATURES and hasattr(engine.Tensor, method) else None


class AutogradSurface:
    """See the module docstring."""

    # ---- in place ----------------------------------------------------------------------------------------------
    def inplace(self, tensor, method: str, args: list, kwargs: dict, node: ast.AST):
        for value in [*args, *kwargs.values()]:
            if value is not None and not isinstance(value, (engine.Tensor, int, float)):
                raise Raised(
                    "TypeError", f"{method}(): argument 'other' must be Tensor, not {type_name(value)}", node.lineno
                )
        others = [a for a in [*args, *kwargs.values()] if isinstance(a, engine.Tensor)]
        graph = engine.is_grad_enabled() and (tensor.requires_grad or any(o.requires_grad for o in others))
        if not graph and tensor.grad_fn is not None:
            raise self.fail(f"{method}() on a tensor of the graph under no_grad is not supported", node)
        recorded = graph and not (tensor.is_leaf and tensor.requires_grad)
        if recorded and (_op_of(method) is None or kwargs.get("alpha", 1) != 1 or method != "clamp_" and kwargs):
            raise self.fail(f"{method}() recorded in the graph is not supported (write it out of place)", node)
        refs = None
        if recorded:
            label, pos = self.source(node), self.position(node)
            refs = [self.tracer.entry(tensor, label, pos)] + [
                self.tracer.entry(a, label, pos) if isinstance(a, engine.Tensor) else a for a in args
            ]
        self._guard_shapes(_op_of(method) or method, [tensor, *others], node)
        self._engine(getattr(tensor, method), node, *args, **kwargs)
        if recorded and method == "zero_":  # checked as y * 0: SymPy's derivative is ZeroBackward0's zeros
            self.tracer._add(tensor, "mul", (refs[0], 0), {}, self.source(node), self.position(node))
        elif recorded and method == "copy_":  # the source's values in the tensor's shape: checked as its expand
            size = tuple(tensor.shape)
            self.tracer._add(tensor, "expand", (refs[1],), {"size": size}, self.source(node), self.position(node))
        elif recorded:
            op = _op_of(method)
            params = {k: v for k, v in kwargs.items() if v is not None} if op == "clamp" else {}
            if op == "clamp" and args:
                params.update(zip(("min", "max"), args))
                refs = refs[:1]
            self.tracer._add(tensor, op, tuple(refs), params, self.source(node), self.position(node))
        if recorded and tensor._base is not None:  # a view: its base has the new values (CopySlices)
            self.tracer.written(tensor, self.source(node), self.position(node))
        self._share(tensor)
        return tensor

    def _share(self, tensor) -> None:
        """`.data` shares storage: every tensor of the group takes the new values (which graphs that saved one read
        in backward: the tracer notes it)."""
        for ref in self.aliases.get(id(tensor), ()):
            other = ref()
            if other is None:
                continue
            if other is not tensor:
                other.data = tensor.data
            self.tracer.data_changed(other)

    def _alias(self, a, b) -> None:
        """`b` shares `a`'s storage. A group holds its tensors weakly (a loop reading `w.data` makes one each step)
        and a freed tensor leaves it, its id free for another."""
        group = self.aliases.get(id(a))
        if group is None:
            group = self.aliases[id(a)] = [weakref.ref(a)]
            weakref.finalize(a, self.aliases.pop, id(a), None)
        if not any(ref() is b for ref in group):
            group[:] = [ref for ref in group if ref() is not None] + [weakref.ref(b)]
            self.aliases[id(b)] = group
            weakref.finalize(b, self.aliases.pop, id(b), None)

    def _tensor_clone(self, tensor, args, kwargs, node):
        """x.clone(): the table's clone row (CloneBackward0), which users reach by this method alone."""
        result = self._engine(engine.FUNCTIONS["clone"], node, tensor)
        self.tracer.op(result, "clone", (tensor,), {}, self.source(node), self.position(node))
        return result

    def _tensor_add_(self, tensor, args, kwargs, node):
        return self.inplace(tensor, "add_", args, kwargs, node)

    def _tensor_sub_(self, tensor, args, kwargs, node):
        return self.inplace(tensor, "sub_", args, kwargs, node)

    def _tensor_mul_(self, tensor, args, kwargs, node):
        return self.inplace(tensor, "mul_", args, kwargs, node)

    def _tensor_div_(self, tensor, args, kwargs, node):
        return self.inplace(tensor, "div_", args, kwargs, node)

    def _tensor_clamp_(self, tensor, args, kwargs, node):
        if not args and kwargs.get("min") is None and kwargs.get("max") is None:
            raise Raised("RuntimeError", "At least one of 'min' or 'max' must not be None", node.lineno)
        return self.inplace(tensor, "clamp_", args, kwargs, node)

    def _tensor_fill_(self, tensor, args, kwargs, node):
        return self.inplace(tensor, "fill_", args, kwargs, node)

    def _tensor_copy_(self, tensor, args, kwargs, node):
        if not isinstance(args[0], engine.Tensor):
            raise Raised("TypeError", f"copy_(): argument 'src' must be Tensor, not {type_name(args[0])}", node.lineno)
        return self.inplace(tensor, "copy_", args, kwargs, node)

    def _tensor_zero_(self, tensor, args, kwargs, node):
        return self._zero(tensor, node)

    def _zero(self, tensor, node):
        if tensor.requires_grad and engine.is_grad_enabled():
            if tensor.is_leaf:
                raise Raised("RuntimeError", engine.inplace.LEAF_INPLACE, node.lineno)
            return self.inplace(tensor, "zero_", [], {}, node)  # ZeroBackward0
        if tensor.grad_fn is not None:
            raise self.fail("zero_() on a tensor of the graph under no_grad is not supported", node)
        tensor.zero_()
        self._share(tensor)
        return tensor

    # ---- gradients ---------------------------------------------------------------------------------------------
    def _tensor_backward(self, tensor, args, kwargs, node):
        options = {**dict(zip(("gradient", "retain_graph", "create_graph", "inputs"), args)), **kwargs}
        gradient, retain_graph, inputs = options.get("gradient"), options.get("retain_graph"), options.get("inputs")
        inputs = [inputs] if isinstance(inputs, engine.Tensor) else inputs
        if inputs is not None and not (
            isinstance(inputs, (list, tuple)) and inputs and all(isinstance(t, engine.Tensor) for t in inputs)
        ):
            raise self.fail("backward(inputs=...) must be a tensor or a list or tuple of tensors", node)
        create_graph = options.get("create_graph", False)
        if isinstance(gradient, (int, float)):
            raise Raised("TypeError", f"'{type_name(gradient)}' object is not iterable", node.lineno)
        if gradient is not None and not isinstance(gradient, engine.Tensor):
            raise self.fail(f"backward(gradient=...) must be a tensor, not {type_name(gradient)}", node)
        for key in ("retain_graph", "create_graph"):
            if options.get(key) is not None and not isinstance(options.get(key), bool):
                raise self.fail(f"backward({key}=...) must be True, False or None", node)
        implicit = _implicit(tensor, gradient)
        leaves: dict = {}
        given: dict = {}  # gradient's name in the program -> the tensor
        call = self._gradient_call(tensor, gradient, node, leaves, given)  # the graph before backward frees it
        alive = {name: entry.tensor for name, entry in leaves.items() if entry.tensor is not None}  # freed: no .grad
        before = {name: tensor._grad for name, tensor in alive.items()}
        # the .grad a verified call's answer is added to (copied: accumulation may add in place)
        held = {name: _data(grad) for name, grad in before.items()} if call.case is not None else {}
        hooks.state.replaced = False
        self._engine(tensor.backward, node, implicit, retain_graph, bool(create_graph), inputs)
        if hooks.state.replaced:  # the gradients are not the graph's derivatives (with inputs=, they are: checked)
            call.case, call.problem = None, REPLACED
        elif call.case is not None and inputs is None:  # what the snippet saw, held against the traced graph's
            call.own = {name: (held[name], _data(t._grad)) for name, t in alive.items()}
        self.outcome.record(call)
        if create_graph and call.case is not None:  # a .grad made here (not added to) is d(out)/d(leaf), an op
            made = [t for n, t in alive.items() if before[n] is None and t.grad is not None]
            second_order.record(self, call.case, leaves, made, [t.grad for t in made], node, given)

    def _record(self, tensor, gradient, node, leaves=None, given=None) -> None:
        call = self._gradient_call(tensor, gradient, node, leaves, given)
        if hooks.state.replaced:
            call.case, call.problem = None, REPLACED
        self.outcome.record(call)

    def _gradient_call(self, tensor, gradient, node, leaves=None, given=None) -> Backward:
        call = Backward(node.lineno, self.source(node))
        try:
            call.case = self.tracer.case(
                tensor, gradient, self.scope.flat(), call.text, self.position(node), leaves=leaves, given=given
            )
        except DiffcheckError as error:
            call.problem = error.message
        return call

    def _torch_grad(self, args, kwargs, node):
        names = ("outputs", "inputs", "grad_outputs", "retain_graph", "create_graph", "allow_unused")
        options = {**dict(zip(names, args)), **kwargs}
        outputs, inputs = options.get("outputs"), options.get("inputs")
        outs = [outputs] if isinstance(outputs, engine.Tensor) else list(outputs or ())
        ins = [inputs] if isinstance(inputs, engine.Tensor) else list(inputs or ())
        grads = options.get("grad_outputs")
        grads = [grads] if isinstance(grads, engine.Tensor) or grads is None else list(grads)
        grads = [None] * len(outs) if len(grads) == 1 and grads[0] is None else grads
        if not all(isinstance(t, engine.Tensor) for t in outs + ins) or not outs or not ins:
            raise self.fail("torch.autograd.grad() takes tensors, or lists or tuples of tensors", node)
        if len(grads) != len(outs) or not all(g is None or isinstance(g, engine.Tensor) for g in grads):
            raise self.fail("grad_outputs must be a tensor or a list of tensors, one per output", node)
        implicit = [_implicit(t, g) for t, g in zip(outs, grads)]
        flags = {k: options[k] for k in ("retain_graph", "create_graph", "allow_unused") if options.get(k) is not None}
        hooks.state.replaced = False
        result = self._engine(engine.grad, node, outs, ins, implicit, **flags)
        leaves: dict = {}
        given: dict = {}  # grad_outputs' names in the program -> their tensors
        for out, g in zip(outs, grads):
            self._record(out, g, node, leaves, given)
        first = self.outcome.last.case if len(outs) == 1 else None
        problem = self.outcome.last.problem  # why the call is not verified, if it is not
        if flags.get("create_graph") and len(outs) > 1 and not hooks.state.replaced:
            first, leaves, given, problem = self._joint_case(outs, grads, node)
        if flags.get("create_graph") and first is not None:  # d(out)/d(input) as an op: a second derivative verifies
            second_order.record(self, first, leaves, ins, result, node, given)
            return result
        for value in result:
            if value is not None:
                self.tracer.leaf(value, self.source(node), self.position(node))
                if value.grad_fn is not None:  # made with create_graph=True by a call that is not verified
                    self.tracer.record(value).unverifiable = (
                        f"the graph goes through a gradient made with create_graph=True on line {node.lineno}, whose "
                        f"call is not verified: {problem}"
                    )
        return result

    def _joint_case(self, outs: list, grads: list, node) -> tuple:
        """The program of several outputs' gradients at once (the sum of their terms), which a gradient made with
        create_graph=True is the derivative of, with its leaves and grad_outputs by name; or None and why not."""
        leaves: dict = {}
        given: dict = {}
        pairs = list(zip(outs, grads))
        try:
            case = self.tracer.joint_case(
                pairs, self.scope.flat(), self.source(node), self.position(node), None, leaves, given
            )
        except DiffcheckError as error:
            return None, leaves, given, error.message
        return case, leaves, given, None

    def _torch_allclose(self, args, kwargs, node):
        return bool(np.all(self._close(args, kwargs, node)))

    def _torch_isclose(self, args, kwargs, node):
        result = engine.Tensor(np.asarray(self._close(args, kwargs, node))[()])
        self.tracer.leaf(result, self.source(node), self.position(node))
        return result

    def _close(self, args, kwargs, node):
        options = {**dict(zip(("input", "other", "rtol", "atol", "equal_nan"), args)), **kwargs}
        a, b = options["input"], options["other"]
        if not isinstance(a, engine.Tensor) or not isinstance(b, engine.Tensor):
            bad = b if isinstance(a, engine.Tensor) else a
            raise Raised("TypeError", f"argument 'other' must be Tensor, not {type_name(bad)}", node.lineno)
        if a.dtype != b.dtype:
            raise Raised(
                "RuntimeError",
                f"{a.dtype.__repr__()[6:].capitalize()} did not match {b.dtype.__repr__()[6:].capitalize()}",
                node.lineno,
            )
        self._guard_shapes("isclose", [a, b], node)
        rtol, atol = options.get("rtol", 1e-05), options.get("atol", 1e-08)
        return np.isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=bool(options.get("equal_nan", False)))

    def _torch_equal(self, args, kwargs, node):
        options = {**dict(zip(("input", "other"), args)), **kwargs}
        return _equal(options["input"], options["other"], False, node)

    def _tensor_equal(self, tensor, args, kwargs, node):
        options = {**dict(zip(("other",), args)), **kwargs}
        if "other" not in options:
            raise Raised("TypeError", 'equal() missing 1 required positional arguments: "other"', node.lineno)
        return _equal(tensor, options["other"], True, node)

    def _torch_is_grad_enabled(self, args, kwargs, node):
        return engine.is_grad_enabled()

    def _torch_is_inference_mode_enabled(self, args, kwargs, node):
        return engine.is_inference_mode_enabled()

    def _tensor_is_inference(self, tensor, args, kwargs, node):
        return tensor.is_inference()


def _equal(a, b, method: bool, node) -> bool:
    """torch.equal: the same size and the same values (as PyTorch compares them across dtypes: 1 == 1.0 == True;
    nan is never equal, -0.0 equals 0.0), whatever requires grad; a Python bool."""
    for name, value, position in (("input", a, 1), ("other", b, 2 - method)):
        if not isinstance(value, engine.Tensor) and not (method and name == "input"):
            raise Raised(
                "TypeError",
                f"equal(): argument '{name}' (position {position}) must be Tensor, not {type_name(value)}",
                node.lineno,
            )
    return bool(a.shape == b.shape and np.array_equal(a.data, b.data))


def _implicit(tensor, gradient):
    """PyTorch takes backward() without a gradient on any one-element tensor (shape (1,) too): ones of its shape."""
    if gradient is None and tensor.numel() == 1 and tensor.dim() > 0:
        return engine.Tensor(np.ones(tensor.shape, dtype=np.result_type(tensor.data)))
    return gradient


def _data(grad):
    """A .grad's values as they are now (a later in-place change of .grad must not reach them), or None."""
    return None if grad is None else np.array(grad.data)
