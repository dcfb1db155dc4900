"""`check --graph` and `--dot FILE`: the engine's graph as a rich tree and as Graphviz DOT, checked against it."""

import io
import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from diffcheck import engine
from diffcheck.check import Case, run_engine
from diffcheck.cli import main
from diffcheck.render.graph import NUMBER, PRUNED, build_graph, graph_dot, graph_tree
from diffcheck.lang.parse import parse_program

PROGRAM = "z = sin(x) * y; w = z + exp(x)"

TREE = """\

w.backward() walks this graph: grad is dw/d(the node's tensor), kept as .grad only on leaves and retained tensors
AddBackward0  w = 4.4012  grad 1.
├── MulBackward0  z = 1.6829  z.grad = 1.  (retained)
│   ├── SinBackward0  sin(x) = 0.8415  grad 2.
│   │   └── AccumulateGrad  x = 1.  requires_grad=True  x.grad = 3.7989
│   └── AccumulateGrad  y = 2.  requires_grad=True  y.grad = 0.8415
└── ExpBackward0  exp(x) = 2.7183  grad 1.
    └── AccumulateGrad  x = 1.  requires_grad=True  x.grad = 3.7989
"""

DOT = r"""digraph {
	graph [size="12,12"]
	node [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]
	out [label="w\n ()\n= 4.4012" fillcolor=darkolivegreen1]
	n0 -> out
	n0 [label="AddBackward0\nw = 4.4012\ngrad 1."]
	n1 -> n0
	n2 -> n0
	n1 [label="MulBackward0\nz = 1.6829\nz.grad = 1.  (retained)"]
	n3 -> n1
	n4 -> n1
	n2 [label="ExpBackward0\nexp(x) = 2.7183\ngrad 1."]
	n5 -> n2
	n3 [label="SinBackward0\nsin(x) = 0.8415\ngrad 2."]
	n5 -> n3
	v4 [label="y\n ()\n= 2.\ny.grad = 0.8415" fillcolor=lightblue]
	n4 [label=AccumulateGrad]
	v4 -> n4
	v5 [label="x\n ()\n= 1.\nx.grad = 3.7989" fillcolor=lightblue]
	n5 [label=AccumulateGrad]
	v5 -> n5
}
"""


def invoke(*args):
    return CliRunner().invoke(main, ["check", *args])


def graph_of(source, values, no_grad=(), retain=()):
    return build_graph(Case(parse_program(source), values, frozenset(no_grad), frozenset(retain)))


def test_graph_tree_under_the_table():
    result = invoke(PROGRAM, "x=1", "y=2", "--retain-grad", "z", "--graph")
    assert result.exit_code == 0, result.output
    stdout = "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n"
    assert stdout.endswith(TREE)
    assert "w = tensor(4.4012, grad_fn=<AddBackward0>)" in stdout[: -len(TREE)]  # the table comes first


def test_dot_file(tmp_path):
    path = tmp_path / "graph.dot"
    result = invoke(PROGRAM, "x=1", "y=2", "--retain-grad", "z", "--dot", str(path))
    assert result.exit_code == 0, result.output
    assert "AccumulateGrad" not in result.stdout  # --dot alone prints no tree
    assert path.read_text() == DOT


def test_dot_with_json_keeps_stdout_json(tmp_path):
    path = tmp_path / "graph.dot"
    result = invoke(PROGRAM, "x=1", "y=2", "--format", "json", "--dot", str(path))
    assert result.exit_code == 0 and json.loads(result.stdout)["ok"]
    assert parse_dot(path.read_text())


@pytest.mark.parametrize(
    "args, message",
    [
        (["--graph", "--format", "json"], "--graph draws for people and cannot mix with --format json"),
        (["--graph", "--points", "3"], "--graph and --dot draw the graph at one point"),
        (["--dot", "/no/such/directory/graph.dot"], "--dot: cannot write '/no/such/directory/graph.dot'"),
    ],
)
def test_graph_refusals_are_one_line_exit_2(args, message):
    result = invoke(PROGRAM, "x=1", "y=2", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"diffcheck: error: {message}") and result.stderr.count("\n") == 1


def render(graph, styles=False) -> str:
    """The tree as a terminal shows it; with `styles`, ANSI codes included."""
    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO(), force_terminal=styles, color_system="standard")
    console.print(graph_tree(graph))
    return console.export_text(styles=styles)


def test_pruned_branch_is_dimmed_and_dashed():
    graph = graph_of("w = x * y", {"x": 1.0, "y": 3.0}, no_grad=["y"])
    assert f"\x1b[2mNone  y = 3.  {PRUNED}" in render(graph, styles=True)
    assert (
        f'n2 [label="y\\n ()\\n= 3.\\n{PRUNED}" color=gray50 fillcolor=white fontcolor=gray50 style=dashed]'
        in graph_dot(graph)
    )
    assert "n2 -> n0 [color=gray50 style=dashed]" in graph_dot(graph)


