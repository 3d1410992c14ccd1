"""Hand-written public functions over rows of the smooth elementwise table:

- ``gelu(x, approximate='none'|'tanh'|'sigmoid')``, ``gelu_derivative``, ``gelu_backward``
  (PyTorch's name and ``approximate=``; 'sigmoid' is the x * sigmoid(1.702 x) form), one table
  row per mode;
- ``swish(x, beta=1.0)`` = x * sigmoid(beta x), ``swish_derivative``, and ``swish_backward``,
  which returns the gradients of the input and of beta in one pass (the beta gradient reduced
  inside the kernel in fixed blocks: the same bits at any thread count).
"""

from . import _arrays
from ._ext import _kernels
from ._registry import ELEMENTWISE
from .elementwise import _check_number
from .registry import register

__all__ = ["gelu", "gelu_derivative", "gelu_backward", "swish", "swish_derivative",
           "swish_backward"]

_MODES = {"none": "gelu", "tanh": "gelu_tanh", "sigmoid": "gelu_sigmoid"}


def _op(approximate):
    if not isinstance(approximate, str):
        raise TypeError(f"approximate must be a str ('none', 'tanh' or 'sigmoid'), got "
                        f"{type(approximate).__name__}")
    try:
        return ELEMENTWISE[_MODES[approximate]].op
    except KeyError:
        raise ValueError(f"approximate must be 'none', 'tanh' or 'sigmoid', got "
                         f"{approximate!r}") from None


def gelu(x, approximate="none", *, out=None):
    """GELU, elementwise.

    approximate='none': x * Phi(x) = x * erfc(-x / sqrt(2)) / 2 (exact; erfc keeps the
    negative tail accurate); 'tanh': x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) / 2;
    'sigmoid': x * sigmoid(1.702 x).

    Parameters
    ----------
    x : array_like
        Input (float32/float64 natively; other real dtypes promote as ``np.exp``).
    approximate : {'none', 'tanh', 'sigmoid'}
    out : ndarray, optional
        Where to write the result (exact shape and dtype; may be ``x``).

    Returns
    -------
    ndarray of x's shape.
    """
    return _kernels.unary(_kernels.FORWARD, _op(approximate), x, out)


def gelu_derivative(x, approximate="none", *, out=None):
    """Derivative of ``gelu`` for the given form (exact: Phi(x) + x phi(x)); same parameters,
    returns an ndarray of x's shape."""
    return _kernels.unary(_kernels.DERIVATIVE, _op(approximate), x, out)


def gelu_backward(grad_output, x, approximate="none", *, out=None):
    """Backward of ``gelu``: grad_input = grad_output * gelu'(x), in one pass.

    grad_output and x are array_likes of one shape; out (optional) receives grad_input and may
    be grad_output. Returns grad_input, of grad_output's shape.
    """
    if x is None:
        raise TypeError("gelu_backward() needs x")
    return _kernels.binary(_kernels.BACKWARD, _op(approximate), grad_output, x, out)


register("gelu", gelu, gelu_derivative, gelu_backward)


_OP = ELEMENTWISE["swish"].op


def swish(x, beta=1.0, *, out=None):
    """Swish: y = x * sigmoid(beta * x), elementwise (beta = 1 is ``silu``).

    Parameters
    ----------
    x : array_like
        Input (float32/float64 natively; other real dtypes promote as ``np.exp``).
    beta : float, default 1.0
    out : ndarray, optional
        Where to write the result (exact shape and dtype; may be ``x``).

    Returns
    -------
    ndarray of x's shape.
    """
    beta = _check_number("beta", beta)
    return _kernels.unary(_kernels.FORWARD, _OP, x, out, beta)


def swish_derivative(x, beta=1.0, *, out=None):
    """d swish / dx = s * (1 + beta x * (1 - s)), s = sigmoid(beta x); returns an ndarray of
    x's shape."""
    beta = _check_number("beta", beta)
    return _kernels.unary(_kernels.DERIVATIVE, _OP, x, out, beta)


def swish_backward(grad_output, x, beta=1.0, *, out=None):
    """Backward of ``swish``: (grad_input, grad_beta) in one pass.

    grad_input = grad_output * d swish/dx (an array of grad_output's shape, written to `out`
    when given; `out` may be grad_output) and
    grad_beta = sum(grad_output * x^2 * s * (1 - s)), s = sigmoid(beta x), a scalar of the
    result dtype.
    """
    if x is None:
        raise TypeError("swish_backward() needs x")
    beta = _check_number("beta", beta)
    direct = _kernels.swish_backward_direct(_OP, grad_output, x, out, beta)
    if direct is not None:
        return direct[0], direct[0].dtype.type(direct[1])
    total = []

    def run(g, xa, y):
        total.append(_kernels.swish_backward_raw(_OP, g, xa, y, beta))

    grad_input = _arrays.elementwise(run, (grad_output, x), ("grad_output", "x"), out)
    return grad_input, grad_input.dtype.type(total[0] if total else 0.0)


register("swish", swish, swish_derivative, swish_backward)
