"""Bad arguments: TypeError/ValueError naming the argument and what was expected, raised before
anything is written (out= and the running statistics untouched)."""

import numpy as np
import pytest

import fastact

X = np.arange(24, dtype=np.float64).reshape(4, 3, 2) % 5


@pytest.mark.parametrize("kwargs,exc,match", [
    ({"weight": np.ones(4)}, ValueError, r"weight has shape \(4,\), expected \(3,\)"),
    ({"bias": np.ones((3, 1))}, ValueError, r"bias has shape \(3, 1\), expected \(3,\)"),
    ({"running_mean": np.zeros(2), "running_var": np.ones(3)}, ValueError,
     r"running_mean has shape \(2,\), expected \(3,\)"),
    ({"running_mean": np.zeros(3), "running_var": np.ones(5)}, ValueError,
     r"running_var has shape \(5,\), expected \(3,\)"),
    ({"running_mean": [0.0] * 3, "running_var": np.ones(3)}, TypeError, "running_mean"),
    ({"running_mean": np.zeros(3, int), "running_var": np.ones(3)}, TypeError, "running_mean"),
    ({"running_mean": np.zeros(3)}, ValueError, "together"),
    ({"weight": np.ones(3, complex)}, TypeError, "weight"),
    ({"eps": -1.0}, ValueError, "eps"),
    ({"eps": "small"}, TypeError, "eps"),
    ({"momentum": "fast", "running_mean": np.zeros(3), "running_var": np.ones(3)}, TypeError,
     "momentum"),
    ({"axis": 3}, np.exceptions.AxisError, "axis"),
    ({"axis": 1.0}, TypeError, "axis"),
    ({"activation": "gelu"}, ValueError, "cannot be fused"),
    ({"activation": 3}, TypeError, "activation"),
    ({"activation": ("leaky_relu", 0.1, 2)}, ValueError, "at most 1"),
    ({"activation": ("hardtanh", 2.0, 1.0)}, ValueError, "min_val <= max_val"),
    ({"activation": ("leaky_relu", "x")}, TypeError, "negative_slope"),
])
def test_batch_norm_bad_arguments(kwargs, exc, match):
    out = np.full_like(X, 7.0)
    rm, rv = kwargs.get("running_mean"), kwargs.get("running_var")
    before = [None if a is None else np.array(a, copy=True) for a in (rm, rv)]
    with pytest.raises(exc, match=match):
        fastact.batch_norm(X, out=out, **kwargs)
    assert (out == 7.0).all()
    for a, b in zip((rm, rv), before):
        if b is not None:
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("x", [np.ones((3, 2), complex), np.array([["a", "b"]]),
                               np.ones((2, 2), np.longdouble), [[1, 2], [3]]],
                         ids=["complex", "string", "longdouble", "ragged"])
def test_bad_input_dtypes_name_x(x):
    for f in (fastact.batch_norm, fastact.layer_norm, lambda a: fastact.group_norm(a, 1)):
        with pytest.raises(TypeError, match="x"):
            f(x)


def test_one_value_per_channel_when_training():
    for shape in [(1, 3), (1, 3, 1, 1), (1, 1, 1), (0, 3)]:
        with pytest.raises(ValueError, match="expected more than 1 value per channel when "
                                             "training"):
            fastact.batch_norm(np.ones(shape), None, None, np.zeros(shape[1]), np.ones(shape[1]))
    # eval mode with one sample is fine
    y = fastact.batch_norm(np.ones((1, 3)), None, None, np.zeros(3), np.ones(3),
                           training=False, eps=0.0)[0]
    np.testing.assert_array_equal(y, np.ones((1, 3)))


def test_zero_dim_input():
    with pytest.raises(ValueError, match="at least one axis"):
        fastact.batch_norm(np.float64(1.0))


