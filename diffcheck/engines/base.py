"""The engine under test, behind one interface: all that check, verify, run and fuzz ask of an autograd engine.

diffcheck runs a program twice: once exactly in SymPy, once on an autograd engine whose gradients it judges. The engine
is reached only through `Engine`, so diffcheck's own engine, PyTorch, JAX or a user's engine are interchangeable.

Writing an adapter
------------------
Subclass `Engine` and implement the seven required methods. A tensor of your engine is any Python object (a
"handle"); diffcheck never looks inside it, it only passes it back to your methods. Arguments that are not handles
are Python numbers (int, float, bool). Everything diffcheck reads comes back as NumPy data.

1. `leaf(data, dtype, requires_grad)`: a leaf tensor from a NumPy array (0-d for a scalar) in `dtype` ("float64" or
   "float32", one of `capabilities.dtypes`).
2. `apply(op, args, params)`: one row of diffcheck's op table (`diffcheck.ops.Op`) applied forward. `op.name` says
   which ("add", "mul", "sin", "sum_dim" ...); `args` are handles or Python numbers in the row's order (`2 - x` arrives
   as the row "rsub" with args `(x, 2)`); `params` the row's keyword parameters (`dim`, `keepdim`, `min`, `max`).
   Overloads are already resolved: you never choose between rows. The result requires grad when an argument does
   and the row is differentiable (`op.grad_fn` is not empty), as in PyTorch.
3. `value(t)`: the forward value as a NumPy array (a NumPy scalar is fine for 0-d).
4. `requires_grad(t)` and `is_leaf(t)`: as PyTorch defines them (a tensor that does not require grad is a leaf).
5. `backward(out, gradient)`: reverse-accumulate from `out` into the `.grad` of leaves (and of retained tensors).
   `gradient` is None for a 0-d output, else a NumPy array of ones of its shape.
6. `grad(t)`: what `.grad` holds afterwards, as a NumPy array, or None where PyTorch leaves it None: a tensor that
   does not require grad, one backward never reached, a non-leaf that was not retained.

Then declare what else it can do in `capabilities`; check asks for a capability only when a case needs it and
otherwise reports the case as not supported by this engine (`Unsupported`), as it does for an op outside
`capabilities.ops`.

- `retain_grad(t)`: make backward fill the `.grad` of non-leaf `t` (cases with `--retain-grad`).
- `gradients(out, inputs, grad_output, create_graph)`: torch.autograd.grad (second derivatives, `--order 2`).
- `grad_fn_name(t)` and `next_functions(t)`: PyTorch's node names (`check` shows the output's; the graph view).
- `text(t)`: how the engine prints a tensor (defaults to `repr`).
- `fork_safe = True`: a case with a `--timeout` may run in a forked child killed at its deadline (pure Python and NumPy
  engines); left False, the case runs on a thread, which a runaway C call can outlive.

A micrograd-style `Value` (scalar, `+`, `*`, `.backward()`, `.grad`) fits in about thirty lines::

    class Micrograd(Engine):
        name = label = "micrograd"
        capabilities = Capabilities(ops=frozenset({"add", "mul"}))

        def leaf(self, data, dtype, requires_grad):
            v = Value(float(data))
            v.wants = requires_grad  # micrograd has no requires_grad: the adapter keeps it
            return v

        def apply(self, op, args, params):
            a, b = (x if isinstance(x, Value) else Value(x) for x in args)
            out = a + b if op.name == "add" else a * b
            out.wants = any(getattr(x, "wants", False) for x in args)
            return out

        def value(self, t): return np.float64(t.data)
        def requires_grad(self, t): return t.wants
        def is_leaf(self, t): return not t._prev or not t.wants
        def backward(self, out, gradient): out.backward()
        def grad(self, t): return np.float64(t.grad) if t.wants and self.is_leaf(t) else None

tests/test_engines.py runs such an engine through `check`.
"""

from __future__ import annotations

import functools
import itertools
import types
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

import numpy as np

from .. import ops
from ..errors import DiffcheckError

