"""Normalization: BatchNorm, LayerNorm and GroupNorm (forward and backward, stateless), and
``RunningStats`` (streaming per-feature mean and variance).

Formulas follow PyTorch: normalize with the biased batch variance, keep the unbiased one in the
running variance, ``running = (1 - momentum) * running + momentum * batch``.

Conventions shared by every function here:

- ``x`` (and ``grad_output``) follow the array conventions of ``fastact._arrays``: float32 and
  float64 natively, other real dtypes promote like ``np.exp`` (float16 is computed in float32);
  the result has x's shape and that dtype. Parameters (``weight``, ``bias``, running and saved
  statistics) are converted to float64 for the computation and never change the result dtype.
- C-contiguous and Fortran-contiguous inputs are used in place (Fortran order as its C-ordered
  transpose); any other layout is copied to a contiguous array first. ``out=`` (exact shape and
  dtype, checked before anything is written) may be the input itself; a non-contiguous or
  overlapping ``out`` receives a copy of the result.
- Statistics are computed in float64 for every dtype (blocked shifted sums merged with Chan's
  formula in a fixed tree), so they are exact for data far from zero and bit-identical for any
  thread count and CPU capability. The saved statistics (``save_mean``, ``save_invstd``) are
  returned in float64, so the backward recomputes exactly what the forward did.
- ``activation`` fuses a piecewise-linear activation after the affine map: None, ``'relu'``,
  ``'relu6'``, ``'leaky_relu'`` (slope 0.01) or ``('leaky_relu', slope)``, ``'hardtanh'``
  ((-1, 1)) or ``('hardtanh', min_val, max_val)``. The backward recomputes the activation's mask
  from x and the saved statistics, so it needs no extra workspace (pass the forward's ``bias``).
"""

import math
import operator

import numpy as np

from . import _arrays
from ._ext import _kernels

__all__ = [
    "batch_norm", "batch_norm_backward", "layer_norm", "layer_norm_backward", "group_norm",
    "group_norm_backward", "RunningStats", "NORM_ACTIVATIONS",
]

_NAN = float("nan")

# name -> (parameter names with defaults, (lo, hi, slope) from those parameters)
NORM_ACTIVATIONS = {
    "relu": ((), lambda: (0.0, _NAN, 1.0)),
    "relu6": ((), lambda: (0.0, 6.0, 1.0)),
    "leaky_relu": ((("negative_slope", 0.01),), lambda s: (_NAN, _NAN, s)),
    "hardtanh": ((("min_val", -1.0), ("max_val", 1.0)), lambda lo, hi: (lo, hi, 1.0)),
}


# ---------------------------------------------------------------- argument checks
def _number(name, value, minimum=None):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _count(name, value, minimum=0):
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got bool")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(value).__name__}") from None
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _activation(spec):
    """(lo, hi, slope) of a fused activation, or None."""
    if spec is None:
        return None
    if isinstance(spec, str):
        name, args = spec, ()
    elif isinstance(spec, tuple) and spec and isinstance(spec[0], str):
        name, args = spec[0], spec[1:]
    else:
        raise TypeError(f"activation must be None, a name or a (name, *params) tuple, got "
                        f"{spec!r}")
    if name not in NORM_ACTIVATIONS:
        raise ValueError(f"activation {name!r} cannot be fused; expected one of "
                         f"{sorted(NORM_ACTIVATIONS)}")
    params, make = NORM_ACTIVATIONS[name]
    if len(args) > len(params):
        raise ValueError(f"activation {name!r} takes at most {len(params)} parameters, got "
                         f"{len(args)}")
    values = [_number(f"activation {name} {p}", a) for (p, _), a in zip(params, args)]
    values += [d for _, d in params[len(values):]]
    if name == "hardtanh" and values[0] > values[1]:
        raise ValueError(f"activation hardtanh needs min_val <= max_val, got {values}")
    return make(*values)


def _axis(axis, ndim, name="axis"):
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(axis).__name__}") from None
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim, msg_prefix=name)
    return axis % ndim


