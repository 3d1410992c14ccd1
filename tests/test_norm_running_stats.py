"""RunningStats: streaming updates and merges of any split equal one pass over all the data;
state round trip; var/std ddof; standardize; 10^8 float32 values streamed in batches."""

import copy
import pickle

import numpy as np
import pytest

import fastact


def two_pass(x, axis):
    x = np.asarray(x, np.float64)
    m = x.mean(axis=axis, keepdims=True)
    return m.reshape(-1), ((x - m) ** 2).sum(axis=axis).reshape(-1), x.size // m.size


def dataset(shape=(500, 6), dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * np.arange(1, shape[-1] + 1) + 1e3).astype(dtype)


@pytest.mark.parametrize("splits", [[500], [1, 499], [250, 250], [3, 97, 100, 1, 299],
                                    [0, 500], [7] * 71 + [3]])
def test_updates_of_any_split_equal_one_pass(splits, dtype):
    x = dataset(dtype=dtype)
    rs = fastact.RunningStats(6)
    start = 0
    for n in splits:
        rs.update(x[start:start + n])
        start += n
    mean, m2, count = two_pass(x, 0)
    assert rs.count == count == 500
    np.testing.assert_allclose(rs.mean, mean, rtol=1e-14)
    np.testing.assert_allclose(rs.var(), m2 / count, rtol=1e-12)


@pytest.mark.parametrize("cut", [1, 17, 250, 499])
def test_merge_of_any_split_equals_one_pass(cut):
    x = dataset()
    a = fastact.RunningStats(6).update(x[:cut])
    b = fastact.RunningStats(6).update(x[cut:])
    one = fastact.RunningStats(6).update(x)
    a.merge(b)
    assert a.count == one.count
    np.testing.assert_allclose(a.mean, one.mean, rtol=1e-14)
    np.testing.assert_allclose(a.var(), one.var(), rtol=1e-12)
    # merging an empty one changes nothing; merging into an empty one copies
    empty = fastact.RunningStats(6)
    np.testing.assert_array_equal(a.merge(fastact.RunningStats(6)).mean, a.mean)
    np.testing.assert_array_equal(empty.merge(one).var(), one.var())


def test_state_round_trip_and_merge_across_processes():
    x = dataset()
    parts = [fastact.RunningStats(6).update(p) for p in np.array_split(x, 3)]
    states = [p.to_dict() for p in parts]
    for s in states:
        assert all(isinstance(v, np.ndarray) for v in s.values())
    total = fastact.RunningStats.from_dict(states[0])
    for s in states[1:]:
        total.merge(fastact.RunningStats.from_dict(s))
    mean, m2, count = two_pass(x, 0)
    assert total.count == count
    np.testing.assert_allclose(total.mean, mean, rtol=1e-14)
    np.testing.assert_allclose(total.var(), m2 / count, rtol=1e-12)
    back = fastact.RunningStats.from_dict(total.to_dict())
    assert back.count == total.count and back.axis == total.axis
    np.testing.assert_array_equal(back.mean, total.mean)
    np.testing.assert_array_equal(back.var(1), total.var(1))
    with pytest.raises(ValueError, match="count"):
        fastact.RunningStats.from_dict({**total.to_dict(), "count": np.array(-1)})
    with pytest.raises(ValueError, match="m2"):
        fastact.RunningStats.from_dict({**total.to_dict(), "m2": np.zeros(5)})


@pytest.mark.parametrize("ddof", [0, 1, 2])
def test_var_and_std_ddof(ddof):
    x = dataset((40, 3))
    rs = fastact.RunningStats(3).update(x[:15]).update(x[15:])
    np.testing.assert_allclose(rs.var(ddof), x.var(axis=0, ddof=ddof), rtol=1e-12)
    np.testing.assert_allclose(rs.std(ddof), x.std(axis=0, ddof=ddof), rtol=1e-12)
    one = fastact.RunningStats(3).update(x[:1])
    assert np.isnan(one.var(1)).all() and (one.var(0) == 0).all()
    assert np.isnan(fastact.RunningStats(3).var()).all()
    with pytest.raises(ValueError, match="ddof"):
        rs.var(-1)


