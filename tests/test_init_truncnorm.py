"""trunc_normal: exact for any interval, however far in a tail, checked by moments against
quadrature (within tolerances derived from the sample size) and by a Kolmogorov-Smirnov bound
against a tail-stable CDF."""

import math

import numpy as np
import pytest
from reference_init import assert_ks, assert_moments, truncnorm_cdf, truncnorm_moments

from fastact import init

# (mean, std, a, b): PyTorch's default, one-sided, tails far beyond float64 CDF resolution,
# narrow intervals, intervals around and away from the mean.
CASES = [
    (0.0, 1.0, -2.0, 2.0),
    (0.0, 1.0, -np.inf, np.inf),
    (0.0, 1.0, 0.0, np.inf),
    (0.0, 1.0, -np.inf, 0.0),
    (0.0, 1.0, 0.001, 50.0),
    (0.0, 1.0, -0.1, 0.3),
    (0.0, 1.0, 1.0, 1.5),
    (0.0, 1.0, 8.0, 9.0),
    (0.0, 1.0, 30.0, np.inf),
    (0.0, 1.0, -np.inf, -40.0),
    (0.0, 1.0, 5.0, 5.001),
    (0.0, 1.0, -12.0, -11.0),
    (0.02, 0.02, -0.04, 0.04),
    (3.0, 0.5, -1.0, 1.0),
    (-1.0, 2.0, 0.0, 100.0),
]
IDS = [f"m{m}-s{s}-[{a},{b}]" for m, s, a, b in CASES]


@pytest.mark.parametrize("mean,std,a,b", CASES, ids=IDS)
def test_trunc_normal_moments_bounds_and_distribution(mean, std, a, b):
    x = init.trunc_normal((400, 500), mean, std, a, b, dtype=np.float64, rng=2024)
    assert x.min() >= a and x.max() <= b
    m, var, mu4 = truncnorm_moments(mean, std, a, b)
    assert_moments(x, m, var, mu4, context=f"trunc_normal({mean}, {std}, {a}, {b})")
    alpha, beta = (a - mean) / std, (b - mean) / std
    assert_ks((x - mean) / std, lambda z: truncnorm_cdf(z, alpha, beta), context="KS")


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_trunc_normal_bounds_hold_after_rounding(dtype):
    """Bounds that are not representable: every rounded value still lies inside [a, b]."""
    for a, b in [(-0.1, 0.1), (1 / 3, 0.3336), (0.1, 0.2), (-2.0, 2.0)]:
        x = init.trunc_normal((200, 500), 0.0, 1.0, a, b, dtype=dtype, rng=9)
        assert x.dtype == dtype
        x64 = x.astype(np.float64)
        assert x64.min() >= a and x64.max() <= b, (dtype, a, b)


def test_trunc_normal_defaults_are_torchs():
    x = init.trunc_normal((1000, 1000), dtype=np.float64, rng=0)
    assert x.min() >= -2 and x.max() <= 2
    assert_moments(x, *truncnorm_moments(0.0, 1.0, -2.0, 2.0), context="defaults")


def test_trunc_normal_tail_values_are_sane():
    """A tail 30 standard deviations out: the minimum lies just above a (within the scale
    1/a of the tail's exponential decay), nothing is NaN or inf."""
    x = init.trunc_normal(10000, 0.0, 1.0, 30.0, math.inf, dtype=np.float64, rng=1)
    assert np.all(np.isfinite(x))
    assert 30.0 <= x.min() <= 30.0 + 1 / 30 * 1e-2


def test_interval_without_a_value_of_the_dtype():
    """[1/3, 0.3334] holds no float16 (spacing 2^-12 there): an error, not values outside."""
    with pytest.raises(ValueError, match="no float16 value lies in"):
        init.trunc_normal(3, 0.0, 1.0, 1 / 3, 0.3334, dtype=np.float16, rng=0)
    with pytest.raises(ValueError, match="no float16 value lies in"):
        init.uniform(3, 1 / 3, 0.3334, dtype=np.float16, rng=0)
    a = np.ones(3, np.float16)
    with pytest.raises(ValueError):
        init.uniform_(a, 1 / 3, 0.3334, rng=0)
    assert np.all(a == 1)
    x = init.trunc_normal(1000, 0.0, 1.0, 1 / 3, 0.3334, dtype=np.float32, rng=0)
    assert np.all((x.astype(np.float64) >= 1 / 3) & (x.astype(np.float64) <= 0.3334))
