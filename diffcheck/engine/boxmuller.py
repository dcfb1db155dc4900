"""Normal samples as PyTorch 2.13's CPU kernels draw them, bit for bit (the generator is mt19937.py's).

* Fewer than 16 elements (either dtype): a scalar Box-Muller in double, two `random64()` uniforms per pair; it
  returns `r * cos` and caches `r * sin` in the generator for the next call. The result is `fma(x, std, mean)`, then
  cast to the dtype.
* 16 elements or more (contiguous): the tensor is first filled with uniforms, then Box-Muller runs on blocks of 16
  (the first 8 feed the log, the last 8 sin/cos); a size not a multiple of 16 draws 16 fresh uniforms and redoes the
  last 16 outputs. float32 uses PyTorch's AVX2 kernel (its AVX512 build too): Cephes' log256_ps and sincos256_ps in
  float32 with GCC's fused multiply-adds, emulated exactly below; float64 uses glibc's log/cos/sin (Python's math,
  which is glibc's). Both end with an explicit `fma(n, std, mean)`, which turns a -0.0 into +0.0 even for std 1.
* On a CPU without AVX2 (or ATEN_CPU_CAPABILITY=default) float32 uses glibc's logf/cosf/sinf instead:
  `set_cpu_capability("default")` selects that kernel.
"""

from __future__ import annotations

import math

import numpy as np

from .mt19937 import _fma32, _fma64, _float_dtype, _gen, _numel, _uniform01_f32, _uniform01_f64

# Which float32 normal kernel to mimic: "avx2" (PyTorch on AVX2 or AVX512 CPUs) or "default" (a CPU without AVX2)
_CPU_CAPABILITY = "avx2"


def set_cpu_capability(cap: str) -> None:
    """Choose the float32 normal kernel to mimic ("avx2" or "default"); only float32 normals of >= 16 elements
    differ between them."""
    global _CPU_CAPABILITY
    if cap not in ("avx2", "default"):
        raise ValueError(f"cpu capability must be 'avx2' or 'default', not {cap!r}")
    _CPU_CAPABILITY = cap


def _normal_scalar(g, n, mean, std, dt):
    """Scalar path (numel < 16): Box-Muller in double with a cached second sample."""
    raw = []
    for _ in range(n):
        cached = g.next_double_normal_sample
        if cached is not None:
            g.next_double_normal_sample = None
            raw.append(cached)
            continue
        u = _uniform01_f64(g, 2)
        u1, u2 = float(u[0]), float(u[1])
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        g.next_double_normal_sample = r * math.sin(theta)
        raw.append(r * math.cos(theta))
    out = np.array(raw, dtype=np.float64)
    if std == 1.0 and mean == 0.0:
        out = out + 0.0  # fma(x, 1, 0) maps -0.0 to +0.0
    else:
        out = _fma64(out, float(std), float(mean))
    return out.astype(dt)


def _blocks_f64(d):
    """Box-Muller on blocks of 16 doubles [u1 x8 | u2 x8], using glibc (math) log/cos/sin."""
    d = d.reshape(-1, 16)
    u1 = (1.0 - d[:, :8]).ravel()
    u2 = d[:, 8:].ravel()
    m = u1.size
    lg = np.fromiter(map(math.log, u1.tolist()), np.float64, m)
    radius = np.sqrt(-2.0 * lg)
    theta = (2.0 * math.pi) * u2
    tl = theta.tolist()
    c = np.fromiter(map(math.cos, tl), np.float64, m)
    s = np.fromiter(map(math.sin, tl), np.float64, m)
    return (radius * c).reshape(-1, 8), (radius * s).reshape(-1, 8)


