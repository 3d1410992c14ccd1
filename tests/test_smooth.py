"""The smooth activations where the generic registry test cannot look: the ranges where the
usual formulas fail, the limits at +-inf, a dense sweep over the whole float32 range, a float64
random sample, gelu's three forms, swish's beta gradient, and subnormal-heavy inputs."""

import time

import numpy as np
import pytest
from reference import DERIVATIVE, DERIVATIVE_SCALE, FORWARD
from reference_smooth import SWISH_DBETA
from util import assert_ulp

import fastact
from fastact._ext import _kernels
from fastact._registry import ELEMENTWISE

SMOOTH = ["tanh", "elu", "celu", "selu", "silu", "softplus", "gelu", "gelu_tanh",
          "gelu_sigmoid", "mish", "swish", "sigmoid"]
ULP = 4


def _p(name):
    return [float(v) for _, v in ELEMENTWISE[name].params]


def fwd(name, x):
    return _kernels.unary(_kernels.FORWARD, ELEMENTWISE[name].op, x, None, *_p(name))


def der(name, x):
    return _kernels.unary(_kernels.DERIVATIVE, ELEMENTWISE[name].op, x, None, *_p(name))


def check(name, x, context, derivative=True):
    kw = dict(ELEMENTWISE[name].params)
    x64 = x.astype(np.float64)
    with np.errstate(all="ignore"):
        ref = FORWARD[name](x64, **kw)
        assert_ulp(fwd(name, x), ref, x.dtype, ULP, f"{name} {context} forward")
        if derivative:
            scale = DERIVATIVE_SCALE[name](x64, **kw) if name in DERIVATIVE_SCALE else None
            assert_ulp(der(name, x), DERIVATIVE[name](x64, **kw), x.dtype, ULP + 2,
                       f"{name} {context} derivative", scale)


# ---------------------------------------------------------------- hard ranges
HARD = {
    # 1 + erf cancels for x < -3 (8.7e8 ULP in numpy/PyTorch near -5.5); the tail ends where
    # the result leaves the normal range
    "gelu": [(-6.0, -5.0), (-14.0, -3.0), (-40.0, -25.0)],
    "gelu_tanh": [(-6.0, -5.0), (-12.0, -3.0), (-30.0, -15.0)],
    "gelu_sigmoid": [(-6.0, -5.0), (-56.0, -40.0), (-450.0, -380.0)],
    # e^x subnormal while x e^x is not
    "silu": [(-105.0, -85.0), (-750.0, -700.0)],
    "swish": [(-105.0, -85.0), (-750.0, -700.0)],
    "sigmoid": [(-105.0, -85.0), (-750.0, -700.0)],
    "mish": [(-105.0, -85.0), (-750.0, -700.0)],
    # e^x - 1 near 0
    "elu": [(-1e-3, 0.0), (-1e-6, 0.0), (-30.0, -10.0)],
    "celu": [(-1e-3, 0.0), (-1e-6, 0.0)],
    "selu": [(-1e-3, 0.0), (-1e-6, 0.0), (-30.0, -10.0)],
    "tanh": [(-1e-3, 1e-3), (0.4, 0.7), (8.0, 20.0)],
    # everywhere
    "softplus": [(-750.0, -80.0), (-20.0, 20.0), (15.0, 25.0), (-1e-6, 1e-6)],
}


@pytest.mark.parametrize("name", sorted(HARD))
def test_hard_ranges(name, dtype):
    rng = np.random.default_rng(11)
    for lo, hi in HARD[name]:
        if dtype == np.float32 and lo < -200:
            continue
        x = rng.uniform(lo, hi, 20001).astype(dtype)
        check(name, x, f"{np.dtype(dtype)} [{lo}, {hi}]")


def test_gelu_tail_where_numpy_fails():
    """Near x = -5.5 the 1 + erf form is wrong by ~1e9 ULP; ours is within 4."""
    x = np.float32(-5.5) + np.arange(-2000, 2000, dtype=np.float32) * np.float32(1e-4)
    check("gelu", x, "x ~ -5.5")
    y = fastact.gelu(x)
    assert np.all(y < 0) and np.all(np.isfinite(y))


# ---------------------------------------------------------------- special values
@pytest.mark.parametrize("name", SMOOTH)
def test_nan_in_nan_out(name, dtype):
    x = np.array([np.nan, -np.nan, 1.0, np.nan], dtype=dtype)
    for f in (fwd, der):
        r = f(name, x)
        assert np.isnan(r[0]) and np.isnan(r[1]) and np.isnan(r[3]) and not np.isnan(r[2])


