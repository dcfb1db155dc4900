"""PyTorch 2.13's CPU random-number generator, bit for bit, in NumPy: the mt19937 and its seeding, uniform floats,
integers and permutations (boxmuller.py draws normals from it).

How PyTorch draws (read in its sources — CPUGeneratorImpl.cpp, TransformationHelper.h, DistributionsHelper.h,
cpu/DistributionTemplates.h, TensorFactories.cpp — and checked against torch 2.13 in tests/test_random.py):

* The engine is a 32-bit Mersenne Twister; `mt19937(seed)` is the standard init_genrand on the seed's low 32 bits.
  `random()` is one 32-bit draw, `random64()` is `(first << 32) | second`. The twister itself is NumPy's MT19937
  bit generator with its key and position written in, the same algorithm.
* The global generator starts from 64 bits of /dev/urandom; 67280421310721 is only a new `torch.Generator()`'s seed.
  `manual_seed` also drops the cached normal sample.
* float32 uniforms take the low 24 bits of `random()` times 2**-24; float64 the low 53 bits of `random64()` times
  2**-53. `uniform_(a, b)` is `fma(u, b - a, a)` in the tensor's dtype (GCC contracts PyTorch's `u * (b - a) + a`).
* randint is `random() % range + low`, with `random64()` once `range >= 2**28` (public builds; the `2**32` rule in
  the source is Meta's internal build's).
* bernoulli_(p) with a float p: a float64 uniform per element below p.
* randperm: for n < (2**32 - 1) // 20 a forward Fisher-Yates swapping i with i + random() % (n - i); above, an
  inside-out shuffle with random64() % (i + 1).
"""

from __future__ import annotations

import os

import numpy as np

from ..ops.fused import fma32 as _fma32
from ..ops.fused import fma64 as _fma64

DEFAULT_RNG_SEED = 67280421310721  # c10::detail::default_rng_seed_val: a new torch.Generator()'s seed
_MT_N = 624
_STATE_BYTES = 5056  # sizeof(at::detail::CPUGeneratorImplState): torch.get_rng_state()'s layout
_RANDPERM_SMALL = (2**32 - 1) // 20
_M64 = (1 << 64) - 1


def _mt_key(seed):
    """Initial mt19937 state (init_genrand on the low 32 bits of seed)."""
    key = [0] * _MT_N
    x = seed & 0xFFFFFFFF
    key[0] = x
    for j in range(1, _MT_N):
        x = (1812433253 * (x ^ (x >> 30)) + j) & 0xFFFFFFFF
        key[j] = x
    return np.array(key, dtype=np.uint32)


