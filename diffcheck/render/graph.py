"""The engine's graph as a picture: a rich Tree rooted at the output, and Graphviz DOT as torchviz draws it.

Pure functions that return, never print. The graph is the one the engine built and walked: grad_fn names from
`t.grad_fn.name()`, every node's inputs checked against its `next_functions`, AccumulateGrad at the leaves, and a
pruned (dimmed, dashed) input where next_functions has None: the input does not require grad, or is a Python number.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

import numpy as np

from .. import ops
from ..check import Case, run_engine
from ..errors import DiffcheckError
from .graph_calls import _Constant, _Inner, _brief, _call_text, inner_inputs
from ..check.run import is_number
from ..lang.program import Apply, Assign, Const, Program, Var
from ..engine.printing import format_values

PRUNED = "requires_grad=False: PyTorch prunes this branch (next_functions has None here)"
NUMBER = "a Python number: next_functions has None here"


@dataclass(frozen=True)
class GraphNode:
    """One tensor of the graph and the grad_fn that made it."""

    key: int  # discovery order from the output (0)
    name: str  # the program's name for the tensor, or the call that made an unnamed one: `sin(x)`
    grad_fn: Optional[str]  # "MulBackward0"; "AccumulateGrad" for a leaf requiring grad; None where pruned
    shape: tuple
    value: str  # as PyTorch prints it (4 decimals)
    grad: Optional[str]  # what backward sends into this node, d output / d tensor; None where pruned
    retained: bool  # the user asked for retain_grad() on it
    inputs: tuple[int, ...] = ()  # keys of the tensors and numbers its grad_fn reads, in next_functions order
    number: bool = False  # a Python number operand: no tensor at all
    inner: bool = False  # one of the nodes PyTorch builds a call from (l1_loss's AbsBackward0): no tensor to show

    @property
    def pruned(self) -> bool:
        return self.grad_fn is None

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn == "AccumulateGrad"


@dataclass(frozen=True)
class Graph:
    nodes: tuple[GraphNode, ...]  # nodes[0] is the output

    @property
    def output(self) -> GraphNode:
        return self.nodes[0]


def _flatten(program: Program) -> tuple[Program, dict[str, str], set[str]]:
    """Every call nested in a statement becomes its own statement with a temporary name, and a short text for it;
    also the names that are Python numbers.

    The engine builds exactly the same nodes (one per call), but now each has a name that retain_grad() can reach,
    so the gradient flowing through unnamed nodes like `sin(x)` in `z = sin(x) * y` can be shown. Temporaries are
    named `z#1` ...: `#` is never part of a user's name. Parameters (`dim`, `min` ...) stay as written. `c / x` with
    a Python number c is spelled as the engine builds it, as PyTorch does: `mul(reciprocal(x), c)`, two nodes.
    """
    statements: list[Assign] = []
    texts: dict[str, str] = {}
    numbers: set[str] = set()  # names of Python numbers: arithmetic on numbers alone stays a number

    def is_number(expr) -> bool:
        return isinstance(expr, Const) or isinstance(expr, Var) and expr.name in numbers

    for statement in program.statements:
        count = 0
        done: dict[int, Var] = {}  # id(Apply) -> the Var naming its temporary
        stack = [(statement.value, False)]
        while stack:
            node, children_done = stack.pop()
            if not isinstance(node, Apply):
                continue
            if _tuple_op(node):
                raise DiffcheckError(f"the graph view does not draw '{node.op}' yet (a tuple of tensors)", node.pos)
            if not children_done:
                stack.append((node, True))
                stack.extend((arg, False) for arg in reversed(node.args))
                continue
            flat = replace(node, args=tuple(done.get(id(arg), arg) for arg in node.args))
            if flat.op == "div" and not flat.function and is_number(flat.args[0]) and not is_number(flat.args[1]):
                count += 1
                name = f"{statement.name}#{count}"
                statements.append(Assign(name, Apply("reciprocal", flat.args[1:], pos=node.pos), node.pos))
                texts[name] = f"reciprocal({_brief(node.args[1])})"
                flat = Apply("mul", (Var(name, node.pos), flat.args[0]), pos=node.pos)
            if node is statement.value:
                statements.append(replace(statement, value=flat))
            else:
                count += 1
                name = f"{statement.name}#{count}"
                statements.append(Assign(name, flat, node.pos))
                done[id(node)] = Var(name, node.pos)
                texts[name] = _call_text(node)
            if all(map(is_number, flat.args)):
                numbers.add(statements[-1].name)
        if not isinstance(statement.value, Apply):
            statements.append(statement)
            if is_number(statement.value):
                numbers.add(statement.name)
    return Program(tuple(statements), program.source), texts, numbers


def _tuple_op(node: Apply) -> bool:
    row = ops.OPS.get(ops.FRONTS[node.op].row)
    return row is not None and row.outputs != 1


def build_graph(case: Case, engine=None) -> Graph:
    """The graph `case` (one `check` accepted) builds on the engine (diffcheck's own unless given; it needs grad_fn
    names, next_functions and retain_grad), with the gradient at every node.

    Two engine runs: the first finds which tensors require grad (only those can be retained); the second retains
    them all, so after backward each node's `.grad` holds what flowed into it. Engine nodes hold no tensors (as in
    PyTorch), so each node's inputs come from its statement, taken as the table's row lists them (`x ** 2` lists x
    alone, where() not its condition), and are checked against its next_functions.
    """
    from .. import ops
    from ..engines import default

    engine = engine or default()
    program, texts, numbers = _flatten(case.program)
    plain = Case(program, case.values, case.no_grad)
    first = run_engine(plain, engine=engine)
    requiring = frozenset(  # (max(x, dim)'s (values, indices) is no tensor: its values are the next temporary)
        s.name
        for s in program.statements
        if not isinstance(first[s.name], tuple) and engine.requires_grad(first[s.name])
    )
    env = run_engine(replace(plain, retain=requiring), engine=engine)

    names = {id(env[temp]): text for temp, text in texts.items()}
    for name in [*case.program.inputs, *(s.name for s in case.program.statements)]:
        names.setdefault(id(env[name]), name)  # `z = x` names one tensor twice: the first name wins

    def value(expr):  # a named number is a tensor in `env`, made for the report: here it is the number again
        if isinstance(expr, Const):  # an integer list (an index) is the int64 tensor the run made of it
            return (
                engine.leaf(np.asarray(expr.value, np.int64), "int64", False)
                if type(expr.value) is tuple
                else expr.value
            )
        return np.asarray(engine.value(env[expr.name])).item() if expr.name in numbers else env[expr.name]

    def listed(call: Apply) -> list:
        """The inputs next_functions lists, in its order, as (label, value) pairs: the row resolved on positions
        (it moves a number last: `2 - x` is rsub(x, 2)), which `ndim_of` reads the values of."""
        args = [(_brief(a), value(a)) for a in call.args]
        if call.op == "getitem":  # a subscript lists what it indexes; max(x, dim)[0] is max's own node
            return listed(made[call.args[0].name]) if isinstance(args[0][1], tuple) else args[:1]
        row, positions, _ = ops.resolve(
            call.op,
            tuple(range(len(args))),
            {k: value(v) for k, v in call.params},
            lambda i: None if is_number(args[i][1]) else np.ndim(engine.value(args[i][1])),
            call.function,
        )
        if row.variadic:  # cat([x, y]): each tensor of the list
            return args
        return [args[positions[i]] for i in (range(len(positions)) if row.listed is None else row.listed)]

    made = {s.name: s.value for s in program.statements}
    inputs_of = {id(env[s.name]): listed(s.value) for s in program.statements if isinstance(s.value, Apply)}
    # a subscript of several steps (x[0, 1:]: SelectBackward0 then SliceBackward0) is drawn as one node
    steps = {id(env[s.name]) for s in program.statements if isinstance(s.value, Apply) and s.value.op == "getitem"}
    composed = {  # calls PyTorch builds from other ops (cross_entropy, l1_loss, softsign): maybe several nodes
        id(env[s.name]): s.value
        for s in program.statements
        if isinstance(s.value, Apply)
        and s.value.op in ops.FRONTS
        and getattr(ops.OPS.get(ops.FRONTS[s.value.op].row), "via", None) is not None
    }
    return Graph(tuple(_walk(engine, env[program.output], inputs_of, names, case.retain, steps, composed)))


def _walk(
    engine, out, inputs_of: dict, names: dict, retained: frozenset, steps=frozenset(), composed=None
) -> list[GraphNode]:
    """The nodes breadth-first from the output, each tensor once; a number is drawn where it is used. `steps`: the
    subscripts, whose nodes below the top one are not drawn (their edges are not checked); `composed`: the calls
    PyTorch builds from several nodes, refused where their nodes differ from the one drawn."""
    composed = composed or {}
    order, keys = [(None, out)], {id(out): 0}
    nodes = []

    def key_of(text, arg) -> int:
        if is_number(arg) or id(arg) not in keys:
            keys[id(arg)] = len(order)
            order.append((text, arg))
        return keys[id(arg)]

    for name, t in order:  # `order` grows while it is walked
        if is_number(t):
            nodes.append(GraphNode(len(nodes), name, None, (), repr(t), None, False, number=True))
            continue
        if type(t) is _Constant:
            nodes.append(GraphNode(len(nodes), name, None, (), name, None, False))
            continue
        if type(t) is _Inner:
            inputs = tuple(key_of(*entry) for entry in t.below())
            nodes.append(GraphNode(len(nodes), name, t.fn.name(), (), "", None, False, inputs, inner=True))
            continue
        inputs = []
        made_by = engine.grad_fn_name(t)
        if made_by is not None:  # leaves have no node; nor has a tensor without grad: PyTorch prunes below it
            args = inputs_of[id(t)]
            drawn, listed = [_grad_fn_name(engine, a) for _, a in args], list(engine.next_functions(t))
            if id(t) in composed and drawn != listed:  # the call's nodes are PyTorch's, its inputs deeper down
                args = inner_inputs(composed[id(t)], t, args)
            elif id(t) not in steps:
                _check_edges(made_by, tuple(listed), drawn)
            inputs = [key_of(text, arg) for text, arg in args]
        grad = engine.grad(t) if engine.requires_grad(t) else None
        name = names[id(t)]
        data = engine.value(t)
        nodes.append(
            GraphNode(
                len(nodes),
                name,
                _grad_fn_name(engine, t),
                tuple(np.shape(data)),
                _values(data),
                None if grad is None else _values(grad),
                name in retained,
                tuple(inputs),
            )
        )
    return nodes


def _grad_fn_name(engine, t) -> Optional[str]:
    """What next_functions shows for `t`: its grad_fn, AccumulateGrad for a leaf requiring grad, else None (a
    Python number too)."""
    if is_number(t):
        return None
    made_by = engine.grad_fn_name(t)
    return made_by if made_by is not None else "AccumulateGrad" if engine.requires_grad(t) else None


def _check_edges(made_by: str, listed: tuple, drawn: list) -> None:
    """The drawn inputs must be the node's next_functions, entry by entry: the picture is the engine's graph."""
    if drawn != list(listed):
        raise RuntimeError(f"graph: {made_by}.next_functions is {list(listed)}, the program gives {drawn}")


def _values(data) -> str:
    """A tensor's values on one line, as PyTorch prints them: `1.6829`, `[1., 2.]`, `[[1., 2.], [3., 4.]]`."""
    return format_values(data, np.asarray(data).dtype.kind == "f", indent=0).replace("\n", "")


