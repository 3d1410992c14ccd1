"""``Linear``: y = x W^T + b, the weight stored (out_features, in_features) as in PyTorch."""

import numpy as np

from . import _init
from .module import Module

__all__ = ["Linear"]


def _check_features(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


class Linear(Module):
    """Fully connected layer: y = x @ weight.T + bias over the last axis of x.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, whether to learn an additive bias (shape (out_features,)).
    init : the weight initializer (see ``fastact.nn._init``): None picks
        ``fastact.init.recommended`` for the activation that follows the layer in a
        ``Sequential`` (or ``nonlinearity``), else PyTorch's default U(+-1/sqrt(in_features)).
        The bias is PyTorch's default U(+-1/sqrt(in_features)) when init is None, and zero
        when an init is given (the convention of the initialization literature).
    nonlinearity : str or fastact Activation, optional: the activation that follows, for the
        default init.
    rng : np.random.Generator, int seed or None.
    dtype : float32 (default) or float64, the parameters' dtype.

    Shapes: x (*, in_features) -> y (*, out_features).
    """

    def __init__(self, in_features, out_features, bias=True, init=None, nonlinearity=None,
                 rng=None, dtype=np.float32):
        super().__init__()
        self.in_features = _check_features("in_features", in_features)
        self.out_features = _check_features("out_features", out_features)
        self.init = init
        self.nonlinearity = nonlinearity
        self.dtype = np.dtype(dtype)
        self._rng = _init.make_rng(rng)
        self._add_param("weight", _init.weight((self.out_features, self.in_features), init,
                                               nonlinearity, self._rng, self.dtype))
        if bias and init is None:
            self._add_param("bias", _init.bias(self.out_features, self.in_features, self._rng,
                                               self.dtype))
        elif bias:
            self._add_param("bias", np.zeros(self.out_features, dtype=self.dtype))

    def _init_for_activation(self, activation):
        """Re-draw the default weight for the activation that follows (called by Sequential)."""
        if self.init is None and self.nonlinearity is None and _init.init_module() is not None:
            self.nonlinearity = activation
            self.params["weight"][...] = _init.weight(self.params["weight"].shape, None,
                                                      activation, self._rng, self.dtype)

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear expected input (*, {self.in_features}), got shape "
                             f"{x.shape}")
        w = self.params["weight"]
        y = np.matmul(x, w.T)
        if "bias" in self.params:
            y += self.params["bias"]
        self._cache = x
        return y

    def backward(self, grad_output):
        x = self._saved()
        g = np.asarray(grad_output)
        w = self.params["weight"]
        g2 = g.reshape(-1, self.out_features)
        x2 = x.reshape(-1, self.in_features)
        self.grads["weight"] += (g2.T @ x2).astype(w.dtype, copy=False)
        if "bias" in self.params:
            self.grads["bias"] += g2.sum(axis=0, dtype=w.dtype)
        return np.matmul(g, w)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={'bias' in self.params}")
