"""Issue 23's fidelity classes: small programs (storage sharing and in-place ops, special values, mixed dtypes,
PyTorch's exceptions) and every differentiable call's first and second derivatives under create_graph, and the
recorder of what PyTorch 2.13 does with them. tests/test_fidelity_*.py run the same on diffcheck's engine.

Re-record with a PyTorch 2.13 interpreter (diffcheck need not be installed there):

    /path/to/torch/python tests/fidelity_cases.py > tests/fidelity.json

A program runs with `torch`, `F` (torch.nn.functional) and `out(value)`, which records `repr(value)`; an exception
ends it and is recorded as `!! Type: message`.
"""

from __future__ import annotations

import json
import math
import warnings

from elementwise_cases import CALLS as ELEMENTWISE_CALLS, POINTS as ELEMENTWISE_POINTS

PROGRAMS = {
    # ---- storage and in-place ----------------------------------------------------------------------------------
    "detach_shares_storage": """
x = torch.tensor([1.5, 2.5], requires_grad=True)
d = x.detach()
out(d._base, d._version, x._version)
d.zero_()
out(x, d._version, x._version)
d.add_(torch.tensor([1.0, 2.0]))
out(x, x.detach().detach()._version)
""",
    "detach_bumps_the_saved_version": """
x = torch.tensor([1.0, 2.0], requires_grad=True)
w = x * x
x.detach().mul_(2)
w.sum().backward()
""",
    "leaf_inplace_refused": """
x = torch.tensor([1.0, 2.0], requires_grad=True)
for call in (lambda: x.zero_(), lambda: x.add_(1), lambda: x.fill_(2.0), lambda: x.exp_(), lambda: x.pow_(2),
             lambda: x.copy_(torch.tensor([3.0, 4.0])), lambda: x.clamp_(min=0.0), lambda: x.sigmoid_()):
    try:
        call()
    except RuntimeError as error:
        out(str(error))
with torch.no_grad():
    x.zero_()
out(x)
""",
    "nonleaf_inplace_nodes": """
x = torch.tensor([1.0, -2.0], requires_grad=True)
out((x * 2).zero_(), (x * 2).fill_(3.0), (x * 2).fill_(torch.tensor(3.0)), (x * 2).copy_(torch.tensor([1.0, 5.0])))
out((x * 2).copy_(x), (x * 2).exp_(), (x * 2).pow_(2), (x * 2).relu_(), (x * 2).clamp_(min=0.0), (x * 2).abs_())
out((x * 2).sigmoid_(), (x * 2).tanh_(), (x * 2).neg_(), (x * 2).add_(1, alpha=2), (x * 2).square_())
""",
    "nonleaf_inplace_gradients": """
x = torch.tensor([1.0, -2.0], requires_grad=True)
v = torch.tensor(3.0, requires_grad=True)
s = torch.tensor([0.5, 0.25], requires_grad=True)
y = x * 2
y.exp_()
z = x * 3
z.fill_(v)
w = x * 4
w.copy_(s * 2)
u = x * 5
u.zero_()
(y.sum() + z.sum() + w.sum() + u.sum()).backward()
out(x.grad, v.grad, s.grad)
""",
    "float_of_tensor": """
x = torch.tensor(3.0, requires_grad=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    out(float(x * 2), float(x), float(x.detach()), int(x), x.item())
out([str(w.message) for w in caught])
""",
    "float_of_many": "float(torch.ones(2))",
    "bool_of_many": "bool(torch.ones(2))",
    "len_of_0d": "len(torch.tensor(1.0))",
    # ---- higher order ------------------------------------------------------------------------------------------
    "grad_after_backward_create_graph": """
x = torch.tensor([1.0, 2.0], requires_grad=True)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    (x ** 3).sum().backward(create_graph=True)
    out(x.grad)
    (x ** 3).sum().backward(create_graph=True)
    out(x.grad)
c = torch.tensor([1.0, 2.0], requires_grad=True)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    (c * 2).sum().backward(create_graph=True)
out(c.grad)
""",
    "third_derivative_connected_zero": """
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
z = (x ** 2).sum() * y
gx, = torch.autograd.grad(z, x, create_graph=True)
gxx, = torch.autograd.grad(gx.sum(), x, create_graph=True)
out(gx, gxx)
out(torch.autograd.grad(gxx.sum(), [x, y], allow_unused=True))
""",
    "abs_graph": """
x = torch.tensor([1.0, -2.0], requires_grad=True)
g, = torch.autograd.grad(torch.abs(x).sum(), x, create_graph=True)
out(g, torch.autograd.grad(g.sum(), x))
""",
    # ---- special values ----------------------------------------------------------------------------------------
    "maximum_nan": """
a = torch.tensor([float('nan'), 1.0, 2.0], requires_grad=True)
b = torch.tensor([1.0, float('nan'), 2.0], requires_grad=True)
torch.maximum(a, b).sum().backward()
out(torch.maximum(a, b), a.grad, b.grad)
a.grad = b.grad = None
torch.minimum(a, b).sum().backward()
out(torch.minimum(a, b), a.grad, b.grad)
""",
    "signed_zeros": """
p, n = torch.tensor(0.0), torch.tensor(-0.0)
out(torch.maximum(p, n), torch.maximum(n, p), torch.minimum(p, n), torch.minimum(n, p))
out(torch.clamp(n, min=0.0), torch.clamp(p, max=-0.0), torch.relu(n))
out(n ** -0.5, n ** -1, n ** 0.5, n ** torch.tensor(0.5), n ** torch.tensor(3.0), n ** 3)
""",
    "special_gradients": """
for e in (0.5, 1.5, -0.5, 2.0, 3.0, -2.0, 2.5):
    t = torch.tensor([-float('inf'), -0.0, float('inf'), float('nan'), -2.0], dtype=torch.float64, requires_grad=True)
    (t ** e).sum().backward()
    out(e, t ** e, t.grad)
n = torch.tensor([float('nan'), 0.0, -0.0], requires_grad=True)
torch.abs(n).sum().backward()
out(n.grad, torch.sign(n))
""",
    "clamp_inverted_bounds": """
x = torch.tensor([-1.0, 0.5, 2.0, float('nan')], requires_grad=True)
y = torch.clamp(x, min=1.0, max=0.0)
y.sum().backward()
out(y, x.grad)
""",
    "clamp_tensor_bounds": """
x = torch.tensor([-1.0, 0.5, 2.0, 0.0], requires_grad=True)
lo = torch.tensor([0.0, 0.0, 0.0, 0.0], requires_grad=True)
hi = torch.tensor([1.5, 0.25, 1.5, -1.0], requires_grad=True)
y = torch.clamp(x, lo, hi)
y.sum().backward()
out(y, x.grad, lo.grad, hi.grad)
z = x.clamp(max=torch.tensor(1.0))
out(z, [f[0] is None for f in z.grad_fn.next_functions])
""",
    # ---- mixed dtypes --------------------------------------------------------------------------------------------
    "float32_with_float64_0d": """
a = torch.tensor([1.5], requires_grad=True)
b = torch.tensor(1.703125, dtype=torch.float64, requires_grad=True)
c = torch.tensor([0.8125], dtype=torch.float64, requires_grad=True)
((a / b) * c).sum().backward()
out(a.grad.item(), b.grad.item(), c.grad.item())
""",
    "float32_times_float64": """
a = torch.tensor([1.1, 2.3], requires_grad=True)
c = torch.tensor([0.7, 1.9], dtype=torch.float64, requires_grad=True)
(torch.exp(a) * c).sum().backward()
out(a.grad.tolist(), c.grad.tolist())
""",
    "mixed_dtypes_create_graph": """
a = torch.tensor([1.5, 0.7], requires_grad=True)
b = torch.tensor(1.703125, dtype=torch.float64, requires_grad=True)
c = torch.tensor([0.8125, 1.1], dtype=torch.float64, requires_grad=True)
y = ((a / b) * c * a).sum()
ga, gb = torch.autograd.grad(y, [a, b], create_graph=True)
out(ga, gb)
second = torch.autograd.grad(ga.sum() + gb, [a, b, c])
out([t.dtype for t in second], [[round(v, 6) for v in t.tolist()] if t.dim() else round(t.item(), 6) for t in second])
""",
    "mixed_dtypes_second_derivatives": """
a = torch.tensor([1.5, 0.7, -2.3], requires_grad=True)
b = torch.tensor(1.703125, dtype=torch.float64, requires_grad=True)
c = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
for f in (lambda: (a / b).sum(), lambda: (a * b * c).sum(), lambda: (a / b * a).sum(), lambda: ((a - b) ** 2 * c).sum(),
          lambda: (a * a / (b * c)).sum(), lambda: ((a - c) / (c + a) * b).sum(), lambda: ((a * b - c) / (a + c * a)).sum(),
          lambda: torch.maximum(a * b, a / c).sum(), lambda: torch.where(a > 0, a * c, b / a).sum()):
    y = f()
    firsts = [t for t in torch.autograd.grad(y, [a, b, c], create_graph=True, allow_unused=True) if t is not None]
    out([(t.dtype, t.grad_fn.name() if t.grad_fn else None, t.tolist()) for t in firsts])
    for g in firsts:
        out([t.tolist() for t in torch.autograd.grad(g.sum(), [a, b, c], retain_graph=True, allow_unused=True)
             if t is not None])
""",
    "hardsigmoid_double_backward": """
x = torch.tensor([-4.0, -1.5, 0.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
g, = torch.autograd.grad(F.hardsigmoid(x).sum(), x, create_graph=True)
out(g, g.requires_grad, g.grad_fn.name(), [(f.name().rsplit("::")[-1], k) for f, k in g.grad_fn.next_functions])
h, = torch.autograd.grad((F.hardsigmoid(x) * x).sum(), x, create_graph=True)
out(h)
torch.autograd.grad(g.sum(), x)
""",
    "hardsigmoid_double_backward_h": """
x = torch.tensor([-4.0, -1.5, 0.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
h, = torch.autograd.grad((F.hardsigmoid(x) * x).sum(), x, create_graph=True)
out(h.grad_fn.name(), torch.autograd.grad(h.sum(), x))
""",
    "clamp_tensor_bounds_spellings": """
x = torch.tensor([-1.0, 0.5, 2.0, 0.0, 1.5], requires_grad=True)
lo = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0], requires_grad=True)
hi = torch.tensor([1.5, 0.25, 1.5, -1.0, 1.5], requires_grad=True)
c = torch.tensor(1.0, requires_grad=True)
w = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
for f in (lambda: x.clamp(lo, hi), lambda: torch.clamp(x, min=lo), lambda: torch.clamp(x, max=hi),
          lambda: x.clamp(min=lo, max=hi), lambda: torch.clip(x, lo, hi), lambda: x.clip(max=c),
          lambda: torch.clamp(x, lo, c), lambda: torch.clamp(x, min=c, max=hi), lambda: torch.clamp(x, c)):
    for t in (x, lo, hi, c):
        t.grad = None
    y = f()
    (y * w).sum().backward()
    out(y, [None if n is None else n.name().rsplit("::")[-1] for n, _ in y.grad_fn.next_functions])
    out(x.grad, lo.grad, hi.grad, c.grad)
""",
    "clamp_tensor_bounds_mixed": """
x = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)
out(torch.clamp(x, 0.0, torch.tensor(1.0)), torch.clamp(x, torch.tensor(0.0), 1.0))
out(torch.clamp(x, torch.tensor(0.0, dtype=torch.float64), torch.tensor(1.0, dtype=torch.float64)))
out(torch.clamp(torch.tensor([1, 5, -3]), torch.tensor(0), torch.tensor(2)))
out(torch.clamp(x, torch.tensor([[0.0], [1.0]]), torch.tensor(1.5)))
""",
    "loss_second_derivative_nodes": """
p = torch.tensor([0.5, 1.5, 2.0, 0.25], dtype=torch.float64, requires_grad=True)
q = torch.tensor([1.25, -0.75, 2.0, 0.5], dtype=torch.float64, requires_grad=True)
u = torch.tensor([0.25, 0.5, 0.875, 0.125], dtype=torch.float64, requires_grad=True)
t = torch.tensor([0.0, 1.0, 0.25, 1.0], dtype=torch.float64)
w = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
for f, args in ((lambda: F.mse_loss(p, q), [p, q]), (lambda: F.smooth_l1_loss(p, q, beta=0.5), [p, q]),
                (lambda: F.huber_loss(p, q, delta=0.5, reduction="sum"), [p, q]), (lambda: F.binary_cross_entropy(u, t), [u]),
                (lambda: F.binary_cross_entropy(u, t, weight=w, reduction="none").sum(), [u]),
                (lambda: (F.softmax(q, 0) * w).sum(), [q]), (lambda: (F.log_softmax(q, 0) * w).sum(), [q]),
                (lambda: F.nll_loss(torch.stack([p, q]), torch.tensor([1, 3])), [p, q])):
    firsts = torch.autograd.grad(f(), args, create_graph=True)
    for g in firsts:
        seconds = torch.autograd.grad(g.sum(), args, create_graph=True, allow_unused=True)
        out([None if s is None or s.grad_fn is None else s.grad_fn.name() for s in seconds])
""",
    # ---- PyTorch's exceptions --------------------------------------------------------------------------------------
    "broadcast_mismatch": "torch.ones(2) + torch.ones(3)",
    "broadcast_mismatch_2d": "torch.ones(2, 3) * torch.ones(4, 1, 2)",
    "mm_mismatch": "torch.ones(2, 3) @ torch.ones(2, 3)",
    "mv_mismatch": "torch.ones(2, 3) @ torch.ones(2)",
    "dot_mismatch": "torch.ones(2) @ torch.ones(3)",
    "ragged_list": "torch.tensor([[1.0, 2.0], [3.0]])",
    "int_tensor_powers": """
out(torch.tensor([2, -3, 1, -1, 0]) ** torch.tensor([2, -3, -2, -3, 2]))
torch.tensor([2, -3]) ** -1
""",
    "bool_pow_bool": "torch.tensor([True]) ** torch.tensor([True])",
    "maximum_number": "torch.maximum(torch.ones(2), 0.5)",
    "maximum_method_number": "torch.ones(2).maximum(0.5)",
    "dot_number": "torch.dot(torch.ones(2), 2)",
    "mv_number": "torch.mv(torch.ones(2, 2), 2)",
    "mm_number": "torch.mm(torch.ones(2, 2), 2)",
    "mm_method_number": "torch.ones(2, 2).mm(2.5)",
    "where_refused": """
x = torch.ones(2)
for args in [(True, x, 0.0), (True, x, x), (1.0, 2.0, 3.0), (True, 1.0, x), (x > 0, "a", x)]:
    try:
        torch.where(*args)
    except TypeError as error:
        out(str(error))
out(torch.where(x > 0, 1.0, 2.0), torch.where(x > 0, x, 0.0))
""",
    "print_tiny_float64": "out(torch.tensor([1e-308, 2.0], dtype=torch.float64))",
}