# Cephes / avx_mathfun float32 constants
_f = np.float32
_SQRTHF = _f(0.707106781186547524)
_LOG_P = [
    _f(v)
    for v in (
        7.0376836292e-2,
        -1.1514610310e-1,
        1.1676998740e-1,
        -1.2420140846e-1,
        1.4249322787e-1,
        -1.6668057665e-1,
        2.0000714765e-1,
        -2.4999993993e-1,
        3.3333331174e-1,
    )
]
_LOG_Q1 = _f(-2.12194440e-4)
_LOG_Q2 = _f(0.693359375)
_DP1, _DP2, _DP3 = _f(-0.78515625), _f(-2.4187564849853515625e-4), _f(-3.77489497744594108e-8)
_SIN_P = (_f(-1.9515295891e-4), _f(8.3321608736e-3), _f(-1.6666654611e-1))
_COS_P = (_f(2.443315711809948e-005), _f(-1.388731625493765e-003), _f(4.166664568298827e-002))
_FOPI = _f(1.27323954473516)
_TWO_PI_F = _f(2.0 * math.pi)
_HALF, _ONE = _f(0.5), _f(1.0)


def _log256_ps(x):
    """Float32 emulation of avx_mathfun log256_ps for x in (0, 1], with GCC's FMAs."""
    bits = x.view(np.uint32)
    e = ((bits >> np.uint32(23)).astype(np.int32) - 127).astype(np.float32) + _ONE
    x = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(np.float32)
    mask = x < _SQRTHF
    tmp = np.where(mask, x, _f(0))
    x = x - _ONE
    e = e - mask.astype(np.float32)
    x = x + tmp
    z = x * x
    y = np.full_like(x, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = _fma32(y, x, p)
    y = y * x
    y = _fma32(y, z, e * _LOG_Q1)  # y*z + e*q1
    y = y - z * _HALF  # exact product: fma == mul+sub
    x = x + y
    return x + e * _LOG_Q2  # exact product


def _sincos256_ps(x):
    """Float32 emulation of avx_mathfun sincos256_ps for x >= 0, with GCC's FMAs."""
    j = (x * _FOPI).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(np.float32)
    swap_sin = ((j & 4) << 29).view(np.uint32)
    poly = (j & 2) == 0
    sign_cos = ((~(j - 2) & 4) << 29).view(np.uint32)
    x = _fma32(y, _DP1, x)
    x = _fma32(y, _DP2, x)
    x = _fma32(y, _DP3, x)
    z = x * x
    yc = np.full_like(x, _COS_P[0])
    yc = _fma32(yc, z, _COS_P[1])
    yc = _fma32(yc, z, _COS_P[2])
    yc = yc * z
    yc = _fma32(yc, z, -(z * _HALF))
    yc = yc + _ONE
    ys = np.full_like(x, _SIN_P[0])
    ys = _fma32(ys, z, _SIN_P[1])
    ys = _fma32(ys, z, _SIN_P[2])
    ys = ys * z
    ys = _fma32(ys, x, x)
    s = np.where(poly, ys, yc)
    c = np.where(poly, yc, ys)
    s = (s.view(np.uint32) ^ swap_sin).view(np.float32)
    c = (c.view(np.uint32) ^ sign_cos).view(np.float32)
    return s, c


def _blocks_f32_avx2(d):
    """normal_fill_16_AVX2 on blocks of 16 floats [u1 x8 | u2 x8]."""
    d = d.reshape(-1, 16)
    u1 = np.ascontiguousarray(_ONE - d[:, :8])
    u2 = d[:, 8:]
    radius = np.sqrt(_f(-2.0) * _log256_ps(u1))
    s, c = _sincos256_ps(_TWO_PI_F * u2)
    return radius * c, radius * s


_LIBM_F32 = None


def _libm_f32():
    """glibc's logf/cosf/sinf through ctypes, or None if they can't be loaded.

    The scalar (non-AVX2) float32 kernel calls these functions, and they are
    not correctly rounded: about 1% of the possible inputs differ by one ulp
    from float32(log(double)). Calling the same libm that PyTorch calls is
    the only cheap way to match it exactly.
    """
    global _LIBM_F32
    if _LIBM_F32 is None:
        try:
            import ctypes
            import ctypes.util

            # PyDLL keeps the GIL through each call: a CDLL call releases and retakes it, which waits a switch
            # interval per call whenever another thread runs Python
            lib = ctypes.PyDLL(ctypes.util.find_library("m") or "libm.so.6")
            fns = []
            for name in ("logf", "cosf", "sinf"):
                fn = getattr(lib, name)
                fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
                fns.append(fn)
            _LIBM_F32 = tuple(fns)
        except (OSError, AttributeError):
            _LIBM_F32 = False
    return _LIBM_F32 or None


def _blocks_f32_default(d):
    """Scalar normal_fill_16<float> (no AVX2): glibc logf/cosf/sinf, plain float ops.

    Uses libm through ctypes when it is available, which is exact on the
    same glibc. Otherwise it falls back to float32(double function), which
    is off by one ulp for about 1% of inputs.
    """
    d = d.reshape(-1, 16)
    u1 = (_ONE - d[:, :8]).ravel().astype(np.float64).tolist()
    theta = ((2.0 * math.pi) * d[:, 8:].ravel().astype(np.float64)).astype(np.float32)
    theta = theta.astype(np.float64).tolist()
    m = len(u1)
    libm = _libm_f32()
    if libm is not None:
        logf, cosf, sinf = libm
        lg = np.fromiter(map(logf, u1), np.float32, m)
        c = np.fromiter(map(cosf, theta), np.float32, m)
        s = np.fromiter(map(sinf, theta), np.float32, m)
    else:
        lg = np.fromiter(map(math.log, u1), np.float64, m).astype(np.float32)
        c = np.fromiter(map(math.cos, theta), np.float64, m).astype(np.float32)
        s = np.fromiter(map(math.sin, theta), np.float64, m).astype(np.float32)
    radius = np.sqrt(_f(-2.0) * lg)
    return (radius.reshape(-1, 8) * c.reshape(-1, 8), radius.reshape(-1, 8) * s.reshape(-1, 8))


def _normal_fill(g, n, mean, std, dt):
    """Vectorised path (numel >= 16): uniforms first, Box-Muller per 16, tail redone."""
    if dt == np.float32:
        uni = _uniform01_f32
        blocks = _blocks_f32_avx2 if _CPU_CAPABILITY == "avx2" else _blocks_f32_default
    else:
        uni = _uniform01_f64
        blocks = _blocks_f64

    def transform(d):
        cos_part, sin_part = blocks(d)
        out = np.concatenate([cos_part, sin_part], axis=1)
        if dt == np.float32:
            m, s = np.float32(mean), np.float32(std)
            # Both kernels end with fma(n, std, mean). Even for std=1, mean=0
            # this turns the -0.0 from sqrt(-0.0) (when u1 == 1) into +0.0.
            out = out + _f(0) if (s == 1 and m == 0) else _fma32(out, s, m)
        elif std == 1.0 and mean == 0.0:
            out = out + 0.0
        else:
            out = _fma64(out, float(std), float(mean))
        return out.ravel()

    data = uni(g, n)
    full = (n // 16) * 16
    data[:full] = transform(data[:full])
    if n % 16:
        data[n - 16 :] = transform(uni(g, 16))
    return data.astype(dt, copy=False)


def normal(generator, shape, dtype=np.float32, mean=0.0, std=1.0):
    """``torch.normal(mean, std, shape)`` / ``torch.empty(shape).normal_(mean, std)``.

    Uses PyTorch's vectorised kernel for numel >= 16 and the scalar cached
    Box-Muller for numel < 16. Assumes a contiguous tensor, which is what
    factory functions create.
    """
    g = _gen(generator)
    shape, n = _numel(shape)
    dt = _float_dtype(dtype)
    if std < 0:
        raise ValueError("normal expects std >= 0.0")
    if n >= 16:
        out = _normal_fill(g, n, mean, std, dt)
    else:
        out = _normal_scalar(g, n, mean, std, dt)
    return out.reshape(shape)


def randn(generator, shape, dtype=np.float32):
    """``torch.randn(shape, dtype=dtype)``."""
    return normal(generator, shape, dtype, 0.0, 1.0)


def randn_like(generator, a, dtype=None):
    a = np.asarray(a)
    return randn(generator, a.shape, a.dtype if dtype is None else dtype)


def normal_(generator, out, mean=0.0, std=1.0):
    """In-place ``out.normal_(mean, std)`` on a contiguous float32/float64 ndarray."""
    out[...] = normal(generator, out.shape, out.dtype, mean, std)
    return out
