"""prelu (forward, derivative, backward with the weight gradient) and rrelu in eval against
float64 references: exact results, every axis and layout, finite differences, thread count and
CPU capability independence, bad input."""

import numpy as np
import pytest
import reference_special as ref
from special_util import assert_bit_identical, at_every_level_and_thread_count
from util import hostile_arrays, special_values

import fastact


def assert_exact(got, want, ctx=""):
    got = np.asarray(got, np.float64)
    want = np.asarray(want, np.float64)
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    assert same.all(), f"{ctx}: first mismatch at {np.argwhere(~same)[0]}"


def weight_gradient_close(got, want, g, x, dtype, ctx):
    """grad_weight is a float64 sum rounded once to dtype: within 2 ULP of the float64
    reference rounded to dtype, plus a float64 summation allowance relative to the sum of
    magnitudes (cancellation)."""
    got = np.asarray(got, np.float64)
    with np.errstate(all="ignore"):
        want = np.asarray(want, np.float64).astype(dtype).astype(np.float64)
        gx = np.abs(g * x)
        size = np.sum(np.where(np.isfinite(gx), gx, 0.0))
        tol = 2 * np.spacing(np.abs(want).astype(dtype)).astype(np.float64) + 1e-12 * size
        ok = (np.abs(got - want) <= tol) | (np.isnan(got) & np.isnan(want)) | (got == want)
    assert ok.all(), f"{ctx}: {got[~ok]} vs {want[~ok]}"


def cases(dtype, rng):
    """(label, x, axis, C) over shapes and layouts; C = 1 means a single slope."""
    def rand(*shape):
        return (rng.standard_normal(shape) * 3).astype(dtype)

    yield "NCHW", rand(4, 5, 6, 7), 1, 5
    yield "NC", rand(33, 17), 1, 17
    yield "NHWC", rand(3, 4, 5, 6), -1, 6
    yield "NCL short runs", rand(7, 9, 3), 1, 9
    yield "axis 0", rand(8, 70), 0, 8
    yield "fortran", np.asfortranarray(rand(6, 90)), 1, 90
    yield "transposed", rand(5, 8, 4).transpose(0, 2, 1), 1, 4
    yield "negative stride", rand(12, 80)[::-1, ::-1], 1, 80
    yield "strided", rand(9, 200)[::2, 1::3], 0, 5
    yield "long runs", rand(3, 4, 300), 1, 4
    yield "runs in pieces", rand(2, 3, 20000), 1, 3
    yield "long rows of short runs", rand(2, 1100, 64), 1, 1100
    yield "scalar slope", rand(301), 1, 1
    yield "scalar slope 3-D", rand(3, 4, 5), 1, 1
    yield "0-d", np.array(-2.5, dtype), 1, 1
    yield "0-size", np.empty((0, 4), dtype), 1, 4
    yield "0-size scalar", np.empty((0,), dtype), 1, 1
    yield "byte-swapped", rand(4, 6).astype(np.dtype(dtype).newbyteorder()), 1, 6
    laced = rand(40, 51)
    sv = special_values(dtype)
    laced.reshape(-1)[rng.integers(0, laced.size, sv.size)] = sv
    yield "laced", laced, 0, 40
    yield "laced runs", laced.reshape(2, 4, 255), 1, 4


def test_forward_derivative_backward(dtype, cpu_level):
    rng = np.random.default_rng(0)
    for label, x, axis, C in cases(dtype, rng):
        ctx = f"{np.dtype(dtype)} {cpu_level} {label}"
        w = (rng.uniform(-0.5, 0.5, C)).astype(dtype)
        weight = w if C > 1 else w[0]
        wr = np.asarray(w if C > 1 else w[0], np.float64)
        with np.errstate(all="ignore"):
            y = fastact.prelu(x, weight, axis=axis)
            assert y.shape == x.shape
            assert_exact(y, ref.prelu(x, wr, axis).astype(dtype), ctx + " forward")
            d = fastact.prelu_derivative(x, weight, axis=axis)
            assert_exact(d, ref.prelu_derivative(x, wr, axis).astype(dtype), ctx + " derivative")
            g = rng.standard_normal(x.shape).astype(dtype)
            gi, gw = fastact.prelu_backward(g, x, weight, axis=axis)
            want_gi, want_gw = ref.prelu_backward(g, x, wr, axis)
            assert_exact(gi, want_gi.astype(dtype), ctx + " grad_input")
            np.testing.assert_array_equal(gi, g * d)  # backward == grad_output * derivative
            assert np.shape(gw) == np.shape(weight) and gw.dtype == np.dtype(dtype)
            weight_gradient_close(gw, want_gw, g.astype(float), x.astype(float), dtype,
                                  ctx + " grad_weight")


def test_scalar_weight_forms_agree():
    x = np.random.default_rng(1).standard_normal((5, 3))
    a = fastact.prelu(x, 0.25)
    for w in (np.float32(0.25), [0.25], np.array([[0.25]]), np.array(0.25)):
        np.testing.assert_array_equal(fastact.prelu(x, w), a)
    _, gw = fastact.prelu_backward(np.ones_like(x), x, np.array([[0.25]], np.float32))
    assert gw.shape == (1, 1) and gw.dtype == np.float32