def mixed_expressions() -> list:
    """Random expressions over float32 vectors `a`, `d` and float64 0-d tensors `b`, `c` (seeded, the same list on
    every run): of + - * / alone, and with squares, maximum, minimum, where and clamp. Their second derivatives meet
    float32 and float64, and add many contributions up."""
    return _drawn(5, 150, "abcaa", {}) + _drawn(11, 100, "abcaad", _FORMS)


_FORMS = {
    "max": "torch.maximum({}, {} * a)",
    "min": "torch.minimum({} * a, {})",
    "where": "torch.where(a > 0.5, {} * a, {} * a)",
    "square": "(({}) ** 2 + 0 * {})",
    "clamp": "torch.clamp({} * a + {}, min=-1.5, max=2.0)",
}


def _drawn(seed: int, count: int, leaves: str, forms: dict) -> list:
    import random

    draw = random.Random(seed)

    def expression(depth: int) -> str:
        if depth == 0:
            return draw.choice(leaves)
        kind = draw.choice(["+", "-", "*", "/", *forms])
        x, y = expression(depth - 1), expression(depth - 1)
        return forms[kind].format(x, y) if kind in forms else f"({x} {kind} {y})"

    found = []
    while len(found) < count:
        text = expression(draw.choice([2, 3]))
        if "a" in text.replace("torch.", "").replace("clamp", "").replace("max", "").replace("where", ""):
            found.append(text)
    return found


