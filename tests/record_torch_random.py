"""Record PyTorch CPU random outputs to torch_random_cases.json.gz (tests/test_random.py replays them).

Run with the PyTorch 2.13 CPU build:
    /path/to/torch/python tests/record_torch_random.py

Each case is a list of ops that runs in one seeded stream. The recorder
runs every op on torch and stores the result next to it. The test file
replays the same ops on diffcheck's generator and compares the bytes. Arrays are
stored as base64 of their little-endian bytes, so the comparison is
bit-exact; very large outputs are stored as a sha256 digest instead.

Some sections start fresh interpreters (to see the process-start seed,
or to run under ATEN_CPU_CAPABILITY=default). Those child processes run
this same file with a --child-... flag.
"""

import base64
import gzip
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "torch_random_cases.json.gz")

SEEDS = [0, 1, 42, 2**32 + 5, 0xD1B54A32D192ED03]
SIZES = list(range(1, 101)) + [255, 256, 1000, 4097]
DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}


# ---------------------------------------------------------------- encoding
def enc(t):
    a = np.ascontiguousarray(t.detach().numpy() if torch.is_tensor(t) else t)
    return {
        "dtype": str(a.dtype),
        "shape": list(a.shape),
        "b64": base64.b64encode(a.astype(a.dtype.newbyteorder("<")).tobytes()).decode(),
    }


def digest(t):
    a = np.ascontiguousarray(t.detach().numpy())
    return {
        "dtype": str(a.dtype),
        "shape": list(a.shape),
        "sha256": hashlib.sha256(a.astype(a.dtype.newbyteorder("<")).tobytes()).hexdigest(),
    }


# ---------------------------------------------------------------- executor
def run_ops(ops):
    """Run the ops on torch and attach each result as op['out'] (or op['value'])."""
    gens = {"default": None}
    saved = {}
    for op in ops:
        fn = op["fn"]
        g = gens.get(op.get("gen", "default"))
        kw = {} if g is None else {"generator": g}
        dt = DTYPES.get(op.get("dtype", "float32"))
        shape = tuple(op.get("shape", ()))
        res = None
        if fn == "new_generator":
            gens[op["name"]] = torch.Generator()
            continue
        elif fn == "manual_seed":
            (torch.manual_seed if g is None else g.manual_seed)(op["seed"])
            continue
        elif fn == "initial_seed":
            op["value"] = int(torch.initial_seed() if g is None else g.initial_seed())
            continue
        elif fn == "get_state":
            st = torch.get_rng_state() if g is None else g.get_state()
            saved[op["name"]] = st.clone()
            op["out"] = enc(st)
            continue
        elif fn == "set_state":
            st = saved[op["name"]]
            torch.set_rng_state(st) if g is None else g.set_state(st)
            continue
        elif fn == "rand":
            res = torch.rand(shape, dtype=dt, **kw)
        elif fn == "randn":
            res = torch.randn(shape, dtype=dt, **kw)
        elif fn == "rand_like":
            res = torch.rand_like(torch.empty(shape, dtype=dt))
        elif fn == "randn_like":
            res = torch.randn_like(torch.empty(shape, dtype=dt))
        elif fn == "normal":
            res = torch.normal(op["mean"], op["std"], size=shape, dtype=dt, **kw)
        elif fn == "normal_":
            res = torch.empty(shape, dtype=dt).normal_(op["mean"], op["std"], **kw)
        elif fn == "uniform_":
            res = torch.empty(shape, dtype=dt).uniform_(op["low"], op["high"], **kw)
        elif fn == "randint":
            res = torch.randint(op["low"], op["high"], shape, dtype=dt, **kw)
        elif fn == "randperm":
            res = torch.randperm(op["n"], **kw)
        else:
            raise ValueError(fn)
        op["out"] = digest(res) if op.get("hash") else enc(res)
    return ops


def seq_case(name, ops):
    return {"name": name, "ops": run_ops(ops)}


# ---------------------------------------------------------------- sections
def per_size_cases():
    cases = []
    for s in SEEDS:
        for dt in ("float32", "float64"):
            for fn in ("rand", "randn"):
                ops = []
                for n in SIZES:
                    ops += [{"fn": "manual_seed", "seed": s}, {"fn": fn, "shape": [n], "dtype": dt}]
                for shp in ([2, 3], [4, 5], [3, 16], [0], [2, 0, 3]):
                    ops += [{"fn": "manual_seed", "seed": s}, {"fn": fn, "shape": shp, "dtype": dt}]
                cases.append(seq_case("%s_%s_seed%d" % (fn, dt, s), ops))
    return cases


