"""relu and sigmoid against the float64 reference, at every CPU capability and thread count,
over the hostile arrays; their backward against finite differences."""

import numpy as np
import pytest
from reference import DERIVATIVE, FORWARD
from util import assert_ulp, hostile_arrays

import fastact
from fastact._ext import _kernels
from fastact._registry import ELEMENTWISE

FUNCS = ["relu", "sigmoid"]


def bound(name):
    row = ELEMENTWISE[name]
    return 0 if row.piecewise_linear else row.ulp


@pytest.mark.parametrize("name", FUNCS)
def test_forward_derivative_backward_accuracy(name, dtype, cpu_level, threads):
    fwd = getattr(fastact, name)
    der = getattr(fastact, name + "_derivative")
    bwd = getattr(fastact, name + "_backward")
    for label, x in hostile_arrays(dtype, seed=3):
        ctx = f"{name} {np.dtype(dtype)} {cpu_level} {threads}t {label} shape={x.shape}"
        x64 = x.astype(np.float64)
        y = fwd(x)
        assert_ulp(y, FORWARD[name](x64), dtype, bound(name), ctx + " forward")
        d = der(x)
        assert_ulp(d, DERIVATIVE[name](x64), dtype, bound(name) + 2, ctx + " derivative")
        g = np.linspace(-2, 2, x.size).reshape(x.shape).astype(dtype)
        gi = bwd(g, x)
        # backward == grad_output * derivative within 1 ULP
        assert_ulp(gi, g.astype(np.float64) * d.astype(np.float64), dtype, 1, ctx + " backward")
        if ELEMENTWISE[name].from_output:
            go = bwd(g, output=y)
            ref = g.astype(np.float64) * ELEMENTWISE_OUTPUT_DERIV[name](y.astype(np.float64))
            assert_ulp(go, ref, dtype, 2, ctx + " backward(output=)")


ELEMENTWISE_OUTPUT_DERIV = {
    "relu": lambda y: np.where(np.isnan(y), y, (y > 0).astype(np.float64)),
    "sigmoid": lambda y: y * (1 - y),
}


def test_relu_is_exact_and_propagates_nan():
    x = np.array([-np.inf, -1e30, -1.0, -0.0, 0.0, 1e-45, 1.0, 1e30, np.inf, np.nan], np.float32)
    y = fastact.relu(x)
    expected = np.array([0, 0, 0, 0, 0, x[5], 1, x[7], np.inf, np.nan], np.float32)
    np.testing.assert_array_equal(y, expected)
    d = fastact.relu_derivative(x)
    np.testing.assert_array_equal(d, [0, 0, 0, 0, 0, 1, 1, 1, 1, np.nan])


def test_sigmoid_special_values_and_tails():
    x = np.array([-np.inf, np.inf, np.nan, 0.0, -100.0, -87.0, 30.0, -88.0], np.float32)
    y = fastact.sigmoid(x)
    assert y[0] == 0 and y[1] == 1 and np.isnan(y[2]) and y[3] == 0.5
    assert y[6] == 1.0
    # e^-87 is a normal float32: the result must be accurate there, not flushed.
    assert abs(y[5] / np.exp(np.float64(-87.0)) - 1) < 1e-6
    # e^-88 and e^-100 are subnormal: the budget there is the smallest normal number.
    tiny = np.finfo(np.float32).tiny
    assert abs(y[4] - np.exp(np.float64(-100.0))) <= tiny
    assert abs(y[7] - np.exp(np.float64(-88.0))) <= tiny


@pytest.mark.parametrize("name", FUNCS)
def test_backward_matches_finite_differences(name):
    rng = np.random.default_rng(7)
    x = rng.uniform(-8, 8, 2000)
    x = x[np.abs(x) > 1e-3]  # keep away from relu's kink
    g = rng.standard_normal(x.size)
    h = 1e-6
    f = getattr(fastact, name)
    fd = (f(x + h) - f(x - h)) / (2 * h)
    np.testing.assert_allclose(getattr(fastact, name + "_backward")(g, x), g * fd,
                               rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(getattr(fastact, name + "_derivative")(x), fd, rtol=1e-6,
                               atol=1e-9)


@pytest.mark.parametrize("name", FUNCS)
def test_results_identical_at_every_cpu_capability(name, dtype):
    x = (np.random.default_rng(5).standard_normal(100_003) * 30).astype(dtype)
    g = np.random.default_rng(6).standard_normal(x.size).astype(dtype)
    before = fastact.cpu_capability()
    results = {}
    try:
        for level in fastact.cpu_capabilities():
            _kernels.isa_select(level)
            f = getattr(fastact, name)
            results[level] = [f(x).tobytes(), getattr(fastact, name + "_backward")(g, x).tobytes(),
                              getattr(fastact, name + "_derivative")(x).tobytes()]
    finally:
        _kernels.isa_select(before)
    first = next(iter(results.values()))
    for level, r in results.items():
        assert r == first, level
