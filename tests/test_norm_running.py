"""BatchNorm running statistics over several training steps: PyTorch's update (biased variance
normalizes, unbiased variance tracked), momentum 0 and 1, cumulative averaging, dtypes."""

import numpy as np
import pytest
from norm_util import data

import fastact


def batch_moments(x, axis):
    x = np.asarray(x, np.float64)
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    mean = x.mean(axis=axes)
    shape = [1] * x.ndim
    shape[axis] = -1
    var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)
    return mean, var, x.size // x.shape[axis]


@pytest.mark.parametrize("momentum", [0.1, 0.0, 1.0, 0.5, 1.5])
@pytest.mark.parametrize("shape,axis", [((16, 5), 1), ((4, 3, 6, 7), 1), ((4, 6, 7, 3), -1)],
                         ids=["2-D", "NCHW", "NHWC"])
def test_running_statistics_over_steps(shape, axis, momentum, dtype):
    C = shape[axis]
    rm, rv = np.zeros(C), np.ones(C)
    rm_ref, rv_ref = rm.copy(), rv.copy()
    for step in range(4):
        x = data(shape, dtype, seed=step, loc=step - 1.0, scale=1.0 + step)
        fastact.batch_norm(x, None, None, rm, rv, training=True, momentum=momentum, axis=axis)
        mean, var, n = batch_moments(x, axis)
        rm_ref = (1 - momentum) * rm_ref + momentum * mean
        rv_ref = (1 - momentum) * rv_ref + momentum * var * n / (n - 1)
        np.testing.assert_allclose(rm, rm_ref, rtol=1e-12, atol=1e-13, err_msg=f"step {step}")
        np.testing.assert_allclose(rv, rv_ref, rtol=1e-12, err_msg=f"step {step}")


def test_momentum_zero_keeps_and_one_replaces_exactly():
    x = data((32, 4), np.float64)
    rm, rv = np.array([1.0, 2.0, 3.0, 4.0]), np.array([5.0, 6.0, 7.0, 8.0])
    rm0, rv0 = rm.copy(), rv.copy()
    fastact.batch_norm(x, None, None, rm, rv, momentum=0.0)
    np.testing.assert_array_equal(rm, rm0)
    np.testing.assert_array_equal(rv, rv0)
    fastact.batch_norm(x, None, None, rm, rv, momentum=1.0)
    np.testing.assert_allclose(rm, x.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(rv, x.var(axis=0, ddof=1), rtol=1e-13)


def test_cumulative_average_through_momentum_one_over_k():
    """PyTorch's momentum=None is the layer's job: momentum = 1 / num_batches_tracked gives the
    plain average of the batch statistics."""
    rm, rv = np.zeros(3), np.ones(3)
    means, vars_ = [], []
    for k in range(1, 6):
        x = data((10, 3), np.float64, seed=k, loc=k)
        fastact.batch_norm(x, None, None, rm, rv, momentum=1.0 / k)
        means.append(x.mean(axis=0))
        vars_.append(x.var(axis=0, ddof=1))
    np.testing.assert_allclose(rm, np.mean(means, axis=0), rtol=1e-13)
    np.testing.assert_allclose(rv, np.mean(vars_, axis=0), rtol=1e-13)


def test_momentum_none_is_refused_with_the_recipe():
    with pytest.raises(ValueError, match="num_batches_tracked"):
        fastact.batch_norm(np.ones((4, 2)), None, None, np.zeros(2), np.ones(2), momentum=None)


def test_float32_running_buffers_are_updated_in_place():
    x = data((64, 3), np.float32)
    rm, rv = np.zeros(3, np.float32), np.ones(3, np.float32)
    ids = (rm.ctypes.data, rv.ctypes.data)
    fastact.batch_norm(x, None, None, rm, rv, momentum=0.25)
    assert (rm.ctypes.data, rv.ctypes.data) == ids and rm.dtype == rv.dtype == np.float32
    mean, var, n = batch_moments(x, 1)
    np.testing.assert_allclose(rm, 0.25 * mean, rtol=1e-6)
    np.testing.assert_allclose(rv, 0.75 + 0.25 * var * n / (n - 1), rtol=1e-6)


def test_running_statistics_not_touched_without_training_or_tracking():
    x = data((8, 2), np.float64)
    rm, rv = np.zeros(2), np.ones(2)
    fastact.batch_norm(x, None, None, rm, rv, training=False)
    np.testing.assert_array_equal(rm, 0)
    np.testing.assert_array_equal(rv, 1)
    y = fastact.batch_norm(x)[0]  # no tracking: nothing to update, still normalizes
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-14)
