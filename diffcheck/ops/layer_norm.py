"""Op rows, torch.nn.functional.layer_norm: over the trailing `normalized_shape` dims, (x - mean) * rstd with the
biased variance and rstd = 1 / sqrt(var + eps), then times a weight plus a bias (`layer_norm_affine`; without them
`layer_norm` is that row with constant ones and zeros, whose node lists no edge for them, as PyTorch's lists None).

One node, NativeLayerNormBackward0, as PyTorch's native_layer_norm; its backward is the internal row
`layer_norm_affine_backward` (the input's, weight's and bias's gradients), so a first derivative under
create_graph=True has PyTorch's node (NativeLayerNormBackwardBackward0) and its second derivative FunctionsManual's
layer_norm_double_backward, term by term (the mean and rstd constants, as PyTorch saves them).

The forward computes the mean and variance as PyTorch 2.13's CPU kernel does (moments_utils.h's RowwiseMoments:
Welford's algorithm over the lanes of an AVX2 vector, in chunks of 16 vectors merged in a cascade, the tail element
by element, then the lanes merged in, with the multiply-adds GCC fuses), then (x - mean) * rstd and
fma(that, weight, bias). Measured against PyTorch on an AVX-512 machine (which runs this kernel on 8 float32 lanes
too): float32 bit for bit up to 136 elements a row; longer rows' rstd within 2 ulps, float64 within 2 ulps
(docs/families/reductions.md). The backward's sums run in NumPy's order.
"""

from __future__ import annotations

import math

import numpy as np

from .arrays import TYPE_NAMES, is_tensor, kind
from .dispatch import TorchTypeError
from .fused import fma
from .table import Family, Param, Signature, Spelling

ROWS = Family()
row = ROWS.row
# an int or a list of ints as the parser takes it; the rows refuse an int, as PyTorch's does
_SHAPE = Param("normalized_shape", "sections")
_PARAMS = (_SHAPE, Param("weight", "tensor"), Param("bias", "tensor"), Param("eps", "number"))
_LANES = {np.dtype(np.float32): 8, np.dtype(np.float64): 4}  # Vectorized<T>::size() of the kernel PyTorch runs
_CHUNK = 16  # moments_utils.h's kChunkSize: vectors per chunk


def _data(value):
    return np.asarray(value.data if is_tensor(value) else value)


def _normalized(x, normalized_shape, *affine) -> int:
    """PyTorch's checks (its texts); the number of elements a row normalises."""
    if type(normalized_shape) is int:
        raise TorchTypeError("layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int")
    shape, given = tuple(normalized_shape), list(normalized_shape)
    if not shape:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got "
            "normalized_shape = []"
        )
    for name, tensor in zip(("weight", "bias"), affine):
        if np.shape(tensor) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{list(np.shape(tensor))} and normalized_shape = {given}"
            )
    if np.shape(x)[np.ndim(x) - len(shape) :] != shape or np.ndim(x) < len(shape):
        expected = ", ".join(["*", *map(str, shape)])
        raise RuntimeError(
            f"Given normalized_shape={given}, expected input with shape [{expected}], but got input of size"
            f"{list(np.shape(x))}"
        )
    if kind(x) in "biu":
        raise NotImplementedError(f"\"LayerNormKernelImpl\" not implemented for '{TYPE_NAMES[np.result_type(x)][0]}'")
    return math.prod(shape)


def _merged(m0_add, m1_add, m2_add, m0, m1, m2, fused_mean):
    """AddMoments: one Welford summary merged into another (the vector form's mean update is not fused)."""
    n = m0 + m0_add
    dtype = m1.dtype.type
    c = dtype(0) if n == 0 else dtype(m0_add) / dtype(n)
    delta = m1_add - m1
    m1 = fma(np.full_like(delta, c), delta, m1) if fused_mean else m1 + c * delta
    return n, m1, m2 + fma(delta * delta * c, dtype(m0), m2_add)


