"""fastact.registry: activations(), get_activation(name, **params) and the Activation it
returns (forward, derivative, backward, output=, repr), and register() for hand-written
activations. Every public row of the elementwise table must be reachable through it, with its
defaults and with other parameter values."""

import numpy as np
import pytest

import fastact
from fastact import registry
from fastact._registry import ELEMENTWISE, Required

ROWS = [row for row in ELEMENTWISE.values() if row.public]
NAMES = [row.name for row in ROWS]


def required_params(row):
    """The parameters a caller must give (threshold's), at the registry's example values."""
    return {k: float(v) for k, v in row.params if isinstance(v, Required)}


def other_params(row):
    """Every parameter moved off its default (still a valid value for every row)."""
    return {k: float(v) + 0.25 for k, v in row.params}


def data(dtype=np.float64, n=1001, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * 4).astype(dtype)
    x[:6] = [0.0, -3.0, 3.0, 6.0, -1.0, 1.0]
    return x, rng.standard_normal(n).astype(dtype)


def public(name, kind):
    return getattr(fastact, name if kind == "forward" else f"{name}_{kind}")


def test_activations_lists_every_public_elementwise_row():
    names = fastact.activations()
    assert names == sorted(names) and len(set(names)) == len(names)
    assert all(isinstance(n, str) for n in names)
    missing = sorted(set(NAMES) - set(names))
    assert not missing, f"not in activations(): {missing}"
    assert "copy" not in names  # the benchmark roof is not public


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("which", ["defaults", "other"])
def test_get_activation_matches_the_public_functions(name, which, dtype):
    row = ELEMENTWISE[name]
    kw = required_params(row) if which == "defaults" else other_params(row)
    act = fastact.get_activation(name, **kw)
    assert act.name == name and act.params == kw
    assert act.from_output == row.from_output
    assert act.piecewise_linear == row.piecewise_linear
    x, g = data(dtype)
    y = public(name, "forward")(x, **kw)
    np.testing.assert_array_equal(act.forward(x), y)
    np.testing.assert_array_equal(act(x), y)
    np.testing.assert_array_equal(act.derivative(x), public(name, "derivative")(x, **kw))
    gi = public(name, "backward")(g, x, **kw)
    np.testing.assert_array_equal(act.backward(g, x), gi)
    np.testing.assert_array_equal(act.backward(g, x=x), gi)
    out = np.empty_like(x)
    assert act.forward(x, out=out) is out
    np.testing.assert_array_equal(out, y)
    assert act.backward(g, x, out=out) is out
    np.testing.assert_array_equal(out, gi)
    if row.from_output:
        np.testing.assert_array_equal(act.backward(g, output=y),
                                      public(name, "backward")(g, output=y, **kw))
    else:
        with pytest.raises(TypeError, match="output="):
            act.backward(g, output=y)


def test_defaults_are_pytorchs():
    x, g = data(np.float32)
    np.testing.assert_array_equal(fastact.get_activation("leaky_relu").forward(x),
                                  fastact.get_activation("leaky_relu",
                                                         negative_slope=0.01).forward(x))
    np.testing.assert_array_equal(fastact.get_activation("hardtanh").forward(x),
                                  np.clip(x, -1, 1))
    np.testing.assert_array_equal(fastact.get_activation("relu6").forward(x), np.clip(x, 0, 6))


def test_non_default_parameters_take_effect():
    x, g = data()
    act = fastact.get_activation("hardtanh", min_val=-0.5, max_val=2.0)
    np.testing.assert_array_equal(act.forward(x), np.clip(x, -0.5, 2.0))
    act = fastact.get_activation("leaky_relu", negative_slope=-0.5)
    np.testing.assert_array_equal(act.forward(x), np.where(x > 0, x, -0.5 * x))
    act = fastact.get_activation("threshold", threshold=1.0, value=-4.0)
    np.testing.assert_array_equal(act.forward(x), np.where(x > 1.0, x, -4.0))
    np.testing.assert_array_equal(act.backward(g, x), np.where(x > 1.0, g, 0.0))


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown activation 'relu7'") as info:
        fastact.get_activation("relu7")
    for name in NAMES:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="unknown activation"):
        fastact.get_activation("")


@pytest.mark.parametrize("name", [None, 3, ["relu"], np.float32])
def test_name_of_the_wrong_type(name):
    with pytest.raises(TypeError, match="str or an Activation"):
        fastact.get_activation(name)


def test_unknown_parameters_raise_type_error():
    with pytest.raises(TypeError, match="takes no parameter.*alpha.*parameters are: none"):
        fastact.get_activation("relu", alpha=1.0)
    with pytest.raises(TypeError, match="slope.*negative_slope"):
        fastact.get_activation("leaky_relu", slope=0.1)
    with pytest.raises(TypeError, match="out"):
        fastact.get_activation("relu6", out=np.empty(3))


