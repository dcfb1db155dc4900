"""matmul of every rank, bmm, outer, F.linear, addmm, t, T, mT, transpose and permute against PyTorch 2.13
(tests/shape_cases.py, tests/shapes.json): the graphs PyTorch's _matmul_impl builds (SqueezeBackward4 over
MmBackward0, UnsafeViewBackward0 over BmmBackward0 of expands, the folds into mm and mv), values and gradients, and
the error texts of bad arguments. Products are BLAS's in PyTorch and NumPy's here: equal to the last bit or within
1e-15 relative."""

import pytest

from shape_recording import RECORDED, cases, check, raises
from test_shape_ops import LINALG_ERRORS


@cases("linalg")
def test_values_gradients_graphs_and_views_as_pytorch(case):
    check(case, exact=False)


ERRORS = [e for e in RECORDED["errors"] if any(k in e["expression"] for k in LINALG_ERRORS)]


@pytest.mark.parametrize("error", ERRORS, ids=[e["expression"] for e in ERRORS])
def test_bad_arguments_raise_pytorchs_error(error):
    raises(error)