class Generator:
    """PyTorch's ``CPUGeneratorImpl``: an mt19937 plus cached normal samples.

    ``Generator()`` is seeded with 67280421310721, like ``torch.Generator()``.
    The module-level ``default_generator`` gets a random seed from
    /dev/urandom when it is created, like PyTorch's global generator.
    """

    def __init__(self, seed=DEFAULT_RNG_SEED):
        self._bg = np.random.MT19937(0)
        self.manual_seed(seed)

    # -- seeding ----------------------------------------------------------
    def manual_seed(self, seed):
        """Reseed. Like PyTorch, also drops the cached normal samples."""
        seed = int(seed) & _M64
        self._seed = seed
        self._bg.state = {"bit_generator": "MT19937", "state": {"key": _mt_key(seed), "pos": _MT_N}}
        self._fresh = True  # left=1, next=0 (nothing drawn yet)
        self.next_double_normal_sample = None
        self.next_float_normal_sample = None
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        """Reseed with 64 non-deterministic bits, as PyTorch reads /dev/urandom."""
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    # -- raw draws --------------------------------------------------------
    def random_u32(self, n):
        """``n`` successive ``random()`` values (uint32)."""
        if n <= 0:
            return np.empty(0, np.uint32)
        self._fresh = False
        return self._bg.random_raw(n).astype(np.uint32)

    def random_u64(self, n):
        """``n`` successive ``random64()`` values: (first << 32) | second."""
        if n <= 0:
            return np.empty(0, np.uint64)
        self._fresh = False
        r = self._bg.random_raw(2 * n)  # uint64 holding 32-bit draws
        return (r[0::2] << np.uint64(32)) | r[1::2]

    # -- state (same byte layout as torch.get_rng_state()) ---------------
    def get_state(self):
        """Return a uint8 array with the layout of ``torch.get_rng_state()``."""
        st = self._bg.state["state"]
        pos = int(st["pos"])
        buf = bytearray(_STATE_BYTES)
        left = 1 if pos >= _MT_N else _MT_N + 1 - pos
        nxt = 0 if self._fresh else pos
        buf[0:8] = self._seed.to_bytes(8, "little")
        buf[8:12] = left.to_bytes(4, "little")
        buf[12:16] = (1).to_bytes(4, "little")
        buf[16:24] = nxt.to_bytes(8, "little")
        buf[24 : 24 + 8 * _MT_N] = np.asarray(st["key"], np.uint32).astype("<u8").tobytes()
        if self.next_double_normal_sample is not None:
            buf[5024:5032] = np.float64(self.next_double_normal_sample).astype("<f8").tobytes()
            buf[5040:5044] = (1).to_bytes(4, "little")
        if self.next_float_normal_sample is not None:
            buf[5048:5052] = np.float32(self.next_float_normal_sample).astype("<f4").tobytes()
            buf[5052] = 1
        return np.frombuffer(bytes(buf), dtype=np.uint8).copy()

    def set_state(self, state):
        """Load a state from ``get_state()`` or ``torch.get_rng_state().numpy()``."""
        b = bytes(np.asarray(state, dtype=np.uint8).tobytes())
        if len(b) != _STATE_BYTES:
            raise ValueError("expected %d state bytes, got %d" % (_STATE_BYTES, len(b)))
        seed = int.from_bytes(b[0:8], "little")
        left = int.from_bytes(b[8:12], "little", signed=True)
        nxt = int.from_bytes(b[16:24], "little")
        if not (0 < left <= _MT_N and nxt <= _MT_N):
            raise ValueError("Invalid mt19937 state")
        if left != 1 and left + nxt != _MT_N + 1:
            # PyTorch would draw state[next:] and twist when `left` runs out.
            # NumPy's engine can't represent that; real states never do this.
            raise ValueError("unsupported mt19937 state (left + next != 625)")
        key = np.frombuffer(b[24 : 24 + 8 * _MT_N], dtype="<u8").astype(np.uint32)
        self._seed = seed
        self._bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": _MT_N if left == 1 else nxt}}
        self._fresh = left == 1 and nxt == 0
        valid = int.from_bytes(b[5040:5044], "little") != 0
        self.next_double_normal_sample = float(np.frombuffer(b[5024:5032], "<f8")[0]) if valid else None
        self.next_float_normal_sample = float(np.frombuffer(b[5048:5052], "<f4")[0]) if b[5052] else None
        return self

    def clone(self):
        g = Generator.__new__(Generator)
        g._bg = np.random.MT19937(0)
        g.set_state(self.get_state())
        return g


_DEFAULT: list = []  # the process's generator, made on first use: start-up reads no entropy and makes no twister


def default_generator() -> "Generator":
    """PyTorch's global CPU generator: seeded from 64 bits of /dev/urandom when the process first draws."""
    if not _DEFAULT:
        generator = Generator()
        generator.seed()
        _DEFAULT.append(generator)
    return _DEFAULT[0]


def _gen(generator):
    return default_generator() if generator is None else generator


def _numel(shape):
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    n = 1
    for s in shape:
        n *= s
    return shape, n