def interleaved_ops(dt2="float64"):
    return [
        {"fn": "rand", "shape": [3]},
        {"fn": "randn", "shape": [5]},
        {"fn": "rand", "shape": [20]},
        {"fn": "randn", "shape": [17]},
        {"fn": "randint", "low": 0, "high": 10, "shape": [7], "dtype": "int64"},
        {"fn": "randperm", "n": 5},
        {"fn": "randperm", "n": 30},
        {"fn": "normal", "mean": 2.0, "std": 3.0, "shape": [4]},
        {"fn": "rand", "shape": [2], "dtype": dt2},
        {"fn": "randn", "shape": [1]},  # odd sizes exercise the cached sample
        {"fn": "randn", "shape": [3]},
        {"fn": "randn", "shape": [3], "dtype": dt2},
        {"fn": "randn", "shape": [16], "dtype": dt2},
        {"fn": "randn", "shape": [0]},
        {"fn": "rand", "shape": [0]},
        {"fn": "randn", "shape": [15]},
        {"fn": "uniform_", "low": -2.0, "high": 5.0, "shape": [9]},
        {"fn": "normal_", "mean": -1.0, "std": 0.5, "shape": [3], "dtype": dt2},
        {"fn": "normal_", "mean": 0.25, "std": 7.0, "shape": [33]},
        {"fn": "randint", "low": -5, "high": 2**40, "shape": [6], "dtype": "int64"},
        {"fn": "randn", "shape": [2, 8]},
        {"fn": "rand_like", "shape": [2, 2]},
        {"fn": "randn_like", "shape": [5], "dtype": dt2},
        {"fn": "randn_like", "shape": [4, 4]},
        {"fn": "randperm", "n": 1},
        {"fn": "randint", "low": 3, "high": 4, "shape": [3], "dtype": "int64"},
        {"fn": "randn", "shape": [1], "dtype": dt2},
        {"fn": "rand", "shape": [1]},
    ]


