"""Benchmark workloads, one library per process: `python benchmarks/workloads.py WORKLOAD LIBRARY [--size N]`.

Prints one JSON object: the timings of the run (`seconds`, `per_op_us` ...) and a `check` value, so that run.py can see
every library computed the same thing. Only the standard library is imported at the top: each library (diffcheck with
SymPy as the CLI imports it, torch, micrograd, HIPS autograd, NumPy) is imported by the workload that uses it, in a
process of its own, so no library's objects slow another's garbage collector.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time

# ---- the scalar graph: a micrograd-style MLP, the shape of most scalar autograd code -------------------------------
SIZES = (4, 16, 16, 1)  # layer widths
SAMPLES = 14


def mlp_ops() -> int:
    """Ops in one loss evaluation: per neuron one mul and one add per input (bias first), relu on hidden layers;
    per sample a sub, a mul and (after the first) an add into the total. 9,897 for the defaults."""
    per_sample = sum(nout * (2 * nin + (k < len(SIZES) - 2)) for k, (nin, nout) in enumerate(zip(SIZES, SIZES[1:])))
    return SAMPLES * (per_sample + 3) - 1


def mlp_data() -> tuple[list, list]:
    rng = random.Random(0)
    weights = [
        [([rng.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)] for nin, nout in zip(SIZES, SIZES[1:])
    ]
    rng = random.Random(1)
    samples = [([rng.uniform(-1, 1) for _ in range(SIZES[0])], rng.uniform(-1, 1)) for _ in range(SAMPLES)]
    return weights, samples


def mlp_loss(layers, samples, relu):
    """Squared error of the MLP over the samples, written as PyTorch or micrograd users write it."""
    total = None
    for x, y in samples:
        for k, layer in enumerate(layers):
            outs = []
            for w, b in layer:
                act = b
                for wi, xi in zip(w, x):
                    act = act + wi * xi
                outs.append(relu(act) if k < len(layers) - 1 else act)
            x = outs
        d = x[0] - y
        total = d * d if total is None else total + d * d
    return total


def _scalar_library(library: str):
    """(make a leaf from a float, relu, backward(loss), a scalar's value as a float, a leaf's gradient as a float)."""
    if library in ("diffcheck", "diffcheck-paused"):
        import click  # noqa: F401  - the CLI's imports: their objects are what the collector has to walk
        import numpy  # noqa: F401
        import rich  # noqa: F401
        import sympy  # noqa: F401

        import diffcheck as torch

        return (
            lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True),
            torch.relu,
            lambda loss: loss.backward(),
            lambda t: t.item(),
            lambda w: w.grad.item(),
        )
    if library == "torch":
        import torch

        return (
            lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True),
            torch.relu,
            lambda loss: loss.backward(),
            lambda t: t.item(),
            lambda w: w.grad.item(),
        )
    if library == "micrograd":
        from micrograd.engine import Value

        sys.setrecursionlimit(100_000)  # its topological sort recurses once per level
        return Value, lambda v: v.relu(), lambda loss: loss.backward(), lambda v: v.data, lambda w: w.grad
    if library == "floats":  # no autodiff at all: the floor
        return float, lambda v: v if v > 0 else 0.0, lambda loss: None, float, lambda w: 0.0
    raise SystemExit(f"scalar: unknown library {library}")


def scalar(library: str, reps: int) -> dict:
    n = mlp_ops()
    weights, samples = mlp_data()
    if library == "autograd":
        return _scalar_autograd(weights, samples, reps, n)
    leaf, relu, backward, value, grad = _scalar_library(library)
    paused = library == "diffcheck-paused"
    totals, forwards, backwards, check = [], [], [], None
    for _ in range(reps + 1):  # the first run warms up
        layers = [[([leaf(v) for v in w], leaf(b)) for w, b in layer] for layer in weights]
        if paused:
            gc.disable()
        started = time.perf_counter()
        loss = mlp_loss(layers, samples, relu)
        built = time.perf_counter()
        backward(loss)
        done = time.perf_counter()
        gc.enable()
        forwards.append(built - started)
        backwards.append(done - built)
        totals.append(done - started)
        check = [value(loss), grad(layers[0][0][0][0])]
        del loss, layers
    return _per_op(totals[1:], forwards[1:], backwards[1:], n, check)


def _scalar_autograd(weights, samples, reps, n) -> dict:
    import autograd.numpy as anp
    from autograd import value_and_grad

    flat = [v for layer in weights for w, b in layer for v in (*w, b)]

    def loss(params):
        it = iter(params)
        layers = [[([next(it) for _ in w], next(it)) for w, _ in layer] for layer in weights]
        return mlp_loss(layers, samples, lambda v: anp.maximum(v, 0.0))

    totals, check = [], None
    for _ in range(reps + 1):
        started = time.perf_counter()
        value, grads = value_and_grad(loss)(list(flat))
        totals.append(time.perf_counter() - started)
        check = [float(value), float(grads[0])]
    return _per_op(totals[1:], None, None, n, check)


def _per_op(totals, forwards, backwards, n, check) -> dict:
    result = {"ops": n, "seconds": totals, "per_op_us": statistics.median(totals) / n * 1e6, "check": check}
    if forwards is not None:
        result["forward_us"] = statistics.median(forwards) / n * 1e6
        result["backward_us"] = statistics.median(backwards) / n * 1e6
    return result


# ---- a deep chain: y = y * 0.9999, y = y + 0.0001, ... -----------------------------------------------------------
def _chain_library(library: str):
    if library in ("diffcheck", "diffcheck-paused"):
        import sympy  # noqa: F401  - as the CLI's process has it

        import diffcheck as torch
    elif library == "torch":
        import torch
    else:
        raise SystemExit(f"chain: unknown library {library}")
    return lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)


def _build_chain(x, depth: int):
    y = x
    for _ in range(depth // 2):
        y = y * 0.9999
        y = y + 0.0001
    return y


def chain(library: str, depth: int, reps: int) -> dict:
    leaf = _chain_library(library)
    paused = library == "diffcheck-paused"
    totals, forwards, backwards = [], [], []
    for _ in range(reps):
        x = leaf(0.5)
        if paused:  # a million live nodes: every full pass of the cyclic collector walks them all
            gc.disable()
        started = time.perf_counter()
        y = _build_chain(x, depth)
        built = time.perf_counter()
        y.backward()
        done = time.perf_counter()
        gc.enable()
        forwards.append(built - started)
        backwards.append(done - built)
        totals.append(done - started)
        check = [float(x.grad)]
        del y, x
    return _per_op(totals, forwards, backwards, depth, check)


def chain_memory(library: str, depth: int) -> dict:
    """Bytes per op the graph holds after forward, after backward (root still alive), and once the root is dropped.

    diffcheck: exact, from tracemalloc (NumPy reports its allocations to it). torch allocates in C++, out of
    tracemalloc's sight: its numbers are resident-memory growth, a rougher measure.
    """
    leaf = _chain_library(library)
    exact = library == "diffcheck"
    if exact:
        import tracemalloc

        tracemalloc.start()
        measure = lambda: tracemalloc.get_traced_memory()[0]  # noqa: E731
    else:
        import os

        page = os.sysconf("SC_PAGE_SIZE")
        measure = lambda: int(open("/proc/self/statm").read().split()[1]) * page  # noqa: E731
    x = leaf(0.5)
    gc.collect()
    base = measure()
    y = _build_chain(x, depth)
    forward = measure() - base
    y.backward()
    backward = measure() - base
    del y
    gc.collect()
    dropped = measure() - base
    return {
        "ops": depth,
        "exact": exact,
        "forward_bytes_per_op": forward / depth,
        "after_backward_bytes_per_op": backward / depth,
        "after_drop_bytes_per_op": dropped / depth,
    }


# ---- big arrays: sum(sin(x)*exp(-y) + x**2/(1+y**2)), forward and backward -----------------------------------------
def _arrays(size: int):
    import numpy as np

    rng = np.random.default_rng(0)
    return rng.uniform(-2, 2, size), rng.uniform(-2, 2, size)


def _numpy_reference(x, y):
    """Hand-written NumPy with out= buffers: the value and both gradients, each temporary reused.

    d/dx = cos(x) e + 2x/d and d/dy = -(a + 2 y b / d), with e = exp(-y), a = sin(x) e, d = 1 + y², b = x²/d.
    """
    import numpy as np

    e = np.negative(y)
    np.exp(e, out=e)
    a = np.sin(x)
    a *= e
    d = np.multiply(y, y)
    d += 1.0
    b = np.multiply(x, x)
    b /= d
    t = np.add(a, b)
    value = t.sum()
    gx = np.cos(x)
    gx *= e
    np.multiply(x, 2.0, out=t)
    t /= d
    gx += t
    gy = np.multiply(y, b, out=t)
    gy *= 2.0
    gy /= d
    gy += a
    np.negative(gy, out=gy)
    return value, gx, gy


def _numpy_naive(x, y):
    """The same gradients written the obvious way, one temporary per operation."""
    import numpy as np

    e = np.exp(-y)
    a = np.sin(x) * e
    d = 1 + y**2
    b = x**2 / d
    return np.sum(a + b), np.cos(x) * e + 2 * x / d, -a - 2 * y * b / d


def _as_they_are(x, y):
    return x, y


def arrays(library: str, size: int, reps: int) -> dict:
    """Forward and backward from two arrays; leaf tensors are made before the clock starts (a copy of each input,
    as torch.tensor makes)."""
    x, y = _arrays(size)
    if library in ("numpy", "numpy-naive"):
        leaves = _as_they_are
        function = _numpy_reference if library == "numpy" else _numpy_naive
    elif library in ("diffcheck", "torch"):  # the same code on both: diffcheck is written as PyTorch is
        if library == "diffcheck":
            import sympy  # noqa: F401  - as the CLI's process has it

            import diffcheck as torch
        else:
            import torch

        def leaves(x, y):
            return (
                torch.tensor(x, dtype=torch.float64, requires_grad=True),
                torch.tensor(y, dtype=torch.float64, requires_grad=True),
            )

        def function(tx, ty):
            z = (torch.sin(tx) * torch.exp(-ty) + tx**2 / (1 + ty**2)).sum()
            z.backward()
            return z.item(), tx.grad.numpy(), ty.grad.numpy()
    elif library == "autograd":
        import autograd.numpy as anp
        from autograd import value_and_grad

        f = value_and_grad(lambda x, y: anp.sum(anp.sin(x) * anp.exp(-y) + x**2 / (1 + y**2)), (0, 1))
        leaves = _as_they_are

        def function(x, y):
            value, (gx, gy) = f(x, y)
            return value, gx, gy
    else:
        raise SystemExit(f"arrays: unknown library {library}")
    seconds = []
    for _ in range(reps + 1):
        inputs = leaves(x, y)
        started = time.perf_counter()
        value, gx, gy = function(*inputs)
        seconds.append(time.perf_counter() - started)
        del inputs
    return {
        "size": size,
        "seconds": seconds[1:],
        "ms": statistics.median(seconds[1:]) * 1e3,
        "check": [float(value), float(gx.sum()), float(gy.sum())],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=["scalar", "chain", "chain-memory", "arrays"])
    parser.add_argument("library")
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    if args.workload == "scalar":
        result = scalar(args.library, args.reps)
    elif args.workload == "chain":
        result = chain(args.library, args.size, args.reps)
    elif args.workload == "chain-memory":
        result = chain_memory(args.library, args.size)
    else:
        result = arrays(args.library, args.size, args.reps)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