def test_a_python_number_is_an_entry_of_none_drawn_where_it_is_used():
    """PyTorch lists `x * 3`'s 3 in next_functions as (None, 0) (x ** 2's 2 and where's condition not at all)."""
    graph = graph_of("w = where(x > 0, x * 3, c) + x ** 2", {"x": 1.0, "c": 2.0})
    assert [(n.name, n.grad_fn, n.inputs) for n in graph.nodes] == [
        ("w", "AddBackward0", (1, 2)),
        ("where(…, …, c)", "WhereBackward0", (3, 4)),
        ("pow(x, 2)", "PowBackward0", (5,)),
        ("mul(x, 3)", "MulBackward0", (5, 6)),
        ("c", "AccumulateGrad", ()),
        ("x", "AccumulateGrad", ()),
        ("3", None, ()),
    ]
    assert graph.nodes[6].number and not graph.nodes[4].number
    assert f"\x1b[2mNone  3  {NUMBER}" in render(graph, styles=True)
    assert (
        f'n6 [label="3\\n ()\\n= 3\\n{NUMBER}" color=gray50 fillcolor=white fontcolor=gray50 style=dashed]'
        in graph_dot(graph)
    )


def test_a_number_over_a_tensor_is_drawn_as_pytorch_builds_it():
    """`c / x` is reciprocal(x) * c in PyTorch; a named number stays a number (`k = 2 * 3` is no tensor)."""
    graph = graph_of("k = 2 * 3; w = k / sin(x)", {"x": 1.0})
    assert [(n.name, n.grad_fn, n.inputs) for n in graph.nodes] == [
        ("w", "MulBackward0", (1, 2)),
        ("reciprocal(…)", "ReciprocalBackward0", (3,)),
        ("k", None, ()),
        ("sin(x)", "SinBackward0", (4,)),
        ("x", "AccumulateGrad", ()),
    ]
    assert graph.nodes[2].number and render(graph).count(f"k = 6.0  {NUMBER}") == 1


def test_a_number_left_of_plus_or_times_is_listed_second_as_pytorch_lists_it():
    """`2 + t` is t.__radd__(2): PyTorch 2.13 lists (<MulBackward0>, None) for `2 + x * 3` and (AccumulateGrad, None)
    for `2 * x`, the number second, as for `x * 3`."""
    graph = graph_of("w = 2 + x * 3; v = 2 * w", {"x": 1.0})
    assert [(n.name, n.grad_fn, n.inputs) for n in graph.nodes] == [
        ("v", "MulBackward0", (1, 2)),
        ("w", "AddBackward0", (3, 4)),
        ("2", None, ()),
        ("mul(x, 3)", "MulBackward0", (5, 6)),
        ("2", None, ()),
        ("x", "AccumulateGrad", ()),
        ("3", None, ()),
    ]


@pytest.mark.parametrize(
    "source, nodes",
    [
        # torch's functions keep a number first (PyTorch 2.13: SubBackward0 lists (None, AccumulateGrad))
        ("w = torch.sub(2, x)", [("w", "SubBackward0", (1, 2)), ("2", None, ()), ("x", "AccumulateGrad", ())]),
        ("w = torch.div(2, x)", [("w", "DivBackward0", (1, 2)), ("2", None, ()), ("x", "AccumulateGrad", ())]),
        ("w = torch.mul(2, x)", [("w", "MulBackward0", (1, 2)), ("2", None, ()), ("x", "AccumulateGrad", ())]),
        # the operators move it last, or do not list it
        ("w = 2 - x", [("w", "RsubBackward1", (1,)), ("x", "AccumulateGrad", ())]),
        ("w = 2 * x", [("w", "MulBackward0", (1, 2)), ("x", "AccumulateGrad", ()), ("2", None, ())]),
    ],
)
def test_a_function_keeps_a_number_first_where_the_operator_moves_it(source, nodes):
    graph = graph_of(source, {"x": 1.5})
    assert [(n.name, n.grad_fn, n.inputs) for n in graph.nodes] == nodes


