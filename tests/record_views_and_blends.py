"""Recorder: samples/views_and_blends.toml, its expectations from PyTorch 2.13 (CPU, float64): each check-language
program is evaluated with torch's functions of the same names (`contiguous` and `pad` as PyTorch spells them).

    /tmp/torch/bin/python tests/record_views_and_blends.py > samples/views_and_blends.toml
"""

import json

W = [[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]]
S = [[0.5, -1.25, 2.0], [1.5, 0.25, -0.75], [1.0, 2.0, -0.5]]
V = [0.5, -1.0, 2.0]
U = [0.3, 0.6, 0.85]
CASES = [
    ("contiguous of a transpose is a copy (CloneBackward0)", "sum(contiguous(W.T) * W.T)", {"W": W}),
    ("ravel is contiguous().view(-1)", "sum(sin(ravel(W.T)))", {"W": W}),
    ("narrow is a slice", "sum(exp(narrow(W, 1, 1, 2)))", {"W": W}),
    ("select takes one index along a dim", "sum(select(W, 1, -1) * select(W, 0, 0)[:2])", {"W": W}),
    ("movedim and moveaxis are permutes", "sum(movedim(W, 0, 1) * moveaxis(W, 1, 0))", {"W": W}),
    ("broadcast_to is expand", "sum(broadcast_to(v, (2, 3)) * W)", {"W": W, "v": V}),
    ("unflatten views one dim as several", "sum(sin(unflatten(W, 1, (3, 1))))", {"W": W}),
    ("tile pads its dims with ones in front", "sum(tile(v, (2, 2)) ** 2)", {"v": V}),
    ("roll with and without dims", "sum(roll(W, 1) * roll(W, (1, 2), (0, 1)))", {"W": W}),
    ("tril and triu with diagonal=", "sum(tril(S) * triu(S, 1) + tril(S, diagonal=-1) ** 2)", {"S": S}),
    ("diagonal is a view", "sum(diagonal(S)[:2] * diagonal(W, 1))", {"S": S, "W": W}),
    ("diag of a vector and of a matrix", "sum(diag(v) @ diag(diag(S)) + diag(diag(v, 1), 1))", {"S": S, "v": V}),
    ("trace", "trace(S @ S) * trace(W @ W.T)", {"S": S, "W": W}),
    ("repeat_interleave with an int", "sum(sin(repeat_interleave(W, 2)) * repeat_interleave(W, 2, 0)[0, 0])", {"W": W}),
    ("diff once and twice", "sum(diff(W) ** 2) + sum(diff(v, 2))", {"W": W, "v": V}),
    ("pad, constant", "sum(pad(W, (1, 2), value=0.5) * pad(W, (2, 1, 0, 0)))", {"W": W}),
    ("median of the whole tensor", "median(W) * sum(W)", {"W": W}),
    ("addcmul and addcdiv", "sum(addcmul(v, u, v, value=0.3) * addcdiv(u, v, u, value=-1.5))", {"v": V, "u": U}),
    ("lerp by a number and by a tensor", "sum(lerp(v, u, 0.3) * lerp(v, u, 0.7) + lerp(u, v, u))", {"v": V, "u": U}),
    ("hypot and logaddexp", "sum(hypot(v, u) * logaddexp(v, u))", {"v": V, "u": U}),
    ("xlogy, logit and sinc", "sum(xlogy(v, u) + logit(u) * logit(u, eps=0.2) + sinc(v * u))", {"v": V, "u": U}),
    ("nan_to_num of finite values", "sum(nan_to_num(v * u, nan=1.0) ** 2)", {"v": V, "u": U}),
]


def record():
    import torch
    import torch.nn.functional as F

    names = {"contiguous": lambda x: x.contiguous(), "pad": F.pad}  # the others: torch.NAME
    out = []
    for name, program, inputs in CASES:
        leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in inputs.items()}
        scope = {**{n: getattr(torch, n) for n in dir(torch) if not n.startswith("_")}, **names, **leaves}
        y = eval(program, scope)
        y.backward()
        out.append((name, program, inputs, y.item(), y.grad_fn.name(), {k: t.grad.tolist() for k, t in leaves.items()}))
    return out


def toml_value(v):
    return json.dumps(v)


if __name__ == "__main__":
    lines = [
        "# The views, matrices and blends of ops/shape.py, transposes.py, matrices.py, blends.py and elementwise.py,",
        "# as PyTorch 2.13 computes them (recorded by tests/record_views_and_blends.py).",
        "",
    ]
    for name, program, inputs, value, grad_fn, grads in record():
        lines += (
            [
                "[[case]]",
                f"name = {json.dumps(name)}",
                f"program = {json.dumps(program)}",
                "inputs = { " + ", ".join(f"{k} = {toml_value(v)}" for k, v in inputs.items()) + " }",
                "",
                "[case.expect]",
                f"output = {value!r}",
                f"grad_fn = {json.dumps(grad_fn)}",
                "",
                "[case.expect.grad]",
            ]
            + [f"{k} = {toml_value(v)}" for k, v in grads.items()]
            + [""]
        )
    print("\n".join(lines))