# ---- rich tree ------------------------------------------------------------------------------------------------------
def _named(node: GraphNode) -> str:
    return node.value if node.name == node.value else f"{node.name} = {node.value}"


def _grad(node: GraphNode) -> str:
    """Where the gradient lands: `.grad` of a leaf or a retained tensor, otherwise only in passing."""
    if node.is_leaf or node.retained:
        return f"{node.name}.grad = {node.grad}" + ("  (retained)" if node.retained else "")
    return f"grad {node.grad}"


def _label(node: GraphNode):
    from rich.text import Text

    if node.inner:
        return Text.assemble((node.grad_fn, "bold"), "  ", (node.name, "dim"))
    if node.pruned:
        why = (
            NUMBER
            if node.number
            else PRUNED
            if node.key
            else ("requires_grad=False: nothing requires grad, so no graph was recorded")
        )
        return Text(f"None  {_named(node)}  {why}", style="dim")
    text = Text.assemble((node.grad_fn, "bold cyan" if node.is_leaf else "bold"), "  ", _named(node))
    if node.is_leaf:
        text.append("  requires_grad=True", style="dim")
    text.append(f"  {_grad(node)}", style="green" if node.is_leaf or node.retained else "")
    return text


def graph_tree(graph: Graph):
    """The graph as a rich Tree rooted at the output, under a one-line legend; a node shared by several consumers is
    expanded once."""
    from rich.console import Group
    from rich.text import Text
    from rich.tree import Tree

    root = Tree(_label(graph.output))
    expanded: set[int] = set()
    stack = [(root, graph.output)]
    while stack:  # depth-first, children pushed in reverse so they render in next_functions order
        branch, node = stack.pop()
        if node.key in expanded:
            branch.label.append("  (its inputs are shown above)", style="dim")
            continue
        expanded.add(node.key)
        children = [(branch.add(_label(graph.nodes[k])), graph.nodes[k]) for k in node.inputs]
        stack.extend((child, n) for child, n in reversed(children) if n.inputs)
    out = graph.output.name
    legend = (
        f"{out}.backward() walks this graph: grad is d{out}/d(the node's tensor), kept as .grad only on leaves "
        "and retained tensors"
    )
    return Group(Text(""), *([] if graph.output.pruned else [Text(legend, style="dim")]), root)


