"""Activations with a learned or random slope, and dropout: ``prelu``, ``rrelu``, ``dropout``
with their derivatives and backwards.

Array conventions are those of ``fastact._arrays``: ``x`` and ``grad_output`` are array-likes,
float32/float64 computed natively, other real dtypes promote like ``np.exp``, any layout, and
``out=`` (for the main result) is checked in full before anything is written and may be an
input. Parameters (prelu's ``weight``, rrelu's bounds, dropout's ``p``) are converted to
float64 and rounded to the compute dtype once; they never change the result dtype.

Random ops (rrelu in training, dropout) draw from Philox4x32-10 keyed by ``seed``: the value of
element i (in C order of x's logical shape) depends only on the seed and i, so a given seed
gives the same result for any thread count, CPU capability and memory layout of x. With
``seed=None`` a seed is drawn from numpy's entropy source (``np.random.SeedSequence``).
"""

import operator

import numpy as np

from . import _arrays
from ._ext import _kernels
from .normalization import _axis, _number, _oriented, _Result, _split, _work
from .registry import register

__all__ = [
    "prelu", "prelu_derivative", "prelu_backward", "rrelu", "rrelu_backward", "dropout",
    "dropout_backward",
]

_FORWARD, _DERIVATIVE, _BACKWARD, _GRAD_INPUT = (
    _kernels.PRELU_FORWARD, _kernels.PRELU_DERIVATIVE, _kernels.PRELU_BACKWARD,
    _kernels.PRELU_GRAD_INPUT)
_SEED_LIMIT = 1 << 64
_INF = float("inf")
_SCALARS = (float, np.float32, np.float64)  # one slope: the fast path


# ---------------------------------------------------------------- helpers
def _seed(seed):
    """A 64-bit Philox key: `seed`, or one drawn from numpy's entropy source when None."""
    if seed is None:
        return np.random.SeedSequence().entropy % _SEED_LIMIT
    if isinstance(seed, bool):
        raise TypeError("seed must be None or an int, got bool")
    try:
        seed = operator.index(seed)
    except TypeError:
        raise TypeError(f"seed must be None or an int, got {type(seed).__name__}") from None
    if not 0 <= seed < _SEED_LIMIT:
        raise ValueError(f"seed must be in [0, 2**64), got {seed}")
    return seed


def _bounds(lower, upper):
    lower = _number("lower", lower)
    upper = _number("upper", upper)
    if lower > upper:
        raise ValueError(f"lower must be <= upper, got lower={lower}, upper={upper}")
    return lower, upper


def _same_shape(a, name, shape, like):
    if a.shape != shape:
        raise ValueError(f"{name} has shape {a.shape}, expected {shape} (the shape of {like})")


class _COrder:
    """x as a C-ordered work array of the compute dtype and a C-contiguous target for a result
    of x's shape: the layout of the random ops, whose element i is element i in C order."""

    def __init__(self, x, out, name="x"):
        self.x = _arrays.as_input(x, name)
        self.rdtype = _arrays.result_dtype((self.x, name))
        self.cdtype = _arrays.compute_dtype(self.rdtype)
        self.out = out
        direct = False
        if out is not None:
            _arrays.check_out(out, self.x.shape, self.rdtype)
            direct = (out.dtype == self.cdtype and out.flags.c_contiguous and out.flags.aligned
                      and (_arrays._is_same_view(out, self.x)
                           or not np.shares_memory(out, self.x)))
        self.work = _arrays.work_array(self.x, self.cdtype)
        self.target = out if direct else np.empty(self.x.shape, self.cdtype)

    def result(self, a=None):
        """The result delivered: `out` when given, else the target in the result dtype."""
        if a is None:
            a = self.target
            if self.out is not None:
                if a is not self.out:
                    self.out[...] = a
                return self.out
        return a if a.dtype == self.rdtype else a.astype(self.rdtype)


