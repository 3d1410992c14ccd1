"""Straightforward numpy versions of the ops, written the way a user would (ufunc chains, with
out= where numpy makes it easy). Speed baselines only; the test oracle lives in tests/.

Activations: ``FORWARD[name](x, out, **params)``, ``BACKWARD[name](g, x, out, **params)`` and,
for the backwards that can take the forward's output y, ``BACKWARD_OUTPUT[name](g, y, out,
**params)``
(names as in the benchmark catalog: ``gelu_tanh`` is ``gelu(approximate='tanh')``).
Normalization, softmax cross-entropy and the initializers follow below them.
"""

import math

import numpy as np

try:  # numpy has no erf; a user with scipy reaches for scipy.special.erf
    from scipy.special import erf as _erf
except ImportError:  # pragma: no cover - scipy is a test extra
    _erf = None

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# ---------------------------------------------------------------- activations, forward
def relu(x, out):
    return np.maximum(x, 0, out=out)


def relu6(x, out):
    return np.clip(x, 0, 6, out=out)


def hardtanh(x, out, min_val=-1.0, max_val=1.0):
    return np.clip(x, min_val, max_val, out=out)


def leaky_relu(x, out, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


def threshold(x, out, threshold=0.0, value=0.0):
    return np.where(x > threshold, x, value)


def step(x, out):
    return np.heaviside(x, 0.0, out=out)


def prelu(x, out, weight=0.25, axis=1):
    w = np.asarray(weight)
    if w.ndim:
        w = np.expand_dims(w, tuple(i for i in range(x.ndim) if i != axis % x.ndim))
    return np.where(x > 0, x, w * x)


def rrelu(x, out, lower=1 / 8, upper=1 / 3, training=False):
    return leaky_relu(x, out, (lower + upper) / 2)


def sigmoid(x, out):
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def tanh(x, out):
    return np.tanh(x, out=out)


def softsign(x, out):
    return np.divide(x, 1 + np.abs(x), out=out)


def hardsigmoid(x, out):
    return np.clip(x / 6 + 0.5, 0, 1, out=out)


def hardswish(x, out):
    return np.multiply(x, np.clip(x + 3, 0, 6) / 6, out=out)


def elu(x, out, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(x))


def celu(x, out, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(x / alpha))


def selu(x, out):
    return _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(x))


def gelu(x, out):
    return np.multiply(0.5 * x, 1 + _erf(x / math.sqrt(2)), out=out)


def gelu_tanh(x, out):
    inner = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
    return np.multiply(0.5 * x, 1 + np.tanh(inner), out=out)


def gelu_sigmoid(x, out):
    return np.divide(x, 1 + np.exp(-1.702 * x), out=out)


def swish(x, out, beta=1.0):
    return np.divide(x, 1 + np.exp(-beta * x), out=out)


def silu(x, out):
    return swish(x, out)


