"""maxout forward and backward against float64 references: every axis and layout, NaN and
ties, finite differences, thread count and CPU capability independence, bad input."""

import numpy as np
import pytest
import reference_special as ref
from special_util import assert_bit_identical, at_every_level_and_thread_count

import fastact


def cases(dtype, rng):
    """(label, x, pieces, axis)"""
    def rand(*shape):
        return (rng.standard_normal(shape) * 3).astype(dtype)

    yield "last", rand(7, 12), 3, -1
    yield "pieces 1", rand(5, 4), 1, -1
    yield "one group", rand(3, 5), 5, 1
    yield "middle", rand(4, 6, 9), 2, 1
    yield "middle wide", rand(2, 4, 600), 4, 1
    yield "first", rand(8, 5), 4, 0
    yield "fortran", np.asfortranarray(rand(10, 7)), 5, 0
    yield "fortran last", np.asfortranarray(rand(10, 6)), 2, 1
    yield "negative stride", rand(9, 16)[::-1, ::-1], 4, 1
    yield "transposed 3-D", rand(4, 6, 5).transpose(1, 2, 0), 3, 0
    yield "0-size", np.empty((0, 6), dtype), 2, 1
    yield "0-size axis", np.empty((3, 0), dtype), 2, 1
    ties = np.round(rand(20, 24))
    ties[ties > 3] = 3
    yield "ties", ties, 4, 1
    nan = rand(10, 12)
    nan.reshape(-1)[::7] = np.nan
    nan.reshape(-1)[3::11] = np.inf
    nan.reshape(-1)[5::13] = -np.inf
    yield "nan inf", nan, 3, 1
    yield "nan columns", nan.T.copy(), 2, 0


def test_forward_and_backward(dtype, cpu_level):
    rng = np.random.default_rng(0)
    for label, x, pieces, axis in cases(dtype, rng):
        ctx = f"{np.dtype(dtype)} {cpu_level} {label}"
        y = fastact.maxout(x, pieces, axis=axis)
        want = ref.maxout(x, pieces, axis)
        assert y.shape == want.shape, ctx
        np.testing.assert_array_equal(y, want.astype(dtype), err_msg=ctx)
        g = rng.standard_normal(y.shape).astype(dtype)
        gi = fastact.maxout_backward(g, x, pieces, axis=axis)
        assert gi.shape == x.shape, ctx
        np.testing.assert_array_equal(gi, ref.maxout_backward(g, x, pieces, axis).astype(dtype),
                                      err_msg=ctx)


def test_first_maximum_and_first_nan_win():
    x = np.array([[1.0, 3.0, 3.0, 2.0], [np.nan, 5.0, np.nan, 1.0], [-np.inf] * 4])
    g = np.array([[10.0], [20.0], [30.0]])
    np.testing.assert_array_equal(fastact.maxout_backward(g, x, 4),
                                  [[0, 10, 0, 0], [20, 0, 0, 0], [30, 0, 0, 0]])
    y = fastact.maxout(x, 4)
    assert y[0, 0] == 3 and np.isnan(y[1, 0]) and y[2, 0] == -np.inf
    x2 = np.array([[2.0, np.nan]])
    np.testing.assert_array_equal(fastact.maxout_backward(np.ones((1, 1)), x2, 2), [[0, 1]])


def test_finite_differences():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 8, 5))
    g = rng.standard_normal((3, 4, 5))
    gi = fastact.maxout_backward(g, x, 2, axis=1)
    h = 1e-7
    num = np.empty_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        num[i] = np.sum(g * (fastact.maxout(x + e, 2, axis=1)
                             - fastact.maxout(x - e, 2, axis=1))) / (2 * h)
    np.testing.assert_allclose(gi, num, rtol=1e-6, atol=1e-9)


def test_out_and_promotion(dtype):
    x = np.random.default_rng(2).standard_normal((6, 8)).astype(dtype)
    out = np.empty((6, 4), dtype)
    assert fastact.maxout(x, 2, out=out) is out
    np.testing.assert_array_equal(out, ref.maxout(x, 2).astype(dtype))
    outf = np.asfortranarray(np.empty((3, 8), dtype))
    fastact.maxout(np.asfortranarray(x), 2, axis=0, out=outf)
    np.testing.assert_array_equal(outf, ref.maxout(x, 2, 0).astype(dtype))
    assert fastact.maxout(np.arange(8, dtype=np.int16), 2).dtype == np.float32
    assert fastact.maxout([1, 5, 2, 0], 2).tolist() == [5.0, 2.0]


@pytest.mark.parametrize("shape,pieces,axis", [((4000, 96), 4, -1), ((64, 30, 200), 3, 1)])
def test_threads_and_cpu_levels_bit_identical(shape, pieces, axis, dtype):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(dtype)
    gshape = list(shape)
    gshape[axis] //= pieces
    g = rng.standard_normal(gshape).astype(dtype)
    results = at_every_level_and_thread_count(
        lambda: [fastact.maxout(x, pieces, axis), fastact.maxout_backward(g, x, pieces, axis)])
    assert_bit_identical(results)
    np.testing.assert_array_equal(results[0][0], ref.maxout(x, pieces, axis).astype(dtype))


@pytest.mark.parametrize("call,exc", [
    (lambda: fastact.maxout(np.ones((2, 5)), 2), ValueError),
    (lambda: fastact.maxout(np.ones((2, 4)), 0), ValueError),
    (lambda: fastact.maxout(np.ones((2, 4)), 2.0), TypeError),
    (lambda: fastact.maxout(np.ones((2, 4)), 2, axis=2), ValueError),
    (lambda: fastact.maxout(np.array(1.0), 1), ValueError),
    (lambda: fastact.maxout(np.ones(4, complex), 2), TypeError),
    (lambda: fastact.maxout(np.ones(4), 2, out=np.empty(4)), ValueError),
    (lambda: fastact.maxout_backward(np.ones(4), np.ones(4), 2), ValueError),
])
def test_bad_input(call, exc):
    with pytest.raises(exc):
        call()


def test_registry_entry():
    a = fastact.get_activation("maxout", pieces=2)
    x = np.array([[1.0, 2.0, 4.0, 3.0]])
    np.testing.assert_array_equal(a.forward(x), [[2.0, 4.0]])
    np.testing.assert_array_equal(a.backward(np.ones((1, 2)), x), [[0, 1, 1, 0]])
    with pytest.raises(NotImplementedError):
        a.derivative(x)
