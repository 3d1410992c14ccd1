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


def _relu_dy(y):
    return np.where(np.isnan(y), y, (y > 0).astype(np.float64))


def _sigmoid_dy(y):
    return y * (1 - y)


# name -> f(x, **params), f'(x, **params), and f'(x) from y = f(x) for ops with from_output.
FORWARD = {"relu": _relu, "sigmoid": _sigmoid}
DERIVATIVE = {"relu": _relu_d, "sigmoid": _sigmoid_d}
DERIVATIVE_FROM_OUTPUT = {"relu": _relu_dy, "sigmoid": _sigmoid_dy}

# Piecewise-linear ops: see reference_piecewise.py
from reference_piecewise import DERIVATIVE as _PW_D  # noqa: E402
from reference_piecewise import DERIVATIVE_FROM_OUTPUT as _PW_DY  # noqa: E402
from reference_piecewise import FORWARD as _PW_F  # noqa: E402

FORWARD.update(_PW_F)
DERIVATIVE.update(_PW_D)
DERIVATIVE_FROM_OUTPUT.update(_PW_DY)



# Smooth ops: see reference_smooth.py
from reference_smooth import DERIVATIVE as _SM_D  # noqa: E402
from reference_smooth import DERIVATIVE_FROM_OUTPUT as _SM_DY  # noqa: E402
from reference_smooth import DERIVATIVE_SCALE  # noqa: E402, F401
from reference_smooth import FORWARD as _SM_F  # noqa: E402

FORWARD.update(_SM_F)
DERIVATIVE.update(_SM_D)
DERIVATIVE_FROM_OUTPUT.update(_SM_DY)
