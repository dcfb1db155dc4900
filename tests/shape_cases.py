"""Recorder: the shape and linear-algebra ops' values, gradients, graphs, dtypes, views and error texts from PyTorch.

Run with PyTorch 2.13 (CPU): `/tmp/torch/bin/python tests/shape_cases.py` writes tests/shapes.json, which
tests/test_shape_ops.py and tests/test_linalg_ops.py read (the tests never need torch). Each case is a Python
expression in the inputs `a`, `b`, `c` (float64 leaves requiring grad), evaluated by diffcheck's engine with the same
code: each answer's value, shape, dtype, grad_fn chain (the node and, recursively, its next_functions) and whether it
is a view of `a`, and the inputs' gradients after backward with fixed weights on every answer.
"""

import json
import pathlib

A23 = [[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]]
A32 = [[1.0, -0.5], [0.25, 2.0], [-1.5, 0.75]]
V3 = [0.5, -2.0, 1.25]
V2 = [1.5, -0.5]
B223 = [[[0.5, -1.0, 2.0], [1.0, 0.5, -0.25]], [[-1.5, 0.25, 1.0], [2.0, -0.75, 0.5]]]
B232 = [[[1.0, 0.5], [-0.5, 2.0], [0.25, -1.0]], [[0.75, -0.25], [1.5, 1.0], [-2.0, 0.5]]]
B2123 = [[[[0.5, -1.0, 2.0], [1.0, 0.5, -0.25]]], [[[-1.5, 0.25, 1.0], [2.0, -0.75, 0.5]]]]
C131 = [[[0.5], [-1.0], [2.0]]]
C31 = [[0.5], [-1.0], [2.0]]

