"""saved_tensors_hooks in `run` reads what each node saves from PyTorch's recording (tests/saved_hooks.json, by
tests/saved_hooks_cases.py with /tmp/torch/bin/python); its copy in the package must agree, and an op the recording
does not list is refused in one line (the session tests/sessions/saved_hooks.txt pins the rest)."""

import json
from pathlib import Path

from click.testing import CliRunner

from diffcheck.cli import main
from diffcheck.snippet.saved_table import SAVED

RECORDED = json.loads((Path(__file__).resolve().parent / "saved_hooks.json").read_text(encoding="utf-8"))


def test_the_package_copy_is_the_recording():
    copy = {
        op: {combo: {"grad_fn": g, "pack": list(p), "unpack": list(u)} for combo, (g, p, u) in cases.items()}
        for op, cases in SAVED.items()
    }
    assert copy == RECORDED
    # PyTorch packs by op and by which inputs require grad: mul saves only what the other input's gradient needs
    assert SAVED["mul"] == {
        "ct": ("MulBackward0", ("self",), ("self",)),
        "tc": ("MulBackward0", ("other",), ("other",)),
        "tt": ("MulBackward0", ("other", "self"), ("other", "self")),
    }


def test_an_op_not_recorded_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.py").write_text(
        "import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "with torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):\n"
        "    y = x.sin()\n    z = x ** 3\n"
    )
    result = CliRunner().invoke(main, ["run", "--quiet", "s.py"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "diffcheck: error: s.py:5:9: saved_tensors_hooks around PowBackward0 is not supported\n"