@pytest.mark.parametrize("out,exc,match", [
    (np.empty((4, 3)), ValueError, "out has shape"),
    (np.empty((4, 3, 2), np.float32), TypeError, "out has dtype"),
    ([0.0] * 24, TypeError, "out must be a numpy.ndarray"),
    ("readonly", ValueError, "read-only"),
])
def test_out_validation_writes_nothing(out, exc, match):
    if isinstance(out, str):
        out = np.full_like(X, 7.0)
        out.flags.writeable = False
    rm, rv = np.zeros(3), np.ones(3)
    g = np.ones_like(X)
    calls = [
        lambda: fastact.batch_norm(X, None, None, rm, rv, out=out),
        lambda: fastact.batch_norm_backward(g, X, None, np.zeros(3), np.ones(3), out=out),
        lambda: fastact.layer_norm(X, out=out),
        lambda: fastact.layer_norm_backward(g, X, None, np.zeros((4, 3)), np.ones((4, 3)),
                                            out=out),
        lambda: fastact.group_norm(X, 1, out=out),
        lambda: fastact.group_norm_backward(g, X, None, np.zeros((4, 1)), np.ones((4, 1)),
                                            out=out),
        lambda: fastact.RunningStats(3, axis=(0, 2)).update(X).standardize(X, out=out),
    ]
    for call in calls:
        snapshot = np.array(out, copy=True) if isinstance(out, np.ndarray) else None
        with pytest.raises(exc, match=match):
            call()
        if snapshot is not None:
            np.testing.assert_array_equal(out, snapshot)
    np.testing.assert_array_equal(rm, 0)  # the failed call did not update the statistics
    np.testing.assert_array_equal(rv, 1)


def test_backward_bad_arguments():
    g = np.ones_like(X)
    m, inv = np.zeros(3), np.ones(3)
    with pytest.raises(ValueError, match=r"grad_output has shape \(4, 3\)"):
        fastact.batch_norm_backward(np.ones((4, 3)), X, None, m, inv)
    with pytest.raises(ValueError, match=r"save_mean has shape \(2,\), expected \(3,\)"):
        fastact.batch_norm_backward(g, X, None, np.zeros(2), inv)
    with pytest.raises(ValueError, match=r"save_invstd has shape"):
        fastact.batch_norm_backward(g, X, None, m, np.ones(4))
    with pytest.raises(ValueError, match=r"weight has shape"):
        fastact.batch_norm_backward(g, X, np.ones(2), m, inv)
    with pytest.raises(TypeError, match="save_mean and save_invstd are required"):
        fastact.batch_norm_backward(g, X, None, None, inv)
    with pytest.raises(TypeError, match="grad_output"):
        fastact.batch_norm_backward(g.astype(complex), X, None, m, inv)


def test_layer_norm_bad_arguments():
    with pytest.raises(ValueError, match="normalized_ndim=4 exceeds x.ndim=3"):
        fastact.layer_norm(X, 4)
    with pytest.raises(ValueError, match="normalized_ndim must be >= 1"):
        fastact.layer_norm(X, 0)
    with pytest.raises(TypeError, match="normalized_ndim"):
        fastact.layer_norm(X, 1.5)
    with pytest.raises(ValueError, match=r"weight has shape \(3,\), expected \(2,\)"):
        fastact.layer_norm(X, 1, np.ones(3))
    with pytest.raises(ValueError, match=r"bias has shape \(2,\), expected \(3, 2\)"):
        fastact.layer_norm(X, 2, None, np.ones(2))
    g = np.ones_like(X)
    with pytest.raises(ValueError, match=r"save_mean has shape \(5, 3\), expected \(4, 3\)"):
        fastact.layer_norm_backward(g, X, None, np.zeros((5, 3)), np.ones((4, 3)))
    with pytest.raises(ValueError, match="save_invstd has shape"):
        fastact.layer_norm_backward(g, X, None, np.zeros((4, 3)), np.ones(4), normalized_ndim=1)


def test_group_norm_bad_arguments():
    with pytest.raises(ValueError, match="num_groups=2 must divide the number of channels C=3"):
        fastact.group_norm(X, 2)
    with pytest.raises(ValueError, match="num_groups must be >= 1"):
        fastact.group_norm(X, 0)
    with pytest.raises(ValueError, match=r"x must have shape \(N, C, ...\)"):
        fastact.group_norm(np.ones(5), 1)
    with pytest.raises(ValueError, match=r"weight has shape"):
        fastact.group_norm(X, 3, np.ones(2))
    g = np.ones_like(X)
    with pytest.raises(ValueError, match=r"save_mean has shape \(4, 2\), expected \(4, 3\)"):
        fastact.group_norm_backward(g, X, None, np.zeros((4, 2)), np.ones((4, 3)), num_groups=3)
