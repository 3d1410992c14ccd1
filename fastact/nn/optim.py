"""Optimizers over (param, grad) pairs, updating the parameters in place with PyTorch's
formulas (``SGD``, ``Adam``), and gradient clipping (``clip_grad_norm_``,
``clip_grad_value_``)."""

import math

import numpy as np

from .._arrays import work_array
from .._ext import _kernels
from .module import Module

__all__ = ["Optimizer", "SGD", "Adam", "clip_grad_norm_", "clip_grad_value_"]


def _pairs(params):
    """A list of (param, grad) ndarray pairs from a Module or an iterable of pairs."""
    if isinstance(params, Module):
        params = params.parameters()
    pairs = []
    for i, item in enumerate(params):
        if not (isinstance(item, tuple) and len(item) == 2):
            raise TypeError(f"params[{i}] must be a (param, grad) pair of ndarrays, got "
                            f"{type(item).__name__}")
        p, g = item
        if not isinstance(p, np.ndarray) or not isinstance(g, np.ndarray) or p.shape != g.shape:
            raise TypeError(f"params[{i}] must be a (param, grad) pair of ndarrays of one shape")
        pairs.append((p, g))
    return pairs


def _grads(grads):
    """The gradient arrays from a Module, (param, grad) pairs or gradient arrays."""
    if isinstance(grads, Module):
        return [g for _, g in grads.parameters()]
    if isinstance(grads, np.ndarray):
        return [grads]
    return [item[1] if isinstance(item, tuple) else item for item in grads]


def _nonneg(name, value):
    value = float(value)
    if not value >= 0.0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


class Optimizer:
    """Base class: holds the (param, grad) pairs; ``step()`` updates, ``zero_grad()`` zeroes."""

    def __init__(self, params, lr):
        self.pairs = _pairs(params)
        self.lr = _nonneg("lr", lr)
        self.state = [{} for _ in self.pairs]

    def zero_grad(self):
        """Set every gradient to zero."""
        for _, g in self.pairs:
            g.fill(0)

    def step(self):
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with PyTorch's momentum:
    g = grad + weight_decay * p; buf = momentum * buf + (1 - dampening) * g (buf = g at the
    first step); g = g + momentum * buf if nesterov else buf; p -= lr * g."""

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0):
        super().__init__(params, lr)
        self.momentum = _nonneg("momentum", momentum)
        self.dampening = float(dampening)
        self.nesterov = bool(nesterov)
        self.weight_decay = _nonneg("weight_decay", weight_decay)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov momentum requires momentum > 0 and dampening = 0")

    def step(self):
        """One update of every parameter, in place."""
        for (p, grad), state in zip(self.pairs, self.state):
            g = grad + p * p.dtype.type(self.weight_decay) if self.weight_decay else grad
            if self.momentum:
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = np.array(g, dtype=p.dtype)
                else:
                    buf *= self.momentum
                    buf += (1.0 - self.dampening) * g
                g = g + self.momentum * buf if self.nesterov else buf
            p -= (self.lr * g).astype(p.dtype, copy=False)


class Adam(Optimizer):
    """Adam (PyTorch's formulas; weight_decay is L2 added to the gradient):
    m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        b1, b2 = (float(b) for b in betas)
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"betas must be in [0, 1), got {betas}")
        self.betas = (b1, b2)
        self.eps = _nonneg("eps", eps)
        self.weight_decay = _nonneg("weight_decay", weight_decay)
        self.t = 0

    def step(self):
        """One update of every parameter, in place."""
        self.t += 1
        b1, b2 = self.betas
        bc1 = 1.0 - b1 ** self.t
        bc2_sqrt = math.sqrt(1.0 - b2 ** self.t)
        for (p, grad), state in zip(self.pairs, self.state):
            g = grad + p * p.dtype.type(self.weight_decay) if self.weight_decay else grad
            if not state:
                state["exp_avg"] = np.zeros_like(p)
                state["exp_avg_sq"] = np.zeros_like(p)
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            denom = np.sqrt(v) / bc2_sqrt + self.eps
            p -= ((self.lr / bc1) * m / denom).astype(p.dtype, copy=False)


def clip_grad_norm_(grads, max_norm, norm_type=2.0):
    """Scale the gradients in place so their joint norm is at most max_norm.

    total = (sum over every element of every gradient of |g|^norm_type)^(1/norm_type)
    (norm_type 2 by default, or inf for the max); when total > max_norm every gradient is
    multiplied by max_norm / (total + 1e-6). `grads`: a Module, (param, grad) pairs or arrays.
    Returns the total norm before clipping (a Python float). The 2-norm is one fused pass per
    gradient (a compiled float64 sum of squares, independent of the thread count).
    """
    arrays = _grads(grads)
    max_norm = _nonneg("max_norm", max_norm)
    norm_type = float(norm_type)
    if norm_type == math.inf:
        total = max((float(np.max(np.abs(g))) for g in arrays if g.size), default=0.0)
    elif norm_type == 2.0:
        total = math.sqrt(sum(_sum_squares(g) for g in arrays))
    elif norm_type > 0:
        total = sum(float(np.sum(np.abs(g.astype(np.float64)) ** norm_type))
                    for g in arrays) ** (1.0 / norm_type)
    else:
        raise ValueError(f"norm_type must be > 0 or inf, got {norm_type}")
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in arrays:
            g *= g.dtype.type(coef)
    return total


def _sum_squares(g):
    """sum(g**2) in float64 by the compiled blocked reduction (float32/float64 read as is)."""
    dtype = g.dtype if g.dtype in (np.float32, np.float64) else np.float64
    return _kernels.sum_squares(work_array(g, dtype))


def clip_grad_value_(grads, clip_value):
    """Clip every gradient element to [-clip_value, clip_value], in place."""
    clip_value = _nonneg("clip_value", clip_value)
    for g in _grads(grads):
        np.clip(g, -clip_value, clip_value, out=g)
