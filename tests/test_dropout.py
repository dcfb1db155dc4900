"""Dropout's masks and answers against PyTorch 2.13 (tests/dropout.json, recorded by tests/dropout_cases.py): the
bernoulli_ masks bit for bit for seeds, sizes around the kernel's parallel grain (800) and 70,000 elements, and
probabilities, with the generator where PyTorch leaves it; F.dropout's answers and gradients to the last bit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from diffcheck import engine
from diffcheck.engine import mt19937
from dropout_cases import digest, values  # tests/ is on sys.path under pytest

RECORDED = json.loads((Path(__file__).resolve().parent / "dropout.json").read_text(encoding="utf-8"))
DTYPES = {"float32": np.float32, "float64": np.float64}


@pytest.mark.parametrize(
    "case", RECORDED["masks"], ids=[f"{c['seed']}-{c['n']}-{c['p']:.3f}-{c['dtype']}" for c in RECORDED["masks"]]
)
def test_bernoulli_masks_are_pytorchs_bit_for_bit(case):
    generator = mt19937.Generator(case["seed"])
    mask = mt19937.bernoulli(generator, (case["n"],), case["p"], DTYPES[case["dtype"]])
    assert mask.dtype == DTYPES[case["dtype"]]
    assert (digest(mask.tolist()), int(mask.sum())) == (case["sha256"], case["ones"])
    assert float(mt19937.rand(generator, (1,), np.float32)[0]) == float.fromhex(case["after"])


def test_the_masks_depend_on_what_is_recorded():
    """The cases can fail: another seed, or one 32-bit draw an element (float32 uniforms), gives other masks."""
    case = next(c for c in RECORDED["masks"] if c["n"] == 800 and c["p"] == 0.5)
    shifted = mt19937.bernoulli(mt19937.Generator(case["seed"] + 1), (800,), 0.5)
    single = mt19937.rand(mt19937.Generator(case["seed"]), (800,), np.float32) < 0.5
    assert case["sha256"] not in (digest(shifted.tolist()), digest(single.astype(int).tolist()))


@pytest.mark.parametrize("case", RECORDED["dropout"], ids=[f"{c['seed']}-{c['dtype']}" for c in RECORDED["dropout"]])
def test_dropout_answers_and_gradients_are_pytorchs(case):
    dtype = getattr(engine, case["dtype"])
    x = engine.tensor(values(case["n"]), dtype=dtype, requires_grad=True)
    noise = engine.dropout_noise(x, case["p"], generator=mt19937.Generator(case["seed"]))
    y = x * noise
    y.backward(engine.ones(case["n"], dtype=dtype))
    assert y.grad_fn.name() == case["grad_fn"] == "MulBackward0"
    assert [v.hex() for v in y.tolist()] == case["y"]
    assert [v.hex() for v in x.grad.tolist()] == case["grad"]


def test_p_one_draws_nothing_and_zeroes():
    generator = mt19937.Generator(3)
    noise = engine.dropout_noise(engine.ones(4), 1.0, generator=generator)
    assert noise.shape == () and noise.item() == 0.0
    assert generator.get_state().tobytes() == mt19937.Generator(3).get_state().tobytes()
