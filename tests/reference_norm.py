"""Float64 references for the normalization functions, written the obvious way with numpy
(two-pass mean and variance, textbook backward formulas). The test oracle: nothing here calls
fastact."""

import numpy as np

# The fused activations: forward, derivative and the kinks where the derivative jumps.
ACTIVATIONS = {
    "relu": (lambda v: np.maximum(v, 0.0), lambda v: (v > 0).astype(np.float64), (0.0,)),
    "relu6": (lambda v: np.clip(v, 0.0, 6.0),
              lambda v: ((v > 0) & (v < 6)).astype(np.float64), (0.0, 6.0)),
    "leaky_relu": (lambda v: np.where(v > 0, v, 0.01 * v), lambda v: np.where(v > 0, 1.0, 0.01),
                   (0.0,)),
    "hardtanh": (lambda v: np.clip(v, -1.0, 1.0),
                 lambda v: ((v > -1) & (v < 1)).astype(np.float64), (-1.0, 1.0)),
    None: (lambda v: v, lambda v: np.ones_like(v), ()),
}


def moments(x, axes):
    """Two-pass mean and biased variance in float64 over `axes` (kept as size-1 axes)."""
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return mean, var


def _bshape(ndim, axis):
    shape = [1] * ndim
    shape[axis] = -1
    return shape


def batch_norm(x, weight, bias, axis, eps, mean=None, var=None, activation=None):
    """y, pre-activation v, mean, biased var (float64). mean/var given: eval mode."""
    x = np.asarray(x, dtype=np.float64)
    axis = axis % x.ndim
    axes = tuple(i for i in range(x.ndim) if i != axis)
    sh = _bshape(x.ndim, axis)
    if mean is None:
        m, v = moments(x, axes)
    else:
        m = np.asarray(mean, np.float64).reshape(sh)
        v = np.asarray(var, np.float64).reshape(sh)
    xhat = (x - m) / np.sqrt(v + eps)
    w = np.ones(x.shape[axis]) if weight is None else np.asarray(weight, np.float64)
    b = np.zeros(x.shape[axis]) if bias is None else np.asarray(bias, np.float64)
    pre = xhat * w.reshape(sh) + b.reshape(sh)
    return ACTIVATIONS[activation][0](pre), pre, m.reshape(-1), v.reshape(-1)


def batch_norm_backward(g, x, weight, bias, axis, eps, training=True, mean=None, var=None,
                        activation=None):
    """(grad_input, grad_weight, grad_bias) in float64, from the textbook formula."""
    x = np.asarray(x, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    axis = axis % x.ndim
    axes = tuple(i for i in range(x.ndim) if i != axis)
    sh = _bshape(x.ndim, axis)
    _, pre, m, v = batch_norm(x, weight, bias, axis, eps, mean, var, activation)
    dv = g * ACTIVATIONS[activation][1](pre)
    invstd = 1.0 / np.sqrt(v + eps)
    xhat = (x - m.reshape(sh)) * invstd.reshape(sh)
    w = np.ones(x.shape[axis]) if weight is None else np.asarray(weight, np.float64)
    gb = dv.sum(axis=axes)
    gw = (dv * xhat).sum(axis=axes)
    k = (w * invstd).reshape(sh)
    if training:
        n = x.size // x.shape[axis]
        dx = k * (dv - gb.reshape(sh) / n - xhat * gw.reshape(sh) / n)
    else:
        dx = k * dv
    return dx, gw, gb


def layer_norm(x, k, weight, bias, eps):
    x = np.asarray(x, dtype=np.float64)
    axes = tuple(range(x.ndim - k, x.ndim))
    m, v = moments(x, axes)
    y = (x - m) / np.sqrt(v + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    bshape = x.shape[:x.ndim - k]
    return y, m.reshape(bshape), v.reshape(bshape)


def layer_norm_backward(g, x, k, weight, eps):
    x = np.asarray(x, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    axes = tuple(range(x.ndim - k, x.ndim))
    m, v = moments(x, axes)
    invstd = 1.0 / np.sqrt(v + eps)
    xhat = (x - m) * invstd
    gg = g * weight if weight is not None else g
    dx = invstd * (gg - gg.mean(axis=axes, keepdims=True)
                   - xhat * (gg * xhat).mean(axis=axes, keepdims=True))
    batch = tuple(range(x.ndim - k))
    return dx, (g * xhat).sum(axis=batch), g.sum(axis=batch)


def group_norm(x, G, weight, bias, eps):
    x = np.asarray(x, dtype=np.float64)
    N, C = x.shape[:2]
    xg = x.reshape(N, G, -1)
    m, v = moments(xg, (2,))
    y = ((xg - m) / np.sqrt(v + eps)).reshape(x.shape)
    sh = [1, C] + [1] * (x.ndim - 2)
    if weight is not None:
        y = y * np.asarray(weight).reshape(sh)
    if bias is not None:
        y = y + np.asarray(bias).reshape(sh)
    return y, m.reshape(N, G), v.reshape(N, G)


def group_norm_backward(g, x, G, weight, eps):
    x = np.asarray(x, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    N, C = x.shape[:2]
    sh = [1, C] + [1] * (x.ndim - 2)
    xg = x.reshape(N, G, -1)
    m, v = moments(xg, (2,))
    invstd = 1.0 / np.sqrt(v + eps)
    xhat = ((xg - m) * invstd).reshape(x.shape)
    gg = g * np.asarray(weight).reshape(sh) if weight is not None else g
    ggr = gg.reshape(N, G, -1)
    xhr = xhat.reshape(N, G, -1)
    dx = invstd * (ggr - ggr.mean(axis=2, keepdims=True)
                   - xhr * (ggr * xhr).mean(axis=2, keepdims=True))
    axes = (0,) + tuple(range(2, x.ndim))
    return dx.reshape(x.shape), (g * xhat).sum(axis=axes), g.sum(axis=axes)
