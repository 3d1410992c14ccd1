"""How the layers reach fastact.init: a stand-in module put in sys.modules['fastact.init']
records the calls, so these tests hold whether or not this build has fastact.init."""

import math
import sys
import types

import numpy as np
import pytest

from fastact import nn


@pytest.fixture
def fake_init(monkeypatch):
    calls = []

    def make(name, value):
        def fn(shape, rng=None, dtype=np.float32, **kwargs):
            calls.append((name, tuple(shape), kwargs))
            return np.full(shape, value, dtype)
        return fn

    module = types.ModuleType("fastact.init")
    module.kaiming_uniform = make("kaiming_uniform", 1.0)
    module.kaiming_normal = make("kaiming_normal", 2.0)
    module.xavier_normal = make("xavier_normal", 3.0)
    class Recommendation:  # callable, like fastact.init's
        def __init__(self, name, params):
            self.name, self.params = name, params

        def __call__(self, shape, *, dtype=np.float32, rng=None):
            return getattr(module, self.name)(shape, **self.params, dtype=dtype, rng=rng)

    def recommended(activation):
        name = getattr(activation, "name", activation)  # a name or a registry Activation
        calls.append(("recommended", name, getattr(activation, "params", None)))
        table = {"relu": ("kaiming_normal", {"nonlinearity": "relu"}),
                 "sigmoid": "xavier_normal",
                 "leaky_relu": Recommendation("kaiming_normal", {"a": 0.2})}
        if name not in table:
            raise ValueError(f"no recommendation for activation {name!r}")
        return table[name]

    module.recommended = recommended
    monkeypatch.setitem(sys.modules, "fastact.init", module)
    return calls


def test_default_is_kaiming_uniform_sqrt5(fake_init):
    layer = nn.Linear(3, 2)
    assert fake_init == [("kaiming_uniform", (2, 3), {"a": math.sqrt(5)})]
    assert (layer.params["weight"] == 1.0).all()


def test_sequential_uses_recommended_for_the_following_activation(fake_init):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm(4), nn.ReLU(), nn.Linear(4, 4),
                          nn.Dropout(0.1), nn.Sigmoid(), nn.Linear(4, 2))
    assert (model[0].params["weight"] == 2.0).all()  # kaiming_normal for relu
    assert (model[3].params["weight"] == 3.0).all()  # xavier_normal for sigmoid
    assert (model[6].params["weight"] == 1.0).all()  # nothing follows: PyTorch's default
    assert ("kaiming_normal", (4, 3), {"nonlinearity": "relu"}) in fake_init
    fused = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm(4, activation="relu"))
    assert (fused[0].params["weight"] == 2.0).all()


def test_recommended_gets_the_activation_parameters(fake_init):
    model = nn.Sequential(nn.Linear(3, 4), nn.Activation("sigmoid"))
    assert ("recommended", "sigmoid", {}) in fake_init
    assert (model[0].params["weight"] == 3.0).all()
    if "leaky_relu" in __import__("fastact").activations():
        nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(negative_slope=0.2))
        assert ("recommended", "leaky_relu", {"negative_slope": 0.2}) in fake_init
        assert ("kaiming_normal", (4, 3), {"a": 0.2}) in fake_init


def test_no_recommendation_falls_back_to_the_default(fake_init):
    layer = nn.Linear(3, 4, nonlinearity="unlisted")
    assert (layer.params["weight"] == 1.0).all()  # kaiming_uniform(a=sqrt(5))


def test_explicit_init_wins(fake_init):
    model = nn.Sequential(nn.Linear(3, 4, init="xavier_normal"), nn.ReLU())
    assert (model[0].params["weight"] == 3.0).all()
    assert (model[0].params["bias"] == 0).all()
    layer = nn.Linear(3, 4, init=("kaiming_normal", {"mode": "fan_out"}))
    assert fake_init[-1] == ("kaiming_normal", (4, 3), {"mode": "fan_out"})
    assert (layer.params["weight"] == 2.0).all()
    with pytest.raises(ValueError, match="no_such_init"):
        nn.Linear(3, 4, init="no_such_init")


def test_without_fastact_init(monkeypatch):
    monkeypatch.setitem(sys.modules, "fastact.init", None)  # import fails
    layer = nn.Linear(100, 10, rng=0)
    assert np.abs(layer.params["weight"]).max() <= 0.1
    model = nn.Sequential(nn.Linear(100, 10, rng=0), nn.ReLU())
    np.testing.assert_array_equal(model[0].params["weight"], layer.params["weight"])
    with pytest.raises(ValueError, match="needs fastact.init"):
        nn.Linear(3, 4, init="xavier_normal")
