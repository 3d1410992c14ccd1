"""Activations over an axis: ``softmax``, ``log_softmax`` and ``maxout``, with their backwards
(Jacobian-vector products).

Array conventions are those of ``fastact._arrays`` (promotion, ``out=`` checked before anything
is written and allowed to be an input, any layout). Rows along the last axis of a C-ordered
array are processed contiguously; any other axis is processed in place by column kernels that
reduce many rows at once (a Fortran-ordered array is used through its C-ordered transpose).

Softmax is numerically stable for any input: the row maximum is subtracted (exactly: the
rounding error of x - max is carried into the exponential), sums are accumulated in float64.
As in PyTorch, a row holding NaN or +inf, or made only of -inf, gives NaN throughout.
"""

import math

import numpy as np

from . import _arrays
from ._ext import _kernels
from .normalization import _axis, _count, _oriented, _Result, _split, _work
from .registry import register

__all__ = [
    "softmax", "softmax_backward", "log_softmax", "log_softmax_backward", "maxout",
    "maxout_backward",
]


_MIN_COLUMNS = 16  # a strided axis with fewer columns goes through a transposed copy


def _same_shape(a, name, shape, like):
    if a.shape != shape:
        raise ValueError(f"{name} has shape {a.shape}, expected {shape} (the shape of {like})")


def _softmax_run(mode, a, b, axis, out, names):
    """Run a softmax-family kernel along `axis` of a (and b, for the backward modes)."""
    if axis == -1:
        y = _kernels.softmax_last(mode, a, b, out)
        if y is not None:
            return y
    arrays = [_arrays.as_input(a, names[0])]
    if b is not None:
        arrays.append(_arrays.as_input(b, names[1]))
        _same_shape(arrays[1], names[1], arrays[0].shape, names[0])
    shape = arrays[0].shape
    rdtype = _arrays.result_dtype(*zip(arrays, names))
    cdtype = _arrays.compute_dtype(rdtype)
    ax = _axis(axis, max(len(shape), 1))
    transposed = _oriented(arrays[0])
    res = _Result(out, shape, rdtype, cdtype, transposed, arrays)
    works = [_work(x, cdtype, transposed) for x in arrays]
    if not shape:
        outer, K, inner = 1, 1, 1
    else:
        kax = len(shape) - 1 - ax if transposed else ax
        outer, K, inner = _split(works[0].shape, kax)
        if 1 < inner < _MIN_COLUMNS and K > 1:
            # too few columns for the column kernel: rows along the last axis of a copy
            moved = [np.ascontiguousarray(np.moveaxis(w, kax, -1)) for w in works]
            _kernels.softmax_run(mode, moved[0], moved[1] if b is not None else None,
                                 moved[0], outer * inner, K, 1)
            res.target[...] = np.moveaxis(moved[0], -1, kax)
            return res.result()
    _kernels.softmax_run(mode, works[0], works[1] if b is not None else None, res.target,
                         outer, K, inner)
    return res.result()


def softmax(x, axis=-1, *, out=None):
    """Softmax along `axis`: y = exp(x - max(x)) / sum(exp(x - max(x))).

    Parameters
    ----------
    x : array_like (a 0-d x is one row of one element).
    axis : int (default -1).
    out : ndarray, optional (may be x).

    Returns
    -------
    ndarray of x's shape; each slice along `axis` sums to 1.
    """
    return _softmax_run(_kernels.SOFTMAX, x, None, axis, out, ("x",))


def log_softmax(x, axis=-1, *, out=None):
    """Log-softmax along `axis`: y = x - max(x) - log(sum(exp(x - max(x)))).

    Same parameters as ``softmax``; returns an ndarray of x's shape."""
    return _softmax_run(_kernels.LOG_SOFTMAX, x, None, axis, out, ("x",))


def softmax_backward(grad_output, output, axis=-1, *, out=None):
    """Backward of ``softmax`` (its Jacobian-vector product), from the forward's output y:
    grad_input = y * (grad_output - sum(grad_output * y)), the sum along `axis`.

    grad_output, output: array_like of the same shape; out: optional (may be either).
    Returns an ndarray of that shape."""
    return _softmax_run(_kernels.SOFTMAX_BWD, grad_output, output, axis, out,
                        ("grad_output", "output"))