LINALG = [
    ("a @ b", {"a": V3, "b": V3}),
    ("a @ b", {"a": A23, "b": V3}),
    ("a @ b", {"a": V3, "b": A32}),
    ("a @ b", {"a": A23, "b": A32}),
    ("a @ b", {"a": B223, "b": B232}),
    ("torch.matmul(a, b)", {"a": B223, "b": A32}),
    ("a @ b", {"a": A23, "b": B232}),
    ("a @ b", {"a": B223, "b": V3}),
    ("a.matmul(b)", {"a": V3, "b": B232}),
    ("a @ b", {"a": B2123, "b": B232}),
    ("torch.dot(a, b)", {"a": V3, "b": V3}),
    ("torch.mv(a, b)", {"a": A23, "b": V3}),
    ("a.mm(b)", {"a": A23, "b": A32}),
    ("torch.bmm(a, b)", {"a": B223, "b": B232}),
    ("torch.outer(a, b)", {"a": V3, "b": V2}),
    ("torch.ger(a, b)", {"a": V2, "b": V3}),
    ("F.linear(a, b, c)", {"a": A23, "b": A23, "c": V2}),
    ("F.linear(a, b, c)", {"a": V3, "b": A23, "c": V2}),
    ("F.linear(a, b, c)", {"a": B223, "b": A23, "c": V2}),
    ("F.linear(a, b)", {"a": A23, "b": A23}),
    ("F.linear(a, b)", {"a": V3, "b": A23}),
    ("F.linear(a, b)", {"a": B223, "b": A23}),
    ("torch.addmm(c, a, b)", {"a": A23, "b": A32, "c": [[0.5, 1.0], [-1.0, 2.0]]}),
    ("torch.addmm(c, a, b, beta=0.5, alpha=2.0)", {"a": A23, "b": A32, "c": V2}),
    ("a.t()", {"a": A23}),
    ("torch.t(a)", {"a": V3}),
    ("a.T", {"a": A23}),
    ("a.mT", {"a": B223}),
    ("a.transpose(0, 1)", {"a": A23}),
    ("torch.transpose(a, -1, 0)", {"a": B223}),
    ("torch.swapaxes(a, 0, 2)", {"a": B223}),
    ("a.swapdims(1, 2)", {"a": B223}),
    ("a.permute(2, 0, 1)", {"a": B223}),
    ("torch.permute(a, (1, 0))", {"a": A23}),
]
SHAPE = [
    ("a.view(-1)", {"a": A23}),
    ("a.view(3, 2)", {"a": A23}),
    ("a.view((1, 6))", {"a": A23}),
    ("a.reshape(6)", {"a": A23}),
    ("torch.reshape(a, (3, -1))", {"a": A23}),
    ("a.t().reshape(6)", {"a": A23}),
    ("a.flatten()", {"a": B223}),
    ("torch.flatten(a, 1)", {"a": B223}),
    ("a.flatten(0, 1)", {"a": B223}),
    ("a.squeeze()", {"a": C131}),
    ("a.squeeze(0)", {"a": C131}),
    ("torch.squeeze(a, (0, 2))", {"a": C131}),
    ("a.unsqueeze(0)", {"a": A23}),
    ("torch.unsqueeze(a, -1)", {"a": V3}),
    ("a.expand(3, 4)", {"a": C31}),
    ("a.expand(2, -1, 3)", {"a": C31}),
    ("a.expand_as(b)", {"a": C31, "b": [[0.0] * 4] * 3}),
    ("a.repeat(2, 1)", {"a": A23}),
    ("a.repeat(2, 1, 2)", {"a": V3}),
    ("a.flip(0)", {"a": A23}),
    ("torch.flip(a, (0, 1))", {"a": A23}),
    ("torch.cat([a, b])", {"a": A23, "b": A23}),
    ("torch.cat([a, b], dim=1)", {"a": A23, "b": [[1.0], [2.0]]}),
    ("torch.concat((a, b), 0)", {"a": V3, "b": V2}),
    ("torch.concatenate([a, b, a], 0)", {"a": V3, "b": V2}),
    ("torch.stack([a, b])", {"a": A23, "b": A23}),
    ("torch.stack([a, b], dim=2)", {"a": A23, "b": A23}),
    ("a.split(2, 1)", {"a": A23}),
    ("torch.split(a, [1, 2], 1)", {"a": A23}),
    ("a.split(1)", {"a": A23}),
    ("a.chunk(2, 1)", {"a": A23}),
    ("torch.chunk(a, 3)", {"a": V3}),
    ("a.unbind()", {"a": A23}),
    ("torch.unbind(a, 1)", {"a": A23}),
    # views and rearrangements PyTorch composes (ops/shape.py, ops/transposes.py) and the matrix rows (ops/matrices.py)
    ("a.contiguous()", {"a": A23}),
    ("a.t().contiguous()", {"a": A23}),
    ("a.expand(2, 2, 3).contiguous()", {"a": A23}),
    ("a.ravel()", {"a": A23}),
    ("torch.ravel(a.t())", {"a": A23}),
    ("a.narrow(1, 1, 2)", {"a": A23}),
    ("torch.narrow(a, -1, -2, 1)", {"a": A23}),
    ("a.select(1, 2)", {"a": A23}),
    ("torch.select(a, 0, -1)", {"a": A23}),
    ("a.movedim(0, 2)", {"a": B223}),
    ("torch.moveaxis(a, (0, 1), (2, 0))", {"a": B223}),
    ("a.movedim(-1, 0)", {"a": A23}),
    ("a.broadcast_to((2, 2, 3))", {"a": A23}),
    ("torch.broadcast_to(a, (3, 3))", {"a": C31}),
    ("a.unflatten(1, (3, 1))", {"a": A23}),
    ("torch.unflatten(a, 0, (-1, 3))", {"a": V3}),
    ("a.tile((2,))", {"a": A23}),
    ("torch.tile(a, (2, 1, 2))", {"a": V3}),
    ("a.roll(1)", {"a": A23}),
    ("a.roll(1, 1)", {"a": A23}),
    ("torch.roll(a, (1, -1), (0, 1))", {"a": A23}),
    ("a.tril()", {"a": A23}),
    ("torch.triu(a, 1)", {"a": A23}),
    ("torch.tril(a, diagonal=-1)", {"a": B223}),
    ("a.triu(diagonal=-1)", {"a": A32}),
    ("a.diagonal()", {"a": A23}),
    ("a.diagonal(1)", {"a": A23}),
    ("torch.diagonal(a, 0, 2, 0)", {"a": B223}),
    ("a.t().diagonal(-1)", {"a": A23}),
    ("torch.diag(a)", {"a": V3}),
    ("torch.diag(a, 1)", {"a": V3}),
    ("a.diag()", {"a": A23}),
    ("torch.diag(a, -1)", {"a": A32}),
    ("a.trace()", {"a": A23}),
    ("torch.trace(a)", {"a": A32}),
    ("a.repeat_interleave(2)", {"a": A23}),
    ("torch.repeat_interleave(a, 2, dim=1)", {"a": A23}),
    ("a.t().repeat_interleave(3, 0)", {"a": A23}),
    ("torch.diff(a)", {"a": V3}),
    ("a.diff(dim=0)", {"a": A23}),
    ("a.diff(2, 1)", {"a": A23}),
    ("F.pad(a, (1, 2))", {"a": A23}),
    ("F.pad(a, (1, 0, 0, 1), value=0.5)", {"a": A23}),
    ("F.pad(a, (-1, 1))", {"a": A23}),
    ("F.pad(a, [0, 1], mode='constant')", {"a": V3}),
    ("a.median()", {"a": A23}),
    ("torch.median(a)", {"a": [[0.5, 2.0, -1.0, 2.0, 0.5], [1.0, 1.0, 1.0, -3.0, 0.25]]}),
    ("a.median()", {"a": [1.0, 2.0, 3.0, 4.0]}),
]
ERRORS = [
    "a.view(4, 2)",
    "a.view(-1, -1)",
    "a.view(-2, 3)",
    "a.t().view(6)",
    "a.reshape(5)",
    "a.flatten(2)",
    "a.flatten(1, 0)",
    "a.squeeze(2)",
    "a.unsqueeze(3)",
    "a.expand(3, 3)",
    "a.expand(2)",
    "a.expand(-1, -1, 3)",
    "a.repeat(2)",
    "a.flip(2)",
    "a.flip(0, 0)",
    "torch.cat([a, a.t()])",
    "torch.cat([a, a.unsqueeze(0)])",
    "torch.cat([a, a], 2)",
    "torch.cat([])",
    "torch.cat(a)",
    "torch.cat([a, 2])",
    "torch.stack([a, a.t()])",
    "torch.stack([])",
    "a.split(0)",
    "a.split([1, 1], 1)",
    "a.chunk(0)",
    "a.unbind(2)",
    "a.transpose(0, 2)",
    "a.permute(0)",
    "a.permute(0, 0)",
    "a.unsqueeze(0).t()",
    "a.unsqueeze(0).mT.view(6)",
    "torch.ones(3).mT",
    "torch.bmm(a, a)",
    "torch.bmm(a.unsqueeze(0), a.unsqueeze(0))",
    "torch.outer(a, a)",
    "F.linear(a, torch.ones(4, 2))",
    "torch.addmm(torch.ones(3, 3), a, a.t())",
    "torch.matmul(torch.tensor(1.0), a)",
    "torch.ones(2, 2, 3) @ torch.ones(3, 3, 2)",
    "a.narrow(2, 0, 1)",
    "a.narrow(1, 4, 1)",
    "a.narrow(1, -4, 1)",
    "a.narrow(1, 1, 3)",
    "a.narrow(1, 0, -1)",
    "a.sum().narrow(0, 0, 1)",
    "a.select(2, 0)",
    "a.select(1, 3)",
    "a.select(-1, -4)",
    "a.sum().select(0, 0)",
    "a.movedim(0, 2)",
    "a.movedim((0, 1), (0,))",
    "a.movedim((0, 0), (1, 0))",
    "a.movedim((0, 1), (1, -1))",
    "a.broadcast_to((3, 3))",
    "a.broadcast_to((3,))",
    "a.unflatten(1, (2, 2))",
    "a.unflatten(2, (3, 1))",
    "a.unflatten(1, ())",
    "a.roll((1, 2), 0)",
    "a.roll((1, 2))",
    "a.roll(1, 2)",
    "a.sum().roll(1, 0)",
    "a[0].tril()",
    "a[0].triu(1)",
    "a[0].diagonal()",
    "a.diagonal(0, 0, 0)",
    "a.diagonal(0, 0, 2)",
    "torch.diag(a.unsqueeze(0))",
    "torch.diag(a.sum())",
    "a[0].trace()",
    "a.unsqueeze(0).trace()",
    "a.repeat_interleave(-1)",
    "a.repeat_interleave(2, dim=2)",
    "a.sum().diff()",
    "a.diff(dim=2)",
    "a.diff(n=-1)",
    "F.pad(a, (1,))",
    "F.pad(a, (1, 1, 1, 1, 1, 1))",
    "F.pad(a, (-2, -2))",
]


