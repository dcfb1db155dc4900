"""`diffcheck run`, gradients made with `create_graph=True` (`torch.autograd.grad(y, x, create_graph=True)`): each is
an op of its own for the tracer, so that a later backward() through it (a second derivative) is verified the same way
as any call. Its row's engine side runs the first call's program again on the engine and differentiates it with
create_graph (its backward is the engine's second derivative); its SymPy side is SymPy's derivative of that program.
"""

from __future__ import annotations

import numpy as np

from ..ops import Op

CREATE_GRAPH = "CreateGraphGradient"  # the grad_fn of its node in the check's engine run (the snippet never sees it)
MAX_ARGUMENTS = 3  # the inputs of the first call's program a row takes (the engine's nodes hold three at most)


def record(interpreter, first, leaves: dict, inputs: list, results, node) -> None:
    """Trace each gradient `results[k]` (of the first call's output with respect to `inputs[k]`) as an op over the
    leaves of the first call's program (`first`: its Case; `leaves`: name -> entry)."""
    from .trace import CustomCall

    program = first.program
    pos, label = interpreter.position(node), interpreter.source(node)
    names = list(program.inputs)
    problem = None
    if first.rows:
        problem = "a gradient made with create_graph=True through a custom Function is not verifiable yet"
    elif len(names) > MAX_ARGUMENTS:
        problem = f"a gradient made with create_graph=True over {len(names)} inputs (at most {MAX_ARGUMENTS})"
    missing = [name for name in names if name not in leaves]  # grad_outputs' tensor: an input of the program
    if missing and problem is None:
        problem = (
            f"a gradient made with create_graph=True and a tensor as grad_outputs ({missing[0]}) is not verifiable yet"
        )
    by_tensor = {id(entry.tensor): name for name, entry in leaves.items() if entry.tensor is not None}
    refs = tuple(leaves[name] for name in names if name in leaves)
    for value, wrt in zip(results, inputs):
        if value is None or value.grad_fn is None:
            continue
        name = by_tensor.get(id(wrt))
        row = _GradRow(first, name, names)
        why = problem or (None if name is not None else "the input differentiated for is not a leaf of the graph")
        interpreter.tracer._add(
            value, CustomCall(f"d({program.output})/d({name})", row.make, why), refs, {}, label, pos
        )


class _GradRow:
    def __init__(self, first, wrt: str, names: list):
        self.first, self.wrt, self.names = first, wrt, names
        self.gradient = self.leaves = None

    def make(self, name: str) -> Op:
        return Op(
            name=name,
            grad_fn=CREATE_GRAPH,
            forward=self.forward,
            sym=self.sym,
            derivative="create_graph=True",
            vjp=self.vjp,
            arity=len(self.names),
            saves=False,
            elementwise=False,
        )

    def forward(self, *arrays):
        """The first call's program on the engine at these values, differentiated with create_graph=True."""
        from dataclasses import replace

        from .. import engine
        from ..check.run import run_engine

        case = replace(self.first, values={n: np.asarray(a).tolist() for n, a in zip(self.names, arrays)})
        env = run_engine(case, None, backward=False)
        self.leaves = [env[n] for n in self.names]
        (self.gradient,) = engine.grad([env[case.program.output]], [env[self.wrt]], create_graph=True)
        return self.gradient.data

    def vjp(self, F, g, out, *args):
        from .. import engine

        wanted = [t for t in self.leaves if t.requires_grad]
        grads = iter(engine.grad([self.gradient], wanted, [engine.Tensor(g)], allow_unused=True))
        return tuple(
            (lambda r: None if r is None else r.data)(next(grads)) if t.requires_grad else None for t in self.leaves
        )

    def sym(self, sp, *args):
        from .. import symbolic

        index = self.names.index(self.wrt)
        held = symbolic.symbols(f"{self.wrt} (held)", np.shape(args[index]))
        values = dict(zip(self.names, args))
        values[self.wrt] = held
        target = symbolic.scalar_output(symbolic.lower(self.first.program, values)[self.first.program.output])
        back = dict(zip(symbolic.flat(held), symbolic.flat(args[index])))
        if np.ndim(held) == 0:
            return sp.diff(target, held).xreplace(back)
        return np.vectorize(lambda s: sp.diff(target, s).xreplace(back), otypes=[object])(held)
