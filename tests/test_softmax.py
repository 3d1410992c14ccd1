"""softmax and log_softmax (forward and backward) against float64/long double references:
accuracy in ULP, special values, every axis and layout, finite differences, thread count and
CPU capability independence, bad input."""

import numpy as np
import pytest
import reference_special as ref
import scipy.special
from special_util import assert_bit_identical, at_every_level_and_thread_count
from util import assert_ulp

import fastact

# Measured over 10^6 values per dtype (scales 1..300, rows and columns): softmax 2 ULP
# (float32) and 3 ULP (float64); log_softmax 1 and 4 ULP where |y| >= 1e-3.
SOFTMAX_ULP = 4
LOG_SOFTMAX_ULP = 4  # where |log_softmax| >= 1e-3; absolute error below that


def layouts(dtype, rng):
    """(label, x, axis) over shapes, axes and memory layouts."""
    def rand(*shape, scale=4.0):
        return (rng.standard_normal(shape) * scale).astype(dtype)

    yield "row", rand(37), -1
    yield "one", rand(1), 0
    yield "0-d", np.array(1.5, dtype), -1
    yield "2-D last", rand(13, 67), -1
    yield "2-D first", rand(67, 13), 0
    yield "3-D middle", rand(5, 33, 7), 1
    yield "3-D middle wide", rand(3, 9, 300), 1
    yield "3-D first", rand(9, 4, 5), 0
    yield "fortran", np.asfortranarray(rand(17, 23)), -1
    yield "fortran axis 0", np.asfortranarray(rand(17, 23)), 0
    yield "transposed 3-D", rand(6, 7, 8).transpose(2, 0, 1), 1
    yield "negative stride", rand(11, 40)[::-1, ::-2], -1
    yield "strided columns", rand(40, 30)[::3, 1::2], 0
    yield "wide range", rand(8, 100, scale=40.0), -1
    yield "long row", rand(2, 5001), -1
    yield "0-size rows", np.empty((0, 5), dtype), -1
    yield "0-size axis", np.empty((4, 0), dtype), -1
    yield "byte-swapped", rand(5, 9).astype(np.dtype(dtype).newbyteorder()), -1


def check_log_softmax(got, want, dtype, ctx):
    with np.errstate(over="ignore"):  # long double references beyond the float64 range
        want = np.asarray(want, np.float64)
    small = np.abs(want) < 1e-3
    assert_ulp(np.where(small, 0, got), np.where(small, 0, want), dtype, LOG_SOFTMAX_ULP, ctx)
    with np.errstate(invalid="ignore"):
        err = np.abs(np.asarray(got, np.float64) - want)[small]
    if err.size:
        assert err.max() <= 4 * np.finfo(dtype).eps * 1e-3, ctx


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_layouts_and_axes(fn, dtype, cpu_level):
    rng = np.random.default_rng(1)
    for label, x, axis in layouts(dtype, rng):
        ctx = f"{fn} {np.dtype(dtype)} {cpu_level} {label} axis={axis}"
        got = getattr(fastact, fn)(x, axis=axis)
        assert got.shape == x.shape and got.dtype == np.dtype(dtype).newbyteorder("="), ctx
        want = getattr(ref, fn)(x, axis=axis)
        if fn == "softmax":
            assert_ulp(got, want, dtype, SOFTMAX_ULP, ctx)
        else:
            check_log_softmax(got, want, dtype, ctx)


def test_softmax_accuracy_random_rows(dtype, cpu_level):
    """Against scipy in float64 (float32 results) or a long double reference (float64)."""
    rng = np.random.default_rng(2)
    for scale in (1.0, 10.0, 30.0, 300.0):
        x = (rng.standard_normal((64, 257)) * scale).astype(dtype)
        got = fastact.softmax(x)
        want = (scipy.special.softmax(x.astype(np.float64), axis=-1) if dtype == np.float32
                else ref.softmax(x))
        assert_ulp(got, want, dtype, SOFTMAX_ULP, f"softmax scale={scale}")
        got = fastact.log_softmax(x)
        want = (scipy.special.log_softmax(x.astype(np.float64), axis=-1)
                if dtype == np.float32 else ref.log_softmax(x))
        check_log_softmax(got, want, dtype, f"log_softmax scale={scale}")
        got_cols = fastact.softmax(np.ascontiguousarray(x.T), axis=0)
        assert_ulp(got_cols.T, ref.softmax(x), dtype, SOFTMAX_ULP, f"columns scale={scale}")


