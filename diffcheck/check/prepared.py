"""The SymPy side of a case, built once from the program alone, and both sides compared at a point."""

from __future__ import annotations


import numpy as np

from .. import ops
from ..lang.indices import index_inputs
from ..lang.lower import fold
from ..lang.program import Program, Var
from .case import Case
from .compare import NONE, NOT_RETAINED, Context, Sided, compare
from .result import CheckResult, OutputInfo, TensorResult, derivative_text, exact_nested, nest, plain


def requiring(program: Program, no_grad: frozenset) -> set[str]:
    """The names whose tensors require grad, as PyTorch decides it: the inputs not in `no_grad`, and the result of
    a differentiable op (a comparison is not) with an argument that requires grad."""
    names = {n: _GRAD if n not in no_grad else None for n in program.inputs}

    def call(node, args, params):
        row = ops.OPS.get(node.op)
        given = (*args, *params.values())  # max(x, y) takes y where the dim goes
        return _GRAD if (row is None or row.grad_fn) and any(a is _GRAD for a in given) else None

    for statement in program.statements:
        names[statement.name] = fold(statement.value, names, call)
    return {n for n, marked in names.items() if marked is _GRAD}


_GRAD = object()  # marks a value that requires grad (a literal of the program, even True, never is)


def origins(program: Program) -> dict[str, str]:
    """Each name's first name: `b = a` names the very tensor `a` is (and retains it with it)."""
    origin = {n: n for n in program.inputs}
    for statement in program.statements:
        value = statement.value
        origin[statement.name] = origin[value.name] if isinstance(value, Var) else statement.name
    return origin


def masked(program: Program) -> bool:
    """The program subscripts by a tensor (`x[x > 0]`): its answer's shape, and so its SymPy side, depends on the
    point. (The last program's answer is kept: check and the symengine route both ask.)"""
    global _LAST
    from ..lang.program import Apply, walk

    last = _LAST  # read once: another thread may replace it
    if last[0] is program:
        return last[1]
    found = any(
        type(node) is Apply and node.op in _BEFORE_KEY and len(node.args) > _BEFORE_KEY[node.op]
        for statement in program.statements
        for node in walk(statement.value)
    )
    _LAST = (program, found)
    return found


_BEFORE_KEY = {"getitem": 1, "setitem": 2}  # a subscript's arguments before its key's tensors
_LAST: tuple = (None, False)  # (program, whether it is masked)