def test_finite_differences():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # away from the kink
    w = rng.uniform(0.05, 0.5, 4)
    g = rng.standard_normal(x.shape)
    gi, gw = fastact.prelu_backward(g, x, w, axis=1)
    h = 1e-6
    num_w = np.empty_like(w)
    for c in range(4):
        e = np.zeros_like(w)
        e[c] = h
        num_w[c] = np.sum(g * (fastact.prelu(x, w + e) - fastact.prelu(x, w - e))) / (2 * h)
    np.testing.assert_allclose(gw, num_w, rtol=1e-7, atol=1e-9)
    num_x = (fastact.prelu(x + h, w) - fastact.prelu(x - h, w)) / (2 * h)
    np.testing.assert_allclose(gi, g * num_x, rtol=1e-7, atol=1e-9)


def test_out_and_in_place(dtype):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 8)).astype(dtype)
    w = rng.uniform(0, 1, 8)
    want = fastact.prelu(x, w, axis=1)
    xc = x.copy()
    assert fastact.prelu(xc, w, axis=1, out=xc) is xc
    np.testing.assert_array_equal(xc, want)
    out = np.asfortranarray(np.empty_like(x))
    fastact.prelu(np.asfortranarray(x), w, axis=1, out=out)
    np.testing.assert_array_equal(out, want)
    g = rng.standard_normal(x.shape).astype(dtype)
    want_gi, want_gw = fastact.prelu_backward(g, x, w, axis=1)
    gi, gw = fastact.prelu_backward(g, x, w, axis=1, out=g)
    assert gi is g
    np.testing.assert_array_equal(g, want_gi)
    np.testing.assert_array_equal(gw, want_gw)
    y = np.empty((6, 8), np.float32)
    fastact.prelu(x[:, ::1].astype(np.float32), 0.1, out=y[:, :])  # scalar path, out given


def test_promotion():
    assert fastact.prelu(np.arange(-3, 3, dtype=np.int8), 0.5).dtype == np.float16
    assert fastact.prelu(np.arange(-3, 3, dtype=np.int32), 0.5).dtype == np.float64
    # the weight's dtype does not change the result dtype
    assert fastact.prelu(np.ones(3, np.float32), np.float64(0.5)).dtype == np.float32
    y = fastact.prelu(np.array([-1.0, 2.0], np.float16), 0.1)
    assert y.dtype == np.float16 and y[0] == np.float16(np.float32(-1.0) * np.float32(0.1))


def big_inputs(dtype):
    rng = np.random.default_rng(4)
    yield (rng.standard_normal((64, 16, 40, 41)).astype(dtype), 1,
           rng.uniform(0, 1, 16))                                      # long runs
    yield rng.standard_normal((20000, 37)).astype(dtype), 1, rng.uniform(0, 1, 37)  # NC
    yield rng.standard_normal((300, 8, 70)).astype(dtype), -1, rng.uniform(0, 1, 70)  # NLC
    yield rng.standard_normal(1_000_003).astype(dtype), 1, 0.3       # scalar slope
    yield rng.standard_normal((3, 2, 150_000)).astype(dtype), 0, rng.uniform(0, 1, 3)


def test_threads_and_cpu_levels_bit_identical(dtype):
    assert fastact._ext._kernels.SPECIAL_GRAIN * 2 < 20000 * 37
    for x, axis, w in big_inputs(dtype):
        g = np.random.default_rng(5).standard_normal(x.shape).astype(dtype)
        results = at_every_level_and_thread_count(lambda x=x, w=w, axis=axis, g=g: [
            fastact.prelu(x, w, axis=axis), fastact.prelu_derivative(x, w, axis=axis),
            *fastact.prelu_backward(g, x, w, axis=axis), fastact.rrelu(x),
            fastact.rrelu_backward(g, x)])
        assert_bit_identical(results)
        want = ref.prelu_backward(g.astype(float), x.astype(float), w, axis)[1]
        weight_gradient_close(results[0][3], want, g.astype(float), x.astype(float), dtype,
                              "big grad_weight")


def test_rrelu_eval_is_prelu_with_the_mean_slope(dtype):
    for label, x in hostile_arrays(dtype, seed=6):
        ctx = f"{label}"
        with np.errstate(all="ignore"):
            slope = (0.1 + 0.3) / 2
            y = fastact.rrelu(x, 0.1, 0.3)
            xx = np.asarray(x, np.float64)
            want = np.where(xx > 0, xx, np.asarray(slope, dtype).astype(np.float64) * xx)
            assert_exact(y, want.astype(dtype), ctx)
            g = np.ones(x.shape, dtype)
            gi = fastact.rrelu_backward(g, x, lower=0.1, upper=0.3)
            want = np.where(xx > 0, 1.0, np.asarray(slope, dtype))
            want = np.where(np.isnan(xx), np.nan, want)
            assert_exact(gi, want.astype(dtype), ctx + " backward")


