"""PyTorch's CPU random numbers, bit for bit: the engine's generator (mt19937.py) and normal kernels (boxmuller.py) replay every call sequence
recorded from torch 2.13 (tests/torch_random_cases.json.gz, written by tests/record_torch_random.py, which needs
torch; these tests do not) and compare the raw bytes; and the library's torch-shaped functions on top of them."""

import base64
import gzip
import hashlib
import json
import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from diffcheck.engine import boxmuller as kernels
from diffcheck.engine import mt19937 as generator

HERE = os.path.dirname(os.path.abspath(__file__))
with gzip.open(os.path.join(HERE, "torch_random_cases.json.gz"), "rt") as f:
    DATA = json.load(f)

NP_DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64}


def _bytes_of(a):
    a = np.ascontiguousarray(a)
    return a.astype(a.dtype.newbyteorder("<")).tobytes()


def _check(op, got, where):
    exp = op["out"]
    assert str(got.dtype) == exp["dtype"], (where, got.dtype, exp["dtype"])
    assert list(got.shape) == exp["shape"], (where, got.shape, exp["shape"])
    if "sha256" in exp:
        assert hashlib.sha256(_bytes_of(got)).hexdigest() == exp["sha256"], where
        return
    want = np.frombuffer(base64.b64decode(exp["b64"]), dtype=np.dtype(exp["dtype"]).newbyteorder("<"))
    want = want.reshape(exp["shape"])
    if _bytes_of(got) != _bytes_of(want):
        bad = np.flatnonzero(
            got.ravel().view(np.uint8 if got.dtype.itemsize == 1 else np.dtype("u%d" % got.dtype.itemsize))
            != want.ravel().view(np.dtype("u%d" % want.dtype.itemsize))
        )
        raise AssertionError(
            "%s: %d of %d elements differ, first at %s: got %r want %r"
            % (where, bad.size, got.size, bad[:5], got.ravel()[bad[:3]], want.ravel()[bad[:3]])
        )


def replay(case):
    """Run a recorded op list with torch_random and compare every output."""
    gens = {"default": generator.default_generator()}
    saved = {}
    for i, op in enumerate(case["ops"]):
        fn = op["fn"]
        where = "%s op#%d %s" % (case["name"], i, {k: v for k, v in op.items() if k != "out"})
        g = gens.get(op.get("gen", "default"))
        dt = NP_DTYPES.get(op.get("dtype", "float32"))
        shape = tuple(op.get("shape", ()))
        if fn == "new_generator":
            gens[op["name"]] = generator.Generator()
            continue
        if fn == "manual_seed":
            g.manual_seed(op["seed"])
            continue
        if fn == "initial_seed":
            assert g.initial_seed() == op["value"], where
            continue
        if fn == "get_state":
            got = g.get_state()
            _check(op, got, where)
            saved[op["name"]] = base64.b64decode(op["out"]["b64"])  # torch's own bytes
            continue
        if fn == "set_state":
            g.set_state(np.frombuffer(saved[op["name"]], np.uint8))
            continue
        if fn == "rand":
            got = generator.rand(g, shape, dt)
        elif fn == "randn":
            got = kernels.randn(g, shape, dt)
        elif fn == "rand_like":
            got = generator.rand_like(g, np.empty(shape, dt))
        elif fn == "randn_like":
            got = kernels.randn_like(g, np.empty(shape, dt))
        elif fn == "normal":
            got = kernels.normal(g, shape, dt, op["mean"], op["std"])
        elif fn == "normal_":
            got = kernels.normal_(g, np.empty(shape, dt), op["mean"], op["std"])
        elif fn == "uniform_":
            got = generator.uniform_(g, np.empty(shape, dt), op["low"], op["high"])
        elif fn == "randint":
            got = generator.randint(g, op["low"], op["high"], shape, dt)
        elif fn == "randperm":
            got = generator.randperm(g, op["n"])
        else:
            raise ValueError(fn)
        _check(op, got, where)


@pytest.mark.parametrize("case", DATA["cases"], ids=[c["name"] for c in DATA["cases"]])
def test_recorded_case(case):
    replay(case)


@pytest.fixture
def default_capability():
    kernels.set_cpu_capability("default")
    yield
    kernels.set_cpu_capability("avx2")


DEFAULT_CAP_CASES = DATA["default_capability"]["cases"]


@pytest.mark.parametrize("case", DEFAULT_CAP_CASES, ids=[c["name"] for c in DEFAULT_CAP_CASES])
def test_recorded_case_default_capability(case, default_capability):
    """Recorded with ATEN_CPU_CAPABILITY=default (scalar glibc float math)."""
    replay(case)


