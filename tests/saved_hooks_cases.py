"""Records, with /tmp/torch/bin/python, what PyTorch 2.13's nodes save for torch.autograd.graph.saved_tensors_hooks:
for each op and which of its tensor inputs require grad, the tensors packed (by role: self, other, result) in
order, and the order backward unpacks them. Writes tests/saved_hooks.json, which diffcheck's run reads
(snippet/saved_hooks.py) and refuses an op or case it does not list."""

from __future__ import annotations

import json
from pathlib import Path

UNARY = [
    "neg",
    "reciprocal",
    "exp",
    "log",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sigmoid",
    "relu",
    "abs",
    "sqrt",
    "sum",
    "mean",
    "clone",
    "sinh",
    "cosh",
    "log1p",
    "expm1",
    "rsqrt",
    "atan",
    "asin",
    "acos",
    "erf",
]
BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "atan2", "dot", "mv", "mm", "outer"]
SHAPES = {"dot": ((3,), (3,)), "mv": ((2, 3), (3,)), "mm": ((2, 3), (3, 2)), "outer": ((3,), (2,))}


def record() -> dict:
    import torch

    table: dict = {}
    for name in UNARY + BINARY:
        shapes = SHAPES.get(name, ((3,), (3,)))
        arity = 1 if name in UNARY else 2
        combos = [(True,)] if arity == 1 else [(True, True), (True, False), (False, True)]
        for combo in combos:
            inputs = [torch.rand(s, dtype=torch.float64) * 0.5 + 0.25 for s in shapes[:arity]]
            inputs = [(x.requires_grad_() * 1 if flag else x) for x, flag in zip(inputs, combo)]
            roles, packed, unpacked = {}, [], []

            def pack(t):
                # an input by its storage; the only other tensor a node saves is its result
                role = next((r for r, x in roles.items() if x.data_ptr() == t.data_ptr()), "result")
                packed.append(role)
                return role, t.detach()

            def unpack(p):
                unpacked.append(p[0])
                return p[1]

            roles.update(zip(("self", "other"), inputs))
            with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
                out = getattr(torch, name)(*inputs)
            out.sum().backward()
            key = "".join("t" if flag else "c" for flag in combo)
            table.setdefault(name, {})[key] = {"grad_fn": out.grad_fn.name(), "pack": packed, "unpack": unpacked}
    return table


if __name__ == "__main__":
    path = Path(__file__).resolve().parent / "saved_hooks.json"
    path.write_text(json.dumps(record(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