@pytest.mark.parametrize("name", ["silu", "swish", "gelu", "gelu_tanh", "gelu_sigmoid", "mish"])
def test_minus_infinity_gives_minus_zero(name, dtype):
    y = fwd(name, np.array([-np.inf, np.finfo(dtype).min, -1e30], dtype=dtype))
    assert np.all(y == 0) and np.all(np.signbit(y)), (name, y)
    d = der(name, np.array([-np.inf, np.inf], dtype=dtype))
    np.testing.assert_array_equal(d, [0.0, 1.0])


def test_limits_at_infinity(dtype):
    inf = np.array([np.inf], dtype=dtype)
    ninf = -inf
    assert fastact.softplus(inf)[0] == np.inf and fastact.softplus(ninf)[0] == 0
    assert fastact.softplus_derivative(inf)[0] == 1 and fastact.softplus_derivative(ninf)[0] == 0
    for mode in ("none", "tanh", "sigmoid"):
        assert fastact.gelu(inf, approximate=mode)[0] == np.inf
    assert fastact.silu(inf)[0] == np.inf and fastact.mish(inf)[0] == np.inf
    assert fastact.swish(inf, beta=0.5)[0] == np.inf
    assert fastact.tanh(inf)[0] == 1 and fastact.tanh(ninf)[0] == -1
    assert fastact.tanh_derivative(inf)[0] == 0
    assert fastact.elu(ninf)[0] == -1 and fastact.elu(ninf, alpha=2.0)[0] == -2
    assert fastact.celu(ninf, alpha=0.5)[0] == -0.5
    lam_alpha = 1.0507009873554804934193349852946 * 1.6732632423543772848170429916717
    assert fastact.selu(ninf)[0] == pytest.approx(-lam_alpha, rel=float(np.finfo(dtype).eps))


def test_signed_zero_and_subnormal_inputs(dtype):
    tiny = np.finfo(dtype).smallest_subnormal
    x = np.array([0.0, -0.0, tiny, -tiny], dtype=dtype)
    for name in ("tanh", "elu", "selu", "silu", "gelu", "gelu_tanh", "gelu_sigmoid", "mish"):
        y = fwd(name, x)
        assert np.all(np.abs(y) <= np.finfo(dtype).tiny), name
        assert not np.signbit(y[0]) and np.signbit(y[1]), name
    np.testing.assert_array_equal(fastact.tanh(x), x)  # tanh(x) = x exactly there


def test_softplus_threshold_semantics():
    x = np.array([19.0, 20.0, 20.5, 21.0, 1e30])
    y = fastact.softplus(x)
    np.testing.assert_array_equal(y[2:], x[2:])       # beta * x > threshold: x itself
    assert y[0] > 19.0 and y[1] > 20.0                 # at/below the threshold: log1p(e^x)
    y2 = fastact.softplus(np.array([6.0, 4.0]), beta=2.0, threshold=10.0)
    assert y2[0] == 6.0 and y2[1] == pytest.approx(np.logaddexp(0, 8.0) / 2, rel=1e-15)
    np.testing.assert_array_equal(fastact.softplus_derivative(x[2:]), 1.0)


# ---------------------------------------------------------------- known worst points
# Inputs where a kernel once reached 5 ULP (float32): gelu's Phi(-|x|) e^(x^2/2) evaluated in
# float, mish's left branch rounded five times. Each is checked with every float32 within
# 20000 ULP of it, at every CPU level.
WORST_POINTS = {"gelu": [-1.30671811], "mish": [-3.23502517]}


@pytest.mark.parametrize("name", sorted(WORST_POINTS))
def test_known_worst_points_float32(name, cpu_level):
    for x0 in WORST_POINTS[name]:
        bits = np.float32(x0).view(np.uint32).astype(np.int64)
        x = (bits + np.arange(-20000, 20001)).astype(np.uint32).view(np.float32)
        assert x[20000] == np.float32(x0)
        check(name, x, f"float32 near {x0} at {cpu_level}")


