"""Weight initializers (PyTorch's ``torch.nn.init`` formulas and conventions, for numpy).

Weights follow PyTorch's layout ``(out_features, in_features, *kernel)``:
``fan_in = shape[1] * prod(kernel)``, ``fan_out = shape[0] * prod(kernel)``.

Every initializer ``NAME(shape, ..., *, dtype=np.float32, rng=None)`` returns a new array, and
``NAME_(array, ..., *, rng=None)`` fills an existing writeable float array in place and returns
it. ``rng`` is a ``numpy.random.Generator``, an int seed or None (fresh entropy). Values are
drawn in float64 in C order and rounded to the array's dtype (so float32 and float64 weights
from one seed agree to rounding), bounded initializers are clipped inward to their bounds after
rounding, and nothing runs on threads or in BLAS: a seed gives the same weights on every
machine and thread count (``orthogonal(..., lapack=True)`` trades that for speed).

``recommended(activation)`` picks the scheme the literature recommends for an activation, and
``calculate_gain`` gives the gains (see ``fastact._init_gain`` for how the ones PyTorch lacks
are computed).
"""

import math
from dataclasses import dataclass, field

import numpy as np

from ._init_gain import TORCH_FIXED_GAINS, calculate_gain, variance_preserving_gain
from ._init_qr import orthonormal_columns
from ._init_random import as_generator, standard_truncated_normal
from .normalization import _number as _real  # the shared real-number check (name, value, min)

__all__ = [
    "calculate_gain", "variance_preserving_gain", "compute_fans",
    "zeros", "zeros_", "ones", "ones_", "constant", "constant_",
    "uniform", "uniform_", "normal", "normal_", "trunc_normal", "trunc_normal_",
    "xavier_uniform", "xavier_uniform_", "xavier_normal", "xavier_normal_",
    "kaiming_uniform", "kaiming_uniform_", "kaiming_normal", "kaiming_normal_",
    "lecun_uniform", "lecun_uniform_", "lecun_normal", "lecun_normal_",
    "orthogonal", "orthogonal_", "eye", "eye_", "dirac", "dirac_",
    "recommended", "Recommendation",
]


# --- argument checks -------------------------------------------------------------------------

