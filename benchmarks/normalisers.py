"""softmax, log_softmax, logsumexp and cross_entropy over 1e6 float64 elements (1000 x 1000, along dim 1; cross_entropy
with 1000 class targets, reduction='mean'), forward and backward:
diffcheck's engine against hand-written NumPy with the stable formulas, side by side (issue 16's target: within 1.3x).

`python benchmarks/normalisers.py [--repeat N]`: each pair is timed alternately N times (default 9) in this process,
and the medians and their ratio printed (and the ratio of the minima, steadier on a loaded machine), with the load
average (`os.getloadavg`) before and after. The engine stores its last rule's array as x.grad uncopied; log_softmax
(and so cross_entropy) runs a big float64 tensor block by block of rows (ops/normalisers.py: one memory pass, the same
bits), while the NumPy here makes each step's whole temporary, as hand-written code does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import diffcheck as torch

SHAPE = (1000, 1000)


def numpy_softmax(x, g):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    out = e / e.sum(axis=1, keepdims=True)
    return out, out * (g - (g * out).sum(axis=1, keepdims=True))


def numpy_log_softmax(x, g):
    shifted = x - x.max(axis=1, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return out, g - np.exp(out) * g.sum(axis=1, keepdims=True)


def numpy_logsumexp(x, g):
    top = x.max(axis=1, keepdims=True)
    out = np.log(np.exp(x - top).sum(axis=1, keepdims=True)) + top
    return out[:, 0], g[:, None] * np.exp(x - out)


def numpy_cross_entropy(x, target):
    shifted = x - x.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(target))
    loss = -logp[rows, target].mean()
    grad = np.exp(logp)  # softmax - onehot, over the batch
    grad[rows, target] -= 1
    return loss, grad / len(target)


def engine(op):
    """The engine's forward and backward; the tensors are made outside the timing (tensor() copies its data).
    cross_entropy's `g` is its targets (an int64 tensor): its answer is a scalar, backward from 1."""

    def run(t, g):
        t.grad = None
        if op == "cross_entropy":
            y = torch.cross_entropy(t, g)
            y.backward()
        else:
            y = getattr(torch, op)(t, 1)
            y.backward(gradient=g)
        return y, t.grad

    return run


def timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    repeat = parser.parse_args().repeat
    rng = np.random.default_rng(0)
    x = rng.standard_normal(SHAPE) * 3
    full, rows = rng.standard_normal(SHAPE), rng.standard_normal(SHAPE[0])
    targets = rng.integers(0, SHAPE[1], size=SHAPE[0])
    print(f"load average before: {os.getloadavg()}")
    print(f"{'op':<14} {'engine ms':>10} {'NumPy ms':>10} {'ratio':>7} {'ratio of minima':>16}   (medians of {repeat})")
    for op, reference, g in (
        ("softmax", numpy_softmax, full),
        ("log_softmax", numpy_log_softmax, full),
        ("logsumexp", numpy_logsumexp, rows),
        ("cross_entropy", numpy_cross_entropy, targets),
    ):
        ours, theirs = [], []
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        tg = torch.tensor(g) if op == "cross_entropy" else torch.tensor(g, dtype=torch.float64)
        engine(op)(t, tg)  # warm: the engine builds the row's node class on first use
        for _ in range(repeat):
            ours.append(timed(engine(op), t, tg))
            theirs.append(timed(reference, x, g))
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"{op:<14} {a * 1e3:>10.2f} {b * 1e3:>10.2f} {a / b:>7.2f} {min(ours) / min(theirs):>16.2f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