def _channel_vector(value, name, C):
    """A per-channel parameter as a contiguous float64 vector of C, or None."""
    if value is None:
        return None
    arr = _arrays.as_input(value, name)
    if arr.shape != (C,):
        raise ValueError(f"{name} has shape {arr.shape}, expected ({C},)")
    return np.ascontiguousarray(arr, dtype=np.float64)


def _running(value, name, C):
    """A running statistic: a writeable float ndarray of shape (C,), updated in place."""
    if value is None:
        return None
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray (it is updated in place), got "
                        f"{type(value).__name__}")
    if value.dtype.kind != "f":
        raise TypeError(f"{name} must have a floating dtype, got {value.dtype}")
    if value.shape != (C,):
        raise ValueError(f"{name} has shape {value.shape}, expected ({C},)")
    return value


def _same_shape(a, name, shape, like):
    if a.shape != shape:
        raise ValueError(f"{name} has shape {a.shape}, expected {shape} (the shape of {like})")


# ---------------------------------------------------------------- layouts
def _oriented(x):
    """True when x is used through its C-contiguous transpose (Fortran-ordered input)."""
    return x.ndim > 1 and x.flags.f_contiguous and not x.flags.c_contiguous


def _work(a, dtype, transposed):
    """The kernel's C-contiguous view of `a` (its transpose when `transposed`)."""
    return _arrays.work_array(a.T if transposed else a, dtype)


def _split(shape, axis):
    """(outer, C, inner) of a C-contiguous shape around the channel axis."""
    outer = math.prod(shape[:axis])
    C = shape[axis]
    inner = math.prod(shape[axis + 1:])
    if C == 1:  # one channel: one contiguous run
        return 1, 1, outer * inner
    return outer, C, inner


class _Result:
    """Where a kernel writes a result of x's shape (`target`, C-contiguous in the kernel's
    orientation), and how the result reaches the caller (`result()`)."""

    def __init__(self, out, shape, rdtype, cdtype, transposed, inputs):
        self.out = out
        self.rdtype = rdtype
        self.transposed = transposed
        self.direct = False
        if out is not None:
            _arrays.check_out(out, shape, rdtype)
            view = out.T if transposed else out
            self.direct = (out.dtype == cdtype and view.flags.c_contiguous and view.flags.aligned
                           and all(not np.shares_memory(out, a) or _arrays._is_same_view(out, a)
                                   for a in inputs))
            if self.direct:
                self.target = view
                return
        self.target = np.empty(shape[::-1] if transposed else shape, dtype=cdtype)

    def result(self):
        y = self.target.T if self.transposed else self.target
        if self.out is None:
            return y if y.dtype == self.rdtype else y.astype(self.rdtype)
        if not self.direct:
            self.out[...] = y
        return self.out


def _prepare(x, name="x"):
    x = _arrays.as_input(x, name)
    rdtype = _arrays.result_dtype((x, name))
    return x, rdtype, _arrays.compute_dtype(rdtype)


# ---------------------------------------------------------------- BatchNorm
def _one_value_error(x):
    return ValueError("expected more than 1 value per channel when training, got input size "
                      f"{tuple(x.shape)}")


def _channels(x, axis, weight, bias):
    """(channel axis, C, weight, bias as float64 (C,) vectors or None) of a BatchNorm call."""
    if x.ndim == 0:
        raise ValueError("x must have at least one axis (the channel axis)")
    ax = _axis(axis, x.ndim)
    C = x.shape[ax]
    return ax, C, _channel_vector(weight, "weight", C), _channel_vector(bias, "bias", C)


