"""Whole-network gradient checks: for small networks of every layer type, the backward pass
matches central finite differences of the loss in float64."""

import inspect

import numpy as np
import pytest
from nn_gradcheck import check_network

import fastact
from fastact import nn

# Parameters for registered activations whose function has required arguments.
EXAMPLE_PARAMS = {"threshold": {"threshold": 0.1, "value": -0.5}}
# Layers that are not a plain activation of one tensor (tested with their own layer below).
NOT_ELEMENTWISE = {"maxout"}


def _rng():
    return np.random.default_rng(42)


def _labels(n, c):
    return _rng().integers(0, c, n)


def _activation_layer(name):
    cls = nn.activation_class(name)
    if issubclass(cls, nn.Activation):
        return cls(**EXAMPLE_PARAMS.get(name, {}))
    return cls()


@pytest.mark.parametrize("name", [a for a in fastact.activations() if a not in NOT_ELEMENTWISE])
def test_mlp_with_every_activation(name):
    model = nn.Sequential(nn.Linear(5, 7, rng=1), _activation_layer(name), nn.Linear(7, 3, rng=2))
    x = _rng().standard_normal((6, 5))
    check_network(model, x, _labels(6, 3), nn.SoftmaxCrossEntropy())


def test_deep_mlp_mse():
    model = nn.Sequential(nn.Linear(4, 6, rng=1), nn.Sigmoid(), nn.Linear(6, 6, rng=2), nn.ReLU(),
                          nn.Linear(6, 2, rng=3))
    x = _rng().standard_normal((5, 4))
    check_network(model, x, _rng().standard_normal((5, 2)), nn.MSELoss())


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("activation", [None, "relu", ("leaky_relu", 0.2)])
def test_batchnorm(training, activation):
    bn = nn.BatchNorm(6, activation=activation)
    bn.buffers["running_mean"][...] = np.linspace(-0.3, 0.3, 6)
    bn.buffers["running_var"][...] = np.linspace(0.5, 2.0, 6)
    bn.params["weight"][...] = np.linspace(0.5, 1.5, 6)
    bn.params["bias"][...] = np.linspace(-0.2, 0.2, 6)
    model = nn.Sequential(nn.Linear(4, 6, rng=1), bn, nn.Linear(6, 3, rng=2))
    model.train(training)
    x = _rng().standard_normal((8, 4))
    check_network(model, x, _labels(8, 3), nn.SoftmaxCrossEntropy())


def test_batchnorm_channels_last_4d():
    model = nn.Sequential(nn.BatchNorm(3, axis=-1), nn.Flatten(), nn.Linear(2 * 2 * 3, 2, rng=1))
    x = _rng().standard_normal((4, 2, 2, 3))
    check_network(model, x, _labels(4, 2), nn.SoftmaxCrossEntropy())


def test_batchnorm_no_affine_no_running_stats():
    model = nn.Sequential(nn.Linear(3, 5, rng=1),
                          nn.BatchNorm(5, affine=False, track_running_stats=False),
                          nn.Sigmoid(), nn.Linear(5, 2, rng=2))
    model.eval()  # without running statistics eval still normalizes with the batch's
    check_network(model, _rng().standard_normal((6, 3)), _labels(6, 2),
                  nn.SoftmaxCrossEntropy())


def test_layernorm():
    model = nn.Sequential(nn.Linear(4, 6, rng=1), nn.LayerNorm(6), nn.ReLU(),
                          nn.Linear(6, 3, rng=2))
    model[1].params["weight"][...] = np.linspace(0.5, 1.5, 6)
    check_network(model, _rng().standard_normal((5, 4)), _labels(5, 3),
                  nn.SoftmaxCrossEntropy())


def test_layernorm_two_axes():
    model = nn.Sequential(nn.LayerNorm((2, 3)), nn.Flatten(), nn.Linear(6, 2, rng=1))
    check_network(model, _rng().standard_normal((4, 2, 3)), _labels(4, 2),
                  nn.SoftmaxCrossEntropy())


