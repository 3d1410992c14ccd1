"""The training example (python -m fastact train): it learns the digits, its output format,
and --compare lists configurations this build cannot run instead of failing."""

import argparse

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the training example needs scikit-learn")

from fastact.__main__ import main  # noqa: E402
from fastact.cli import train  # noqa: E402


def _args(*argv):
    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_data_split_is_standardized_on_the_training_split():
    x_train, y_train, x_val, y_val = train.load_digits_split(0.2, seed=0)
    assert x_train.shape == (1438, 64) and x_val.shape == (359, 64)
    assert abs(x_train.mean()) < 1e-6
    stds = x_train.astype(np.float64).std(axis=0)
    assert ((abs(stds - 1) < 1e-5) | (stds == 0)).all()
    assert abs(x_val.mean()) > 1e-6  # the validation split is not used for the statistics
    assert set(y_train) == set(range(10))


def test_defaults_reach_95_percent(capsys):
    assert main(["train"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert len(lines) == 20
    assert lines[2].startswith("epoch 3  train_loss ") and "  val_loss " in lines[2]
    final = float(lines[-1].rsplit("val_acc ", 1)[1].rstrip("%"))
    assert final >= 95.0


def test_history_and_batchnorm_dropout_run():
    data = train.load_digits_split(0.2, seed=1)
    from fastact.cli._nets import build_mlp
    model = build_mlp(64, 10, 2, 32, "relu", None, True, 0.1, rng=1)
    hist = train.train(model, data, train.make_optimizer("sgd", model, 0.05), 3)
    assert len(hist["val_acc"]) == 3
    assert hist["train_loss"][-1] < hist["train_loss"][0]
    assert hist["val_acc"][-1] > 0.8


def test_unavailable_activation_is_an_error_not_a_crash(capsys):
    assert main(["train", "--activation", "no_such_activation", "--epochs", "1"]) == 2
    assert "not in this build" in capsys.readouterr().err


def test_compare_lists_every_configuration(capsys):
    rows = train.compare(_args("--epochs", "1", "--width", "16"), train.load_digits_split(),
                         out=print)
    assert [r["config"] for r in rows] == [c[0] for c in train.COMPARE_CONFIGS]
    assert all(r["available"] for r in rows), [r for r in rows if not r["available"]]


def test_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    assert main(["train", "--epochs", "2", "--quiet", "--png", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