@pytest.mark.parametrize("axis,shape,features", [
    ((0, 2, 3), (5, 4, 6, 7), 4),       # NCHW -> per channel (BatchNorm population stats)
    ((0, 1, 2), (5, 6, 7, 4), 4),       # NHWC
    (0, (30, 2, 3), 6),                 # features over two trailing axes
    ((0, 1), (5, 6, 3), 3),
    (-1, (3, 4, 50), 12),               # features first, samples last
])
def test_axes_and_standardize(axis, shape, features, dtype):
    x = dataset(shape, dtype)
    rs = fastact.RunningStats(features, axis=axis).update(x)
    axes = axis if isinstance(axis, tuple) else (axis,)
    mean, m2, count = two_pass(x, axes)
    assert rs.count == count
    np.testing.assert_allclose(rs.mean, mean, rtol=1e-14 if dtype == np.float64 else 1e-13)
    np.testing.assert_allclose(rs.var(), m2 / count, rtol=1e-12)
    z = rs.standardize(x, eps=1e-3)
    x64 = x.astype(np.float64)
    m = x64.mean(axis=axes, keepdims=True)
    expect = (x64 - m) / np.sqrt(((x64 - m) ** 2).mean(axis=axes, keepdims=True) + 1e-3)
    assert z.dtype == dtype and z.shape == shape
    # the mean's own rounding, relative to the std, bounds the accuracy of a centered value
    cond = 5 + np.abs(m).max() / np.sqrt(m2 / count).min()
    np.testing.assert_allclose(z, expect, rtol=0, atol=32 * np.finfo(dtype).eps * cond)
    out = np.empty_like(x)
    assert rs.standardize(x, eps=1e-3, out=out) is out
    np.testing.assert_array_equal(out, z)


def test_standardize_validation_data_with_training_statistics():
    train, val = dataset((200, 4), seed=1), dataset((50, 4), seed=2)
    rs = fastact.RunningStats(4).update(train)
    z = rs.standardize(val)
    np.testing.assert_allclose(z, (val - train.mean(0)) / train.std(0), rtol=1e-12, atol=1e-12)


def test_float32_state():
    x = dataset((100, 3))
    rs = fastact.RunningStats(3, dtype=np.float32).update(x)
    assert rs.mean.dtype == rs.var().dtype == np.float32
    np.testing.assert_allclose(rs.var(), x.var(axis=0), rtol=1e-6)
    with pytest.raises(TypeError, match="dtype"):
        fastact.RunningStats(3, dtype=np.int32)


@pytest.mark.parametrize("state_dtype", [np.float64, np.float32])
def test_batches_of_one_shape_in_any_dtype_and_layout(state_dtype):
    # the second and later batches of a shape take update's fast path; every dtype and
    # layout of that shape must still be accepted (or converted) and counted once
    x = dataset((40, 6))
    batches = [x[:10], x[10:20].astype(np.float32), x[20:30].astype(np.float16),
               np.asfortranarray(x[30:40]), x[40:40]]
    rs = fastact.RunningStats(6, dtype=state_dtype)
    for b in batches:
        rs.update(b)
    ref = np.concatenate([np.asarray(b, np.float64) for b in batches])
    mean, m2, count = two_pass(ref, 0)
    assert rs.count == count == 40
    rtol = 1e-5 if state_dtype == np.float32 else 1e-12  # float32: rounded every update
    np.testing.assert_allclose(rs.mean, mean, rtol=rtol)
    np.testing.assert_allclose(rs.var(), m2 / count, rtol=rtol)
    with pytest.raises(ValueError, match="features"):
        rs.update(np.ones((10, 7)))   # a new shape is validated again
    assert rs.count == 40


