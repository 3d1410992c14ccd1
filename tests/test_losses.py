"""softmax_cross_entropy and mse_loss (functional and layers) against float64 references."""

import numpy as np
import pytest
from scipy.special import logsumexp, softmax

import fastact
from fastact import nn


def _ref_xent(logits, labels):
    x = np.asarray(logits, np.float64)
    losses = logsumexp(x, axis=1) - x[np.arange(len(x)), labels]
    grad = softmax(x, axis=1)
    grad[np.arange(len(x)), labels] -= 1
    return losses, grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
def test_softmax_cross_entropy_reference(dtype, scale):
    rng = np.random.default_rng(0)
    logits = (rng.standard_normal((37, 11)) * scale).astype(dtype)
    labels = rng.integers(0, 11, 37)
    loss, grad = fastact.softmax_cross_entropy(logits, labels)
    losses, ref_grad = _ref_xent(logits, labels)
    assert np.isfinite(loss)
    assert loss == pytest.approx(losses.mean(), rel=1e-12)
    assert grad.dtype == dtype and grad.shape == logits.shape
    tol = 1e-7 if dtype == np.float32 else 1e-15
    np.testing.assert_allclose(grad, ref_grad / 37, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=tol)
    loss_sum, grad_sum = fastact.softmax_cross_entropy(logits, labels, reduction="sum")
    assert loss_sum == pytest.approx(losses.sum(), rel=1e-12)


def test_softmax_cross_entropy_extremes():
    logits = np.array([[1e30, -1e30, 0.0], [-1e4, -1e4, -1e4], [88.0, 89.0, 90.0]], np.float32)
    labels = np.array([1, 2, 0])
    loss, grad = fastact.softmax_cross_entropy(logits, labels)
    losses, ref_grad = _ref_xent(logits, labels)
    assert loss == pytest.approx(losses.mean(), rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad / 3, rtol=1e-6, atol=1e-12)
    assert fastact.softmax_cross_entropy(np.zeros((0, 4)), np.zeros(0, int))[0] == 0.0


def test_softmax_cross_entropy_finite_differences():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5))
    labels = rng.integers(0, 5, 4)
    _, grad = fastact.softmax_cross_entropy(x, labels)
    eps = 1e-6
    for i in range(4):
        for j in range(5):
            up, down = x.copy(), x.copy()
            up[i, j] += eps
            down[i, j] -= eps
            num = (fastact.softmax_cross_entropy(up, labels)[0]
                   - fastact.softmax_cross_entropy(down, labels)[0]) / (2 * eps)
            assert grad[i, j] == pytest.approx(num, abs=1e-8)


def test_softmax_cross_entropy_strided_input():
    rng = np.random.default_rng(1)
    base = rng.standard_normal((10, 12))
    view = base[::2, ::-3]
    labels = rng.integers(0, view.shape[1], view.shape[0])
    loss, grad = fastact.softmax_cross_entropy(view, labels)
    losses, ref = _ref_xent(view, labels)
    assert loss == pytest.approx(losses.mean(), rel=1e-13)
    np.testing.assert_allclose(grad, ref / 5, rtol=1e-12, atol=1e-16)


