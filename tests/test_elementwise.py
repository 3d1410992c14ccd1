"""Every elementwise op of the registry against the float64 reference, at every CPU capability
and thread count, over the hostile arrays; derivatives and backwards against finite differences.

Ops are reached through the compiled launchers with the row's default parameters, so rows that
back a hand-written public function (e.g. one per `approximate=` mode) are covered too; the
public functions are checked to be those launchers."""

import numpy as np
import pytest
from reference import DERIVATIVE, DERIVATIVE_FROM_OUTPUT, DERIVATIVE_SCALE, FORWARD
from util import assert_ulp, hostile_arrays

import fastact
from fastact._ext import _kernels
from fastact._registry import ELEMENTWISE

ROWS = [row for row in ELEMENTWISE.values() if row.name != "copy"]
NAMES = [row.name for row in ROWS]


def bound(row):
    return 0 if row.piecewise_linear else row.ulp


def params(row):
    return dict(row.params)


def _pvals(row):
    return [float(v) for _, v in row.params]


def forward(row, x):
    return _kernels.unary(_kernels.FORWARD, row.op, x, None, *_pvals(row))


def derivative(row, x):
    return _kernels.unary(_kernels.DERIVATIVE, row.op, x, None, *_pvals(row))


def backward(row, g, x, from_output=False):
    kind = _kernels.BACKWARD_OUTPUT if from_output else _kernels.BACKWARD
    return _kernels.binary(kind, row.op, g, x, None, *_pvals(row))


def test_every_op_has_a_reference():
    missing = [n for n in NAMES if n not in FORWARD or n not in DERIVATIVE]
    assert not missing, f"no float64 reference for {missing}"
    missing = [r.name for r in ROWS if r.from_output and r.name not in DERIVATIVE_FROM_OUTPUT]
    assert not missing, f"no from-output derivative reference for {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_forward_derivative_backward_accuracy(name, dtype, cpu_level, threads):
    row = ELEMENTWISE[name]
    # The kernels convert parameters to the compute dtype, as numpy and PyTorch do with a
    # Python scalar (a float32 leaky_relu multiplies by float32(0.01)); the reference takes
    # the parameters the kernel actually used.
    kw = {k: float(np.asarray(v, dtype)) for k, v in params(row).items()}
    for label, x in hostile_arrays(dtype, seed=3):
        ctx = f"{name} {np.dtype(dtype)} {cpu_level} {threads}t {label} shape={x.shape}"
        x64 = x.astype(np.float64)
        with np.errstate(all="ignore"):
            ref_y = FORWARD[name](x64, **kw)
            ref_d = DERIVATIVE[name](x64, **kw)
            # derivatives that cross zero: error relative to the size of the cancelling terms
            scale_d = DERIVATIVE_SCALE[name](x64, **kw) if name in DERIVATIVE_SCALE else None
        y = forward(row, x)
        assert y.shape == x.shape and y.dtype == dtype
        assert_ulp(y, ref_y, dtype, bound(row), ctx + " forward")
        d = derivative(row, x)
        assert_ulp(d, ref_d, dtype, bound(row) + 2, ctx + " derivative", scale_d)
        g = np.linspace(-2, 2, x.size).reshape(x.shape).astype(dtype)
        gi = backward(row, g, x)
        # backward == grad_output * derivative within 1 ULP
        with np.errstate(all="ignore"):
            gd = g.astype(np.float64) * d.astype(np.float64)
        assert_ulp(gi, gd, dtype, 1, ctx + " backward")
        if row.from_output:
            go = backward(row, g, y, from_output=True)
            with np.errstate(all="ignore"):
                ref = g.astype(np.float64) * DERIVATIVE_FROM_OUTPUT[name](y.astype(np.float64),
                                                                          **kw)
            assert_ulp(go, ref, dtype, 2, ctx + " backward(output=)")


@pytest.mark.parametrize("name", [r.name for r in ROWS if r.public])
def test_public_functions_are_the_kernels(name):
    row = ELEMENTWISE[name]
    x = np.random.default_rng(1).standard_normal(1001) * 4
    g = np.random.default_rng(2).standard_normal(1001)
    kw = params(row)
    np.testing.assert_array_equal(getattr(fastact, name)(x, **kw), forward(row, x))
    np.testing.assert_array_equal(getattr(fastact, name + "_derivative")(x, **kw),
                                  derivative(row, x))
    np.testing.assert_array_equal(getattr(fastact, name + "_backward")(g, x, **kw),
                                  backward(row, g, x))


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


@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_finite_differences(name):
    row = ELEMENTWISE[name]
    rng = np.random.default_rng(7)
    x = rng.uniform(-8, 8, 4000)
    # keep away from kinks, where a piecewise function has no derivative
    kinks = np.array(row.kinks(params(row)) if row.kinks else [], dtype=np.float64)
    if kinks.size:
        x = x[np.min(np.abs(x[:, None] - kinks[None, :]), axis=1) > 1e-3]
    g = rng.standard_normal(x.size)
    h = 1e-6
    fd = (forward(row, x + h) - forward(row, x - h)) / (2 * h)
    np.testing.assert_allclose(derivative(row, x), fd, rtol=1e-6, atol=1e-8, err_msg=name)
    np.testing.assert_allclose(backward(row, g, x), g * fd, rtol=1e-6, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("name", NAMES)
def test_results_identical_at_every_cpu_capability(name, dtype):
    row = ELEMENTWISE[name]
    x = (np.random.default_rng(5).standard_normal(100_003) * 30).astype(dtype)
    g = np.random.default_rng(6).standard_normal(x.size).astype(dtype)
    before = fastact.cpu_capability()
    results = {}
    try:
        for level in fastact.cpu_capabilities():
            _kernels.isa_select(level)
            results[level] = [forward(row, x).tobytes(), backward(row, g, x).tobytes(),
                              derivative(row, x).tobytes()]
    finally:
        _kernels.isa_select(before)
    first = next(iter(results.values()))
    for level, r in results.items():
        assert r == first, level