def second_order(torch, text: str) -> list:
    """First derivatives of sum(text) under create_graph, then each one's derivatives (None: not connected)."""
    a = torch.tensor([1.5, 0.7, -2.3], requires_grad=True)
    d = torch.tensor([0.3, -1.1, 2.2], requires_grad=True)
    b = torch.tensor(1.703125, dtype=torch.float64, requires_grad=True)
    c = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
    inputs = [a, b, c, d]
    y = _evaluate(text, torch, {"a": a, "b": b, "c": c, "d": d}).sum()
    firsts = torch.autograd.grad(y, inputs, create_graph=True, allow_unused=True)
    record = [[_values(g) for g in firsts]]
    for g in firsts:
        if g is None or not g.requires_grad:
            record.append(None)
            continue
        record.append([_values(s) for s in torch.autograd.grad(g.sum(), inputs, retain_graph=True, allow_unused=True)])
    return record


def _evaluate(text: str, torch, operands: dict):
    """An expression of mixed_expressions on tensors, parsed (not eval'd): names, numbers, + - * / **, `a > 0.5`,
    torch.maximum / minimum / where / clamp."""
    import ast
    import operator

    apply = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
    apply[ast.Pow] = operator.pow

    def walk(node):
        if isinstance(node, ast.Name):
            return operands[node.id]
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp):  # -1.5
            return -walk(node.operand)
        if isinstance(node, ast.Compare):
            return walk(node.left) > walk(node.comparators[0])
        if isinstance(node, ast.Call):
            keywords = {k.arg: walk(k.value) for k in node.keywords}
            return getattr(torch, node.func.attr)(*map(walk, node.args), **keywords)
        return apply[type(node.op)](walk(node.left), walk(node.right))

    return walk(ast.parse(text, mode="eval").body)