def batch_norm(x, weight=None, bias=None, running_mean=None, running_var=None, training=True,
               momentum=0.1, eps=1e-5, axis=1, activation=None, out=None):
    """Batch normalization over every axis except `axis`, optionally fused with an activation.

    y = act((x - mean) / sqrt(var + eps) * weight + bias), per channel c = index along `axis`.
    Training: mean and the biased var are the batch's; the running statistics, when given, are
    updated in place: running_mean = (1 - momentum) * running_mean + momentum * mean,
    running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1).
    Eval (training=False): the running statistics are used (folded into one scale and shift per
    channel, one pass over x).

    Parameters
    ----------
    x : array_like, any N-D shape, e.g. (N, C), (N, C, L), NCHW (axis=1), NHWC (axis=-1).
    weight, bias : array_like of shape (C,), optional (no affine when None).
    running_mean, running_var : ndarray of shape (C,), float dtype, optional; updated in place.
        Required when training=False. Cumulative averaging (PyTorch's momentum=None) is the
        layer's job: pass momentum = 1 / num_batches_tracked.
    training : bool
    momentum : float in any range (0 keeps, 1 replaces the running statistics).
    eps : float >= 0
    axis : int, the channel axis.
    activation : None or a fused activation (see the module docstring).
    out : ndarray, optional, for y.

    Returns
    -------
    (y, save_mean, save_invstd): y of x's shape; float64 vectors (C,) of the statistics used
    (eval: the running mean and 1/sqrt(running_var + eps)) for ``batch_norm_backward``.
    """
    x, rdtype, cdtype = _prepare(x)
    act = _activation(activation)
    eps = _number("eps", eps, 0.0)
    ax, C, w, b = _channels(x, axis, weight, bias)
    rm = _running(running_mean, "running_mean", C)
    rv = _running(running_var, "running_var", C)
    if (rm is None) != (rv is None):
        raise ValueError("running_mean and running_var must be given together")
    training = bool(training)
    n = math.prod(x.shape) // C if C else math.prod(s for i, s in enumerate(x.shape) if i != ax)
    if training:
        if rm is not None:
            if momentum is None:
                raise ValueError("momentum=None (cumulative average) needs the number of "
                                 "batches: pass momentum=1/num_batches_tracked")
            momentum = _number("momentum", momentum)
        if n <= 1:
            raise _one_value_error(x)
    elif rm is None:
        raise ValueError("running_mean and running_var are required when training=False")
    transposed = _oriented(x)
    res = _Result(out, x.shape, rdtype, cdtype, transposed, (x,))
    xw = _work(x, cdtype, transposed)
    kax = x.ndim - 1 - ax if transposed else ax
    outer, Ck, inner = _split(xw.shape, kax)
    if training:
        mean, var, invstd = _kernels.norm_forward_train(xw, res.target, outer, Ck, inner, w, b,
                                                        eps, act)
        if rm is not None:
            unbiased = var * (n / (n - 1))
            rm[...] = (1.0 - momentum) * rm.astype(np.float64) + momentum * mean
            rv[...] = (1.0 - momentum) * rv.astype(np.float64) + momentum * unbiased
    else:
        mean = np.array(rm, dtype=np.float64)
        invstd = _kernels.norm_forward_eval(xw, res.target, outer, Ck, inner, mean,
                                            np.ascontiguousarray(rv, dtype=np.float64), w, b,
                                            eps, act)
    return res.result(), mean, invstd


