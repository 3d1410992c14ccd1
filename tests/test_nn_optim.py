"""Optimizers and gradient clipping against step-by-step float64 references of PyTorch's
formulas written here."""

import math

import numpy as np
import pytest

from fastact import nn


def _pair(seed=0, shape=(3, 4)):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), np.zeros(shape)


def _grads(step, shape=(3, 4)):
    return np.random.default_rng(100 + step).standard_normal(shape)


@pytest.mark.parametrize("momentum,nesterov,wd,dampening", [
    (0.0, False, 0.0, 0.0), (0.9, False, 0.0, 0.0), (0.9, True, 1e-2, 0.0),
    (0.5, False, 0.1, 0.3)])
def test_sgd_matches_reference(momentum, nesterov, wd, dampening):
    p, g = _pair()
    ref = p.copy()
    buf = None
    opt = nn.SGD([(p, g)], lr=0.1, momentum=momentum, nesterov=nesterov, weight_decay=wd,
                 dampening=dampening)
    for step in range(5):
        g[...] = _grads(step)
        opt.step()
        d = _grads(step) + wd * ref
        if momentum:
            buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        ref = ref - 0.1 * d
        np.testing.assert_allclose(p, ref, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("wd", [0.0, 0.01])
def test_adam_matches_reference(wd):
    p, g = _pair()
    ref = p.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    b1, b2, eps, lr = 0.8, 0.95, 1e-6, 0.01
    opt = nn.Adam([(p, g)], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    for t in range(1, 7):
        g[...] = _grads(t)
        opt.step()
        d = _grads(t) + wd * ref
        m = b1 * m + (1 - b1) * d
        v = b2 * v + (1 - b2) * d * d
        mhat = m / (1 - b1 ** t)
        vhat = v / (1 - b2 ** t)
        ref = ref - lr * mhat / (np.sqrt(vhat) + eps)
        np.testing.assert_allclose(p, ref, rtol=1e-6, atol=1e-12)


def test_adam_first_step_moves_by_lr():
    p, g = _pair()
    before = p.copy()
    g[...] = _grads(0)
    nn.Adam([(p, g)], lr=0.01, eps=0).step()
    np.testing.assert_allclose(np.abs(p - before), 0.01, rtol=1e-12)


def test_optimizer_takes_a_module_and_updates_in_place():
    model = nn.Sequential(nn.Linear(3, 2, rng=0))
    w = model[0].params["weight"]
    before = w.copy()
    opt = nn.SGD(model, lr=0.5)
    model[0].grads["weight"][...] = 1.0
    opt.step()
    assert model[0].params["weight"] is w
    np.testing.assert_allclose(w, before - 0.5, rtol=1e-6)
    opt.zero_grad()
    assert not model[0].grads["weight"].any()


def test_optimizer_argument_errors():
    p, g = _pair()
    with pytest.raises(ValueError, match="lr"):
        nn.SGD([(p, g)], lr=-1)
    with pytest.raises(ValueError, match="nesterov"):
        nn.SGD([(p, g)], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        nn.Adam([(p, g)], betas=(1.0, 0.9))
    with pytest.raises(TypeError, match=r"params\[0\]"):
        nn.SGD([p], lr=0.1)


def test_clip_grad_norm():
    gs = [_grads(0), _grads(1, (5,))]
    total = math.sqrt(sum((g.astype(np.float64) ** 2).sum() for g in gs))
    copies = [g.copy() for g in gs]
    assert nn.clip_grad_norm_(gs, total * 2) == pytest.approx(total, rel=1e-14)
    for g, c in zip(gs, copies):
        np.testing.assert_array_equal(g, c)
    assert nn.clip_grad_norm_(gs, 1.0) == pytest.approx(total, rel=1e-14)
    new_total = math.sqrt(sum((g ** 2).sum() for g in gs))
    assert new_total == pytest.approx(1.0, rel=1e-5)
    for g, c in zip(gs, copies):
        np.testing.assert_allclose(g, c / (total + 1e-6), rtol=1e-12)
    inf = [np.array([1.0, -3.0]), np.array([2.0])]
    assert nn.clip_grad_norm_(inf, 1.0, norm_type=math.inf) == 3.0
    np.testing.assert_allclose(inf[0], [1 / (3 + 1e-6), -3 / (3 + 1e-6)])


def test_clip_grad_norm_of_a_module_float32():
    model = nn.Sequential(nn.Linear(3, 2, rng=0))
    model[0].grads["weight"][...] = 3.0
    model[0].grads["bias"][...] = 4.0
    total = nn.clip_grad_norm_(model, 1.0)
    assert total == pytest.approx(math.sqrt(6 * 9 + 2 * 16))
    assert model[0].grads["weight"].dtype == np.float32


def test_clip_grad_value():
    g = np.array([-5.0, -0.5, 0.5, 5.0])
    nn.clip_grad_value_([g], 1.0)
    np.testing.assert_array_equal(g, [-1, -0.5, 0.5, 1])
    with pytest.raises(ValueError, match="clip_value"):
        nn.clip_grad_value_([g], -1)