# Tensor methods whose in-place `NAME_` PyTorch has or not (the table's method spellings, recorded)
METHODS = [
    *(
        "abs acos add amax amin arctan2 asin atan atan2 ceil clamp clip cos cosh cumprod cumsum div erf erfc exp exp2".split()
    ),
    *("expm1 floor floor_divide fmod frac log log10 log1p log2 log_softmax logsumexp matmul maximum mean".split()),
    *("minimum mul neg norm pow prod reciprocal relu remainder round rsqrt sigmoid sign sin sinh softmax sqrt".split()),
    *("square std sub sum tan tanh trunc var".split()),
    *("addcdiv addcmul hypot lerp logaddexp logit nan_to_num sinc xlogy".split()),
]

# Higher order: (spelling, arguments) called on float64 tensors requiring grad; POINTS name the arguments
POINTS = {
    **ELEMENTWISE_POINTS,
    "p": [0.5, 1.5, 2.0, 0.25],
    "q": [1.25, -0.75, 2.0, 0.5],
    "k": [-1.0, 0.0, 2.0, -0.0],
    "u": [-0.5, 0.25, 0.75, 0.0],
    "M": [[0.5, -1.25], [2.0, 0.75]],
    "N": [[1.5, 0.25], [-0.5, 1.0]],
    "v": [0.75, -2.0],
    "S": [[0.5, -1.25, 2.0]],
    "B": [[[0.5, -1.25], [2.0, 0.75]]],
    "C": [[[1.5, 0.25], [-0.5, 1.0]]],
    "u01": [0.25, 0.5, 0.875, 0.125],
    "t01": [0.0, 1.0, 0.25, 1.0],
    "N01": [[0.25, 0.75], [1.0, 0.0]],
}
BASE_CALLS = {
    **{name: (f"torch.{name}", ["p"]) for name in ("exp", "log", "sin", "cos", "tan", "sqrt", "log1p", "expm1")},
    **{name: (f"torch.{name}", ["q"]) for name in ("sinh", "cosh", "atan", "square", "reciprocal", "neg")},
    **{name: (f"torch.{name}", ["u"]) for name in ("asin", "acos")},
    **{name: (f"torch.{name}", ["k"]) for name in ("tanh", "sigmoid", "relu", "abs")},
    "softplus": ("F.softplus", ["k"]),
    "pow2": ("a ** b", ["q", 2]),
    "pow3": ("a ** b", ["q", 3]),
    "pow_half": ("a ** b", ["p", 0.5]),
    "pow_minus1": ("a ** b", ["p", -1]),
    "pow_2_5": ("a ** b", ["p", 2.5]),
    "pow0": ("a ** b", ["p", 0]),
    "pow_tensor": ("a ** b", ["p", "q"]),
    "rpow": ("a ** b", [2.0, "q"]),
    "mul": ("a * b", ["p", "q"]),
    "div": ("a / b", ["p", "q"]),
    "rdiv": ("a / b", [2.0, "p"]),
    "add": ("a + b", ["p", "q"]),
    "sub": ("a - b", ["p", "q"]),
    "rsub": ("a - b", [2.0, "q"]),
    "maximum": ("torch.maximum", ["p", "q"]),
    "minimum": ("torch.minimum", ["p", "q"]),
    "clamp": ("torch.clamp", ["q", -0.5, 1.5]),
    "clamp_tensor": ("torch.clamp", ["q", "u", "p"]),
    "sum": ("torch.sum", ["q"]),
    "mean": ("torch.mean", ["q"]),
    "prod": ("torch.prod", ["q"]),
    "logsumexp": ("torch.logsumexp", ["q", 0]),
    "softmax": ("torch.softmax", ["q", 0]),
    "log_softmax": ("torch.log_softmax", ["q", 0]),
    "cumsum": ("torch.cumsum", ["q", 0]),
    "cumprod": ("torch.cumprod", ["q", 0]),
    "matmul": ("torch.matmul", ["p", "q"]),
    "mv": ("torch.matmul", ["M", "v"]),
    "mm": ("a @ b", ["M", "N"]),
    "sum_dim": ("torch.sum", ["M", 0]),
    "mean_dim": ("torch.mean", ["M", 1]),
    "prod_dim": ("torch.prod", ["M", 0]),
    "amax": ("torch.amax", ["q"]),
    "amin": ("torch.amin", ["q"]),
    "norm": ("torch.norm", ["q"]),
    "std": ("torch.std", ["q"]),
    "var": ("torch.var", ["M"]),
    "where": ("where(a > 0, a, b)", ["q", "p"]),
    # linear algebra, shapes and selection (a call with several answers: the first, max's values, split's piece)
    "addmm": ("torch.addmm", ["v", "M", "N"]),
    "bmm": ("torch.bmm", ["B", "C"]),
    "cat": ("torch.cat([a, b])", ["p", "q"]),
    "stack": ("torch.stack([a, b])", ["p", "q"]),
    "split": ("torch.split", ["q", 3]),
    "split_list": ("torch.split", ["q", [1, 3]]),
    "chunk": ("torch.chunk", ["q", 2]),
    "unbind": ("torch.unbind", ["M"]),
    "expand": ("Tensor.expand", ["v", 3, 2]),
    "view": ("Tensor.view", ["M", 4]),
    "permute": ("torch.permute", ["M", (1, 0)]),
    "repeat": ("Tensor.repeat", ["q", 2]),
    "flip": ("torch.flip", ["q", (0,)]),
    "t": ("torch.t", ["M"]),
    "transpose": ("torch.transpose", ["M", 0, 1]),
    "unsqueeze": ("torch.unsqueeze", ["q", 1]),
    "squeeze": ("torch.squeeze", ["S"]),
    "squeeze_dim": ("torch.squeeze", ["S", 0]),
    "squeeze_dims": ("torch.squeeze", ["S", (0,)]),
    "max": ("torch.max", ["q"]),
    "min": ("torch.min", ["q"]),
    "max_dim": ("torch.max", ["M", 1]),
    "min_dim": ("torch.min", ["M", 0]),
    "vector_norm": ("torch.linalg.vector_norm", ["q"]),
    # losses and selections by an integer index or a bool mask: ("int64" | "bool", values) is a tensor without grad
    "mse_loss": ("F.mse_loss", ["p", "q"]),
    "l1_loss": ("F.l1_loss", ["p", "q"]),
    "smooth_l1_loss": ("F.smooth_l1_loss", ["p", "q"]),
    "huber_loss": ("F.huber_loss", ["p", "q"], {"delta": 0.5}),
    "binary_cross_entropy": ("F.binary_cross_entropy", ["u01", "t01"]),
    "binary_cross_entropy_with_logits": ("F.binary_cross_entropy_with_logits", ["q", "t01"]),
    "nll_loss": ("F.nll_loss", ["M", ("int64", [1, 0])]),
    "cross_entropy": ("F.cross_entropy", ["M", ("int64", [1, 0])]),
    "cross_entropy_smoothed": ("F.cross_entropy", ["M", ("int64", [1, 0])], {"label_smoothing": 0.25}),
    "cross_entropy_probabilities": ("F.cross_entropy", ["M", "N01"]),
    "gather": ("torch.gather", ["M", 1, ("int64", [[0, 0], [1, 0]])]),
    "index_select": ("torch.index_select", ["M", 0, ("int64", [1, 1, 0])]),
    "masked_fill": ("torch.masked_fill", ["q", ("bool", [True, False, False, True]), 0.5]),
    "sort": ("torch.sort", ["M", 1]),
    "sort_descending": ("Tensor.sort", ["M", 0, True]),
    "sort_stable": ("torch.sort", ["M"], {"stable": True, "descending": True}),  # SortBackward1
    "index_add": ("torch.index_add", ["M", 1, ("int64", [1, 1]), "N"]),
    "embedding": ("F.embedding", [("int64", [[1, 0], [1, 1]]), "M"]),
    "layer_norm": ("F.layer_norm", ["q", (4,)]),
    "layer_norm_affine": ("F.layer_norm", ["M", (2,), "v", "v"], {"eps": 0.5}),
    "layer_norm_rows": ("F.layer_norm", ["q", (4,), "p", "u"]),
    # the matrix and roll rows (ops/matrices.py, ops/shape.py): linear, so the first derivative is a constant
    "roll": ("torch.roll", ["M", 1, 0]),
    "tril": ("torch.tril", ["M"]),
    "triu": ("Tensor.triu", ["M", 1]),
    "diagonal": ("torch.diagonal", ["B", 0, 1, 2]),
    "trace": ("torch.trace", ["M"]),
    "median": ("torch.median", ["q"]),
    "pad": ("F.pad", ["M", (1, 2)], {"value": 0.5}),
}
# the losses and normalisers once more, in their other variants (issue 23: each has PyTorch's backward function)
VARIANT_CALLS = {
    "softmax_dim1": ("F.softmax", ["M", 1]),
    "log_softmax_dim1": ("F.log_softmax", ["N", 1]),
    "softmax_dim0_2d": ("Tensor.softmax", ["N", 0]),
    **{f"mse_loss_{r}": ("F.mse_loss", ["p", "q"], {"reduction": r}) for r in ("sum", "none")},
    **{f"smooth_l1_loss_{r}": ("F.smooth_l1_loss", ["p", "q"], {"reduction": r, "beta": 0.5}) for r in ("sum", "none")},
    "smooth_l1_loss_beta0": ("F.smooth_l1_loss", ["p", "q"], {"beta": 0.0}),
    **{f"huber_loss_{r}": ("F.huber_loss", ["p", "q"], {"reduction": r, "delta": 0.5}) for r in ("sum", "none")},
    **{
        f"binary_cross_entropy_{r}": ("F.binary_cross_entropy", ["u01", "t01"], {"reduction": r})
        for r in ("sum", "none")
    },
    "binary_cross_entropy_weight": ("F.binary_cross_entropy", ["u01", "t01", ("float64", [1.0, 2.0, 0.5, 3.0])]),
    **{
        f"binary_cross_entropy_with_logits_{r}": ("F.binary_cross_entropy_with_logits", ["q", "t01"], {"reduction": r})
        for r in ("sum", "none")
    },
    "binary_cross_entropy_with_logits_weights": (
        "F.binary_cross_entropy_with_logits",
        ["q", "u01", ("float64", [1.0, 2.0, 0.5, 3.0])],
        {"pos_weight": ("float64", [2.0, 1.0, 0.5, 4.0])},
    ),
    **{f"nll_loss_{r}": ("F.nll_loss", ["M", ("int64", [1, 0])], {"reduction": r}) for r in ("sum", "none")},
    "nll_loss_weight": ("F.nll_loss", ["M", ("int64", [1, 0]), ("float64", [2.0, 0.5])]),
    **{f"cross_entropy_{r}": ("F.cross_entropy", ["M", ("int64", [1, 0])], {"reduction": r}) for r in ("sum", "none")},
    "cross_entropy_weight": ("F.cross_entropy", ["M", ("int64", [1, 1]), ("float64", [2.0, 0.5])]),
    "cross_entropy_vector": ("F.cross_entropy", ["v", ("int64", 1)]),
    "cross_entropy_probabilities_smoothed": ("F.cross_entropy", ["M", "N01"], {"label_smoothing": 0.25}),
    "cross_entropy_probabilities_sum": ("F.cross_entropy", ["M", "N01"], {"reduction": "sum"}),
}
# recorded with the answer times WEIGHTS (its elements' weights: a plain sum would give a normaliser a zero gradient)
WEIGHTED = {"softmax", "log_softmax", "layer_norm", "layer_norm_affine", "layer_norm_rows", *VARIANT_CALLS}
HIGHER_CALLS = {**BASE_CALLS, **ELEMENTWISE_CALLS, **VARIANT_CALLS}  # (spelling, arguments[, parameters])
NOT_TWICE = {"floor_divide_tensor", "floordiv_operator", "rmod_operator"}  # no derivative at all in PyTorch
HIGHER_CALLS = {label: call for label, call in HIGHER_CALLS.items() if label not in NOT_TWICE}


