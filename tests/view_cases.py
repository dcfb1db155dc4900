"""Recorder: iteration (unbind), bool subscripts, item assignment and in-place ops on views, and `.data` of a saved
leaf, from PyTorch: values, grad_fn graphs with next_functions, `_version`, view-ness, gradients and error texts.

Run with PyTorch 2.13 (CPU): `/tmp/torch/bin/python tests/view_cases.py` writes tests/views.json, which
tests/test_views.py reads (the tests never need torch). A case is statements over `x` (2x3, requires grad), `w` (3,
requires grad), `t` (0-d, requires grad) and `c` (2x3, no grad); the tensors it names are recorded, then, if it names
a root, `(root * weights).sum().backward()` runs and the leaves' gradients are recorded. The same statements run on
diffcheck's engine with `import diffcheck as torch`.
"""

import json
import pathlib

X = [[1.0, -2.0, 3.0], [4.0, 0.5, -6.0]]
W = [2.0, -1.0, 0.5]
T = 1.5
C = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]

# (statements, tensors to record, root or None)
CASES = [
    # iteration: Tensor.__iter__ is unbind(0)
    ("rows = list(x); a = rows[0]; b = rows[1]", "a b", "a"),
    ("a, b = x", "a b", "b"),
    ("a, b, d = w", "a b d", "d"),
    ("s = 0\nfor row in x:\n    s = s + (row * row).sum()", "s", "s"),
    ("rows = tuple(x); a = rows[1] * rows[0]", "a", "a"),
    ("a, b = c; a.mul_(2)", "a b c", None),
    ("y = x * 1; a, b = y; b.mul_(2)", "y", None),
    ("list(t)", "", None),
    # bool subscripts: an unsqueeze and a one-element mask
    ("y = x[True]", "y", "y"),
    ("y = x[False]", "y", "y"),
    ("y = x[None, True]", "y", "y"),
    ("y = x[True, 0]", "y", "y"),
    ("y = x[..., True]", "y", "y"),
    ("y = x[False, None]", "y", "y"),
    ("y = t[True]", "y", "y"),
    ("y = t[False]", "y", "y"),
    ("y = w[True, True]", "y", "y"),
    ("y = x[True][0]", "y", "y"),
    ("y = x[1, True]", "y", "y"),
    ("y = x[True, 1:, True]", "y", "y"),
    # assignment into views, no grad: the base's storage changes, versions bump
    ("v = c[0]; v[1] = 5", "c v", None),
    ("c[0][1] = 5", "c", None),
    ("c.view(-1)[0] = 9", "c", None),
    ("c.t()[0] = torch.tensor([7.0, 8.0], dtype=torch.float64)", "c", None),
    ("e = c[0, 0]; f = c[0, 0]; e.add_(10)", "c e f", None),
    ("v = c[:, 1]; v.mul_(-1)", "c v", None),
    ("v = c.view(3, 2); v[2] = 0", "c v", None),
    ("v = c[1]; u = v[1:]; u.fill_(7)", "c v u", None),
    ("v = c.reshape(-1); v.zero_()", "c v", None),
    # item assignment on a non-leaf: FillBackward3 where the whole tensor is written, CopySlices into a view
    ("b = x * 1; b[...] = 1", "b", "b"),
    ("b = x * 1; b[:] = 1", "b", "b"),
    ("b = x * 1; b[:, :] = 2", "b", "b"),
    ("b = x * 1; b[0:2] = 2", "b", "b"),
    ("b = x * 1; b[..., :] = 2", "b", "b"),
    ("b = x * 1; b[...] = t", "b", "b"),
    ("b = x * 1; b[:] = w", "b", "b"),
    ("b = x * 1; b[...] = w", "b", "b"),
    ("b = x * 1; b[0] = t", "b", "b"),
    ("b = x * 1; b[0] = 2.5", "b", "b"),
    ("b = x * 1; b[:, 0] = 1", "b", "b"),
    ("b = x * 1; b[None] = 2", "b", "b"),
    ("b = t * 1; b[...] = 4", "b", "b"),
    # a part written with a value of another shape: copy_to's ViewBackward0 and ExpandBackward0 before CopySlices
    ("b = x * 1; b[1:] = w", "b", "b"),
    ("b = x * 1; b[0] = w[:1]", "b", "b"),
    ("b = x * 1; b[:, 0] = w[:2]", "b", "b"),
    ("b = x * 1; b[0] = w.unsqueeze(0)", "b", "b"),
    ("b = x * 1; b[:, 0:1] = w[:1]", "b", "b"),
    ("b = x * 1; b[[0, 1]] = w", "b", "b"),
    ("b = x * 1; b[0] = w[:2]", "", None),
    # in-place on a view under autograd: the base gets CopySlices, the views AsStridedBackward0
    # a view used twice after its base changed: both uses reach its regenerated node, made before theirs
    ("y = x * 1; v = y[1]; y[0, 0] = 4.0; a = v[0] * 3; b = v[1:].sin(); s = a + b.sum()", "s", "s"),
    ("y = x * 1; v = y[1]; y[0, 0] = 4.0; b = v[1:].sin(); a = v[0] * 3; s = a + b.sum()", "s", "s"),
    ("y = x * 1; v = y[1]; y[0] = w; s = (v * v).sum() + v.exp().sum()", "s", "s"),
    ("y = x * 1; v = y[0]; v.mul_(2)", "y v", "y"),
    ("y = x * 1; v = y[0]; v.mul_(w)", "y v", "y"),
    ("y = x * 1; v = y[:, 1]; v.add_(w[:2])", "y v", "y"),
    ("y = x * 1; v = y.view(-1); v.mul_(3)", "y v", "y"),
    ("y = x * 1; v = y.reshape(3, 2); v.exp_()", "y v", "y"),
    ("y = x * 1; v = y.t(); v[0] = w[:2]", "y v", "y"),
    ("y = x * 1; v = y[0]; v[1] = 5", "y v", "y"),
    ("y = x * 1; v = y[1]; v.zero_()", "y v", "y"),
    ("y = x * 1; y[0][1] = 5", "y", "y"),
    ("y = x * 1; y.view(-1)[0] = 1", "y", "y"),
    ("y = x * 1; y.t()[0] = w[1:]", "y", "y"),
    ("y = x * 1; v = y[0]; u = y[1]; v.mul_(2)", "y v u", "u"),
    ("y = x * 1; v = y[0]; y.mul_(2)", "y v", "v"),
    ("y = x * 1; v = y[0]\nwith torch.no_grad():\n    y.mul_(2)", "y v", "y"),
    ("y = x * 1; v = y[0][1:]; v.mul_(w[1:])", "y v", "y"),
    ("y = x * 1; v = y[0]; v.mul_(2); v.mul_(w)", "y v", "y"),
    ("y = x * 1; v = y[0]; v.mul_(2)", "v", "v"),
    ("y = x * 1; v = y[0, 1]; v.mul_(t)", "y v", "y"),
    ("y = x * 1; v = y[0]; v.copy_(w)", "y v", "y"),
    ("y = x * 1; v = y[0]; v += w; v -= 1", "y v", "y"),
    ("y = x * 1; v = y[1:]; v.clamp_(min=0)", "y v", "y"),
    ("y = torch.zeros(2, 3, dtype=torch.float64); v = y[0]; v.copy_(w); y = y * x", "y", "y"),
    ("y = c * 1; v = y[0]; v.mul_(w)", "y v", "y"),
    ("y = x.exp(); v = y[0]; v.mul_(2)", "y", "y"),
    ("y = x * 1; v = y[0]; z = v * v; v.mul_(2)", "z", "z"),
    ("y = x * 1; v = y[0]; z = v.exp(); v.mul_(2); z = z * 1", "z", "z"),
    ("y = x * 1; u = y[1]; z = u * u; v = y[0]; v.mul_(2)", "", "z"),
    ("y = x * 1; u = y[1]; z = u * u; y.mul_(2)", "", "z"),
    # refused
    ("v = x[0]; v.mul_(2)", "", None),
    ("v = x.view(-1); v[0] = 1", "", None),
    ("x[0][1] = 5", "", None),
    ("y = x * 1; v = y.unbind(0)[0]; v.mul_(2)", "", None),
    ("y = x * 1; v = y.split(1)[0]; v.mul_(2)", "", None),
    ("y = x * 1; v = y.chunk(2)[1]; v.mul_(2)", "", None),
    ("y = x * 1; v = list(y)[0]; v.mul_(2)", "", None),
    ("y = x * 1\nwith torch.no_grad():\n    v = y[0]\nv.mul_(2)", "", None),
    ("y = x * 1; v = y.expand(2, 2, 3); v.mul_(2)", "", None),
    # `.data` and detach() of a leaf a node saved
    ("y = t * t; t.data.fill_(3.0)", "y t", "y"),
    ("y = t.exp(); t.data.fill_(3.0)", "y t", "y"),
    ("y = t * 3; t.data.fill_(3.0)", "y t", "y"),
    ("y = w * w; w.data.mul_(2.0)", "y w", "y"),
    ("d = t.data; y = t * t; d.add_(1.0)", "y t d", "y"),
    ("y = t * t; t.detach().fill_(3.0)", "y t", "y"),
    # the newer views (ops/shape.py, transposes.py, matrices.py): writes reach the base, and CopySlices under autograd
    ("v = c.diagonal(); v.mul_(2)", "c v", None),
    ("v = c.narrow(1, 1, 2); v.fill_(0)", "c v", None),
    ("v = c.select(1, 0); v.add_(1)", "c v", None),
    ("v = c.movedim(0, 1); v[0] = 0", "c v", None),
    ("v = c.unflatten(1, (3, 1)); v.mul_(-1)", "c v", None),
    ("y = x * 1; v = y.diagonal(1); v.mul_(2)", "y v", "y"),
    ("y = x * 1; v = y.select(1, 2); v.mul_(w[:2])", "y v", "y"),
    ("y = x * 1; v = y.narrow(1, 0, 2); v.mul_(2)", "y v", "y"),
    ("y = x * 1; v = y.movedim(1, 0); v.mul_(2)", "y v", "y"),
    ("y = x * 1; v = y.ravel(); v.mul_(2)", "y v", "y"),
]