# ---------------------------------------------------------------- whole-range sweeps
def _every_kth_float32(k):
    bits = np.arange(0, 2**32, k, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    return x[np.isfinite(x)]


@pytest.mark.parametrize("name", SMOOTH)
def test_float32_sweep_whole_range(name):
    """Every 3001st float32 bit pattern (~1.4 million values, all magnitudes, both signs)."""
    check(name, _every_kth_float32(3001), "float32 sweep")


@pytest.mark.parametrize("name", SMOOTH)
def test_float64_random_sample(name):
    rng = np.random.default_rng(17)
    parts = [rng.standard_normal(40000) * 3, rng.uniform(-40, 40, 40000),
             rng.uniform(-800, 800, 20000),
             np.exp(rng.uniform(-700, 700, 20000)) * rng.choice([-1, 1], 20000),
             rng.uniform(-1e-3, 1e-3, 20000)]
    check(name, np.concatenate(parts), "float64 sample")


# ---------------------------------------------------------------- gelu's forms
def test_gelu_modes_are_their_kernels():
    x = np.random.default_rng(3).standard_normal(5000).astype(np.float32) * 4
    g = np.random.default_rng(4).standard_normal(5000).astype(np.float32)
    for mode, row in (("none", "gelu"), ("tanh", "gelu_tanh"), ("sigmoid", "gelu_sigmoid")):
        np.testing.assert_array_equal(fastact.gelu(x, approximate=mode), fwd(row, x))
        np.testing.assert_array_equal(fastact.gelu_derivative(x, approximate=mode), der(row, x))
        np.testing.assert_array_equal(fastact.gelu_backward(g, x, approximate=mode),
                                      g * der(row, x))
    np.testing.assert_array_equal(fastact.gelu(x), fwd("gelu", x))


def test_gelu_forms_differ_as_published():
    x = np.linspace(-3, 3, 601)
    exact = fastact.gelu(x)
    assert np.max(np.abs(fastact.gelu(x, approximate="tanh") - exact)) < 1e-3
    assert np.max(np.abs(fastact.gelu(x, approximate="sigmoid") - exact)) < 2.1e-2


def test_gelu_bad_mode():
    with pytest.raises(ValueError, match="approximate"):
        fastact.gelu(np.ones(3), approximate="erf")
    with pytest.raises(TypeError, match="approximate"):
        fastact.gelu(np.ones(3), approximate=None)


def test_gelu_and_swish_are_registered():
    names = fastact.activations()
    for n in ("gelu", "swish", "tanh", "elu", "celu", "selu", "silu", "softplus", "mish"):
        assert n in names
    for n in ("gelu_tanh", "gelu_sigmoid"):
        assert n not in names
    act = fastact.get_activation("gelu", approximate="tanh")
    x = np.linspace(-4, 4, 33)
    np.testing.assert_array_equal(act.forward(x), fastact.gelu(x, approximate="tanh"))
    sw = fastact.get_activation("swish", beta=1.5)
    gi, gb = sw.backward(np.ones_like(x), x)
    np.testing.assert_array_equal(gi, fastact.swish_backward(np.ones_like(x), x, beta=1.5)[0])


def test_parameter_checks():
    x = np.linspace(-2, 2, 9)
    with pytest.raises(ValueError, match="alpha > 0"):
        fastact.elu_backward(np.ones_like(x), output=fastact.elu(x, alpha=-1.0), alpha=-1.0)
    with pytest.raises(ValueError, match="alpha"):
        fastact.celu(x, alpha=0.0)
    with pytest.raises(ValueError, match="beta"):
        fastact.softplus(x, beta=0.0)
    with pytest.raises(TypeError, match="beta"):
        fastact.swish(x, beta="1")
    with pytest.raises(TypeError, match="output"):
        fastact.silu_backward(np.ones_like(x), output=x)


def test_elu_from_output_matches_from_input():
    x = np.random.default_rng(8).standard_normal(10001) * 5
    g = np.random.default_rng(9).standard_normal(x.size)
    for alpha in (1.0, 0.3, 2.5):
        y = fastact.elu(x, alpha=alpha)
        # y + alpha cancels as y -> -alpha: the error is relative to alpha there
        np.testing.assert_allclose(fastact.elu_backward(g, output=y, alpha=alpha),
                                   fastact.elu_backward(g, x, alpha=alpha), rtol=1e-12,
                                   atol=1e-15 * alpha * np.max(np.abs(g)))


# ---------------------------------------------------------------- swish and its beta gradient
@pytest.mark.parametrize("beta", [1.0, 0.5, 1.702, -0.7])
def test_swish_beta_gradient_against_finite_differences(beta):
    rng = np.random.default_rng(21)
    x = rng.standard_normal(50000) * 4
    g = rng.standard_normal(x.size)
    gi, gb = fastact.swish_backward(g, x, beta=beta)
    h = 1e-6
    fd = np.sum(g * (fastact.swish(x, beta=beta + h) - fastact.swish(x, beta=beta - h))) / (2 * h)
    assert gb == pytest.approx(fd, rel=1e-6, abs=1e-6)
    assert gb == pytest.approx(np.sum(g * SWISH_DBETA(x, beta)), rel=1e-12)
    np.testing.assert_allclose(gi, g * fastact.swish_derivative(x, beta=beta), rtol=4e-16,
                               atol=0)
    fdx = (fastact.swish(x + h, beta=beta) - fastact.swish(x - h, beta=beta)) / (2 * h)
    np.testing.assert_allclose(fastact.swish_derivative(x, beta=beta), fdx, rtol=1e-6, atol=1e-8)
    kw = {"beta": beta}
    with np.errstate(all="ignore"):
        assert_ulp(fastact.swish(x, **kw), FORWARD["swish"](x, **kw), np.float64, ULP, "swish")


def test_swish_grad_beta_identical_at_any_thread_count_and_level(dtype):
    rng = np.random.default_rng(22)
    x = (rng.standard_normal(1_000_003) * 3).astype(dtype)
    g = rng.standard_normal(x.size).astype(dtype)
    results = []
    before = fastact.cpu_capability()
    try:
        for level in fastact.cpu_capabilities():
            _kernels.isa_select(level)
            for n in (1, 2, 3):
                with fastact.num_threads(n):
                    gi, gb = fastact.swish_backward(g, x, beta=1.3)
                results.append((gi.tobytes(), gb.tobytes()))
    finally:
        _kernels.isa_select(before)
    assert all(r == results[0] for r in results)
    gi, gb = fastact.swish_backward(g, x, beta=1.3)
    assert gb.dtype == dtype
    ref = np.sum(g.astype(np.float64) * SWISH_DBETA(x.astype(np.float64), 1.3))
    assert float(gb) == pytest.approx(ref, rel=1e-5 if dtype == np.float32 else 1e-12)


def test_swish_backward_layouts_and_out():
    rng = np.random.default_rng(23)
    x = rng.standard_normal((300, 70))
    g = rng.standard_normal((300, 70))
    gi, gb = fastact.swish_backward(g, x, beta=0.8)
    gi_t, gb_t = fastact.swish_backward(g.T, x.T, beta=0.8)
    np.testing.assert_array_equal(gi_t, gi.T)
    assert gb_t == pytest.approx(gb, rel=1e-13)
    out = np.empty_like(g)
    r, _ = fastact.swish_backward(g, x, beta=0.8, out=out)
    assert r is out
    np.testing.assert_array_equal(out, gi)
    gi32, gb32 = fastact.swish_backward(g.astype(np.float16), x.astype(np.float16))
    assert gi32.dtype == np.float16 and gb32.dtype == np.float16
    e, eb = fastact.swish_backward(np.empty(0), np.empty(0))
    assert e.shape == (0,) and eb == 0
    with pytest.raises(ValueError, match="shape"):
        fastact.swish_backward(np.ones(3), np.ones(4))
    with pytest.raises(TypeError, match="out"):
        fastact.swish_backward(np.ones(3), np.ones(3), out=np.ones(3, np.float32))


def test_silu_is_swish_with_beta_one():
    x = np.random.default_rng(24).standard_normal(10000) * 30
    np.testing.assert_array_equal(fastact.silu(x), fastact.swish(x))
    np.testing.assert_array_equal(fastact.silu_derivative(x), fastact.swish_derivative(x))


# ---------------------------------------------------------------- no denormal stall (reported)
def test_no_denormal_stall_report(capsys):
    """Times an input of values near -100 (subnormal e^x) against N(0,1); printed, not
    asserted (the machine is shared). Run with -s to see the figures."""
    rng = np.random.default_rng(25)
    n = 1_000_000
    normal = rng.standard_normal(n).astype(np.float32)
    tail = rng.uniform(-105, -85, n).astype(np.float32)
    out = np.empty_like(normal)
    lines = []
    for name in ("sigmoid", "silu", "gelu", "gelu_tanh", "mish", "elu", "softplus", "tanh"):
        times = {}
        for label, x in (("N(0,1)", normal), ("near -100", tail)):
            op, params = ELEMENTWISE[name].op, _p(name)

            def f(a, out, op=op, params=params):
                return _kernels.unary(_kernels.FORWARD, op, a, out, *params)
            best = min(_timed(f, x, out) for _ in range(3))
            times[label] = best
        lines.append(f"{name:10s} N(0,1) {times['N(0,1)'] * 1e3:7.3f} ms   near -100 "
                     f"{times['near -100'] * 1e3:7.3f} ms   ratio "
                     f"{times['near -100'] / times['N(0,1)']:.2f}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))


def _timed(f, x, out):
    t = time.perf_counter()
    f(x, out=out)
    return time.perf_counter() - t
