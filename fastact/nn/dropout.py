"""``Dropout``: inverted dropout (scale kept elements by 1 / (1 - p) in training, identity in
evaluation), the mask drawn from a seeded generator."""

import numpy as np

import fastact

from . import _init
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each element with probability p during training and scale the rest by
    1 / (1 - p); the identity in evaluation (and for p = 0). p = 1 zeroes everything.

    The mask comes from ``fastact.dropout`` (a counter-based generator); each call takes a
    fresh seed from the layer's generator (``rng``).
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
        y, mask = fastact.dropout(x, self.p, training=True, seed=seed)
        self._cache = ("mask", mask)
        return y

    def backward(self, grad_output):
        kind, mask = self._saved()
        if kind == "identity":
            return np.asarray(grad_output)
        if kind == "zero":
            return np.zeros_like(np.asarray(grad_output))
        return fastact.dropout_backward(grad_output, mask, self.p)

    def extra_repr(self):
        return f"p={self.p}"