# second derivatives through in-place ops (create_graph=True): statements ending in `h = (..)`, gradients recorded
SECOND = [
    "y = x * x; v = y[0]; v.mul_(w)",
    "y = x * x; y.mul_(w)",
    "y = x * x; v = y.view(-1); v[1:3] = w[:2] * w[1:]",
]
SECOND_TAIL = (
    "\ng, gw = torch.autograd.grad((y * y).sum(), (x, w), create_graph=True)"
    "\nh = torch.autograd.grad((g * g).sum() + gw.sum(), (x, w))"
)


def second(torch, code: str) -> dict:
    scope = {
        "torch": torch,
        "x": torch.tensor(X, dtype=torch.float64, requires_grad=True),
        "w": torch.tensor(W, dtype=torch.float64, requires_grad=True),
    }
    exec(code + SECOND_TAIL, scope)
    return {"code": code, "h": [t.reshape(-1).tolist() for t in scope["h"]]}


def graph(fn) -> str:
    if fn is None:
        return "None"
    nexts = [graph(f) for f, _ in fn.next_functions]
    name = fn.name().replace("torch::autograd::", "")
    return f"{name}({', '.join(nexts)})" if nexts else name


def record(torch, code: str, names: str, root):
    scope = {
        "torch": torch,
        "x": torch.tensor(X, dtype=torch.float64, requires_grad=True),
        "w": torch.tensor(W, dtype=torch.float64, requires_grad=True),
        "t": torch.tensor(T, dtype=torch.float64, requires_grad=True),
        "c": torch.tensor(C, dtype=torch.float64),
    }
    leaves = {k: scope[k] for k in ("x", "w", "t")}
    out = {"code": code, "names": names, "root": root}
    try:
        exec(code, scope)
    except Exception as error:  # noqa: BLE001 - recording what PyTorch raises
        out["error"] = [type(error).__name__, str(error)]
        return out
    out["tensors"] = {}
    for name in names.split():
        v = scope[name]
        out["tensors"][name] = {
            "value": v.detach().reshape(-1).tolist(),
            "shape": list(v.shape),
            "graph": graph(v.grad_fn),
            "version": v._version,
            "view": v._base is not None,
        }
    if root is not None:
        y = scope[root]
        n = y.numel()
        weights = torch.tensor([0.5 + i / max(n, 1) for i in range(n)], dtype=torch.float64).reshape(y.shape)
        try:
            (y * weights).sum().backward()
        except Exception as error:  # noqa: BLE001
            out["backward_error"] = [type(error).__name__, str(error)]
            return out
        out["grads"] = {k: None if v.grad is None else v.grad.reshape(-1).tolist() for k, v in leaves.items()}
    return out


if __name__ == "__main__":
    import torch

    recorded = {
        "torch": torch.__version__,
        "cases": [record(torch, *case) for case in CASES],
        "second": [second(torch, code) for code in SECOND],
    }
    path = pathlib.Path(__file__).with_name("views.json")
    path.write_text(json.dumps(recorded, indent=1) + "\n")