def test_a_loss_pytorch_composes_is_drawn_node_by_node():
    result = invoke("sum(softsign(x)) + l1_loss(x, y)", "x=[1,2]", "y=[0,3]", "--graph", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout.split("\n", 3)[3] == (
        "AddBackward0  out = 2.1667  grad 1.\n"
        "├── SumBackward0  sum(…) = 1.1667  grad 1.\n"
        "│   └── DivBackward0  softsign(x) = [0.5000, 0.6667]  grad [1., 1.]\n"
        "│       ├── AccumulateGrad  x = [1., 2.]  requires_grad=True  x.grad = [ 0.7500, -0.3889]\n"
        "│       └── AddBackward0  inside softsign(x)\n"
        "│           ├── AbsBackward0  inside softsign(x)\n"
        "│           │   └── AccumulateGrad  x = [1., 2.]  requires_grad=True  x.grad = [ 0.7500, -0.3889]\n"
        "│           └── None  a tensor without grad inside softsign(x)  " + PRUNED + "\n"
        "└── MeanBackward0  l1_loss(x, y) = 1.  grad 1.\n"
        "    └── AbsBackward0  inside l1_loss(x, y)\n"
        "        └── SubBackward0  inside l1_loss(x, y)\n"
        "            ├── AccumulateGrad  x = [1., 2.]  requires_grad=True  x.grad = [ 0.7500, -0.3889]\n"
        "            └── AccumulateGrad  y = [0., 3.]  requires_grad=True  y.grad = [-0.5000,  0.5000]\n"
    )


def test_nothing_requires_grad():
    graph = graph_of("w = x * y", {"x": 1.0, "y": 3.0}, no_grad=["x", "y"])
    assert [n.grad_fn for n in graph.nodes] == [None]
    assert "nothing requires grad, so no graph was recorded" in render(graph)
    assert parse_dot(graph_dot(graph)) == ({"out"}, [])


def test_shared_node_is_expanded_once():
    text = render(graph_of("a = sin(x); w = a * a + cos(a)", {"x": 0.5}))
    assert text.count("SinBackward0") == 3 and text.count("AccumulateGrad") == 1
    assert text.count("(its inputs are shown above)") == 2


# ---- the picture is the engine's graph -------------------------------------------------------------------------------
def engine_walk(fn) -> list:
    """The torch-semantics walk over next_functions: (depth, class name or None), depth-first."""
    found, stack = [], [(fn, 0)]
    while stack:
        fn, depth = stack.pop()
        found.append((depth, None if fn is None else fn.name()))
        if fn is not None:
            stack.extend((nxt, depth + 1) for nxt, _ in reversed(fn.next_functions))
    return found


def graph_walk(graph) -> list:
    found, stack = [], [(graph.output, 0)]
    while stack:
        node, depth = stack.pop()
        found.append((depth, node.grad_fn))
        stack.extend((graph.nodes[k], depth + 1) for k in reversed(node.inputs))
    return found


PROGRAMS = [
    (PROGRAM, {"x": 1.0, "y": 2.0}, ()),
    ("z = sin(x * y) / (1 + exp(-x)) + x ** 2", {"x": 3.0, "y": 4.0}, ("y",)),
    (
        "w = sum(exp(sin(x) * c) * clamp(v, min=0)) + where(x > 0, x, 0.5)",
        {"x": [1.0, -2.0], "c": 3.0, "v": [0.5, 2.0]},
        ("c",),
    ),
    ("a = 2 - x + 1 / x; w = a + 2 ** x + W @ v", {"x": 0.5, "W": [[1.0, 2.0], [3.0, 4.0]], "v": [1.0, -1.0]}, ()),
]


# calls PyTorch builds from several nodes (issue 23): drawn node by node inside the call, down to its arguments
COMPOSED = [
    ("l1_loss(x, y)", {"x": [1.0, 2.0], "y": [0.0, 3.0]}, ()),
    ("smooth_l1_loss(x, y, beta=0.0) + sum(softsign(x))", {"x": [1.0, 2.0], "y": [0.0, 3.0]}, ()),
    (
        "cross_entropy(W @ x, t, label_smoothing=0.1)",
        {"x": [1.0, 2.0], "W": [[1.0, 0.5], [0.2, -1.0], [0.3, 0.1]], "t": 1},
        ("x",),
    ),
    ("cross_entropy(z, p)", {"z": [[0.5, 1.0], [2.0, -1.0]], "p": [[0.25, 0.75], [1.0, 0.0]]}, ()),
]


@pytest.mark.parametrize("source, values, no_grad", PROGRAMS + COMPOSED)
def test_graph_matches_the_engines_next_functions(source, values, no_grad):
    case = Case(parse_program(source), values, frozenset(no_grad))
    out = run_engine(case)[case.program.output]
    assert graph_walk(build_graph(case)) == engine_walk(out.grad_fn)


@pytest.mark.parametrize("source, values, no_grad", PROGRAMS)
def test_every_grad_is_what_backward_sends(source, values, no_grad):
    """Each node's value and grad against autograd.grad of the output with respect to that very tensor."""
    import numpy as np

    from diffcheck.render.graph import _flatten, _values
    from diffcheck.lang.lower import number_params, run

    program, texts, _ = _flatten(parse_program(source))
    leaves = {n: engine.tensor(values[n], dtype=engine.float64, requires_grad=n not in no_grad) for n in values}
    env = run(
        program,
        leaves,
        lambda node, args, params: engine.FUNCTIONS[node.op](
            *args, **number_params(node, params, lambda v: isinstance(v, (int, float)))
        ),
    )
    by_name = {texts.get(name, name): t for name, t in env.items()}
    requiring = [t for t in by_name.values() if t.requires_grad]
    out = env[program.output]
    grads = engine.grad(out, requiring, engine.tensor(np.ones(out.shape), dtype=engine.float64), allow_unused=True)
    expected = dict(zip(map(id, requiring), grads))
    graph = build_graph(Case(parse_program(source), values, frozenset(no_grad)))
    tensors = [node for node in graph.nodes if not node.number]
    assert len({n.name for n in tensors}) == len(tensors)  # names identify tensors in these programs
    for node in tensors:
        t = by_name[node.name]
        assert node.value == _values(t.data)
        assert node.grad == (_values(expected[id(t)].data) if t.requires_grad else None), node


# ---- DOT: a small grammar check, and Graphviz itself when installed --------------------------------------------------
_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<id>[A-Za-z_][A-Za-z_0-9]*|-?(?:\.\d+|\d+(?:\.\d*)?))'
    r"|(?P<punct>->|[{}\[\]=;,]))",
    re.S,
)


