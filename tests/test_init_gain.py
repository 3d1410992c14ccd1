"""calculate_gain and variance_preserving_gain against PyTorch's values and against scipy
quadrature of independently written activations."""

import math
import types

import numpy as np
import pytest
from reference_init import ACTIVATIONS, second_moment
from scipy import integrate, special

import fastact
from fastact import init
from fastact.registry import Activation


def activation(name, **params):
    """A fastact Activation: the registered one when this build has it, else an Activation
    over a stand-in entry (calculate_gain reads only the name and parameters)."""
    if name in fastact.activations():
        return fastact.get_activation(name, **params)
    entry = types.SimpleNamespace(name=name, from_output=False, piecewise_linear=False)
    return Activation(entry, params)


TORCH_VALUES = {
    "linear": 1.0, "identity": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0,
    "conv_transpose1d": 1.0, "conv_transpose2d": 1.0, "conv_transpose3d": 1.0,
    "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 0.75,
}


@pytest.mark.parametrize("name", sorted(TORCH_VALUES))
def test_torch_fixed_gains(name):
    assert init.calculate_gain(name) == TORCH_VALUES[name]
    # PyTorch ignores param for these names (kaiming passes a=0 through).
    assert init.calculate_gain(name, 0) == TORCH_VALUES[name]


@pytest.mark.parametrize("slope", [None, 0.0, 0.01, 0.2, 1, -0.5, 3.0])
def test_leaky_relu_gain(slope):
    s = 0.01 if slope is None else slope
    assert init.calculate_gain("leaky_relu", slope) == pytest.approx(
        math.sqrt(2.0 / (1 + s * s)), rel=1e-15)


def test_leaky_relu_gain_is_variance_preserving():
    for s in (0.01, 0.2, 0.7):
        m = second_moment(lambda z, s=s: z if z > 0 else s * z, (0.0,))
        assert init.calculate_gain("leaky_relu", s) == pytest.approx(1 / math.sqrt(m), rel=1e-12)


def test_relu_integration_gives_sqrt2():
    """The quadrature reproduces He's sqrt(2) to float64 rounding, with or without the kink
    hint (the odd/even symmetry of the nodes makes it exact)."""
    g = init.variance_preserving_gain(lambda x: np.maximum(x, 0.0), kinks=(0.0,))
    assert abs(g - math.sqrt(2.0)) <= 4 * np.spacing(math.sqrt(2.0))
    g = init.variance_preserving_gain(lambda x: np.maximum(x, 0.0))
    assert abs(g - math.sqrt(2.0)) <= 4 * np.spacing(math.sqrt(2.0))
    assert init.variance_preserving_gain(lambda x: x) == pytest.approx(1.0, rel=1e-15)
    assert init.variance_preserving_gain(lambda x: 3 * x) == pytest.approx(1 / 3, rel=1e-15)


def test_variance_preserving_gain_rejects_zero_function():
    with pytest.raises(ValueError, match="no variance-preserving gain"):
        init.variance_preserving_gain(lambda x: 0 * x)


