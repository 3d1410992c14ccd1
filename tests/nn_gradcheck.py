"""Finite-difference checks of whole networks built from fastact.nn layers (float64)."""

import numpy as np


def _reseed(model):
    """Give every random layer (Dropout, RReLU) the same generator state before each forward,
    so the finite differences see one fixed mask."""
    for layer in model.modules():
        if hasattr(layer, "_rng"):
            layer._rng = np.random.default_rng(1234)


def _indices(shape, limit, rng):
    size = int(np.prod(shape))
    flat = np.arange(size) if size <= limit else rng.choice(size, limit, replace=False)
    return [np.unravel_index(i, shape) for i in flat]


def check_network(model, x, target, loss, eps=1e-6, rtol=1e-5, atol=1e-7, limit=40):
    """Assert that model.backward's input and parameter gradients match central differences
    of loss(model(x), target). The model is converted to float64 first."""
    model.astype(np.float64)
    x = np.array(x, dtype=np.float64)
    rng = np.random.default_rng(0)

    def value():
        _reseed(model)
        return loss.forward(model.forward(x), target)

    value()
    model.zero_grad()
    grad_x = model.backward(loss.backward())
    analytic = {name: g.copy() for name, _, g in model.named_parameters()}
    assert grad_x.shape == x.shape
    checks = [("input", x, grad_x)]
    checks += [(name, p, analytic[name]) for name, p, _ in model.named_parameters()]
    for name, arr, grad in checks:
        for idx in _indices(arr.shape, limit, rng):
            old = arr[idx]
            arr[idx] = old + eps
            up = value()
            arr[idx] = old - eps
            down = value()
            arr[idx] = old
            numeric = (up - down) / (2 * eps)
            assert abs(grad[idx] - numeric) <= atol + rtol * abs(numeric), (
                f"{name}{list(idx)}: backward {grad[idx]!r}, finite difference {numeric!r}\n"
                f"{model}")
    return grad_x
