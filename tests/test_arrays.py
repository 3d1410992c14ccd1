"""Array conventions (fastact._arrays), exercised through relu, sigmoid and their backward."""

import numpy as np
import pytest
from reference import DERIVATIVE, FORWARD
from util import assert_ulp, hostile_arrays

import fastact

FUNCS = ["relu", "sigmoid"]


def expected_dtype(x):
    return np.exp(np.zeros(1, np.asarray(x).dtype)).dtype


@pytest.mark.parametrize("name", FUNCS)
@pytest.mark.parametrize("like", [3.0, -2, [1.5, -2.0], [[1, -2], [3, -4]], (0.5,), True])
def test_array_likes(name, like):
    y = getattr(fastact, name)(like)
    ref = FORWARD[name](np.asarray(like, dtype=np.float64))
    assert isinstance(y, np.ndarray)
    assert y.shape == np.shape(like)
    assert y.dtype == expected_dtype(like)
    np.testing.assert_allclose(y.astype(np.float64), ref, rtol=1e-3)


@pytest.mark.parametrize("name", FUNCS)
@pytest.mark.parametrize("in_dtype", [np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32,
                                      np.uint32, np.int64, np.uint64, np.float16, np.float32,
                                      np.float64])
def test_dtype_promotion_follows_np_exp(name, in_dtype):
    x = np.array([0, 1, 2, 3, 1, 0, 7], dtype=in_dtype)
    y = getattr(fastact, name)(x)
    assert y.dtype == np.exp(x).dtype
    ref = FORWARD[name](x.astype(np.float64))
    bound = 0 if name == "relu" else (1 if y.dtype == np.float16 else 4)
    assert_ulp(y, ref, y.dtype, bound, f"{name}({np.dtype(in_dtype)})")


@pytest.mark.parametrize("name", FUNCS)
@pytest.mark.parametrize("bad", [np.array([1 + 2j]), np.array([object()], dtype=object),
                                 np.array(["a"]), np.array(["2020-01-01"], dtype="M8[D]"),
                                 np.array([1.0], dtype=np.longdouble)])
def test_unsupported_dtypes_raise_type_error_naming_argument(name, bad):
    if bad.dtype == np.longdouble and np.dtype(np.longdouble).itemsize == 8:
        pytest.skip("longdouble is float64 on this platform")
    with pytest.raises(TypeError, match=r"\bx\b"):
        getattr(fastact, name)(bad)
    g = np.ones(bad.shape)
    with pytest.raises(TypeError, match="x"):
        getattr(fastact, name + "_backward")(g, bad)
    with pytest.raises(TypeError, match="grad_output"):
        getattr(fastact, name + "_backward")(bad, g)


def test_ragged_input_raises_type_error():
    with pytest.raises(TypeError, match="x"):
        fastact.relu([[1.0], [1.0, 2.0]])


@pytest.mark.parametrize("name", FUNCS)
def test_out_is_validated_completely_before_writing(name, dtype):
    f = getattr(fastact, name)
    x = np.linspace(-2, 2, 12, dtype=dtype).reshape(3, 4)
    bad_outs = [
        (list(range(12)), TypeError, "out"),
        (np.zeros((4, 3), dtype), ValueError, "shape"),
        (np.zeros(12, dtype), ValueError, "shape"),
        (np.zeros((3, 4), np.float16), TypeError, "dtype"),
        (np.zeros((3, 4), np.int32), TypeError, "dtype"),
    ]
    other = np.float64 if dtype == np.float32 else np.float32
    bad_outs.append((np.zeros((3, 4), other), TypeError, "dtype"))
    ro = np.zeros((3, 4), dtype)
    ro.flags.writeable = False
    bad_outs.append((ro, ValueError, "read-only"))
    for out, exc, msg in bad_outs:
        before = np.array(out, copy=True) if isinstance(out, np.ndarray) else list(out)
        with pytest.raises(exc, match=msg):
            f(x, out=out)
        if isinstance(out, np.ndarray):
            np.testing.assert_array_equal(out, before)
    # A bad second operand must not leave out half-written either.
    out = np.full((3, 4), 7, dtype)
    with pytest.raises(ValueError):
        getattr(fastact, name + "_backward")(np.ones((3, 4), dtype), np.ones((4, 3), dtype),
                                             out=out)
    assert (out == 7).all()


