"""`diffcheck run`, gradients made with `create_graph=True` (`torch.autograd.grad(y, x, create_graph=True)`): each is
an op of its own for the tracer, so that a later backward() through it (a second derivative) is verified the same way
as any call. Its row takes every input of the first call's program, grad_outputs' tensor included (a leaf or a
computed tensor: the gradient is linear in it, and its gradient flows back to it when it requires grad). Its engine
side runs that program again on fresh leaves and differentiates it with create_graph, as the snippet did; its exact
side is the derivative of that program (by symengine on the fast route, by SymPy on SymPy's).

Rows nest: a create_graph gradient of a graph that holds one (`hvp`'s double-backward trick) runs the inner row as an
op of its program. Differentiating a row with create_graph (a row inside another's program) gives, per input, the
next derivative of the same program as a node of the engine's own (`engine.custom`), whose backward is the derivative
after that: every order is computed from the first call's program on fresh leaves, never by walking a graph that a
walk in progress holds.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from .. import engine
from ..ops import Op

CREATE_GRAPH = "CreateGraphGradient"  # the grad_fn of its node in the check's engine run (the snippet never sees it)
MAX_DEPTH = 3  # rows nested in rows' programs: a gradient of a gradient of a gradient made with create_graph=True


def record(interpreter, first, leaves: dict, inputs: list, results, node, given: dict) -> None:
    """Trace each gradient `results[k]` (of the first call's output with respect to `inputs[k]`) as an op over the
    inputs of the first call's program (`first`: its Case; `leaves`: name -> entry; `given`: name -> grad_outputs'
    tensor, which the program holds constant)."""
    from .trace import CustomCall

    program = first.program
    pos, label = interpreter.position(node), interpreter.source(node)
    names = list(program.inputs)
    refs = [leaves[name] if name in leaves else interpreter.tracer.entry(given[name], label, pos) for name in names]
    depth = 1 + max((_depth(row) for row in first.rows if row.grad_fn == CREATE_GRAPH), default=0)
    problem = None
    if any(row.grad_fn != CREATE_GRAPH for row in first.rows):
        problem = "a gradient made with create_graph=True through a custom Function is not verifiable yet"
    elif depth > MAX_DEPTH:
        problem = (
            f"gradients made with create_graph=True nested {depth} deep (each of a graph holding the one before): "
            f"at most {MAX_DEPTH} are verifiable"
        )
    by_tensor = {id(entry.tensor): name for name, entry in leaves.items() if entry.tensor is not None}
    requiring = tuple(ref.requires_grad for ref in refs)
    for value, wrt in zip(results, inputs):
        if value is None or value.grad_fn is None:
            continue
        name = by_tensor.get(id(wrt))
        why = problem or (None if name is not None else "the input differentiated for is not a leaf of the graph")
        row = _GradRow(_Derivative(first, (names.index(name),) if name is not None else ()), requiring, depth)
        interpreter.tracer._add(
            value, CustomCall(f"d({program.output})/d({name})", row.make, why), tuple(refs), {}, label, pos
        )


def _depth(row: Op) -> int:
    return row.forward.__self__.depth


class _Derivative:
    """The first call's program (`first`, a Case) differentiated along `steps`: the gradient of its output with
    respect to input `steps[0]`, then of the sum of that times a seed with respect to input `steps[1]`, and so on.
    Its inputs are the program's, then one seed per step after the first (each of the previous value's shape)."""

    def __init__(self, first, steps: tuple):
        self.first, self.steps = first, steps
        self.names = list(first.program.inputs)

    def then(self, wrt: int) -> "_Derivative":
        """The gradient of sum(this * seed) with respect to input `wrt`: the seed is the last input."""
        return _Derivative(self.first, (*self.steps, wrt))

    def value(self, arrays: list, requiring: tuple, seed=None, wanted: tuple = ()):
        """The derivative at `arrays` on fresh leaves (those in `requiring` and the ones differentiated for requiring
        grad), each step with create_graph=True as the snippet took it; given `seed`, instead the gradients of
        sum(derivative * seed) with respect to the inputs `wanted` (arrays, None where not connected)."""
        count = len(self.names)
        floats = [np.asarray(a) for a in arrays if np.asarray(a).dtype.kind == "f"]
        dtype = floats[0].dtype.name if floats else "float64"
        requires = [bool(r) or i in self.steps or i in wanted for i, r in enumerate(requiring)]
        values = {name: np.asarray(a).tolist() for name, a in zip(self.names, arrays)}
        no_grad = frozenset(name for name, r in zip(self.names, requires) if not r)
        fresh = replace(self.first, values=values, no_grad=no_grad, retain=frozenset(), dtype=dtype)
        with _nested_rows(fresh) as case:
            from ..check.run import run_engine

            with engine.enable_grad():
                env = run_engine(case, None, backward=False)
                leaves = [env[name] for name in self.names] + [
                    engine.Tensor(np.asarray(a, dtype=dtype)[()], requires_grad=r)
                    for a, r in zip(arrays[count:], requires[count:])
                ]
                value = env[case.program.output]
                for step, wrt in enumerate(self.steps):
                    value = _gradient(value, leaves[wrt], leaves[count + step - 1] if step else None)
                if seed is None:
                    return value.data
                if not value.requires_grad:
                    return [None] * len(wanted)
                grads = engine.grad(
                    [value], [leaves[i] for i in wanted], [engine.Tensor(np.asarray(seed))], allow_unused=True
                )
                return [None if g is None else g.data for g in grads]

    def symbolic(self, sp, args: list):
        """The exact derivative at `args` (one object array or expression per input), on SymPy or on symengine (`sp`
        its shim): the program lowered over symbols of its own, differentiated step by step, then the arguments put
        in their place."""
        from ..lang.indices import index_inputs

        algebra = _Algebra(sp)
        held = [algebra.held(arg) for arg in args]
        count = len(self.names)
        with _nested_rows(self.first) as case:
            concrete = index_inputs(case.program, case.values)  # an index, a mask, a weight: as the snippet had it
            inputs = {name: concrete.get(name, h) for name, h in zip(self.names, held)}
            out = algebra.lower(case.program, inputs)[case.program.output]
        value = algebra.total(_each(lambda e: e, out).reshape(-1))
        for step, wrt in enumerate(self.steps):
            if step:
                seed = _each(lambda e: e, held[count + step - 1]).reshape(-1)
                value = algebra.total([s * v for s, v in zip(seed, value.reshape(-1))])
            value = _each(lambda s, target=value: algebra.differentiate(target, s), held[wrt])
        back = {}
        for h, arg in zip(held, args):
            if h is not arg:
                back.update(zip(_each(lambda e: e, h).reshape(-1), _each(lambda e: e, arg).reshape(-1)))
        answer = _each(lambda e: algebra.exact(e).xreplace(back), value)
        return answer[()] if answer.ndim == 0 else answer


class _Algebra:
    """What `_Derivative.symbolic` needs of SymPy, or of symengine (the exact side's fast route) when `sp` is its
    shim: symbols of its own (Dummies: a row nested in another's program never mistakes them for the outer row's),
    the program's lowering, sums and derivatives."""

    def __init__(self, sp):
        if sp is sys.modules.get("sympy"):  # (importing SymPy to ask would cost the fast route a second and more)
            from .. import symbolic

            self.basic, self.dummy, self.lower = sp.Basic, lambda: sp.Dummy("held", real=True), symbolic.lower
            self.exact, self.differentiate = sp.sympify, symbolic.differentiate
        else:
            import symengine

            from ..check import forms

            self.basic, self.dummy, self.lower = symengine.Basic, lambda: symengine.Dummy("held"), forms.lower
            self.exact, self.differentiate = forms.to_symengine, lambda expr, s: expr.diff(s)
        self.add = sp.Add

    def held(self, arg):
        """Symbols of its own for an argument that is symbolic; an index (concrete integers) as it is."""
        array = np.asarray(arg, dtype=object)
        if not any(isinstance(e, self.basic) for e in array.reshape(-1)):
            return arg
        dummies = _each(lambda e: self.dummy(), array)
        return dummies[()] if dummies.ndim == 0 else dummies

    def total(self, terms):
        return self.add(*(self.exact(t) for t in terms))


def _gradient(value, wrt, seed):
    """d sum(value * seed) / d wrt with create_graph (seed None: ones), zeros where `value` does not reach `wrt`."""
    if value.requires_grad:
        if seed is None and value.dim():  # a one-element output: PyTorch's implicit gradient
            seed = engine.Tensor(np.ones_like(value.data))
        (answer,) = engine.grad([value], [wrt], None if seed is None else [seed], create_graph=True, allow_unused=True)
        if answer is not None:
            return answer
    return engine.Tensor(np.zeros_like(wrt.data))


def _each(function, value) -> np.ndarray:
    """`function` of each element, as an object array of the same shape (0-d for a scalar)."""
    array = np.asarray(value, dtype=object)
    out = np.empty(array.shape, dtype=object)
    for index in np.ndindex(*array.shape):
        out[index] = function(array[index])
    return out


@contextmanager
def _nested_rows(case):
    """The case with the gradient rows its program holds (earlier create_graph calls) in the table, under names free
    there now (the check running around it has its own rows in the table)."""
    if not case.rows:
        yield case
        return
    from .. import ops
    from .verification import _free_names

    case = _free_names(case)
    with ops.registered(*case.rows):
        yield case


def _applied(derivative: _Derivative, tensors: tuple):
    """`derivative` at `tensors` as one node of the graph they are in (a custom Function of the engine's): its forward
    the value, its backward the next derivative (as such a node again under create_graph)."""
    from ..engine import custom

    requiring = tuple(t.requires_grad for t in tensors)

    def forward(ctx, *args):
        return engine.Tensor(derivative.value([a.data for a in args], requiring))

    def backward(ctx, grads):
        return _input_gradients(derivative, ctx.args, grads[0], requiring)

    return custom.apply(CREATE_GRAPH, forward, backward, tuple(tensors))


def _input_gradients(derivative: _Derivative, tensors, g, requiring: tuple) -> tuple:
    """The gradients of sum(derivative * g) with respect to the inputs that require grad: values, or under
    create_graph (`g` a tensor while grad mode is on) the next derivative applied to the inputs and `g`."""
    wanted = tuple(i for i, r in enumerate(requiring) if r)
    if isinstance(g, engine.Tensor) and engine.is_grad_enabled():
        answers = {i: _applied(derivative.then(i), (*tensors, g)) for i in wanted}
    else:
        data = [t.data if isinstance(t, engine.Tensor) else t for t in tensors]
        seed = g.data if isinstance(g, engine.Tensor) else g
        grads = derivative.value(data, requiring, seed, wanted)
        answers = {i: None if a is None else engine.Tensor(a) for i, a in zip(wanted, grads)}
    return tuple(answers.get(i) for i in range(len(tensors)))


class _GradRow:
    """The table row of one create_graph gradient: variadic (any number of inputs), keeping its inputs' values, so
    its rule needs no state from its forward."""

    def __init__(self, derivative: _Derivative, requiring: tuple, depth: int):
        self.derivative, self.requiring, self.depth = derivative, requiring, depth

    def make(self, name: str) -> Op:
        def vjp(F, g, out, tensors):  # the names `_kept` reads: the inputs are kept, the answer is not
            answers = _input_gradients(self.derivative, tensors, g, self.requiring)
            return tuple(a if a is None or isinstance(g, engine.Tensor) else a.data for a in answers)

        return Op(
            name=name,
            grad_fn=CREATE_GRAPH,
            forward=self.forward,
            sym=self.sym,
            derivative="create_graph=True",
            vjp=vjp,
            variadic=True,
            elementwise=False,
        )

    def forward(self, arrays):
        """The first call's program on the engine at these values, differentiated with create_graph=True."""
        return self.derivative.value(list(arrays), self.requiring)

    def sym(self, sp, args):
        return self.derivative.symbolic(sp, [a[()] if np.ndim(a) == 0 else a for a in args])
