"""LayerNorm and GroupNorm forward and backward against the float64 reference and central
finite differences."""

import numpy as np
import pytest
import reference_norm as ref
from norm_util import assert_close, central_diff, data

import fastact

EPS = 1e-5
LN_CASES = [((7, 33), 1), ((5, 4, 33), 1), ((3, 4, 9, 10), 2), ((2, 3, 4, 5, 6), 3),
            ((3, 5000), 1), ((2, 9000), 1), ((40,), 1), ((4, 6), 2)]
LN_IDS = [f"{s}/{k}" for s, k in LN_CASES]


def elementwise_params(shape, dtype, seed=1):
    rng = np.random.default_rng(seed)
    return ((1 + rng.standard_normal(shape)).astype(dtype),
            rng.standard_normal(shape).astype(dtype))


@pytest.mark.parametrize("affine", [True, False], ids=["affine", "no-affine"])
@pytest.mark.parametrize("shape,k", LN_CASES, ids=LN_IDS)
def test_layer_norm_against_reference(shape, k, affine, dtype):
    x = data(shape, dtype)
    nshape = shape[len(shape) - k:]
    w, b = elementwise_params(nshape, dtype) if affine else (None, None)
    y, mean, invstd = fastact.layer_norm(x, k, w, b, eps=EPS)
    y_ref, m_ref, v_ref = ref.layer_norm(x, k, w, b, EPS)
    bshape = shape[:len(shape) - k]
    assert y.dtype == dtype and mean.shape == invstd.shape == bshape
    wmax = 1.0 if w is None else float(np.abs(w).max())
    bmax = 0.0 if b is None else float(np.abs(b).max())
    assert_close(y, y_ref, dtype, factor=2, scale=5 * wmax + bmax)
    np.testing.assert_allclose(mean, m_ref, rtol=1e-13)
    np.testing.assert_allclose(invstd, 1 / np.sqrt(v_ref + EPS), rtol=1e-12)
    g = data(shape, dtype, seed=9, loc=0, scale=1)
    dx, gw, gb = fastact.layer_norm_backward(g, x, w, mean, invstd)
    dx_ref, gw_ref, gb_ref = ref.layer_norm_backward(g, x, k, w, EPS)
    assert dx.dtype == gw.dtype == gb.dtype == dtype and gw.shape == gb.shape == nshape
    assert_close(dx, dx_ref, dtype, factor=4, scale=wmax * invstd.max() * 5 * np.abs(g).max())
    tol = 64 * np.finfo(dtype).eps
    np.testing.assert_allclose(gw, gw_ref, rtol=tol, atol=tol * np.abs(gw_ref).max())
    np.testing.assert_allclose(gb, gb_ref, rtol=tol, atol=tol * np.abs(gb_ref).max())


def assert_grads_match_finite_differences(loss, x, w, b, dx, gw, gb):
    """dx, gw, gb against central differences of the scalar loss(x, w, b)."""
    np.testing.assert_allclose(dx, central_diff(lambda xx: loss(xx, w, b), x), rtol=1e-6,
                               atol=1e-7)
    np.testing.assert_allclose(gw, central_diff(lambda ww: loss(x, ww, b), w), rtol=1e-6,
                               atol=1e-7)
    np.testing.assert_allclose(gb, central_diff(lambda bb: loss(x, w, bb), b), rtol=1e-6,
                               atol=1e-7)


@pytest.mark.parametrize("shape,k", [((3, 5), 1), ((2, 3, 4), 2)], ids=["2-D", "3-D/2"])
def test_layer_norm_backward_matches_finite_differences(shape, k):
    x = data(shape, np.float64, seed=2)
    nshape = shape[len(shape) - k:]
    w, b = elementwise_params(nshape, np.float64)
    R = np.random.default_rng(4).standard_normal(shape)
    _, mean, invstd = fastact.layer_norm(x, k, w, b, eps=EPS)
    dx, gw, gb = fastact.layer_norm_backward(R, x, w, mean, invstd, normalized_ndim=k)
    loss = lambda xx, ww, bb: float((R * fastact.layer_norm(xx, k, ww, bb, eps=EPS)[0]).sum())  # noqa: E731
    assert_grads_match_finite_differences(loss, x, w, b, dx, gw, gb)


