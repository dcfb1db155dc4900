"""Recorder: indexing, item assignment and the selection ops (max/min, argmax/argmin, normalize, vector_norm, norm
'fro') and creation ops from PyTorch: values, gradients, grad_fn chains, views, dtypes and error texts.

Run with PyTorch 2.13 (CPU): `/tmp/torch/bin/python tests/selection_cases.py` writes tests/selection.json, which
tests/test_indexing.py and tests/test_selection_ops.py read (the tests never need torch). Each case is a Python
expression in `x` (2x3) and `v` (3), or statements ending in `y = ...`; the same code runs on diffcheck's engine.
"""

import json
import math
import pathlib

X = [[1.0, -2.0, 3.0], [4.0, 0.5, -6.0]]
V = [3.0, -1.0, 2.0]
TIES = [[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]]
ZERO = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]

INDEX = [
    "x[0]",
    "x[-1]",
    "x[1, 2]",
    "x[0, -1]",
    "x[1:]",
    "x[:, ::2]",
    "x[:, 1:3:2]",
    "x[None]",
    "x[:, None]",
    "x[...]",
    "x[..., 0]",
    "x[..., None]",
    "x[None, None]",
    "x[None, 0]",
    "x[0, 1:]",
    "x[:]",
    "x[:, :]",
    "x[0, :]",
    "x[1:, :]",
    "x[0:2, 0]",
    "x[1, ...]",
    "x[...,1:]",
    "x[::1]",
    "v[-10:10]",
    "v[10:]",
    "v[::2]",
    "x[x > 2]",
    "v[v > 0]",
    "x[[0, 1]]",
    "v[[0, 2]]",
    "v[[2, 0, 2]]",
    "v[[-1]]",
    "x[:, [0, 2]]",
    "x[0, [0, 2]]",
    "x[[1, 0], 1:]",
    "x[[1, 0], [2, 0]]",
    "x[0][1]",
    "v[v > 0][0]",
    "x[x[:, 0] > 2]",
    "x[1:][0, None]",
]
INDEX_ERRORS = [
    "x[5]",
    "x[0, 5]",
    "x[-3]",
    "v[1.0]",
    "s[0]",
    "s[:]",
    "x[0, 0, 0]",
    "v[[0, 5]]",
    "x[::-1]",
    "v[::0]",
    "x[x[0] > 1]",
    "v[-4]",
    "s[0.5]",
]
# statements: b is x * 1 (so not a leaf), y a second input
SETITEM = [
    "b[0] = 5.0",
    "b[1:] = y",
    "b[b > 2] = 0.0",
    "b[0, 1] = y[0]",
    "b[[0, 1]] = y",
    "b[:, 0] = y[:2] * 2",
    "b[:, None] = y",
    "b[0] = y",
    "b[..., 1] = y[0]",
    "b[x > 0] = y[0]",
]
SETITEM_ERRORS = [
    "b[5] = 1.0",
    "b[0] = y[:2]",
    "x[0] = 5.0",
    "x[x > 0] = 0.0",
    "x[[0]] = 1.0",
    "b[0.5] = 1.0",
]
OPS = [
    ("x.max()", X),
    ("torch.max(x)", TIES),
    ("x.min()", TIES),
    ("torch.min(x)", X),
    ("x.max(1).values", X),
    ("x.max(dim=0).values", TIES),
    ("torch.max(x, 1, keepdim=True).values", TIES),
    ("x.min(1).values", TIES),
    ("torch.min(x, 0).values", X),
    ("x.max(1)[0]", X),
    ("x.min(dim=1, keepdim=True)[0]", X),
    ("torch.max(x, x.flip(0) if False else x * 0 + 1)", X),
    ("torch.min(x, torch.zeros_like(x))", X),
    ("torch.max(x, torch.ones_like(x))", TIES),
    ("F.normalize(x)", X),
    ("F.normalize(x, dim=0)", X),
    ("F.normalize(x, p=1, dim=1)", X),
    ("F.normalize(x, 2, 1, 1e-3)", ZERO),
    ("F.normalize(x)", ZERO),
    ("torch.linalg.vector_norm(x)", X),
    ("torch.linalg.vector_norm(x, 1)", X),
    ("torch.linalg.vector_norm(x, ord=float('inf'))", TIES),
    ("torch.linalg.vector_norm(x, 2, dim=1)", X),
    ("torch.linalg.vector_norm(x, dim=0, keepdim=True)", X),
    ("torch.linalg.vector_norm(x, 3)", X),
    ("torch.linalg.vector_norm(x)", ZERO),
    ("torch.linalg.vector_norm(x, 1)", ZERO),
    ("x.norm(p='fro')", X),
    ("torch.norm(x, 'fro')", X),
    ("torch.norm(x, p='fro', dim=1)", X),
    ("x * torch.zeros_like(x) + torch.ones_like(x)", X),
    ("x + torch.full_like(x, 2.5)", X),
    ("x + torch.eye(2, 3, dtype=x.dtype)", X),
    ("x + torch.full((2, 3), 0.5, dtype=x.dtype)", X),
    ("x + torch.arange(3, dtype=x.dtype)", X),
    ("x * torch.linspace(0, 1, 3, dtype=x.dtype)", X),
]
NON_DIFFERENTIABLE = [
    ("x.argmax()", X),
    ("torch.argmax(x, 1)", X),
    ("x.argmin(dim=0, keepdim=True)", TIES),
    ("torch.argmin(x)", TIES),
    ("x.max(1).indices", TIES),
    ("torch.min(x, 0).indices", X),
    ("x.max(1)[1]", X),
    ("torch.arange(4)", X),
    ("torch.arange(1, 7, 2)", X),
    ("torch.arange(0, 1, 0.25)", X),
    ("torch.arange(5.0)", X),
    ("torch.linspace(0, 1, 5)", X),
    ("torch.linspace(-1, 1, 4)", X),
    ("torch.eye(3)", X),
    ("torch.eye(2, 3)", X),
    ("torch.full((2, 2), 1.5)", X),
    ("torch.full((2,), 3)", X),
    ("torch.zeros_like(x)", X),
    ("torch.ones_like(x)", X),
    ("torch.full_like(x, 7)", X),
]
OP_ERRORS = [
    "x.max(2)",
    "torch.max(x, 1, True, 2)",
    "x.argmax(3)",
    "torch.max(torch.tensor([]))",
    "F.normalize(x, dim=2)",
    "torch.linalg.vector_norm(x, dim=2)",
    "torch.linalg.vector_norm(torch.tensor([1, 2]))",
    "torch.arange(0, 1, 0)",
    "torch.max(x, torch.ones(2))",
    "torch.max(x, 2)",
    "x.norm(p='nuc', dim=5)",
    "torch.argmax(torch.tensor([]))",
]


