"""The fuzz generator: case `index` of a run seeded `seed` — a random program over the op table (its forms drawn from
the rows' arity, parameters and domains), its point, requires_grad flags and retained intermediates."""

from __future__ import annotations

import functools

import numpy as np

from .. import ops
from ..lang.program import Apply, Assign, Const, Expr, Var
from . import Candidate, program_text
from .shapes import RECIPES
from ..ops.subscripts import key_of
from .losses import LossForms, shape_of
from .tables import edges_of, tables

NAMES = ("x", "y", "z", "u", "v", "w", "p", "q", "r", "s")
PIECEWISE = 1  # where/clamp/maximum/minimum/relu per program: SymPy takes minutes over nested Piecewise
EDGE_RATE = 0.25  # share of cases with one input moved onto a kink or domain edge


@functools.cache
def _recipes(rearrange: tuple) -> list[tuple[str, ...]]:
    """The rearranging ops grouped by their recipe, in table order."""
    groups: dict = {}
    for op in rearrange:
        groups.setdefault(RECIPES[op], []).append(op)
    return [tuple(ops_) for ops_ in groups.values()]


class _Generator(LossForms):
    """One random program: statements of nested ops, each subtree shaped to fit its parent."""

    def __init__(self, rng: np.random.Generator, depth: int):
        self.rng, self.depth = rng, depth
        self.inputs: dict[str, tuple] = {}
        self.indices: dict[str, tuple] = {}  # integer inputs: name -> (shape, bound)
        self.named: dict[str, tuple] = {}  # earlier statements, usable as shared subexpressions
        self.edges: list[tuple] = []  # ("value", input, value) | ("tie", input, input)
        self.unused: list[str] = []  # intermediates no later statement reads yet
        self.budget = 0  # ops left for the statement being built: keeps SymPy's work per case bounded
        self.piecewise = PIECEWISE
        self.made: dict[int, tuple] = {}  # id of a node a recipe made -> its shape (fuzz/shapes.py)

    def pick(self, items):
        return items[int(self.rng.integers(len(items)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def dim(self) -> int:
        return 3 if self.chance(0.25) else 2  # SymPy's work grows with every element

    def shape(self) -> tuple:
        return self.pick([(), (), (self.dim(),), (self.dim(), self.dim())])

    def leaf(self, shape: tuple, fresh_input: bool = False) -> Var:
        names = [n for n, s in self.named.items() if s == shape]
        if names and not fresh_input and self.chance(0.5):
            unused = [n for n in names if n in self.unused]
            name = self.pick(unused or names)
            self.unused = [n for n in self.unused if n != name]
            return Var(name)
        same = [n for n, s in self.inputs.items() if s == shape]
        if same and self.chance(0.6):
            return Var(self.pick(same))
        name = next((n for n in NAMES if n not in self.inputs), f"x{len(self.inputs)}")
        self.inputs[name] = shape
        return Var(name)

    def guarded(self, shape: tuple, depth: int, op: str) -> Expr:
        """The argument of a domain-limited op: mostly a plain input, so the point can respect the domain."""
        if self.chance(0.6):
            var = self.leaf(shape, fresh_input=True)
            if var.name in self.inputs and edges_of(op) is not None:
                self.edges.extend(("value", var.name, v) for v in edges_of(op))
            return var
        return self.expr(shape, depth - 1)

    def broadcast(self, shape: tuple) -> tuple:
        return self.pick([shape, shape, (), shape[1:]]) if shape else ()

    def expr(self, shape: tuple, depth: int) -> Expr:
        if depth <= 1 or self.budget <= 0 or self.chance(0.15):
            return self.leaf(shape)
        self.budget -= 1
        forms = ["unary"] * 8 + ["binary"] * 3 + ["const"] * 2 + ["pow", "reduce", "reduce", "matmul"]
        forms += ["subscript"] * (len(shape) < 2)
        forms += ["clamp", "where", "minmax"] * (self.piecewise > 0)
        forms += ["along"] * (len(shape) > 0 and bool(tables().along))
        forms += ["param", "modular"] * (self.piecewise > 0)
        forms += ["rearrange"] * 5 * bool(tables().rearrange)  # 15 recipes (views, matrices, blends, cat ...)
        forms += ["loss"] + ["classify"] * (len(shape) <= 1) + ["select"] * (len(shape) > 0 and self.piecewise > 0)
        form = self.pick([f for f in forms if f != "reduce" or len(shape) < 2])
        self.piecewise -= form in ("clamp", "where", "minmax", "param", "modular")
        return getattr(self, "_" + form)(shape, depth)

    def _unary(self, shape, depth):
        op = self.pick([u for u in tables().unary if u != "relu" or self.piecewise > 0])
        self.piecewise -= op == "relu"  # its SymPy form is a Piecewise
        arg = self.guarded(shape, depth, op) if edges_of(op) is not None else self.expr(shape, depth - 1)
        return Apply(op, (arg,))

    def _binary(self, shape, depth):
        op = self.pick(tables().binary)
        a, b = self.expr(shape, depth - 1), self.expr(self.broadcast(shape), depth - 1)
        return Apply(op, (a, b) if self.chance(0.5) else (b, a))

    # Parameters are non-negative (the parser keeps `-1` as neg(1), which a parameter refuses); hardtanh's bounds in
    # order and celu's alpha never 0 this way.
    _PARAM_VALUES = {"min_val": (0.0, 0.5), "max_val": (1.5, 2.0), "eps": (0.05, 0.2)}  # logit's eps below 1/2

    def _param(self, shape, depth):
        op = self.pick(tables().param)
        arg = self.guarded(shape, depth, op) if edges_of(op) is not None else self.expr(shape, depth - 1)
        params = []
        for param in ops.FRONTS[op].params:
            if self.chance(0.5):
                continue
            if ops.kind_of(param) == "choice":
                params.append((str(param), Const(self.pick(param.choices))))
            else:
                params.append((str(param), Const(self.pick(self._PARAM_VALUES.get(param, (0.2, 0.5, 1.5, 2.0))))))
        return Apply(op, (arg,), tuple(params))

    def _modular(self, shape, depth):
        op, a = self.pick(tables().modular), self.expr(shape, depth - 1)
        if self.chance(0.5):  # by a number: FmodBackward0 / RemainderBackward0
            return Apply(op, (a, Const(self.pick([0.5, 1.5, 2]))))
        return Apply(op, (a, self.guarded(self.broadcast(shape), depth, "sqrt")))  # a divisor away from 0

    def _minmax(self, shape, depth):
        op, a = self.pick(tables().minmax), self.expr(shape, depth - 1)
        b = Const(self.pick([0.5, 1, 2])) if self.chance(0.3) else self.expr(self.broadcast(shape), depth - 1)
        if isinstance(a, Var) and a.name in self.inputs:
            self.edges.append(
                ("value", a.name, float(b.value))
                if isinstance(b, Const)
                else ("tie", a.name, b.name)
                if isinstance(b, Var)
                else ()
            )
        return Apply(op, (a, b) if self.chance(0.5) else (b, a))

    def _const(self, shape, depth):
        c = Const(self.pick([0.5, 1, 2, 1.5, 3]))
        op = self.pick(["add", "mul", "sub", "div", "rsub", "rdiv"])
        if op in ("rsub", "rdiv"):  # `c - e`, `c / e`: PyTorch's RsubBackward1 and reciprocal-times-c
            arg = self.guarded(shape, depth, "reciprocal") if op == "rdiv" else self.expr(shape, depth - 1)
            return Apply(op[1:], (c, arg))
        return Apply(op, (self.expr(shape, depth - 1), c))

    def _pow(self, shape, depth):
        kind = self.pick(["const", "const", "base", "tensor"])
        if kind == "base":  # c ** e: PowBackward2
            return Apply("pow", (Const(self.pick([2, 0.5, 3])), self.expr(shape, depth - 1)))
        if kind == "tensor":  # e ** e: PowBackward1, base kept in its domain
            return Apply("pow", (self.guarded(shape, depth, "sqrt"), self.expr(self.broadcast(shape), depth - 1)))
        e = self.pick([2, 3, 0.5, 1.5, 0, -1])
        base = self.guarded(shape, depth, "sqrt") if e != int(e) or e <= 0 else self.expr(shape, depth - 1)
        return Apply("pow", (base, Const(e) if e >= 0 else Apply("neg", (Const(-e),))))

    def _clamp(self, shape, depth):
        # Bounds are non-negative: the parser keeps `-1` as neg(1), which clamp refuses as a parameter.
        bounds = self.pick([(("min", 0.5),), (("max", 1),), (("min", 0), ("max", 1.5))])
        arg = self.expr(shape, depth - 1)
        if isinstance(arg, Var) and arg.name in self.inputs:
            self.edges.extend(("value", arg.name, float(v)) for _, v in bounds)
        return Apply("clamp", (arg,), tuple((k, Const(v)) for k, v in bounds))

    def _where(self, shape, depth):
        cond = Apply(
            self.pick(tables().compare),
            (self.expr(self.broadcast(shape), depth - 1), self.expr(self.broadcast(shape), depth - 1)),
        )
        return Apply("where", (cond, self.expr(shape, depth - 1), self.expr(self.broadcast(shape), depth - 1)))

    def _reduce(self, shape, depth):
        op = self.pick(tables().reduce)
        if shape == ():
            inner = self.pick([(self.dim(),), (self.dim(), self.dim())])
            if ops.FRONTS[op].needs_param:  # a dim it must have: the whole of a 1-D argument
                return Apply(op, (self.expr(inner[:1], depth - 1),), (("dim", Const(0)),))
            return Apply(op, (self.expr(inner, depth - 1),))
        dim = int(self.rng.integers(2))  # a (n,) result from a 2-D argument, reduced along `dim`
        inner = (self.dim(), shape[0]) if dim == 0 else (shape[0], self.dim())
        reduced = Apply(op, (self.expr(inner, depth - 1),), (("dim", Const(dim)),))
        sig = ops.FRONTS[op]
        if sig.dim_row and ops.OPS[sig.dim_row].outputs > 1:  # max(x, dim): (values, indices), the values
            return Apply("getitem", (reduced,), (("key", Const((False, (0,)))),))
        return reduced

    def _subscript(self, shape, depth):
        """x[i] of a tensor one dim larger (an int, negative too), or x[a:b] of a longer vector."""
        if shape and self.chance(0.5):
            n = shape[0] + int(self.rng.integers(0, 3))
            start = int(self.rng.integers(0, n - shape[0] + 1))
            key = (False, (("slice", start, start + shape[0], None),))
            return Apply("getitem", (self.expr((n, *shape[1:]), depth - 1),), (("key", Const(key)),))
        n = self.dim()
        index = int(self.rng.integers(-n, n))
        return Apply("getitem", (self.expr((n, *shape), depth - 1),), (("key", Const((False, (index,)))),))

    def _along(self, shape, depth):
        """An op along one dim that keeps the shape (softmax, cumsum), along a dim of the answer's own shape."""
        op = self.pick(tables().along)
        dim = int(self.rng.integers(len(shape)))
        params = (("dim", Const(dim)),)
        keyword = ops.FRONTS[op].keyword_row  # sort(x, dim=1, stable=True): at odd dims, no further draw, so that
        if keyword and dim % 2:  # a seed's programs stay what they were
            params += ((keyword[0], Const(True)),)
        made = Apply(op, (self.expr(shape, depth - 1),), params)
        if ops.OPS[ops.FRONTS[op].row].outputs > 1:  # sort: (values, indices), the values
            return Apply("getitem", (made,), (("key", Const((False, (0,)))),))
        return made

    def _rearrange(self, shape, depth):
        """An op that moves elements (view, cat, T, linear ...), by its recipe; an expression of another form where
        the recipe has none for this shape. A recipe is drawn first, then one of its ops: a recipe of many ops (the
        views and matrices) does not crowd out the others (cat, which draws split)."""
        recipes = _recipes(tables().rearrange)
        for i in self.rng.permutation(len(recipes))[:3]:  # up to three tries at a recipe for this shape
            op = self.pick(recipes[int(i)])
            made = RECIPES[op](self, op, shape, depth)
            if made is not None:
                self.made[id(made)] = shape
                return made
        return self._unary(shape, depth)

    def _matmul(self, shape, depth):
        k = self.dim()
        if len(shape) == 1 and self.chance(0.3):  # a vector @ a matrix: SqueezeBackward4 over MmBackward0
            return Apply("matmul", (self.expr((k,), depth - 1), self.expr((k, shape[0]), depth - 1)))
        left = {0: (k,), 1: (shape[0], k) if shape else (), 2: (shape[0], k) if shape else ()}[len(shape)]
        right = (k,) if len(shape) < 2 else (k, shape[1])
        return Apply("matmul", (self.expr(left, depth - 1), self.expr(right, depth - 1)))

    def program(self) -> list[Assign]:
        statements = []
        count = int(self.rng.integers(1, 4))
        for i in range(count):
            name = "out" if i == count - 1 else f"t{i + 1}"
            depth, self.budget = int(self.rng.integers(min(2, self.depth), self.depth + 1)), 2 + self.depth // 2
            shape = self.named[self.unused[-1]] if self.unused and self.chance(0.8) else self.shape()
            statements.append(Assign(name, self.expr(shape, depth)))
            indices = {n: shape for n, (shape, _) in self.indices.items()}
            self.named[name] = _shape_of(statements[-1].value, {**self.inputs, **indices}, self.named, self.made)
            self.unused.append(name)
        return statements


def _shape_of(expr: Expr, inputs: dict, named: dict, made: dict) -> tuple:
    """The result shape of a generated expression (every generated subtree has a known shape)."""
    if isinstance(expr, Const):
        return ()
    if isinstance(expr, Var):
        return inputs.get(expr.name, named.get(expr.name, ()))
    if id(expr) in made:
        return made[id(expr)]
    shapes = [_shape_of(a, inputs, named, made) for a in expr.args]
    if expr.op == "getitem":
        inner = expr.args[0]
        if isinstance(inner, Apply) and _several_outputs(inner.op):  # max(x, dim)[0], sort(x, dim)[0]: the values
            return shapes[0]
        return np.shape(np.zeros(shapes[0])[key_of(dict(expr.params)["key"].value, [])])
    if (shape := shape_of(expr, shapes)) is not None:
        return shape
    if expr.op in tables().reduce:
        dims = dict(expr.params)
        return (
            ()
            if "dim" not in dims
            else tuple(n for i, n in enumerate(shapes[0]) if i != dims["dim"].value % len(shapes[0]))
        )
    if expr.op == "matmul":
        return tuple(shapes[0][:-1]) + tuple(shapes[1][1:])
    return max(shapes, key=len)


def _several_outputs(op: str) -> bool:
    """Whether the generator's `op(...)[0]` takes the first of the op's answers (its values), not a row of a tensor."""
    row = ops.OPS.get(ops.FRONTS[op].row) if op in ops.FRONTS else None  # (matmul's rows go by rank: none here)
    return op in tables().reduce or (row is not None and row.outputs > 1)


def _requires(expr: Expr, requiring: set) -> bool:
    """Whether a value requires grad as PyTorch decides it: comparisons never do; `where` through its branches."""
    if isinstance(expr, Var):
        return expr.name in requiring
    if isinstance(expr, Const) or expr.op in tables().compare:
        return False
    return any(_requires(a, requiring) for a in (expr.args[1:] if expr.op == "where" else expr.args))


def generate(seed: int, index: int, depth: int) -> Candidate:
    """Case `index` of the run seeded `seed`: program, point, requires_grad flags and retained intermediates."""
    from ..lang.parse import parse_program
    from ..check.points import domains

    rng = np.random.default_rng([seed, index])
    gen = _Generator(rng, depth)
    statements = gen.program()
    program = parse_program(program_text(statements), where=f"fuzz case {index}")
    bounds = domains(program)
    values = {
        n: np.asarray(np.round(rng.uniform(*bounds[n], size=gen.inputs[n]), 3))
        for n in program.inputs
        if n not in gen.indices
    }
    edges = [e for e in gen.edges if e and e[1] in values]
    if edges and rng.random() < EDGE_RATE:
        edge = edges[int(rng.integers(len(edges)))]
        target = values[edge[1]]
        if edge[0] == "tie":
            source = values.get(edge[2])
            if source is not None and source.shape == target.shape:
                target[...] = source
        elif target.ndim == 0 or rng.random() < 0.5:
            target[...] = edge[2]
        else:
            target.reshape(-1)[int(rng.integers(target.size))] = edge[2]
    values.update({n: rng.integers(0, bound, size=shape) for n, (shape, bound) in gen.indices.items()})
    floats = [n for n in program.inputs if n not in gen.indices]
    no_grad = {n for n in floats if rng.random() < 0.25}
    if floats and len(no_grad) == len(floats):
        no_grad.discard(floats[0])
    requiring = set(floats) - no_grad
    retain = set()
    for s in program.statements:
        if _requires(s.value, requiring):
            requiring.add(s.name)
            if s.name != program.output and rng.random() < 0.3:
                retain.add(s.name)
    return Candidate(program, {n: v.tolist() for n, v in values.items()}, frozenset(no_grad), frozenset(retain))
