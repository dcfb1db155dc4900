"""The public Python API: `dir(diffcheck)` lists it, `diffcheck.check(...)` and `diffcheck.verify(...)` return typed
results without raising for a disagreement, and the package stays cheap to import."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

import diffcheck
from diffcheck.errors import DiffcheckError

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_dir_lists_the_api():
    names = dir(diffcheck)
    assert {"check", "verify", "CheckResult", "TensorResult", "Batch", "testing", "tensor", "__version__"} <= set(names)
    assert "annotations" not in names and all(not n.startswith("_") or n == "__version__" for n in names)


def test_check_returns_a_typed_result_and_never_raises_for_a_disagreement():
    result = diffcheck.check("y = x * x + sin(x)", {"x": 2.0})
    assert isinstance(result, diffcheck.CheckResult) and dataclasses.is_dataclass(result)
    assert not result.failed
    x = next(t for t in result.tensors if t.name == "x")
    # (cos 2 + 2) + 2, accumulated as PyTorch does: one ulp from 4 + cos 2
    assert isinstance(x, diffcheck.TensorResult) and (x.engine, x.status) == (3.583853163452858, "match")
    strict = diffcheck.check("relu(x)", {"x": 0.0}, strict=True)
    assert strict.failed  # an explained difference fails under strict: a result, not an exception


def test_check_takes_engines_by_name_and_refuses_bad_input_with_diffcheck_error():
    assert diffcheck.check("x * y", {"x": 1.0, "y": 2.0}, engine="diffcheck", no_grad=("y",)).failed is False
    with pytest.raises(DiffcheckError, match="unknown function 'sinn'"):
        diffcheck.check("sinn(x)", {"x": 1.0})


def test_verify_returns_the_batch_with_the_commands_exit_code():
    batch = diffcheck.verify(SAMPLES / "arithmetic.toml", jobs=1)
    assert isinstance(batch, diffcheck.Batch)
    assert batch.report.return_code == 0 and {o.status for o in batch.outcomes} == {"pass"}


def test_importing_diffcheck_loads_neither_sympy_nor_numpy():
    code = "import sys, diffcheck; dir(diffcheck); print('sympy' in sys.modules, 'numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout == "False False\n"


def test_importing_a_submodule_by_name_does_not_load_the_engine():
    """`from diffcheck import defaults` asks the package's __getattr__ first: the CLI's start-up (`--version`, and
    `verify` before its fork server starts) must not pay for NumPy and the op table there."""
    code = (
        "import sys; from diffcheck import defaults, errors; import diffcheck.cli.verify_command; "
        "print('numpy' in sys.modules, 'diffcheck.engine' in sys.modules, defaults.__name__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout == "False False diffcheck.defaults\n"
    assert not hasattr(diffcheck, "not_a_name")