def _chain(fn):
    """A grad_fn and, recursively, its next_functions: `MmBackward0(AccumulateGrad, TBackward0(AccumulateGrad))`."""
    if fn is None:
        return "None"
    name = type(fn).__name__
    nexts = [_chain(f) for f, _ in fn.next_functions]
    return f"{name}({', '.join(nexts)})" if nexts else name


def _weights(n: int) -> list:
    return [0.5 + i / max(n, 1) for i in range(n)]


def record_case(torch, F, expression, inputs):
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in inputs.items()}
    out = eval(expression, {"torch": torch, "F": F, **leaves})
    outs = list(out) if isinstance(out, tuple) else [out]
    total = sum((o * torch.tensor(_weights(o.numel()), dtype=o.dtype).reshape(o.shape)).sum() for o in outs)
    total.backward()
    return {
        "expression": expression,
        "inputs": inputs,
        "tuple": isinstance(out, tuple),
        "outputs": [
            {
                "value": o.detach().reshape(-1).tolist(),
                "shape": list(o.shape),
                "dtype": str(o.dtype).replace("torch.", ""),
                "graph": _chain(o.grad_fn),
                "view_of_a": o._base is leaves["a"],
            }
            for o in outs
        ],
        "grads": {k: (None if t.grad is None else t.grad.reshape(-1).tolist()) for k, t in leaves.items()},
    }


def record():
    import warnings

    import torch
    import torch.nn.functional as F

    warnings.simplefilter("ignore")  # x.T's deprecation on other than 2-D is not pinned
    errors = []
    for expression in ERRORS:
        a = torch.tensor(A23, requires_grad=True)
        try:
            eval(expression, {"torch": torch, "F": F, "a": a})
        except Exception as error:  # noqa: BLE001 - recording what PyTorch raises
            errors.append({"expression": expression, "type": type(error).__name__, "message": str(error)})
        else:
            raise AssertionError(f"{expression} raised nothing")
    return {
        "torch": torch.__version__,
        "linalg": [record_case(torch, F, e, i) for e, i in LINALG],
        "shape": [record_case(torch, F, e, i) for e, i in SHAPE],
        "errors": errors,
    }


if __name__ == "__main__":
    path = pathlib.Path(__file__).with_name("shapes.json")
    path.write_text(json.dumps(record(), indent=1) + "\n")
    print(f"wrote {path}")
