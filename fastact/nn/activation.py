"""Activation layers: ``Activation(name, **params)`` for every activation in the registry,
a class per activation (``ReLU``, ``Sigmoid``, ``GELU(approximate=...)``, ...) generated from
the registry, and the layers with state of their own: ``PReLU``, ``Swish`` (learnable beta),
``RReLU``, ``Softmax`` / ``LogSoftmax``.
"""

import inspect

import numpy as np

import fastact

from . import _init
from .module import Module

__all__ = ["Activation", "PReLU", "Swish", "RReLU", "Softmax", "LogSoftmax",
           "activation_class", "ACTIVATION_CLASSES"]


class Activation(Module):
    """An elementwise activation layer from the registry: ``Activation('selu')``,
    ``Activation('leaky_relu', negative_slope=0.2)``.

    Keeps the output when the activation's backward can work from it (relu, sigmoid, tanh,
    ...), else the input.
    """

    def __init__(self, name, **params):
        super().__init__()
        self.fn = fastact.get_activation(name, **params)
        self.activation_name = self.fn.name

    def forward(self, x):
        y = self.fn.forward(x)
        self._cache = ("output", y) if self.fn.from_output else ("x", x)
        return y

    def backward(self, grad_output):
        kind, saved = self._saved()
        if kind == "output":
            return self.fn.backward(grad_output, output=saved)
        return self.fn.backward(grad_output, saved)

    def extra_repr(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.fn.params.items())
        return args if type(self) is not Activation else \
            repr(self.activation_name) + (", " + args if args else "")


def _need(name):
    """The fastact function `name`, or NotImplementedError when this build lacks it."""
    fn = getattr(fastact, name, None)
    if not callable(fn):  # (fastact.softmax is a module until the function lands)
        raise NotImplementedError(f"fastact.{name} is not available in this build")
    return fn


def _accepted(fn, kwargs):
    """The keyword arguments of `kwargs` that fn takes (all of them if it takes **kwargs)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return kwargs
    if any(p.kind == inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return kwargs
    return {k: v for k, v in kwargs.items() if k in params}


def _seed(rng):
    return int(rng.integers(0, 2**63 - 1))


class PReLU(Module):
    """PReLU: y = x if x >= 0 else weight * x, with a learnable slope, one shared
    (num_parameters=1) or one per channel along `axis` (num_parameters=C).
    Calls ``fastact.prelu`` / ``fastact.prelu_backward``."""

    def __init__(self, num_parameters=1, init=0.25, axis=1, dtype=np.float32):
        super().__init__()
        self.num_parameters = int(num_parameters)
        if self.num_parameters < 1:
            raise ValueError(f"num_parameters must be >= 1, got {num_parameters}")
        self.axis = axis
        self.activation_name = "prelu"
        self._add_param("weight", np.full(self.num_parameters, init, dtype=dtype))

    def _weight(self):
        w = self.params["weight"]
        return float(w[0]) if self.num_parameters == 1 else w

    def forward(self, x):
        self._cache = x
        return _need("prelu")(x, self._weight(), axis=self.axis)

    def backward(self, grad_output):
        x = self._saved()
        gx, gw = _need("prelu_backward")(grad_output, x, self._weight(), axis=self.axis)
        gw = np.asarray(gw)
        self.grads["weight"] += (gw.sum() if self.num_parameters == 1 else gw.reshape(-1))
        return gx

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class Swish(Module):
    """Swish: y = x * sigmoid(beta * x), beta learnable (shape (1,)) unless learnable=False.
    Calls ``fastact.swish`` / ``fastact.swish_backward`` (which returns grad_input, grad_beta)."""

    def __init__(self, beta=1.0, learnable=True, dtype=np.float32):
        super().__init__()
        self.learnable = bool(learnable)
        self.activation_name = "swish"
        b = np.full(1, beta, dtype=dtype)
        if self.learnable:
            self._add_param("beta", b)
        else:
            self.buffers["beta"] = b

    def _beta(self):
        return float((self.params if self.learnable else self.buffers)["beta"][0])

    def forward(self, x):
        self._cache = x
        return _need("swish")(x, beta=self._beta())

    def backward(self, grad_output):
        x = self._saved()
        gx, gb = _need("swish_backward")(grad_output, x, beta=self._beta())
        if self.learnable:
            self.grads["beta"] += np.sum(gb)
        return gx

    def extra_repr(self):
        return f"beta={self._beta()}, learnable={self.learnable}"


class RReLU(Module):
    """Randomized leaky ReLU: in training a random slope per element, uniform in
    [lower, upper], drawn by ``fastact.rrelu`` from a seed the layer takes from its generator;
    in eval the fixed slope (lower + upper) / 2."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, rng=None):
        super().__init__()
        self.lower = float(lower)
        self.upper = float(upper)
        self.activation_name = "rrelu"
        self._rng = _init.make_rng(rng)

    def forward(self, x):
        rrelu = _need("rrelu")
        if self.training:
            y, noise = rrelu(x, self.lower, self.upper, training=True, seed=_seed(self._rng))
        else:
            y, noise = rrelu(x, self.lower, self.upper, training=False), None
        self._cache = (x, noise, self.training)
        return y

    def backward(self, grad_output):
        x, noise, training = self._saved()
        backward = _need("rrelu_backward")
        kwargs = _accepted(backward, {"noise": noise, "lower": self.lower, "upper": self.upper,
                                      "training": training})
        return backward(grad_output, x, **kwargs)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}"