def _prelu(mode, grad_output, x, weight, axis, out):
    """prelu's forward, derivative, grad_input alone (_GRAD_INPUT) or backward
    ((grad_input, grad_weight))."""
    x = _arrays.as_input(x, "x")
    w = _arrays.as_input(weight, "weight")
    wdtype = _arrays.result_dtype((w, "weight"))
    inputs, names = [x], ["x"]
    if mode >= _BACKWARD:
        g = _arrays.as_input(grad_output, "grad_output")
        _same_shape(g, "grad_output", x.shape, "x")
        inputs, names = [g, x], ["grad_output", "x"]
    wv = np.ascontiguousarray(w, dtype=np.float64).reshape(-1)
    if wv.size == 1:
        sums = []

        def run(*arrays):
            gw_, xw_, y = arrays if len(arrays) == 3 else (None, *arrays)
            sums.append(_kernels.prelu_run(mode, gw_, xw_, y, wv, 1, 1, xw_.size))

        y = _arrays.elementwise(run, inputs, names, out)
        gsum = sums[0] if sums else np.zeros(1)
    else:
        if w.ndim != 1:
            raise ValueError(f"weight must be a scalar, a size-1 array or a 1-D array of one "
                             f"slope per channel, got shape {w.shape}")
        if x.ndim == 0:
            raise ValueError(f"x is 0-d: it has no channel axis for {w.size} slopes")
        ax = _axis(axis, x.ndim)
        if w.shape[0] != x.shape[ax]:
            raise ValueError(f"weight has {w.shape[0]} slopes, expected 1 or {x.shape[ax]} "
                             f"(the size of x's axis {ax})")
        rdtype = _arrays.result_dtype(*zip(inputs, names))
        cdtype = _arrays.compute_dtype(rdtype)
        transposed = _oriented(x)
        res = _Result(out, x.shape, rdtype, cdtype, transposed, inputs)
        works = [_work(a, cdtype, transposed) for a in inputs]
        kax = x.ndim - 1 - ax if transposed else ax
        outer, C, inner = _split(works[-1].shape, kax)
        gsum = _kernels.prelu_run(mode, works[0] if mode >= _BACKWARD else None, works[-1],
                                  res.target, wv, outer, C, inner)
        y = res.result()
    if mode != _BACKWARD:
        return y
    return y, gsum.reshape(w.shape).astype(wdtype)


# ---------------------------------------------------------------- prelu
def _prelu_dispatch(mode, g, x, weight, axis, out):
    """The compiled fast path for plain arrays and a Python float/int or ndarray weight; the
    general path (conversions, checks, errors) whenever it declines."""
    if type(weight) in _SCALARS:
        r = _kernels.prelu_scalar(mode, g, x, out, float(weight))
        if r is not None:
            return (r[0], np.array(r[1], np.result_type(weight))) if mode == _BACKWARD else r
    if type(weight) is np.ndarray:
        r = _kernels.prelu_channels(mode, g, x, out, weight, axis)
        if r is not None:
            return r
    return _prelu(mode, g, x, weight, axis, out)


def prelu(x, weight, axis=1, *, out=None):
    """PReLU: y = x if x > 0 else weight * x, with one slope per channel along `axis`.

    Parameters
    ----------
    x : array_like.
    weight : scalar or array_like: one slope (any size-1 array) or a 1-D array of one slope per
        channel, its length x.shape[axis] (PyTorch's num_parameters); ValueError otherwise.
    axis : int, the channel axis (default 1, as PyTorch's NCHW); ignored for a single slope.
    out : ndarray, optional.

    Returns
    -------
    ndarray of x's shape.
    """
    return _prelu_dispatch(_FORWARD, None, x, weight, axis, out)


def prelu_derivative(x, weight, axis=1, *, out=None):
    """d prelu / dx = 1 if x > 0 else weight (the slope at x = 0, as PyTorch; NaN for NaN).

    Same parameters as ``prelu``; returns an ndarray of x's shape."""
    return _prelu_dispatch(_DERIVATIVE, None, x, weight, axis, out)


def prelu_backward(grad_output, x, weight, axis=1, *, out=None):
    """Backward of ``prelu``: gradients with respect to x and weight, in one pass.

    grad_input = grad_output * prelu_derivative(x, weight);
    grad_weight[c] = sum of grad_output * x over the elements of channel c where x <= 0,
    reduced inside the kernel (float64 partial sums in blocks fixed by the shape, combined in a
    fixed order: bit-identical for any thread count).

    Parameters
    ----------
    grad_output, x : array_like of the same shape.
    weight, axis : as in ``prelu``.
    out : ndarray, optional, for grad_input (may be grad_output or x).

    Returns
    -------
    (grad_input, grad_weight): grad_input of x's shape; grad_weight of weight's shape and
    (promoted) dtype.
    """
    return _prelu_dispatch(_BACKWARD, grad_output, x, weight, axis, out)