def batch_norm_backward(grad_output, x, weight, save_mean, save_invstd, axis=1, training=True,
                        activation=None, bias=None, out=None):
    """Backward of ``batch_norm``: gradients with respect to x, weight and bias.

    With v = (x - mean) * invstd * weight + bias, dv = grad_output * act'(v) and
    x_hat = (x - mean) * invstd:
    training: grad_input = weight * invstd * (dv - mean(dv) - x_hat * mean(dv * x_hat)), the means
    over the channel's elements; eval (frozen statistics): grad_input = weight * invstd * dv.
    grad_weight = sum(dv * x_hat), grad_bias = sum(dv) per channel.

    Parameters
    ----------
    grad_output, x : array_like of the same shape.
    weight : array_like (C,) or None (no affine).
    save_mean, save_invstd : array_like (C,): as returned by ``batch_norm`` (for an eval-mode
        backward: the running mean and 1/sqrt(running_var + eps)).
    axis, training, activation : as in the forward.
    bias : array_like (C,) or None; needed only with a fused activation (its mask).
    out : ndarray, optional, for grad_input (may be grad_output or x).

    Returns
    -------
    (grad_input, grad_weight, grad_bias): grad_input of x's shape; grad_weight and grad_bias of
    shape (C,) in the result dtype (computed even when weight is None: the gradient of a unit
    scale and a zero shift).
    """
    g = _arrays.as_input(grad_output, "grad_output")
    x = _arrays.as_input(x, "x")
    _same_shape(g, "grad_output", x.shape, "x")
    rdtype = _arrays.result_dtype((g, "grad_output"), (x, "x"))
    cdtype = _arrays.compute_dtype(rdtype)
    act = _activation(activation)
    ax, C, w, b = _channels(x, axis, weight, bias)
    mean = _channel_vector(save_mean, "save_mean", C)
    invstd = _channel_vector(save_invstd, "save_invstd", C)
    if mean is None or invstd is None:
        raise TypeError("save_mean and save_invstd are required")
    transposed = _oriented(x)
    res = _Result(out, x.shape, rdtype, cdtype, transposed, (g, x))
    xw = _work(x, cdtype, transposed)
    gw_ = _work(g, cdtype, transposed)
    kax = x.ndim - 1 - ax if transposed else ax
    outer, Ck, inner = _split(xw.shape, kax)
    gwt, gbs = _kernels.norm_backward(gw_, xw, res.target, outer, Ck, inner, mean, invstd, w, b,
                                      act, bool(training))
    return res.result(), gwt.astype(rdtype), gbs.astype(rdtype)


# ---------------------------------------------------------------- LayerNorm
def _normalized(x, normalized_ndim):
    k = _count("normalized_ndim", normalized_ndim, 1)
    if k > x.ndim:
        raise ValueError(f"normalized_ndim={k} exceeds x.ndim={x.ndim}")
    nshape = x.shape[x.ndim - k:]
    return k, nshape, math.prod(x.shape[:x.ndim - k]), math.prod(nshape)


def _elementwise_param(value, name, nshape, cdtype):
    if value is None:
        return None
    arr = _arrays.as_input(value, name)
    if arr.shape != nshape:
        raise ValueError(f"{name} has shape {arr.shape}, expected {nshape}")
    return _arrays.work_array(arr, cdtype).reshape(-1)


def layer_norm(x, normalized_ndim=1, weight=None, bias=None, eps=1e-5, out=None):
    """Layer normalization over the last `normalized_ndim` axes.

    y = (x - mean) / sqrt(var + eps) * weight + bias, mean and the biased var taken over the
    last `normalized_ndim` axes of each sample.

    Parameters
    ----------
    x : array_like, shape (*batch, *normalized_shape).
    normalized_ndim : int >= 1, how many trailing axes form normalized_shape.
    weight, bias : array_like of shape normalized_shape, optional.
    eps : float >= 0
    out : ndarray, optional, for y.

    Returns
    -------
    (y, save_mean, save_invstd): y of x's shape; float64 arrays of shape batch.
    """
    x, rdtype, cdtype = _prepare(x)
    k, nshape, rows, D = _normalized(x, normalized_ndim)
    eps = _number("eps", eps, 0.0)
    w = _elementwise_param(weight, "weight", nshape, cdtype)
    b = _elementwise_param(bias, "bias", nshape, cdtype)
    res = _Result(out, x.shape, rdtype, cdtype, False, (x,))
    xw = _work(x, cdtype, False)
    mean, invstd = _kernels.layer_norm_forward(xw, res.target, rows, D, w, b, eps)
    bshape = x.shape[:x.ndim - k]
    return res.result(), mean.reshape(bshape), invstd.reshape(bshape)