def log_softmax_backward(grad_output, output, axis=-1, *, out=None):
    """Backward of ``log_softmax``, from the forward's output y:
    grad_input = grad_output - exp(y) * sum(grad_output), the sum along `axis`.

    grad_output, output: array_like of the same shape; out: optional (may be either).
    Returns an ndarray of that shape."""
    return _softmax_run(_kernels.LOG_SOFTMAX_BWD, grad_output, output, axis, out,
                        ("grad_output", "output"))


# ---------------------------------------------------------------- maxout
def _maxout_plan(x, pieces, axis):
    """(axis, output shape) of maxout over x."""
    pieces = _count("pieces", pieces, 1)
    if x.ndim == 0:
        raise ValueError("x must have at least one axis (the feature axis)")
    ax = _axis(axis, x.ndim)
    K = x.shape[ax]
    if K % pieces:
        raise ValueError(f"the size of x's axis {ax} ({K}) is not divisible by pieces={pieces}")
    return pieces, ax, x.shape[:ax] + (K // pieces,) + x.shape[ax + 1:]


def _maxout_run(g, x, pieces, ax, transposed, target):
    """Call the kernel on work arrays (x's transpose when `transposed`) oriented like target."""
    kax = x.ndim - 1 - ax if transposed else ax
    shape = x.shape
    outer, inner = math.prod(shape[:kax]), math.prod(shape[kax + 1:])
    _kernels.maxout_run(g, x, target, outer, shape[kax] // pieces,
                        pieces, inner)


def maxout(x, pieces, axis=-1, *, out=None):
    """Maxout: the maximum over each group of `pieces` consecutive features along `axis`.

    y[..., j, ...] = max(x[..., j*pieces : (j+1)*pieces, ...]); NaN propagates (as np.maximum).

    Parameters
    ----------
    x : array_like with at least one axis; x.shape[axis] divisible by pieces (ValueError).
    pieces : int >= 1.
    axis : int (default -1).
    out : ndarray, optional, of the result's shape.

    Returns
    -------
    ndarray of x's shape with axis `axis` divided by `pieces`.
    """
    x = _arrays.as_input(x, "x")
    rdtype = _arrays.result_dtype((x, "x"))
    cdtype = _arrays.compute_dtype(rdtype)
    pieces, ax, oshape = _maxout_plan(x, pieces, axis)
    transposed = _oriented(x)
    res = _Result(out, oshape, rdtype, cdtype, transposed, (x,))
    xw = _work(x, cdtype, transposed)
    _maxout_run(None, xw, pieces, ax, transposed, res.target)
    return res.result()


def maxout_backward(grad_output, x, pieces, axis=-1, *, out=None):
    """Backward of ``maxout``: each group's gradient goes to its winning piece, the first
    maximum (the first NaN if any); the other pieces get 0.

    grad_output: array_like of maxout's output shape; x: the forward's input.
    Returns grad_input, an ndarray of x's shape (``out`` optional)."""
    g = _arrays.as_input(grad_output, "grad_output")
    x = _arrays.as_input(x, "x")
    rdtype = _arrays.result_dtype((g, "grad_output"), (x, "x"))
    cdtype = _arrays.compute_dtype(rdtype)
    pieces, ax, oshape = _maxout_plan(x, pieces, axis)
    _same_shape(g, "grad_output", oshape, "maxout's output")
    transposed = _oriented(x)
    res = _Result(out, x.shape, rdtype, cdtype, transposed, (g, x))
    xw = _work(x, cdtype, transposed)
    gw = _work(g, cdtype, transposed)
    _maxout_run(gw, xw, pieces, ax, transposed, res.target)
    return res.result()


# ---------------------------------------------------------------- registry
def _from_x_or_output(forward, backward, name):
    """A registry backward(grad_output, x=None, axis=-1, output=None, out=None): from the
    output, or from x by recomputing the output."""
    def entry(grad_output, x=None, axis=-1, *, output=None, out=None):
        if (x is None) == (output is None):
            raise TypeError(f"{name} backward takes x or output=, exactly one of them")
        if output is None:
            output = forward(x, axis)
        return backward(grad_output, output, axis, out=out)
    entry.__name__ = name + "_backward"
    entry.__doc__ = backward.__doc__
    return entry


register("softmax", softmax, None, _from_x_or_output(softmax, softmax_backward, "softmax"),
         from_output=True)
register("log_softmax", log_softmax, None,
         _from_x_or_output(log_softmax, log_softmax_backward, "log_softmax"), from_output=True)
register("maxout", maxout, None, maxout_backward)
