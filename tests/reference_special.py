"""Float64 (and long double) references for the non-elementwise activations, written the
obvious way with numpy (PyTorch's formulas and special-value behaviour)."""

import numpy as np


def channel_shape(ndim, axis, C):
    """The shape that broadcasts a per-channel vector of C along `axis` of an ndim array."""
    shape = [1] * ndim
    shape[axis] = C
    return shape


def prelu(x, w, axis=1):
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    if w.size > 1:
        w = w.reshape(channel_shape(x.ndim, axis, w.size))
    else:
        w = w.reshape(())
    return np.where(x > 0, x, w * x)


def prelu_derivative(x, w, axis=1):
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    w = w.reshape(channel_shape(x.ndim, axis, w.size)) if w.size > 1 else w.reshape(())
    d = np.where(x > 0, 1.0, w)
    return np.where(np.isnan(x), np.nan, d)


def prelu_backward(g, x, w, axis=1):
    """(grad_input, grad_weight) in float64; grad_weight of w's shape."""
    g = np.asarray(g, np.float64)
    x = np.asarray(x, np.float64)
    gi = g * prelu_derivative(x, w, axis)
    contrib = np.where(x > 0, 0.0, g * x)
    w = np.asarray(w)
    if w.size > 1:
        other = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
        gw = contrib.sum(axis=other)
    else:
        gw = contrib.sum()
    return gi, np.reshape(gw, w.shape)


def softmax(x, axis=-1, dtype=np.longdouble):
    x = np.asarray(x, dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
        e = np.exp(x - m)
        return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis=-1, dtype=np.longdouble):
    x = np.asarray(x, dtype)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
        return (x - m) - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def softmax_backward(g, y, axis=-1):
    g = np.asarray(g, np.longdouble)
    y = np.asarray(y, np.longdouble)
    return y * (g - (g * y).sum(axis=axis, keepdims=True))


def log_softmax_backward(g, y, axis=-1):
    g = np.asarray(g, np.longdouble)
    y = np.asarray(y, np.longdouble)
    return g - np.exp(y) * g.sum(axis=axis, keepdims=True)


def _grouped(x, pieces, axis):
    """x with `axis` split into (groups, pieces), the pieces axis right after the groups."""
    axis %= x.ndim
    shape = x.shape[:axis] + (x.shape[axis] // pieces, pieces) + x.shape[axis + 1:]
    return x.reshape(shape), axis + 1


def maxout(x, pieces, axis=-1):
    grouped, pa = _grouped(np.asarray(x, np.float64), pieces, axis)
    return np.max(grouped, axis=pa)


def maxout_backward(g, x, pieces, axis=-1):
    x = np.asarray(x, np.float64)
    grouped, pa = _grouped(x, pieces, axis)
    winner = np.argmax(grouped, axis=pa)  # first maximum; first NaN when there is one
    onehot = np.arange(pieces).reshape([-1 if i == pa else 1 for i in range(grouped.ndim)])
    onehot = onehot == np.expand_dims(winner, pa)
    gi = np.where(onehot, np.expand_dims(np.asarray(g, np.float64), pa), 0.0)
    return gi.reshape(x.shape)
