"""fastact.diagnostics and python -m fastact explore: the statistics are right, the model is
left untouched, and the classic effects show (small weights collapse the activations layer by
layer, variance-preserving weights keep them, BatchNorm fixes both)."""

import math

import numpy as np
import pytest

from fastact import nn
from fastact.__main__ import main
from fastact.cli.explore import explore
from fastact.diagnostics import format_stats, layer_stats


def _acts(rows):
    return [r for r in rows if r["dead"] is not None or r["saturated"] is not None]


def test_layer_stats_values_against_numpy():
    model = nn.Sequential(nn.Linear(4, 6, rng=0, dtype=np.float64), nn.Sigmoid(),
                          nn.Linear(6, 3, rng=1, dtype=np.float64), nn.ReLU())
    x = np.random.default_rng(0).standard_normal((8, 4))
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    rows = layer_stats(model, x, y)
    h0 = x @ model[0].params["weight"].T + model[0].params["bias"]
    h1 = 1 / (1 + np.exp(-h0))
    h2 = h1 @ model[2].params["weight"].T + model[2].params["bias"]
    h3 = np.maximum(h2, 0)
    for r, h in zip(rows, (h0, h1, h2, h3)):
        assert r["mean"] == pytest.approx(h.mean(), rel=1e-10, abs=1e-14)
        assert r["std"] == pytest.approx(h.std(), rel=1e-10)
    assert rows[1]["saturated"] == np.mean(np.abs(h1 * (1 - h1)) < 1e-3)
    assert rows[3]["dead"] == np.mean(h3 == 0)
    assert rows[0]["dead"] is None and rows[0]["saturated"] is None
    # gradient of the mean cross-entropy w.r.t. the last output: (softmax - onehot) / N
    e = np.exp(h3 - h3.max(1, keepdims=True))
    g3 = e / e.sum(1, keepdims=True)
    g3[np.arange(8), y] -= 1
    g3 /= 8
    assert rows[3]["grad_norm"] == pytest.approx(np.linalg.norm(g3), rel=1e-10)
    g2 = g3 * (h2 > 0)
    gw = g2.T @ h1
    assert rows[2]["param_grad_norm"] == pytest.approx(
        math.sqrt(np.sum(gw ** 2) + np.sum(g2.sum(0) ** 2)), rel=1e-10)
    assert rows[1]["param_norm"] is None
    text = format_stats(rows)
    assert "Sigmoid" in text and "grad_norm" in text


def test_layer_stats_leaves_the_model_untouched():
    model = nn.Sequential(nn.Linear(4, 6, rng=0), nn.BatchNorm(6), nn.ReLU(), nn.Linear(6, 2))
    model[0].grads["weight"][...] = 0.5
    before = model.state_dict()
    x = np.random.default_rng(0).standard_normal((8, 4))
    rows = layer_stats(model, x, np.zeros(8, int))
    assert all(r["grad_norm"] is not None for r in rows)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    assert (model[0].grads["weight"] == 0.5).all()
    assert layer_stats(model, x)[0]["grad_norm"] is None


def _std_per_layer(rows):
    return [r["std"] for r in _acts(rows)]


def test_small_weights_collapse_relu_and_he_keeps_them():
    _, small = explore("relu", "normal", 0.01, depth=5, width=500, samples=200)
    stds = _std_per_layer(small)
    # each layer multiplies the std by about 0.01 * sqrt(500 / 2) = 0.16
    assert all(b < 0.3 * a for a, b in zip(stds, stds[1:])), stds
    assert stds[-1] < 1e-3 * stds[0]
    grads = [r["grad_norm"] for r in _acts(small)]
    assert grads[0] < 1e-3 * grads[-1]  # the gradients vanish towards the input
    _, he = explore("relu", "normal", math.sqrt(2 / 500), depth=5, width=500, samples=200)
    stds = _std_per_layer(he)
    assert max(stds) < 3 * min(stds), stds


def test_batchnorm_fixes_small_weights():
    _, rows = explore("relu", "normal", 0.01, depth=5, width=500, samples=200, batchnorm=True)
    stds = _std_per_layer(rows)
    assert all(abs(s - stds[0]) < 0.05 for s in stds), stds
    assert all(abs(r["dead"] - 0.5) < 0.05 for r in _acts(rows))


def test_large_weights_saturate_sigmoid():
    _, rows = explore("sigmoid", "normal", 1.0, depth=5, width=500, samples=200)
    assert all(r["saturated"] > 0.5 for r in _acts(rows))
    _, rows = explore("sigmoid", "normal", 1.0, depth=5, width=500, samples=200, batchnorm=True)
    assert all(r["saturated"] < 0.01 for r in _acts(rows))


def test_tanh_classic_experiment():
    """The experiment of the issue: 5 layers of 500 tanh units on N(0, 1) input."""
    _, small = explore("tanh", "normal", 0.01, depth=5, width=500, samples=200)
    stds = _std_per_layer(small)
    assert all(b < 0.3 * a for a, b in zip(stds, stds[1:])), stds
    assert stds[-1] < 1e-2 * stds[0]
    _, large = explore("tanh", "normal", 1.0, depth=5, width=500, samples=200)
    assert all(r["saturated"] > 0.5 for r in _acts(large))
    xavier_std = math.sqrt(2 / (500 + 500))
    _, xavier = explore("tanh", "normal", xavier_std, depth=5, width=500, samples=200)
    stds = _std_per_layer(xavier)
    assert min(stds) > 0.2 and all(r["saturated"] < 0.05 for r in _acts(xavier)), stds
    for std in (0.01, 1.0):
        _, bn = explore("tanh", "normal", std, depth=5, width=500, samples=200, batchnorm=True)
        stds = _std_per_layer(bn)
        assert min(stds) > 0.5 and all(r["saturated"] < 0.05 for r in _acts(bn)), stds


def test_explore_cli(capsys, tmp_path):
    assert main(["explore", "--activation", "relu", "--depth", "3", "--width", "50",
                 "--samples", "64"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("relu, init normal(std=0.01), depth 3, width 50")
    assert out.count("ReLU") == 3
    assert main(["explore", "--activation", "no_such", "--depth", "2"]) == 2
    pytest.importorskip("matplotlib")
    png = tmp_path / "stats.png"
    assert main(["explore", "--activation", "sigmoid", "--depth", "2", "--width", "20",
                 "--samples", "32", "--batchnorm", "--png", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
