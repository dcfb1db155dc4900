"""Deep graphs out of the cyclic collector's way (issue 22): past DEPTH nodes since the last backward(), new nodes
are untracked.

CPython's collector walks every object it tracks at each full pass, and a full pass comes whenever the objects
promoted since the last one exceed a quarter of those that survived it, so a graph of a million nodes is walked
about five times over while it grows: an op cost 1.6× as much at 1e6 ops as at 1e4. Nodes need no collector:
a node holds its inputs' nodes and data, never a tensor an op made, so graphs form no reference cycles and
reference counting frees them (tests/test_engine_untracked.py drops a deep root and finds the memory gone without
gc.collect()). So a node made past the depth is untracked with the C API's own PyObject_GC_UnTrack — the
collector's settings, thresholds and frozen objects stay the user's.

Below DEPTH untracking is no gain: a call through ctypes costs ~0.2 µs a node, about what a tracked node costs in
full passes while a graph is under ~1e5 nodes, and far less than it costs beyond (benchmarks/flat_cost.py: at 1e6
ops, 1.66 µs an op against 2.23 tracked). Small graphs, the common case, are left as they are.

A node that may sit in a cycle through the user's objects stays tracked: one with extras (hooks, whose closures may
hold tensors; version counters; a retained output) when made, and one that gains extras later is tracked again
(`track`). Nodes made while backward runs stay tracked too: with create_graph, a leaf's .grad holds a graph that
reaches the leaf again. What is left is a cycle the user closes through a leaf past the depth (a hook on a leaf
whose closure holds a tensor of that graph): the collector cannot find it, and the graph lives as long as the leaf
(docs/performance.md says so). Where ctypes cannot reach the C API (not CPython) nothing is untracked.
"""

from __future__ import annotations

import gc
import sys

DEPTH = 1 << 17  # nodes recorded since the last backward() before new ones are untracked
_WALKING = float("-inf")  # `below` while a backward walk runs: below every seq, so nothing is untracked


class _Deep:
    """`below`: a node whose seq (counting down) is below it is untracked when made; the C API's calls, loaded the
    first time a graph gets that deep (ctypes costs milliseconds to import, and most runs never need it)."""

    __slots__ = ("below", "_untrack", "_track")

    def __init__(self):
        self.below, self._untrack, self._track = -DEPTH, None, None

    def untrack(self, node) -> None:
        if self._untrack is None:
            self._load()
        self._untrack(node)

    def track(self, node) -> None:
        """Tracked again (a node that gained extras): the collector must see what its hooks may hold."""
        if not gc.is_tracked(node):
            if self._track is None:
                self._load()
            self._track(node)

    def _load(self) -> None:
        try:
            import ctypes

            if sys.implementation.name != "cpython":  # another interpreter's objects are not CPython's to untrack
                raise ImportError
            api = ctypes.pythonapi
            signature = ctypes.PYFUNCTYPE(None, ctypes.py_object)
            self._untrack = signature(("PyObject_GC_UnTrack", api))
            self._track = signature(("PyObject_GC_Track", api))
        except (ImportError, AttributeError):  # no C API to reach: every node stays tracked
            self._untrack = self._track = lambda node: None

    def walking(self) -> float:
        """A backward walk starts: nothing is untracked until it ends (`walked`); returns what to restore."""
        below, self.below = self.below, _WALKING
        return below

    def walked(self, below: float, seq: int) -> None:
        """A backward walk ended at seq: the depth counts afresh from there (an outer walk's own stays off)."""
        self.below = below if below == _WALKING else seq - DEPTH


deep = _Deep()
