"""The fuzz generator's recipes for ops that move elements: for each, the argument shapes (and parameters) that give
an answer of the shape wanted, so every draw is a valid program. An op without a recipe here is not drawn (bmm and
matmul of 3-D operands: generated programs stay 2-D at most); split, chunk and unbind are drawn inside cat and stack,
which take their tuples."""

from __future__ import annotations

from ..lang.program import Apply, Const


def _reversed(gen, op, shape, depth):  # t, T: the argument's dims reversed (a 0-D or 1-D argument is itself)
    return Apply(op, (gen.expr(tuple(reversed(shape)), depth - 1),))


def _swapped(gen, op, shape, depth):  # mT, transpose, swapaxes, permute of a matrix
    if len(shape) < 2:
        return None
    arg = gen.expr((shape[1], shape[0]), depth - 1)
    params = {"mT": (), "permute": (("dims", Const((1, 0))),)}.get(op, (("dim0", Const(0)), ("dim1", Const(-1))))
    return Apply(op, (arg,), params)


def _viewed(gen, op, shape, depth):  # view, reshape: from the reversed shape (the same size); flatten from a matrix
    if op == "flatten":
        if len(shape) != 1:
            return None
        return Apply(op, (gen.expr((2, shape[0] // 2) if shape[0] % 2 == 0 else (1, shape[0]), depth - 1),))
    return Apply(
        op, (gen.expr(tuple(reversed(shape)), depth - 1),), (("shape" if op == "reshape" else "size", Const(shape)),)
    )


def _squeezed(gen, op, shape, depth):  # squeeze(unsqueeze(e, d), d): the shape kept, both nodes drawn
    d = int(gen.rng.integers(len(shape) + 1))
    inner = Apply("unsqueeze", (gen.expr(shape, depth - 1),), (("dim", Const(d)),))
    dim = gen.pick([(), (("dim", Const(d)),), (("dim", Const((d,))),)])  # SqueezeBackward0, 1, 2
    return Apply("squeeze", (inner,), dim)


def _expanded(gen, op, shape, depth):  # expand from a 1 in place of the first dim; expand_as against an input
    if not shape:
        return None
    arg = gen.expr((1,) + shape[1:], depth - 1)
    if op == "expand_as":
        return Apply(op, (arg, gen.leaf(shape)))
    return Apply(op, (arg,), (("size", Const(shape)),))  # expand, broadcast_to


def _repeated(gen, op, shape, depth):  # repeat (tile) along the first dim of an even size
    if not shape or shape[0] % 2:
        return None
    name = "dims" if op == "tile" else "repeats"
    return Apply(
        op, (gen.expr((shape[0] // 2,) + shape[1:], depth - 1),), ((name, Const((2,) + (1,) * (len(shape) - 1))),)
    )


def _flipped(gen, op, shape, depth):
    if not shape:
        return None
    return Apply(
        op,
        (gen.expr(shape, depth - 1),),
        (
            (
                "dims",
                Const((int(gen.rng.integers(len(shape))),)),
            ),
        ),
    )


def _joined(gen, op, shape, depth):
    """cat of two pieces along a dim (or of split's, chunk's pieces); stack of the rows (or of unbind's)."""
    if not shape:
        return None
    d = int(gen.rng.integers(len(shape)))
    if op == "stack":
        if gen.chance(0.5):
            return Apply(
                op, (Apply("unbind", (gen.expr(shape, depth - 1),), (("dim", Const(d)),)),), (("dim", Const(d)),)
            )
        rest = shape[:d] + shape[d + 1 :]
        return Apply(op, tuple(gen.expr(rest, depth - 1) for _ in range(shape[d])), (("dim", Const(d)),))
    if gen.chance(0.7):
        sizes = (1, shape[d] - 1)  # split_with_sizes
        piece = gen.pick(
            [
                ("split", "split_size_or_sections", 1),
                ("split", "split_size_or_sections", sizes),
                ("chunk", "chunks", 2),
            ]
        )
        inner = Apply(piece[0], (gen.expr(shape, depth - 1),), ((piece[1], Const(piece[2])), ("dim", Const(d))))
        return Apply(op, (inner,), (("dim", Const(d)),))
    first = shape[:d] + (1,) + shape[d + 1 :]
    second = shape[:d] + (shape[d] - 1,) + shape[d + 1 :]
    return Apply(op, (gen.expr(first, depth - 1), gen.expr(second, depth - 1)), (("dim", Const(d)),))


def _products(gen, op, shape, depth):
    """outer of two vectors; linear and addmm whose answer is the shape (a matrix, or a vector for linear)."""
    k = gen.dim()
    if op == "outer":
        return Apply(op, (gen.expr(shape[:1], depth - 1), gen.expr(shape[1:], depth - 1))) if len(shape) == 2 else None
    if op == "addmm":
        if len(shape) != 2:
            return None
        mats = (gen.expr((shape[0], k), depth - 1), gen.expr((k, shape[1]), depth - 1))
        return Apply(op, (gen.expr(shape[1:], depth - 1), *mats), (("beta", Const(0.5)),) if gen.chance(0.3) else ())
    if not shape:
        return None
    x, w = gen.expr(shape[:-1] + (k,), depth - 1), gen.expr((shape[-1], k), depth - 1)
    return Apply(op, (x, w), (("bias", gen.expr(shape[-1:], depth - 1)),) if gen.chance(0.4) else ())


def _normalised(gen, op, shape, depth):  # layer_norm over the last dim, with a weight and a bias or neither
    if not shape:
        return None
    params = (("normalized_shape", Const(shape[-1:])),)
    if gen.chance(0.5):
        params += (("weight", gen.expr(shape[-1:], depth - 1)), ("bias", gen.expr(shape[-1:], depth - 1)))
    return Apply(op, (gen.expr(shape, depth - 1),), params)


def _sliced(gen, op, shape, depth):
    """narrow and select of a bigger argument along dim 0; diff of one with a longer last dim."""
    if not shape and op != "select":
        return None
    if op == "select":
        n = gen.dim()
        return Apply(op, (gen.expr((n,) + shape, depth - 1),), (("dim", Const(0)), ("index", Const(n - 1))))
    if op == "narrow":
        arg = gen.expr((shape[0] + 1,) + shape[1:], depth - 1)
        return Apply(op, (arg,), (("dim", Const(0)), ("start", Const(1)), ("length", Const(shape[0]))))
    return Apply(op, (gen.expr(shape[:-1] + (shape[-1] + 1,), depth - 1),))  # diff along the last dim


def _moved(gen, op, shape, depth):
    """movedim of a matrix; contiguous of a transpose (a copy) or of anything (itself); roll; tril and triu."""
    if op == "contiguous":
        if len(shape) == 2 and gen.chance(0.5):
            return Apply(op, (Apply("T", (gen.expr((shape[1], shape[0]), depth - 1),)),))
        return Apply(op, (gen.expr(shape, depth - 1),))
    if not shape:
        return None
    if op == "roll":
        dims = (("dims", Const(int(gen.rng.integers(len(shape))))),) if gen.chance(0.5) else ()
        return Apply(op, (gen.expr(shape, depth - 1),), (("shifts", Const(1)),) + dims)
    if len(shape) != 2:
        return None
    if op == "movedim":
        return Apply(
            op, (gen.expr((shape[1], shape[0]), depth - 1),), (("source", Const(0)), ("destination", Const(1)))
        )
    return Apply(op, (gen.expr(shape, depth - 1),), (("diagonal", Const(int(gen.rng.integers(2)))),))


def _diagonals(gen, op, shape, depth):
    """diagonal of a square matrix (a vector); diag of a vector (a matrix) or of a matrix; trace (a number)."""
    if op == "trace":
        return Apply(op, (gen.expr((gen.dim(),) * 2, depth - 1),)) if not shape else None
    if len(shape) == 1:
        return Apply(op, (gen.expr(shape * 2, depth - 1),))
    if op == "diag" and len(shape) == 2 and shape[0] == shape[1]:
        return Apply(op, (gen.expr(shape[:1], depth - 1),))
    return None


def _unflattened(gen, op, shape, depth):
    """ravel of a matrix, repeat_interleave of a vector of half the size; unflatten of its rows flattened."""
    if op == "unflatten":
        if len(shape) != 2:
            return None
        return Apply(op, (gen.expr((shape[0] * shape[1],), depth - 1),), (("dim", Const(0)), ("sizes", Const(shape))))
    if len(shape) != 1:
        return None
    if op == "ravel":
        return Apply(op, (gen.expr((2, shape[0] // 2) if shape[0] % 2 == 0 else (1, shape[0]), depth - 1),))
    if shape[0] % 2:
        return None
    return Apply(op, (gen.expr((shape[0] // 2,), depth - 1),), (("repeats", Const(2)),))


def _blended(gen, op, shape, depth):
    """addcmul, addcdiv and lerp of tensors of the answer's shape (lerp's weight a number or a tensor)."""
    args = tuple(gen.expr(shape, depth - 1) for _ in range(2))
    if op == "lerp":
        weight = gen.expr(shape, depth - 1) if gen.chance(0.5) else Const(gen.pick([0.3, 0.7]))
        return Apply(op, args, (("weight", weight),))
    return Apply(op, args + (gen.expr(shape, depth - 1),), (("value", Const(gen.pick([0.5, 2.0]))),))


def _padded(gen, op, shape, depth):
    """pad: the answer's last dim one longer than the argument's (one side, a constant); median: a number."""
    if op == "median":
        return (
            Apply(op, (gen.expr(gen.pick([(gen.dim(),), (gen.dim(), gen.dim())]), depth - 1),)) if not shape else None
        )
    if not shape or shape[-1] < 2:
        return None
    arg = gen.expr(shape[:-1] + (shape[-1] - 1,), depth - 1)
    return Apply(op, (arg,), (("pad", Const(gen.pick([(1, 0), (0, 1)]))), ("value", Const(gen.pick([0.0, 0.5])))))


RECIPES = {
    "t": _reversed,
    "T": _reversed,
    "mT": _swapped,
    "transpose": _swapped,
    "permute": _swapped,
    "view": _viewed,
    "reshape": _viewed,
    "flatten": _viewed,
    "squeeze": _squeezed,
    "expand": _expanded,
    "expand_as": _expanded,
    "repeat": _repeated,
    "tile": _repeated,
    "broadcast_to": _expanded,
    "narrow": _sliced,
    "select": _sliced,
    "diff": _sliced,
    "contiguous": _moved,
    "roll": _moved,
    "movedim": _moved,
    "tril": _moved,
    "triu": _moved,
    "diagonal": _diagonals,
    "diag": _diagonals,
    "trace": _diagonals,
    "ravel": _unflattened,
    "unflatten": _unflattened,
    "repeat_interleave": _unflattened,
    "pad": _padded,
    "median": _padded,
    "addcmul": _blended,
    "addcdiv": _blended,
    "lerp": _blended,
    "flip": _flipped,
    "cat": _joined,
    "stack": _joined,
    "outer": _products,
    "linear": _products,
    "addmm": _products,
    "layer_norm": _normalised,
}
# drawn inside another recipe, or not at all (and why): `diffcheck fuzz` covers every other op of the table
NOT_DRAWN = {
    "split": "inside cat",
    "chunk": "inside cat",
    "unbind": "inside stack",
    "unsqueeze": "inside squeeze",
    "bmm": "not drawn: its operands are 3-D, and generated programs stay 2-D at most",
    "dot": "as matmul",
    "mv": "as matmul",
    "mm": "as matmul",
}
