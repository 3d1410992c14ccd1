"""Statistics far from zero: float32 x = m + N(0, 1) with m = 1e4 and 1e6 (4096 x 64 and the
same data as NCHW) gives the batch variance within 1e-6 relative of the float64 two-pass
reference on the same float32 data, at every thread count and CPU level; the normalized output
and the LayerNorm/GroupNorm backward stay exact when |mean| >> std."""

import numpy as np
import pytest
import reference_norm as ref

import fastact

OFFSETS = [1e4, 1e6]


def offset_data(m, seed=0):
    rng = np.random.default_rng(seed)
    return (m + rng.standard_normal((4096, 64))).astype(np.float32)


def as_nchw(x2d):
    """The same values per channel, laid out as (16, 64, 16, 16)."""
    return np.ascontiguousarray(x2d.reshape(16, 16, 16, 64).transpose(0, 3, 1, 2))


def two_pass(x, axes):
    x = np.asarray(x, np.float64)
    m = x.mean(axis=axes, keepdims=True)
    return m.reshape(-1), ((x - m) ** 2).mean(axis=axes).reshape(-1)


@pytest.mark.parametrize("layout", ["2-D", "NCHW", "NHWC"])
@pytest.mark.parametrize("m", OFFSETS)
def test_batch_variance_far_from_zero(m, layout, threads, cpu_level):
    x2 = offset_data(m)
    x = {"2-D": x2, "NCHW": as_nchw(x2), "NHWC": x2.reshape(16, 16, 16, 64)}[layout]
    axis = -1 if layout == "NHWC" else 1
    mean_ref, var_ref = two_pass(x2, (0,))
    rm, rv = np.zeros(64), np.zeros(64)
    y, mean, invstd = fastact.batch_norm(x, None, None, rm, rv, momentum=1.0, eps=0.0,
                                         axis=axis)
    var = 1.0 / invstd**2
    assert np.abs(var / var_ref - 1).max() < 1e-6
    assert np.abs(mean / mean_ref - 1).max() < 1e-12
    n = x2.shape[0]
    assert np.abs(rv / (var_ref * n / (n - 1)) - 1).max() < 1e-6
    # the normalized output is as accurate as a float32 result can be
    y_ref = ref.batch_norm(x, None, None, axis, 0.0)[0]
    assert np.abs(y.astype(np.float64) - y_ref).max() < 2e-6


@pytest.mark.parametrize("m", OFFSETS)
def test_running_stats_far_from_zero(m):
    x = offset_data(m, seed=1)
    rs = fastact.RunningStats(64)
    for part in np.array_split(x, 7):
        rs.update(part)
    mean_ref, var_ref = two_pass(x, (0,))
    assert np.abs(rs.var() / var_ref - 1).max() < 1e-9
    assert np.abs(rs.mean / mean_ref - 1).max() < 1e-12


@pytest.mark.parametrize("m", OFFSETS)
def test_layer_norm_forward_and_backward_far_from_zero(m):
    x = offset_data(m, seed=2)[:256]
    rng = np.random.default_rng(3)
    g = rng.standard_normal(x.shape).astype(np.float32)
    w = (1 + rng.standard_normal(64)).astype(np.float32)
    b = rng.standard_normal(64).astype(np.float32)
    y, mean, invstd = fastact.layer_norm(x, 1, w, b, eps=0.0)
    y_ref, m_ref, v_ref = ref.layer_norm(x, 1, w.astype(np.float64), b.astype(np.float64), 0.0)
    assert np.abs(1 / invstd**2 / v_ref - 1).max() < 1e-6
    assert np.abs(y - y_ref).max() < 1e-5 * np.abs(y_ref).max()
    dx, gw, gb = fastact.layer_norm_backward(g, x, w, mean, invstd)
    dx_ref, gw_ref, gb_ref = ref.layer_norm_backward(g, x, 1, w.astype(np.float64), 0.0)
    # exact to float32 rounding: an uncentered sum of g * x would lose everything here
    assert np.abs(dx - dx_ref).max() < 1e-5 * np.abs(dx_ref).max()
    np.testing.assert_allclose(gw, gw_ref, rtol=1e-5, atol=1e-5 * np.abs(gw_ref).max())
    np.testing.assert_allclose(gb, gb_ref, rtol=1e-6)


@pytest.mark.parametrize("m", OFFSETS)
def test_batch_and_group_norm_backward_far_from_zero(m):
    x = as_nchw(offset_data(m, seed=4))[:, :8]
    g = np.random.default_rng(5).standard_normal(x.shape).astype(np.float32)
    _, mean, invstd = fastact.batch_norm(x)
    dx, gw, gb = fastact.batch_norm_backward(g, x, None, mean, invstd)
    dx_ref, gw_ref, _ = ref.batch_norm_backward(g, x, None, None, 1, 1e-5)
    assert np.abs(dx - dx_ref).max() < 1e-5 * np.abs(dx_ref).max()
    np.testing.assert_allclose(gw, gw_ref, rtol=1e-5, atol=1e-5 * np.abs(gw_ref).max())
    _, mean, invstd = fastact.group_norm(x, 2)
    dx, gw, gb = fastact.group_norm_backward(g, x, None, mean, invstd)
    dx_ref, gw_ref, _ = ref.group_norm_backward(g, x, 2, None, 1e-5)
    assert np.abs(dx - dx_ref).max() < 1e-5 * np.abs(dx_ref).max()
    np.testing.assert_allclose(gw, gw_ref, rtol=1e-5, atol=1e-5 * np.abs(gw_ref).max())
