"""Cross-check against torch.nn.init (only when PyTorch is installed; it is never a dependency):
the same fans, gains and deterministic weights, and the same distributions for the random
initializers (torch's samples against fastact's formulas, within derived tolerances)."""

import math

import numpy as np
import pytest
from reference_init import (
    assert_moments,
    max_abs_tolerance,
    normal_moments,
    truncnorm_moments,
    uniform_moments,
)

from fastact import init

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")
nn_init = torch.nn.init

SHAPES = [(3, 4), (7, 5, 3), (8, 4, 3, 3), (2, 6, 2, 3, 4), (1, 1), (64, 1, 5)]


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_match_torch(shape):
    assert init.compute_fans(shape) == nn_init._calculate_fan_in_and_fan_out(
        torch.empty(shape))


def test_fewer_than_two_dims_fail_in_both():
    with pytest.raises(ValueError):
        nn_init._calculate_fan_in_and_fan_out(torch.empty(5))
    with pytest.raises(ValueError):
        init.compute_fans((5,))


@pytest.mark.parametrize("name", ["linear", "conv1d", "conv2d", "conv3d",
                                  "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                                  "sigmoid", "tanh", "relu", "selu", "leaky_relu"])
def test_gains_match_torch(name):
    assert init.calculate_gain(name) == pytest.approx(nn_init.calculate_gain(name), rel=1e-15)
    if name == "leaky_relu":
        for slope in (0.0, 0.2, 1, -0.3):
            assert init.calculate_gain(name, slope) == pytest.approx(
                nn_init.calculate_gain(name, slope), rel=1e-15)


def test_identity_is_fastacts_alias_of_linear():
    """torch.nn.init documents Identity with gain 1 but calculate_gain rejects the name."""
    assert init.calculate_gain("identity") == nn_init.calculate_gain("linear")


def test_unknown_nonlinearity_fails_in_both():
    with pytest.raises(ValueError):
        nn_init.calculate_gain("relu7")
    with pytest.raises(ValueError):
        init.calculate_gain("relu7")


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4)])
def test_eye_matches_torch(shape):
    np.testing.assert_array_equal(init.eye(shape), nn_init.eye_(torch.empty(shape)).numpy())


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 4, 5), 1), ((3, 5, 3), 1),
                                          ((4, 2, 3), 2), ((8, 4, 3, 3), 2), ((6, 6, 3, 3, 3), 3),
                                          ((4, 8, 2, 4), 1)])
def test_dirac_matches_torch(shape, groups):
    np.testing.assert_array_equal(init.dirac(shape, groups),
                                  nn_init.dirac_(torch.empty(shape), groups).numpy())


SHAPE = (400, 100, 5, 5)  # 10^6 weights
FI, FO = 2500, 10000


def _torch_sample(fn, *args, **kwargs):
    torch.manual_seed(0)
    t = torch.empty(SHAPE, dtype=torch.float64)
    fn(t, *args, **kwargs)
    return t.numpy()


# (torch call, fastact call, distribution from fastact's formula)
CASES = {
    "xavier_uniform": (lambda: _torch_sample(nn_init.xavier_uniform_, gain=1.7),
                       lambda: init.xavier_uniform(SHAPE, 1.7, dtype=np.float64, rng=0),
                       ("uniform", 1.7 * math.sqrt(6 / (FI + FO)))),
    "xavier_normal": (lambda: _torch_sample(nn_init.xavier_normal_, gain=0.8),
                      lambda: init.xavier_normal(SHAPE, 0.8, dtype=np.float64, rng=0),
                      ("normal", 0.8 * math.sqrt(2 / (FI + FO)))),
    "kaiming_uniform": (lambda: _torch_sample(nn_init.kaiming_uniform_, a=0.1, mode="fan_out"),
                        lambda: init.kaiming_uniform(SHAPE, 0.1, "fan_out", dtype=np.float64,
                                                     rng=0),
                        ("uniform", math.sqrt(2 / 1.01) * math.sqrt(3 / FO))),
    "kaiming_normal": (lambda: _torch_sample(nn_init.kaiming_normal_, nonlinearity="relu"),
                       lambda: init.kaiming_normal(SHAPE, nonlinearity="relu",
                                                   dtype=np.float64, rng=0),
                       ("normal", math.sqrt(2) / math.sqrt(FI))),
    "kaiming_normal-tanh-fan_out": (
        lambda: _torch_sample(nn_init.kaiming_normal_, mode="fan_out", nonlinearity="tanh"),
        lambda: init.kaiming_normal(SHAPE, mode="fan_out", nonlinearity="tanh",
                                    dtype=np.float64, rng=0),
        ("normal", 5 / 3 / math.sqrt(FO))),
    "uniform": (lambda: _torch_sample(nn_init.uniform_, -0.2, 0.2),
                lambda: init.uniform(SHAPE, -0.2, 0.2, dtype=np.float64, rng=0),
                ("uniform", 0.2)),
    "normal": (lambda: _torch_sample(nn_init.normal_, 0.0, 0.3),
               lambda: init.normal(SHAPE, 0.0, 0.3, dtype=np.float64, rng=0),
               ("normal", 0.3)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_random_initializers_match_torch_distribution(name):
    torch_call, fastact_call, (kind, scale) = CASES[name]
    for label, w in (("torch", torch_call()), ("fastact", fastact_call())):
        if kind == "uniform":
            assert_moments(w, *uniform_moments(-scale, scale), context=f"{name} {label}")
            top = np.abs(w).max()
            assert scale * (1 - max_abs_tolerance(w.size)) <= top <= scale, (name, label)
        else:
            assert_moments(w, *normal_moments(0.0, scale), context=f"{name} {label}")


def test_trunc_normal_matches_torch_distribution():
    for a, b in [(-2.0, 2.0), (-0.5, 1.0)]:
        t = _torch_sample(nn_init.trunc_normal_, 0.1, 0.5, a, b)
        f = init.trunc_normal(SHAPE, 0.1, 0.5, a, b, dtype=np.float64, rng=0)
        ref = truncnorm_moments(0.1, 0.5, a, b)
        for label, w in (("torch", t), ("fastact", f)):
            assert w.min() >= a and w.max() <= b
            assert_moments(w, *ref, context=f"trunc_normal [{a}, {b}] {label}")


@pytest.mark.parametrize("shape", [(30, 100), (100, 30), (16, 8, 3, 3)])
def test_orthogonal_matches_torch_semantics(shape):
    """Both give a (semi-)orthogonal matrix scaled by gain over the same flattening."""
    torch.manual_seed(0)
    t = nn_init.orthogonal_(torch.empty(shape, dtype=torch.float64), gain=2.0).numpy()
    f = init.orthogonal(shape, 2.0, dtype=np.float64, rng=0)
    for w in (t, f):
        m = w.reshape(shape[0], -1)
        gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
        np.testing.assert_allclose(gram, 4.0 * np.eye(min(m.shape)), atol=1e-6)
