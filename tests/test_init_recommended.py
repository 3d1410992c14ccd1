"""fastact.init.recommended: the literature's initializer for each activation."""

import math
import types

import numpy as np
import pytest
from reference_init import assert_moments, normal_moments, uniform_moments

import fastact
from fastact import init
from fastact.registry import Activation


def activation(name, **params):
    if name in fastact.activations():
        return fastact.get_activation(name, **params)
    entry = types.SimpleNamespace(name=name, from_output=False, piecewise_linear=False)
    return Activation(entry, params)


EXPECTED = {  # name -> (initializer, gain)
    "relu": ("kaiming_normal", math.sqrt(2)),
    "relu6": ("kaiming_normal", math.sqrt(2)),
    "leaky_relu": ("kaiming_normal", math.sqrt(2 / (1 + 0.01 ** 2))),
    "prelu": ("kaiming_normal", math.sqrt(2 / (1 + 0.25 ** 2))),
    "selu": ("lecun_normal", 1.0),
    "tanh": ("xavier_uniform", 5 / 3),
    "sigmoid": ("xavier_uniform", 1.0),
    "hardsigmoid": ("xavier_uniform", 1.0),
    "softmax": ("xavier_uniform", 1.0),
    "log_softmax": ("xavier_uniform", 1.0),
    "none": ("xavier_uniform", 1.0),
    "linear": ("xavier_uniform", 1.0),
    "identity": ("xavier_uniform", 1.0),
    "step": ("xavier_uniform", 1.0),
    "threshold": ("kaiming_normal", math.sqrt(2)),
    "maxout": ("kaiming_normal", 1.0),
}
HE_INTEGRATED = ["elu", "celu", "gelu", "silu", "swish", "mish", "softplus", "hardswish",
                 "rrelu"]
XAVIER_INTEGRATED = ["softsign", "hardtanh"]


@pytest.mark.parametrize("name", sorted(EXPECTED) + HE_INTEGRATED + XAVIER_INTEGRATED)
def test_recommended_initializer_and_gain(name):
    rec = init.recommended(name)
    if name in EXPECTED:
        assert rec.initializer == EXPECTED[name][0]
        assert rec.gain == pytest.approx(EXPECTED[name][1], rel=1e-12)
    else:
        kind = "kaiming_normal" if name in HE_INTEGRATED else "xavier_uniform"
        assert rec.initializer == kind
        assert rec.gain == init.calculate_gain(name)
    assert rec.reason
    assert callable(getattr(init, rec.initializer))


@pytest.mark.parametrize("name", sorted(EXPECTED) + HE_INTEGRATED + XAVIER_INTEGRATED)
def test_recommendation_draws_the_documented_distribution(name):
    rec = init.recommended(name)
    shape = (2000, 500)
    fan_in, fan_out = 500, 2000
    w = rec(shape, dtype=np.float64, rng=8)
    if rec.initializer == "xavier_uniform":
        bound = rec.gain * math.sqrt(6 / (fan_in + fan_out))
        assert_moments(w, *uniform_moments(-bound, bound), context=name)
        assert np.abs(w).max() <= bound
    else:
        std = rec.gain / math.sqrt(fan_in)
        assert_moments(w, *normal_moments(0.0, std), context=name)
    a = np.empty(shape)
    assert rec.fill_(a, rng=8) is a
    np.testing.assert_array_equal(a, w)


def test_activation_objects_bring_their_parameters():
    rec = init.recommended(activation("leaky_relu", negative_slope=0.2))
    assert rec.initializer == "kaiming_normal" and rec.params["a"] == 0.2
    assert rec.gain == pytest.approx(math.sqrt(2 / 1.04), rel=1e-15)
    rec = init.recommended(activation("elu", alpha=0.5))
    assert rec.gain == init.calculate_gain("elu", 0.5) != init.calculate_gain("elu")
    w = rec((1000, 1000), dtype=np.float64, rng=0)
    assert_moments(w, *normal_moments(0.0, rec.gain / math.sqrt(1000)))
    rec = init.recommended(activation("hardtanh", min_val=-2.0, max_val=2.0))
    assert rec.gain == init.calculate_gain("hardtanh", {"min_val": -2.0, "max_val": 2.0})
    rec = init.recommended(activation("threshold", threshold=0.5, value=0.0))
    assert rec.gain == init.calculate_gain("threshold", {"threshold": 0.5, "value": 0.0})
    rec = init.recommended(activation("maxout", pieces=4, axis=-1))
    assert rec.gain == init.calculate_gain("maxout", 4)
    rec = init.recommended(activation("prelu", weight=np.full(3, 0.1), axis=1))
    assert rec.gain == pytest.approx(init.calculate_gain("leaky_relu", 0.1), rel=1e-14)
    assert init.recommended(None) == init.recommended("none")
    assert init.recommended(fastact.get_activation("relu")) == init.recommended("relu")


def test_every_registered_activation_has_a_recommendation():
    for name in fastact.activations():
        rec = init.recommended(name)
        assert rec.gain > 0
        assert rec((4, 3), rng=0).shape == (4, 3)


def test_recommended_errors():
    with pytest.raises(ValueError, match="no recommendation for activation 'foo'; expected one"
                                         " of .*relu.*selu"):
        init.recommended("foo")
    with pytest.raises(TypeError, match="activation must be a name"):
        init.recommended(3.0)
