"""Elementwise activations, generated from the registry: ``NAME(x, ...)``,
``NAME_derivative(x, ...)`` and ``NAME_backward(grad_output, x, ...)`` for every row.

The functions are generated from ``_registry.ELEMENTWISE`` so that names, parameters, defaults
and docstrings come from one table; each is a plain Python function with a real signature that
calls one compiled launcher. Array behaviour is described in ``fastact._arrays``.
"""

import math

from . import _arrays  # noqa: F401  (registers the launchers' fallback)
from ._ext import _kernels
from ._registry import ELEMENTWISE

__all__ = []

_FORWARD_DOC = """{title}: y = {formula}, elementwise.

Parameters
----------
x : array_like
    Input (float32/float64 natively; other real dtypes promote as ``np.exp``).{params}
out : ndarray, optional
    Where to write the result (exact shape and dtype; may be ``x``).

Returns
-------
ndarray of x's shape: the activation.
"""

_DERIVATIVE_DOC = """Derivative of {name}: f'(x) = {derivative}, elementwise.

Same parameters as ``{name}``; returns an ndarray of x's shape.
"""

_BACKWARD_DOC = """Backward of {name}: grad_input = grad_output * f'(x), in one pass.

Parameters
----------
grad_output : array_like
    Gradient of the loss with respect to the activation's output.
x : array_like
    The activation's input (same shape as grad_output).{output}{params}
out : ndarray, optional
    Where to write grad_input (exact shape and dtype; may be grad_output).

Returns
-------
ndarray: grad_input, of grad_output's shape.
"""

_OUTPUT_PARAM = """
output : array_like, optional (keyword)
    Instead of x: the activation's output y = {name}(x), for layers that keep only y."""


def _check_number(name, value):
    """A parameter as a float; TypeError unless it is a real number, ValueError if NaN."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            and not hasattr(value, "__float__"):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{name} must not be NaN")
    return value


def _backward_args(grad_output, x, output, from_output, name):
    """(kind, second operand) for a backward called with x or output=."""
    if output is None:
        if x is None:
            raise TypeError(f"{name}_backward() needs x"
                            + (" or output=" if from_output else ""))
        return _kernels.BACKWARD, x
    if not from_output:
        raise TypeError(f"{name}_backward() cannot take output=: its derivative needs x")
    if x is not None:
        raise TypeError(f"{name}_backward() takes x or output=, not both")
    return _kernels.BACKWARD_OUTPUT, output


def _param_doc(row):
    return "".join(f"\n{p} : float, default {d!r}" for p, d in row.params)


def _build(row):
    """Source of the three functions of one registry row."""
    sig = "".join(f", {p}={d!r}" for p, d in row.params)
    names = [p for p, _ in row.params]
    conv = "".join(f"    {p} = _check_number({p!r}, {p})\n" for p in names)
    if row.check is not None:
        conv += f"    _row.check({', '.join(names)})\n"
    call = "".join(f", {p}" for p in names)
    n = row.name
    return (
        f"def {n}(x{sig}, *, out=None):\n{conv}"
        f"    return _unary(0, {row.op}, x, out{call})\n"
        f"def {n}_derivative(x{sig}, *, out=None):\n{conv}"
        f"    return _unary(1, {row.op}, x, out{call})\n"
        f"def {n}_backward(grad_output, x=None{sig}, *, output=None, out=None):\n{conv}"
        + (f"    if output is not None:\n        _row.output_check({', '.join(names)})\n"
           if row.output_check is not None else "")
        +
        f"    kind, second = _backward_args(grad_output, x, output, {row.from_output}, {n!r})\n"
        f"    return _binary(kind, {row.op}, grad_output, second, out{call})\n"
    )


def _define(row):
    namespace = {"_unary": _kernels.unary, "_binary": _kernels.binary, "_row": row,
                 "_check_number": _check_number, "_backward_args": _backward_args}
    exec(_build(row), namespace)  # noqa: S102 - generated from the registry, no user input
    params = _param_doc(row)
    title = row.name.replace("_", " ").capitalize()
    fns = {
        row.name: _FORWARD_DOC.format(title=title, formula=row.formula, params=params),
        row.name + "_derivative": _DERIVATIVE_DOC.format(name=row.name,
                                                         derivative=row.derivative),
        row.name + "_backward": _BACKWARD_DOC.format(
            name=row.name, params=params,
            output=_OUTPUT_PARAM.format(name=row.name) if row.from_output else ""),
    }
    for fname, doc in fns.items():
        fn = namespace[fname]
        fn.__doc__ = doc
        fn.__module__ = __name__
        globals()[fname] = fn
        __all__.append(fname)


for _row in ELEMENTWISE.values():
    if _row.public:
        _define(_row)
