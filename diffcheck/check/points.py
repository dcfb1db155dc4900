"""Random points for `--points N --seed S`: each input drawn from the smooth domains of the ops it feeds."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..lang.program import Apply, Program, Var, walk

DEFAULT_DOMAIN = (-2.0, 2.0)


def domains(program: Program) -> dict[str, tuple[float, float]]:
    """Per input, the intersection of the `domain` of every table op it is a direct argument of."""
    found: dict[str, tuple[float, float]] = {name: (-np.inf, np.inf) for name in program.inputs}
    for statement in program.statements:
        for node in walk(statement.value):
            row = ops.OPS.get(node.op) if isinstance(node, Apply) else None
            if row is None or row.domain == DEFAULT_DOMAIN:
                continue
            for arg in node.args:
                if isinstance(arg, Var) and arg.name in found:
                    low, high = found[arg.name]
                    found[arg.name] = (max(low, row.domain[0]), min(high, row.domain[1]))
    return {
        name: (low, high) if low < high and np.isfinite(low) and np.isfinite(high) else DEFAULT_DOMAIN
        for name, (low, high) in found.items()
    }


def random_points(program: Program, shapes: dict, count: int, seed: int) -> list[dict]:
    """`count` points, deterministic for `seed`: one value (of the input's shape) per input, as plain lists."""
    rng = np.random.default_rng(seed)
    bounds = domains(program)
    return [
        {name: rng.uniform(*bounds[name], size=shapes[name]).tolist() for name in program.inputs} for _ in range(count)
    ]