if TYPE_CHECKING:
    from ..lang.program import Pos
    from ..ops import Op

Handle = Any  # an engine's tensor: opaque to diffcheck, handed back to the engine's own methods


@dataclass(frozen=True)
class Capabilities:
    """What an engine can do beyond the seven required methods."""

    dtypes: frozenset = frozenset({"float64"})  # the dtypes `leaf` takes ("float64", "float32")
    ops: Optional[frozenset] = None  # the table rows `apply` computes, by name; None: every row
    retain_grad: bool = False  # `retain_grad(t)` works
    second_order: bool = False  # `gradients(..., create_graph=True)` is differentiable again
    grad_fn: bool = False  # `grad_fn_name(t)` names the node that made `t`
    next_functions: bool = False  # `next_functions(t)` names the nodes its grad_fn sends gradients to


class Unsupported(DiffcheckError):
    """A case needs something the engine does not have (an op, a dtype, second derivatives ...): an outcome of the
    case on this engine, not a wrong gradient."""

    def __init__(self, engine: str, feature: str, pos: Optional[Pos] = None):
        super().__init__(f"{feature} is not supported by engine '{engine}'", pos)
        self.engine, self.feature = engine, feature


class Engine(ABC):
    """An autograd engine under test (see the module docstring for how to write one)."""

    name: str = ""  # how commands name it: "diffcheck", "torch"
    label: str = ""  # how reports name it: "diffcheck", "PyTorch"
    capabilities: Capabilities = Capabilities()
    # Exceptions `apply` raises for operands that cannot be combined (shapes that do not fit): check reports them as
    # the program's mistake, one line naming the op. Anything else the engine raises reaches the caller.
    program_errors: tuple[type[BaseException], ...] = ()
    # Exceptions with which `apply` refuses a program in PyTorch's words (a loss's reduction, a target out of
    # bounds): check reports the text, one line naming the op.
    refusals: tuple[type[BaseException], ...] = ()
    # Exceptions with which the engine refuses a program diffcheck's own engine runs: a comparison of engines
    # (`fuzz --against`) reports them as a difference.
    errors: tuple[type[BaseException], ...] = ()
    own_conventions: bool = False  # its values at kinks are conventions of its own, not PyTorch's
    # a budgeted case may run in a forked child (check/budget.py); False for frameworks whose thread pools do not
    # survive a fork (PyTorch, JAX, and any user's engine unless it says so): their cases keep a thread's budget
    fork_safe: bool = False

    @abstractmethod
    def leaf(self, data: np.ndarray, dtype: str, requires_grad: bool) -> Handle:
        """A leaf tensor holding `data` in `dtype`."""

    @abstractmethod
    def apply(self, op: Op, args: Sequence[Any], params: Mapping[str, Any]) -> Handle:
        """Table row `op` forward on handles and Python numbers in the row's order, with the row's parameters."""

    @abstractmethod
    def value(self, t: Handle) -> np.ndarray:
        """The forward value, as NumPy."""

    @abstractmethod
    def requires_grad(self, t: Handle) -> bool:
        """Whether gradients flow to `t`."""

    @abstractmethod
    def is_leaf(self, t: Handle) -> bool:
        """Made by `leaf`, or not requiring grad (PyTorch's is_leaf)."""

    @abstractmethod
    def backward(self, out: Handle, gradient: Optional[np.ndarray]) -> None:
        """out.backward(gradient): None for a 0-d output."""

    @abstractmethod
    def grad(self, t: Handle) -> Optional[np.ndarray]:
        """`.grad` after backward, as NumPy; None where PyTorch leaves it None."""

    def supports(self, op: Op) -> bool:
        ops = self.capabilities.ops
        return ops is None or op.name in ops

    def retain_grad(self, t: Handle) -> None:
        """t.retain_grad(): backward fills the `.grad` of this non-leaf too."""
        raise Unsupported(self.name, "retain_grad()")

    def gradients(
        self, out: Handle, inputs: Sequence[Handle], grad_output: Optional[np.ndarray], create_graph: bool
    ) -> list[Handle]:
        """torch.autograd.grad(out, inputs, grad_output, create_graph=...): one handle per input (zeros where `out`
        does not depend on it), the graph kept for further calls; with `create_graph` the results have a graph of
        their own to differentiate again."""
        raise Unsupported(self.name, "second derivatives")

    def grad_fn_name(self, t: Handle) -> Optional[str]:
        """The name of `t`'s grad_fn ("MulBackward0"); None for a leaf."""
        raise Unsupported(self.name, "grad_fn names")

    def next_functions(self, t: Handle) -> tuple[Optional[str], ...]:
        """The names in `t.grad_fn.next_functions`: a grad_fn's, "AccumulateGrad" for a leaf requiring grad, None
        for an input without a gradient (a tensor that does not require grad, or a Python number)."""
        raise Unsupported(self.name, "next_functions")

    def text(self, t: Handle) -> str:
        """The tensor as the engine prints it."""
        return repr(t)

    def getitem(self, t: Handle, key) -> Handle:
        """`t[key]`, PyTorch's subscript: `key` holds ints, slices, None, Ellipsis, lists, and handles (a mask)."""
        raise Unsupported(self.name, "subscripts")

    def setitem(self, t: Handle, key, value) -> Handle:
        """A copy of `t` with `value` written at `key` (`t[key] = value` as PyTorch records it), `t` unchanged."""
        raise Unsupported(self.name, "item assignment")


