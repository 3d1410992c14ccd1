"""rrelu in training and dropout: distributions (within bounds derived from the sample size),
reproducibility for a seed at any thread count, CPU capability and layout, backward against
finite differences, bad input."""

import numpy as np
import pytest
from special_util import assert_bit_identical, at_every_level_and_thread_count

import fastact

N = 400_000  # large enough to run threaded (> 2 * SPECIAL_GRAIN)
Z = 5.0      # allowed deviation in standard errors


def test_rrelu_slopes_uniform_in_bounds(dtype):
    x = -np.abs(np.random.default_rng(0).standard_normal(N)).astype(dtype) - 0.1
    lower, upper = 0.1, 0.4
    y, noise = fastact.rrelu(x, lower, upper, training=True, seed=11)
    assert noise.dtype == np.dtype(dtype) and noise.shape == x.shape
    assert noise.min() >= np.asarray(lower, dtype) and noise.max() <= np.asarray(upper, dtype)
    np.testing.assert_array_equal(y, x * noise)
    mean, var = (lower + upper) / 2, (upper - lower) ** 2 / 12
    assert abs(noise.mean(dtype=np.float64) - mean) <= Z * np.sqrt(var / N)
    # variance of a uniform sample: var(s^2) = (mu4 - var^2) / N with mu4 = (u-l)^4 / 80
    mu4 = (upper - lower) ** 4 / 80
    assert abs(noise.var(dtype=np.float64) - var) <= Z * np.sqrt((mu4 - var ** 2) / N)
    # uniform over the range: each of 10 bins holds N/10 +- Z binomial standard deviations
    counts = np.histogram(noise, bins=10, range=(lower, upper))[0]
    assert (np.abs(counts - N / 10) <= Z * np.sqrt(N * 0.1 * 0.9)).all()
    # neighbours are uncorrelated
    a = noise[:-1].astype(np.float64) - mean
    b = noise[1:].astype(np.float64) - mean
    assert abs(np.mean(a * b) / var) <= Z / np.sqrt(N)


def test_rrelu_noise_is_one_for_positive_and_nan(dtype):
    x = np.array([1.0, 0.0, -0.0, -1.0, np.nan, np.inf, -np.inf, 2.0], dtype)
    with np.errstate(invalid="ignore"):
        y, noise = fastact.rrelu(x, training=True, seed=3)
    assert noise[0] == 1 and noise[5] == 1 and noise[7] == 1 and noise[4] == 1
    assert np.isnan(y[4]) and y[5] == np.inf and y[6] == -np.inf
    assert (noise[[1, 2, 3, 6]] >= np.asarray(1 / 8, dtype)).all()
    assert (noise[[1, 2, 3, 6]] <= np.asarray(1 / 3, dtype)).all()
    assert y[1] == 0 and y[3] == -noise[3]


def test_rrelu_equal_bounds_is_leaky_relu():
    x = np.random.default_rng(1).standard_normal(1000)
    y, noise = fastact.rrelu(x, 0.25, 0.25, training=True, seed=1)
    np.testing.assert_array_equal(y, np.where(x > 0, x, 0.25 * x))


def _random_outputs(x, g):
    y, noise = fastact.rrelu(x, training=True, seed=12345)
    d, mask = fastact.dropout(x, 0.3, seed=12345)
    return [y, noise, d, mask, fastact.rrelu_backward(g, x, noise, training=True),
            fastact.dropout_backward(g, mask, 0.3)]


def test_reproducible_for_any_threads_cpu_level_and_layout(dtype):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((600, 701)).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    results = at_every_level_and_thread_count(lambda: _random_outputs(x, g))
    results.append(_random_outputs(np.asfortranarray(x), np.asfortranarray(g)))
    results.append(_random_outputs(x[::-1][::-1], g))
    assert_bit_identical(results)
    # a slice of the input gets the elements' own draws only when it is the same elements
    y2, n2 = fastact.rrelu(x[:10], training=True, seed=12345)
    np.testing.assert_array_equal(n2, results[0][1][:10])


def test_seeds_differ_and_none_draws_fresh():
    x = -np.ones(1000)
    a = fastact.rrelu(x, training=True, seed=1)[1]
    b = fastact.rrelu(x, training=True, seed=2)[1]
    c = fastact.rrelu(x, training=True, seed=2**64 - 1)[1]
    assert not np.array_equal(a, b) and not np.array_equal(b, c)
    assert not np.array_equal(fastact.rrelu(x, training=True)[1],
                              fastact.rrelu(x, training=True)[1])
    assert not np.array_equal(fastact.dropout(x)[1], fastact.dropout(x)[1])
    # dropout and rrelu draw from different streams of one seed
    m = fastact.dropout(x, 0.5, seed=1)[1]
    assert abs(np.corrcoef(m, a)[0, 1]) < Z / np.sqrt(1000)


