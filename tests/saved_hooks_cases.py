"""Records, with /tmp/torch/bin/python, what PyTorch 2.13's nodes save for torch.autograd.graph.saved_tensors_hooks:
for every call of tests/fidelity_cases.py's HIGHER_CALLS (each differentiable row of the table, in its variants) and
each combination of which of its float tensor arguments require grad, the nodes the call makes, the tensors packed
(by role, in the call's terms: `arg<i>` its i-th argument, `param:<name>` a keyword tensor, `result` / `result<k>`
its answer or k-th answer, `?` anything else: an intermediate) in order, the order backward unpacks them, and the
gradients when unpack_hook returns a float tensor doubled. Writes tests/saved_hooks.json.

`table(recorded)` turns the recording into diffcheck's terms with its engine (which row makes the node and which of
its input slots each argument fills): the SAVED table of diffcheck/snippet/saved_table.py, which
tests/test_run_saved_hooks.py checks against it; `python tests/saved_hooks_cases.py --table` (with diffcheck's
Python) prints that module."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

from fidelity_cases import HIGHER_CALLS, WEIGHTED, arguments, function, weights

# calls of rows HIGHER_CALLS reaches otherwise (where's condition made inside) or not at all
EXTRA_CALLS = {
    "where_mask": ("torch.where", [("bool", [True, False, False, True]), "p", "q"]),
    "outer": ("torch.outer", ["p", "q"]),
    "reshape": ("torch.reshape", ["M", (4,)]),
    "flatten": ("torch.flatten", ["M"]),
    "expand_as": ("Tensor.expand_as", ["v", "M"]),
    "linear": ("F.linear", ["M", "N"]),
    "linear_bias": ("F.linear", ["M", "N", "v"]),
    "matmul_vm": ("torch.matmul", ["v", "M"]),
    "matmul_nd": ("torch.matmul", ["B", "M"]),
}
CALLS = {**HIGHER_CALLS, **EXTRA_CALLS}
SLOTS = ("self", "other", "input2", "input3")  # the roles of a node's input slots d0 .. d3


def combos(args: list) -> list:
    """Each non-empty choice of the float tensor arguments (POINTS' names) that require grad, as flags."""
    floats = [i for i, a in enumerate(args) if isinstance(a, str)]
    flags = itertools.product((True, False), repeat=len(floats))
    return [dict(zip(floats, f)) for f in flags if any(f)]


def key(args: list, flags: dict) -> str:
    return "".join("t" if flags[i] else "c" for i in sorted(flags))


def made(torch, args: list, flags: dict):
    """The call's tensors, those of `flags` False without grad."""
    tensors = arguments(torch, args)
    return [t.detach() if i in flags and not flags[i] else t for i, t in enumerate(tensors)]


def _role(torch, t, tensors: list, params: dict, answer) -> str:
    answers = answer if isinstance(answer, tuple) else (answer,)
    named = [(f"arg{i}", a) for i, a in enumerate(tensors)] + [(f"param:{k}", v) for k, v in params.items()]
    named += [("result" if len(answers) == 1 else f"result{k}", a) for k, a in enumerate(answers)]
    named = [(r, a) for r, a in named if isinstance(a, torch.Tensor)]
    for role, a in named:
        if t is a:
            return role
    for role, a in named:
        same = (a.data_ptr(), a.shape, a.stride(), a.dtype) == (t.data_ptr(), t.shape, t.stride(), t.dtype)
        if same and a.numel():
            return role
    return "?"


def _nodes(answer) -> list:
    """The grad_fn names of the nodes a call made (every node reachable from its answers: its inputs are leaves)."""
    answers = answer if isinstance(answer, tuple) else (answer,)
    seen, todo, names = set(), [a.grad_fn for a in answers if a.grad_fn is not None], []
    while todo:
        node = todo.pop()
        if node is None or id(node) in seen or node.name().endswith("AccumulateGrad"):
            continue
        seen.add(id(node))
        names.append(node.name())
        todo.extend(n for n, _ in node.next_functions)
    return sorted(names)


def record_one(torch, F, label: str, flags: dict) -> dict:
    spelling, args, params = (*CALLS[label], {})[:3]
    tensors = made(torch, args, flags)
    params = {k: arguments(torch, [v])[0] if isinstance(v, tuple) else v for k, v in params.items()}
    packed, unpacked = [], []

    def pack(t):
        packed.append(t)
        return len(packed) - 1, t.detach()

    def unpack(p):
        unpacked.append(p[0])
        return p[1] * 2 if p[1].is_floating_point() else p[1]  # an index doubled would be out of range

    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        answer = function(spelling, torch, F)(*tensors, **params)
    roles = [_role(torch, t, tensors, params, answer) for t in packed]
    y = answer[0] if isinstance(answer, tuple) else answer
    total = (y * weights(torch, y)).sum() if label in WEIGHTED else y.sum()
    inputs = [tensors[i] for i in sorted(flags) if flags[i]]
    grads = torch.autograd.grad(total, inputs, allow_unused=True) if total.requires_grad else [None] * len(inputs)
    return {
        "nodes": _nodes(answer),
        "pack": roles,
        "unpack": [roles[i] for i in unpacked],
        "doubled": [None if g is None else [float(v) for v in g.reshape(-1).tolist()] for g in grads],
    }


def record() -> dict:
    import torch
    import torch.nn.functional as F

    table: dict = {}
    for label, (_, args, *_) in sorted(CALLS.items()):
        for flags in combos(args):
            table.setdefault(label, {})[key(args, flags)] = record_one(torch, F, label, flags)
    return table


def _slots(engine, label: str, flags: dict):
    """The engine's node for the call (None where it makes none) and the role in its terms of each call role."""
    from diffcheck.engine.node import _named, _Output

    spelling, args, params = (*CALLS[label], {})[:3]
    tensors = made(engine, args, flags)
    params = {k: arguments(engine, [v])[0] if isinstance(v, tuple) else v for k, v in params.items()}
    answer = function(spelling, engine, engine)(*tensors, **params)
    answers = answer if isinstance(answer, tuple) else (answer,)
    node = answers[0]._node
    if node is None:
        return None, {}
    node = node.e0 if type(node) is _Output else node
    edges = node._inputs()[0]
    variadic = node.op.variadic
    roles = {"result": "result"} if len(answers) == 1 else {f"result{k}": f"result{k}" for k in range(len(answers))}
    if any(e is not None and not any(e is t for t in tensors) for e in edges):
        return None, {}  # an input made inside the call (linear's weight.t()): a composition, refused
    for i, t in enumerate(tensors):
        at = [s for s, e in enumerate(edges) if e is t]  # the call's tensors are leaves: their own edges
        if at:
            slot = i if i in at else at[0]
            roles[f"arg{i}"] = f"tensors{slot}" if variadic else SLOTS[slot]
    for name, value in node.params.items():  # a loss's weight: a parameter of the row, given by position or keyword
        roles.update({f"arg{i}": f"param:{name}" for i, t in enumerate(tensors) if t is value and i not in roles})
        if params.get(name) is value:
            roles[f"param:{name}"] = f"param:{name}"
    return _named(node), roles


def combination(engine, edge) -> str:
    """An input slot as SAVED's keys spell it: "t" if its gradient is wanted, "c" (a constant, a number) if not."""
    return "t" if edge is not None and (type(edge) is not engine.Tensor or edge.requires_grad) else "c"


def weighted(engine, params: dict) -> str:
    """SAVED's key adds the parameters given a tensor (`+weight,pos_weight`): the node saves them too."""
    names = sorted(k for k, v in params.items() if isinstance(v, engine.Tensor))
    return "+" + ",".join(names) if names else ""


def table(recorded: dict, kept: list = None) -> dict:
    """SAVED: row -> combination of which input slots require grad -> (grad_fn, packed, unpacked), the roles in
    slot terms; a case PyTorch packs something the engine's node does not hold (an intermediate, a node of a
    composition) is left out, and is refused. `kept` gets the (label, flags) of each case kept."""
    from diffcheck import engine

    saved: dict = {}
    for label in sorted(recorded):
        args = CALLS[label][1]
        for flags in combos(args):
            case = recorded[label][key(args, flags)]
            node, roles = _slots(engine, label, flags)
            if node is None or case["nodes"] != [node.name()]:
                continue
            if not all(r in roles for r in case["pack"] + case["unpack"]):
                continue
            edges = node._inputs()[0]
            combo = "".join(combination(engine, e) for e in edges) + weighted(engine, node.params)
            entry = (node.name(), tuple(roles[r] for r in case["pack"]), tuple(roles[r] for r in case["unpack"]))
            cases = saved.setdefault(node.op.name, {})
            assert cases.get(combo, entry) == entry, (label, cases[combo], entry)
            cases[combo] = entry
            if kept is not None:
                kept.append((label, flags))
    return saved


def module(saved: dict) -> str:
    """saved_table.py's text for SAVED (ruff format then lays it out)."""
    from diffcheck.snippet import saved_table

    lines = [f'"""{saved_table.__doc__}"""', "", "SAVED = {"]
    for op in sorted(saved):
        lines.append(f'    "{op}": {{')
        for combo, (grad_fn, packed, unpacked) in sorted(saved[op].items()):
            lines.append(f'        "{combo}": ("{grad_fn}", {tuple(packed)!r}, {tuple(unpacked)!r}),'.replace("'", '"'))
        lines.append("    },")
    return "\n".join([*lines, "}", ""])


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    if sys.argv[1:] == ["--table"]:
        recorded = json.loads((here / "saved_hooks.json").read_text(encoding="utf-8"))
        print(module(table(recorded)), end="")
    else:
        (here / "saved_hooks.json").write_text(json.dumps(record(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
