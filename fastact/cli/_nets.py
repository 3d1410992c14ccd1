"""What ``python -m fastact train`` and ``explore`` share: the MLP builder and the
initializer choices."""

import numpy as np

import fastact
from fastact import nn
from fastact.nn import _init

# --init choices -> a fastact.init spec (None: the layer default).
INIT_CHOICES = ("default", "normal", "uniform", "xavier_uniform", "xavier_normal",
                "kaiming_uniform", "kaiming_normal", "he", "lecun_normal", "lecun_uniform",
                "orthogonal")


class Unavailable(Exception):
    """A configuration needs a function this build of fastact does not have."""


def _normal(std):
    def normal(shape, rng=None, dtype=np.float32):
        """N(0, std^2), the small/large random weights of the classic experiment."""
        return (_init.make_rng(rng).standard_normal(shape) * std).astype(dtype)
    return normal


def init_spec(name, std=0.01, activation=None):
    """The ``init=`` argument of a Linear layer for an --init choice."""
    if name in (None, "default"):
        return None
    if name == "normal":
        return _normal(std)
    if name == "he":
        name = "kaiming_normal"
    module = _init.init_module()
    if module is None or not hasattr(module, name):
        raise Unavailable(f"--init {name} needs fastact.init.{name}, not in this build")
    if name.startswith("kaiming") and activation in ("relu", "leaky_relu"):
        return name, {"nonlinearity": activation}
    if name == "uniform":
        return name, {"a": -std, "b": std}
    return name, {}


def build_mlp(in_features, out_features, depth, width, activation="relu", init=None,
              batchnorm=False, dropout=0.0, rng=None, dtype=np.float32):
    """An MLP of `depth` hidden layers: Linear -> [BatchNorm] -> activation -> [Dropout], then
    a Linear to `out_features`. With BatchNorm, a piecewise-linear activation (relu, ...) is
    fused into the BatchNorm kernel. Raises Unavailable for an activation this build lacks."""
    if activation not in fastact.activations():
        raise Unavailable(f"activation {activation!r} is not in this build (available: "
                          f"{', '.join(fastact.activations())})")
    rng = _init.make_rng(rng)
    layers = []
    fan_in = in_features
    for _ in range(depth):
        layers.append(nn.Linear(fan_in, width, init=init, rng=rng, dtype=dtype))
        if batchnorm and activation in fastact.NORM_ACTIVATIONS:
            layers.append(nn.BatchNorm(width, activation=activation, dtype=dtype))
        else:
            if batchnorm:
                layers.append(nn.BatchNorm(width, dtype=dtype))
            layers.append(nn.activation_class(activation)())
        if dropout:
            layers.append(nn.Dropout(dropout, rng=rng))
        fan_in = width
    layers.append(nn.Linear(fan_in, out_features, init=init, rng=rng, dtype=dtype))
    return nn.Sequential(*layers)
