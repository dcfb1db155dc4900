"""The graph view's labels for calls, and the composed calls' inside: a call PyTorch builds from several nodes
(l1_loss, cross_entropy, softsign) is drawn through its grad_fn objects down to its arguments (render/graph.py)."""

from __future__ import annotations

import re

from ..errors import DiffcheckError
from ..lang.program import Apply, Const, Var


def _brief(expr) -> str:
    return expr.name if isinstance(expr, Var) else repr(expr.value) if isinstance(expr, Const) else "…"


def _call_text(node: Apply) -> str:
    """`sin(x)`, `mul(…, y)`, `sum(x, dim=0)`: one level deep, so labels stay short however deep the nesting."""
    if node.op == "getitem":  # x[0, 1:]
        from ..ops.subscripts import shown

        return f"{_brief(node.args[0])}{shown(dict(node.params)['key'].value)}"
    return f"{node.op}({', '.join([*map(_brief, node.args), *(f'{k}={_brief(v)}' for k, v in node.params)])})"


def inner_inputs(call: Apply, t, args: list) -> list:
    """A composed call's inputs as drawn: its nodes are PyTorch's, its arguments deeper down."""
    text = re.sub(r"\S+#\d+", "…", _call_text(call))  # a temporary's name is no user's
    return _Inner(_node_of(call, t), text, args).below()


def _node_of(call: Apply, t):
    """The grad_fn object of a composed call's answer (PyTorch's and the engine's tensors have one)."""
    node = getattr(t, "grad_fn", None)
    if node is None or not hasattr(node, "next_functions"):
        raise DiffcheckError(
            f"--graph: '{call.op}' is built from several nodes, which this engine does not show", call.pos
        )
    return node


class _Constant:
    """A pruned entry of a composed call's inner node: no tensor of the program."""


class _Inner:
    """A node inside a composed call (l1_loss's AbsBackward0 under its MeanBackward0): walked through the grad_fn
    objects' next_functions down to the call's arguments, which are drawn as the program's tensors."""

    def __init__(self, fn, call: str, args: list):
        self.fn, self.call, self.args = fn, call, args

    def below(self) -> list:
        """(label, tensor or inner node) per next_functions entry; an argument's node or leaf is the argument."""
        found = []
        for child, _ in self.fn.next_functions:
            if child is None:  # a tensor without grad the call made (softsign's 1, a count): pruned
                found.append((f"a tensor without grad inside {self.call}", _Constant()))
                continue
            variable = getattr(child, "variable", None)
            arg = next((a for a in self.args if getattr(a[1], "grad_fn", None) is child or a[1] is variable), None)
            found.append(arg or (f"inside {self.call}", _Inner(child, self.call, self.args)))
        return found