def sum_inputs() -> list:
    """Float32 vectors of 1 to 12 elements of mixed magnitudes: PyTorch's order of adding them shows in the last bit.
    Below 8 elements that order is the CPU's scalar path on every machine (tests pin those bit for bit)."""
    import numpy as np

    cases = []
    for n in range(1, 13):
        for seed in range(40):
            values = [((k * 7919 + seed * 104729) % 2001 - 1000) / 7.0 * 10.0 ** ((k + seed) % 7 - 3) for k in range(n)]
            cases.append([float(v) for v in np.asarray(values, dtype=np.float32)])
    return cases


def _number(value: float):
    return value if math.isfinite(value) else str(value)


def _flat(values) -> list:
    return [v for item in values for v in _flat(item)] if isinstance(values, list) else [values]


def _values(t):
    """A gradient's values, flat (PyTorch's expanded zeros have no storage to list: cloned first)."""
    if t is None:
        return None
    t = t.detach()
    return [_number(v) for v in _flat((t.clone() if hasattr(t, "clone") else t).tolist())]


def function(spelling: str, torch, F):
    """The callable a spelling names, on `torch` (PyTorch, or diffcheck's engine)."""
    if spelling == "where(a > 0, a, b)":
        return lambda a, b: torch.where(a > 0, a, b)
    if spelling.endswith("([a, b])"):  # cat, stack: a list of tensors
        return lambda a, b: getattr(torch, spelling.split(".")[1].split("(")[0])([a, b])
    if spelling.startswith("a "):
        symbol = spelling.split()[1]
        return {
            "**": lambda a, b: a**b,
            "@": lambda a, b: a @ b,
            "*": lambda a, b: a * b,
            "/": lambda a, b: a / b,
            "+": lambda a, b: a + b,
            "-": lambda a, b: a - b,
            "%": lambda a, b: a % b,
            "//": lambda a, b: a // b,
        }[symbol]
    space, name = spelling.rsplit(".", 1)
    if space == "Tensor":
        return lambda t, *rest, **params: getattr(t, name)(*rest, **params)
    if space == "torch.linalg":  # diffcheck's engine has vector_norm among its functions
        return getattr(getattr(torch, "linalg", torch), name)
    return getattr({"torch": torch, "F": F}[space], name)


