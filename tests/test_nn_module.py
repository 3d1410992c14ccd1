"""fastact.nn.Module behaviour: parameters and gradients, modes, state_dict, repr, containers."""

import numpy as np
import pytest

import fastact
from fastact import nn


def _model():
    return nn.Sequential(nn.Linear(3, 4, rng=0), nn.BatchNorm(4), nn.ReLU(),
                         nn.Dropout(0.5, rng=1), nn.Linear(4, 2, rng=2))


def test_params_grads_buffers_have_torch_names():
    m = _model()
    assert list(m[0].params) == ["weight", "bias"] == list(m[0].grads)
    assert m[0].params["weight"].shape == (4, 3)
    assert set(m[1].buffers) == {"running_mean", "running_var", "num_batches_tracked"}
    names = [n for n, _, _ in m.named_parameters()]
    assert names == ["0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "4.bias"]
    pairs = list(m.parameters())
    assert all(p.shape == g.shape for p, g in pairs) and len(pairs) == 6
    assert pairs[0][0] is m[0].params["weight"] and pairs[0][1] is m[0].grads["weight"]


def test_gradients_accumulate_until_zero_grad():
    m = nn.Sequential(nn.Linear(3, 2, rng=0))
    x = np.ones((2, 3), np.float32)
    m(x)
    m.backward(np.ones((2, 2), np.float32))
    first = m[0].grads["weight"].copy()
    m(x)
    m.backward(np.ones((2, 2), np.float32))
    np.testing.assert_allclose(m[0].grads["weight"], 2 * first)
    m.zero_grad()
    assert not m[0].grads["weight"].any() and not m[0].grads["bias"].any()


def test_train_eval_propagates():
    m = _model()
    assert all(layer.training for layer in m.modules())
    assert m.eval() is m
    assert not any(layer.training for layer in m.modules())
    m.train()
    assert all(layer.training for layer in m.modules())


def test_dropout_identity_in_eval_and_batchnorm_uses_running_stats():
    m = _model().eval()
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    y1, y2 = m(x), m(x)
    np.testing.assert_array_equal(y1, y2)
    assert int(m[1].buffers["num_batches_tracked"]) == 0


def test_state_dict_round_trip():
    a, b = _model(), nn.Sequential(nn.Linear(3, 4, rng=5), nn.BatchNorm(4), nn.ReLU(),
                                   nn.Dropout(0.5), nn.Linear(4, 2, rng=6))
    a(np.random.default_rng(0).standard_normal((6, 3)))  # moves the running statistics
    state = a.state_dict()
    assert "1.running_mean" in state and "1.num_batches_tracked" in state
    state["0.weight"][...] = 7  # a copy: the model is untouched
    assert not (a[0].params["weight"] == 7).any()
    b.load_state_dict(a.state_dict())
    for (k, v), (k2, v2) in zip(a.state_dict().items(), b.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(v, v2)
    a.eval(), b.eval()
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_array_equal(a(x), b(x))


def test_load_state_dict_validates_before_writing():
    m = _model()
    before = m.state_dict()
    bad = m.state_dict()
    bad["0.bias"] = np.zeros(5)
    bad["0.weight"] = np.full((4, 3), 3.0)
    with pytest.raises(ValueError, match=r"0\.bias.*\(5,\).*\(4,\)"):
        m.load_state_dict(bad)
    np.testing.assert_array_equal(m[0].params["weight"], before["0.weight"])
    missing = m.state_dict()
    del missing["4.bias"]
    with pytest.raises(KeyError, match="4.bias"):
        m.load_state_dict(missing)
    m.load_state_dict(missing, strict=False)
    extra = dict(m.state_dict(), foo=np.zeros(1))
    with pytest.raises(KeyError, match="foo"):
        m.load_state_dict(extra)


def test_repr_is_readable():
    text = repr(_model())
    assert text.startswith("Sequential(\n  (0): Linear(in_features=3, out_features=4, bias=True)")
    assert "(1): BatchNorm(4, axis=1" in text and "(2): ReLU()" in text
    assert repr(nn.Activation("relu")) == "Activation('relu')"
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert "reduction='mean'" in repr(nn.SoftmaxCrossEntropy())


def test_sequential_container():
    m = _model()
    assert len(m) == 5 and list(m)[2] is m[2]
    assert isinstance(m[1:3], nn.Sequential) and len(m[1:3]) == 2
    with pytest.raises(TypeError, match="layer 1"):
        nn.Sequential(nn.ReLU(), np.zeros(3))


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match="before forward"):
        nn.Linear(2, 2).backward(np.zeros((1, 2)))
    with pytest.raises(RuntimeError, match="before forward"):
        nn.SoftmaxCrossEntropy().backward()


def test_astype_converts_everything():
    m = _model().astype(np.float64)
    assert all(p.dtype == np.float64 and g.dtype == np.float64 for p, g in m.parameters())
    assert m[1].buffers["running_var"].dtype == np.float64
    assert m[1].buffers["num_batches_tracked"].dtype == np.int64
    with pytest.raises(TypeError):
        m.astype(np.int32)


def test_flatten_shapes():
    f = nn.Flatten()
    x = np.zeros((2, 3, 4, 5))
    assert f(x).shape == (2, 60)
    assert f.backward(np.zeros((2, 60))).shape == x.shape
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    assert nn.Flatten(0)(x).shape == (120,)


def test_linear_checks_input():
    with pytest.raises(ValueError, match=r"\(\*, 3\)"):
        nn.Linear(3, 2)(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(0, 2)


def test_activation_classes_cover_the_registry():
    for name in fastact.activations():
        if name == "maxout":
            continue
        cls = nn.activation_class(name)
        assert issubclass(cls, nn.Module)
        assert getattr(nn, cls.__name__) is cls or not issubclass(cls, nn.Activation)
    assert nn.ReLU.__name__ == "ReLU" and nn.Sigmoid.__name__ == "Sigmoid"
    with pytest.raises(ValueError, match="unknown activation"):
        nn.activation_class("nope")
    with pytest.raises(ValueError, match="unknown activation"):
        nn.Activation("nope")
    with pytest.raises(TypeError, match="no parameter"):
        nn.ReLU(alpha=2.0)


# Activations with a layer class of their own (PReLU, Softmax, ...) are checked in
# test_nn_gradcheck.py against finite differences.
@pytest.mark.parametrize("name", [a for a in fastact.activations() if a != "maxout"
                                  and issubclass(nn.activation_class(a), nn.Activation)])
def test_activation_layer_matches_function(name):
    params = {"threshold": {"threshold": 0.1, "value": -0.5}}.get(name, {})
    layer = nn.activation_class(name)(**params)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    fn = fastact.get_activation(name, **params)
    y = layer(x)
    np.testing.assert_array_equal(y, fn.forward(x))
    g = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    expected = fn.backward(g, output=y) if fn.from_output else fn.backward(g, x)
    np.testing.assert_array_equal(layer.backward(g), expected)


def test_constructor_errors():
    with pytest.raises(ValueError, match="num_features"):
        nn.BatchNorm(0)
    with pytest.raises(ValueError, match="momentum"):
        nn.BatchNorm(3, momentum=2.0)
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.LayerNorm(())
    with pytest.raises(ValueError, match="GroupNorm expected"):
        nn.GroupNorm(2, 4)(np.zeros((2, 6)))
    with pytest.raises(ValueError, match="num_parameters"):
        nn.PReLU(0)
    with pytest.raises(ValueError, match="pieces"):
        nn.Maxout(3, 2, pieces=0)
    with pytest.raises(TypeError, match="rng"):
        nn.Linear(3, 2, rng="seed")
    with pytest.raises(ValueError, match="no_such_init"):
        nn.Linear(3, 2, init="no_such_init")
    with pytest.raises(ValueError, match="activation 'nope' cannot be fused"):
        nn.BatchNorm(3, activation="nope")


def test_activation_registered_later_gets_a_layer(monkeypatch):
    from fastact import registry
    from fastact.nn import activation as nn_activation

    monkeypatch.setattr(registry, "_ENTRIES", dict(registry._ENTRIES))
    monkeypatch.setattr(nn_activation, "ACTIVATION_CLASSES", dict(nn.ACTIVATION_CLASSES))
    try:
        _check_late_activation(registry)
    finally:
        vars(nn).pop("CubePlus", None)


def _check_late_activation(registry):
    from nn_gradcheck import check_network

    def cube_plus(x, shift=0.0, out=None):
        return np.asarray(x) ** 3 + shift

    def cube_plus_derivative(x, shift=0.0, out=None):
        return 3 * np.asarray(x) ** 2

    def cube_plus_backward(grad_output, x=None, shift=0.0, output=None, out=None):
        return grad_output * 3 * np.asarray(x) ** 2

    registry.register("cube_plus", cube_plus, cube_plus_derivative, cube_plus_backward)
    cls = nn.CubePlus
    assert cls is nn.activation_class("cube_plus") and issubclass(cls, nn.Activation)
    layer = cls(shift=1.0)
    np.testing.assert_array_equal(layer(np.array([1.0, 2.0])), [2.0, 9.0])
    model = nn.Sequential(nn.Linear(3, 4, rng=0), cls(shift=0.5), nn.Linear(4, 2, rng=1))
    x = np.random.default_rng(0).standard_normal((5, 3))
    check_network(model, x, np.array([0, 1, 0, 1, 1]), nn.SoftmaxCrossEntropy())
    with pytest.raises(AttributeError, match="NoSuchLayer"):
        nn.NoSuchLayer  # noqa: B018