def softplus(x, out, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


def mish(x, out):
    return np.multiply(x, np.tanh(np.log1p(np.exp(x))), out=out)


def softmax(x, out, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return np.divide(e, e.sum(axis=axis, keepdims=True), out=out)


def log_softmax(x, out, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return np.subtract(shifted, np.log(np.exp(shifted).sum(axis=axis, keepdims=True)), out=out)


def maxout(x, out, pieces=2, axis=-1):
    xs = np.moveaxis(x, axis, -1)
    return xs.reshape(*xs.shape[:-1], -1, pieces).max(axis=-1)


# ---------------------------------------------------------------- activations, backward
def _sig(x):
    return 1 / (1 + np.exp(-x))


def relu_backward(g, x, out):
    return np.multiply(g, x > 0, out=out)


def relu6_backward(g, x, out):
    return np.multiply(g, (x > 0) & (x < 6), out=out)


def hardtanh_backward(g, x, out, min_val=-1.0, max_val=1.0):
    return np.multiply(g, (x > min_val) & (x < max_val), out=out)


def leaky_relu_backward(g, x, out, negative_slope=0.01):
    return np.multiply(g, np.where(x > 0, 1.0, negative_slope).astype(x.dtype), out=out)


def threshold_backward(g, x, out, threshold=0.0, value=0.0):
    return np.multiply(g, x > threshold, out=out)


def step_backward(g, x, out):
    return np.multiply(g, 0, out=out)


def prelu_backward(g, x, out, weight=0.25, axis=1):
    w = np.asarray(weight)
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    neg = x <= 0
    grad_w = (g * x * neg).sum(axis=axes if w.ndim else None)
    wb = np.expand_dims(w, axes) if w.ndim else w
    return np.multiply(g, np.where(neg, wb, 1), out=out), grad_w


def rrelu_backward(g, x, out, lower=1 / 8, upper=1 / 3, training=False):
    return leaky_relu_backward(g, x, out, (lower + upper) / 2)


def sigmoid_backward(g, x, out):
    s = sigmoid(x, out)
    t = 1 - s
    out *= t
    out *= g
    return out


def tanh_backward(g, x, out):
    t = np.tanh(x)
    return np.multiply(g, 1 - t * t, out=out)


def softsign_backward(g, x, out):
    return np.divide(g, (1 + np.abs(x)) ** 2, out=out)


def hardsigmoid_backward(g, x, out):
    return np.multiply(g, ((x > -3) & (x < 3)) / 6, out=out)


def hardswish_backward(g, x, out):
    d = np.where(x < -3, 0, np.where(x > 3, 1, (2 * x + 3) / 6))
    return np.multiply(g, d, out=out)


def elu_backward(g, x, out, alpha=1.0):
    return np.multiply(g, np.where(x > 0, 1, alpha * np.exp(x)), out=out)


def celu_backward(g, x, out, alpha=1.0):
    return np.multiply(g, np.where(x > 0, 1, np.exp(x / alpha)), out=out)


def selu_backward(g, x, out):
    return np.multiply(g, _SELU_SCALE * np.where(x > 0, 1, _SELU_ALPHA * np.exp(x)), out=out)


def gelu_backward(g, x, out):
    cdf = 0.5 * (1 + _erf(x / math.sqrt(2)))
    pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return np.multiply(g, cdf + x * pdf, out=out)


def gelu_tanh_backward(g, x, out):
    t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
    d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
    return np.multiply(g, d, out=out)


def gelu_sigmoid_backward(g, x, out):
    s = _sig(1.702 * x)
    return np.multiply(g, s + 1.702 * x * s * (1 - s), out=out)


def swish_backward(g, x, out, beta=1.0):
    s = _sig(beta * x)
    ds = s * (1 - s)
    grad_beta = (g * x * x * ds).sum()
    return np.multiply(g, s + beta * x * ds, out=out), grad_beta


def silu_backward(g, x, out):
    s = _sig(x)
    return np.multiply(g, s * (1 + x * (1 - s)), out=out)


def softplus_backward(g, x, out, beta=1.0, threshold=20.0):
    return np.multiply(g, np.where(beta * x > threshold, 1, _sig(beta * x)), out=out)


def mish_backward(g, x, out):
    t = np.tanh(np.log1p(np.exp(x)))
    return np.multiply(g, t + x * (1 - t * t) * _sig(x), out=out)


def softmax_backward(g, x, out, axis=-1):
    y = softmax(x, None, axis)
    return np.multiply(y, g - (g * y).sum(axis=axis, keepdims=True), out=out)


def log_softmax_backward(g, x, out, axis=-1):
    y = softmax(x, None, axis)
    return np.subtract(g, y * g.sum(axis=axis, keepdims=True), out=out)


def maxout_backward(g, x, out, pieces=2, axis=-1):
    xs = np.moveaxis(x, axis, -1)
    groups = xs.reshape(*xs.shape[:-1], -1, pieces)
    idx = groups.argmax(axis=-1)[..., None]
    grad = np.zeros_like(groups)
    np.put_along_axis(grad, idx, np.moveaxis(g, axis, -1)[..., None], axis=-1)
    return np.moveaxis(grad.reshape(xs.shape), -1, axis)


# ---------------------------------------------------------------- backward from the output y
def sigmoid_backward_output(g, y, out):
    np.subtract(1, y, out=out)
    out *= y
    out *= g
    return out


def tanh_backward_output(g, y, out):
    return np.multiply(g, 1 - y * y, out=out)


def elu_backward_output(g, y, out, alpha=1.0):
    return np.multiply(g, np.where(y > 0, 1, y + alpha).astype(y.dtype), out=out)


def selu_backward_output(g, y, out):
    return np.multiply(g, np.where(y > 0, _SELU_SCALE, y + _SELU_SCALE * _SELU_ALPHA), out=out)


def softmax_backward_output(g, y, out, axis=-1):
    return np.multiply(y, g - (g * y).sum(axis=axis, keepdims=True), out=out)


def log_softmax_backward_output(g, y, out, axis=-1):
    return np.subtract(g, np.exp(y) * g.sum(axis=axis, keepdims=True), out=out)


FORWARD = {f.__name__: f for f in (
    relu, relu6, hardtanh, leaky_relu, threshold, step, prelu, rrelu, sigmoid, tanh, softsign,
    hardsigmoid, hardswish, elu, celu, selu, gelu_tanh, gelu_sigmoid, swish, silu, softplus,
    mish, softmax, log_softmax, maxout)}
BACKWARD = {f.__name__[:-len("_backward")]: f for f in (
    relu_backward, relu6_backward, hardtanh_backward, leaky_relu_backward, threshold_backward,
    step_backward, prelu_backward, rrelu_backward, sigmoid_backward, tanh_backward,
    softsign_backward, hardsigmoid_backward, hardswish_backward, elu_backward, celu_backward,
    selu_backward, gelu_tanh_backward, gelu_sigmoid_backward, swish_backward, silu_backward,
    softplus_backward, mish_backward, softmax_backward, log_softmax_backward, maxout_backward)}
BACKWARD_OUTPUT = {f.__name__[:-len("_backward_output")]: f for f in (
    sigmoid_backward_output, tanh_backward_output, elu_backward_output, selu_backward_output,
    softmax_backward_output, log_softmax_backward_output)}
# piecewise linear: the same mask on y as on x
BACKWARD_OUTPUT.update({name: BACKWARD[name] for name in ("relu", "relu6", "hardtanh",
                                                          "leaky_relu")})
if _erf is not None:
    FORWARD["gelu"], BACKWARD["gelu"] = gelu, gelu_backward


# ---------------------------------------------------------------- normalization
def _reduce_axes(x, axis):
    return tuple(i for i in range(x.ndim) if i != axis % x.ndim)


def _per_channel(v, x, axis):
    shape = [1] * x.ndim
    shape[axis % x.ndim] = -1
    return np.reshape(v, shape)


def batch_norm_train(x, weight, bias, axis=1, eps=1e-5):
    """(y, mean, invstd) with the batch statistics."""
    axes = _reduce_axes(x, axis)
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    invstd = 1 / np.sqrt(var + eps)
    y = (x - mean) * invstd * _per_channel(weight, x, axis) + _per_channel(bias, x, axis)
    return y, mean, invstd


def batch_norm_eval(x, weight, bias, running_mean, running_var, axis=1, eps=1e-5):
    scale = weight / np.sqrt(running_var + eps)
    shift = bias - running_mean * scale
    return x * _per_channel(scale, x, axis) + _per_channel(shift, x, axis)


def batch_norm_backward(g, x, weight, mean, invstd, axis=1, training=True):
    """(grad_input, grad_weight, grad_bias); mean and invstd as per-channel vectors."""
    axes = _reduce_axes(x, axis)
    m = _per_channel(mean, x, axis)
    s = _per_channel(invstd, x, axis)
    x_hat = (x - m) * s
    grad_bias = g.sum(axis=axes)
    grad_weight = (g * x_hat).sum(axis=axes)
    w = _per_channel(weight, x, axis)
    if not training:
        return g * (w * s), grad_weight, grad_bias
    n = x.size // x.shape[axis % x.ndim]
    dx = w * s * (g - _per_channel(grad_bias, x, axis) / n
                  - x_hat * _per_channel(grad_weight, x, axis) / n)
    return dx, grad_weight, grad_bias


def layer_norm(x, weight, bias, eps=1e-5):
    """Over the last axis: (y, mean, invstd)."""
    mean = x.mean(axis=-1, keepdims=True)
    invstd = 1 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    return (x - mean) * invstd * weight + bias, mean, invstd


def layer_norm_backward(g, x, weight, mean, invstd):
    x_hat = (x - mean) * invstd
    gw = g * weight
    dx = invstd * (gw - gw.mean(axis=-1, keepdims=True)
                   - x_hat * (gw * x_hat).mean(axis=-1, keepdims=True))
    return dx, (g * x_hat).sum(axis=0), g.sum(axis=0)


def group_norm(x, num_groups, weight, bias, eps=1e-5):
    """(N, C, *spatial): (y, mean, invstd) with statistics of shape (N, G, 1)."""
    N, C = x.shape[:2]
    xg = x.reshape(N, num_groups, -1)
    mean = xg.mean(axis=-1, keepdims=True)
    invstd = 1 / np.sqrt(xg.var(axis=-1, keepdims=True) + eps)
    y = ((xg - mean) * invstd).reshape(x.shape)
    return y * _per_channel(weight, x, 1) + _per_channel(bias, x, 1), mean, invstd


def group_norm_backward(g, x, num_groups, weight, mean, invstd):
    N, C = x.shape[:2]
    x_hat = ((x.reshape(N, num_groups, -1) - mean) * invstd).reshape(x.shape)
    axes = (0,) + tuple(range(2, x.ndim))
    grad_weight = (g * x_hat).sum(axis=axes)
    grad_bias = g.sum(axis=axes)
    gw = (g * _per_channel(weight, x, 1)).reshape(N, num_groups, -1)
    xh = x_hat.reshape(N, num_groups, -1)
    dx = invstd * (gw - gw.mean(axis=-1, keepdims=True)
                   - xh * (gw * xh).mean(axis=-1, keepdims=True))
    return dx.reshape(x.shape), grad_weight, grad_bias


def running_stats_update(state, batch):
    """Merge a (samples, features) batch into state = {'count', 'mean', 'm2'} (Chan)."""
    n = batch.shape[0]
    mean = batch.mean(axis=0, dtype=np.float64)
    m2 = ((batch - mean) ** 2).sum(axis=0)
    na = state["count"]
    total = na + n
    delta = mean - state["mean"]
    state["mean"] = state["mean"] + delta * (n / total)
    state["m2"] = state["m2"] + m2 + delta ** 2 * (na * n / total)
    state["count"] = total
    return state


# ---------------------------------------------------------------- softmax cross-entropy
def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of integer labels under softmax(logits)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=1))
    return float(np.mean(lse - shifted[np.arange(len(labels)), labels]))


def softmax_cross_entropy_backward(logits, labels):
    """Gradient of the mean cross-entropy with respect to the logits."""
    p = softmax(logits, None, 1)
    p[np.arange(len(labels)), labels] -= 1
    p /= len(labels)
    return p


# ---------------------------------------------------------------- initializers
def _fans(shape):
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _trunc_normal(rng, shape, std, dtype):
    w = rng.normal(0.0, std, shape)
    bad = np.abs(w) > 2 * std
    while bad.any():  # resample the tail, as a user would
        w[bad] = rng.normal(0.0, std, bad.sum())
        bad = np.abs(w) > 2 * std
    return w.astype(dtype)


def _orthogonal(rng, shape, dtype):
    rows, cols = shape[0], math.prod(shape[1:])
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    return (q.T if rows < cols else q).reshape(shape).astype(dtype)


INIT = {
    "uniform": lambda rng, shape, dtype: rng.uniform(0.0, 1.0, shape).astype(dtype),
    "normal": lambda rng, shape, dtype: rng.normal(0.0, 1.0, shape).astype(dtype),
    "trunc_normal": lambda rng, shape, dtype: _trunc_normal(rng, shape, 1.0, dtype),
    "xavier_uniform": lambda rng, shape, dtype: (
        lambda a: rng.uniform(-a, a, shape).astype(dtype))(math.sqrt(6 / sum(_fans(shape)))),
    "xavier_normal": lambda rng, shape, dtype: rng.normal(
        0.0, math.sqrt(2 / sum(_fans(shape))), shape).astype(dtype),
    "kaiming_uniform": lambda rng, shape, dtype: (
        lambda a: rng.uniform(-a, a, shape).astype(dtype))(math.sqrt(6 / _fans(shape)[0])),
    "kaiming_normal": lambda rng, shape, dtype: rng.normal(
        0.0, math.sqrt(2 / _fans(shape)[0]), shape).astype(dtype),
    "lecun_normal": lambda rng, shape, dtype: rng.normal(
        0.0, math.sqrt(1 / _fans(shape)[0]), shape).astype(dtype),
    "orthogonal": _orthogonal,
}