# ---- Graphviz DOT ---------------------------------------------------------------------------------------------------
# torchviz's look: filled boxes in monospace; the output tensor dark olive green, leaf variables light blue, each
# leaf feeding its AccumulateGrad node. Edges point forward, from an input to the node that consumes it.
_DOT_HEAD = (
    'digraph {\n\tgraph [size="12,12"]\n'
    "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]\n"
)


def _quote(*lines: str) -> str:
    """A DOT string of label lines (`\\n` breaks a label line in Graphviz)."""
    return '"' + "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in lines) + '"'


def _box(node: GraphNode) -> tuple[str, str, str]:
    """torchviz's variable label: name, then the size on its own line; then the value."""
    return node.name, " (" + ", ".join(map(str, node.shape)) + ")", f"= {node.value}"


def graph_dot(graph: Graph) -> str:
    """The graph as Graphviz DOT (render with `dot -Tsvg FILE`); node ids are stable: n<key>, v<key>, out."""
    out = graph.output
    lines = [f"\tout [label={_quote(*_box(out))} fillcolor=darkolivegreen1]"]
    if not out.pruned:
        lines.append("\tn0 -> out")
    for node in graph.nodes:
        if node.pruned:
            if node.key:  # a pruned output is the `out` box alone
                why = NUMBER if node.number else PRUNED
                lines.append(
                    f"\tn{node.key} [label={_quote(*_box(node), why)} color=gray50 fillcolor=white "
                    "fontcolor=gray50 style=dashed]"
                )
        elif node.is_leaf:
            lines += [
                f"\tv{node.key} [label={_quote(*_box(node), _grad(node))} fillcolor=lightblue]",
                f"\tn{node.key} [label=AccumulateGrad]",
                f"\tv{node.key} -> n{node.key}",
            ]
        elif node.inner:
            lines.append(f"\tn{node.key} [label={_quote(node.grad_fn, node.name)}]")
        else:
            lines.append(f"\tn{node.key} [label={_quote(node.grad_fn, _named(node), _grad(node))}]")
        for k in node.inputs:
            style = " [color=gray50 style=dashed]" if graph.nodes[k].pruned else ""
            lines.append(f"\tn{k} -> n{node.key}{style}")
    return _DOT_HEAD + "\n".join(lines) + "\n}\n"