def test_process_start_seed():
    """A fresh torch process seeds itself from /dev/urandom, not from 67280421310721."""
    runs = DATA["process_start"]
    assert runs[0]["initial_seed"] != runs[1]["initial_seed"]
    for r in runs:
        assert r["generator_initial_seed"] == generator.DEFAULT_RNG_SEED == generator.Generator().initial_seed()
        g = generator.Generator(r["initial_seed"])
        _check({"out": r["rand3"]}, generator.rand(g, 3), "process start rand(3)")
    # our default generator also starts from a random 64-bit seed
    assert generator.Generator().seed() != generator.Generator().seed()


def exhaustive_codes(mult):
    k = np.arange(1 << 24, dtype=np.uint64).reshape(-1, 8)
    u2 = (k * np.uint64(mult)) & np.uint64(0xFFFFFF)
    return np.concatenate([k, u2], axis=1).ravel().astype(np.uint32)


def _run_exhaustive(info):
    codes = exhaustive_codes(info["mult"])
    assert codes.size == info["count"]
    h = hashlib.sha256()
    chunk = 1 << 20  # multiple of 16: no tail recompute
    for start in range(0, codes.size, chunk):
        g = _StaticUniforms(codes[start : start + chunk])
        out = kernels._normal_fill(g, g.size, 0.0, 1.0, np.dtype(np.float32))
        h.update(out.astype("<f4").tobytes())
    return h.hexdigest()


class _StaticUniforms:
    """Stand-in generator that replays fixed 24-bit codes as random() draws."""

    def __init__(self, codes):
        self._codes = codes
        self.size = codes.size
        self._pos = 0

    def random_u32(self, n):
        out = self._codes[self._pos : self._pos + n]
        self._pos += n
        return out


def test_exhaustive_float32_boxmuller_avx2():
    """Every float32 uniform through the AVX2 log and sincos, hashed against torch."""
    assert _run_exhaustive(DATA["exhaustive_avx2"]) == DATA["exhaustive_avx2"]["sha256"]


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("DIFFCHECK_SLOW"), reason="14 s of glibc calls through ctypes: set DIFFCHECK_SLOW=1"
)
def test_exhaustive_float32_boxmuller_default(default_capability):
    info = DATA["default_capability"]["exhaustive"]
    assert _run_exhaustive(info) == info["sha256"]


# ------------------------------------------------------------------ properties
seeds = st.integers(min_value=-(2**63), max_value=2**64 - 1)
sizes = st.integers(min_value=0, max_value=70)
dtypes = st.sampled_from([np.float32, np.float64])


@settings(max_examples=40, deadline=None)
@given(seeds, sizes, dtypes)
def test_same_seed_same_stream(seed, n, dt):
    a, b = generator.Generator(seed), generator.Generator(seed)
    for f in (generator.rand, kernels.randn, generator.rand, kernels.randn):
        assert _bytes_of(f(a, n, dt)) == _bytes_of(f(b, n, dt))
    assert a.initial_seed() == (seed & (2**64 - 1))


@settings(max_examples=40, deadline=None)
@given(seeds, st.integers(min_value=1, max_value=3000), dtypes)
def test_rand_in_unit_interval(seed, n, dt):
    x = generator.rand(generator.Generator(seed), n, dt)
    assert x.dtype == dt and x.shape == (n,)
    assert np.all(x >= 0) and np.all(x < 1)


@settings(max_examples=30, deadline=None)
@given(seeds, sizes, sizes, dtypes)
def test_reseed_restarts_stream(seed, n, m, dt):
    g = generator.Generator(seed)
    first = kernels.randn(g, n, dt), generator.rand(g, m, dt)
    kernels.randn(g, 3, dt)  # leave a cached normal sample behind
    g.manual_seed(seed)
    again = kernels.randn(g, n, dt), generator.rand(g, m, dt)
    assert all(_bytes_of(x) == _bytes_of(y) for x, y in zip(first, again))


@settings(max_examples=30, deadline=None)
@given(seeds, sizes, sizes)
def test_state_roundtrip(seed, n, m):
    g = generator.Generator(seed)
    kernels.randn(g, n, np.float64)
    st_ = g.get_state()
    a = kernels.randn(g, m, np.float64), generator.rand(g, 5)
    g2 = generator.Generator(0).set_state(st_)
    b = kernels.randn(g2, m, np.float64), generator.rand(g2, 5)
    assert all(_bytes_of(x) == _bytes_of(y) for x, y in zip(a, b))
    assert _bytes_of(g.get_state()) == _bytes_of(g2.get_state())


