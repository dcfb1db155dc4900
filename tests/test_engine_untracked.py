"""Deep graphs out of the cyclic collector's way (engine/untracked.py, issue 22): which nodes are untracked, that
nothing else changes (gradients bit for bit, memory freed by reference counting, the collector's settings), and
that a node that may sit in a cycle stays or becomes tracked again."""

from __future__ import annotations

import gc
import sys
import tracemalloc

import pytest
from test_engine_scale import chain as _chain  # tests/ is on sys.path under pytest

import diffcheck as torch
from diffcheck.engine import untracked
from diffcheck.engine.untracked import DEPTH, deep

pytestmark = pytest.mark.skipif(sys.implementation.name != "cpython", reason="untracking is CPython's C API")


@pytest.fixture
def shallow(monkeypatch):
    """Every node made from now on is past the depth (seqs count down from 0), as in a graph of DEPTH nodes."""
    monkeypatch.setattr(deep, "below", 0)


def _leaf(value=0.5):
    return torch.tensor(value, dtype=torch.float64, requires_grad=True)


def test_nodes_are_tracked_below_the_depth():
    y = _leaf() * 2.0
    assert y._node.seq >= deep.below and gc.is_tracked(y._node)


def test_every_creation_path_untracks_past_the_depth(shallow):
    x, w = _leaf(), _leaf(2.0)
    made = {
        "operator": x * w,  # front.py's + - * / method
        "one tensor": torch.exp(x),  # forward._apply_tensor
        "general": torch.clamp(x, min=0.0),  # forward._apply (a row with parameters)
        "array": torch.tensor([1.0, 2.0], requires_grad=True).sum(),
    }
    assert {name: gc.is_tracked(t._node) for name, t in made.items()} == dict.fromkeys(made, False)


def test_gradients_are_bit_for_bit_those_of_tracked_nodes(monkeypatch):
    x = _leaf()
    _chain(x, 2_000).backward()
    tracked = x.grad.item()
    monkeypatch.setattr(deep, "below", 0)
    x = _leaf()
    y = _chain(x, 2_000)
    assert not gc.is_tracked(y._node)
    y.backward()
    expected = 1.0
    for _ in range(1_000):  # backward multiplies the gradient by 0.9999 once per mul, from the root down
        expected *= 0.9999
    assert x.grad.item() == tracked == expected


def test_a_deep_graph_is_freed_when_its_root_is_dropped(shallow):
    x = _leaf()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        y = _chain(x, 20_000)
        held = tracemalloc.get_traced_memory()[0] - base
        del y  # no gc.collect(): reference counting alone
        left = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert held > 20_000 * 100
    assert left < 20_000  # a few allocations of the interpreter's, not a byte per node


def test_the_collectors_settings_stay_the_users(shallow):
    before = (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count(), list(gc.callbacks))
    x = _leaf()
    _chain(x, 1_000).backward()
    assert (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count(), list(gc.callbacks)) == before


def test_a_node_that_gains_extras_is_tracked_again(shallow):
    x = _leaf()
    y, z = x * 2.0, x * 3.0
    assert not gc.is_tracked(y._node) and not gc.is_tracked(z._node)
    y.retain_grad()
    z.register_hook(lambda g: g)
    assert gc.is_tracked(y._node) and gc.is_tracked(z._node)
    (y + z).backward()
    assert (y.grad.item(), x.grad.item()) == (1.0, 5.0)


def test_a_node_with_version_counters_stays_tracked(shallow):
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1.0
    b.add_(1.0)  # b counts in-place changes from here on
    c = b * b  # noted b's version: extras when made
    assert c._node._x is not None and gc.is_tracked(c._node)


def test_nodes_made_by_backward_stay_tracked_and_the_depth_counts_afresh(shallow):
    x = _leaf()
    y = x * x * x
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    assert gc.is_tracked(g._node)  # made during the walk: .grad-like graphs may close cycles through leaves
    after = deep.below
    fresh = x * 2.0
    assert after == fresh._node.seq + 1 - DEPTH  # counted from the walk's end (it took the seq before this one)
    assert gc.is_tracked(fresh._node)


def test_an_outer_walk_stays_off_while_an_inner_one_ends():
    saved = deep.walking()
    assert deep.below == untracked._WALKING
    inner = deep.walking()
    deep.walked(inner, -10)
    assert deep.below == untracked._WALKING
    deep.walked(saved, -100)
    assert deep.below == -100 - DEPTH