def test_rows_far_from_zero_and_near_underflow(dtype):
    fi = np.finfo(dtype)
    x = np.array([[1e4, 1e4 - 1, 1e4 - 50, 1e4 - 80],
                  [-1e4, -1e4 - 1, -1e4 - 87, -1e4 - 700],
                  [0.0, -80.0, -86.0, -100.0],
                  [float(fi.max), float(fi.max) / 2, 0.0, -float(fi.max)]], dtype)
    assert_ulp(fastact.softmax(x), ref.softmax(x), dtype, SOFTMAX_ULP, "extremes")
    check_log_softmax(fastact.log_softmax(x), ref.log_softmax(x), dtype, "extremes")
    assert_ulp(fastact.softmax(x.T.copy(), axis=0).T, ref.softmax(x), dtype, SOFTMAX_ULP,
               "extremes, columns")


def test_special_values_follow_pytorch(dtype):
    inf, nan = np.inf, np.nan
    x = np.array([[0.0, 1.0, -inf, 2.0],      # -inf entries get 0 (log: -inf)
                  [-inf, -inf, -inf, -inf],   # all -inf: NaN
                  [0.0, inf, 1.0, 2.0],       # +inf: NaN (inf - inf)
                  [0.0, nan, 1.0, 2.0]],      # NaN: NaN
                 dtype)
    for axis, xx in ((-1, x), (0, x.T.copy())):
        y = fastact.softmax(xx, axis=axis)
        ly = fastact.log_softmax(xx, axis=axis)
        if axis == 0:
            y, ly = y.T, ly.T
        e = np.exp(np.array([0.0, 1.0, 2.0]) - 2.0)
        np.testing.assert_allclose(y[0], [e[0], e[1], 0.0, e[2]] / e.sum(), rtol=4e-7)
        assert ly[0, 2] == -inf
        assert np.isnan(y[1:]).all() and np.isnan(ly[1:]).all()


def test_one_element_and_constant_rows(dtype):
    assert fastact.softmax(np.array([-1e30], dtype))[0] == 1
    assert fastact.log_softmax(np.array([[7.0]], dtype), axis=0)[0, 0] == 0
    y = fastact.softmax(np.full((3, 8), 5.0, dtype))
    assert (y == np.asarray(0.125, dtype)).all()


def test_out_and_in_place(dtype):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((7, 9)).astype(dtype)
    want = fastact.softmax(x, axis=0)
    out = np.empty_like(x)
    assert fastact.softmax(x, axis=0, out=out) is out
    np.testing.assert_array_equal(out, want)
    xc = x.copy()
    assert fastact.softmax(xc, axis=0, out=xc) is xc
    np.testing.assert_array_equal(xc, want)
    f = np.asfortranarray(x)
    outf = np.asfortranarray(np.empty_like(x))
    fastact.log_softmax(f, axis=1, out=outf)
    np.testing.assert_array_equal(outf, fastact.log_softmax(x, axis=1))
    g = rng.standard_normal((7, 9)).astype(dtype)
    want = fastact.softmax_backward(g, out, axis=0)
    assert fastact.softmax_backward(g, out, axis=0, out=g) is g
    np.testing.assert_array_equal(g, want)


