"""Op rows, internal: nodes PyTorch records that users never spell by these names — the in-place fills and copies
(`y.zero_()` is ZeroBackward0, `y.fill_(2)` FillBackward2, `y.copy_(s)` and `.grad` under create_graph
CopyBackwards), and PyTorch's backward functions, which are the nodes of a first derivative's graph under
`create_graph=True` (relu's rule is `threshold_backward`: ThresholdBackwardBackward0) with their own rules from
derivatives.yaml.
"""

from __future__ import annotations

import numpy as np

from .table import Family

ROWS = Family()
row = ROWS.row


def _filled(x, value):
    return np.full(np.shape(x), value, dtype=np.result_type(x))[()]


def _copied(dst, src):
    """`dst.copy_(src)`: src broadcast to dst's shape, in dst's dtype."""
    return np.broadcast_to(np.asarray(src), np.shape(dst)).astype(np.result_type(dst))[()]


def _threshold_backward(g, out):
    """threshold_backward(grad, result, 0): selects, so an inf or nan gradient becomes 0 where the result is <= 0.
    A float64 scalar pair without np.where's ~1 µs (relu's rule on every scalar graph)."""
    if type(out) is np.float64 and type(g) is np.float64:
        return _ZERO64 if out <= 0 else g
    out = np.asarray(out)
    return np.where(out <= 0, np.zeros((), np.result_type(g)), g)[()]


_ZERO64 = np.float64(0.0)


def _softplus_backward(g, x):
    """softplus_backward(grad, self, beta 1, threshold 20): the identity above the threshold, g * sigmoid(x) below.
    z = exp(x), then g * z / (z + 1), as PyTorch's CPU kernel."""
    z = np.exp(np.minimum(x, 20))
    return np.where(x > 20, g, g * z / (z + 1))[()]


def _zeros(F, g):
    return F.zeros_like(g)


# ---- in-place fills and copies -------------------------------------------------------------------------------------
row(
    name="zero",
    grad_fn="ZeroBackward0",
    saves=False,
    internal=True,
    forward=lambda x: np.zeros_like(x)[()],
    vjp=lambda F, g, out, x: (_zeros(F, g),),
    sym=lambda sp, x: sp.Mul(0, x, evaluate=False),
    derivative="zeros: the old values are gone",
)
row(
    name="fill",
    grad_fn="FillBackward2",
    params=("value",),
    saves=False,
    internal=True,
    forward=_filled,
    vjp=lambda F, g, out, x, value: (_zeros(F, g),),
    sym=lambda sp, x, value: sp.Add(sp.Mul(0, x, evaluate=False), value, evaluate=False),
    derivative="zeros: the old values are gone",
)
row(
    name="fill_tensor",
    grad_fn="FillBackward3",
    arity=2,
    saves=False,
    internal=True,
    forward=_filled,
    vjp=lambda F, g, out, x, value: (_zeros(F, g), F.sum_to(g, ())),
    sym=lambda sp, x, value: sp.Add(sp.Mul(0, x, evaluate=False), value, evaluate=False),
    derivative="d/dx = 0; d/dvalue = the gradient's sum",
)
row(
    name="copy",
    grad_fn="CopyBackwards",
    arity=2,
    saves=False,
    internal=True,
    forward=_copied,
    vjp=lambda F, g, out, dst, src: (_zeros(F, g), g),
    sym=lambda sp, dst, src: sp.Add(sp.Mul(0, dst, evaluate=False), src, evaluate=False),
    derivative="d/ddst = 0; d/dsrc = 1 (summed to src's shape)",
)

# ---- PyTorch's backward functions: a first derivative's nodes under create_graph ---------------------------------
row(
    name="threshold_backward",
    grad_fn="ThresholdBackwardBackward0",
    arity=2,
    internal=True,
    forward=_threshold_backward,
    # grad_output: threshold_backward(grad, self, threshold); self: zeros_like(grad)
    vjp=lambda F, g, out, gout, result: (F.threshold_backward(g, result), _zeros(F, g)),
    sym=lambda sp, g, result: sp.Piecewise((0, result <= 0), (g, True)),
    derivative="d/dg = 1 where the result > 0, else 0; d/dresult = 0",
)
row(
    name="sigmoid_backward",
    grad_fn="SigmoidBackwardBackward0",
    arity=2,
    internal=True,
    forward=lambda g, out: g * (1 - out) * out,
    # grad_output: sigmoid_backward(grad, output); output: grad * grad_output * (-2 * output + 1)
    vjp=lambda F, g, out, gout, y: (F.sigmoid_backward(g, y), g * gout * (-2 * y + 1)),
    sym=lambda sp, g, y: g * (1 - y) * y,
    derivative="d/dg = (1 - y) y; d/dy = g (1 - 2 y)",
)
row(
    name="tanh_backward",
    grad_fn="TanhBackwardBackward0",
    arity=2,
    internal=True,
    forward=lambda g, out: g * (1 - out * out),
    # grad_output: tanh_backward(grad, output); output: -2 * output * grad * grad_output
    vjp=lambda F, g, out, gout, y: (F.tanh_backward(g, y), g * (-2 * y * gout)),
    sym=lambda sp, g, y: g * (1 - y * y),
    derivative="d/dg = 1 - y**2; d/dy = -2 y g",
)
row(
    name="softplus_backward",
    grad_fn="SoftplusBackwardBackward0",
    arity=2,
    internal=True,
    forward=_softplus_backward,
    # grad_output: softplus_backward(grad, self, beta, threshold); self: softplus_double_backward(...)
    # softplus_double_backward(g * gout, x): sigmoid_backward(g * gout, sigmoid(x)) * (x < threshold), a product
    vjp=lambda F, g, out, gout, x: (F.softplus_backward(g, x), F.sigmoid_backward(g * gout, F.sigmoid(x)) * (x < 20)),
    sym=lambda sp, g, x: g / (1 + sp.exp(-x)),
    derivative="d/dg = sigmoid(x) (1 above 20); d/dx = g sigmoid(x) (1 - sigmoid(x)) (0 above 20)",
)