def _chunks(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Welford over each chunk's vectors, lane by lane: (rows, chunks, size, lanes) -> mean and M2 (rows, chunks,
    lanes), c_vecs[j] = 1 / (j + 1) as the kernel's table has them."""
    dtype = vectors.dtype.type
    m1 = m2 = np.zeros(vectors.shape[:2] + vectors.shape[3:], vectors.dtype)
    for j in range(vectors.shape[2]):
        x = vectors[:, :, j]
        delta = x - m1
        m1 = fma(delta, np.full_like(delta, dtype(1) / dtype(j + 1)), m1)
        m2 = fma(delta, x - m1, m2)
    return m1, m2


def moments(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's mean and biased variance as RowwiseMoments computes them, for every row at once."""
    count, total = rows.shape
    dtype, lanes = rows.dtype.type, _LANES[rows.dtype]
    vectors = total // lanes
    chunks = -(-vectors // _CHUNK)
    depth = max(1, (chunks - 1).bit_length())  # utils::CeilLog2

    def empty():
        return 0, np.zeros((count, lanes), dtype), np.zeros((count, lanes), dtype)

    stack = [empty() for _ in range(depth)]
    full = vectors // _CHUNK  # the full chunks' summaries at once, then the last one's
    summaries = [_chunks(rows[:, : full * _CHUNK * lanes].reshape(count, full, _CHUNK, lanes))] if full else []
    if vectors > full * _CHUNK:
        summaries.append(_chunks(rows[:, full * _CHUNK * lanes : vectors * lanes].reshape(count, 1, -1, lanes)))
    m1s, m2s = (np.concatenate(parts, axis=1) for parts in zip(*summaries)) if summaries else ((), ())
    for i in range(chunks):
        size = min(_CHUNK, vectors - i * _CHUNK)
        stack[0] = _merged(size, m1s[:, i], m2s[:, i], *stack[0], fused_mean=False)
        mask, level = i + 1, 1
        while level < depth and mask & 1 == 0:  # the cascade: a full pair of summaries moves up a level
            stack[level] = _merged(*stack[level - 1], *stack[level], fused_mean=False)
            stack[level - 1] = empty()
            mask, level = mask >> 1, level + 1
    for level in range(1, depth):
        stack[0] = _merged(*stack[level], *stack[0], fused_mean=False)
    n, m1, m2 = 0, np.zeros(count, dtype), np.zeros(count, dtype)
    for j in range(vectors * lanes, total):
        x = rows[:, j]
        delta = x - m1
        n += 1
        m1 = m1 + delta / dtype(n)
        m2 = m2 + delta * (x - m1)
    for lane in range(lanes):
        n, m1, m2 = _merged(vectors, stack[0][1][:, lane], stack[0][2][:, lane], n, m1, m2, fused_mean=True)
    return m1, m2 / dtype(total)


def statistics(x, normalized_shape, eps):
    """The rows (M, N) of `x`, their means and rstds (M, 1): what native_layer_norm saves."""
    x = np.asarray(x)
    rows = x.reshape(-1, math.prod(normalized_shape))
    mean, var = moments(rows)
    rstd = 1 / np.sqrt(np.maximum(var, 0) + x.dtype.type(eps))
    return rows, mean[:, None], rstd[:, None]


def _layer_norm(x, normalized_shape, eps=1e-5, weight=None, bias=None):
    affine = () if weight is None else (weight, bias)
    _normalized(x, normalized_shape, *affine)
    rows, mean, rstd = statistics(x, normalized_shape, eps)
    y = (rows - mean) * rstd
    if weight is not None:
        y = fma(y, np.reshape(weight, -1), np.reshape(bias, -1).astype(y.dtype))
    return y.reshape(np.shape(x))[()]


def _unit_affine(x, normalized_shape) -> tuple:
    """native_layer_norm's weight and bias where none is given, constants: fma(y, 1, 0) is y, and the node lists no
    edge for them, as PyTorch's lists None."""
    dtype = _data(x).dtype
    return np.ones(normalized_shape, dtype), np.zeros(normalized_shape, dtype)


def _layer_norm_sym(sp, x, normalized_shape, eps=1e-5, weight=None, bias=None):
    """The exact formula: the mean, the biased variance, 1 / sqrt(var + eps)."""
    x = np.asarray(x, dtype=object)
    n = math.prod(normalized_shape)
    rows = x.reshape(-1, n)
    mean = np.sum(rows, axis=1, keepdims=True) / n
    centred = rows - mean
    var = np.sum(centred * centred, axis=1, keepdims=True) / n
    y = centred * np.frompyfunc(lambda v: 1 / sp.sqrt(v + sp.Rational(repr(float(eps)))), 1, 1)(var)
    if weight is not None:
        y = y * np.reshape(weight, -1) + np.reshape(bias, -1)
    return y.reshape(x.shape)


row(
    name="layer_norm",
    grad_fn="NativeLayerNormBackward0",
    params=(_SHAPE, Param("eps", "number")),
    elementwise=False,
    front=Signature(
        params=_PARAMS,
        spellings=(Spelling("layer_norm", torch=False, method=False, functional=True),),
        tensor_row="layer_norm_affine",
        needs_param=True,
    ),
    example=([(2, 3)], {"normalized_shape": (3,)}),
    forward=lambda x, normalized_shape, eps=1e-5: _layer_norm(x, normalized_shape, eps),
    via=lambda F, x, normalized_shape, eps=1e-5: F.layer_norm(
        x, normalized_shape, *_unit_affine(x, normalized_shape), eps
    ),
    sym=lambda sp, x, normalized_shape, eps=1e-5: _layer_norm_sym(sp, x, normalized_shape, eps),
    derivative="d/dx (x - mean) * rstd = rstd (g - mean(g) - x̂ mean(g x̂)) over each row, x̂ the normalised x",
)
row(
    name="layer_norm_affine",
    grad_fn="NativeLayerNormBackward0",
    arity=3,
    params=(_SHAPE, Param("eps", "number")),
    elementwise=False,
    front=None,
    example=([(2, 3), (3,), (3,)], {"normalized_shape": (3,)}),
    forward=lambda x, weight, bias, normalized_shape, eps=1e-5: _layer_norm(x, normalized_shape, eps, weight, bias),
    vjp=lambda F, g, out, x, weight, bias, normalized_shape, eps=1e-5: F.layer_norm_affine_backward(
        g, x, weight, normalized_shape, eps
    ),
    sym=lambda sp, x, weight, bias, normalized_shape, eps=1e-5: _layer_norm_sym(
        sp, x, normalized_shape, eps, weight, bias
    ),
    derivative="layer_norm's, the input's gradient times the weight; d/dweight = sum of g x̂, d/dbias = sum of g",
)


# ---- the backward function: native_layer_norm_backward ------------------------------------------------------------
def _input_grad(gout, x, normalized_shape, eps, weight):
    """LayerNormBackwardKernel's dX: a dY gamma + b x + c per row, with ds = sum(dY x gamma), db = sum(dY gamma),
    b = (db mean - ds) a^3 / N, c = -b mean - db a / N, a = rstd."""
    rows, mean, rstd = statistics(x, normalized_shape, eps)
    dtype = rows.dtype.type
    dy = np.asarray(gout, dtype).reshape(rows.shape)
    gy = dy * np.reshape(weight, -1)
    ds, db = np.sum(gy * rows, axis=1, keepdims=True), np.sum(gy, axis=1, keepdims=True)
    scale = dtype(1) / dtype(rows.shape[1])
    b = (db * mean - ds) * rstd * rstd * rstd * scale
    c = -b * mean - db * rstd * scale
    return (fma(b, rows, rstd * gy) + c).reshape(np.shape(x)), rows, mean, rstd, dy


def _layer_norm_affine_backward(gout, x, weight, normalized_shape, eps=1e-5):
    dx, rows, mean, rstd, dy = _input_grad(gout, x, normalized_shape, eps, weight)
    shape = np.shape(weight)
    normal = fma(np.broadcast_to(rstd, rows.shape), rows, -rstd * mean)  # a x + b, b = -a mean, as the kernel
    dweight = np.sum(dy * normal, axis=0).reshape(shape)
    return dx[()], dweight[()], np.sum(dy, axis=0).reshape(shape)[()]


def _affine_backward_sym(sp, gout, x, weight, normalized_shape, eps=1e-5):
    """The gradients of the exact formula: the input's, the weight's and the bias's."""
    x = np.asarray(x, dtype=object)
    n = math.prod(normalized_shape)
    rows = x.reshape(-1, n)
    mean = np.sum(rows, axis=1, keepdims=True) / n
    centred = rows - mean
    var = np.sum(centred * centred, axis=1, keepdims=True) / n
    rstd = np.frompyfunc(lambda v: 1 / sp.sqrt(v + sp.Rational(repr(float(eps)))), 1, 1)(var)
    dy = np.asarray(gout, dtype=object).reshape(rows.shape)
    gy = dy * np.reshape(weight, -1)
    normal = centred * rstd
    dx = rstd * (gy - np.sum(gy, axis=1, keepdims=True) / n - normal * np.sum(gy * normal, axis=1, keepdims=True) / n)
    shape = np.shape(weight)
    return dx.reshape(x.shape), np.sum(dy * normal, axis=0).reshape(shape), np.sum(dy, axis=0).reshape(shape)


def _double_backward(F, ggi, ggw, ggb, gout, x, normalized_shape, eps, weight):
    """FunctionsManual's layer_norm_double_backward: the gradients of the backward's (input, weight, bias) gradients
    `ggi`, `ggw`, `ggb` (None where none came) for its input `x`, `weight` and `gout`, in that order of making, over
    (M, N) rows, the mean and rstd constants as PyTorch saves them."""
    shape = np.shape(_data(x))
    _, mean, rstd = statistics(_data(x), normalized_shape, eps)
    m, n = mean.shape[0], math.prod(normalized_shape)
    rows, g = F.reshape(x, (m, n)), F.reshape(gout, (m, n))
    centred = rows - mean
    gamma = F.reshape(weight, (1, n)) if is_tensor(weight) else np.reshape(weight, (1, n))
    sigma2, sigma3 = rstd * rstd, rstd * rstd * rstd

    def row_sum(t):
        return F.sum_to(t, (m, 1))

    gi = None
    if ggi is not None:
        ggi = F.reshape(ggi, (m, n))
        gxhat = g * gamma
        gxhat_mu_sum, gxhat_sum = row_sum(gxhat * centred), row_sum(gxhat)
        ggi_sum, ggi_mu_sum = row_sum(ggi), row_sum(ggi * centred)
        all_sub = ggi_sum * gxhat_sum / n - row_sum(ggi * gxhat) + sigma2 * gxhat_mu_sum * ggi_mu_sum * (3.0 / n)
        gi = (
            centred * sigma3 * all_sub / n
            + ggi_mu_sum * sigma3 / n * (gxhat_sum / n - gxhat)
            + gxhat_mu_sum * sigma3 / n * (ggi_sum / n - ggi)
        )
    if ggw is not None:
        ggw = F.reshape(ggw, (1, n))
        term = g * ggw * rstd - rstd * row_sum(g * ggw) / n - centred * sigma3 * row_sum(g * ggw * centred) / n
        gi = term if gi is None else gi + term

    def first_backward(grad, scale):
        h0 = rstd / n if scale is None else scale * rstd / n
        return h0 * (grad * n - row_sum(grad) - centred * sigma2 * row_sum(grad * centred))

    gw = None
    if ggi is not None:
        gw = F.reshape(F.sum_to(g * first_backward(ggi, None), (1, n)), np.shape(_data(weight)))
    ggo = None if ggi is None else first_backward(ggi, gamma)
    if ggw is not None:
        ggo = ggw * centred * rstd if ggo is None else ggo + ggw * centred * rstd
    if ggb is not None:
        ggb = F.reshape(ggb, (1, n))
        ggo = F.expand(ggb, (m, n)) if ggo is None else ggo + ggb
    reshaped = [None if t is None else F.reshape(t, shape) for t in (ggo, gi)]
    return (*reshaped, gw)


row(
    name="layer_norm_affine_backward",
    grad_fn="NativeLayerNormBackwardBackward0",
    arity=3,
    params=(_SHAPE, Param("eps", "number")),
    elementwise=False,
    internal=True,
    outputs=3,
    example=([(2, 3), (2, 3), (3,)], {"normalized_shape": (3,)}),
    forward=_layer_norm_affine_backward,
    vjp=lambda F, g, out, gout, x, weight, normalized_shape, eps=1e-5: _double_backward(
        F, *g, gout, x, normalized_shape, eps, weight
    ),
    sym=_affine_backward_sym,
    derivative="layer_norm's backward with a weight: the input's, weight's and bias's gradients",
)