def test_remembered_shapes_alternate_and_deep_batches():
    # update's compiled path remembers the last validated shape: alternating shapes, an ndarray
    # subclass of that shape, and batches of more dimensions than it remembers all count once
    class Sub(np.ndarray):
        pass

    x = dataset((60, 6))
    batches = [x[:10], x[10:15], x[15:25], x[25:35].view(Sub), x[35:40], x[40:60]]
    rs = fastact.RunningStats(6)
    for b in batches:
        rs.update(b)
    mean, m2, count = two_pass(x, 0)
    assert rs.count == count == 60
    np.testing.assert_allclose(rs.mean, mean, rtol=1e-14)
    np.testing.assert_allclose(rs.var(), m2 / count, rtol=1e-12)
    deep = x[:, :2].reshape((3, 2, 2, 1, 1, 1, 1, 1, 5, 2))
    axes = tuple(range(9))
    rd = fastact.RunningStats(2, axis=axes).update(deep).update(deep[:1])
    ref = np.concatenate([deep.reshape(-1, 2), deep[:1].reshape(-1, 2)])
    mean, m2, count = two_pass(ref, 0)
    assert rd.count == count
    np.testing.assert_allclose(rd.mean, mean, rtol=1e-14)
    np.testing.assert_allclose(rd.var(), m2 / count, rtol=1e-12)


def test_pickle_and_copy_keep_the_state():
    rs = fastact.RunningStats(6, dtype=np.float32).update(dataset((20, 6)))
    for other in (pickle.loads(pickle.dumps(rs)), copy.deepcopy(rs), copy.copy(rs)):
        assert type(other) is fastact.RunningStats and other is not rs
        assert other.count == rs.count and other.dtype == rs.dtype and other.axis == rs.axis
        np.testing.assert_array_equal(other.mean, rs.mean)
        np.testing.assert_array_equal(other.var(), rs.var())
        other.update(dataset((5, 6), seed=1))  # independent state
        assert rs.count == 20 and other.count == 25


def test_bad_arguments():
    rs = fastact.RunningStats(3)
    with pytest.raises(ValueError, match=r"batch has 4 features along axes \[1\]"):
        rs.update(np.ones((5, 4)))
    with pytest.raises(ValueError, match="must be consecutive"):
        fastact.RunningStats(6, axis=1).update(np.ones((2, 5, 3)))
    with pytest.raises(np.exceptions.AxisError):
        fastact.RunningStats(3, axis=2).update(np.ones((2, 3)))
    with pytest.raises(TypeError, match="batch"):
        rs.update(np.ones((2, 3), complex))
    with pytest.raises(TypeError, match="other must be a RunningStats"):
        rs.merge({"count": 1})
    with pytest.raises(ValueError, match="other has 4 features, expected 3"):
        rs.merge(fastact.RunningStats(4))
    with pytest.raises(ValueError, match="num_features"):
        fastact.RunningStats(0)
    with pytest.raises(TypeError, match="axis"):
        fastact.RunningStats(3, axis=1.5)
    assert rs.count == 0


def test_hundred_million_float32_values_streamed():
    """10^8 float32 values (10 features, 10 batches of 10^6 rows) far from zero: the streamed
    mean and variance match the float64 two-pass reference within 1e-9 relative."""
    F, rows, batches = 10, 10**6, 10
    offsets = 1e4 + 100 * np.arange(F)

    def batch(k):
        rng = np.random.default_rng(1000 + k)
        x = rng.standard_normal((rows, F), dtype=np.float32)
        x *= np.float32(1 + k % 3)
        x += offsets.astype(np.float32)
        return x

    rs = fastact.RunningStats(F)
    total = np.zeros(F)
    for k in range(batches):
        x = batch(k)
        rs.update(x)
        total += x.sum(axis=0, dtype=np.float64)
    mean = total / (rows * batches)
    m2 = np.zeros(F)
    for k in range(batches):
        d = batch(k).astype(np.float64) - mean
        m2 += np.einsum("ij,ij->j", d, d)
    var = m2 / (rows * batches)
    assert rs.count == rows * batches
    assert np.abs(rs.mean / mean - 1).max() < 1e-9
    assert np.abs(rs.var() / var - 1).max() < 1e-9