def test_softmax_cross_entropy_errors():
    x = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 4\)"):
        fastact.softmax_cross_entropy(x, [0, 1, 4])
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\)"):
        fastact.softmax_cross_entropy(x, [0, 1])
    with pytest.raises(TypeError, match="labels must be an integer array"):
        fastact.softmax_cross_entropy(x, [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match=r"logits must have shape \(N, C\)"):
        fastact.softmax_cross_entropy(np.zeros(3), [0, 1, 2])
    with pytest.raises(TypeError, match="logits"):
        fastact.softmax_cross_entropy(np.zeros((3, 4), complex), [0, 1, 2])
    with pytest.raises(ValueError, match="reduction"):
        fastact.softmax_cross_entropy(x, [0, 1, 2], reduction="none")


def test_mse_loss():
    rng = np.random.default_rng(0)
    p, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    loss, grad = fastact.mse_loss(p, t)
    assert loss == pytest.approx(((p - t) ** 2).mean(), rel=1e-14)
    np.testing.assert_allclose(grad, 2 * (p - t) / 12, rtol=1e-14)
    assert fastact.mse_loss(p, t, reduction="sum")[0] == pytest.approx(((p - t) ** 2).sum())
    with pytest.raises(ValueError, match="target has shape"):
        fastact.mse_loss(p, t[:2])


def test_loss_layers():
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    layer = nn.SoftmaxCrossEntropy()
    loss = layer(logits, labels)
    ref_loss, ref_grad = fastact.softmax_cross_entropy(logits, labels)
    assert loss == ref_loss
    np.testing.assert_array_equal(layer.backward(), ref_grad)
    np.testing.assert_allclose(layer.backward(2.0), 2 * ref_grad)
    mse = nn.MSELoss(reduction="sum")
    assert mse.forward(logits, logits + 1) == pytest.approx(15.0)
    np.testing.assert_allclose(mse.backward(), -2 * np.ones((5, 3)))
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="bad")


def test_softmax_cross_entropy_threads_identical(threads):
    rng = np.random.default_rng(7)
    logits = (rng.standard_normal((4000, 37)) * 5).astype(np.float32)
    labels = rng.integers(0, 37, 4000)
    with fastact.num_threads(1):
        ref = fastact.softmax_cross_entropy(logits, labels)
    loss, grad = fastact.softmax_cross_entropy(logits, labels)
    assert loss == ref[0]
    np.testing.assert_array_equal(grad, ref[1])
    losses, ref_grad = _ref_xent(logits, labels)
    assert loss == pytest.approx(losses.mean(), rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad / 4000, rtol=1e-5, atol=1e-12)


def test_softmax_cross_entropy_nonfinite_and_dtypes():
    logits = np.array([[np.nan, 0.0], [np.inf, 0.0], [-np.inf, 0.0]])
    loss, grad = fastact.softmax_cross_entropy(logits, [1, 1, 0])
    assert np.isnan(loss)
    assert np.isnan(grad[0]).all() and np.isnan(grad[1]).any()
    # -inf logit for the true class: infinite loss, gradient (softmax - onehot) exact
    assert fastact.softmax_cross_entropy(logits[2:], [0])[0] == np.inf
    np.testing.assert_array_equal(fastact.softmax_cross_entropy(logits[2:], [1])[1], [[0, 0]])
    half = np.array([[1.0, 2.0, 3.0]], np.float16)
    loss, grad = fastact.softmax_cross_entropy(half, np.array([2], np.int8))
    assert grad.dtype == np.float16
    assert loss == pytest.approx(_ref_xent(half, [2])[0][0], rel=1e-12)
    loss, grad = fastact.softmax_cross_entropy(np.array([[5, 1]], np.int64), [0])
    assert grad.dtype == np.float64


def test_clip_grad_norm_fused_sum_of_squares(threads):
    import math
    rng = np.random.default_rng(5)
    big = (rng.standard_normal(300_001) * 1e3 + 1e4).astype(np.float32)
    small = rng.standard_normal(17)
    exact = math.sqrt(math.fsum(float(v) ** 2 for v in big.astype(np.float64))
                      + math.fsum(float(v) ** 2 for v in small))
    with fastact.num_threads(1):
        ref = nn.clip_grad_norm_([big.copy(), small.copy()], 1e30)
    assert nn.clip_grad_norm_([big, small], 1e30) == ref
    assert ref == pytest.approx(exact, rel=1e-13)
    assert nn.clip_grad_norm_([np.zeros(0), np.array([3.0, 4.0])], 10) == 5.0
    strided = np.arange(12.0).reshape(3, 4)[:, ::-2]
    assert nn.clip_grad_norm_([strided], 1e9) == pytest.approx(math.sqrt((strided ** 2).sum()))