def test_groupnorm():
    gn = nn.GroupNorm(2, 4)
    gn.params["weight"][...] = [0.5, 1.0, 1.5, 2.0]
    gn.params["bias"][...] = [0.1, -0.1, 0.2, 0.0]
    model = nn.Sequential(gn, nn.Flatten(), nn.Linear(4 * 3, 2, rng=1))
    check_network(model, _rng().standard_normal((3, 4, 3)), _labels(3, 2),
                  nn.SoftmaxCrossEntropy())


def test_dropout_fixed_mask():
    model = nn.Sequential(nn.Linear(5, 8, rng=1), nn.ReLU(), nn.Dropout(0.4, rng=0),
                          nn.Linear(8, 3, rng=2))
    check_network(model, _rng().standard_normal((6, 5)), _labels(6, 3),
                  nn.SoftmaxCrossEntropy())


def test_flatten():
    model = nn.Sequential(nn.Flatten(), nn.Linear(6, 2, rng=1), nn.Sigmoid())
    check_network(model, _rng().standard_normal((3, 2, 3)), _rng().standard_normal((3, 2)),
                  nn.MSELoss())


def test_linear_without_bias_3d_input():
    model = nn.Sequential(nn.Linear(4, 3, bias=False, rng=1), nn.Flatten(),
                          nn.Linear(6, 2, rng=2))
    check_network(model, _rng().standard_normal((5, 2, 4)), _labels(5, 2),
                  nn.SoftmaxCrossEntropy())


@pytest.mark.parametrize("num_parameters", [1, 6])
def test_prelu(num_parameters):
    prelu = nn.PReLU(num_parameters)
    prelu.params["weight"][...] = np.linspace(0.1, 0.4, num_parameters)
    model = nn.Sequential(nn.Linear(4, 6, rng=1), prelu, nn.Linear(6, 3, rng=2))
    check_network(model, _rng().standard_normal((5, 4)), _labels(5, 3),
                  nn.SoftmaxCrossEntropy())


def test_swish_learnable_beta():
    swish = nn.Swish(beta=0.7)
    model = nn.Sequential(nn.Linear(4, 6, rng=1), swish, nn.Linear(6, 3, rng=2))
    check_network(model, _rng().standard_normal((5, 4)), _labels(5, 3),
                  nn.SoftmaxCrossEntropy())
    assert "beta" in model[1].grads


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_rrelu(training):
    model = nn.Sequential(nn.Linear(4, 6, rng=1), nn.RReLU(rng=0), nn.Linear(6, 3, rng=2))
    model.train(training)
    check_network(model, _rng().standard_normal((5, 4)), _labels(5, 3),
                  nn.SoftmaxCrossEntropy())


def test_maxout():
    model = nn.Sequential(nn.Maxout(4, 3, pieces=3, rng=1), nn.Linear(3, 2, rng=2))
    check_network(model, _rng().standard_normal((5, 4)), _labels(5, 2),
                  nn.SoftmaxCrossEntropy())


def test_softmax_layer():
    model = nn.Sequential(nn.Linear(4, 3, rng=1), nn.Softmax(axis=-1))
    check_network(model, _rng().standard_normal((5, 4)), _rng().random((5, 3)), nn.MSELoss())


def test_log_softmax_layer():
    model = nn.Sequential(nn.Linear(4, 3, rng=1), nn.LogSoftmax(axis=-1))
    check_network(model, _rng().standard_normal((5, 4)), _rng().random((5, 3)), nn.MSELoss())


def test_every_layer_type_together():
    model = nn.Sequential(nn.Linear(5, 8, rng=1), nn.BatchNorm(8, activation="relu"),
                          nn.Dropout(0.25, rng=3), nn.Linear(8, 6, rng=2), nn.LayerNorm(6),
                          nn.Sigmoid(), nn.Linear(6, 3, rng=4))
    check_network(model, _rng().standard_normal((7, 5)), _labels(7, 3),
                  nn.SoftmaxCrossEntropy())


def test_signature_of_example_params_matches():
    for name, params in EXAMPLE_PARAMS.items():
        if name in fastact.activations():
            sig = inspect.signature(getattr(fastact, name))
            assert set(params) <= set(sig.parameters)
