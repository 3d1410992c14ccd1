"""Losses with their gradients in one call: ``softmax_cross_entropy`` (fused, numerically
stable) and ``mse_loss``."""

import numpy as np

from . import _arrays
from ._ext import _kernels

__all__ = ["softmax_cross_entropy", "mse_loss"]


def _labels(labels, n, num_classes):
    lab = labels if isinstance(labels, np.ndarray) else np.asarray(labels)
    if lab.dtype.kind not in "iu":
        raise TypeError(f"labels must be an integer array, got dtype {lab.dtype}")
    if lab.shape != (n,):
        raise ValueError(f"labels must have shape ({n},) (one per row of logits), got "
                         f"{lab.shape}")
    if n and (lab.min() < 0 or lab.max() >= num_classes):
        raise ValueError(f"labels must be in [0, {num_classes}), got values in "
                         f"[{lab.min()}, {lab.max()}]")
    return np.ascontiguousarray(lab, dtype=np.int64)


def softmax_cross_entropy(logits, labels, reduction="mean"):
    """Cross-entropy of softmax(logits) against integer labels, and its gradient.

    loss_i = logsumexp(logits_i) - logits_i[labels_i], with logsumexp computed as
    m + log(sum(exp(logits_i - m))), m = max(logits_i) (stable for any finite logits);
    grad_i = (softmax(logits_i) - onehot(labels_i)) * scale.

    Parameters
    ----------
    logits : array_like (N, C), real; float32/float64 natively (others promote like np.exp).
    labels : integer array_like (N,), each in [0, C).
    reduction : 'mean' (scale 1/N) or 'sum' (scale 1).

    Returns
    -------
    (loss, grad_logits): loss a Python float (the mean or sum over rows, 0.0 for N = 0),
    grad_logits of logits' shape and result dtype.
    """
    x = _arrays.as_input(logits, "logits")
    if x.ndim != 2:
        raise ValueError(f"logits must have shape (N, C), got {x.shape}")
    n, c = x.shape
    if c < 1:
        raise ValueError("logits must have at least one class (C >= 1)")
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    lab = _labels(labels, n, c)
    rdtype = _arrays.result_dtype((x, "logits"))
    cdtype = _arrays.compute_dtype(rdtype)
    scale = 1.0 / n if reduction == "mean" and n else 1.0
    xw = _arrays.work_array(x, cdtype)
    grad = np.empty((n, c), dtype=cdtype)
    losses = np.empty(n, dtype=np.float64)
    _kernels.softmax_xent(xw, lab, scale, grad, losses)
    return float(losses.sum() * scale), grad.astype(rdtype, copy=False)


def mse_loss(pred, target, reduction="mean"):
    """Mean squared error and its gradient with respect to pred.

    loss = sum((pred - target)^2) * scale, grad = 2 * (pred - target) * scale, with
    scale = 1 / pred.size for 'mean', 1 for 'sum'. pred and target must have one shape.

    Returns (loss as a Python float, grad of pred's shape and result dtype).
    """
    p = _arrays.as_input(pred, "pred")
    t = _arrays.as_input(target, "target")
    if p.shape != t.shape:
        raise ValueError(f"target has shape {t.shape}, expected {p.shape} (the shape of pred)")
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    rdtype = _arrays.result_dtype((p, "pred"), (t, "target"))
    scale = 1.0 / p.size if reduction == "mean" and p.size else 1.0
    d = np.asarray(p, np.float64) - np.asarray(t, np.float64)
    return float(np.dot(d.ravel(), d.ravel()) * scale), (2.0 * scale * d).astype(rdtype)

