"""Issue 16's elementwise ops and activations: the calls tests/test_elementwise_rows.py compares with PyTorch, and
the recorder of PyTorch's answers (values, gradients, grad_fn names, next_functions, dtypes, error texts).

Re-record with a PyTorch 2.13 interpreter (diffcheck need not be installed there):

    /path/to/torch/python tests/elementwise_cases.py > tests/elementwise.json

A call is (spelling, tensor arguments, keyword parameters). The spelling is `torch.NAME`, `Tensor.NAME` (a method),
`F.NAME` (torch.nn.functional) or an operator `a % b`; a tensor argument is the name of a list in POINTS, a Python
number stays as it is; a name given twice is one tensor (`a % a`: x % x). Each call runs in float32 and float64, every tensor requiring grad, and backward from the sum.
"""

from __future__ import annotations

import json
import math

UNARY = [-7.0, -3.0, -2.5, -1.0, -0.5, -0.0, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 6.0, 7.0, 30.0]
POINTS = {
    "x": UNARY,
    "pos": [0.0, 0.125, 0.5, 1.0, 2.0, 10.0, 1e-3, 100.0],  # log2, log10, rsqrt (0: the pole)
    "a": [-3.0, -1.5, 0.0, 0.5, 2.5, 4.5, -0.0, 3.0, 1.0],  # binary ops: a with b
    "b": [2.0, -2.0, 1.5, -0.5, 1.0, 1.5, 1.0, -1.5, 0.0],
    "zeros": [0.0, -0.0, 0.0, 1.0],  # atan2 at the origin: PyTorch's gradient 0 there
    "signed_zeros": [0.0, 0.0, -0.0, 0.0],
    "non_finite": [math.nan, math.inf, -math.inf, 0.0, -0.0, -2.0],  # sign(nan) is 0 (log2(-1) is nan)
    # lerp's weights either side of |w| = 1/2 (its two formulas), addcdiv's denominators
    "w": [0.25, -0.5, 0.5, 0.75, 1.5, -0.25, 0.0, 1.0, 0.49],
    "c": [0.5, -1.25, 2.0, 3.0, -0.75, 1.5, 0.25, -2.0, 1.0],
    "unit": [0.0, 1.0, 0.25, 0.5, 0.9, 1e-3, -0.5, 1.5, 0.05, 0.95],  # logit: its poles, outside [0, 1], eps's bounds
    "xlog": [0.0, 0.0, 0.0, 1.5, -2.0, 0.0, 2.5],  # xlogy at x = 0: y > 0, y = 0, y < 0, nan
    "ylog": [2.0, 0.0, -1.0, 0.0, -1.0, math.nan, 3.0],
}

CALLS = {
    # special functions and logarithms
    "erf": ("torch.erf", ["x"], {}),
    "erf_method": ("Tensor.erf", ["x"], {}),
    "erfc": ("torch.erfc", ["x"], {}),
    "exp2": ("torch.exp2", ["x"], {}),
    "log2": ("torch.log2", ["pos"], {}),
    "log10": ("Tensor.log10", ["pos"], {}),
    "rsqrt": ("torch.rsqrt", ["pos"], {}),
    # piecewise constant (gradient 0; frac's 1)
    "sign": ("torch.sign", ["x"], {}),
    "floor": ("torch.floor", ["x"], {}),
    "ceil": ("Tensor.ceil", ["x"], {}),
    "round": ("torch.round", ["x"], {}),
    "trunc": ("torch.trunc", ["x"], {}),
    "frac": ("torch.frac", ["x"], {}),
    # two arguments
    "atan2": ("torch.atan2", ["a", "b"], {}),
    "arctan2": ("torch.arctan2", ["a", "b"], {}),
    "atan2_origin": ("torch.atan2", ["zeros", "signed_zeros"], {}),
    "fmod_number": ("torch.fmod", ["a", 1.5], {}),
    "fmod_tensor": ("torch.fmod", ["a", "b"], {}),
    "remainder_number": ("torch.remainder", ["a", 1.5], {}),
    "remainder_tensor": ("Tensor.remainder", ["a", "b"], {}),
    "mod_operator": ("a % b", ["a", "b"], {}),
    "mod_operator_number": ("a % b", ["a", -1.5], {}),
    "floor_divide_tensor": ("torch.floor_divide", ["a", "b"], {}),
    "floordiv_operator": ("a // b", ["a", 1.5], {}),
    "rmod_operator": ("a % b", [2.0, "b"], {}),
    # one tensor on both sides: a value 0 (nan at 0), d/da 1 and d/db -floor(a/b) = -1 add up to 0
    "mod_self": ("a % b", ["x", "x"], {}),
    "fmod_self": ("torch.fmod", ["x", "x"], {}),
    "remainder_self": ("torch.remainder", ["a", "a"], {}),
    "sign_non_finite": ("torch.sign", ["non_finite"], {}),
    # activations
    "logsigmoid": ("F.logsigmoid", ["x"], {}),
    "hardtanh": ("F.hardtanh", ["x"], {}),
    "hardtanh_bounds": ("F.hardtanh", ["x"], {"min_val": -0.5, "max_val": 2.5}),
    "relu6": ("F.relu6", ["x"], {}),
    "leaky_relu": ("F.leaky_relu", ["x"], {}),
    "leaky_relu_slope": ("F.leaky_relu", ["x"], {"negative_slope": 0.2}),
    "elu": ("F.elu", ["x"], {}),
    "elu_alpha": ("F.elu", ["x"], {"alpha": 2.5}),
    "selu": ("F.selu", ["x"], {}),
    "selu_torch": ("torch.selu", ["x"], {}),
    "celu": ("F.celu", ["x"], {}),
    "celu_alpha": ("torch.celu", ["x"], {"alpha": 0.3}),
    "gelu": ("F.gelu", ["x"], {}),
    "gelu_none": ("F.gelu", ["x"], {"approximate": "none"}),
    "gelu_tanh": ("F.gelu", ["x"], {"approximate": "tanh"}),
    "silu": ("F.silu", ["x"], {}),
    "mish": ("F.mish", ["x"], {}),
    "softsign": ("F.softsign", ["x"], {}),
    "hardsigmoid": ("F.hardsigmoid", ["x"], {}),
    "hardswish": ("F.hardswish", ["x"], {}),
    # blends of three tensors and two-argument functions (ops/blends.py, ops/elementwise.py)
    "addcmul": ("torch.addcmul", ["a", "b", "c"], {}),
    "addcmul_value": ("Tensor.addcmul", ["a", "b", "c"], {"value": 0.3}),
    "addcdiv": ("torch.addcdiv", ["a", "b", "c"], {}),
    "addcdiv_value": ("torch.addcdiv", ["a", "b", "c"], {"value": -1.7}),
    "lerp_number": ("torch.lerp", ["a", "b", 0.3], {}),
    "lerp_number_large": ("Tensor.lerp", ["a", "b", 0.7], {}),
    "lerp_tensor": ("torch.lerp", ["a", "b", "w"], {}),
    "hypot": ("torch.hypot", ["a", "b"], {}),
    "hypot_origin": ("torch.hypot", ["zeros", "signed_zeros"], {}),
    "logaddexp": ("torch.logaddexp", ["a", "b"], {}),
    "xlogy": ("torch.xlogy", ["xlog", "ylog"], {}),
    "xlogy_method": ("Tensor.xlogy", ["a", "b"], {}),
    "logit": ("torch.logit", ["unit"], {}),
    "logit_eps": ("torch.logit", ["unit"], {"eps": 0.05}),
    "sinc": ("torch.sinc", ["x"], {}),
    "nan_to_num": ("torch.nan_to_num", ["non_finite"], {}),
    "nan_to_num_values": ("Tensor.nan_to_num", ["non_finite"], {"nan": 1.5, "posinf": 2.0, "neginf": -3.0}),
}