def parse_dot(text: str) -> tuple[set, list]:
    """DOT's grammar for a digraph (graph/node/edge attribute statements, node and edge statements, attribute lists);
    returns the declared node ids and the edges, and asserts every edge joins declared nodes."""
    tokens, position = [], 0
    while text[position:].strip():
        match = _TOKEN.match(text, position)
        assert match, f"bad DOT token at {text[position : position + 20]!r}"
        tokens.append(match.group("string") or match.group("id") or match.group("punct"))
        position = match.end()
    tokens.append(None)
    index = 0

    def take(expected=None):
        nonlocal index
        token = tokens[index]
        assert token is not None and (expected is None or token == expected), (expected, token, index)
        index += 1
        return token

    def is_id(token):
        return token is not None and token not in ("->", "{", "}", "[", "]", "=", ";", ",")

    def attributes():
        while tokens[index] == "[":
            take("[")
            while tokens[index] != "]":
                assert is_id(tokens[index]), tokens[index]
                take()
                take("=")
                assert is_id(tokens[index]), tokens[index]
                take()
                if tokens[index] in (",", ";"):
                    take()
            take("]")

    take("digraph")
    if is_id(tokens[index]) and tokens[index] != "{":
        take()
    take("{")
    nodes, edges = set(), []
    while tokens[index] != "}":
        first = take()
        assert is_id(first), first
        if first in ("graph", "node", "edge"):
            attributes()
        elif tokens[index] == "->":
            chain = [first]
            while tokens[index] == "->":
                take("->")
                assert is_id(tokens[index])
                chain.append(take())
            edges += list(zip(chain, chain[1:]))
            attributes()
        else:
            nodes.add(first)
            attributes()
        if tokens[index] == ";":
            take(";")
    take("}")
    assert tokens[index] is None, "text after the graph"
    for a, b in edges:
        assert a in nodes and b in nodes, f"edge {a} -> {b} joins an undeclared node"
    return nodes, edges


def test_parse_dot_rejects_broken_dot():
    with pytest.raises(AssertionError):
        parse_dot('digraph { a [label="x] }')
    with pytest.raises(AssertionError):
        parse_dot("digraph { a -> b }")  # b never declared
    assert parse_dot(DOT)[0] >= {"out", "n0", "v5"}


@pytest.mark.parametrize("source, values, no_grad", PROGRAMS + COMPOSED)
def test_dot_parses(source, values, no_grad):
    graph = graph_of(source, values, no_grad)
    nodes, edges = parse_dot(graph_dot(graph))
    assert len(edges) == 1 + sum(len(n.inputs) for n in graph.nodes) + sum(n.is_leaf for n in graph.nodes)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
@pytest.mark.parametrize("source, values, no_grad", PROGRAMS + COMPOSED)
def test_graphviz_renders_it(source, values, no_grad, tmp_path):
    path = tmp_path / "graph.dot"
    path.write_text(graph_dot(graph_of(source, values, no_grad)))
    done = subprocess.run(["dot", "-Tsvg", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