class _AxisSoftmax(Module):
    _function = None

    def __init__(self, axis=-1):
        super().__init__()
        self.axis = axis
        self.activation_name = self._function

    def forward(self, x):
        y = _need(self._function)(x, axis=self.axis)
        self._cache = y
        return y

    def backward(self, grad_output):
        return _need(self._function + "_backward")(grad_output, self._saved(), axis=self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"


class Softmax(_AxisSoftmax):
    """softmax along `axis` (``fastact.softmax``; backward from the output)."""
    _function = "softmax"


class LogSoftmax(_AxisSoftmax):
    """log_softmax along `axis` (``fastact.log_softmax``; backward from the output)."""
    _function = "log_softmax"


# ---------------------------------------------------------------- one class per activation
_SPECIAL = {"prelu": PReLU, "swish": Swish, "rrelu": RReLU, "softmax": Softmax,
            "log_softmax": LogSoftmax}
# PyTorch's class names where they are not the capitalized function name.
_TORCH_NAMES = {"relu": "ReLU", "relu6": "ReLU6", "leaky_relu": "LeakyReLU", "gelu": "GELU",
                "elu": "ELU", "selu": "SELU", "celu": "CELU", "silu": "SiLU", "glu": "GLU",
                "hardtanh": "Hardtanh", "hardsigmoid": "Hardsigmoid",
                "hardswish": "Hardswish", "softplus": "Softplus", "softsign": "Softsign",
                "tanh": "Tanh", "sigmoid": "Sigmoid", "mish": "Mish"}


def class_name(name):
    """The layer class name of an activation: PyTorch's where it has one, else CamelCase."""
    return _TORCH_NAMES.get(name) or "".join(p[:1].upper() + p[1:] for p in name.split("_"))


def _make_class(name):
    def __init__(self, **params):
        Activation.__init__(self, name, **params)

    doc = f"The {name!r} activation as a layer: ``Activation({name!r}, **params)``."
    return type(class_name(name), (Activation,), {"__init__": __init__, "__doc__": doc})


def activation_class(name):
    """The layer class for a registered activation name."""
    if name in _SPECIAL:
        return _SPECIAL[name]
    if name not in fastact.activations():
        raise ValueError(f"unknown activation {name!r}; expected one of "
                         f"{', '.join(fastact.activations())}")
    cname = class_name(name)
    if cname not in ACTIVATION_CLASSES:  # registered after this module was imported
        ACTIVATION_CLASSES[cname] = _make_class(name)
    return ACTIVATION_CLASSES[cname]


ACTIVATION_CLASSES = {}
for _name in fastact.activations():
    if _name not in _SPECIAL and _name != "maxout":  # Maxout is a weight layer (maxout.py)
        ACTIVATION_CLASSES[class_name(_name)] = _make_class(_name)