# ---- helpers for adapters of frameworks that spell ops as PyTorch or NumPy do ---------------------------------------
def rows(engine: Engine) -> types.SimpleNamespace:
    """The table's rows as functions of `engine` (`F.mul(a, b)` applies the row "mul"): what a `via` row composes."""
    return types.SimpleNamespace(**{name: functools.partial(_apply_row, engine, name) for name in ops.OPS})


def _apply_row(engine: Engine, name: str, *args):
    """The row on `engine`: its tensors, then its parameters by name (`F.expand(x, (2, 3))`: size=(2, 3))."""
    op = ops.OPS[name]
    count = 1 if op.variadic else op.arity
    return engine.apply(op, args[:count], dict(zip(op.params, args[count:])))


@functools.cache
def spelling(name: str) -> tuple[str, tuple[int, ...]]:
    """How users spell row `name`: the front op whose call dispatches to it, and for each of the row's arguments its
    position in that call (`rpow(x, c)` is `pow(c, x)`: ("pow", (1, 0))). Asked of the dispatch itself
    (ops.resolve), over every kind of argument: a Python number, or a tensor of 0 to 2 dimensions."""
    for front, signature in ops.SIGNATURES.items():
        if signature.name != front:  # an alias (`clip`, `max` ...)
            continue
        if signature.row == name and ops.OPS[name].variadic:  # cat([x, y]): its one list
            return front, (0,)
        if signature.tensor_params == name:  # its parameters given as tensors, in order: clamp(x, lo, hi)
            return front, tuple(range(ops.OPS[name].arity))
        param_choices = [{}, {"dim": 0}] if "dim" in signature.params else [{}]
        tensors = [p for p in signature.params if ops.kind_of(p) == "tensor"]  # linear's bias: an argument then
        param_choices += [{t: signature.arity + i for i, t in enumerate(tensors)}] if tensors else []
        if signature.list_row:
            param_choices.append({signature.params[0]: (1,)})
        if signature.keyword_row:  # sort(x, stable=True): sort_stable
            param_choices.append({signature.keyword_row[0]: True})
        for kinds, params in itertools.product(
            itertools.product((None, 0, 1, 2, 3), repeat=signature.arity), param_choices
        ):
            positions = tuple(range(signature.arity))
            try:
                row, order, _ = ops.resolve(front, positions, params, kinds.__getitem__)
            except (ValueError, IndexError):
                continue
            if row.name == name and sorted(order) == list(range(len(order))):
                return front, tuple(order)
    raise KeyError(name)
