"""The graphs of sum's and mean's first derivatives under create_graph=True, as PyTorch 2.13 records them
(sum_backward: unsqueeze_multiple then expand; mean_backward: that divided by a Scalar count), and what the double
backward through them gives (unsqueeze's backward is squeeze(dim): SqueezeBackward1). Run with /tmp/torch/bin/python
to re-record tests/reduction_graphs.json; the test runs the same cases on the engine (tests/test_reduction_graphs.py).
"""

from __future__ import annotations

import json

SHAPES = {"M": (2, 3), "v": (3,), "s": ()}
# label -> (input, method, positional arguments, keyword arguments)
CASES = {
    "sum()": ("M", "sum", [], {}),
    "sum(1)": ("M", "sum", [1], {}),
    "sum(-1)": ("M", "sum", [-1], {}),
    "sum(1, keepdim)": ("M", "sum", [1], {"keepdim": True}),
    "sum((0, 1))": ("M", "sum", [(0, 1)], {}),
    "sum((1, 0))": ("M", "sum", [(1, 0)], {}),
    "mean()": ("M", "mean", [], {}),
    "mean(0)": ("M", "mean", [0], {}),
    "mean(0, keepdim)": ("M", "mean", [0], {"keepdim": True}),
    "mean((0, 1))": ("M", "mean", [(0, 1)], {}),
    "vector sum(0)": ("v", "sum", [0], {}),
    "vector mean(0)": ("v", "mean", [0], {}),
    "0-d sum(0)": ("s", "sum", [0], {}),
    "0-d mean()": ("s", "mean", [], {}),
}


def chain(node) -> list:
    """The first derivative's graph along its first edges, down to (without) the leaf."""
    names = []
    while node is not None and not node.name().endswith("AccumulateGrad"):  # torch::autograd::AccumulateGrad
        names.append(node.name())
        node = next((f for f, _ in node.next_functions if f is not None), None)
    return names


def graphs(torch) -> dict:
    """Per case: the first derivative's chain (grad_outputs a tensor requiring grad), and the grad_fn of the
    derivative of that with respect to grad_outputs, given a tensor requiring grad (jvp's double-backward trick)."""
    out = {}
    for label, (name, method, args, kwargs) in CASES.items():
        x = torch.ones(SHAPES[name], dtype=torch.float64, requires_grad=True)
        y = getattr(x, method)(*args, **kwargs)
        g = torch.ones(tuple(y.shape), dtype=torch.float64, requires_grad=True)
        (first,) = torch.autograd.grad(y, x, g, create_graph=True)
        w = torch.ones(tuple(first.shape), dtype=torch.float64, requires_grad=True)
        (back,) = torch.autograd.grad(first, g, w, create_graph=True)
        out[label] = {"first": chain(first.grad_fn), "back": back.grad_fn.name() if back.grad_fn else None}
    return out


if __name__ == "__main__":
    import torch

    print(json.dumps({"torch": torch.__version__, "graphs": graphs(torch)}, indent=1))