def test_missing_required_parameters_raise_type_error():
    with pytest.raises(TypeError, match="needs parameter.*threshold, value"):
        fastact.get_activation("threshold")
    with pytest.raises(TypeError, match="needs parameter.*value"):
        fastact.get_activation("threshold", threshold=0.5)


def test_bad_parameter_values_raise_at_once():
    with pytest.raises(ValueError, match="min_val <= max_val"):
        fastact.get_activation("hardtanh", min_val=1.0, max_val=-1.0)
    with pytest.raises(ValueError, match="must not be NaN"):
        fastact.get_activation("leaky_relu", negative_slope=float("nan"))
    with pytest.raises(TypeError, match="must be a real number"):
        fastact.get_activation("threshold", threshold="0", value=1.0)
    act = fastact.get_activation("leaky_relu", negative_slope=-0.1)
    x, g = data()
    with pytest.raises(ValueError, match="negative_slope"):
        act.backward(g, output=act.forward(x))


def test_backward_needs_x_or_output_but_not_both():
    act = fastact.get_activation("relu6")
    x, g = data()
    with pytest.raises(TypeError, match="needs x or output="):
        act.backward(g)
    with pytest.raises(TypeError, match="not both"):
        act.backward(g, x, output=act.forward(x))


def test_repr():
    assert repr(fastact.get_activation("relu")) == "Activation('relu')"
    assert repr(fastact.get_activation("leaky_relu", negative_slope=0.2)) == \
        "Activation('leaky_relu', negative_slope=0.2)"
    assert repr(fastact.get_activation("hardtanh", min_val=-2.0, max_val=3)) == \
        "Activation('hardtanh', min_val=-2.0, max_val=3)"


def test_activation_instances_pass_through_or_rebind():
    act = fastact.get_activation("hardtanh", min_val=-2.0)
    assert fastact.get_activation(act) is act
    rebound = fastact.get_activation(act, max_val=5.0)
    assert rebound.params == {"min_val": -2.0, "max_val": 5.0}
    assert act.params == {"min_val": -2.0}
    with pytest.raises(ValueError, match="min_val <= max_val"):
        fastact.get_activation(act, max_val=-3.0)


@pytest.fixture
def scratch_registration():
    """Register test activations and remove them afterwards."""
    added = []

    def add(name, *args, **kw):
        registry.register(name, *args, **kw)
        added.append(name)

    yield add
    for name in added:
        registry._ENTRIES.pop(name, None)


def test_register_a_hand_written_activation(scratch_registration):
    def square(x, scale=1.0, *, out=None):
        return np.multiply(np.square(x), scale, out=out)

    def square_derivative(x, scale=1.0, *, out=None):
        return np.multiply(x, 2 * scale, out=out)

    def square_backward(grad_output, x=None, scale=1.0, *, output=None, out=None):
        return np.multiply(grad_output, square_derivative(x, scale), out=out)

    scratch_registration("test_square", square, square_derivative, square_backward)
    assert "test_square" in fastact.activations()
    act = fastact.get_activation("test_square", scale=3.0)
    x, g = data()
    np.testing.assert_array_equal(act.forward(x), square(x, 3.0))
    np.testing.assert_array_equal(act.derivative(x), x * 6.0)
    np.testing.assert_array_equal(act.backward(g, x), g * (x * 6.0))
    assert repr(act) == "Activation('test_square', scale=3.0)"
    with pytest.raises(TypeError, match="power"):
        fastact.get_activation("test_square", power=2)
    with pytest.raises(ValueError, match="already registered"):
        registry.register("test_square", square, square_derivative, square_backward)
    with pytest.raises(ValueError, match="already registered"):
        registry.register("relu", square, square_derivative, square_backward)


def test_register_without_an_elementwise_derivative(scratch_registration):
    def total(x, axis=-1, *, out=None):
        return np.sum(x, axis=axis, keepdims=True, out=out)

    def total_backward(grad_output, x=None, axis=-1, *, output=None, out=None):
        return np.broadcast_to(grad_output, np.shape(x)).copy()

    def check(axis=-1):
        if not isinstance(axis, int):
            raise TypeError("axis must be an int")

    scratch_registration("test_total", total, None, total_backward, validate=check)
    act = fastact.get_activation("test_total", axis=0)
    with pytest.raises(NotImplementedError, match="no elementwise derivative"):
        act.derivative(np.ones(3))
    with pytest.raises(TypeError, match="axis must be an int"):
        fastact.get_activation("test_total", axis=0.5)