def first(y):
    """A call's answer, the first of several (max(x, dim)'s values, split's first piece)."""
    return y[0] if isinstance(y, tuple) else y


def arguments(torch, args: list) -> list:
    """A call's arguments: POINTS' names as float64 tensors requiring grad, ("int64" | "bool" | "float64", values) as
    a tensor of that dtype without grad (a class target, an index, a mask, a loss's weight), anything else as it is."""
    return [
        torch.tensor(POINTS[a], dtype=torch.float64, requires_grad=True)
        if isinstance(a, str)
        else torch.tensor(a[1], dtype=getattr(torch, a[0], None) or getattr(torch, a[0] + "_"))
        if isinstance(a, tuple) and a[:1] in (("int64",), ("bool",), ("float64",))
        else a
        for a in args
    ]


def call(torch, F, spelling: str, tensors: list, params: dict = None):
    """The call's (first) answer; a parameter given as ("float64", values) is a tensor (a weight)."""
    params = {key: arguments(torch, [v])[0] if isinstance(v, tuple) else v for key, v in (params or {}).items()}
    return first(function(spelling, torch, F)(*tensors, **params))


def weights(torch, y):
    """Fixed weights of an answer's elements, 1, 2, 3 ... in its shape and dtype."""
    n = math.prod(y.shape)
    return torch.tensor([float(k + 1) for k in range(n)], dtype=y.dtype).reshape(tuple(y.shape))