@pytest.mark.parametrize("name", FUNCS)
def test_out_receives_result_and_is_returned(name, dtype):
    f = getattr(fastact, name)
    x = np.linspace(-3, 3, 101, dtype=dtype)
    out = np.empty_like(x)
    assert f(x, out=out) is out
    np.testing.assert_array_equal(out, f(x))
    # strided and Fortran outs
    xs = np.linspace(-3, 3, 60, dtype=dtype).reshape(6, 10)
    big = np.zeros((6, 20), dtype)
    assert f(xs, out=big[:, ::2]) is not None
    np.testing.assert_array_equal(big[:, ::2], f(xs))
    assert (big[:, 1::2] == 0).all()
    fo = np.zeros((6, 10), dtype, order="F")
    f(xs, out=fo)
    np.testing.assert_array_equal(fo, f(xs))


@pytest.mark.parametrize("name", FUNCS)
def test_in_place(name, dtype):
    f = getattr(fastact, name)
    x = np.linspace(-3, 3, 1001, dtype=dtype)
    expected = f(x)
    assert f(x, out=x) is x
    np.testing.assert_array_equal(x, expected)
    # strided in place
    base = np.linspace(-3, 3, 2002, dtype=dtype)
    view = base[::2]
    expected = f(view)
    untouched = base[1::2].copy()
    f(view, out=view)
    np.testing.assert_array_equal(view, expected)
    np.testing.assert_array_equal(base[1::2], untouched)
    # backward in place into grad_output
    g = np.full(1001, 2.0, dtype)
    xx = np.linspace(-3, 3, 1001, dtype=dtype)
    expected = getattr(fastact, name + "_backward")(g, xx)
    getattr(fastact, name + "_backward")(g, xx, out=g)
    np.testing.assert_array_equal(g, expected)


@pytest.mark.parametrize("name", FUNCS)
def test_partial_overlap_behaves_as_out_of_place(name, dtype):
    f = getattr(fastact, name)
    base = np.linspace(-3, 3, 1000, dtype=dtype)
    expected = f(base[1:].copy())
    f(base[1:], out=base[:-1])
    np.testing.assert_array_equal(base[:-1], expected)
    base = np.linspace(-3, 3, 1000, dtype=dtype)
    expected = f(base[:-1].copy())
    f(base[:-1], out=base[1:])
    np.testing.assert_array_equal(base[1:], expected)


@pytest.mark.parametrize("name", FUNCS)
def test_every_layout_gives_correct_values_and_leaves_input_alone(name, dtype):
    f = getattr(fastact, name)
    for label, x in hostile_arrays(dtype):
        snapshot = x.copy()
        y = f(x)
        assert y.shape == x.shape, label
        assert y.dtype == np.dtype(dtype), label
        ref = FORWARD[name](x.astype(np.float64))
        np.testing.assert_allclose(y, ref.astype(dtype), rtol=4 * np.finfo(dtype).eps,
                                   atol=np.finfo(dtype).tiny, err_msg=label)
        np.testing.assert_array_equal(x, snapshot, err_msg=label)
        assert x.tobytes() == snapshot.tobytes(), label
        d = getattr(fastact, name + "_derivative")(x)
        np.testing.assert_allclose(d, DERIVATIVE[name](x.astype(np.float64)).astype(dtype),
                                   rtol=8 * np.finfo(dtype).eps, atol=np.finfo(dtype).tiny,
                                   err_msg=label)


def test_float16_results_round_from_float32():
    x = np.linspace(-8, 8, 4001).astype(np.float16)
    y = fastact.sigmoid(x)
    assert y.dtype == np.float16
    np.testing.assert_array_equal(y, fastact.sigmoid(x.astype(np.float32)).astype(np.float16))
    out = np.empty_like(x)
    assert fastact.sigmoid(x, out=out) is out
    np.testing.assert_array_equal(out, y)


def test_mixed_dtypes_in_backward_promote():
    g = np.ones(5, np.float32)
    x = np.linspace(-1, 1, 5)
    assert fastact.sigmoid_backward(g, x).dtype == np.float64
    assert fastact.sigmoid_backward(g, x.astype(np.float32)).dtype == np.float32
    assert fastact.sigmoid_backward(g.astype(np.int32), x.astype(np.float32)).dtype == np.float64


@pytest.mark.parametrize("name", FUNCS)
def test_backward_argument_errors(name):
    bwd = getattr(fastact, name + "_backward")
    g = np.ones(4)
    with pytest.raises(ValueError, match="x has shape"):
        bwd(g, np.ones(5))
    with pytest.raises(TypeError, match="not both"):
        bwd(g, np.ones(4), output=np.ones(4))
    with pytest.raises(TypeError, match="needs x"):
        bwd(g)
    with pytest.raises(ValueError, match="output has shape"):
        bwd(g, output=np.ones(3))
