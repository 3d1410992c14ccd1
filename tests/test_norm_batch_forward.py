"""BatchNorm forward against the float64 reference: every layout, affine or not, tracking or
not, training and eval, with and without a fused activation; dtypes and memory layouts."""

import numpy as np
import pytest
import reference_norm as ref
from norm_util import ACTS, LAYOUT_IDS, LAYOUTS, assert_close, data, params, term_scale

import fastact

EPS = 1e-5


def reference_running(rm, rv, mean, var, n, momentum):
    """PyTorch's update: biased var normalizes, the unbiased var goes into running_var."""
    return ((1 - momentum) * rm + momentum * mean,
            (1 - momentum) * rv + momentum * var * n / (n - 1))


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("affine", [True, False], ids=["affine", "no-affine"])
@pytest.mark.parametrize("tracking", [True, False], ids=["tracking", "no-tracking"])
@pytest.mark.parametrize("label,shape,axis", LAYOUTS, ids=LAYOUT_IDS)
def test_training_forward(label, shape, axis, tracking, affine, activation, dtype):
    x = data(shape, dtype)
    C = shape[axis]
    w, b = params(C) if affine else (None, None)
    rm0, rv0 = np.linspace(-1, 1, C), np.linspace(0.5, 2, C)
    rm, rv = (rm0.copy(), rv0.copy()) if tracking else (None, None)
    y, save_mean, save_invstd = fastact.batch_norm(x, w, b, rm, rv, training=True, momentum=0.1,
                                                   eps=EPS, axis=axis, activation=activation)
    y_ref, pre, m_ref, v_ref = ref.batch_norm(x, w, b, axis, EPS, activation=activation)
    ctx = f"{label} {np.dtype(dtype)} {activation}"
    assert y.dtype == dtype and y.shape == shape
    assert_close(y, y_ref, dtype, context=ctx, scale=term_scale(pre, b))
    np.testing.assert_allclose(save_mean, m_ref, rtol=1e-13, atol=1e-13, err_msg=ctx)
    np.testing.assert_allclose(save_invstd, 1 / np.sqrt(v_ref + EPS), rtol=1e-12, err_msg=ctx)
    assert save_mean.dtype == save_invstd.dtype == np.float64
    if tracking:
        n = x.size // C
        rm_ref, rv_ref = reference_running(rm0, rv0, m_ref, v_ref, n, 0.1)
        np.testing.assert_allclose(rm, rm_ref, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(rv, rv_ref, rtol=1e-12)


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("affine", [True, False], ids=["affine", "no-affine"])
@pytest.mark.parametrize("label,shape,axis", LAYOUTS, ids=LAYOUT_IDS)
def test_eval_forward_uses_running_statistics(label, shape, axis, affine, activation, dtype):
    x = data(shape, dtype)
    C = shape[axis]
    w, b = params(C) if affine else (None, None)
    rm, rv = np.linspace(2, 4, C), np.linspace(0.5, 5, C)
    rm0, rv0 = rm.copy(), rv.copy()
    y, save_mean, save_invstd = fastact.batch_norm(x, w, b, rm, rv, training=False, eps=EPS,
                                                   axis=axis, activation=activation)
    y_ref, pre = ref.batch_norm(x, w, b, axis, EPS, mean=rm, var=rv, activation=activation)[:2]
    assert_close(y, y_ref, dtype, context=f"{label} {activation}", scale=term_scale(pre, b))
    np.testing.assert_array_equal(rm, rm0)  # eval never updates
    np.testing.assert_array_equal(rv, rv0)
    np.testing.assert_allclose(save_mean, rm0, rtol=0)
    np.testing.assert_allclose(save_invstd, 1 / np.sqrt(rv0 + EPS), rtol=1e-15)


def test_eval_without_running_statistics_is_an_error():
    with pytest.raises(ValueError, match="running_mean"):
        fastact.batch_norm(np.ones((4, 3)), training=False)


@pytest.mark.parametrize("params_", [(0.0, 1.0, 0.5), ("leaky_relu", 0.2), ("hardtanh", -0.5, 2.0)],
                         ids=["bare tuple rejected", "leaky 0.2", "hardtanh(-0.5, 2)"])
def test_activation_parameters(params_):
    x = data((50, 4), np.float64)
    if params_ == (0.0, 1.0, 0.5):
        with pytest.raises(TypeError, match="activation"):
            fastact.batch_norm(x, activation=params_)
        return
    y = fastact.batch_norm(x, activation=params_)[0]
    pre = ref.batch_norm(x, None, None, 1, EPS)[0]
    if params_[0] == "leaky_relu":
        expect = np.where(pre > 0, pre, params_[1] * pre)
    else:
        expect = np.clip(pre, params_[1], params_[2])
    assert_close(y, expect, np.float64)


@pytest.mark.parametrize("kind", ["fortran", "transposed", "strided", "negative stride"])
def test_memory_layouts(kind, dtype):
    base = data((8, 6, 10, 12), dtype, seed=4)
    x = {"fortran": np.asfortranarray(base), "transposed": base.transpose(0, 2, 3, 1),
         "strided": base[:, :, ::2, ::3], "negative stride": base[::-1, :, :, ::-1]}[kind]
    axis = -1 if kind == "transposed" else 1
    C = x.shape[axis]
    w, b = params(C)
    x_copy = x.copy()
    y, m, inv = fastact.batch_norm(x, w, b, axis=axis, activation="relu")
    np.testing.assert_array_equal(x, x_copy)  # input untouched
    y_ref, pre, m_ref, _ = ref.batch_norm(x, w, b, axis, EPS, activation="relu")
    assert_close(y, y_ref, dtype, context=kind, scale=term_scale(pre, b))
    np.testing.assert_allclose(m, m_ref, rtol=1e-13)


@pytest.mark.parametrize("in_dtype,out_dtype", [(np.float16, np.float16), (np.int16, np.float32),
                                                (np.int64, np.float64), (np.uint8, np.float16)])
def test_promoted_dtypes(in_dtype, out_dtype):
    x = (np.arange(60).reshape(12, 5) % 7).astype(in_dtype)
    y, m, inv = fastact.batch_norm(x, np.ones(5), np.zeros(5))
    assert y.dtype == out_dtype
    y_ref = ref.batch_norm(x, None, None, 1, EPS)[0]
    np.testing.assert_allclose(y.astype(np.float64), y_ref,
                               atol=4 * np.finfo(out_dtype).eps * np.abs(y_ref).max())


def test_out_and_in_place(dtype):
    x = data((16, 3, 8, 8), dtype)
    expect = fastact.batch_norm(x, activation="relu6")[0]
    out = np.empty_like(x)
    y = fastact.batch_norm(x, activation="relu6", out=out)[0]
    assert y is out
    np.testing.assert_array_equal(out, expect)
    xi = x.copy()
    y = fastact.batch_norm(xi, activation="relu6", out=xi)[0]
    assert y is xi
    np.testing.assert_array_equal(xi, expect)
    # partial overlap: out is a reversed view of x, the result is as if out of place
    xr = x.copy()
    view = xr[::-1]
    y = fastact.batch_norm(xr, activation="relu6", out=view)[0]
    np.testing.assert_array_equal(view, expect)
    # non-contiguous out
    big = np.zeros((16, 3, 8, 16), dtype)
    fastact.batch_norm(x, activation="relu6", out=big[..., ::2])
    np.testing.assert_array_equal(big[..., ::2], expect)
    assert not big[..., 1::2].any()
