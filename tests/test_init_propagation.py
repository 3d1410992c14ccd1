"""The experiment the schemes come from (Glorot & Bengio 2010, He et al. 2015, Klambauer et
al. 2017): push N(0, 1) inputs through 50 fully connected layers of width 512 and watch the
activations' second moment. The right scheme keeps it in range; a fixed small std makes it
vanish geometrically and a fixed large std makes it explode (ReLU) or saturate (tanh).

Computed in float64 (a vanishing signal underflows float32 long before 1e-80)."""

import math

import numpy as np
import pytest

import fastact
from fastact import init

DEPTH, WIDTH, BATCH = 50, 512, 256
SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def _numpy_selu(h):
    return SELU_LAMBDA * np.where(h > 0, h, SELU_ALPHA * np.expm1(np.minimum(h, 0.0)))


_NUMPY = {"relu": lambda h: np.maximum(h, 0.0), "tanh": np.tanh, "selu": _numpy_selu}


def activation(name):
    """fastact's kernel when this build has it, else the numpy formula."""
    if name in fastact.activations():
        return getattr(fastact, name)
    return _NUMPY[name]


def propagate(act, weights, seed):
    """Second moments (and the last layer's activations) through DEPTH layers; weights(shape,
    gen) draws one (out, in) weight matrix."""
    gen = np.random.default_rng(seed)
    f = activation(act)
    x = gen.standard_normal((BATCH, WIDTH))
    moments = []
    for _ in range(DEPTH):
        x = f(x @ weights((WIDTH, WIDTH), gen).T)
        moments.append(float(np.mean(x * x)))
    return np.array(moments), x


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_he_relu_keeps_the_second_moment(seed):
    """He normal + ReLU: every layer's second moment within 10x of the input's (1); the
    seed-to-seed spread at this width is itself several-fold."""
    rec = init.recommended("relu")
    assert rec.initializer == "kaiming_normal"
    m, _ = propagate("relu", lambda s, g: rec(s, dtype=np.float64, rng=g), seed)
    assert np.all((m >= 0.1) & (m <= 10.0)), m


def test_xavier_tanh_does_not_collapse():
    """Glorot uniform with tanh's gain 5/3 (the recommendation) settles at a fixed point; with
    gain 1 (Glorot's original) it decays only algebraically (~1/(2 depth)), never
    geometrically like normal(std=0.01) below."""
    rec = init.recommended("tanh")
    m, _ = propagate("tanh", lambda s, g: rec(s, dtype=np.float64, rng=g), 0)
    assert np.all(m > 0.1), m
    m1, _ = propagate("tanh", lambda s, g: init.xavier_uniform(s, dtype=np.float64, rng=g), 0)
    assert m1[-1] > 1.0 / (4 * DEPTH), m1[-1]


def test_lecun_normal_selu_self_normalizes():
    rec = init.recommended("selu")
    assert rec.initializer == "lecun_normal"
    _, x = propagate("selu", lambda s, g: rec(s, dtype=np.float64, rng=g), 0)
    assert abs(x.mean()) < 0.1 and abs(x.var() - 1.0) < 0.2, (x.mean(), x.var())


def test_small_std_collapses():
    """normal(std=0.01), ReLU: each layer multiplies the second moment by 512 * 1e-4 / 2, so
    50 layers give ~1e-80. The log of the second moment after L ReLU layers of width n has
    variance ~5 L / n (Hanin & Nica 2019): 0.7 nats here; allow 6 of those."""
    m, _ = propagate("relu", lambda s, g: init.normal(s, std=0.01, dtype=np.float64, rng=g), 0)
    assert m[-1] < 1e-50, m[-1]
    expected = DEPTH * math.log(WIDTH * 1e-4 / 2)
    assert abs(math.log(m[-1]) - expected) < 6 * math.sqrt(5 * DEPTH / WIDTH), m[-1]


def test_unit_std_explodes_or_saturates():
    """normal(std=1): ReLU layers grow by 512 / 2 per layer; tanh layers saturate."""
    m, _ = propagate("relu", lambda s, g: init.normal(s, std=1.0, dtype=np.float64, rng=g), 0)
    assert m[-1] > 1e50 and math.isfinite(m[-1]), m[-1]
    _, x = propagate("tanh", lambda s, g: init.normal(s, std=1.0, dtype=np.float64, rng=g), 0)
    assert np.mean(np.abs(x) > 0.99) > 0.8
