"""``Dropout``: inverted dropout (scale kept elements by 1 / (1 - p) in training, identity in
evaluation), the mask drawn from a seeded generator."""

import numpy as np

import fastact

from . import _init
from .module import Module

__all__ = ["Dropout"]


def _numpy_dropout(x, p, seed):
    """Stand-in while this build has no ``fastact.dropout``: (y, mask) with mask the boolean
    keep mask (kept with probability 1 - p) from numpy's PCG64 generator."""
    x = np.asarray(x)
    mask = np.random.default_rng(seed).random(x.shape) >= p
    scale = x.dtype.type(1.0 / (1.0 - p)) if x.dtype.kind == "f" else 1.0 / (1.0 - p)
    return np.where(mask, x * scale, x.dtype.type(0) if x.dtype.kind == "f" else 0.0), mask


def _numpy_dropout_backward(grad, mask, p):
    grad = np.asarray(grad)
    scale = grad.dtype.type(1.0 / (1.0 - p)) if grad.dtype.kind == "f" else 1.0 / (1.0 - p)
    return np.where(mask, grad * scale, 0 * grad)


class Dropout(Module):
    """Zero each element with probability p during training and scale the rest by
    1 / (1 - p); the identity in evaluation (and for p = 0). p = 1 zeroes everything.

    The mask comes from ``fastact.dropout`` (a counter-based generator) when this build has it,
    else from numpy; each call takes a fresh seed from the layer's generator (``rng``).
    """

    passes_activation = True

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        p = float(p)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability p must be in [0, 1], got {p}")
        self.p = p
        self._rng = _init.make_rng(rng)

    def forward(self, x):
        if not self.training or self.p == 0.0:
            self._cache = ("identity", None)
            return np.asarray(x)
        if self.p == 1.0:
            x = np.asarray(x)
            self._cache = ("zero", None)
            return np.zeros_like(x, dtype=np.result_type(x.dtype, np.float32))
        seed = int(self._rng.integers(0, 2**63 - 1))
        if hasattr(fastact, "dropout"):
            y, mask = fastact.dropout(x, self.p, training=True, seed=seed)
        else:
            y, mask = _numpy_dropout(x, self.p, seed)
        self._cache = ("mask", mask)
        return y

    def backward(self, grad_output):
        kind, mask = self._saved()
        if kind == "identity":
            return np.asarray(grad_output)
        if kind == "zero":
            return np.zeros_like(np.asarray(grad_output))
        if hasattr(fastact, "dropout_backward"):
            return fastact.dropout_backward(grad_output, mask, self.p)
        return _numpy_dropout_backward(grad_output, mask, self.p)

    def extra_repr(self):
        return f"p={self.p}"