@settings(max_examples=30, deadline=None)
@given(
    seeds,
    st.integers(min_value=0, max_value=300),
    st.integers(min_value=-(2**62), max_value=2**62),
    st.integers(min_value=1, max_value=2**62),
)
def test_randperm_and_randint_ranges(seed, n, low, span):
    g = generator.Generator(seed)
    p = generator.randperm(g, n)
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(n))
    r = generator.randint(g, low, low + span, 50)
    assert r.dtype == np.int64 and np.all(r >= low) and np.all(r < low + span)


# ---- the library's torch-shaped functions (diffcheck.rand ...), against what torch 2.13 printed -------------------
def test_library_draws_what_torch_prints_after_manual_seed():
    import diffcheck as torch

    torch.manual_seed(0)
    printed = [
        repr(torch.rand(2, 3)),
        repr(torch.randn(2)),
        repr(torch.randint(0, 10, (3,))),
        repr(torch.randint(5, (2,))),
        repr(torch.randperm(4)),
        repr(torch.normal(0.0, 1.0, size=(2,))),
    ]
    assert printed == [
        "tensor([[0.4963, 0.7682, 0.0885],\n        [0.1320, 0.3074, 0.6341]])",
        "tensor([ 1.2645, -0.6874])",
        "tensor([1, 6, 6])",
        "tensor([4, 3])",
        "tensor([0, 1, 2, 3])",
        "tensor([-0.2613,  1.0667])",
    ]


def test_library_shapes_generators_and_dtypes():
    import diffcheck as torch

    assert torch.rand((2,)).shape == (2,) and torch.rand([2, 2]).shape == (2, 2) and torch.rand(()).shape == ()
    g = torch.Generator().manual_seed(3)
    assert repr(torch.rand(2, generator=g)) == "tensor([0.0043, 0.1056])"
    assert g.initial_seed() == 3 and torch.Generator().initial_seed() == 67280421310721
    x = torch.randn(2, requires_grad=True, dtype=torch.float64)
    assert x.requires_grad and x.is_leaf and x.dtype is torch.float64
    assert torch.randint(0, 3, (2,), dtype=torch.float32).dtype is torch.float32
    torch.manual_seed(5)
    first = torch.rand_like(torch.zeros(3, dtype=torch.float64))
    torch.manual_seed(5)
    assert first.dtype is torch.float64 and first.tolist() == torch.rand(3, dtype=torch.float64).tolist()


@pytest.mark.parametrize(
    ("call", "error", "text"),
    [
        (lambda t: t.randn(2, dtype=t.int64), NotImplementedError, "\"normal_kernel_cpu\" not implemented for 'Long'"),
        (
            lambda t: t.rand(2, dtype=t.int64),
            NotImplementedError,
            "\"check_uniform_bounds\" not implemented for 'Long'",
        ),
        (
            lambda t: t.randint(0, 10, (3,), requires_grad=True),
            RuntimeError,
            "Only Tensors of floating point and complex dtype can require gradients",
        ),
        (lambda t: t.normal(0.0, -1.0, size=(2,)), RuntimeError, "normal expects std >= 0.0, but found std -1"),
        (
            lambda t: t.randint(3, 3, (2,)),
            RuntimeError,
            "random_ expects 'from' to be less than 'to', but got from=3 >= to=3",
        ),
        (
            lambda t: t.zeros(3, requires_grad=True).uniform_(),
            RuntimeError,
            "a leaf Variable that requires grad is being used in an in-place operation.",
        ),
        (
            lambda t: t.zeros(3, requires_grad=True).normal_(),
            RuntimeError,
            "a leaf Variable that requires grad is being used in an in-place operation.",
        ),
    ],
)
def test_library_refuses_as_torch_does(call, error, text):
    import diffcheck as torch

    with pytest.raises(error) as raised:
        call(torch)
    assert str(raised.value) == text


def test_in_place_initialisation_under_no_grad_counts_a_version():
    import diffcheck as torch

    w = torch.zeros(3, requires_grad=True)
    torch.manual_seed(0)
    with torch.no_grad():
        w.uniform_(-1, 1)
    torch.manual_seed(0)
    expected = generator.uniform(None, (3,), np.float32, -1.0, 1.0)
    assert w.data.tobytes() == expected.tobytes() and w._version == 1 and w.requires_grad