def _number(v):
    return v if math.isfinite(v) else str(v)


def _flat(t):
    return [_number(float(v)) for v in t.detach().reshape(-1).tolist()]


def _chain(y):
    names, node = [], y.grad_fn
    while node is not None:
        names.append(node.name())
        nexts = [n for n, _ in node.next_functions if n is not None and n.name() != "torch::autograd::AccumulateGrad"]
        node = nexts[0] if nexts else None
    return names


def _weights(y):
    n = y.numel()
    return [0.5 + i / max(n, 1) for i in range(n)]


def _raised(code, scope):
    try:
        exec(code, scope)
    except Exception as error:  # noqa: BLE001 - recording what PyTorch raises
        return {"type": type(error).__name__, "message": str(error)}
    raise AssertionError(f"{code} raised nothing")


def record():
    import warnings

    import torch
    import torch.nn.functional as F

    warnings.simplefilter("ignore")
    out = {"torch": torch.__version__, "index": [], "index_errors": [], "setitem": [], "setitem_errors": []}

    def inputs(dtype=torch.float64):
        x = torch.tensor(X, dtype=dtype, requires_grad=True)
        v = torch.tensor(V, dtype=dtype, requires_grad=True)
        return {"torch": torch, "F": F, "x": x, "v": v, "s": torch.tensor(2.0, requires_grad=True)}

    for expression in INDEX:
        scope = inputs()
        y = eval(expression, scope)
        w = _weights(y)
        y.backward(gradient=torch.tensor(w, dtype=y.dtype).reshape(y.shape))
        out["index"].append(
            {
                "expression": expression,
                "value": _flat(y),
                "shape": list(y.shape),
                "chain": _chain(y),
                "view": y._base is not None,
                "weights": w,
                "grad_x": _flat(scope["x"].grad) if scope["x"].grad is not None else None,
                "grad_v": _flat(scope["v"].grad) if scope["v"].grad is not None else None,
            }
        )
    for expression in INDEX_ERRORS:
        out["index_errors"].append({"expression": expression, **_raised(expression, inputs())})
    for statement in SETITEM:
        scope = inputs()
        x, y = scope["x"], scope["v"]
        scope["y"] = y
        exec("b = x * 1\n" + statement, scope)
        b = scope["b"]
        b.backward(gradient=torch.tensor(_weights(b), dtype=b.dtype).reshape(b.shape))
        out["setitem"].append(
            {
                "statement": statement,
                "value": _flat(b),
                "chain": _chain(b),
                "version": b._version,
                "grad_x": _flat(x.grad) if x.grad is not None else None,
                "grad_y": _flat(y.grad) if y.grad is not None else None,
            }
        )
    for statement in SETITEM_ERRORS:
        scope = inputs()
        scope["y"] = scope["v"]
        out["setitem_errors"].append({"statement": statement, **_raised("b = x * 1\n" + statement, scope)})
    out["ops"], out["non_differentiable"], out["op_errors"] = [], [], []
    for dtype in ("float32", "float64"):
        for expression, data in OPS:
            x = torch.tensor(data, dtype=getattr(torch, dtype), requires_grad=True)
            y = eval(expression, {"torch": torch, "F": F, "x": x, "float": float})
            w = _weights(y)
            y.backward(gradient=torch.tensor(w, dtype=y.dtype).reshape(y.shape))
            out["ops"].append(
                {
                    "expression": expression,
                    "x": data,
                    "dtype": dtype,
                    "weights": w,
                    "value": _flat(y),
                    "shape": list(y.shape),
                    "result_dtype": str(y.dtype).replace("torch.", ""),
                    "chain": _chain(y),
                    "grad": _flat(x.grad),
                }
            )
    for expression, data in NON_DIFFERENTIABLE:
        x = torch.tensor(data, dtype=torch.float64, requires_grad=True)
        y = eval(expression, {"torch": torch, "F": F, "x": x})
        out["non_differentiable"].append(
            {
                "expression": expression,
                "x": data,
                "value": _flat(y),
                "shape": list(y.shape),
                "result_dtype": str(y.dtype).replace("torch.", ""),
                "requires_grad": y.requires_grad,
            }
        )
    for expression in OP_ERRORS:
        scope = inputs()
        out["op_errors"].append({"expression": expression, **_raised(expression, scope)})
    both = torch.max(torch.tensor(X, dtype=torch.float64, requires_grad=True), 1)
    out["return_types"] = {"repr": repr(both), "str": str(both), "type": type(both).__name__}
    return out


if __name__ == "__main__":
    path = pathlib.Path(__file__).with_name("selection.json")
    path.write_text(json.dumps(record(), indent=1) + "\n")
    print(f"wrote {path}")
