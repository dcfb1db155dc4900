"""sum's and mean's backward under create_graph=True build PyTorch 2.13's nodes (sum_backward: one unsqueeze per
reduced dim, then expand; mean's: that over a Scalar count, DivBackward1), and differentiating that first derivative
with respect to its grad_outputs goes back through them as PyTorch does (unsqueeze's backward is squeeze(dim),
SqueezeBackward1: what jvp(create_graph=True) shows). Recorded by tests/reduction_graph_cases.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diffcheck import engine
from reduction_graph_cases import CASES, graphs  # tests/ is on sys.path under pytest

RECORDED = json.loads((Path(__file__).resolve().parent / "reduction_graphs.json").read_text(encoding="utf-8"))


class _Torch:
    """The few names graphs() reads, on the engine."""

    float64 = engine.float64
    ones = staticmethod(lambda shape, dtype, requires_grad: engine.tensor(_ones(shape), requires_grad=requires_grad))

    class autograd:  # noqa: N801 - torch.autograd's spelling
        @staticmethod
        def grad(output, inputs, grad_outputs, create_graph):
            return engine.grad([output], [inputs], [grad_outputs], create_graph=create_graph)


def _ones(shape):
    import numpy as np

    return np.ones(shape)


OURS = graphs(_Torch)


@pytest.mark.parametrize("label", sorted(CASES))
def test_reduction_backward_has_pytorchs_nodes(label):
    assert OURS[label] == RECORDED["graphs"][label]