@pytest.mark.parametrize("wdtype", [np.float32, np.float64, np.float16, np.int64])
def test_per_channel_fast_path_agrees_with_the_general_path(dtype, wdtype):
    """Plain arrays with a 1-D weight take a compiled shortcut; the same call through a
    non-contiguous view (the general path) gives the same bits and dtypes."""
    rng = np.random.default_rng(8)
    x = (rng.standard_normal((5, 7, 3)) * 3).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    w = (rng.uniform(-0.5, 0.5, 7) * 8).astype(wdtype)

    def general(a):  # a strided view with the same values
        b = np.empty(a.shape + (2,), a.dtype)[..., 0]
        b[...] = a
        return b
    for axis in (1, -2):
        assert_bit_identical([[fastact.prelu(x, w, axis=axis)],
                              [fastact.prelu(general(x), w, axis=axis)]])
        assert_bit_identical([[fastact.prelu_derivative(x, w, axis=axis)],
                              [fastact.prelu_derivative(general(x), w, axis=axis)]])
        fast = fastact.prelu_backward(g, x, w, axis=axis)
        slow = fastact.prelu_backward(general(g), general(x), w, axis=axis)
        assert fast[1].dtype == slow[1].dtype and fast[1].shape == (7,)
        assert_bit_identical([list(fast), list(slow)])
    out = np.empty_like(x)
    assert fastact.prelu(x, w, axis=1, out=out) is out
    gi, _ = fastact.prelu_backward(g, x, w, axis=1, out=g)
    assert gi is g


@pytest.mark.parametrize("call,exc", [
    (lambda: fastact.prelu(np.ones((2, 3)), np.ones(2)), ValueError),
    (lambda: fastact.prelu(np.ones((2, 3)), np.ones((3, 1))), ValueError),
    (lambda: fastact.prelu(np.ones((2, 3)), np.ones(0)), ValueError),
    (lambda: fastact.prelu(np.ones((2, 3)), np.ones(3), axis=2), ValueError),
    (lambda: fastact.prelu(np.ones((2, 3)), np.ones(3), axis="1"), TypeError),
    (lambda: fastact.prelu(np.ones((2, 3)), np.ones(3), axis=-3), ValueError),
    (lambda: fastact.prelu_backward(np.ones((2, 3)), np.ones((2, 3)), np.ones(2)), ValueError),
    (lambda: fastact.prelu_backward(np.ones((2, 2)), np.ones((2, 3)), np.ones(3)), ValueError),
    (lambda: fastact.prelu(np.ones(3), np.ones(3)), ValueError),
    (lambda: fastact.prelu(np.array(1.0), np.ones(3)), ValueError),
    (lambda: fastact.prelu(np.ones(3), 1j), TypeError),
    (lambda: fastact.prelu(np.ones(3, complex), 0.1), TypeError),
    (lambda: fastact.prelu(np.ones(3), 0.1, out=np.empty(4)), ValueError),
    (lambda: fastact.prelu(np.ones((2, 3)), np.ones(3), out=np.empty((2, 3), np.float32)),
     TypeError),
    (lambda: fastact.prelu_backward(np.ones(4), np.ones(3), 0.1), ValueError),
    (lambda: fastact.rrelu(np.ones(3), 0.5, 0.1), ValueError),
    (lambda: fastact.rrelu(np.ones(3), float("nan")), ValueError),
    (lambda: fastact.rrelu(np.ones(3), "a"), TypeError),
    (lambda: fastact.rrelu_backward(np.ones(3)), TypeError),
])
def test_bad_input(call, exc):
    with pytest.raises(exc):
        call()


def test_out_untouched_on_error():
    out = np.full((2, 3), 7.0)
    with pytest.raises(ValueError):
        fastact.prelu(np.ones((2, 3)), np.ones(2), out=out)
    with pytest.raises(ValueError):
        fastact.prelu_backward(np.ones((2, 3)), np.ones((2, 4)), 0.1, out=out)
    assert (out == 7).all()


def test_registry_entries():
    a = fastact.get_activation("prelu", weight=np.array([0.1, 0.2]), axis=-1)
    x = np.array([[-1.0, -2.0], [3.0, -4.0]])
    np.testing.assert_array_equal(a.forward(x), [[-0.1, -0.4], [3.0, -0.8]])
    np.testing.assert_array_equal(a.derivative(x), [[0.1, 0.2], [1.0, 0.2]])
    gi, gw = a.backward(np.ones_like(x), x)
    np.testing.assert_array_equal(gw, [-1.0, -6.0])
    assert a.piecewise_linear
    r = fastact.get_activation("rrelu", lower=0.2, upper=0.4)
    np.testing.assert_allclose(r.forward(x), np.where(x > 0, x, 0.3 * x))
    np.testing.assert_allclose(r.backward(np.ones_like(x), x), np.where(x > 0, 1, 0.3))
    assert "prelu" in fastact.activations() and "rrelu" in fastact.activations()
