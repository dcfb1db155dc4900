"""The fidelity table of docs/fidelity.md: how far the engine's float32 transcendental functions (and their gradients) are from
PyTorch's, in ulps. Not a test (PyTorch's kernels depend on the CPU); run with a PyTorch 2.13 interpreter beside
the project:

    PYTHONPATH=. /path/to/torch/python tests/fidelity_ulps.py
"""

from __future__ import annotations

import numpy as np

OPS = {
    "exp": (-10, 10),
    "log": (0.01, 100),
    "sin": (-10, 10),
    "cos": (-10, 10),
    "tan": (-1.5, 1.5),
    "tanh": (-5, 5),
    "sigmoid": (-10, 10),
    "sinh": (-10, 10),
    "cosh": (-10, 10),
    "asin": (-1, 1),
    "acos": (-1, 1),
    "atan": (-10, 10),
    "expm1": (-5, 5),
    "log1p": (-0.9, 10),
    "sqrt": (0, 100),
    "erf": (-3, 3),
    "log2": (0.01, 100),
    "exp2": (-10, 10),
    "rsqrt": (0.01, 100),
    "reciprocal": (0.01, 100),
}


def ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in float32 ulps (the integers of the sign-magnitude bit patterns)."""
    ia, ib = (np.asarray(v, np.float32).view(np.int32).astype(np.int64) for v in (a, b))
    ia, ib = (np.where(i < 0, -(i & 0x7FFFFFFF), i) for i in (ia, ib))
    return np.abs(ia - ib)


def main() -> None:
    import torch

    from diffcheck import engine

    rng = np.random.default_rng(3)
    print(f"torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}")
    print("| op | values differ | max ulps | gradients differ | max ulps |")
    for name, (low, high) in OPS.items():
        x = rng.uniform(low, high, 10_000).astype(np.float32)
        t = torch.tensor(x, requires_grad=True)
        getattr(torch, name)(t).sum().backward()
        e = engine.tensor(x, requires_grad=True)
        y = getattr(engine, name)(e)
        y.sum().backward()
        values = ulps(np.asarray(y.data), getattr(torch, name)(torch.tensor(x)).numpy())
        grads = ulps(np.asarray(e.grad.data), t.grad.numpy())
        print(f"| {name} | {np.mean(values > 0):.1%} | {values.max()} | {np.mean(grads > 0):.1%} | {grads.max()} |")


if __name__ == "__main__":
    main()
