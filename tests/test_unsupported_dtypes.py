"""torch.float16 and torch.bfloat16 are names the engine knows and does not compute in: they print, compare and can be
assigned to `grad_dtype` (PyTorch's own grad_dtype docstring does), and a tensor of them is refused in one line."""

import pytest
from click.testing import CliRunner

import diffcheck
from diffcheck.cli import main


def test_the_names_print_and_compare_as_pytorchs():
    assert (repr(diffcheck.float16), repr(diffcheck.bfloat16)) == ("torch.float16", "torch.bfloat16")
    assert diffcheck.engine.TORCH_DTYPES["half"] is diffcheck.float16


def test_a_tensor_of_them_is_refused_by_the_library():
    with pytest.raises(ValueError, match=r"^torch\.float16 tensors are not supported by diffcheck's engine$"):
        diffcheck.zeros(2, dtype=diffcheck.float16)


@pytest.mark.parametrize(
    "call, column",
    [("torch.zeros(2, dtype=torch.float16)", 7), ("torch.tensor([1.0], dtype=torch.bfloat16)", 7)],
)
def test_run_refuses_a_tensor_of_them_in_one_line(call, column, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.py").write_text(f"import torch\nprint({call})\n")
    result = CliRunner().invoke(main, ["run", "s.py"])
    name = "bfloat16" if "bfloat16" in call else "float16"
    assert result.exit_code == 2
    assert result.stderr == (
        f"diffcheck: error: s.py:2:{column}: cannot run this on diffcheck's engine: torch.{name} tensors are not "
        "supported by diffcheck's engine\n"
    )


def test_grad_dtype_takes_them():
    x = diffcheck.tensor([1.0, 2.0], requires_grad=True)
    x.grad_dtype = diffcheck.float16
    assert x.grad_dtype is diffcheck.float16
