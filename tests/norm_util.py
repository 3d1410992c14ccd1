"""Shared machinery of the normalization tests: layouts, tolerances, kink-safe gradients and
central finite differences. Nothing here computes a normalization."""

import numpy as np
from reference_norm import ACTIVATIONS

# (label, shape, channel axis): every layout the kernels distinguish (column mode for 2-D,
# channels-last and short inner runs; run mode for NCHW-like inputs; one channel).
LAYOUTS = [
    ("2-D", (37, 5), 1),
    ("2-D wide", (9, 1500), 1),
    ("3-D", (6, 4, 45), 1),
    ("3-D short inner", (6, 4, 7), 1),
    ("NCHW", (4, 6, 9, 10), 1),
    ("NHWC", (4, 9, 10, 6), -1),
    ("5-D", (3, 4, 5, 6, 7), 1),
    ("5-D channels-last", (3, 5, 6, 7, 4), -1),
    ("axis 0", (5, 3, 40), 0),
    ("middle axis", (3, 7, 5, 8), 2),
]
LAYOUT_IDS = [label for label, _, _ in LAYOUTS]

ACTS = [None, "relu", "relu6", "leaky_relu", "hardtanh"]
KINKS = {name: spec[2] for name, spec in ACTIVATIONS.items()}


def data(shape, dtype, seed=0, loc=3.0, scale=2.0):
    """Normal data with a per-position offset pattern (never centred at zero)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * scale + loc).astype(dtype)


def params(C, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(C) * 1.5, rng.standard_normal(C)


def tol(dtype):
    return 8 * np.finfo(dtype).eps


def assert_close(got, ref, dtype, factor=1.0, context="", scale=None):
    """|got - ref| <= factor * 8 eps(dtype) * max(1, scale), and the same NaN pattern; scale is
    the magnitude of the terms that make up the result (default max|ref|)."""
    got = np.asarray(got, np.float64)
    ref = np.asarray(ref, np.float64)
    assert got.shape == ref.shape, context
    if scale is None:
        scale = float(np.nanmax(np.abs(ref))) if ref.size else 1.0
    scale = max(1.0, scale)
    np.testing.assert_allclose(got, ref, rtol=0, atol=factor * tol(dtype) * scale,
                               err_msg=context)


def kink_safe(g, pre, activation, margin=1e-3):
    """g with zeros where the pre-activation is within `margin` of a kink of the activation,
    so a gradient check does not depend on which side of a kink a rounded value falls."""
    g = np.array(g, copy=True)
    near = np.zeros(pre.shape, bool)
    for k in KINKS[activation]:
        near |= np.abs(pre - k) < margin
    g[near] = 0
    return g


def central_diff(f, x, h=1e-6):
    """d f / d x by central differences, f: ndarray -> float, x float64 (copied)."""
    x = np.array(x, dtype=np.float64, copy=True)
    grad = np.empty_like(x)
    flat = x.reshape(-1)
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        v = flat[i]
        flat[i] = v + h
        fp = f(x)
        flat[i] = v - h
        fm = f(x)
        flat[i] = v
        gflat[i] = (fp - fm) / (2 * h)
    return grad



def term_scale(pre, bias):
    """Magnitude of the terms of an affine-normalized value v = x_hat * w + b: max|v| + max|b|."""
    b = 0.0 if bias is None else float(np.abs(bias).max())
    return float(np.nanmax(np.abs(pre))) + b if np.size(pre) else 1.0
