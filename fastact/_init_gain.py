"""Gains for the initializers: ``calculate_gain`` and the variance-preserving gain of any
activation, computed by numerical integration (numpy only).

PyTorch's values are kept for PyTorch's names (``tanh`` 5/3 and ``selu`` 3/4 are PyTorch's
choices, not variance-preserving ones). Every other fastact activation with a principled value
gets the variance-preserving gain for N(0, 1) pre-activations,

    gain = 1 / sqrt(E[f(z)^2]),   z ~ N(0, 1),

the factor He et al. (2015) derived for ReLU (E[relu(z)^2] = 1/2 gives sqrt(2)): with weights
of variance gain^2 / fan_in, a layer's pre-activations keep the second moment of the previous
layer's. E[f(z)^2] is computed by composite Gauss-Legendre quadrature of f(z)^2 * phi(z) on
[-14, 14] (the tail beyond contributes below 1e-40 for the functions here), in panels of width
at most 1 split at f's kinks (so piecewise functions such as hardswish converge as fast as
smooth ones; Gauss-Hermite over the whole line would converge slowly across a kink), 24 nodes
per panel: the result is accurate to a few units of float64 rounding. Values are cached.
"""

import functools
import math

import numpy as np

__all__ = ["calculate_gain", "variance_preserving_gain", "gain_names", "TORCH_FIXED_GAINS"]

_LIMIT = 14.0
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(24)
_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def _phi_cdf(x):
    """Standard normal CDF, accurate in both tails."""
    return 0.5 * _erfc(-x / _SQRT2)


def _sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def _expectation(g, kinks=()):
    """E[g(z)] for z ~ N(0, 1) by composite Gauss-Legendre quadrature split at `kinks`."""
    edges = set(np.arange(-_LIMIT, _LIMIT + 0.5, 1.0).tolist())
    edges.update(float(k) for k in kinks if -_LIMIT < k < _LIMIT and math.isfinite(k))
    edges = np.array(sorted(edges))
    lo, hi = edges[:-1, None], edges[1:, None]
    half = (hi - lo) / 2.0
    z = lo + half * (_NODES[None, :] + 1.0)
    w = half * _WEIGHTS[None, :]
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        vals = g(z.ravel()).reshape(z.shape) * np.exp(-0.5 * z * z) * _INV_SQRT_2PI
    return float(np.sum(vals * w))


def variance_preserving_gain(f, kinks=()):
    """gain = 1 / sqrt(E[f(z)^2]) for z ~ N(0, 1), by quadrature (see the module docstring).

    f: vectorized float64 function (ndarray -> ndarray of the same shape).
    kinks: points where f or its derivative jumps (the quadrature splits there).
    Returns a float; ValueError when E[f(z)^2] is 0 or not finite.
    """
    second = _expectation(lambda z: np.square(f(z)), kinks)
    if not (math.isfinite(second) and second > 0.0):
        raise ValueError(f"E[f(z)^2] = {second!r}: no variance-preserving gain exists")
    return 1.0 / math.sqrt(second)


# --- the activations, written in float64 for the quadrature only -------------------------

def _gelu(approximate):
    if approximate == "none":
        return lambda x: 0.5 * x * _erfc(-x / _SQRT2)
    if approximate == "tanh":
        c = math.sqrt(2.0 / math.pi)
        return lambda x: 0.5 * x * (1.0 + np.tanh(c * (x + 0.044715 * x ** 3)))
    return lambda x: x * _sigmoid(1.702 * x)


def _softplus(beta, threshold):
    return lambda x: np.where(beta * x > threshold, x, np.logaddexp(0.0, beta * x) / beta)


def _maxout_second_moment(pieces):
    """E[max(z_1..z_k)^2] for k iid N(0, 1): the density of the max is k phi(x) Phi(x)^(k-1)."""
    return _expectation(lambda x: x * x * pieces * _phi_cdf(x) ** (pieces - 1))