def _shape(shape):
    """`shape` (an int or a sequence of ints) as a tuple; TypeError/ValueError otherwise."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"shape must be an int or a sequence of ints, got "
                        f"{type(shape).__name__}") from None
    for d in dims:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"shape must contain ints, got {d!r} in {shape!r}")
        if d < 0:
            raise ValueError(f"shape must not contain negative sizes, got {shape!r}")
    return tuple(int(d) for d in dims)


def _float_dtype(dtype):
    dt = np.dtype(dtype)
    if dt.kind != "f" or dt.itemsize > 8:
        raise TypeError(f"dtype must be float16, float32 or float64, got {dt}")
    return dt


def _empty(shape, dtype):
    return np.empty(_shape(shape), dtype=_float_dtype(dtype))


def _check_array(array, name="array"):
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(array).__name__}")
    if array.dtype.kind != "f" or array.dtype.itemsize > 8:
        raise TypeError(f"{name} must have a float16/float32/float64 dtype, got {array.dtype}")
    if not array.flags.writeable:
        raise ValueError(f"{name} is read-only")


def _fill(array, values):
    """Write float64 `values` (of array's shape) into `array`, rounding to its dtype."""
    with np.errstate(over="ignore"):
        array[...] = values
    return array


def _inward_bounds(dtype, lo, hi):
    """[lo, hi] rounded inward to `dtype`: the smallest value >= lo and the largest <= hi.
    ValueError when no value of dtype lies in [lo, hi]."""
    dt = np.dtype(dtype).type
    with np.errstate(over="ignore"):
        lo_d, hi_d = dt(lo), dt(hi)
    if float(lo_d) < lo:  # compared in float64 (numpy would compare in the array's dtype)
        lo_d = np.nextafter(lo_d, dt(np.inf))
    if float(hi_d) > hi:
        hi_d = np.nextafter(hi_d, dt(-np.inf))
    if lo_d > hi_d:
        raise ValueError(f"no {np.dtype(dtype)} value lies in [{lo!r}, {hi!r}]")
    return lo_d, hi_d


def _fill_clipped(array, values, bounds):
    """_fill, then clip to `bounds` from _inward_bounds (rounding cannot leave [lo, hi])."""
    _fill(array, values)
    np.clip(array, *bounds, out=array)
    return array


# --- fans ------------------------------------------------------------------------------------

def compute_fans(shape):
    """(fan_in, fan_out) of a weight of `shape` (or an ndarray) in PyTorch's layout
    ``(out_features, in_features, *kernel)``: ``fan_in = shape[1] * prod(kernel)``,
    ``fan_out = shape[0] * prod(kernel)``. ValueError for fewer than 2 dimensions."""
    shape = shape.shape if isinstance(shape, np.ndarray) else _shape(shape)
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for a weight with fewer than 2 "
                         f"dimensions (shape {shape})")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(shape, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = compute_fans(shape)
    return fan_in if mode == "fan_in" else fan_out


# --- constants -------------------------------------------------------------------------------

def zeros_(array, *, rng=None):
    """Fill `array` with 0 in place and return it (rng is accepted and unused)."""
    _check_array(array)
    array[...] = 0
    return array


def zeros(shape, *, dtype=np.float32, rng=None):
    """A new array of `shape` filled with 0 (rng is accepted and unused)."""
    return zeros_(_empty(shape, dtype))


def ones_(array, *, rng=None):
    """Fill `array` with 1 in place and return it (rng is accepted and unused)."""
    _check_array(array)
    array[...] = 1
    return array


def ones(shape, *, dtype=np.float32, rng=None):
    """A new array of `shape` filled with 1 (rng is accepted and unused)."""
    return ones_(_empty(shape, dtype))


def constant_(array, value, *, rng=None):
    """Fill `array` with `value` (a real number, rounded to the dtype) in place; returns it."""
    _check_array(array)
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise TypeError(f"value must be a real number, got {type(value).__name__}")
    return _fill(array, float(value))


def constant(shape, value, *, dtype=np.float32, rng=None):
    """A new array of `shape` filled with `value`."""
    return constant_(_empty(shape, dtype), value)


# --- uniform and normal ----------------------------------------------------------------------

def _uniform_fill(array, a, b, rng):
    bounds = _inward_bounds(array.dtype, a, b)
    gen = as_generator(rng)
    return _fill_clipped(array, a + (b - a) * gen.random(array.shape), bounds)


def uniform_(array, a=0.0, b=1.0, *, rng=None):
    """Fill `array` in place with U(a, b) draws (a <= b, values in [a, b] after rounding to the
    dtype; ValueError if no value of the dtype lies in [a, b]); returns it."""
    _check_array(array)
    a, b = _real("a", a), _real("b", b)
    if a > b:
        raise ValueError(f"uniform needs a <= b, got a={a}, b={b}")
    return _uniform_fill(array, a, b, rng)


def uniform(shape, a=0.0, b=1.0, *, dtype=np.float32, rng=None):
    """A new array of `shape` with U(a, b) draws: mean (a+b)/2, variance (b-a)^2/12."""
    return uniform_(_empty(shape, dtype), a, b, rng=rng)


def _normal_fill(array, mean, std, rng):
    gen = as_generator(rng)
    return _fill(array, mean + std * gen.standard_normal(array.shape))


def normal_(array, mean=0.0, std=1.0, *, rng=None):
    """Fill `array` in place with N(mean, std^2) draws (std >= 0); returns it."""
    _check_array(array)
    return _normal_fill(array, _real("mean", mean), _real("std", std, 0.0), rng)


def normal(shape, mean=0.0, std=1.0, *, dtype=np.float32, rng=None):
    """A new array of `shape` with N(mean, std^2) draws."""
    return normal_(_empty(shape, dtype), mean, std, rng=rng)


def trunc_normal_(array, mean=0.0, std=1.0, a=-2.0, b=2.0, *, rng=None):
    """Fill `array` in place with N(mean, std^2) draws conditioned on a <= x <= b (PyTorch's
    defaults; a and b are absolute bounds, not in units of std, and may be infinite).

    Exact for any interval, however far in a tail (rejection sampling, see
    ``fastact._init_random``); rounded values stay in [a, b]. Needs std > 0, a < b and a value
    of the dtype in [a, b]; returns `array`.
    """
    _check_array(array)
    mean, std = _real("mean", mean), _real("std", std)
    if not std > 0:
        raise ValueError(f"trunc_normal needs std > 0, got {std!r}")
    for name, v in (("a", a), ("b", b)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(
                v, (int, float, np.integer, np.floating)) or math.isnan(v):
            raise ValueError(f"{name} must be a real number (may be infinite), got {v!r}")
    a, b = float(a), float(b)
    if not a < b:
        raise ValueError(f"trunc_normal needs a < b, got a={a}, b={b}")
    bounds = _inward_bounds(array.dtype, a, b)
    gen = as_generator(rng)
    z = standard_truncated_normal(gen, array.size, (a - mean) / std, (b - mean) / std)
    return _fill_clipped(array, (mean + std * z).reshape(array.shape), bounds)


def trunc_normal(shape, mean=0.0, std=1.0, a=-2.0, b=2.0, *, dtype=np.float32, rng=None):
    """A new array of `shape` with truncated-normal draws (see ``trunc_normal_``)."""
    return trunc_normal_(_empty(shape, dtype), mean, std, a, b, rng=rng)


# --- fan-based schemes -----------------------------------------------------------------------

def _gain(gain):
    return _real("gain", gain, 0.0)


def xavier_uniform_(array, gain=1.0, *, rng=None):
    """Glorot uniform in place: U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out))
    (variance gain^2 * 2 / (fan_in + fan_out)). Needs >= 2 dimensions; returns `array`."""
    _check_array(array)
    fan_in, fan_out = compute_fans(array.shape)
    gain = _gain(gain)
    if array.size == 0:
        return array
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _uniform_fill(array, -bound, bound, rng)


def xavier_uniform(shape, gain=1.0, *, dtype=np.float32, rng=None):
    """A new Glorot-uniform array of `shape` (see ``xavier_uniform_``)."""
    return xavier_uniform_(_empty(shape, dtype), gain, rng=rng)


def xavier_normal_(array, gain=1.0, *, rng=None):
    """Glorot normal in place: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)). Needs
    >= 2 dimensions; returns `array`."""
    _check_array(array)
    fan_in, fan_out = compute_fans(array.shape)
    gain = _gain(gain)
    if array.size == 0:
        return array
    return _normal_fill(array, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def xavier_normal(shape, gain=1.0, *, dtype=np.float32, rng=None):
    """A new Glorot-normal array of `shape` (see ``xavier_normal_``)."""
    return xavier_normal_(_empty(shape, dtype), gain, rng=rng)


_SLOPE_PARAM = ("leaky_relu", "prelu")


def _kaiming_std(shape, a, mode, nonlinearity):
    """gain / sqrt(fan_mode), with gain = calculate_gain(nonlinearity, a) as PyTorch (``a`` is
    the negative slope of leaky_relu/prelu given by name; PyTorch ignores it for its other
    names; an Activation object brings its own parameters)."""
    fan = _fan(shape, mode)
    a = _real("a", a)
    if isinstance(nonlinearity, str) and nonlinearity in _SLOPE_PARAM:
        gain = calculate_gain(nonlinearity, a)
    else:
        if a != 0 and not (isinstance(nonlinearity, str) and nonlinearity in TORCH_FIXED_GAINS):
            raise ValueError(f"a (the negative slope) is only used with nonlinearity "
                             f"'leaky_relu' or 'prelu' given by name; got a={a} with "
                             f"{nonlinearity!r}")
        gain = calculate_gain(nonlinearity)
    return gain / math.sqrt(fan) if fan else 0.0


def kaiming_uniform_(array, a=0.0, mode="fan_in", nonlinearity="leaky_relu", *, rng=None):
    """He uniform in place: U(-bound, bound), bound = gain * sqrt(3 / fan_mode) (variance
    gain^2 / fan_mode), gain = calculate_gain(nonlinearity, a).

    a: negative slope for leaky_relu/prelu; mode: 'fan_in' (preserves the forward pass's
    variance) or 'fan_out' (the backward pass's); nonlinearity: a name or a fastact Activation.
    Needs >= 2 dimensions; returns `array`.
    """
    _check_array(array)
    std = _kaiming_std(array.shape, a, mode, nonlinearity)
    if array.size == 0:
        return array
    bound = math.sqrt(3.0) * std
    return _uniform_fill(array, -bound, bound, rng)


def kaiming_uniform(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", *,
                    dtype=np.float32, rng=None):
    """A new He-uniform array of `shape` (see ``kaiming_uniform_``)."""
    return kaiming_uniform_(_empty(shape, dtype), a, mode, nonlinearity, rng=rng)


def kaiming_normal_(array, a=0.0, mode="fan_in", nonlinearity="leaky_relu", *, rng=None):
    """He normal in place: N(0, std^2), std = gain / sqrt(fan_mode), gain =
    calculate_gain(nonlinearity, a) (parameters as ``kaiming_uniform_``); returns `array`."""
    _check_array(array)
    std = _kaiming_std(array.shape, a, mode, nonlinearity)
    if array.size == 0:
        return array
    return _normal_fill(array, 0.0, std, rng)


def kaiming_normal(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", *,
                   dtype=np.float32, rng=None):
    """A new He-normal array of `shape` (see ``kaiming_normal_``)."""
    return kaiming_normal_(_empty(shape, dtype), a, mode, nonlinearity, rng=rng)


def lecun_uniform_(array, *, rng=None):
    """LeCun uniform in place: U(-bound, bound), bound = sqrt(3 / fan_in) (variance
    1 / fan_in). Needs >= 2 dimensions; returns `array`."""
    _check_array(array)
    fan_in, _ = compute_fans(array.shape)
    if array.size == 0:
        return array
    bound = math.sqrt(3.0 / fan_in)
    return _uniform_fill(array, -bound, bound, rng)


def lecun_uniform(shape, *, dtype=np.float32, rng=None):
    """A new LeCun-uniform array of `shape` (see ``lecun_uniform_``)."""
    return lecun_uniform_(_empty(shape, dtype), rng=rng)


def lecun_normal_(array, *, rng=None):
    """LeCun normal in place: N(0, 1 / fan_in) (plain, not truncated: the initialization of
    self-normalizing networks, Klambauer et al. 2017). Needs >= 2 dimensions; returns `array`."""
    _check_array(array)
    fan_in, _ = compute_fans(array.shape)
    if array.size == 0:
        return array
    return _normal_fill(array, 0.0, 1.0 / math.sqrt(fan_in), rng)


def lecun_normal(shape, *, dtype=np.float32, rng=None):
    """A new LeCun-normal array of `shape` (see ``lecun_normal_``)."""
    return lecun_normal_(_empty(shape, dtype), rng=rng)


# --- structured ------------------------------------------------------------------------------

def orthogonal_(array, gain=1.0, *, rng=None, lapack=False):
    """A (semi-)orthogonal matrix times `gain`, in place (Saxe et al. 2013, as PyTorch).

    The array is viewed as rows = shape[0] by cols = prod(shape[1:]); a float64 N(0, 1) matrix of
    that shape (transposed when rows < cols) is QR-factorized, Q taken with R's diagonal made
    positive (so Q is Haar-distributed), transposed back and written times gain. Then
    W W^T = gain^2 I when rows <= cols, W^T W = gain^2 I otherwise. Needs >= 2 dimensions.

    The QR is a Householder factorization in numpy ufuncs (``fastact._init_qr``): the same
    weights on every machine and thread count, O(rows cols min(rows, cols)) (about 1.5 s for
    1024 x 1024). ``lapack=True`` uses ``numpy.linalg.qr`` instead: much faster for large
    matrices, but the rounding then depends on the BLAS build and its thread count.
    """
    _check_array(array)
    if array.ndim < 2:
        raise ValueError(f"orthogonal needs an array with 2 or more dimensions, got shape "
                         f"{array.shape}")
    gain = _real("gain", gain)
    gen = as_generator(rng)
    if array.size == 0:
        return array
    rows = array.shape[0]
    cols = array.size // rows
    flat = gen.standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    if lapack:
        q, r = np.linalg.qr(flat)
        q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)
    else:
        q = orthonormal_columns(flat)
    if rows < cols:
        q = q.T
    return _fill(array, (gain * q).reshape(array.shape))


def orthogonal(shape, gain=1.0, *, dtype=np.float32, rng=None, lapack=False):
    """A new (semi-)orthogonal array of `shape` (see ``orthogonal_``)."""
    return orthogonal_(_empty(shape, dtype), gain, rng=rng, lapack=lapack)


def eye_(array, *, rng=None):
    """The 2-D identity in place (ones on the main diagonal of a possibly rectangular matrix,
    so a Linear layer passes its inputs through); ValueError unless 2-D. Returns `array`."""
    _check_array(array)
    if array.ndim != 2:
        raise ValueError(f"eye needs a 2-D array, got shape {array.shape}")
    array[...] = 0
    np.fill_diagonal(array, 1)
    return array


def eye(shape, *, dtype=np.float32, rng=None):
    """A new 2-D identity of `shape` (see ``eye_``)."""
    return eye_(_empty(shape, dtype))


def dirac_(array, groups=1, *, rng=None):
    """The Dirac delta for a 3/4/5-D conv weight ``(out, in/groups, *kernel)`` in place: a
    convolution that passes the first min(out/groups, in) channels of each group through
    unchanged: ``W[g*out_g + d, d, centre] = 1`` for d < min(out_g, shape[1]), 0 elsewhere
    (centre = kernel_size // 2 in each dimension). shape[0] must be divisible by groups.
    """
    _check_array(array)
    if array.ndim not in (3, 4, 5):
        raise ValueError(f"dirac needs a 3-, 4- or 5-D array, got shape {array.shape}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"groups must be a positive integer, got {groups!r}")
    if array.shape[0] % groups:
        raise ValueError(f"dim 0 ({array.shape[0]}) must be divisible by groups ({groups})")
    out_per_group = array.shape[0] // groups
    n = min(out_per_group, array.shape[1])
    centre = tuple(k // 2 for k in array.shape[2:])
    array[...] = 0
    d = np.arange(n)
    for g in range(int(groups)):
        array[(g * out_per_group + d, d, *centre)] = 1
    return array


def dirac(shape, groups=1, *, dtype=np.float32, rng=None):
    """A new Dirac conv weight of `shape` (see ``dirac_``)."""
    return dirac_(_empty(shape, dtype), groups)


# --- recommendations -------------------------------------------------------------------------

@dataclass(frozen=True)
class Recommendation:
    """An initializer and its parameters: ``fastact.init.<initializer>(shape, **params)``.

    Call it (``rec(shape, dtype=..., rng=...)``) for a new array or use ``rec.fill_(array,
    rng=...)``; ``gain`` is the gain it applies and ``reason`` the source of the choice.
    """
    initializer: str
    params: dict = field(default_factory=dict)
    gain: float = 1.0
    reason: str = ""

    def __call__(self, shape, *, dtype=np.float32, rng=None):
        return globals()[self.initializer](shape, **self.params, dtype=dtype, rng=rng)

    def fill_(self, array, *, rng=None):
        """Initialize `array` in place; returns it."""
        return globals()[self.initializer + "_"](array, **self.params, rng=rng)


_RELU = "He et al. 2015: variance-preserving for rectifiers"
_XAVIER = "Glorot & Bengio 2010: balances forward and backward variance for squashing units"
_HE_GENERAL = ("He et al. 2015 applied to f: std = gain / sqrt(fan_in), gain = 1/sqrt(E[f(z)^2])"
               " (variance-preserving for N(0,1) pre-activations)")
_NEUTRAL = "no principled gain: Glorot uniform with gain 1 (as for a linear output layer)"

_XAVIER_NAMES = ("none", "linear", "identity", "sigmoid", "hardsigmoid", "tanh", "softsign",
                 "hardtanh")
_NEUTRAL_NAMES = ("softmax", "log_softmax", "step")
_HE_NAMES = ("elu", "celu", "gelu", "silu", "swish", "mish", "softplus", "hardswish",
             "threshold", "maxout", "rrelu")


# Parameters PyTorch/fastact require (no defaults) that recommended() assumes when given only a
# name: threshold(0, 0) is ReLU; maxout with two pieces.
_NAME_DEFAULTS = {"threshold": {"threshold": 0.0, "value": 0.0}, "maxout": {"pieces": 2}}


@dataclass(frozen=True)
class _NamedOnly:
    name: str
    from_output: bool = False
    piecewise_linear: bool = False


def recommended(activation):
    """The initializer the literature recommends for the layer feeding `activation`.

    - relu, relu6: He normal (``kaiming_normal``, fan_in, gain sqrt(2));
      leaky_relu / prelu: He normal with the slope (gain sqrt(2/(1+slope^2)), PReLU slope 0.25).
    - selu: ``lecun_normal`` (Klambauer et al. 2017: keeps mean 0 / variance 1).
    - none/linear/identity, sigmoid, hardsigmoid, tanh, softsign, hardtanh: Glorot uniform
      (``xavier_uniform``) with ``calculate_gain`` of the activation (tanh 5/3 as PyTorch).
    - elu, celu, gelu, silu, swish, mish, softplus, hardswish, threshold, maxout, rrelu: He normal
      with their variance-preserving gain (``calculate_gain``).
      By name alone, threshold is taken as threshold=0, value=0 (ReLU) and maxout as 2 pieces;
      pass an Activation to use other parameters.
    - softmax, log_softmax, step: Glorot uniform, gain 1 (no principled gain).

    activation: a name, None (= linear) or a fastact.registry.Activation (its parameters are
    used). Returns a Recommendation (initializer name, params, gain, reason); ValueError for
    an unknown name, listing the valid ones.
    """
    from .registry import Activation
    if activation is None:
        activation = "none"
    if isinstance(activation, Activation):
        name, params = activation.name, activation.params
    elif isinstance(activation, str):
        name, params = activation, {}
    else:
        raise TypeError(f"activation must be a name, None or a fastact Activation, got "
                        f"{type(activation).__name__}")
    nonlinearity = activation if params else name
    if name in ("relu", "relu6"):
        return Recommendation("kaiming_normal", {"a": 0.0, "mode": "fan_in",
                                                 "nonlinearity": "relu"}, math.sqrt(2.0), _RELU)
    if name in ("leaky_relu", "prelu"):
        key = "negative_slope" if name == "leaky_relu" else "weight"
        slope = params.get(key, 0.01 if name == "leaky_relu" else 0.25)
        gain = calculate_gain(name, {key: slope})
        slope = float(np.sqrt(np.mean(np.square(slope)))) if np.ndim(slope) else float(slope)
        return Recommendation("kaiming_normal", {"a": slope, "mode": "fan_in",
                                                 "nonlinearity": "leaky_relu"}, gain, _RELU)
    if name == "selu":
        return Recommendation("lecun_normal", {}, 1.0,
                              "Klambauer et al. 2017: self-normalizing networks")
    if name in _XAVIER_NAMES:
        nl = "linear" if name == "none" else nonlinearity
        gain = calculate_gain(nl)
        return Recommendation("xavier_uniform", {"gain": gain}, gain, _XAVIER)
    if name in _NEUTRAL_NAMES:
        return Recommendation("xavier_uniform", {"gain": 1.0}, 1.0, _NEUTRAL)
    if name in _HE_NAMES:
        if name in _NAME_DEFAULTS and not params:
            nonlinearity = Activation(_NamedOnly(name), _NAME_DEFAULTS[name])
        gain = calculate_gain(nonlinearity)
        return Recommendation("kaiming_normal", {"a": 0.0, "mode": "fan_in",
                                                 "nonlinearity": nonlinearity}, gain,
                              _HE_GENERAL)
    valid = sorted({"relu", "relu6", "leaky_relu", "prelu", "selu", *_XAVIER_NAMES,
                    *_NEUTRAL_NAMES, *_HE_NAMES})
    raise ValueError(f"no recommendation for activation {name!r}; expected one of "
                     f"{', '.join(valid)}")

