"""elu, celu and selu at signed zeros: the calls tests/test_elu_zeros.py compares with PyTorch, and the recorder of
PyTorch's values and gradients (each zero's sign kept: json writes -0.0).

PyTorch's kernel (aten/src/ATen/native/cpu/Elu.h) takes the negative branch for x < 0 only, so elu(±0) is ±0 * scale
whatever alpha's sign; the backward's branch is x <= 0. Re-record with a PyTorch 2.13 interpreter:

    /path/to/torch/python tests/elu_zero_cases.py > tests/elu_zeros.json
"""

from __future__ import annotations

import json

# ±0 alone (the scalar path) and among other values past a vector's width (the vectorised path)
POINTS = {
    "zeros": [0.0, -0.0],
    "mixed": [0.0, -0.0, -1.0, 0.5, -0.0, 0.0, -3.0, 2.0, 0.0, -0.0, -0.25, 1.0, -0.0, 0.0, -0.5, 0.0, -0.0, 3.0, 0.0],
}
CALLS = {  # label -> (torch.nn.functional's name, keyword parameters)
    "elu": ("elu", {}),
    "elu_alpha": ("elu", {"alpha": 2.5}),
    "elu_negative": ("elu", {"alpha": -0.5}),
    "elu_negative_large": ("elu", {"alpha": -2.0}),
    "elu_zero_alpha": ("elu", {"alpha": 0.0}),
    "celu": ("celu", {}),
    "celu_negative": ("celu", {"alpha": -0.5}),
    "celu_alpha": ("celu", {"alpha": 0.3}),
    "selu": ("selu", {}),
}


def _record() -> dict:
    import torch
    import torch.nn.functional as F

    out = {"torch": torch.__version__, "calls": {}}
    for label, (name, params) in CALLS.items():
        for point, values in POINTS.items():
            for dtype_name in ("float32", "float64"):
                x = torch.tensor(values, dtype=getattr(torch, dtype_name), requires_grad=True)
                y = getattr(F, name)(x, **params)
                y.sum().backward()
                out["calls"][f"{label}/{point}/{dtype_name}"] = {"value": y.tolist(), "grad": x.grad.tolist()}
    return out


if __name__ == "__main__":
    print(json.dumps(_record(), indent=1))
