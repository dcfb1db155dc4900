"""Recorder: the losses' and integer-index selections' values, gradients, grad_fn names, next_functions, dtypes and
error texts from PyTorch.

Run with PyTorch 2.13 (CPU): `/tmp/torch/bin/python tests/loss_cases.py` writes tests/losses.json, which
tests/test_losses.py reads (the tests never need torch). Each case is a Python expression evaluated with the same code
by diffcheck's engine: x, y, p, q, v and s are float tensors requiring grad (inputs, float targets, probabilities),
t, c, idx and sel integer tensors (class targets, indices), w and pw float tensors without grad (weights). Backward runs with fixed weights `w` (a sum would hide a
gradient that sums to 0); every float tensor's .grad is recorded.
"""

import json
import math
import pathlib

FLOATS = {
    "x": [[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]],
    "y": [[0.25, -1.25, 1.0], [2.5, 0.75, 0.0]],  # y - x: 0 (l1's kink), and |1| = beta = delta (the boundaries)
    "p": [[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]],  # class probabilities
    "q": [[0.25, 0.5, 1.0], [0.0, 0.75, 0.5]],  # binary targets
    "s": [[0.2, 0.7, 0.9], [0.5, 0.35, 0.6]],  # binary probabilities
    "v": [0.5, -1.25, 2.0],
    "pv": [0.5, 0.5, 0.0],
}
INTEGERS = {"t": [2, 0], "c": 1, "idx": [[0, 0], [2, 1]], "idx0": [[1, 0, 0]], "sel": [2, 0, 2]}
CONSTANTS = {"w": [[1.0, 2.0, 0.5], [0.25, 1.5, 3.0]], "pw": [1.0, 2.0, 3.0], "cw": [1.0, 2.0, 0.5], "cw2": [1.0, 2.0]}

CASES = [
    "F.mse_loss(x, y)",
    "F.mse_loss(x, y, reduction='sum')",
    "F.mse_loss(x, y, reduction='none')",
    "F.l1_loss(x, y)",
    "F.l1_loss(x, y, reduction='sum')",
    "F.l1_loss(x, y, reduction='none')",
    "F.smooth_l1_loss(x, y)",
    "F.smooth_l1_loss(x, y, beta=0.5, reduction='sum')",
    "F.smooth_l1_loss(x, y, reduction='none')",
    "F.smooth_l1_loss(x, y, beta=0.0)",
    "F.huber_loss(x, y)",
    "F.huber_loss(x, y, delta=0.5)",
    "F.huber_loss(x, y, reduction='none', delta=2.0)",
    "F.binary_cross_entropy(s, q)",
    "F.binary_cross_entropy(s, q, reduction='sum')",
    "F.binary_cross_entropy(s, q, reduction='none')",
    "F.binary_cross_entropy(q, s, reduction='none')",  # inputs 0 and 1: the log clamped at -100
    "F.binary_cross_entropy(torch.sigmoid(x), q)",
    "F.binary_cross_entropy_with_logits(x, q)",
    "F.binary_cross_entropy_with_logits(x, q, reduction='sum')",
    "F.binary_cross_entropy_with_logits(x, q, reduction='none')",
    "F.binary_cross_entropy(s, q, weight=w)",
    "F.binary_cross_entropy(s, q, w, reduction='sum')",
    "F.binary_cross_entropy_with_logits(x, q, weight=w)",
    "F.binary_cross_entropy_with_logits(x, q, pos_weight=pw)",
    "F.binary_cross_entropy_with_logits(x, q, weight=w, pos_weight=pw, reduction='none')",
    "F.nll_loss(x, t)",
    "F.nll_loss(x, t, reduction='sum')",
    "F.nll_loss(x, t, reduction='none')",
    "F.nll_loss(x, t, ignore_index=0)",
    "F.nll_loss(v, c)",
    "F.nll_loss(F.log_softmax(x, 1), t)",
    "F.cross_entropy(x, t)",
    "F.cross_entropy(x, t, reduction='sum')",
    "F.cross_entropy(x, t, reduction='none')",
    "F.cross_entropy(x, t, ignore_index=2)",
    "F.cross_entropy(x, t, label_smoothing=0.1)",
    "F.cross_entropy(x, t, reduction='sum', label_smoothing=0.25)",
    "F.cross_entropy(x, t, reduction='none', label_smoothing=0.2)",
    "F.cross_entropy(x, t, ignore_index=0, label_smoothing=0.2)",
    "F.cross_entropy(v, c)",
    "F.cross_entropy(x, p)",
    "F.cross_entropy(x, p, reduction='sum')",
    "F.cross_entropy(x, p, reduction='none')",
    "F.cross_entropy(x, p, label_smoothing=0.1)",
    "F.cross_entropy(v, pv)",
    "F.nll_loss(x, t, weight=cw)",
    "F.nll_loss(x, t, cw, reduction='none')",
    "F.cross_entropy(x, t, weight=cw)",
    "F.cross_entropy(x, t, weight=cw, reduction='sum', ignore_index=0)",
    "F.cross_entropy(x, t, weight=cw, label_smoothing=0.2)",
    "F.cross_entropy(x, t, weight=cw, label_smoothing=0.2, reduction='none')",
    "F.cross_entropy(x, p, weight=cw)",
    "torch.gather(x, 1, idx)",
    "x.gather(0, idx0)",
    "torch.index_select(x, 1, sel)",
    "x.index_select(0, torch.tensor([1, 1]))",
    "x.masked_fill(x > 0, 0.5)",
    "torch.masked_fill(x, torch.tensor([True, False, True]), -1.0)",
]

