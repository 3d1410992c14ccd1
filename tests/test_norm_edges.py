"""Edge cases: 0-size inputs, one channel, one row, one element per row, NaN and inf."""

import numpy as np
import pytest
import reference_norm as ref
from norm_util import assert_close, data

import fastact


def test_zero_size_batch_in_eval_and_layer_norm(dtype):
    x = np.empty((0, 3, 4), dtype)
    y, m, inv = fastact.batch_norm(x, None, None, np.zeros(3), np.ones(3), training=False)
    assert y.shape == x.shape and y.dtype == dtype
    dx, gw, gb = fastact.batch_norm_backward(x, x, None, m, inv, training=False)
    assert dx.shape == x.shape
    np.testing.assert_array_equal(gw, 0)
    np.testing.assert_array_equal(gb, 0)
    y, m, inv = fastact.layer_norm(x)
    assert y.shape == x.shape and m.shape == inv.shape == (0, 3)
    dx, gw, gb = fastact.layer_norm_backward(x, x, None, m, inv)
    assert dx.shape == x.shape and gw.shape == gb.shape == (4,)
    np.testing.assert_array_equal(gw, 0)
    np.testing.assert_array_equal(gb, 0)
    y, m, inv = fastact.group_norm(x, 3)
    assert y.shape == x.shape and m.shape == (0, 3)
    dx, gw, gb = fastact.group_norm_backward(x, x, None, m, inv)
    assert dx.shape == x.shape and gw.shape == (3,)
    np.testing.assert_array_equal(gw, 0)


def test_zero_channels_and_empty_rows(dtype):
    x = np.empty((4, 0), dtype)
    y, m, inv = fastact.batch_norm(x)
    assert y.shape == (4, 0) and m.shape == inv.shape == (0,)
    y, m, inv = fastact.layer_norm(x)  # normalizing over nothing: NaN statistics
    assert y.shape == (4, 0) and np.isnan(m).all() and np.isnan(inv).all()


@pytest.mark.parametrize("shape,axis", [((50, 1), 1), ((4, 1, 6, 7), 1), ((4, 6, 7, 1), -1)])
def test_one_channel(shape, axis, dtype):
    x = data(shape, dtype)
    w, b = np.array([1.7]), np.array([-0.3])
    rm, rv = np.zeros(1), np.ones(1)
    y, m, inv = fastact.batch_norm(x, w, b, rm, rv, axis=axis, activation="relu", momentum=1.0)
    y_ref, pre, m_ref, v_ref = ref.batch_norm(x, w, b, axis, 1e-5, activation="relu")
    assert_close(y, y_ref, dtype, scale=8)
    n = x.size
    np.testing.assert_allclose(rv, v_ref * n / (n - 1), rtol=1e-12)
    g = data(shape, dtype, seed=3, loc=0)
    dx = fastact.batch_norm_backward(g, x, w, m, inv, axis=axis)[0]
    assert_close(dx, ref.batch_norm_backward(g, x, w, b, axis, 1e-5)[0], dtype, factor=2,
                 scale=8 * 1.7 * inv.max() * np.abs(g).max())


def test_two_values_per_channel_is_enough():
    x = np.array([[1.0, 5.0], [3.0, -5.0]])
    y = fastact.batch_norm(x, eps=0.0)[0]
    np.testing.assert_allclose(y, [[-1, 1], [1, -1]], rtol=1e-15)


def test_one_row_layer_norm_and_one_feature(dtype):
    x = data((1, 77), dtype)
    y, m, inv = fastact.layer_norm(x)
    assert_close(y, ref.layer_norm(x, 1, None, None, 1e-5)[0], dtype, scale=5)
    y, m, inv = fastact.layer_norm(data((5, 1), dtype))  # one element per row: y = 0
    np.testing.assert_array_equal(y, 0)
    dx = fastact.layer_norm_backward(np.ones((5, 1), dtype), data((5, 1), dtype), None, m, inv)[0]
    np.testing.assert_array_equal(dx, 0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_poison_only_their_channel(bad, dtype):
    for shape, axis in [((64, 4), 1), ((4, 4, 8, 8), 1), ((4, 8, 8, 4), -1)]:
        x = data(shape, dtype)
        idx = [0] * len(shape)
        idx[axis] = 2
        x[tuple(idx)] = bad
        y, m, inv = fastact.batch_norm(x, activation="relu", axis=axis)
        ch = np.moveaxis(y, axis, 0)
        assert np.isnan(ch[2]).all(), (shape, bad)
        assert np.isfinite(np.delete(ch, 2, axis=0)).all()
        assert np.isnan(m[2]) or np.isinf(m[2])
        with np.errstate(invalid="ignore"):
            y_ref = ref.batch_norm(x, None, None, axis, 1e-5, activation="relu")[0]
        assert_close(y, y_ref, dtype, scale=5)  # NaN exactly where the reference has NaN
        g = np.ones_like(x)
        dx = fastact.batch_norm_backward(g, x, None, m, inv, axis=axis, activation="relu")[0]
        assert np.isnan(np.moveaxis(dx, axis, 0)[2]).all()
        assert np.isfinite(np.delete(np.moveaxis(dx, axis, 0), 2, axis=0)).all()


def test_nan_poisons_only_its_row_in_layer_and_group_norm(dtype):
    x = data((6, 4, 10), dtype)
    x[3, 1, 2] = np.nan
    y = fastact.layer_norm(x, 2)[0]
    assert np.isnan(y[3]).all() and np.isfinite(np.delete(y, 3, axis=0)).all()
    y = fastact.group_norm(x, 2)[0]
    assert np.isnan(y[3, :2]).all() and np.isfinite(y[3, 2:]).all()
    assert np.isfinite(np.delete(y, 3, axis=0)).all()
    rs = fastact.RunningStats(4, axis=(0, 2)).update(x)
    assert np.isnan(rs.mean[1]) and np.isfinite(np.delete(rs.mean, 1)).all()


def test_nan_in_eval_propagates_elementwise(dtype):
    x = data((10, 3), dtype)
    x[4, 1] = np.nan
    y = fastact.batch_norm(x, None, None, np.zeros(3), np.ones(3), training=False,
                           activation="relu6")[0]
    assert np.isnan(y[4, 1]) and np.isfinite(np.delete(y.reshape(-1), 4 * 3 + 1)).all()


def test_huge_and_tiny_scales(dtype):
    """Data scaled towards the ends of the range (as far as the float64 squares of the
    deviations stay normal)."""
    fi = np.finfo(dtype)
    ends = (float(fi.tiny) * 1e3, float(fi.max) / 1e3) if dtype == np.float32 else (1e-150, 1e150)
    for s in (ends[0], 1e-20, 1e20, ends[1]):
        x = data((200, 3), np.float64) * s
        x = x.astype(dtype)
        y, m, inv = fastact.batch_norm(x, eps=0.0)
        y_ref = ref.batch_norm(x, None, None, 1, 0.0)[0]
        assert_close(y, y_ref, dtype, factor=2, scale=5, context=f"scale {s}")