# Calls PyTorch refuses: (spelling, arguments, parameters, where: "forward", "backward", or "run": checked through
# `diffcheck run`'s torch surface)
ERRORS = {
    "gelu_bad_approximate": ("F.gelu", ["x"], {"approximate": "tanhh"}, "forward"),
    "floor_divide_backward": ("torch.floor_divide", ["a", "b"], {}, "backward"),
    "floordiv_operator_backward": ("a // b", ["a", 2.0], {}, "backward"),
    "floordiv_self_backward": ("a // b", ["x", "x"], {}, "backward"),
    "rmod_backward": ("a % b", [2.0, "b"], {}, "backward"),
    "atan2_number": ("torch.atan2", ["a", 2.0], {}, "run"),  # diffcheck's library takes it; `run` refuses
}


def _number(value: float):
    return value if math.isfinite(value) else str(value)


def _record() -> dict:
    import torch
    import torch.nn.functional as F

    def function(spelling: str):
        if spelling == "a % b":
            return lambda a, b, **p: a % b
        if spelling == "a // b":
            return lambda a, b, **p: a // b
        space, name = spelling.split(".")
        if space == "Tensor":
            return lambda t, *rest, **p: getattr(t, name)(*rest, **p)
        return getattr({"torch": torch, "F": F}[space], name)

    def arguments(args, dtype):
        made = {a: torch.tensor(POINTS[a], dtype=dtype, requires_grad=True) for a in args if isinstance(a, str)}
        return [made[a] if isinstance(a, str) else a for a in args]

    def name_of(node):
        return None if node is None else node.name()

    out = {"torch": torch.__version__, "calls": {}, "errors": {}}
    for label, (spelling, args, params) in CALLS.items():
        entry = out["calls"][label] = {}
        for dtype_name in ("float32", "float64"):
            dtype = getattr(torch, dtype_name)
            tensors = arguments(args, dtype)
            y = function(spelling)(*tensors, **params)
            record = {
                "value": [_number(v) for v in y.tolist()],
                "dtype": str(y.dtype).replace("torch.", ""),
                "grad_fn": y.grad_fn.name() if y.grad_fn is not None else None,
                "next_functions": [[name_of(n), i] for n, i in y.grad_fn.next_functions],
            }
            try:
                y.sum().backward()
                record["grads"] = [
                    [_number(v) for v in t.grad.tolist()] if t.grad is not None else None
                    for t in dict.fromkeys(t for t in tensors if isinstance(t, torch.Tensor))
                ]
            except RuntimeError as error:
                record["backward_error"] = str(error)
            entry[dtype_name] = record
    for label, (spelling, args, params, where) in ERRORS.items():
        tensors = arguments(args, torch.float64)
        try:
            y = function(spelling)(*tensors, **params)
            y.sum().backward()
        except (RuntimeError, TypeError) as error:
            out["errors"][label] = {"type": type(error).__name__, "text": str(error), "where": where}
    return out


if __name__ == "__main__":
    print(json.dumps(_record(), indent=1))
