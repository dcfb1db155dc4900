"""Tensors whose repr tests/test_tensor_repr.py compares with PyTorch's, and the recorder of PyTorch's reprs.

Each case builds its values in plain Python (float64), so PyTorch and diffcheck round them to float32 the same way.
Re-record with a PyTorch 2.13 interpreter (diffcheck need not be installed there):

    /path/to/torch/python tests/tensor_repr_cases.py > tests/tensor_repr.json
"""

from __future__ import annotations

import json


def _grid(rows, cols, f):
    return [[f(i, j) for j in range(cols)] for i in range(rows)]


# name -> (values, dtype, requires_grad, then: "" or "mul2", the tensor times 2, a MulBackward0 result)
CASES = {
    # summarised (over 1000 elements): 1-D, 2-D, 3-D, with and without suffixes
    "arange2000": ([float(i) for i in range(2000)], "float32", False, ""),
    "arange2000_grad": ([float(i) for i in range(2000)], "float32", True, ""),
    "arange2000_mul": ([float(i) for i in range(2000)], "float32", True, "mul2"),
    "sevenths1500": ([i / 7 for i in range(1500)], "float32", False, ""),
    "linspace2000": ([-1 + 2 * i / 1999 for i in range(2000)], "float32", True, ""),
    "matrix50x50": (_grid(50, 50, lambda i, j: (i * 50 + j) / 10), "float32", False, ""),
    "matrix50x50_mul": (_grid(50, 50, lambda i, j: (i - j) / 3), "float32", True, "mul2"),
    "wide3x2000": (_grid(3, 2000, lambda i, j: float(i * 2000 + j)), "float32", False, ""),
    "tall2000x3": (_grid(2000, 3, lambda i, j: i / 4 - j), "float32", True, ""),
    "huge_sci": ([(1.5 ** (i % 90)) * (-1) ** i for i in range(1200)], "float32", False, ""),
    "tiny_sci": ([1e-6 * (i + 1) for i in range(1500)], "float32", True, ""),
    "integral_sci": ([float(10 ** (i % 12)) for i in range(1100)], "float32", False, ""),
    "nonfinite_edges": (
        [float("nan"), float("inf"), 1.5] + [0.25] * 1000 + [2.0, float("-inf"), -3.0],
        "float32",
        False,
        "",
    ),
    "float64_2000": ([i / 3 for i in range(2000)], "float64", True, ""),
    "float64_mul": (_grid(40, 40, lambda i, j: i * j / 8), "float64", True, "mul2"),
    "ints2000": (list(range(-1000, 1000)), "int64", False, ""),
    "ints40x40": (_grid(40, 40, lambda i, j: i * j * 1000), "int64", False, ""),
    "bools1200": ([i % 3 == 0 for i in range(1200)], "bool", False, ""),
    "cube10x10x20": ([_grid(10, 20, lambda i, j, k=k: k + i / 10 + j / 100) for k in range(10)], "float32", False, ""),
    "cube4x5x60": (
        [_grid(5, 60, lambda i, j, k=k: float(k * 300 + i * 60 + j)) for k in range(4)],
        "float32",
        True,
        "mul2",
    ),
    "cube3x3x200": ([_grid(3, 200, lambda i, j, k=k: (k - i) * j / 9) for k in range(3)], "float64", False, ""),
    # not summarised: suffixes wrap at 80 columns as PyTorch's _add_suffixes does
    "short_wrap": ([1e10] * 6, "float32", True, ""),
    "short_wrap_row": ([[1e10] * 6], "float32", True, ""),
    "short_wrap64": ([1.5, 2.25, 3.125, 4.0625, 5.5, 6.75, 7.875, 8.5], "float64", True, "mul2"),
    "exactly_1000": ([i / 8 for i in range(1000)], "float32", False, ""),
    # empty tensors: the size unless 1-D, the dtype unless the default one
    "empty": ([], "float32", False, ""),
    "empty_int": ([], "int64", False, ""),
    "empty_float64": ([], "float64", False, ""),
    "empty_0x3": ([], "float32", False, "zeros0x3"),
}


def _record() -> dict:
    import torch

    dtypes = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64, "bool": torch.bool}
    reprs = {}
    for name, (values, dtype, requires_grad, then) in CASES.items():
        if then == "zeros0x3":
            t = torch.zeros(0, 3, dtype=dtypes[dtype])
        else:
            t = torch.tensor(values, dtype=dtypes[dtype], requires_grad=requires_grad)
        reprs[name] = repr(t * 2 if then == "mul2" else t)
    return {"torch": torch.__version__, "reprs": reprs}


if __name__ == "__main__":
    print(json.dumps(_record(), indent=1, ensure_ascii=False))
