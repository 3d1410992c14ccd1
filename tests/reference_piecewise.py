"""Float64 references for the piecewise activations, written the obvious way with numpy/scipy
(the test oracle; nothing here calls fastact). Keys are registry names; functions take float64
x and the op's parameters as keywords.

NaN in gives NaN out everywhere, derivatives included. Derivatives at the kinks follow
PyTorch 2.13: relu6'(0) = relu6'(6) = 0, hardtanh' is 0 at its bounds, leaky_relu'(0) =
negative_slope, hardsigmoid' is 0 at +-3, hardswish'(-3) = 0 and hardswish'(3) = 1."""

import numpy as np


def _keep_nan(x, r):
    return np.where(np.isnan(x), x, r)


def _hardtanh(x, min_val=-1.0, max_val=1.0):
    return np.clip(x, min_val, max_val)


def _hardtanh_d(x, min_val=-1.0, max_val=1.0):
    return _keep_nan(x, ((x > min_val) & (x < max_val)).astype(np.float64))


def _relu6(x):
    return np.clip(x, 0.0, 6.0)


def _relu6_d(x):
    return _hardtanh_d(x, 0.0, 6.0)


def _leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


def _leaky_relu_d(x, negative_slope=0.01):
    return _keep_nan(x, np.where(x > 0, 1.0, negative_slope))


def _threshold(x, threshold, value):
    return np.where(x > threshold, x, _keep_nan(x, np.full_like(x, value)))


def _threshold_d(x, threshold, value):
    return _keep_nan(x, (x > threshold).astype(np.float64))


def _step(x):
    return _keep_nan(x, (x > 0).astype(np.float64))


def _step_d(x):
    return _keep_nan(x, np.zeros_like(x))


def _hardsigmoid(x):
    return np.clip((x + 3) / 6, 0.0, 1.0)


def _hardsigmoid_d(x):
    return _keep_nan(x, np.where((x > -3) & (x < 3), 1 / 6, 0.0))


def _hardswish(x):
    inner = x * (x + 3) / 6
    return np.where(x <= -3, 0.0, np.where(x >= 3, x, inner))


def _hardswish_d(x):
    # d/dx x(x + 3)/6 = (2x + 3)/6 (PyTorch writes x/3 + 1/2, which cancels near -3/2)
    return _keep_nan(x, np.where(x <= -3, 0.0, np.where(x >= 3, 1.0, (2 * x + 3) / 6)))


def _softsign(x):
    return np.where(np.isinf(x), np.sign(x), x / (1 + np.abs(x)))


def _softsign_d(x):
    return 1 / (1 + np.abs(x)) ** 2


FORWARD = {"relu6": _relu6, "leaky_relu": _leaky_relu, "hardtanh": _hardtanh,
           "threshold": _threshold, "step": _step, "hardsigmoid": _hardsigmoid,
           "hardswish": _hardswish, "softsign": _softsign}
DERIVATIVE = {"relu6": _relu6_d, "leaky_relu": _leaky_relu_d, "hardtanh": _hardtanh_d,
              "threshold": _threshold_d, "step": _step_d, "hardsigmoid": _hardsigmoid_d,
              "hardswish": _hardswish_d, "softsign": _softsign_d}
# f'(x) from y = f(x), for the ops whose backward takes output=.
DERIVATIVE_FROM_OUTPUT = {"relu6": _relu6_d, "leaky_relu": _leaky_relu_d,
                          "hardtanh": _hardtanh_d}