def layer_norm_backward(grad_output, x, weight, save_mean, save_invstd, normalized_ndim=None,
                        out=None):
    """Backward of ``layer_norm``, from the centered input (exact when |mean| >> std).

    With g = grad_output * weight and x_hat = (x - mean) * invstd per sample:
    grad_input = invstd * (g - mean(g) - x_hat * mean(g * x_hat)) (means over normalized_shape),
    grad_weight = sum over the batch of grad_output * x_hat, grad_bias = sum of grad_output.

    Parameters
    ----------
    grad_output, x : array_like of the same shape.
    weight : array_like of shape normalized_shape, or None.
    save_mean, save_invstd : array_like of shape batch, as returned by ``layer_norm``.
    normalized_ndim : int, optional; by default x.ndim - save_mean.ndim.
    out : ndarray, optional, for grad_input.

    Returns
    -------
    (grad_input, grad_weight, grad_bias): grad_weight and grad_bias of shape normalized_shape.
    """
    g = _arrays.as_input(grad_output, "grad_output")
    x = _arrays.as_input(x, "x")
    _same_shape(g, "grad_output", x.shape, "x")
    rdtype = _arrays.result_dtype((g, "grad_output"), (x, "x"))
    cdtype = _arrays.compute_dtype(rdtype)
    mean = _arrays.as_input(save_mean, "save_mean")
    invstd = _arrays.as_input(save_invstd, "save_invstd")
    if normalized_ndim is None:
        normalized_ndim = x.ndim - mean.ndim
    k, nshape, rows, D = _normalized(x, normalized_ndim)
    bshape = x.shape[:x.ndim - k]
    _same_shape(mean, "save_mean", bshape, "x's batch axes")
    _same_shape(invstd, "save_invstd", bshape, "x's batch axes")
    w = _elementwise_param(weight, "weight", nshape, cdtype)
    res = _Result(out, x.shape, rdtype, cdtype, False, (g, x))
    gw_, gb_ = _kernels.layer_norm_backward(
        _work(g, cdtype, False), _work(x, cdtype, False), res.target, rows, D,
        np.ascontiguousarray(mean, np.float64).reshape(-1),
        np.ascontiguousarray(invstd, np.float64).reshape(-1), w)
    return (res.result(), gw_.reshape(nshape).astype(rdtype),
            gb_.reshape(nshape).astype(rdtype))


# ---------------------------------------------------------------- GroupNorm
def _groups(x, num_groups):
    if x.ndim < 2:
        raise ValueError(f"x must have shape (N, C, ...), got {x.shape}")
    N, C = x.shape[:2]
    G = _count("num_groups", num_groups, 1)
    if C % G:
        raise ValueError(f"num_groups={G} must divide the number of channels C={C}")
    return N, C, G, C // G, math.prod(x.shape[2:])


def group_norm(x, num_groups, weight=None, bias=None, eps=1e-5, out=None):
    """Group normalization of (N, C, *spatial) input: the C channels form `num_groups` groups,
    each sample's group normalized over its channels and spatial positions; then a per-channel
    affine map. Instance norm is num_groups = C; layer norm over (C, *spatial) is num_groups = 1.

    y = (x - mean[n, g]) / sqrt(var[n, g] + eps) * weight[c] + bias[c] (biased var).

    Parameters
    ----------
    x : array_like, shape (N, C, *spatial).
    num_groups : int dividing C.
    weight, bias : array_like (C,), optional.
    eps : float >= 0
    out : ndarray, optional, for y.

    Returns
    -------
    (y, save_mean, save_invstd): y of x's shape; float64 arrays of shape (N, num_groups).
    """
    x, rdtype, cdtype = _prepare(x)
    N, C, G, Cg, HW = _groups(x, num_groups)
    eps = _number("eps", eps, 0.0)
    w = _channel_vector(weight, "weight", C)
    b = _channel_vector(bias, "bias", C)
    res = _Result(out, x.shape, rdtype, cdtype, False, (x,))
    xw = _work(x, cdtype, False)
    mean, m2 = _kernels.norm_stats(xw, 1, N * G, Cg * HW)
    with np.errstate(invalid="ignore", divide="ignore"):
        invstd = 1.0 / np.sqrt(m2 / (Cg * HW) + eps)
    center, scale, shift = _group_params(mean, invstd, w, b, N, C, G, Cg)
    _kernels.norm_apply(xw, res.target, 1, N * C, HW, center, scale, shift, None)
    return res.result(), mean.reshape(N, G), invstd.reshape(N, G)