def _float_dtype(dtype):
    dt = np.dtype(np.float32 if dtype is None else dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError("only float32 and float64 are supported, got %s" % dt)
    return dt


_TWO_M24 = np.float32(2.0**-24)
_TWO_M53 = 2.0**-53
_MASK53 = np.uint64((1 << 53) - 1)


def _uniform01_f32(g, n):
    """float32 uniform_real_distribution(0, 1): 24 low bits of random()."""
    return (g.random_u32(n) & np.uint32(0xFFFFFF)).astype(np.float32) * _TWO_M24


def _uniform01_f64(g, n):
    """float64 uniform_real_distribution(0, 1): 53 low bits of random64()."""
    return (g.random_u64(n) & _MASK53).astype(np.float64) * _TWO_M53


def uniform(generator, shape, dtype=np.float32, low=0.0, high=1.0):
    """``torch.empty(shape, dtype).uniform_(low, high)``.

    Computes ``fma(u, high - low, low)`` in the tensor dtype. The bounds are
    cast to that dtype first, as PyTorch does.
    """
    g = _gen(generator)
    shape, n = _numel(shape)
    dt = _float_dtype(dtype)
    if dt == np.float32:
        x = _uniform01_f32(g, n)
        lo, hi = np.float32(low), np.float32(high)
        if not (lo == 0 and hi == 1):
            x = _fma32(x, hi - lo, lo)
    else:
        x = _uniform01_f64(g, n)
        lo, hi = float(low), float(high)
        if not (lo == 0 and hi == 1):
            x = _fma64(x, hi - lo, lo)
    return x.reshape(shape)


def bernoulli(generator, shape, p, dtype=np.float32):
    """``torch.empty(shape, dtype).bernoulli_(p)`` for a float ``p``: 1 where a float64 uniform (one random64()
    each, in order) is below ``p``. PyTorch 2.13's x86 wheel takes this path (bernoulli_distribution<double>), not an
    MKL stream: two 32-bit draws an element, whatever the size (the parallel grain's 800 and 70,000 elements too)."""
    g = _gen(generator)
    shape, n = _numel(shape)
    return (_uniform01_f64(g, n) < p).astype(dtype).reshape(shape)


def rand(generator, shape, dtype=np.float32):
    """``torch.rand(shape, dtype=dtype)``: uniform on [0, 1)."""
    return uniform(generator, shape, dtype, 0.0, 1.0)


def rand_like(generator, a, dtype=None):
    a = np.asarray(a)
    return rand(generator, a.shape, a.dtype if dtype is None else dtype)


def uniform_(generator, out, low=0.0, high=1.0):
    """In-place ``out.uniform_(low, high)`` on a float32/float64 ndarray."""
    out[...] = uniform(generator, out.shape, out.dtype, low, high)
    return out


def randint(generator, low, high, shape, dtype=np.int64):
    """``torch.randint(low, high, shape)``: ``random() % (high - low) + low``.

    Public PyTorch builds switch to ``random64()`` once ``high - low >= 2**28``,
    for every dtype. Only the FBCODE_CAFFE2 (Meta-internal) build uses the
    ``>= 2**32`` rule that the source shows first.
    """
    g = _gen(generator)
    shape, n = _numel(shape)
    low, high = int(low), int(high)
    if high <= low:
        raise ValueError("random_ expects 'from' to be less than 'to'")
    rng = (high - low) & _M64
    if rng >= 1 << 28:
        v = g.random_u64(n) % np.uint64(rng)
    else:
        v = g.random_u32(n).astype(np.uint64) % np.uint64(rng)
    v = (v + np.uint64(low & _M64)).view(np.int64)  # wraps like the C++ code
    return v.astype(np.dtype(dtype), copy=False).reshape(shape)


def randperm(generator, n, dtype=np.int64):
    """``torch.randperm(n)`` on CPU.

    For n < (2**32 - 1) // 20: forward Fisher-Yates, swapping i with
    i + random() % (n - i). For larger n: inside-out shuffle with
    random64() % (i + 1). The large case is a slow Python loop.
    """
    g = _gen(generator)
    n = int(n)
    if n < 0:
        raise ValueError("n must be non-negative")
    if n < _RANDPERM_SMALL:
        perm = list(range(n))
        if n > 1:
            z = (g.random_u32(n - 1).astype(np.int64) % np.arange(n, 1, -1, dtype=np.int64)).tolist()
            for i, zi in enumerate(z):
                k = i + zi
                perm[i], perm[k] = perm[k], perm[i]
        return np.array(perm, dtype=dtype)
    perm = np.empty(n, dtype=np.int64)
    chunk = 1 << 20
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        r = g.random_u64(stop - start)
        z = (r % np.arange(start + 1, stop + 1, dtype=np.uint64)).tolist()
        for i, zi in zip(range(start, stop), z):
            perm[i] = perm[zi]
            perm[zi] = i
    return perm.astype(dtype, copy=False)