# name -> (((param, default), ...), builder(params) -> (f, kinks))
_INTEGRATED = {
    "elu": ((("alpha", 1.0),),
            lambda p: (lambda x: np.where(x > 0, x, p["alpha"] * np.expm1(np.minimum(x, 0))),
                       (0.0,))),
    "celu": ((("alpha", 1.0),),
             lambda p: (lambda x: np.maximum(x, 0) + np.minimum(
                 0.0, p["alpha"] * np.expm1(np.minimum(x, 0) / p["alpha"])), (0.0,))),
    "gelu": ((("approximate", "none"),), lambda p: (_gelu(p["approximate"]), ())),
    "silu": ((), lambda p: (lambda x: x * _sigmoid(x), ())),
    "swish": ((("beta", 1.0),), lambda p: (lambda x: x * _sigmoid(p["beta"] * x), ())),
    "mish": ((), lambda p: (lambda x: x * np.tanh(np.logaddexp(0.0, x)), ())),
    "softplus": ((("beta", 1.0), ("threshold", 20.0)),
                 lambda p: (_softplus(p["beta"], p["threshold"]),
                            (p["threshold"] / p["beta"],))),
    "hardswish": ((), lambda p: (lambda x: x * np.clip(x + 3.0, 0.0, 6.0) / 6.0, (-3.0, 3.0))),
    "relu6": ((), lambda p: (lambda x: np.clip(x, 0.0, 6.0), (0.0, 6.0))),
    "hardtanh": ((("min_val", -1.0), ("max_val", 1.0)),
                 lambda p: (lambda x: np.clip(x, p["min_val"], p["max_val"]),
                            (p["min_val"], p["max_val"]))),
    "softsign": ((), lambda p: (lambda x: x / (1.0 + np.abs(x)), (0.0,))),
    "threshold": ((("threshold", None), ("value", None)),
                  lambda p: (lambda x: np.where(x > p["threshold"], x, p["value"]),
                             (p["threshold"],))),
}

# PyTorch's fixed gains (torch.nn.init.calculate_gain ignores `param` for these).
TORCH_FIXED_GAINS = {
    "linear": 1.0, "identity": 1.0,
    "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0,
    "conv_transpose1d": 1.0, "conv_transpose2d": 1.0, "conv_transpose3d": 1.0,
    "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 3.0 / 4,
}
# fastact's documented choices where variance preservation is not the criterion: hardsigmoid
# is a sigmoid (PyTorch's sigmoid gain, 1).
_FIXED = {"hardsigmoid": 1.0}
# Rectifiers with a closed form sqrt(2 / (1 + E[slope^2])).
_LEAKY = {"leaky_relu": (("negative_slope", 0.01),), "prelu": (("weight", 0.25),),
          "rrelu": (("lower", 1.0 / 8), ("upper", 1.0 / 3))}
_MAXOUT = {"maxout": (("pieces", None),)}

# The main parameter a plain-number `param` sets (PyTorch passes the slope for leaky_relu).
_PARAM_KEY = {"leaky_relu": "negative_slope", "prelu": "weight", "elu": "alpha", "celu": "alpha",
              "swish": "beta", "softplus": "beta", "gelu": "approximate", "maxout": "pieces"}


def gain_names():
    """Sorted names calculate_gain accepts."""
    return sorted({*TORCH_FIXED_GAINS, *_FIXED, *_LEAKY, *_MAXOUT, *_INTEGRATED})


def _number(name, key, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name}: {key} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}: {key} must be finite, got {value!r}")
    return value


def _params(name, spec, param):
    """Merge `param` (None, a number for the main parameter, or a dict) with the defaults."""
    if param is None:
        given = {}
    elif isinstance(param, dict):
        given = dict(param)
    elif name in _PARAM_KEY:
        given = {_PARAM_KEY[name]: param}
    else:
        raise ValueError(f"{name} takes no parameter (got param={param!r})")
    keys = [k for k, _ in spec]
    unknown = sorted(set(given) - set(keys))
    if unknown:
        raise ValueError(f"{name} has no parameter(s) {', '.join(unknown)}; its parameters are:"
                         f" {', '.join(keys) or 'none'}")
    out = {}
    for key, default in spec:
        value = given.get(key, default)
        if value is None:
            raise ValueError(f"{name} needs the parameter {key!r} to compute a gain")
        if key == "approximate":
            if value not in ("none", "tanh", "sigmoid"):
                raise ValueError(f"gelu: approximate must be 'none', 'tanh' or 'sigmoid', "
                                 f"got {value!r}")
        elif key == "pieces":
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"maxout: pieces must be a positive integer, got {value!r}")
            value = int(value)
        elif key == "weight" and isinstance(value, np.ndarray):
            value = float(np.sqrt(np.mean(np.square(value, dtype=np.float64))))  # RMS slope
            value = _number(name, key, value)
        else:
            value = _number(name, key, value)
        out[key] = value
    return out


def _validate(name, p):
    if name == "celu" and p["alpha"] == 0:
        raise ValueError("celu: alpha must not be 0")
    if name in ("softplus",) and p["beta"] == 0:
        raise ValueError("softplus: beta must not be 0")
    if name == "hardtanh" and not p["max_val"] > p["min_val"]:
        raise ValueError("hardtanh: max_val must be greater than min_val")
    if name == "rrelu" and not 0 <= p["lower"] <= p["upper"]:
        raise ValueError("rrelu: need 0 <= lower <= upper")