GN_CASES = [((4, 6, 9, 10), 3), ((4, 6, 9, 10), 6), ((4, 6, 9, 10), 1), ((2, 4, 7), 2),
            ((5, 8), 4), ((2, 4, 3, 4, 5), 2), ((3, 2, 5000), 2)]
GN_IDS = [f"{s}/G={g}" for s, g in GN_CASES]


@pytest.mark.parametrize("affine", [True, False], ids=["affine", "no-affine"])
@pytest.mark.parametrize("shape,G", GN_CASES, ids=GN_IDS)
def test_group_norm_against_reference(shape, G, affine, dtype):
    x = data(shape, dtype)
    C = shape[1]
    rng = np.random.default_rng(1)
    w, b = (1 + rng.standard_normal(C), rng.standard_normal(C)) if affine else (None, None)
    y, mean, invstd = fastact.group_norm(x, G, w, b, eps=EPS)
    y_ref, m_ref, v_ref = ref.group_norm(x, G, w, b, EPS)
    wmax = 1.0 if w is None else float(np.abs(w).max())
    bmax = 0.0 if b is None else float(np.abs(b).max())
    assert y.dtype == dtype and mean.shape == invstd.shape == (shape[0], G)
    assert_close(y, y_ref, dtype, factor=2, scale=5 * wmax + bmax)
    np.testing.assert_allclose(mean, m_ref, rtol=1e-13)
    np.testing.assert_allclose(invstd, 1 / np.sqrt(v_ref + EPS), rtol=1e-12)
    g = data(shape, dtype, seed=9, loc=0, scale=1)
    dx, gw, gb = fastact.group_norm_backward(g, x, w, mean, invstd)
    dx_ref, gw_ref, gb_ref = ref.group_norm_backward(g, x, G, w, EPS)
    assert dx.dtype == gw.dtype == gb.dtype == dtype and gw.shape == gb.shape == (C,)
    assert_close(dx, dx_ref, dtype, factor=4, scale=wmax * invstd.max() * 5 * np.abs(g).max())
    tol = 64 * np.finfo(dtype).eps
    np.testing.assert_allclose(gw, gw_ref, rtol=tol, atol=tol * np.abs(gw_ref).max())
    np.testing.assert_allclose(gb, gb_ref, rtol=tol, atol=tol * np.abs(gb_ref).max())


@pytest.mark.parametrize("shape,G", [((2, 4, 3), 2), ((2, 3, 2, 2), 3), ((3, 4), 1)],
                         ids=["3-D", "instance", "2-D G=1"])
def test_group_norm_backward_matches_finite_differences(shape, G):
    x = data(shape, np.float64, seed=2)
    C = shape[1]
    rng = np.random.default_rng(3)
    w, b = 1 + rng.standard_normal(C), rng.standard_normal(C)
    R = rng.standard_normal(shape)
    _, mean, invstd = fastact.group_norm(x, G, w, b, eps=EPS)
    dx, gw, gb = fastact.group_norm_backward(R, x, w, mean, invstd, num_groups=G)
    loss = lambda xx, ww, bb: float((R * fastact.group_norm(xx, G, ww, bb, eps=EPS)[0]).sum())  # noqa: E731
    assert_grads_match_finite_differences(loss, x, w, b, dx, gw, gb)


def test_instance_norm_is_group_norm_with_one_channel_per_group(dtype):
    x = data((3, 4, 6, 5), dtype)
    y = fastact.group_norm(x, 4)[0]
    xs = x.astype(np.float64)
    m = xs.mean(axis=(2, 3), keepdims=True)
    v = xs.var(axis=(2, 3), keepdims=True)
    assert_close(y, (xs - m) / np.sqrt(v + EPS), dtype, factor=2, scale=5)


def test_layer_and_group_norm_out(dtype):
    x = data((4, 6, 5), dtype)
    for f in (lambda xx, out=None: fastact.layer_norm(xx, 2, out=out),
              lambda xx, out=None: fastact.group_norm(xx, 3, out=out)):
        expect = f(x)[0]
        out = np.empty_like(x)
        assert f(x, out=out)[0] is out
        np.testing.assert_array_equal(out, expect)
        xi = x.copy()
        assert f(xi, out=xi)[0] is xi
        np.testing.assert_array_equal(xi, expect)
        xf = np.asfortranarray(x)
        assert_close(f(xf)[0], expect, dtype)
        assert_close(f(x[:, ::-1].copy()[:, ::-1])[0], expect, dtype)