def test_softmax_cross_entropy_one_element_and_layouts():
    loss, grad = fastact.softmax_cross_entropy([[3.0]], [0])
    assert loss == 0.0 and grad.tolist() == [[0.0]]
    rng = np.random.default_rng(2)
    f = np.asfortranarray(rng.standard_normal((6, 4)).astype(np.float32))
    labels = rng.integers(0, 4, 6).astype(np.uint8)
    loss, grad = fastact.softmax_cross_entropy(f, labels)
    ref_loss, ref_grad = fastact.softmax_cross_entropy(np.ascontiguousarray(f), labels)
    assert loss == ref_loss
    np.testing.assert_array_equal(grad, ref_grad)
    with pytest.raises(TypeError, match="labels"):
        fastact.softmax_cross_entropy(f, labels.astype(bool))


def _xent_cases():
    """Rows that exercise the kernel's lanes, tails, the 1024-class chunks and long rows."""
    rng = np.random.default_rng(11)
    return [(rng.standard_normal((n, c)) * 8, rng.integers(0, c, n))
            for n, c in [(300, 100), (7, 1), (5, 13), (3, 1024), (3, 1031), (2, 2500)]]


def test_softmax_cross_entropy_cpu_levels_identical(cpu_level, threads, dtype):
    from fastact._ext import _kernels
    cases = [(x.astype(dtype), labels) for x, labels in _xent_cases()]
    _kernels.isa_select("baseline")
    with fastact.num_threads(1):
        base = [fastact.softmax_cross_entropy(x, labels, reduction="sum") for x, labels in cases]
    _kernels.isa_select(cpu_level)
    for (x, labels), (base_loss, base_grad) in zip(cases, base):
        loss, grad = fastact.softmax_cross_entropy(x, labels, reduction="sum")
        assert loss == base_loss
        np.testing.assert_array_equal(grad, base_grad)
        losses, ref_grad = _ref_xent(x, labels)
        assert loss == pytest.approx(losses.sum(), rel=1e-12)
        # the label's softmax - 1 cancels: an absolute error of a few ULP of 1
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-5 if dtype == np.float32 else 1e-12,
                                   atol=1e-7 if dtype == np.float32 else 1e-15)


def test_softmax_cross_entropy_nonfinite_rows(dtype):
    """Each non-finite pattern, alone in its row, against the float64 definition."""
    inf, nan = np.inf, np.nan
    rows = np.array([[0.0, -inf, 1.0, -inf, 2.0, 3.0, 4.0, 5.0, 6.0],   # -inf: softmax 0
                     [0.0, -inf, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],    # -inf at the label
                     [0.0, 1.0, 2.0, nan, 3.0, 4.0, 5.0, 6.0, 7.0],     # NaN: all NaN
                     [0.0, 1.0, inf, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],     # +inf: all NaN
                     [-inf] * 9,                                        # all -inf: all NaN
                     [1e30, -1e30, 0.0, -800.0, 1e-40, -1e-40, 0.0, 0.0, 0.0]], dtype)
    labels = np.array([0, 1, 0, 0, 0, 1])
    for i in range(len(rows)):
        loss, grad = fastact.softmax_cross_entropy(rows[i:i + 1], labels[i:i + 1])
        if i in (2, 3, 4):
            assert np.isnan(loss) and np.isnan(grad).all()
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            losses, ref_grad = _ref_xent(rows[i:i + 1], labels[i:i + 1])
        assert loss == pytest.approx(losses[0], rel=1e-12)
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-6, atol=1e-300)
    np.testing.assert_array_equal(fastact.softmax_cross_entropy(rows[:1], [0])[1][0, [1, 3]], 0)
    assert fastact.softmax_cross_entropy(rows[1:2], [1])[0] == np.inf
