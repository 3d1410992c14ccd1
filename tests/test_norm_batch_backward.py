"""BatchNorm backward: against the float64 reference on every layout (training and eval, with
and without a fused activation) and against central finite differences of the forward."""

import numpy as np
import pytest
import reference_norm as ref
from norm_util import (
    ACTS,
    LAYOUT_IDS,
    LAYOUTS,
    assert_close,
    central_diff,
    data,
    kink_safe,
    params,
    term_scale,
)

import fastact

EPS = 1e-5


def grad_tol(got, expect, dtype, context):
    """Per-channel sums are accumulated in float64 and rounded once to the result dtype."""
    np.testing.assert_allclose(got, expect, rtol=4 * np.finfo(dtype).eps,
                               atol=64 * np.finfo(dtype).eps * max(1.0, np.abs(expect).max()),
                               err_msg=context)


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("affine", [True, False], ids=["affine", "no-affine"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("label,shape,axis", LAYOUTS, ids=LAYOUT_IDS)
def test_backward_against_reference(label, shape, axis, training, affine, activation, dtype):
    x = data(shape, dtype)
    C = shape[axis]
    w, b = params(C) if affine else (None, None)
    rm, rv = np.linspace(2, 4, C), np.linspace(0.5, 5, C)
    y, mean, invstd = fastact.batch_norm(x, w, b, rm.copy(), rv.copy(), training=training,
                                         eps=EPS, axis=axis, activation=activation)
    stats = {} if training else {"mean": rm, "var": rv}
    pre = ref.batch_norm(x, w, b, axis, EPS, activation=activation, **stats)[1]
    g = kink_safe(data(shape, dtype, seed=7, loc=0, scale=1), pre, activation, 1e-4)
    gi, gw, gb = fastact.batch_norm_backward(g, x, w, mean, invstd, axis=axis,
                                             training=training, activation=activation, bias=b)
    dx_ref, gw_ref, gb_ref = ref.batch_norm_backward(g, x, w, b, axis, EPS, training,
                                                     activation=activation, **stats)
    ctx = f"{label} {np.dtype(dtype)} {'train' if training else 'eval'} {activation}"
    assert gi.dtype == gw.dtype == gb.dtype == dtype
    assert gi.shape == shape and gw.shape == gb.shape == (C,)
    wmax = 1.0 if w is None else np.abs(w).max()
    scale = wmax * invstd.max() * (np.abs(g).max() * (1 + term_scale(pre, None)))
    assert_close(gi, dx_ref, dtype, factor=2, context=ctx, scale=scale)
    grad_tol(gw, gw_ref, dtype, ctx)
    grad_tol(gb, gb_ref, dtype, ctx)


def loss_weights(shape, pre, activation, seed=11):
    rng = np.random.default_rng(seed)
    return kink_safe(rng.standard_normal(shape), pre, activation)


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("shape,axis", [((5, 3), 1), ((3, 2, 4, 5), 1), ((2, 3, 4, 3), -1),
                                        ((2, 3, 2, 2, 3), 1)],
                         ids=["2-D", "NCHW", "NHWC", "5-D"])
def test_backward_matches_finite_differences(shape, axis, training, activation):
    x = data(shape, np.float64, seed=3, loc=1.0, scale=1.5)
    C = shape[axis]
    w, b = params(C, seed=5)
    rm, rv = np.linspace(0.5, 1.5, C), np.linspace(1, 3, C)

    def forward(xx, ww, bb):
        return fastact.batch_norm(xx, ww, bb, rm.copy(), rv.copy(), training=training, eps=EPS,
                                  axis=axis, activation=activation)

    stats = {} if training else {"mean": rm, "var": rv}
    pre = ref.batch_norm(x, w, b, axis, EPS, activation=activation, **stats)[1]
    R = loss_weights(shape, pre, activation)
    _, mean, invstd = forward(x, w, b)
    gi, gw, gb = fastact.batch_norm_backward(R, x, w, mean, invstd, axis=axis,
                                             training=training, activation=activation, bias=b)
    fd_x = central_diff(lambda xx: float((R * forward(xx, w, b)[0]).sum()), x)
    fd_w = central_diff(lambda ww: float((R * forward(x, ww, b)[0]).sum()), w)
    fd_b = central_diff(lambda bb: float((R * forward(x, w, bb)[0]).sum()), b)
    np.testing.assert_allclose(gi, fd_x, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gw, fd_w, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gb, fd_b, rtol=1e-6, atol=1e-7)


def test_backward_without_weight_is_the_unit_scale_gradient():
    x = data((20, 4), np.float64)
    g = data((20, 4), np.float64, seed=2, loc=0)
    _, m, inv = fastact.batch_norm(x)
    a = fastact.batch_norm_backward(g, x, None, m, inv)
    b = fastact.batch_norm_backward(g, x, np.ones(4), m, inv)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_backward_out_may_be_an_input(dtype):
    x = data((8, 3, 5, 7), dtype)
    g = data(x.shape, dtype, seed=2, loc=0)
    w, b = params(3)
    _, m, inv = fastact.batch_norm(x, w, b)
    expect = fastact.batch_norm_backward(g, x, w, m, inv, activation="relu", bias=b)[0]
    for which in ("g", "x"):
        gg, xx = g.copy(), x.copy()
        target = gg if which == "g" else xx
        got = fastact.batch_norm_backward(gg, xx, w, m, inv, activation="relu", bias=b,
                                          out=target)[0]
        assert got is target
        np.testing.assert_array_equal(got, expect)


def test_backward_layouts_of_grad_output(dtype):
    x = data((6, 4, 5, 6), dtype)
    g = data(x.shape, dtype, seed=2, loc=0)
    _, m, inv = fastact.batch_norm(x)
    expect = fastact.batch_norm_backward(g, x, None, m, inv)
    for gg in (np.asfortranarray(g), g[::-1, :, ::-1][::-1, :, ::-1], g.tolist()):
        got = fastact.batch_norm_backward(gg, x, None, m, inv)
        for u, v in zip(got, expect):
            np.testing.assert_allclose(u, v, rtol=16 * np.finfo(dtype).eps,
                                       atol=16 * np.finfo(dtype).eps)
    xf = np.asfortranarray(x)
    got = fastact.batch_norm_backward(np.asfortranarray(g), xf, None, m, inv)
    dx_ref, gw_ref, gb_ref = ref.batch_norm_backward(g, x, None, None, 1, EPS)
    assert_close(got[0], dx_ref, dtype, factor=2, scale=inv.max() * 8 * np.abs(g).max())


@pytest.mark.parametrize("shape,axis", [((3000, 7), 1), ((500, 5, 6), 1), ((20, 30, 30, 12), -1)],
                         ids=["W=7", "W=30 inner 6", "NHWC W=12"])
def test_short_rows_across_virtual_rows_and_threads(shape, axis, dtype, threads):
    """Column mode with rows under a kilobyte: the elementwise passes run in virtual rows of
    several rows from any column (and threads' slices start mid-row); every output against the
    float64 reference. A wrong column's parameters would be off by O(1); the tolerance allows
    the statistics' rounding over thousands of values per channel (float64 results reach 24
    ulp of the terms, more than the small layouts' 8)."""
    x = data(shape, dtype)
    C = shape[axis]
    w, b = params(C)
    rm, rv = np.linspace(2, 4, C), np.linspace(0.5, 5, C)
    y, mean, invstd = fastact.batch_norm(x, w, b, None, None, eps=EPS, axis=axis,
                                         activation="relu")
    y_ref, pre = ref.batch_norm(x, w, b, axis, EPS, activation="relu")[:2]
    assert_close(y, y_ref, dtype, factor=4, context="train forward", scale=term_scale(pre, b))
    ye = fastact.batch_norm(x, w, b, rm, rv, training=False, eps=EPS, axis=axis)[0]
    ye_ref, pre_e = ref.batch_norm(x, w, b, axis, EPS, mean=rm, var=rv)[:2]
    assert_close(ye, ye_ref, dtype, context="eval forward", scale=term_scale(pre_e, b))
    g = kink_safe(data(shape, dtype, seed=7, loc=0, scale=1), pre, "relu", 1e-4)
    gi, gw, gb = fastact.batch_norm_backward(g, x, w, mean, invstd, axis=axis,
                                             activation="relu", bias=b)
    dx_ref, gw_ref, gb_ref = ref.batch_norm_backward(g, x, w, b, axis, EPS, True,
                                                     activation="relu")
    scale = np.abs(w).max() * invstd.max() * (np.abs(g).max() * (1 + term_scale(pre, None)))
    assert_close(gi, dx_ref, dtype, factor=4, context="backward", scale=scale)
    grad_tol(gw, gw_ref, dtype, "grad_weight")
    grad_tol(gb, gb_ref, dtype, "grad_bias")