@functools.lru_cache(maxsize=256)
def _integrated_gain(name, items):
    f, kinks = _INTEGRATED[name][1](dict(items))
    return variance_preserving_gain(f, kinks)


# Activation parameters that do not change the function's values for a gain.
_NOT_SHAPING = ("axis", "training", "seed")


def _split_nonlinearity(nonlinearity, param):
    """(name, param) from a name or a fastact.registry.Activation."""
    from .registry import Activation
    if isinstance(nonlinearity, Activation):
        if param is not None:
            raise ValueError("param must be None when nonlinearity is an Activation (its "
                             "parameters are used)")
        params = {k: v for k, v in nonlinearity.params.items() if k not in _NOT_SHAPING}
        return nonlinearity.name, params
    if nonlinearity is None:
        return "linear", param
    if not isinstance(nonlinearity, str):
        raise TypeError(f"nonlinearity must be a name or a fastact Activation, got "
                        f"{type(nonlinearity).__name__}")
    return nonlinearity, param


def calculate_gain(nonlinearity, param=None):
    """The recommended gain (scale factor on the weights' std) for a nonlinearity.

    PyTorch's values for PyTorch's names: linear, identity, conv*, conv_transpose*, sigmoid -> 1;
    tanh -> 5/3; relu -> sqrt(2); selu -> 3/4; leaky_relu -> sqrt(2 / (1 + slope^2)) with
    ``param`` the negative slope (default 0.01). Also: prelu -> the same with its slope (default
    0.25, PyTorch's PReLU init; an array of slopes uses their RMS); rrelu -> sqrt(2 / (1 +
    E[a^2])) for the training-mode slope a ~ U(lower, upper); hardsigmoid -> 1 (as sigmoid);
    maxout(pieces) -> 1/sqrt(E[max of `pieces` N(0,1)^2]) (1 for two pieces); and the
    variance-preserving gain 1/sqrt(E[f(z)^2]), z ~ N(0, 1) (He et al.'s derivation; it gives
    sqrt(2) for relu) for elu, celu, gelu (each ``approximate``), silu, swish, mish, softplus,
    hardswish, relu6, hardtanh, softsign and threshold (which needs both parameters).
    E[f(z)^2] is computed in float64 by composite Gauss-Legendre quadrature of f(z)^2 phi(z) on
    [-14, 14], 24 nodes per panel of width <= 1, panels split at f's kinks (accurate to a few
    float64 ULP), and cached per (name, parameters).
    step, softmax and log_softmax have no principled gain (``recommended`` documents their
    initializers).

    Parameters
    ----------
    nonlinearity : str, fastact.registry.Activation or None (= linear)
    param : number, str or dict, optional
        A number (or gelu's ``approximate`` string) sets the main parameter (leaky_relu/prelu
        slope, elu/celu alpha, swish/softplus beta, maxout pieces); a dict sets any of the
        activation's parameters. Ignored for PyTorch's fixed-gain names, as in PyTorch.

    Returns
    -------
    float. ValueError for an unknown name (listing the valid ones) or a bad parameter.
    """
    name, param = _split_nonlinearity(nonlinearity, param)
    if name in TORCH_FIXED_GAINS:
        return TORCH_FIXED_GAINS[name]
    if name in _FIXED:
        _params(name, (), param)
        return _FIXED[name]
    if name in _LEAKY:
        if name == "leaky_relu" and param is not None and not isinstance(param, dict) and (
                isinstance(param, bool) or not isinstance(param, (int, float, np.number))):
            raise ValueError(f"negative_slope {param!r} not a valid number")
        p = _params(name, _LEAKY[name], param)
        _validate(name, p)
        if name == "rrelu":
            lo, hi = p["lower"], p["upper"]
            slope_sq = (lo * lo + lo * hi + hi * hi) / 3.0
        else:
            slope = next(iter(p.values()))
            slope_sq = slope * slope
        return math.sqrt(2.0 / (1.0 + slope_sq))
    if name in _MAXOUT:
        p = _params(name, _MAXOUT[name], param)
        return 1.0 / math.sqrt(_maxout_second_moment(p["pieces"]))
    if name in _INTEGRATED:
        p = _params(name, _INTEGRATED[name][0], param)
        _validate(name, p)
        return _integrated_gain(name, tuple(sorted(p.items())))
    raise ValueError(f"unsupported nonlinearity {name!r}; expected one of "
                     f"{', '.join(gain_names())}")