def test_mask_is_the_same_for_float32_and_float64():
    x = np.random.default_rng(3).standard_normal(10_001)
    m64 = fastact.dropout(x, 0.2, seed=9)[1]
    m32 = fastact.dropout(x.astype(np.float32), 0.2, seed=9)[1]
    np.testing.assert_array_equal(m32, m64)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_distribution_and_scaling(p, dtype):
    x = np.random.default_rng(4).standard_normal(N).astype(dtype)
    y, mask = fastact.dropout(x, p, seed=21)
    assert mask.dtype == np.bool_ and mask.shape == x.shape
    keep = mask.mean()
    assert abs(keep - (1 - p)) <= Z * np.sqrt(p * (1 - p) / N)
    pairs = np.mean(mask[:-1] & mask[1:])
    assert abs(pairs - (1 - p) ** 2) <= Z * np.sqrt((1 - p) ** 2 * (1 - (1 - p) ** 2) / N)
    scale = np.asarray(1 / (1 - p), dtype)
    np.testing.assert_array_equal(y, np.where(mask, x * scale, x * np.asarray(0, dtype)))
    g = np.random.default_rng(5).standard_normal(N).astype(dtype)
    np.testing.assert_array_equal(fastact.dropout_backward(g, mask, p),
                                  np.where(mask, g * scale, 0))


def test_dropout_edges(dtype):
    x = np.array([1.0, -2.0, np.inf, np.nan, 0.0], dtype)
    with np.errstate(invalid="ignore"):
        y, mask = fastact.dropout(x, 1.0, seed=1)
    assert not mask.any() and (y[[0, 1, 4]] == 0).all() and np.isnan(y[[2, 3]]).all()
    y, mask = fastact.dropout(x, 0.0, seed=1)
    assert mask.all()
    np.testing.assert_array_equal(y, x)
    y, mask = fastact.dropout(x, 0.7, training=False)
    assert mask is None and y is not x
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(fastact.dropout_backward(x, None, 0.7), x)
    assert fastact.dropout(np.empty((0, 3), dtype))[0].shape == (0, 3)
    y0, m0 = fastact.dropout(np.array(3.0, dtype), 0.5, seed=4)
    assert y0.shape == () and m0.shape == ()
    out = np.empty(5, dtype)
    y, _ = fastact.dropout(x, 0.0, seed=1, out=out)
    assert y is out


def test_backwards_match_finite_differences():
    rng = np.random.default_rng(6)
    x = rng.standard_normal(500)
    x[np.abs(x) < 1e-3] = 0.5
    g = rng.standard_normal(500)
    h = 1e-6
    y, noise = fastact.rrelu(x, training=True, seed=77)
    num = (fastact.rrelu(x + h, training=True, seed=77)[0]
           - fastact.rrelu(x - h, training=True, seed=77)[0]) / (2 * h)
    gi = fastact.rrelu_backward(g, x, noise, training=True)
    np.testing.assert_allclose(gi, g * num, rtol=1e-7, atol=1e-9)
    # without noise: regenerated from the seed
    np.testing.assert_array_equal(fastact.rrelu_backward(g, x, training=True, seed=77), gi)
    _, mask = fastact.dropout(x, 0.4, seed=8)
    num = (fastact.dropout(x + h, 0.4, seed=8)[0] - fastact.dropout(x - h, 0.4, seed=8)[0]) / (
        2 * h)
    np.testing.assert_allclose(fastact.dropout_backward(g, mask, 0.4), g * num, rtol=1e-7,
                               atol=1e-9)


def test_in_place(dtype):
    x = np.random.default_rng(7).standard_normal(1000).astype(dtype)
    want_y, want_noise = fastact.rrelu(x, training=True, seed=5)
    xc = x.copy()
    y, noise = fastact.rrelu(xc, training=True, seed=5, out=xc)
    assert y is xc
    np.testing.assert_array_equal(xc, want_y)
    np.testing.assert_array_equal(noise, want_noise)
    xc = x.copy()
    d, m = fastact.dropout(xc, seed=5, out=xc)
    assert d is xc
    np.testing.assert_array_equal(d, fastact.dropout(x, seed=5)[0])


@pytest.mark.parametrize("call,exc", [
    (lambda: fastact.dropout(np.ones(3), 1.5), ValueError),
    (lambda: fastact.dropout(np.ones(3), -0.1), ValueError),
    (lambda: fastact.dropout(np.ones(3), float("nan")), ValueError),
    (lambda: fastact.dropout(np.ones(3), "0.5"), TypeError),
    (lambda: fastact.dropout(np.ones(3), seed=-1), ValueError),
    (lambda: fastact.dropout(np.ones(3), seed=2**64), ValueError),
    (lambda: fastact.dropout(np.ones(3), seed=1.5), TypeError),
    (lambda: fastact.dropout(np.ones(3), seed=True), TypeError),
    (lambda: fastact.dropout(np.ones(3, complex)), TypeError),
    (lambda: fastact.dropout(np.ones(3), out=np.empty(3, np.float32)), TypeError),
    (lambda: fastact.dropout(np.ones(3), training=False, out=np.empty(2)), ValueError),
    (lambda: fastact.dropout_backward(np.ones(3), np.ones(3)), TypeError),
    (lambda: fastact.dropout_backward(np.ones(3), np.ones(2, bool)), ValueError),
    (lambda: fastact.rrelu(np.ones(3), training=True, seed="a"), TypeError),
    (lambda: fastact.rrelu_backward(np.ones(3), np.ones(3), training=True), ValueError),
    (lambda: fastact.rrelu_backward(np.ones(3), np.ones(3), np.ones(4), training=True),
     ValueError),
])
def test_bad_input(call, exc):
    with pytest.raises(exc):
        call()


def test_out_untouched_on_error():
    out = np.full(3, 7.0)
    with pytest.raises(ValueError):
        fastact.dropout(np.ones(3), 2.0, out=out)
    with pytest.raises(ValueError):
        fastact.rrelu(np.ones(3), training=True, seed=-5, out=out)
    assert (out == 7).all()