def _group_params(mean, invstd, w, b, N, C, G, Cg):
    """Per-(n, c) center, scale and shift from per-(n, g) statistics."""
    center = np.repeat(mean.reshape(N, G), Cg, axis=1).reshape(-1)
    inv = np.repeat(invstd.reshape(N, G), Cg, axis=1)
    scale = (inv * w if w is not None else inv).reshape(-1)
    shift = np.broadcast_to(b if b is not None else np.zeros(C), (N, C)).reshape(-1)
    return (np.ascontiguousarray(center), np.ascontiguousarray(scale),
            np.ascontiguousarray(shift, dtype=np.float64))


def group_norm_backward(grad_output, x, weight, save_mean, save_invstd, num_groups=None,
                        out=None):
    """Backward of ``group_norm``.

    With g = grad_output * weight[c], x_hat = (x - mean[n, g]) * invstd[n, g], means over a
    group's M = C / num_groups * prod(spatial) elements:
    grad_input = invstd * (g - mean(g) - x_hat * mean(g * x_hat)),
    grad_weight[c] = sum over n, spatial of grad_output * x_hat, grad_bias[c] = sum grad_output.

    Parameters
    ----------
    grad_output, x : array_like (N, C, *spatial).
    weight : array_like (C,) or None.
    save_mean, save_invstd : array_like (N, num_groups), as returned by ``group_norm``.
    num_groups : int, optional; by default save_mean.shape[1].
    out : ndarray, optional, for grad_input.

    Returns
    -------
    (grad_input, grad_weight, grad_bias): grad_weight and grad_bias of shape (C,).
    """
    g = _arrays.as_input(grad_output, "grad_output")
    x = _arrays.as_input(x, "x")
    _same_shape(g, "grad_output", x.shape, "x")
    rdtype = _arrays.result_dtype((g, "grad_output"), (x, "x"))
    cdtype = _arrays.compute_dtype(rdtype)
    mean = _arrays.as_input(save_mean, "save_mean")
    invstd = _arrays.as_input(save_invstd, "save_invstd")
    if num_groups is None:
        num_groups = mean.shape[1] if mean.ndim == 2 else 0
    N, C, G, Cg, HW = _groups(x, num_groups)
    _same_shape(mean, "save_mean", (N, G), "(N, num_groups)")
    _same_shape(invstd, "save_invstd", (N, G), "(N, num_groups)")
    w = _channel_vector(weight, "weight", C)
    mean = np.asarray(mean, np.float64)
    invstd = np.asarray(invstd, np.float64)
    res = _Result(out, x.shape, rdtype, cdtype, False, (g, x))
    xw = _work(x, cdtype, False)
    gw_ = _work(g, cdtype, False)
    center, scale, shift = _group_params(mean, invstd, w, None, N, C, G, Cg)
    A, B = _kernels.norm_bwd_reduce(gw_, xw, 1, N * C, HW, center, scale, shift, None)
    A = A.reshape(N, C)
    B = B.reshape(N, C)
    wv = w if w is not None else np.ones(C)
    inv_nc = np.repeat(invstd, Cg, axis=1)
    grad_bias = A.sum(axis=0)
    grad_weight = (B * inv_nc).sum(axis=0)
    M = Cg * HW
    Sg = (A * wv).reshape(N, G, Cg).sum(axis=2)
    Sgd = (B * wv).reshape(N, G, Cg).sum(axis=2)
    k = (inv_nc * wv).reshape(-1)
    q = np.repeat(-(invstd ** 3) * (Sgd / M), Cg, axis=1).reshape(-1)
    r = np.repeat(-invstd * (Sg / M), Cg, axis=1).reshape(-1)
    _kernels.norm_bwd_apply(gw_, xw, res.target, 1, N * C, HW, center, scale, shift, None,
                            np.ascontiguousarray(k), np.ascontiguousarray(q),
                            np.ascontiguousarray(r))
    return res.result(), grad_weight.astype(rdtype), grad_bias.astype(rdtype)