# ---------------------------------------------------------------- rrelu
def rrelu(x, lower=1.0 / 8, upper=1.0 / 3, training=False, seed=None, *, out=None):
    """Randomized leaky ReLU (PyTorch's ``rrelu``).

    Eval (training=False): y = x if x >= 0 else slope * x with the fixed slope
    (lower + upper) / 2 (exact, piecewise linear); returns y.
    Training: for every element with x <= 0 (and not NaN) a slope a ~ U(lower, upper) is drawn
    from Philox keyed by `seed`; y = a * x there and x elsewhere. Returns (y, noise), where noise
    holds the slopes used (1 where x > 0 or NaN, as PyTorch's noise buffer), which is what
    ``rrelu_backward`` needs.

    Parameters
    ----------
    x : array_like.
    lower, upper : float, lower <= upper (PyTorch's defaults 1/8 and 1/3).
    training : bool.
    seed : int in [0, 2**64) or None (draw one from numpy's entropy source). The same seed gives
        the same slopes for any thread count, CPU capability and layout of x.
    out : ndarray, optional, for y.

    Returns
    -------
    y (eval) or (y, noise) (training), each of x's shape.
    """
    if not training and type(lower) is float and type(upper) is float \
            and -_INF < lower <= upper < _INF:
        y = _kernels.prelu_scalar(_FORWARD, None, x, out, (lower + upper) / 2)
        if y is not None:
            return y
    lower, upper = _bounds(lower, upper)
    if not training:
        return _prelu(_FORWARD, None, x, (lower + upper) / 2, 1, out)
    key = _seed(seed)
    t = _COrder(x, out)
    noise = np.empty(t.x.shape, t.cdtype)
    _kernels.rrelu_train(t.work, t.target, noise, key, lower, upper)
    return t.result(), t.result(noise)


def rrelu_backward(grad_output, x=None, noise=None, lower=1.0 / 8, upper=1.0 / 3,
                   training=False, seed=None, *, out=None):
    """Backward of ``rrelu``: grad_input = grad_output * slope.

    Eval: the slope is 1 where x > 0 else (lower + upper) / 2 (x required).
    Training: the slope is `noise` as returned by ``rrelu``; without noise, the forward's `seed`
    (an int) and x regenerate it.

    Returns an ndarray of grad_output's shape (``out`` may be grad_output)."""
    if not training and type(lower) is float and type(upper) is float \
            and -_INF < lower <= upper < _INF and x is not None:
        r = _kernels.prelu_scalar(_GRAD_INPUT, grad_output, x, out, (lower + upper) / 2)
        if r is not None:
            return r
    lower, upper = _bounds(lower, upper)
    if not training:
        if x is None:
            raise TypeError("rrelu_backward() needs x in eval mode")
        return _prelu(_GRAD_INPUT, grad_output, x, (lower + upper) / 2, 1, out)
    if noise is None:
        if seed is None or x is None:
            raise ValueError("rrelu_backward(training=True) needs noise (returned by rrelu), or "
                             "x and the int seed the forward used")
        noise = rrelu(x, lower, upper, True, seed)[1]
    return _arrays.elementwise(lambda a, b, y: _kernels.multiply(a, b, y),
                               (grad_output, noise), ("grad_output", "noise"), out)


# ---------------------------------------------------------------- dropout
def _probability(p):
    p = _number("p", p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    return p


def dropout(x, p=0.5, training=True, seed=None, *, out=None):
    """Inverted dropout: y = x * mask / (1 - p), each element kept with probability 1 - p.

    Parameters
    ----------
    x : array_like.
    p : float in [0, 1], the probability of dropping an element (p = 1 gives zeros, and NaN for
        NaN or infinite x, as PyTorch's x * 0).
    training : bool; in eval dropout is the identity (y is a copy of x, or x written to out).
    seed : int in [0, 2**64) or None, as for ``rrelu``.
    out : ndarray, optional, for y.

    Returns
    -------
    (y, mask): y of x's shape; mask a bool array of x's shape (True = kept), None in eval.
    """
    p = _probability(p)
    if not training:
        xa = _arrays.as_input(x, "x")
        rdtype = _arrays.result_dtype((xa, "x"))
        if out is None:
            return np.array(xa, dtype=rdtype), None
        _arrays.check_out(out, xa.shape, rdtype)
        out[...] = xa
        return out, None
    key = _seed(seed)
    t = _COrder(x, out)
    mask = np.empty(t.x.shape, np.bool_)
    _kernels.dropout_train(t.work, t.target, mask, key, p)
    return t.result(), mask


def dropout_backward(grad_output, mask, p=0.5, *, out=None):
    """Backward of ``dropout``: grad_input = grad_output * mask / (1 - p) (0 for p = 1).

    mask: the bool mask ``dropout`` returned (None: eval, the identity).
    Returns an ndarray of grad_output's shape (``out`` may be grad_output)."""
    p = _probability(p)
    t = _COrder(grad_output, out, "grad_output")
    if mask is None:
        t.target[...] = t.work
        return t.result()
    m = np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"mask must be a bool array (as returned by dropout), got dtype {m.dtype}")
    _same_shape(m, "mask", t.x.shape, "grad_output")
    scale = 1.0 / (1.0 - p) if p < 1.0 else 0.0
    _kernels.dropout_backward(t.work, np.ascontiguousarray(m), t.target, scale)
    return t.result()


register("prelu", prelu, prelu_derivative, prelu_backward, piecewise_linear=True)
register("rrelu", rrelu, None, rrelu_backward, piecewise_linear=True)