def test_promotion():
    assert fastact.softmax(np.arange(6, dtype=np.int16)).dtype == np.float32
    assert fastact.softmax(np.arange(6)).dtype == np.float64
    y = fastact.log_softmax(np.arange(6, dtype=np.float16))
    assert y.dtype == np.float16
    np.testing.assert_allclose(y, ref.log_softmax(np.arange(6.0)).astype(np.float64),
                               rtol=1e-3)
    assert fastact.softmax([[1, 2], [3, 4]], axis=0).shape == (2, 2)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_backward_against_reference_and_finite_differences(fn, axis):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 5, 3)) * 2
    g = rng.standard_normal(x.shape)
    forward = getattr(fastact, fn)
    backward = getattr(fastact, fn + "_backward")
    y = forward(x, axis=axis)
    gi = backward(g, y, axis=axis)
    want = getattr(ref, fn + "_backward")(g, y, axis=axis)
    # g - sum(...) cancels: the bound is relative to the magnitudes of the terms
    if fn == "softmax":
        size = np.abs(y) * (np.abs(g) + np.sum(np.abs(g * y), axis=axis, keepdims=True))
    else:
        size = np.abs(g) + np.exp(y) * np.sum(np.abs(g), axis=axis, keepdims=True)
    assert (np.abs(gi - np.asarray(want, np.float64)) <= 4 * np.finfo(float).eps * size).all()
    # the Jacobian-vector product, numerically: d<g, f(x)>/dx
    h = 1e-6
    num = np.empty_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        num[i] = np.sum(g * (forward(x + e, axis=axis) - forward(x - e, axis=axis))) / (2 * h)
    np.testing.assert_allclose(gi, num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_backward_float32_layouts(fn, cpu_level):
    rng = np.random.default_rng(5)
    backward = getattr(fastact, fn + "_backward")
    for label, x, axis in layouts(np.float32, rng):
        if x.ndim == 0:
            continue
        y = getattr(fastact, fn)(x, axis=axis)
        g = rng.standard_normal(x.shape).astype(np.float32)
        got = backward(g, y, axis=axis)
        want = getattr(ref, fn + "_backward")(g, y, axis=axis)
        scale = np.max(np.abs(np.asarray(want, np.float64)), initial=0.0) + 1
        np.testing.assert_allclose(got, np.asarray(want, np.float64), rtol=1e-5,
                                   atol=4e-7 * scale, err_msg=label)


def _all_modes(x, g, axis):
    y = fastact.softmax(x, axis=axis)
    ly = fastact.log_softmax(x, axis=axis)
    return [y, ly, fastact.softmax_backward(g, y, axis=axis),
            fastact.log_softmax_backward(g, ly, axis=axis)]


@pytest.mark.parametrize("shape,axis", [((300, 257), -1), ((40, 300, 33), 1), ((3000, 97), 0)])
def test_threads_and_cpu_levels_bit_identical(shape, axis, dtype):
    rng = np.random.default_rng(6)
    x = (rng.standard_normal(shape) * 5).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    assert x.size >= 2 * fastact._ext._kernels.SOFTMAX_GRAIN  # runs threaded
    assert_bit_identical(at_every_level_and_thread_count(lambda: _all_modes(x, g, axis)))


@pytest.mark.parametrize("call", [
    lambda: fastact.softmax(np.ones((2, 3)), axis=2),
    lambda: fastact.softmax(np.ones(3), axis=1.0),
    lambda: fastact.softmax(np.ones(3, complex)),
    lambda: fastact.log_softmax(np.ones(3), out=np.empty(4)),
    lambda: fastact.log_softmax(np.ones(3), out=np.empty(3, np.float32)),
    lambda: fastact.softmax(np.ones(3), out=[0.0, 0, 0]),
    lambda: fastact.softmax_backward(np.ones(3), np.ones(4)),
    lambda: fastact.log_softmax_backward(np.ones(3), np.ones(3, object)),
])
def test_bad_input(call):
    with pytest.raises((TypeError, ValueError)):
        call()


def test_out_untouched_on_error():
    out = np.full(3, 7.0)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fastact.softmax(np.ones(3), out=out)
    out = np.full(3, 7.0)
    with pytest.raises(ValueError):
        fastact.softmax_backward(np.ones(3), np.ones((3, 1)), out=out)
    assert (out == 7).all()


def test_registry_entries():
    a = fastact.get_activation("softmax", axis=0)
    x = np.random.default_rng(7).standard_normal((4, 3))
    y = a.forward(x)
    np.testing.assert_array_equal(y, fastact.softmax(x, axis=0))
    g = np.ones_like(x)
    np.testing.assert_array_equal(a.backward(g, output=y), fastact.softmax_backward(g, y, 0))
    np.testing.assert_array_equal(a.backward(g, x), fastact.softmax_backward(g, y, 0))
    with pytest.raises(NotImplementedError):
        a.derivative(x)
    b = fastact.get_activation("log_softmax")
    np.testing.assert_array_equal(b.forward(x), fastact.log_softmax(x))