# ---------------------------------------------------------------- RunningStats
class RunningStats(_kernels.RunningStatsCore):
    """Streaming per-feature count, mean and variance over any number of batches.

    Each ``update(batch)`` reduces the batch with the compiled block-Welford kernel (float64
    accumulation, exact far from zero) and merges it into the state with Chan's formula;
    ``merge(other)`` combines statistics computed elsewhere (another process or machine, via
    ``to_dict``/``from_dict``). Typical use: exact dataset statistics for feature normalization,
    or population statistics for BatchNorm after training
    (``RunningStats(C, axis=(0, 2, 3))`` over NCHW activations).

    Parameters
    ----------
    num_features : int, the number of features (product of the feature axes).
    axis : int or tuple of ints, default 0: the axes of a batch that are reduced (samples); the
        remaining axes must be consecutive and are the features.
    dtype : float64 (default) or float32: the dtype of the stored statistics (float32 rounds them
        after every update).
    """

    def __init__(self, num_features, axis=0, dtype=np.float64):
        self.num_features = _count("num_features", num_features, 1)
        self.axis = self._check_axis(axis)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise TypeError(f"dtype must be float32 or float64, got {self.dtype}")
        self._count = 0
        self._mean = np.zeros(self.num_features, self.dtype)
        self._m2 = np.zeros(self.num_features, self.dtype)

    @staticmethod
    def _check_axis(axis):
        axes = axis if isinstance(axis, tuple) else (axis,)
        out = []
        for a in axes:
            if isinstance(a, bool):
                raise TypeError("axis must be an int or a tuple of ints")
            try:
                out.append(operator.index(a))
            except TypeError:
                raise TypeError(f"axis must be an int or a tuple of ints, got {axis!r}") from None
        return tuple(out)

    def _layout(self, x, name):
        """(transposed, (outer, C, inner)) of x for the kernels, C = num_features."""
        ndim = x.ndim
        reduced = set()
        for a in self.axis:
            if not -ndim <= a < ndim:
                raise np.exceptions.AxisError(a, ndim, msg_prefix=f"{name} axis")
            reduced.add(a % ndim)
        kept = [i for i in range(ndim) if i not in reduced]
        if kept and kept != list(range(kept[0], kept[-1] + 1)):
            raise ValueError(f"the feature axes {kept} of {name} must be consecutive")
        lo, hi = (kept[0], kept[-1] + 1) if kept else (ndim, ndim)
        C = math.prod(x.shape[lo:hi])
        if C != self.num_features:
            raise ValueError(f"{name} has {C} features along axes {kept} (shape {x.shape}), "
                             f"expected {self.num_features}")
        transposed = _oriented(x)
        shape = x.shape
        if transposed:
            shape = shape[::-1]
            lo, hi = ndim - hi, ndim - lo
        outer, inner = math.prod(shape[:lo]), math.prod(shape[hi:])
        return transposed, ((1, 1, outer * inner) if C == 1 else (outer, C, inner))

    @property
    def count(self):
        """Number of samples seen (per feature)."""
        return self._count

    @property
    def mean(self):
        """Per-feature mean, shape (num_features,) (0 before any update)."""
        return self._mean.copy()

    def var(self, ddof=0):
        """Per-feature variance m2 / (count - ddof); NaN when count <= ddof."""
        ddof = _count("ddof", ddof)
        n = self._count - ddof
        if n <= 0:
            return np.full(self.num_features, np.nan, self.dtype)
        return (self._m2.astype(np.float64) / n).astype(self.dtype)

    def std(self, ddof=0):
        """Per-feature standard deviation, sqrt(var(ddof))."""
        return np.sqrt(self.var(ddof))

    def _absorb(self, n, mean, m2):
        """Chan's merge of (n, mean, m2) (float64) into the state."""
        if n == 0:
            return
        na = self._count
        if na == 0:
            new_mean, new_m2 = mean, m2
        else:
            tot = na + n
            d = mean - self._mean.astype(np.float64)
            new_mean = self._mean + d * (n / tot)
            new_m2 = self._m2 + m2 + d * d * (na * (n / tot))
        self._count = na + n
        self._mean[...] = new_mean
        self._m2[...] = new_m2

    # update(batch) is RunningStatsCore.update: the compiled path for a batch shape seen before,
    # else this one, which validates the batch and remembers its shape.
    def _update(self, batch):
        x = _arrays.as_input(batch, "batch")
        transposed, (outer, C, inner) = self._layout(x, "batch")
        n = outer * inner
        if n == 0:
            return self
        if not transposed:
            self._remember(x.shape, outer, C, inner)
        xw = _work(x, _arrays.compute_dtype(_arrays.result_dtype((x, "batch"))), transposed)
        _kernels.norm_stats_merge(xw, outer, C, inner, self._count, self._mean, self._m2)
        self._count += n
        return self

    def merge(self, other):
        """Add the statistics of another RunningStats over the same features; returns self."""
        if not isinstance(other, RunningStats):
            raise TypeError(f"other must be a RunningStats, got {type(other).__name__}")
        if other.num_features != self.num_features:
            raise ValueError(f"other has {other.num_features} features, expected "
                             f"{self.num_features}")
        self._absorb(other._count, other._mean.astype(np.float64),
                     other._m2.astype(np.float64))
        return self

    def standardize(self, x, eps=0.0, out=None):
        """(x - mean) / sqrt(var + eps) per feature (the population var, ddof=0), in one pass.

        x has the batches' layout (features along the non-reduced axes); the result has x's shape
        and dtype (promoted like np.exp). A zero variance with eps=0 gives inf/NaN, as the
        formula does."""
        x, rdtype, cdtype = _prepare(x)
        transposed, (outer, C, inner) = self._layout(x, "x")
        eps = _number("eps", eps, 0.0)
        res = _Result(out, x.shape, rdtype, cdtype, transposed, (x,))
        xw = _work(x, cdtype, transposed)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = 1.0 / np.sqrt(self.var().astype(np.float64) + eps)
        center = self._mean.astype(np.float64)
        _kernels.norm_apply(xw, res.target, outer, C, inner, center, scale,
                            np.zeros(self.num_features), None)
        return res.result()

    def to_dict(self):
        """The state as plain numpy arrays: count (int64, 0-d), mean, m2 (num_features,), axis."""
        return {"count": np.array(self._count, np.int64), "mean": self._mean.copy(),
                "m2": self._m2.copy(), "axis": np.array(self.axis, np.int64)}

    @classmethod
    def from_dict(cls, state):
        """A RunningStats from ``to_dict()`` output (or any mapping of the same arrays)."""
        mean = np.asarray(state["mean"])
        m2 = np.asarray(state["m2"])
        if mean.ndim != 1 or m2.shape != mean.shape:
            raise ValueError(f"state mean and m2 must be vectors of one shape, got {mean.shape} "
                             f"and {m2.shape}")
        axis = tuple(int(a) for a in np.atleast_1d(state.get("axis", 0)))
        dtype = mean.dtype if mean.dtype in (np.float32, np.float64) else np.float64
        rs = cls(mean.size, axis=axis, dtype=dtype)
        count = int(state["count"])
        if count < 0:
            raise ValueError(f"state count must be >= 0, got {count}")
        rs._count = count
        rs._mean[...] = mean
        rs._m2[...] = m2
        return rs

    def __reduce__(self):
        return (type(self).from_dict, (self.to_dict(),))

    def __repr__(self):
        return (f"RunningStats(num_features={self.num_features}, axis={self.axis}, "
                f"dtype={self.dtype.name}, count={self._count})")