def higher_order(torch, F, spelling: str, args: list, params: dict = None, weighted: bool = False) -> dict:
    """First derivatives under create_graph (requires_grad, grad_fn, values) and second derivatives' values."""
    tensors = arguments(torch, args)
    inputs = [t for t in tensors if isinstance(t, torch.Tensor) and t.requires_grad]
    y = call(torch, F, spelling, tensors, params)
    total = (y * weights(torch, y)).sum() if weighted else y.sum()
    firsts = torch.autograd.grad(total, inputs, create_graph=True, allow_unused=True)
    record = {"first": [], "second": []}
    for g in firsts:
        record["first"].append(
            None
            if g is None
            else {
                "requires_grad": g.requires_grad,
                "grad_fn": None if g.grad_fn is None else g.grad_fn.name(),
                "value": _values(g),
            }
        )
        if g is None or not g.requires_grad:
            record["second"].append(None)
            continue
        try:
            seconds = torch.autograd.grad(g.sum(), inputs, retain_graph=True, allow_unused=True)
        except RuntimeError as error:  # PyTorch has no derivative of this backward (hardsigmoid_backward)
            record["second"].append(f"!! {error}")
            continue
        record["second"].append([_values(s) for s in seconds])
    return record


def run_program(source: str, torch, F) -> list:
    log = []

    def out(*values):
        log.append(" ".join(repr(v) for v in values))

    try:
        exec(source, {"torch": torch, "F": F, "out": out, "warnings": warnings})  # the recorder's own programs
    except Exception as error:  # noqa: BLE001 - what PyTorch raises is the record
        log.append(f"!! {type(error).__name__}: {error}")
    return log


def _record() -> dict:
    import torch
    import torch.nn.functional as F

    out = {"torch": torch.__version__, "programs": {}, "higher_order": {}}
    for name, source in PROGRAMS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out["programs"][name] = run_program(source, torch, F)
    for label, call in HIGHER_CALLS.items():
        out["higher_order"][label] = higher_order(torch, F, *call, **({"weighted": True} if label in WEIGHTED else {}))
    out["second_order_mixed"] = {text: second_order(torch, text) for text in mixed_expressions()}
    out["inplace_methods"] = {name: hasattr(torch.Tensor, name + "_") for name in METHODS}
    out["cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    out["sums"] = [
        {"x": x, "sum": torch.tensor(x).sum().item(), "mean": torch.tensor(x).mean().item()} for x in sum_inputs()
    ]
    return out


if __name__ == "__main__":
    print(json.dumps(_record(), indent=1))
