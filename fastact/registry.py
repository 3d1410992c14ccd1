"""The activation registry: one table that layers, tests, benchmarks and docs iterate.

``activations()`` lists every activation by name; ``get_activation(name, **params)`` returns an
:class:`Activation` bound to those parameters, with ``forward``, ``derivative`` and ``backward``.
Every public row of the elementwise table (``fastact._registry.ELEMENTWISE``) is registered
automatically; functions written by hand (``gelu``'s modes, ``swish``, ``prelu``, ``softmax``,
...) call :func:`register` from their own module.
"""

import functools
import inspect
from dataclasses import dataclass

__all__ = ["activations", "get_activation", "Activation"]


@dataclass(frozen=True)
class _Entry:
    name: str
    forward: object
    derivative: object          # None when f'(x) is not elementwise (softmax, maxout, ...)
    backward: object
    from_output: bool
    piecewise_linear: bool
    params: tuple               # names of the keyword parameters forward accepts
    required: tuple             # those of them without a default
    validate: object            # validate(**params) raises on bad values, or None


_ENTRIES = {}


def _keyword_params(fn):
    """(names, required names) of fn's parameters after the first, except out and **kwargs."""
    sig = inspect.signature(fn)
    params = [p for p in list(sig.parameters.values())[1:]
              if p.name != "out" and p.kind not in (inspect.Parameter.VAR_KEYWORD,
                                                    inspect.Parameter.VAR_POSITIONAL)]
    return (tuple(p.name for p in params),
            tuple(p.name for p in params if p.default is inspect.Parameter.empty))


def register(name, forward, derivative, backward, *, from_output=False,
             piecewise_linear=False, validate=None):
    """Add an activation to the registry.

    forward(x, **params, out=None), derivative(x, **params, out=None) (or None when the
    derivative is not elementwise) and backward(grad_output, x=None, **params, output=None,
    out=None) are the public functions; from_output says backward accepts ``output=``.
    validate(**params), if given, raises TypeError/ValueError for bad parameter values, so
    that get_activation rejects them at once.
    """
    if name in _ENTRIES:
        raise ValueError(f"activation {name!r} is already registered")
    _ENTRIES[name] = _Entry(name, forward, derivative, backward, from_output,
                            piecewise_linear, *_keyword_params(forward), validate)


def _bound_call(fn, skip, params, names):
    """(callable, positional values) such that callable(*leading, *values, **kw) is
    fn(*leading, **params, **kw): the values positionally when fn's parameters after the `skip`
    leading ones are `names` in order (no keyword dict is built per call), else through a
    partial. (None, ()) for an absent fn."""
    if fn is None:
        return None, ()
    if not params:
        return fn, ()
    try:
        sig = list(inspect.signature(fn).parameters.values())[skip:skip + len(names)]
    except (TypeError, ValueError):
        sig = []
    if len(sig) == len(names) and all(
            p.name == n and p.kind is p.POSITIONAL_OR_KEYWORD
            and (n in params or p.default is not p.empty) for p, n in zip(sig, names)):
        return fn, tuple(params[p.name] if p.name in params else p.default for p in sig)
    return functools.partial(fn, **params), ()


class Activation:
    """An activation bound to its parameters: ``forward(x)``, ``derivative(x)``,
    ``backward(grad_output, x=None, output=None)``, each with ``out=``."""

    def __init__(self, entry, params):
        self._entry = entry
        self.name = entry.name
        self.params = dict(params)
        self.from_output = entry.from_output
        self.piecewise_linear = entry.piecewise_linear
        # the public functions with the parameters bound once (a call costs what calling the
        # function itself costs)
        names = getattr(entry, "params", ())
        self._forward, self._fargs = _bound_call(getattr(entry, "forward", None), 1,
                                                 self.params, names)
        self._derivative, self._dargs = _bound_call(getattr(entry, "derivative", None), 1,
                                                    self.params, names)
        self._backward, self._bargs = _bound_call(getattr(entry, "backward", None), 2,
                                                  self.params, names)

    def forward(self, x, out=None):
        """y = f(x)."""
        a = self._fargs  # spelled out by count: f(*a, out=...) would build a keyword dict
        if not a:
            return self._forward(x, out=out)
        if len(a) == 1:
            return self._forward(x, a[0], out=out)
        return self._forward(x, *a, out=out)

    def derivative(self, x, out=None):
        """f'(x), elementwise (NotImplementedError where the Jacobian is not diagonal)."""
        if self._derivative is None:
            raise NotImplementedError(f"{self.name} has no elementwise derivative; use "
                                      f"backward (a Jacobian-vector product)")
        a = self._dargs
        if not a:
            return self._derivative(x, out=out)
        return self._derivative(x, *a, out=out)

    def backward(self, grad_output, x=None, *, output=None, out=None):
        """grad_output * f'(x) (from x, or from output= where the activation allows it)."""
        a = self._bargs
        if output is not None:
            return self._backward(grad_output, x, *a, output=output, out=out)
        if not a:
            return self._backward(grad_output, x, out=out)
        if len(a) == 1:
            return self._backward(grad_output, x, a[0], out=out)
        return self._backward(grad_output, x, *a, out=out)

    __call__ = forward

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"Activation({self.name!r}{', ' if args else ''}{args})"


def _validate_by_calling(forward):
    """A validator that runs forward on an empty array: the public function checks its
    parameters before looking at the data."""
    import numpy as np
    empty = np.empty(0, np.float32)
    return lambda **params: forward(empty, **params)


def _ensure_elementwise():
    from . import elementwise as _functional  # the generated public functions
    from ._registry import ELEMENTWISE
    for row in ELEMENTWISE.values():
        if row.public and row.name not in _ENTRIES:
            forward = getattr(_functional, row.name)
            register(row.name, forward, getattr(_functional, row.name + "_derivative"),
                     getattr(_functional, row.name + "_backward"),
                     from_output=row.from_output, piecewise_linear=row.piecewise_linear,
                     validate=_validate_by_calling(forward))


def activations():
    """Sorted names of every registered activation."""
    _ensure_elementwise()
    return sorted(_ENTRIES)


def get_activation(name, **params):
    """The activation `name` bound to `params` (PyTorch's names and defaults).

    `name` may also be an Activation: returned as is, or rebound with `params` updating its
    own. Raises ValueError for an unknown name (listing the valid ones), TypeError for a
    parameter the activation does not take or a required one left out, and the activation's
    own TypeError/ValueError for a bad parameter value.
    """
    _ensure_elementwise()
    if isinstance(name, Activation):
        if not params:
            return name
        params = {**name.params, **params}
        name = name.name
    if not isinstance(name, str):
        raise TypeError(f"activation name must be a str or an Activation, got "
                        f"{type(name).__name__}")
    entry = _ENTRIES.get(name)
    if entry is None:
        raise ValueError(f"unknown activation {name!r}; expected one of "
                         f"{', '.join(sorted(_ENTRIES))}")
    unknown = sorted(set(params) - set(entry.params))
    if unknown:
        raise TypeError(f"activation {name!r} takes no parameter(s) {', '.join(unknown)}; "
                        f"its parameters are: {', '.join(entry.params) or 'none'}")
    missing = [p for p in entry.required if p not in params]
    if missing:
        raise TypeError(f"activation {name!r} needs parameter(s) {', '.join(missing)}")
    if entry.validate is not None:
        entry.validate(**params)
    return Activation(entry, params)
