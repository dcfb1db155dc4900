"""torch.nn.functional's losses spelled in jax.numpy for the JAX engine (engines/jax.py): mse_loss, l1_loss,
smooth_l1_loss, huber_loss, binary_cross_entropy, binary_cross_entropy_with_logits, nll_loss and cross_entropy (class
and probability targets, `label_smoothing`, `ignore_index`), each with `reduction='mean' | 'sum' | 'none'`.

Written from the losses' definitions (PyTorch's documented formulas: the log clamp of binary_cross_entropy at -100,
nll_loss's mean over the kept targets' weights), not from the rows' NumPy, so JAX is an independent opinion; each is
tested against its row's forward. Called with the row's arguments and parameter names; a weight is an array.
"""

from __future__ import annotations

from typing import Callable


def losses(jax, jnp) -> dict[str, Callable]:
    """Row name -> the loss as a jax function of the row's arguments and parameters."""
    nn = jax.nn

    def reduce(loss, reduction):
        return loss if reduction == "none" else jnp.mean(loss) if reduction == "mean" else jnp.sum(loss)

    def smooth_l1(x, y, reduction="mean", beta=1.0):
        z = jnp.abs(x - y)
        if beta == 0:  # PyTorch's l1_loss; the quadratic branch would divide by 0 (nan in JAX's unused branch)
            return reduce(z, reduction)
        return reduce(jnp.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta), reduction)

    def huber(x, y, reduction="mean", delta=1.0):
        z = jnp.abs(x - y)
        return reduce(jnp.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta)), reduction)

    def bce(x, y, weight=None, reduction="mean"):
        loss = -(y * jnp.maximum(jnp.log(x), -100.0) + (1 - y) * jnp.maximum(jnp.log1p(-x), -100.0))
        return reduce(loss if weight is None else loss * weight, reduction)

    def bce_with_logits(x, y, weight=None, reduction="mean", pos_weight=None):
        log_sigmoid = nn.log_sigmoid(x)
        if pos_weight is not None:
            log_sigmoid = log_sigmoid * ((pos_weight - 1) * y + 1)
        loss = (1 - y) * x - log_sigmoid
        return reduce(loss if weight is None else loss * weight, reduction)

    def class_weights(x, weight):
        return jnp.ones(x.shape[-1], x.dtype) if weight is None else jnp.asarray(weight, x.dtype)

    def nll(x, target, weight=None, reduction="mean", ignore_index=-100):
        """-x[i, target_i] * weight[target_i], 0 for an ignored target; 'mean' divides by the kept weights' sum."""
        t = jnp.reshape(jnp.asarray(target), -1)
        keep = t != ignore_index
        safe = jnp.where(keep, t, 0)
        picked = jnp.take_along_axis(jnp.reshape(x, (-1, x.shape[-1])), safe[:, None], axis=1)[:, 0]
        w = jnp.where(keep, class_weights(x, weight)[safe], 0.0)
        loss = -picked * w
        if reduction == "none":
            return loss if x.ndim == 2 else loss[0]
        return jnp.sum(loss) / jnp.sum(w) if reduction == "mean" else jnp.sum(loss)

    def cross_entropy(x, target, weight=None, reduction="mean", ignore_index=-100, label_smoothing=0.0):
        """nll_loss of log_softmax over the classes; smoothed: (1 - ls) nll + ls / C * (-sum(log_softmax * w))."""
        logp = nn.log_softmax(x, axis=-1)  # the class dim: an input here is (C,) or (N, C)
        loss = nll(logp, target, weight, reduction, ignore_index)
        if not label_smoothing > 0:
            return loss
        t = jnp.reshape(jnp.asarray(target), -1)
        keep = t != ignore_index
        w = class_weights(x, weight)
        smooth = jnp.where(jnp.reshape(keep, t.shape if x.ndim == 2 else ()), -jnp.sum(logp * w, axis=-1), 0.0)
        if reduction == "mean":
            smooth = jnp.sum(smooth) / jnp.sum(jnp.where(keep, w[jnp.where(keep, t, 0)], 0.0))
        elif reduction == "sum":
            smooth = jnp.sum(smooth)
        return (1 - label_smoothing) * loss + label_smoothing / x.shape[-1] * smooth

    def cross_entropy_probs(x, target, weight=None, reduction="mean", ignore_index=-100, label_smoothing=0.0):
        """-sum(log_softmax * target * weight) over the classes; a smoothed target is (1 - ls) target + ls / C."""
        classes = x.shape[-1]
        target = target * (1 - label_smoothing) + label_smoothing / classes if label_smoothing > 0 else target
        loss = -jnp.sum(nn.log_softmax(x, axis=-1) * target * class_weights(x, weight), axis=-1)
        if reduction == "none":
            return loss
        return jnp.sum(loss) / (x.size // classes) if reduction == "mean" else jnp.sum(loss)

    return {
        "mse_loss": lambda x, y, reduction="mean": reduce((x - y) * (x - y), reduction),
        "l1_loss": lambda x, y, reduction="mean": reduce(jnp.abs(x - y), reduction),
        "smooth_l1_loss": smooth_l1,
        "huber_loss": huber,
        "binary_cross_entropy": bce,
        "binary_cross_entropy_with_logits": bce_with_logits,
        "nll_loss": nll,
        "cross_entropy": cross_entropy,
        "cross_entropy_probs": cross_entropy_probs,
    }