INTEGRATED = [
    ("elu", {}), ("elu", {"alpha": 0.5}), ("celu", {}), ("celu", {"alpha": 2.0}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("gelu", {"approximate": "sigmoid"}),
    ("silu", {}), ("swish", {}), ("swish", {"beta": 2.5}), ("mish", {}), ("softplus", {}),
    ("softplus", {"beta": 2.0, "threshold": 3.0}), ("hardswish", {}), ("relu6", {}),
    ("hardtanh", {}), ("hardtanh", {"min_val": -0.5, "max_val": 2.0}), ("softsign", {}),
    ("threshold", {"threshold": 0.3, "value": -0.2}),
]


@pytest.mark.parametrize("name,params", INTEGRATED,
                         ids=[f"{n}-{p}" if p else n for n, p in INTEGRATED])
def test_integrated_gain_matches_scipy(name, params):
    f, points = ACTIVATIONS[name]
    points = list(points)
    if name == "hardtanh":
        points = [params.get("min_val", -1.0), params.get("max_val", 1.0)]
    if name == "threshold":
        points = [params["threshold"]]
    if name == "softplus":
        points = [params.get("threshold", 20.0) / params.get("beta", 1.0)]
    ref = 1 / math.sqrt(second_moment(lambda z: f(z, **params), points))
    assert init.calculate_gain(name, params) == pytest.approx(ref, rel=1e-11)
    assert init.calculate_gain(activation(name, **params)) == pytest.approx(ref, rel=1e-11)


def test_main_parameter_as_number():
    assert init.calculate_gain("elu", 0.5) == init.calculate_gain("elu", {"alpha": 0.5})
    assert init.calculate_gain("swish", 1.0) == init.calculate_gain("silu")
    assert init.calculate_gain("gelu", "tanh") == init.calculate_gain(
        "gelu", {"approximate": "tanh"})
    # celu with alpha=1 is elu
    assert init.calculate_gain("celu") == pytest.approx(init.calculate_gain("elu"), rel=1e-15)
    # relu6 differs from relu only by P(z > 6) ~ 1e-9
    assert init.calculate_gain("relu6") == pytest.approx(math.sqrt(2), rel=1e-8)


def test_prelu_and_rrelu_gains():
    assert init.calculate_gain("prelu") == pytest.approx(math.sqrt(2 / (1 + 0.0625)), rel=1e-15)
    assert init.calculate_gain("prelu", 0.1) == init.calculate_gain("leaky_relu", 0.1)
    w = np.array([0.1, 0.3, 0.2])
    rms = math.sqrt(np.mean(w ** 2))
    assert init.calculate_gain("prelu", {"weight": w}) == pytest.approx(
        init.calculate_gain("leaky_relu", rms), rel=1e-15)
    lo, hi = 0.125, 1 / 3
    ea2 = integrate.quad(lambda a: a * a / (hi - lo), lo, hi, epsabs=0, epsrel=1e-13)[0]
    assert init.calculate_gain("rrelu") == pytest.approx(math.sqrt(2 / (1 + ea2)), rel=1e-13)
    # Parameters that do not change the function (layout, mode, seed) are ignored.
    assert init.calculate_gain(activation("rrelu", lower=0.1, upper=0.3, training=True,
                                          seed=3)) == pytest.approx(
        math.sqrt(2 / (1 + (0.01 + 0.03 + 0.09) / 3)), rel=1e-14)


@pytest.mark.parametrize("pieces", [1, 2, 3, 5, 16])
def test_maxout_gain(pieces):
    def density(x):
        return pieces * special.ndtr(x) ** (pieces - 1) * math.exp(-x * x / 2) / math.sqrt(
            2 * math.pi)
    m2 = integrate.quad(lambda x: x * x * density(x), -np.inf, np.inf, epsabs=0,
                        epsrel=1e-13)[0]
    assert init.calculate_gain("maxout", pieces) == pytest.approx(1 / math.sqrt(m2), rel=1e-11)
    if pieces in (1, 2):  # E[max(z1, z2)^2] = E[z^2] = 1
        assert init.calculate_gain("maxout", pieces) == pytest.approx(1.0, rel=1e-13)


def test_fixed_choices_and_none():
    assert init.calculate_gain("hardsigmoid") == 1.0
    assert init.calculate_gain(None) == 1.0
    assert init.calculate_gain(activation("relu")) == math.sqrt(2)
    assert init.calculate_gain(activation("sigmoid")) == 1.0
    assert init.calculate_gain(activation("leaky_relu", negative_slope=0.3)) == pytest.approx(
        math.sqrt(2 / 1.09), rel=1e-15)


def test_gain_is_cached():
    init.calculate_gain("mish")
    from fastact import _init_gain
    before = _init_gain._integrated_gain.cache_info().hits
    init.calculate_gain("mish")
    assert _init_gain._integrated_gain.cache_info().hits == before + 1


def test_every_registered_activation_has_a_gain_or_recommendation():
    for name in fastact.activations():
        rec = init.recommended(name)
        assert rec.gain > 0


@pytest.mark.parametrize("name,param,match", [
    ("swishy", None, "unsupported nonlinearity 'swishy'; expected one of .*leaky_relu"),
    ("softmax", None, "unsupported nonlinearity"),
    ("step", None, "unsupported nonlinearity"),
    ("leaky_relu", "0.1", "negative_slope '0.1' not a valid number"),
    ("leaky_relu", True, "not a valid number"),
    ("leaky_relu", float("nan"), "must be finite"),
    ("elu", {"beta": 1.0}, "elu has no parameter.*beta.*alpha"),
    ("silu", 1.0, "silu takes no parameter"),
    ("hardsigmoid", 1.0, "hardsigmoid takes no parameter"),
    ("gelu", "exact", "approximate must be"),
    ("maxout", None, "maxout needs the parameter 'pieces'"),
    ("maxout", 0, "positive integer"),
    ("maxout", 2.0, "positive integer"),
    ("threshold", {"threshold": 0.1}, "needs the parameter 'value'"),
    ("celu", 0.0, "alpha must not be 0"),
    ("softplus", {"beta": 0}, "beta must not be 0"),
    ("hardtanh", {"min_val": 1.0, "max_val": 1.0}, "max_val must be greater"),
    ("rrelu", {"lower": 0.5, "upper": 0.2}, "lower <= upper"),
    ("threshold", {"threshold": 100.0, "value": 0.0}, "no variance-preserving gain"),
])
def test_gain_errors(name, param, match):
    with pytest.raises(ValueError, match=match):
        init.calculate_gain(name, param)


def test_gain_type_errors():
    with pytest.raises(TypeError, match="nonlinearity must be a name"):
        init.calculate_gain(3)
    with pytest.raises(ValueError, match="param must be None"):
        init.calculate_gain(activation("relu"), 0.1)
