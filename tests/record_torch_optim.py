"""Record torch.optim's updates to optim.json (tests/test_run_optim.py replays them on diffcheck's optimizers).

Run with the PyTorch 2.13 CPU build:
    /tmp/torch/bin/python tests/record_torch_optim.py

Each case: one optimizer and its options, parameters of 1, 7 and 37 float32 (or float64) elements (the vector
kernels' width and a tail), gradients set by hand for five steps; the parameters' bytes after every step (hex, little
endian), so the comparison is bit for bit. RMSprop's cases also keep its running averages after every step (`state`:
square_avg, grad_avg), plain arithmetic where the parameter goes through torch's sqrt.
"""

import json
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = (1, 7, 37)
AVERAGES = ("square_avg", "grad_avg")
CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.01, "momentum": 0.9}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "dampening": 0.1}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.01, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "maximize": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]
RMSPROP = [  # recorded after the others, so that their draws stay as first recorded
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.001, "alpha": 0.9, "eps": 1e-6}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "weight_decay": 0.01, "maximize": True}),
]


def hexed(t):
    return t.detach().numpy().astype(t.detach().numpy().dtype.newbyteorder("<")).tobytes().hex()


def main():
    rng = np.random.default_rng(18)
    out = []
    for dtype, (kind, options) in [
        (d, case) for cases in (CASES, RMSPROP) for d in ("float32", "float64") for case in cases
    ]:
        params = [torch.tensor(rng.normal(size=n).astype(dtype), requires_grad=True) for n in SIZES]
        start = [hexed(p) for p in params]
        optimizer = getattr(torch.optim, kind)(params, **options)
        grads, after, states = [], [], []
        for _ in range(5):
            step = [rng.normal(size=n).astype(dtype) for n in SIZES]
            for p, g in zip(params, step):
                p.grad = torch.tensor(g)
            optimizer.step()
            grads.append([torch.tensor(g).numpy().tobytes().hex() for g in step])
            after.append([hexed(p) for p in params])
            states.append(
                [{k: hexed(optimizer.state[p][k]) for k in AVERAGES if k in optimizer.state[p]} for p in params]
            )
        case = {
            "optimizer": kind,
            "options": options,
            "dtype": dtype,
            "start": start,
            "grads": grads,
            "after": after,
        }
        if kind == "RMSprop":
            case["state"] = states
        out.append(case)
    with open(os.path.join(HERE, "optim.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": out}, f, indent=0)


if __name__ == "__main__":
    main()