def interleaved_cases():
    cases = []
    for s in SEEDS:
        ops = [{"fn": "manual_seed", "seed": s}] + interleaved_ops()
        cases.append(seq_case("interleaved_seed%d" % s, ops))
    # re-seeding mid-sequence, including while a normal sample is cached
    ops = [
        {"fn": "manual_seed", "seed": 7},
        {"fn": "randn", "shape": [3]},
        {"fn": "rand", "shape": [4]},
        {"fn": "manual_seed", "seed": 7},  # must drop the cached sample
        {"fn": "randn", "shape": [3]},
        {"fn": "rand", "shape": [4]},
        {"fn": "manual_seed", "seed": 8},
        {"fn": "randn", "shape": [100], "dtype": "float64"},
        {"fn": "manual_seed", "seed": 7},
        {"fn": "initial_seed"},
        {"fn": "randn", "shape": [5]},
        {"fn": "manual_seed", "seed": -1},
        {"fn": "initial_seed"},
        {"fn": "rand", "shape": [3]},
        {"fn": "manual_seed", "seed": 2**64 - 2},
        {"fn": "initial_seed"},
        {"fn": "randn", "shape": [3], "dtype": "float64"},
    ]
    cases.append(seq_case("reseed_mid_sequence", ops))
    # a long stream crossing many 624-word twists
    ops = [{"fn": "manual_seed", "seed": 3}]
    for i in range(40):
        ops.append(
            {
                "fn": ["rand", "randn"][i % 2],
                "shape": [1 + (i * 37) % 700],
                "dtype": ["float32", "float64"][(i // 2) % 2],
            }
        )
    cases.append(seq_case("long_stream", ops))
    return cases


def generator_object_cases():
    ops = [
        {"fn": "new_generator", "name": "g"},
        {"fn": "initial_seed", "gen": "g"},  # 67280421310721
        {"fn": "rand", "shape": [5], "gen": "g"},
        {"fn": "randn", "shape": [3], "gen": "g"},
        {"fn": "manual_seed", "seed": 0},
        {"fn": "manual_seed", "seed": 123, "gen": "g"},
        {"fn": "randn", "shape": [3], "gen": "g"},  # leaves a cached sample in g
        {"fn": "randn", "shape": [3]},  # default gen unaffected
        {"fn": "randn", "shape": [1], "gen": "g"},  # consumes g's cache
        {"fn": "rand", "shape": [20], "gen": "g"},
        {"fn": "randint", "low": 0, "high": 1000, "shape": [4], "gen": "g", "dtype": "int64"},
        {"fn": "randperm", "n": 12, "gen": "g"},
        {"fn": "normal", "mean": 1.0, "std": 2.0, "shape": [18], "gen": "g"},
        {"fn": "uniform_", "low": 1.0, "high": 3.0, "shape": [5], "gen": "g", "dtype": "float64"},
        {"fn": "normal_", "mean": 1.0, "std": 2.0, "shape": [5], "gen": "g", "dtype": "float64"},
        {"fn": "rand", "shape": [4]},
        {"fn": "initial_seed", "gen": "g"},
    ]
    cases = [seq_case("generator_object", ops)]
    # get/set state round trips (bytes compared against torch's)
    ops = [
        {"fn": "manual_seed", "seed": 11},
        {"fn": "get_state", "name": "s0"},
        {"fn": "randn", "shape": [5]},  # odd: caches a double sample
        {"fn": "get_state", "name": "s1"},
        {"fn": "rand", "shape": [700]},
        {"fn": "get_state", "name": "s2"},
        {"fn": "randn", "shape": [1]},
        {"fn": "set_state", "name": "s1"},
        {"fn": "randn", "shape": [1]},
        {"fn": "rand", "shape": [3], "dtype": "float64"},
        {"fn": "set_state", "name": "s2"},
        {"fn": "randn", "shape": [20]},
        {"fn": "get_state", "name": "s3"},
        {"fn": "new_generator", "name": "g"},
        {"fn": "get_state", "name": "g0", "gen": "g"},
        {"fn": "set_state", "name": "s1", "gen": "g"},
        {"fn": "randn", "shape": [1], "gen": "g"},
        {"fn": "rand", "shape": [3], "dtype": "float64", "gen": "g"},
    ]
    cases.append(seq_case("get_set_state", ops))
    return cases


def uniform_normal_cases():
    cases = []
    params = [(-1.0, 1.0), (0.1, 0.7), (-3.7, 5.3), (2.5, 3.5), (-1e3, 1e-3), (0.0, 2.0), (5.0, 6.0)]
    for dt in ("float32", "float64"):
        for s in SEEDS[:3]:
            ops = []
            for a, b in params:
                for n in list(range(1, 41)) + [1000]:
                    ops += [
                        {"fn": "manual_seed", "seed": s},
                        {"fn": "uniform_", "low": a, "high": b, "shape": [n], "dtype": dt},
                    ]
            cases.append(seq_case("uniform_%s_seed%d" % (dt, s), ops))
            ops = []
            for m, sd in [(2.0, 3.0), (-1.5, 0.25), (0.0, 2.0), (3.0, 1.0), (1e3, 1e-3), (0.0, 0.0)]:
                for n in list(range(1, 41)) + [1000]:
                    ops += [
                        {"fn": "manual_seed", "seed": s},
                        {"fn": "normal_", "mean": m, "std": sd, "shape": [n], "dtype": dt},
                    ]
            cases.append(seq_case("normal_%s_seed%d" % (dt, s), ops))
    return cases


def randint_cases():
    ranges = [
        (0, 10),
        (0, 2),
        (-5, 5),
        (0, 2**31),
        (0, 2**32 - 1),
        (0, 2**32),
        (-(2**31), 2**31),
        (1, 2**32 + 1),
        (-(2**40), 2**40),
        (0, 10**15),
        (-(2**63), 2**63 - 1),
        (2**62, 2**63 - 1),
        (-7, -3),
        (0, 2**28 - 1),
        (0, 2**28),
        (5, 5 + 2**28),
        (-(2**27), 2**27),
        (0, 2**24 + 1),
    ]
    cases = []
    for s in SEEDS:
        ops = [{"fn": "manual_seed", "seed": s}]
        for lo, hi in ranges:
            ops.append({"fn": "randint", "low": lo, "high": hi, "shape": [25], "dtype": "int64"})
        cases.append(seq_case("randint_seed%d" % s, ops))
    return cases


def randperm_cases():
    cases = []
    for s in SEEDS:
        ops = []
        for n in list(range(0, 51)) + [100, 1000]:
            ops += [{"fn": "manual_seed", "seed": s}, {"fn": "randperm", "n": n}]
        ops += [
            {"fn": "manual_seed", "seed": s},
            {"fn": "randperm", "n": 10000, "hash": True},
            {"fn": "manual_seed", "seed": s},
            {"fn": "randperm", "n": 100000, "hash": True},
            {"fn": "rand", "shape": [3]},
        ]
        cases.append(seq_case("randperm_seed%d" % s, ops))
    return cases


def big_hash_cases():
    ops = []
    for s in (0, 2024):
        for dt in ("float32", "float64"):
            for fn in ("rand", "randn"):
                ops += [{"fn": "manual_seed", "seed": s}, {"fn": fn, "shape": [10**6 + 3], "dtype": dt, "hash": True}]
            ops += [
                {"fn": "manual_seed", "seed": s},
                {"fn": "normal_", "mean": -0.5, "std": 1.75, "shape": [10**5], "dtype": dt, "hash": True},
                {"fn": "uniform_", "low": -0.3, "high": 9.0, "shape": [10**5], "dtype": dt, "hash": True},
            ]
    return [seq_case("big_hashes", ops)]


# ------------------------------------------------ exhaustive float32 Box-Muller
# We build mt19937 states whose outputs are chosen 24-bit uniforms, so that
# normal_fill sees every possible float32 uniform once in the u1 (log) slot
# and once in the u2 (sin/cos) slot. We hash the normal outputs.
EXH_MULT = 0x9E3779B1  # odd, so k -> k*MULT mod 2**24 is a permutation
EXH_PER_CALL = 38 * 16  # 608 <= 623 draws available without a twist


def _untemper(y):
    y = y.astype(np.uint32)
    y ^= y >> np.uint32(18)
    y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
    t = y.copy()
    for _ in range(5):
        t = y ^ ((t << np.uint32(7)) & np.uint32(0x9D2C5680))
    y = t
    t = y.copy()
    for _ in range(3):
        t = y ^ (t >> np.uint32(11))
    return t


def exhaustive_uniform_codes():
    """24-bit codes, in draw order: block b = [8 u1 codes | 8 u2 codes]."""
    k = np.arange(1 << 24, dtype=np.uint64).reshape(-1, 8)
    u1 = k
    u2 = (k * np.uint64(EXH_MULT)) & np.uint64(0xFFFFFF)
    return np.concatenate([u1, u2], axis=1).ravel().astype(np.uint32)


def exhaustive_section():
    codes = exhaustive_uniform_codes()
    words = _untemper(codes)
    template = torch.get_rng_state().numpy().copy()
    template[8:12] = np.frombuffer(np.int32(624).tobytes(), np.uint8)  # left
    template[12:16] = np.frombuffer(np.int32(1).tobytes(), np.uint8)  # seeded
    template[16:24] = np.frombuffer(np.uint64(1).tobytes(), np.uint8)  # next
    template[5040:5044] = 0
    template[5052] = 0
    h = hashlib.sha256()
    state64 = np.zeros(624, np.uint64)
    for start in range(0, codes.size, EXH_PER_CALL):
        chunk = words[start : start + EXH_PER_CALL]
        state64[1 : 1 + chunk.size] = chunk
        template[24 : 24 + 4992] = state64.view(np.uint8)
        torch.set_rng_state(torch.from_numpy(template))
        out = torch.randn(chunk.size)
        h.update(out.numpy().astype("<f4").tobytes())
    return {"mult": EXH_MULT, "per_call": EXH_PER_CALL, "count": int(codes.size), "sha256": h.hexdigest()}


# ---------------------------------------------------------------- children
def child_process_start():
    s = torch.initial_seed()
    r = torch.rand(3)
    g = torch.Generator()
    print(json.dumps({"initial_seed": int(s), "rand3": enc(r), "generator_initial_seed": int(g.initial_seed())}))


def child_default_capability():
    cap = torch.backends.cpu.get_cpu_capability()
    cases = []
    for s in SEEDS[:3]:
        ops = []
        for n in list(range(14, 50)) + [1000, 4097]:
            ops += [{"fn": "manual_seed", "seed": s}, {"fn": "randn", "shape": [n]}]
        ops += [
            {"fn": "manual_seed", "seed": s},
            {"fn": "normal_", "mean": 2.0, "std": 3.0, "shape": [1000]},
            {"fn": "manual_seed", "seed": s},
            {"fn": "randn", "shape": [10**6], "hash": True},
        ]
        cases.append(seq_case("default_cap_seed%d" % s, ops))
    print(json.dumps({"cpu_capability": cap, "cases": cases, "exhaustive": exhaustive_section()}))


def run_child(flag, extra_env=None):
    env = dict(os.environ)
    env.update(extra_env or {})
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), flag], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    torch.set_num_threads(1)
    data = {
        "torch_version": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "note": "arrays: base64 of little-endian bytes; 'sha256' for large outputs",
        "cases": [],
    }
    for section in (
        per_size_cases,
        interleaved_cases,
        generator_object_cases,
        uniform_normal_cases,
        randint_cases,
        randperm_cases,
        big_hash_cases,
    ):
        data["cases"] += section()
        print(section.__name__, "done", file=sys.stderr)
    data["process_start"] = [run_child("--child-process-start") for _ in range(2)]
    data["exhaustive_avx2"] = exhaustive_section()
    print("exhaustive done", file=sys.stderr)
    data["default_capability"] = run_child("--child-default-capability", {"ATEN_CPU_CAPABILITY": "default"})
    with gzip.open(OUT, "wt") as f:
        json.dump(data, f, separators=(",", ":"))
    print("wrote", OUT, os.path.getsize(OUT), "bytes", file=sys.stderr)


if __name__ == "__main__":
    if "--child-process-start" in sys.argv:
        child_process_start()
    elif "--child-default-capability" in sys.argv:
        child_default_capability()
    else:
        main()