ERRORS = [
    "F.mse_loss(x, y, reduction='avg')",
    "F.l1_loss(x, y, reduction='Mean')",
    "F.smooth_l1_loss(x, y, reduction='avg')",
    "F.binary_cross_entropy(s, q, reduction='avg')",
    "F.cross_entropy(x, t, reduction='avg')",
    "F.nll_loss(x, t, reduction='bad')",
    "F.cross_entropy(x, torch.tensor([5, 0]))",
    "F.cross_entropy(x, torch.tensor([-3, 0]))",
    "F.nll_loss(x, torch.tensor([0, 3]))",
    "F.cross_entropy(x, torch.tensor([2.0, 0.0]))",
    "F.nll_loss(x, torch.tensor([2.0, 0.0]))",
    "F.nll_loss(x, torch.tensor([2, 0, 1]))",
    "F.cross_entropy(x, torch.tensor([[0.2, 0.8], [0.5, 0.5]]))",
    "F.cross_entropy(x, p, ignore_index=1)",
    "F.cross_entropy(x, t, label_smoothing=1.5)",
    "F.nll_loss(torch.tensor(1.5), torch.tensor(0))",
    "F.huber_loss(x, y, delta=0.0)",
    "F.huber_loss(x, y, delta=-1.0)",
    "F.smooth_l1_loss(x, y, beta=-1.0)",
    "F.binary_cross_entropy(x, q)",
    "F.binary_cross_entropy(s, y)",
    "torch.gather(x, 1, torch.tensor([[0, 3]]))",
    "torch.gather(x, 1, torch.tensor([[-1]]))",
    "torch.gather(x, 1, torch.tensor([0]))",
    "torch.gather(x, 1, torch.tensor([[0.0, 1.0]]))",
    "torch.gather(x, 2, torch.tensor([[0]]))",
    "torch.index_select(x, 1, torch.tensor([3]))",
    "torch.index_select(x, 1, torch.tensor([[0]]))",
    "x.masked_fill(x, 0.5)",
    "F.binary_cross_entropy(s, q, weight=x)",
    "F.nll_loss(x, t, weight=cw2)",
    "F.cross_entropy(x, t, weight=v)",
    "F.binary_cross_entropy_with_logits(x, q, pos_weight=y)",
]


def _number(v):
    return v if math.isfinite(v) else str(v)


def _flat(t):
    return [_number(v) for v in t.detach().reshape(-1).tolist()]


def environment(torch, F, dtype):
    """The expressions' names: float tensors requiring grad, integer tensors, and the libraries."""
    env = {name: torch.tensor(data, dtype=dtype, requires_grad=True) for name, data in FLOATS.items()}
    env.update({name: torch.tensor(data) for name, data in INTEGERS.items()})
    env.update({name: torch.tensor(data, dtype=dtype) for name, data in CONSTANTS.items()})
    return {**env, "torch": torch, "F": F}


def record():
    import torch
    import torch.nn.functional as F

    cases = []
    for dtype in ("float32", "float64"):
        for expression in CASES:
            env = environment(torch, F, getattr(torch, dtype))
            out = eval(expression, env)
            n = out.numel()
            weights = [0.5 + i / max(n, 1) for i in range(n)]
            out.backward(gradient=torch.tensor(weights, dtype=out.dtype).reshape(out.shape))
            cases.append(
                {
                    "expression": expression,
                    "dtype": dtype,
                    "weights": weights,
                    "value": _flat(out),
                    "shape": list(out.shape),
                    "result_dtype": str(out.dtype).replace("torch.", ""),
                    "grad_fn": out.grad_fn.name(),
                    "next_functions": [None if f is None else type(f).__name__ for f, _ in out.grad_fn.next_functions],
                    "grads": {name: _flat(env[name].grad) for name in FLOATS if env[name].grad is not None},
                }
            )
    errors = []
    for expression in ERRORS:
        try:
            eval(expression, environment(torch, F, torch.float64))
        except Exception as error:  # noqa: BLE001 - recording what PyTorch raises
            errors.append({"expression": expression, "type": type(error).__name__, "message": str(error)})
        else:
            raise AssertionError(f"{expression} raised nothing")
    return {"torch": torch.__version__, "cases": cases, "errors": errors}


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")  # a target of another size: PyTorch's UserWarning, then its error
    path = pathlib.Path(__file__).with_name("losses.json")
    path.write_text(json.dumps(record(), indent=1) + "\n")
    print(f"wrote {path}")