class Prepared:
    """The SymPy side of a case, built and differentiated once, evaluated at any point of the same shapes."""

    sizes = None  # the first derivatives' nodes -> their sizes written out, where counted (derivative_text)

    def __init__(self, case: Case, shapes: dict):
        from .. import symbolic

        self.case, program = case, case.program
        self.indices = index_inputs(program, case.values)  # concrete on this side: no symbols, no derivative
        self.syms = {
            name: self.indices[name] if name in self.indices else symbolic.symbols(name, shapes[name])
            for name in program.inputs
        }
        self.flat_syms = [s for name in self.symbolic_inputs for s in symbolic.flat(self.syms[name])]
        # a mask subscript is decided at the case's point (check builds one Prepared per point for those)
        symbols = {name: self.syms[name] for name in self.symbolic_inputs}
        self.point = symbolic.at_point(symbols, case.values) if masked(program) else None
        full = symbolic.lower(program, self.syms, point=self.point)
        self.target = symbolic.scalar_output(full[program.output])
        self.output = symbolic.Evaluator(symbolic.flat(full[program.output]), self.flat_syms, as_written=True)
        self.target_fn = symbolic.compile_as_written(self.target, self.flat_syms)
        self._describe(program, case)
        self.derivatives = self._first(full)
        firsts = [e for exprs, *_ in self.derivatives.values() for e in exprs]
        symbolic.within_budget(symbolic.flat(full[program.output]) + firsts, case.max_sympy_nodes)
        self.first = symbolic.Evaluator(firsts, self.flat_syms)
        self.second = self._second() if case.order == 2 else []
        seconds = [e for *_, exprs in self.second for e in exprs]
        symbolic.within_budget(firsts + seconds, case.max_sympy_nodes)
        self.second_eval = symbolic.Evaluator(seconds, self.flat_syms)

    def _describe(self, program, case: Case) -> None:
        """The table's rows, and which tensors the exact side differentiates for: requiring leaves always, non-leaves
        when retained (both routes alike)."""
        self.rows = [(n, "input") for n in program.inputs]
        self.rows += [(s.name, "output" if s.name == program.output else "intermediate") for s in program.statements]
        self.requiring = requiring(program, case.no_grad | frozenset(self.indices))
        self.origin = origins(program)

    @property
    def symbolic_inputs(self) -> list[str]:
        """The inputs that are symbols (every one but the index tensors and masks), in the program's order."""
        return [name for name in self.case.program.inputs if name not in self.indices]

    def _first(self, full: dict) -> dict[str, tuple]:
        """name -> (exprs, as-written function, its symbols, held symbols), for each tensor with a `.grad`.

        Aliases share their first name's derivative. A retained non-leaf is held as fresh symbols, and the output
        differentiated with respect to them (`_held`)."""
        retained = {self.origin[name] for name in self.case.retain}
        inputs = [n for n, role in self.rows if role == "input" and n in self.requiring and self.origin[n] == n]
        gradient = iter(self._gradient(self.target, [s for n in inputs for s in _flat(self.syms[n])]))
        derivatives: dict[str, tuple] = {}
        for name, role in self.rows:
            if name not in self.requiring or (role != "input" and self.origin[name] not in retained):
                continue
            if self.origin[name] != name:
                derivatives[name] = derivatives[self.origin[name]]
            elif role == "input":
                exprs = [next(gradient) for _ in range(np.size(self.syms[name]))]
                derivatives[name] = (exprs, self.target_fn, self.flat_syms, [])
            else:
                derivatives[name] = self._held(name, full)
        return derivatives

    def _gradient(self, target, syms: list) -> list:
        """d target / d s for each symbol of `syms`."""
        from .. import symbolic

        return [symbolic.differentiate(target, s) for s in syms]

    def _held(self, name: str, full: dict) -> tuple:
        """The retained non-leaf `name` held as fresh symbols: the output's derivatives with respect to them, its
        value put back in; the output as written as a function of the inputs and the held symbols."""
        from .. import symbolic

        held_array = symbolic.symbols(name, np.shape(full[name]))
        held = symbolic.flat(held_array)
        lowered = symbolic.lower(self.case.program, self.syms, hold={name: held_array}, point=self.point)
        partial = symbolic.scalar_output(lowered[self.case.program.output])
        replace_held = dict(zip(held, symbolic.flat(full[name])))
        exprs = [e.xreplace(replace_held) for e in self._gradient(partial, held)]
        return exprs, symbolic.compile_as_written(partial, self.flat_syms + held), self.flat_syms + held, held

    def _second(self) -> list[tuple]:
        """(label, name_a, name_b, exprs) per Hessian block of the requiring inputs."""
        requiring = [n for n in self.case.program.inputs if n in self.requiring]
        blocks = []
        for i, a in enumerate(requiring):
            for b in requiring[i:]:
                wrt = _flat(self.syms[b])
                exprs = [e for d in self.derivatives[a][0] for e in self._gradient(d, wrt)]
                blocks.append((f"d2/d{a}d{b}", a, b, exprs))
        return blocks

    def at(self, case: Case, engine, env: dict, hits: list) -> CheckResult:
        """The result at `case.values`, from the engine's run there: `env` its tensors by name, `hits` the special
        points its ops met."""
        program, out_name = case.program, case.program.output
        point = [float(v) for n in self.symbolic_inputs for v in np.asarray(case.values[n], dtype=float).reshape(-1)]
        context = Context(case, hits, point)
        out = env[out_name]
        value = engine.value(out)
        out_exact = self.output(point)
        out_status, _, _, _ = compare(np.asarray(value, dtype=float), out_exact, context)
        output = OutputInfo(
            out_name,
            plain(value),
            exact_nested(out_exact, np.shape(value)),
            engine.grad_fn_name(out) if engine.capabilities.grad_fn else None,
            engine.text(out),
            out_status,
        )
        firsts = iter(self.first(point))
        results = [self._row(name, role, engine, env[name], firsts, context, point) for name, role in self.rows]
        if self.second:
            results.extend(self._second_order(case, engine, context, point))
        return CheckResult(
            case.name, program.source, {n: case.values[n] for n in program.inputs}, output, results, case.strict
        )

    def _row(self, name: str, role: str, engine, t, firsts, context: Context, point: list) -> TensorResult:
        """One tensor's row: its `.grad` on the engine against SymPy's derivative (the next ones in `firsts`)."""
        value = engine.value(t)
        shape = tuple(np.shape(value))
        base = dict(name=name, role=role, requires_grad=engine.requires_grad(t), is_leaf=engine.is_leaf(t), shape=shape)
        if name not in self.derivatives:  # .grad is None on both sides: why, and the status that says it
            status, note = (
                (NONE, "requires_grad=False: .grad is None on both sides")
                if not base["requires_grad"]
                else (NOT_RETAINED, f"non-leaf: .grad is None unless retained (--retain-grad {name})")
            )
            none = dict(engine=None, sympy=None, derivative=None, abs_err=None, rel_err=None)
            return TensorResult(**base, **none, status=status, note=note)
        exprs, function, syms, held = self.derivatives[name]
        exact = [next(firsts) for _ in exprs]
        sided = Sided(
            function,
            point + [float(v) for v in np.asarray(value, dtype=float).reshape(-1)] if held else point,
            len(point) if held else self._offset(self.origin[name]),
        )
        numeric = nest([sided.central(k) for k in range(len(exprs))], shape) if context.case.numeric else None
        sympy, derivative = exact_nested(exact, shape), derivative_text(exprs, self.sizes)
        grad = engine.grad(t)
        if grad is None:
            return TensorResult(
                **base,
                engine=None,
                sympy=sympy,
                derivative=derivative,
                abs_err=None,
                rel_err=None,
                status=NONE,
                numeric=numeric,
                note="not reached by backward: PyTorch leaves .grad None",
            )
        status, abs_err, rel_err, note = compare(np.asarray(grad, dtype=float), exact, context.about(name), sided)
        return TensorResult(
            **base,
            engine=plain(grad),
            sympy=sympy,
            derivative=derivative,
            abs_err=abs_err,
            rel_err=rel_err,
            status=status,
            note=note,
            numeric=numeric,
        )

    def _offset(self, name: str) -> int:
        """Index of the first symbol of input `name` in the flat symbol list."""
        offset = 0
        for other in self.symbolic_inputs:
            if other == name:
                return offset
            offset += np.size(self.syms[other])
        raise KeyError(name)

    def _second_order(self, case: Case, engine, context: Context, point: list) -> list[TensorResult]:
        """Hessian blocks on the engine (autograd.grad with create_graph=True, one row per element) against SymPy's."""
        from .run import run_engine

        env = run_engine(case, backward=False, engine=engine)
        out = env[case.program.output]
        scalar = out if np.ndim(engine.value(out)) == 0 else engine.apply(ops.OPS["sum"], (out,), {})
        names = list(dict.fromkeys(n for _, a, b, _ in self.second for n in (a, b)))
        firsts = engine.gradients(scalar, [env[n] for n in names], None, create_graph=True)
        exact = iter(self.second_eval(point))
        rows = []
        for label, a, b, exprs in self.second:
            block = _hessian_block(engine, firsts[names.index(a)], env[a], env[b])
            values = [next(exact) for _ in exprs]
            status, abs_err, rel_err, note = compare(block, values, context.about(a) if a == b else context)
            rows.append(
                TensorResult(
                    label,
                    "second",
                    True,
                    True,
                    block.shape,
                    plain(block),
                    exact_nested(values, block.shape),
                    derivative_text(exprs),
                    abs_err,
                    rel_err,
                    status,
                    note,
                )
            )
        return rows


def _flat(value) -> list:
    """A symbol or an object array of them, as a list (either route's)."""
    return np.asarray(value, dtype=object).reshape(-1).tolist()


def _hessian_block(engine, g, a, b) -> np.ndarray:
    """d g / d b for each element of `g` (the gradient with respect to `a`): one autograd.grad per element."""
    a_shape, b_shape = np.shape(engine.value(a)), np.shape(engine.value(b))
    block = np.zeros(a_shape + b_shape)
    if not engine.requires_grad(g):
        return block
    for k in np.ndindex(*a_shape):
        onehot = np.zeros(a_shape)
        onehot[k] = 1.0
        (h,) = engine.gradients(g, [b], onehot, create_graph=False)
        block[k] = np.asarray(engine.value(h), dtype=float)
    return block
