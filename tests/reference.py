"""Independent float64 references, written the obvious way with numpy/scipy (the test oracle;
nothing here calls fastact). Each entry: forward f(x) and derivative f'(x), for float64 x."""

import numpy as np
from scipy import special


def _relu(x):
    return np.where(np.isnan(x), x, np.maximum(x, 0.0))


def _relu_d(x):
    return np.where(np.isnan(x), x, (x > 0).astype(np.float64))


def _sigmoid(x):
    return special.expit(x)


def _sigmoid_d(x):
    # s * (1 - s) loses everything once s rounds to 1; expit(-|x|) * expit(|x|) does not.
    return special.expit(-np.abs(x)) * special.expit(np.abs(x))


FORWARD = {"relu": _relu, "sigmoid": _sigmoid}
DERIVATIVE = {"relu": _relu_d, "sigmoid": _sigmoid_d}
