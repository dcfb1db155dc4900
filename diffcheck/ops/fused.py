"""Fused multiply-adds, bit for bit: what PyTorch's C++ computes where GCC fuses `a * b + c` into one rounding (its
CPU kernels are built with FMA and GCC's default -ffp-contract=fast): the random numbers' transforms, the optimizers'
updates, layer_norm's moments."""

from __future__ import annotations

import numpy as np


def fma(a, b, c, dtype=None):
    """fma(a, b, c) in `dtype` (default: the dtype of `c`), as arrays; where a * b or the answer is not finite, the
    plain a * b + c (IEEE's fma gives the same infinities and nans, which the exact splits would turn into nan)."""
    dtype = np.result_type(c) if dtype is None else dtype
    a, b, c = np.broadcast_arrays(*(np.asarray(v, dtype) for v in (a, b, c)))
    if dtype not in (np.float32, np.float64):
        return a * b + c
    with np.errstate(all="ignore"):
        fused = (fma32 if dtype == np.float32 else fma64)(a, b, c)
        product = a * b
        return np.where(np.isfinite(fused) & np.isfinite(product), fused, product + c)


def _fma32_exact(a, b, c):
    """Exact float32 fma through float64: TwoSum, then round-to-odd before the final cast."""
    a = np.asarray(a, np.float32).astype(np.float64)
    b = np.asarray(b, np.float32).astype(np.float64)
    c = np.asarray(c, np.float32).astype(np.float64)
    p = a * b  # exact: 24 + 24 bits < 53
    s = p + c
    bb = s - p
    err = (p - (s - bb)) + (c - bb)
    bits = np.ascontiguousarray(s).view(np.int64)
    inexact = err != 0
    toward_zero = inexact & ((err < 0) != (s < 0))
    bits = (bits - toward_zero) | inexact  # truncate, then force odd LSB
    return bits.view(np.float64).astype(np.float32)


def fma32(a, b, c):
    """float32 fma(a, b, c), bit-exact.

    a*b is exact in float64, so RN64(a*b + c) followed by a cast to float32
    is already the correct fma, except when the float64 sum lands exactly
    on a float32 rounding midpoint (double rounding), or in float32's
    subnormal range. Only those rare elements are recomputed exactly.
    """
    s = np.multiply(a, b, dtype=np.float64)
    s += c
    bits = s.view(np.int64)
    risky = (bits & 0x1FFFFFFF) == 0x10000000
    risky |= (np.abs(s) < 2.0**-125) & (s != 0)  # an exact 0 is right as it is
    r = s.astype(np.float32)
    if risky.any():
        a_, b_, c_ = np.broadcast_arrays(
            np.asarray(a, np.float32), np.asarray(b, np.float32), np.asarray(c, np.float32)
        )
        r[risky] = _fma32_exact(a_[risky], b_[risky], c_[risky])
    return r


_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp split constant


def fma64(a, b, c):
    """Exact float64 fma(a, b, c) (Boldo-Melquiond: exact product, TwoSum, round-to-odd)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    c = np.asarray(c, np.float64)
    # exact product  a*b = uh + ul  (Dekker)
    uh = a * b
    t = _SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = _SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    ul = ((ah * bh - uh) + ah * bl + al * bh) + al * bl
    # c + uh = th + tl exactly
    th = c + uh
    z = th - c
    tl = (c - (th - z)) + (uh - z)
    # v = RO(tl + ul)
    v = tl + ul
    z = v - tl
    ve = (tl - (v - z)) + (ul - z)
    odd = (np.ascontiguousarray(v).view(np.int64) & 1).astype(bool)
    fix = (ve != 0) & ~odd
    if np.any(fix):
        v = np.where(fix, np.nextafter(v, np.where(ve > 0, np.inf, -np.inf)), v)
    out = th + v
    # non-finite or trivial inputs: fall back to the plain expression
    bad = ~np.isfinite(out) | ~np.isfinite(uh)
    if np.any(bad):
        out = np.where(bad, a * b + c, out)
    return out
