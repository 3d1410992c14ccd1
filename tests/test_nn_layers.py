"""Layer values against float64 numpy references written here: Linear, BatchNorm (running
statistics with momentum and the cumulative average), LayerNorm, GroupNorm, Dropout."""

import numpy as np
import pytest

from fastact import nn


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def test_linear_forward_backward_reference():
    layer = nn.Linear(5, 3, rng=0, dtype=np.float64)
    w, b = layer.params["weight"], layer.params["bias"]
    x = _x(4, 5)
    np.testing.assert_allclose(layer(x), x @ w.T + b, rtol=1e-14)
    g = _x(4, 3, seed=1)
    np.testing.assert_allclose(layer.backward(g), g @ w, rtol=1e-14)
    np.testing.assert_allclose(layer.grads["weight"], g.T @ x, rtol=1e-14)
    np.testing.assert_allclose(layer.grads["bias"], g.sum(0), rtol=1e-14)


def test_linear_default_init_is_torch_default_and_seeded():
    layer = nn.Linear(400, 300, rng=0)
    w = layer.params["weight"]
    assert w.dtype == np.float32 and w.shape == (300, 400)
    bound = 1 / np.sqrt(400)
    assert np.abs(w).max() <= bound and np.abs(layer.params["bias"]).max() <= bound
    # U(-b, b) has variance b^2 / 3; 120000 samples: the standard error of the variance is ~0.3%
    assert abs(w.var() / (bound ** 2 / 3) - 1) < 0.02
    np.testing.assert_array_equal(w, nn.Linear(400, 300, rng=0).params["weight"])


def test_linear_callable_init():
    def ones(shape, rng=None, dtype=np.float32):
        return np.ones(shape, dtype)
    layer = nn.Linear(3, 2, init=ones)
    np.testing.assert_array_equal(layer.params["weight"], np.ones((2, 3)))
    layer = nn.Linear(3, 2, init=(lambda shape, rng, dtype, value: np.full(shape, value, dtype),
                                  {"value": 0.5}))
    np.testing.assert_array_equal(layer.params["weight"], np.full((2, 3), 0.5))
    with pytest.raises(TypeError, match="init"):
        nn.Linear(3, 2, init=3)


def _bn_reference(x, axis):
    axes = tuple(i for i in range(x.ndim) if i != axis)
    mean = x.mean(axis=axes)
    var = x.var(axis=axes)
    n = x.size // x.shape[axis]
    return mean, var, var * n / (n - 1), axes


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batchnorm_running_statistics(momentum):
    bn = nn.BatchNorm(3, momentum=momentum, dtype=np.float64)
    rm, rv = np.zeros(3), np.ones(3)
    means, uvars = [], []
    for step in range(4):
        x = _x(6, 3, 2, seed=step) * (step + 1) + step
        y = bn(x)
        mean, var, unbiased, axes = _bn_reference(x, 1)
        shape = (1, 3, 1)
        np.testing.assert_allclose(y, (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape)
                                                                            + 1e-5),
                                   rtol=1e-12, atol=1e-12)
        means.append(mean)
        uvars.append(unbiased)
        if momentum is None:
            rm, rv = np.mean(means, axis=0), np.mean(uvars, axis=0)
        else:
            rm = (1 - momentum) * rm + momentum * mean
            rv = (1 - momentum) * rv + momentum * unbiased
        np.testing.assert_allclose(bn.buffers["running_mean"], rm, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(bn.buffers["running_var"], rv, rtol=1e-12)
    assert int(bn.buffers["num_batches_tracked"]) == 4
    bn.eval()
    x = _x(2, 3, 2, seed=9)
    ref = (x - rm.reshape(1, 3, 1)) / np.sqrt(rv.reshape(1, 3, 1) + 1e-5)
    np.testing.assert_allclose(bn(x), ref, rtol=1e-12, atol=1e-12)


def test_batchnorm_fused_activation_and_affine():
    bn = nn.BatchNorm(4, activation="relu", dtype=np.float64)
    bn.params["weight"][...] = [1, 2, 3, 4]
    bn.params["bias"][...] = [0.5, -0.5, 0, 1]
    x = _x(8, 4)
    mean, var, _, _ = _bn_reference(x, 1)
    ref = np.maximum((x - mean) / np.sqrt(var + 1e-5) * [1, 2, 3, 4] + [0.5, -0.5, 0, 1], 0)
    np.testing.assert_allclose(bn(x), ref, rtol=1e-12, atol=1e-12)
    assert bn.activation_name == "relu"


def test_batchnorm_channels_last():
    bn = nn.BatchNorm(3, axis=-1, dtype=np.float64)
    x = _x(2, 4, 4, 3)
    mean, var, _, _ = _bn_reference(x, 3)
    np.testing.assert_allclose(bn(x), (x - mean) / np.sqrt(var + 1e-5), rtol=1e-12, atol=1e-12)


def test_batchnorm_one_value_per_channel_raises():
    with pytest.raises(ValueError, match="more than 1 value"):
        nn.BatchNorm(3)(np.zeros((1, 3)))


def test_layernorm_and_groupnorm_forward():
    x = _x(4, 6) * 3 + 2
    ref = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(nn.LayerNorm(6, dtype=np.float64)(x), ref, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="LayerNorm expected"):
        nn.LayerNorm(5)(x)
    x = _x(3, 4, 5)
    g = x.reshape(3, 2, 10)
    ref = ((g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + 1e-5)).reshape(
        x.shape)
    np.testing.assert_allclose(nn.GroupNorm(2, 4, dtype=np.float64)(x), ref, rtol=1e-12,
                               atol=1e-12)
    with pytest.raises(ValueError, match="divide"):
        nn.GroupNorm(3, 4)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_statistics_and_scaling(p):
    layer = nn.Dropout(p, rng=0)
    x = np.ones(200_000, np.float32)
    y = layer(x)
    kept = y != 0
    # the kept fraction is binomial: 5 standard errors
    assert abs(kept.mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / x.size)
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)
    g = layer.backward(np.full_like(x, 2.0))
    np.testing.assert_array_equal(g != 0, kept)
    np.testing.assert_allclose(g[kept], 2 / (1 - p), rtol=1e-6)


def test_dropout_edges_and_determinism():
    x = _x(50, 20).astype(np.float32)
    np.testing.assert_array_equal(nn.Dropout(0.3, rng=5)(x), nn.Dropout(0.3, rng=5)(x))
    layer = nn.Dropout(0.3, rng=5)
    assert not np.array_equal(layer(x), layer(x))  # a fresh mask per call
    layer.eval()
    assert layer(x) is not None and np.array_equal(layer(x), x)
    assert np.array_equal(nn.Dropout(0.0)(x), x)
    one = nn.Dropout(1.0)
    assert not one(x).any() and not one.backward(x).any()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        nn.Dropout(1.5)


