"""Recorder: the reductions' and normalisers' values, gradients, grad_fn names, dtypes and error texts from PyTorch.

Run with PyTorch 2.13 (CPU): `/tmp/torch/bin/python tests/reduction_cases.py` writes tests/reductions.json, which
tests/test_reductions.py reads (the tests never need torch). Each case is a Python expression in `x` (and `torch`,
`F`), evaluated on the same input with the same code by diffcheck's engine: the answer's value, dtype and grad_fn,
and x.grad after `y.backward(gradient=w)` with fixed weights `w` (a sum would hide softmax's gradient, which is 0).
"""

import json
import math
import pathlib

GENERIC = [[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]]
TIES = [[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]]
ONE_ZERO = [[0.5, 0.0, 2.0], [1.5, 0.25, -0.75]]
ZEROS = [[0.0, -1.25, 0.0], [1.5, 0.0, -0.75]]
ZERO = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
CONSTANT_ROW = [[2.0, 2.0, 2.0], [1.5, 0.25, -0.75]]

CASES = [
    # (expression, input)
    ("torch.softmax(x, 1)", GENERIC),
    ("torch.softmax(x, dim=0)", GENERIC),
    ("x.softmax(-1)", TIES),
    ("F.softmax(x, dim=1)", GENERIC),
    ("torch.log_softmax(x, 1)", GENERIC),
    ("x.log_softmax(0)", GENERIC),
    ("F.log_softmax(x, dim=-1)", TIES),
    ("torch.logsumexp(x, 1)", GENERIC),
    ("torch.logsumexp(x, 0, keepdim=True)", GENERIC),
    ("x.logsumexp(dim=-1)", TIES),
    ("torch.logsumexp(x, (0, 1))", GENERIC),
    ("x.prod()", GENERIC),
    ("torch.prod(x, 1)", GENERIC),
    ("x.prod(0, keepdim=True)", GENERIC),
    ("x.prod()", ONE_ZERO),
    ("x.prod(1)", ONE_ZERO),
    ("x.prod()", ZEROS),
    ("x.prod(0)", ZEROS),
    ("x.prod(1)", ZEROS),
    ("x.amax()", TIES),
    ("torch.amax(x, 1)", TIES),
    ("x.amax(0, keepdim=True)", TIES),
    ("torch.amin(x, 0)", TIES),
    ("x.amin()", GENERIC),
    ("x.amax((0, 1))", TIES),
    ("torch.cumsum(x, 1)", GENERIC),
    ("x.cumsum(0)", GENERIC),
    ("torch.cumprod(x, 1)", GENERIC),
    ("x.cumprod(0)", GENERIC),
    ("x.cumprod(1)", ONE_ZERO),
    ("x.cumprod(1)", ZEROS),
    ("x.var()", GENERIC),
    ("torch.var(x, 1)", GENERIC),
    ("x.var(0, correction=0)", GENERIC),
    ("x.var(1, unbiased=False, keepdim=True)", GENERIC),
    ("x.std()", GENERIC),
    ("torch.std(x, 1)", GENERIC),
    ("x.std(1)", CONSTANT_ROW),
    ("x.std(0, correction=0, keepdim=True)", GENERIC),
    ("x.norm()", GENERIC),
    ("torch.norm(x, 1)", GENERIC),
    ("x.norm(float('inf'))", TIES),
    ("x.norm(2, dim=1)", GENERIC),
    ("x.norm(dim=0, keepdim=True)", GENERIC),
    ("x.norm(1, 1)", ONE_ZERO),
    ("x.norm()", ZERO),
    ("x.norm(1)", ZERO),
    ("x.norm(3)", GENERIC),
    ("torch.norm(x, 1.5)", ONE_ZERO),
    ("torch.norm(x, 0.5)", ONE_ZERO),
    ("torch.norm(x, 3, 1)", ONE_ZERO),
]

ERRORS = [
    "torch.softmax(x, 2)",
    "torch.log_softmax(x, -3)",
    "torch.logsumexp(x, 2)",
    "torch.prod(x, 2)",
    "torch.amax(x, 3)",
    "torch.cumsum(x, 2)",
    "torch.cumprod(x, -3)",
    "torch.var(x, 2)",
    "x.norm(dim=2)",
    "torch.softmax(torch.tensor([1, 2]), 0)",
    "torch.log_softmax(torch.tensor([1, 2]), 0)",
    "torch.var(torch.tensor([1, 2]))",
    "torch.std(torch.tensor([1, 2]))",
]


def _number(v):
    return v if math.isfinite(v) else str(v)


def record():
    import torch
    import torch.nn.functional as F

    cases = []
    for dtype in ("float32", "float64"):
        for expression, data in CASES:
            x = torch.tensor(data, dtype=getattr(torch, dtype), requires_grad=True)
            y = eval(expression, {"torch": torch, "F": F, "x": x})
            n = y.numel()
            weights = [0.5 + i / max(n, 1) for i in range(n)]
            y.backward(gradient=torch.tensor(weights, dtype=y.dtype).reshape(y.shape))
            cases.append(
                {
                    "expression": expression,
                    "x": data,
                    "dtype": dtype,
                    "weights": weights,
                    "value": [_number(v) for v in y.detach().reshape(-1).tolist()],
                    "shape": list(y.shape),
                    "result_dtype": str(y.dtype).replace("torch.", ""),
                    "grad_fn": y.grad_fn.name(),
                    "grad": [_number(v) for v in x.grad.reshape(-1).tolist()],
                }
            )
    errors = []
    for expression in ERRORS:
        x = torch.tensor(GENERIC, requires_grad=True)
        try:
            eval(expression, {"torch": torch, "F": F, "x": x})
        except Exception as error:  # noqa: BLE001 - recording what PyTorch raises
            errors.append({"expression": expression, "type": type(error).__name__, "message": str(error)})
        else:
            raise AssertionError(f"{expression} raised nothing")
    return {"torch": torch.__version__, "cases": cases, "errors": errors}


if __name__ == "__main__":
    path = pathlib.Path(__file__).with_name("reductions.json")
    path.write_text(json.dumps(record(), indent=1) + "\n")
    print(f"wrote {path}")
