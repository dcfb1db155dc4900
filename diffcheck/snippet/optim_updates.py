"""`diffcheck run`, torch.optim's arithmetic: one update of one parameter per optimizer, as PyTorch's single-tensor
implementations (`_single_tensor_sgd`, `_single_tensor_adam`, `_single_tensor_rmsprop`: what CPU tensors run, foreach
being for CUDA) compute it, operation by operation in the parameter's dtype. Its CPU kernels fuse `a + alpha * b` (add
with alpha, lerp, addcmul) into one fused multiply-add, so those are fma here too; addcdiv is `self + (value * t1) /
t2`, unfused. Pinned against torch 2.13 by tests/test_run_optim.py (tests/optim.json, from
tests/record_torch_optim.py). Each update takes the parameter, its gradient, its state (a dict of NumPy values the
update fills and replaces) and its group, and returns the new value.
"""

from __future__ import annotations

import numpy as np

from ..engine.mt19937 import _fma32, _fma64


def fma(a, b, c):
    """a * b + c rounded once, in the dtype of `c` (b a Python number: cast to that dtype first, as a Scalar is)."""
    dtype = np.asarray(c).dtype
    shape = np.broadcast_shapes(np.shape(a), np.shape(c))
    a, b, c = (np.atleast_1d(np.asarray(v, dtype)) for v in (a, b, c))  # the fma helpers index their arrays
    return (_fma32 if dtype == np.float32 else _fma64)(a, b, c).astype(dtype).reshape(shape)


def times(a, number):
    return (np.asarray(a) * np.asarray(number, np.asarray(a).dtype)).astype(np.asarray(a).dtype)


def sgd_update(p, g, state: dict, group: dict):
    """_single_tensor_sgd for one parameter: the new value (state holds the momentum buffer)."""
    g = -g if group["maximize"] else g
    if group["weight_decay"] != 0:
        g = fma(p, group["weight_decay"], g)  # grad.add(param, alpha=weight_decay)
    momentum = group["momentum"]
    if momentum != 0:
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = np.array(g, copy=True)
        else:
            buf = fma(g, 1 - group["dampening"], times(buf, momentum))  # buf.mul_(momentum).add_(grad, alpha=1 - d)
        state["momentum_buffer"] = buf
        g = fma(buf, momentum, g) if group["nesterov"] else buf
    return fma(g, -group["lr"], p)  # param.add_(grad, alpha=-lr)


def lerp(start, end, weight: float):
    """Tensor.lerp_ with a number weight, PyTorch's CPU formula: start + w * (end - start) for |w| < 0.5, else
    end - (end - start) * (1 - w), each product fused with its sum."""
    dtype = np.asarray(start).dtype
    diff = (end - start).astype(dtype)
    if abs(weight) < 0.5:
        return fma(diff, weight, start)
    return fma(-diff, np.asarray(1, dtype) - np.asarray(weight, dtype), end)


def adam_update(p, g, state: dict, group: dict):
    """_single_tensor_adam for one parameter (capturable and differentiable off): the new value."""
    dtype = p.dtype
    g = -g if group["maximize"] else g
    if not state:
        state.update(step=np.float32(0), exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(p)
    state["step"] = np.float32(state["step"] + np.float32(1))
    lr, (beta1, beta2), eps, decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
    if decay != 0:
        if group["decoupled_weight_decay"]:
            p = times(p, 1 - lr * decay)  # param.mul_(1 - lr * weight_decay)
        else:
            g = fma(p, decay, g)
    state["exp_avg"] = lerp(state["exp_avg"], g, 1 - beta1)
    # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2): self + (value * t1) * t2, fused
    state["exp_avg_sq"] = fma(times(g, 1 - beta2), g, times(state["exp_avg_sq"], beta2))
    step = float(state["step"])
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = lr / bias_correction1
    second = state["exp_avg_sq"]
    if group["amsgrad"]:
        state["max_exp_avg_sq"] = second = np.maximum(state["max_exp_avg_sq"], second)
    # the exact square root: PyTorch's vectorised one (Sleef) is 1 ulp off for about 1 element in 6
    denom = (np.sqrt(second) / np.asarray(bias_correction2**0.5, dtype)).astype(dtype) + np.asarray(eps, dtype)
    quotient = (times(state["exp_avg"], -step_size) / denom).astype(dtype)  # addcdiv_: self + value * t1 / t2
    return (p + quotient).astype(dtype)


def rmsprop_update(p, g, state: dict, group: dict):
    """_single_tensor_rmsprop for one parameter: the new value."""
    dtype = p.dtype
    g = -g if group["maximize"] else g
    if not state:
        state.update(step=np.float32(0), square_avg=np.zeros_like(p))
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(p)
    state["step"] = np.float32(state["step"] + np.float32(1))
    lr, alpha, eps, decay, momentum = (group[k] for k in ("lr", "alpha", "eps", "weight_decay", "momentum"))
    if decay != 0:
        g = fma(p, decay, g)  # grad.add(param, alpha=weight_decay)
    # square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha): self + (value * t1) * t2, fused
    square = state["square_avg"] = fma(times(g, 1 - alpha), g, times(state["square_avg"], alpha))
    if group["centered"]:
        mean = state["grad_avg"] = lerp(state["grad_avg"], g, 1 - alpha)
        square = fma(-mean, mean, square)  # square_avg.addcmul(grad_avg, grad_avg, value=-1)
    avg = (np.sqrt(square) + np.asarray(eps, dtype)).astype(dtype)
    if momentum > 0:  # buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, alpha=-lr)
        buf = state["momentum_buffer"] = (times(state["momentum_buffer"], momentum) + g / avg).astype(dtype)
        return fma(buf, -lr, p)
    return (p + times(g, -lr) / avg).astype(dtype)  # param.addcdiv_(grad, avg, value=-lr)


UPDATES = {"SGD": sgd_update, "Adam": adam_update, "AdamW": adam_update, "RMSprop": rmsprop_update}
