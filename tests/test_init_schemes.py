"""The initializers: fans, sample moments against the formulas within tolerances derived from
the sample size, bounds, in-place variants, dtypes, layouts and reproducibility."""

import math
import types

import numpy as np
import pytest
from reference_init import (
    assert_moments,
    max_abs_tolerance,
    normal_moments,
    uniform_moments,
)

import fastact
from fastact import init
from fastact.registry import Activation

SHAPE = (500, 125, 4, 4)  # 10^6 weights, fan_in = 2000, fan_out = 8000


def fans(shape):
    """PyTorch's convention, written out: (out, in, *kernel)."""
    k = 1
    for d in shape[2:]:
        k *= d
    return shape[1] * k, shape[0] * k


@pytest.mark.parametrize("shape", [(3, 4), (7, 5, 3), (8, 4, 3, 3), (2, 6, 2, 3, 4), (0, 5),
                                   (5, 0, 3), (1, 1)])
def test_compute_fans(shape):
    assert init.compute_fans(shape) == fans(shape)
    assert init.compute_fans(np.empty(shape)) == fans(shape)


@pytest.mark.parametrize("shape", [(), (5,), 5])
def test_compute_fans_needs_two_dims(shape):
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.compute_fans(shape)


FI, FO = fans(SHAPE)
S2 = math.sqrt(2.0)

# (label, call(shape, dtype, rng), ("uniform", a, b) or ("normal", mean, std))
CASES = [
    ("uniform", lambda s, d, r: init.uniform(s, -0.3, 0.7, dtype=d, rng=r),
     ("uniform", -0.3, 0.7)),
    ("uniform-default", lambda s, d, r: init.uniform(s, dtype=d, rng=r), ("uniform", 0.0, 1.0)),
    ("normal", lambda s, d, r: init.normal(s, 0.5, 2.0, dtype=d, rng=r), ("normal", 0.5, 2.0)),
    ("normal-default", lambda s, d, r: init.normal(s, dtype=d, rng=r), ("normal", 0.0, 1.0)),
    ("xavier_uniform", lambda s, d, r: init.xavier_uniform(s, 2.0, dtype=d, rng=r),
     ("uniform", -2 * math.sqrt(6 / (FI + FO)), 2 * math.sqrt(6 / (FI + FO)))),
    ("xavier_normal", lambda s, d, r: init.xavier_normal(s, gain=0.5, dtype=d, rng=r),
     ("normal", 0.0, 0.5 * math.sqrt(2 / (FI + FO)))),
    ("kaiming_uniform", lambda s, d, r: init.kaiming_uniform(s, dtype=d, rng=r),
     ("uniform", -S2 * math.sqrt(3 / FI), S2 * math.sqrt(3 / FI))),
    ("kaiming_uniform-leaky-fan_out",
     lambda s, d, r: init.kaiming_uniform(s, a=0.2, mode="fan_out", dtype=d, rng=r),
     ("uniform", -math.sqrt(2 / 1.04) * math.sqrt(3 / FO),
      math.sqrt(2 / 1.04) * math.sqrt(3 / FO))),
    ("kaiming_normal-relu-fan_out",
     lambda s, d, r: init.kaiming_normal(s, mode="fan_out", nonlinearity="relu", dtype=d, rng=r),
     ("normal", 0.0, S2 / math.sqrt(FO))),
    ("kaiming_normal-tanh",
     lambda s, d, r: init.kaiming_normal(s, nonlinearity="tanh", dtype=d, rng=r),
     ("normal", 0.0, 5 / 3 / math.sqrt(FI))),
    ("kaiming_normal-selu-a-ignored",
     lambda s, d, r: init.kaiming_normal(s, a=0.3, nonlinearity="selu", dtype=d, rng=r),
     ("normal", 0.0, 0.75 / math.sqrt(FI))),
    ("lecun_uniform", lambda s, d, r: init.lecun_uniform(s, dtype=d, rng=r),
     ("uniform", -math.sqrt(3 / FI), math.sqrt(3 / FI))),
    ("lecun_normal", lambda s, d, r: init.lecun_normal(s, dtype=d, rng=r),
     ("normal", 0.0, 1 / math.sqrt(FI))),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("label,call,dist", CASES, ids=IDS)
def test_moments_and_bounds(label, call, dist, dtype):
    w = call(SHAPE, dtype, 12345)
    assert w.shape == SHAPE and w.dtype == dtype
    kind, p, q = dist
    if kind == "uniform":
        assert_moments(w, *uniform_moments(p, q), context=label)
        w64 = w.astype(np.float64)
        assert w64.min() >= p and w64.max() <= q, label
        half = (q - p) / 2
        t = max_abs_tolerance(w.size) * half
        assert w64.min() <= p + t and w64.max() >= q - t, f"{label}: range not covered"
    else:
        assert_moments(w, *normal_moments(p, q), context=label)


def test_init_is_a_namespace():
    """fastact.init is reached as a module; its names do not land in fastact's namespace."""
    assert fastact.init is init
    for name in init.__all__:
        assert name not in fastact.__all__
    assert not hasattr(fastact, "xavier_uniform") and not hasattr(fastact, "zeros")


def test_kaiming_activation_object_brings_its_slope():
    leaky = types.SimpleNamespace(name="leaky_relu", from_output=False, piecewise_linear=False)
    act = Activation(leaky, {"negative_slope": 0.3})
    w = init.kaiming_normal(SHAPE, nonlinearity=act, dtype=np.float64, rng=2)
    assert_moments(w, *normal_moments(0.0, math.sqrt(2 / 1.09) / math.sqrt(FI)))
    with pytest.raises(ValueError, match="only used with nonlinearity 'leaky_relu'"):
        init.kaiming_normal((3, 4), a=0.3, nonlinearity=act)


def test_kaiming_gelu_and_activation_objects():
    w = init.kaiming_normal(SHAPE, nonlinearity="gelu", dtype=np.float64, rng=1)
    assert_moments(w, *normal_moments(0.0, init.calculate_gain("gelu") / math.sqrt(FI)))
    relu = fastact.get_activation("relu")
    a = init.kaiming_normal(SHAPE, nonlinearity=relu, dtype=np.float64, rng=1)
    b = init.kaiming_normal(SHAPE, nonlinearity="relu", dtype=np.float64, rng=1)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (2, 3, 4)])
def test_constants(shape):
    for dtype in (np.float16, np.float32, np.float64):
        z = init.zeros(shape, dtype=dtype)
        o = init.ones(shape, dtype=dtype)
        c = init.constant(shape, -2.5, dtype=dtype)
        for arr, v in ((z, 0.0), (o, 1.0), (c, -2.5)):
            assert arr.shape == tuple(shape) and arr.dtype == dtype
            assert np.all(arr == v)
    assert init.constant(3, 0.1, dtype=np.float32)[0] == np.float32(0.1)


def test_zero_size_shapes():
    for shape in [(0,), (0, 5), (5, 0), (0, 3, 3, 3), (4, 0, 3)]:
        for fn in (init.zeros, init.ones, init.uniform, init.normal, init.trunc_normal):
            assert fn(shape, rng=0).shape == shape
        for fn in (init.xavier_uniform, init.xavier_normal, init.kaiming_uniform,
                   init.kaiming_normal, init.lecun_uniform, init.lecun_normal,
                   init.orthogonal):
            if len(shape) >= 2:
                assert fn(shape, rng=0).shape == shape


def test_same_seed_same_weights_known_answer():
    """The stream is numpy's PCG64 Generator, drawn in float64 in C order: identical on every
    machine (numpy guarantees the bit stream), independent of fastact's thread count."""
    n = (4, 5)
    np.testing.assert_array_equal(init.normal(n, dtype=np.float64, rng=7),
                                  np.random.default_rng(7).standard_normal(n))
    np.testing.assert_array_equal(init.normal(n, 1.0, 3.0, dtype=np.float64, rng=7),
                                  1.0 + 3.0 * np.random.default_rng(7).standard_normal(n))
    np.testing.assert_array_equal(init.uniform(n, -1, 2, dtype=np.float64, rng=7),
                                  -1 + 3 * np.random.default_rng(7).random(n))
    np.testing.assert_array_equal(init.normal(n, rng=7),
                                  np.random.default_rng(7).standard_normal(n).astype(np.float32))


ALL_RANDOM = {
    "uniform": lambda s, **k: init.uniform(s, -1, 1, **k),
    "normal": init.normal, "trunc_normal": init.trunc_normal,
    "trunc_normal-tail": lambda s, **k: init.trunc_normal(s, 0.0, 1.0, 3.0, 9.0, **k),
    "xavier_uniform": init.xavier_uniform, "xavier_normal": init.xavier_normal,
    "kaiming_uniform": init.kaiming_uniform, "kaiming_normal": init.kaiming_normal,
    "lecun_uniform": init.lecun_uniform, "lecun_normal": init.lecun_normal,
    "orthogonal": init.orthogonal,
}


@pytest.mark.parametrize("name", sorted(ALL_RANDOM))
def test_reproducible(name, threads):
    fn = ALL_RANDOM[name]
    a = fn((64, 32, 3), rng=42)
    b = fn((64, 32, 3), rng=np.random.default_rng(42))
    np.testing.assert_array_equal(a, b)
    with fastact.num_threads(1):
        c = fn((64, 32, 3), rng=42)
    np.testing.assert_array_equal(a, c)
    gen = np.random.default_rng(42)
    d, e = fn((64, 32, 3), rng=gen), fn((64, 32, 3), rng=gen)  # the generator advances
    np.testing.assert_array_equal(a, d)
    assert not np.array_equal(d, e)
    assert not np.array_equal(fn((64, 32, 3)), fn((64, 32, 3)))  # None: fresh entropy


@pytest.mark.parametrize("name", sorted(ALL_RANDOM))
def test_float32_is_float64_rounded(name):
    fn = ALL_RANDOM[name]
    a32 = fn((40, 30), dtype=np.float32, rng=3)
    a64 = fn((40, 30), dtype=np.float64, rng=3)
    # equal after rounding, except a value clipped inward at a bound (one ULP)
    np.testing.assert_array_max_ulp(a32, a64.astype(np.float32), maxulp=1)


INPLACE = {
    "zeros": (init.zeros, init.zeros_, ()), "ones": (init.ones, init.ones_, ()),
    "constant": (init.constant, init.constant_, (0.25,)),
    "uniform": (init.uniform, init.uniform_, (-2.0, 3.0)),
    "normal": (init.normal, init.normal_, (1.0, 0.1)),
    "trunc_normal": (init.trunc_normal, init.trunc_normal_, (0.0, 1.0, -0.5, 1.5)),
    "xavier_uniform": (init.xavier_uniform, init.xavier_uniform_, (1.5,)),
    "xavier_normal": (init.xavier_normal, init.xavier_normal_, ()),
    "kaiming_uniform": (init.kaiming_uniform, init.kaiming_uniform_, (0.1, "fan_out")),
    "kaiming_normal": (init.kaiming_normal, init.kaiming_normal_, (0.0, "fan_in", "relu")),
    "lecun_uniform": (init.lecun_uniform, init.lecun_uniform_, ()),
    "lecun_normal": (init.lecun_normal, init.lecun_normal_, ()),
    "orthogonal": (init.orthogonal, init.orthogonal_, (0.5,)),
    "eye": (init.eye, init.eye_, ()),
    "dirac": (init.dirac, init.dirac_, ()),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_inplace_matches_new_array_in_any_layout(name, dtype):
    new, inplace, args = INPLACE[name]
    shape = (6, 4) if name == "eye" else (6, 4, 3)
    ref = new(shape, *args, dtype=dtype, rng=5)
    layouts = {
        "C": np.empty(shape, dtype),
        "F": np.asfortranarray(np.empty(shape, dtype)),
        "strided": np.empty(tuple(2 * d for d in shape), dtype)[(slice(None, None, 2),) * len(
            shape)],
        "negative": np.empty(shape, dtype)[::-1],
    }
    for label, arr in layouts.items():
        out = inplace(arr, *args, rng=5)
        assert out is arr, label
        np.testing.assert_array_equal(arr, ref, err_msg=f"{name} {label}")


def test_strided_fill_leaves_the_rest_alone():
    base = np.full((8, 6), 7.0, np.float32)
    init.normal_(base[::2], rng=0)
    assert np.all(base[1::2] == 7.0)


# --- orthogonal, eye, dirac ------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(64, 64), (30, 100), (100, 30), (16, 8, 3, 3), (200, 3, 5),
                                   (1, 9), (9, 1)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal(shape, gain):
    w = init.orthogonal(shape, gain, dtype=np.float64, rng=11)
    m = w.reshape(shape[0], -1)
    rows, cols = m.shape
    gram = m @ m.T if rows <= cols else m.T @ m
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), rtol=0, atol=1e-6)
    # float32: each Gram entry moves by at most ~eps32 * gain^2 (Cauchy-Schwarz on the
    # rounding errors of two unit rows).
    m32 = init.orthogonal(shape, gain, dtype=np.float32, rng=11).reshape(rows, cols)
    m32 = m32.astype(np.float64)
    gram = m32 @ m32.T if rows <= cols else m32.T @ m32
    eps = float(np.finfo(np.float32).eps)
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), rtol=0,
                               atol=2 * eps * gain ** 2)


def test_orthogonal_is_haar_distributed():
    """With the sign fix Q is uniform on the orthogonal group: every entry has mean 0 and
    variance 1/n. (Without it LAPACK's Q[0, 0] is always negative.)"""
    gen = np.random.default_rng(0)
    n, draws = 3, 4000
    q00 = np.array([init.orthogonal((n, n), dtype=np.float64, rng=gen)[0, 0]
                    for _ in range(draws)])
    assert_moments(q00, 0.0, 1 / n, 3 / (n * (n + 2)), context="Haar Q[0,0]")


def test_orthogonal_bit_identical_for_blas_threads():
    """The QR runs in numpy ufuncs, not BLAS: the BLAS thread count cannot change a bit."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1):
        a = init.orthogonal((300, 200), rng=4, dtype=np.float64)
    with threadpoolctl.threadpool_limits(2):
        b = init.orthogonal((300, 200), rng=4, dtype=np.float64)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape", [(50, 50), (120, 40), (40, 120), (8, 4, 3, 3)])
def test_orthogonal_matches_lapack(shape):
    """The same Q as numpy.linalg.qr with R's diagonal made positive (Q is unique), to
    rounding; the lapack=True path gives it too."""
    a = init.orthogonal(shape, 1.5, dtype=np.float64, rng=6)
    rows = shape[0]
    x = np.random.default_rng(6).standard_normal((rows, a.size // rows))
    tall = x if x.shape[0] >= x.shape[1] else x.T
    q, r = np.linalg.qr(tall)
    q = q * np.sign(np.diag(r))
    ref = 1.5 * (q if x.shape[0] >= x.shape[1] else q.T)
    np.testing.assert_allclose(a.reshape(rows, -1), ref, rtol=0, atol=1e-12)
    b = init.orthogonal(shape, 1.5, dtype=np.float64, rng=6, lapack=True)
    np.testing.assert_allclose(b.reshape(rows, -1), ref, rtol=0, atol=1e-12)


def test_orthonormal_columns_rank_deficient():
    from fastact._init_qr import orthonormal_columns
    x = np.random.default_rng(0).standard_normal((6, 4))
    x[:, 2] = 0.0
    x[:, 3] = x[:, 0]
    q = orthonormal_columns(x)
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-14)
    with pytest.raises(ValueError, match="rows >= columns"):
        orthonormal_columns(x.T)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (1, 1), (0, 3)])
def test_eye(shape):
    np.testing.assert_array_equal(init.eye(shape), np.eye(*shape, dtype=np.float32))
    x = np.random.default_rng(0).standard_normal((7, shape[1]))
    y = x @ init.eye(shape, dtype=np.float64).T  # a Linear layer passes min(in, out) inputs
    k = min(shape)
    np.testing.assert_array_equal(y[:, :k], x[:, :k])


def _conv1d_same(x, w, groups):
    """Reference grouped 1-D convolution (cross-correlation), 'same' padding, loops."""
    cin, t = x.shape
    cout, cin_g, k = w.shape
    out_g = cout // groups
    c = k // 2
    y = np.zeros((cout, t))
    for o in range(cout):
        g = o // out_g
        for i in range(cin_g):
            for j in range(k):
                for s in range(t):
                    u = s + j - c
                    if 0 <= u < t:
                        y[o, s] += w[o, i, j] * x[g * cin_g + i, u]
    return y


@pytest.mark.parametrize("cout,cin_g,k,groups", [(4, 4, 3, 1), (6, 4, 5, 1), (3, 5, 3, 1),
                                                 (4, 2, 3, 2), (6, 3, 1, 3), (4, 3, 4, 2)])
def test_dirac_convolution_is_identity(cout, cin_g, k, groups):
    w = init.dirac((cout, cin_g, k), groups, dtype=np.float64)
    x = np.random.default_rng(1).standard_normal((cin_g * groups, 9))
    y = _conv1d_same(x, w, groups)
    out_g = cout // groups
    for o in range(cout):
        g, d = divmod(o, out_g)
        if d < cin_g:
            np.testing.assert_array_equal(y[o], x[g * cin_g + d])
        else:
            assert np.all(y[o] == 0)


@pytest.mark.parametrize("shape,groups", [((8, 4, 3, 3), 1), ((8, 4, 3, 3), 2),
                                          ((6, 6, 3, 3, 3), 3), ((4, 8, 2, 4), 1)])
def test_dirac_positions(shape, groups):
    w = init.dirac(shape, groups)
    out_g = shape[0] // groups
    n = min(out_g, shape[1])
    assert w.sum() == groups * n
    centre = tuple(s // 2 for s in shape[2:])
    for g in range(groups):
        for d in range(n):
            assert w[(g * out_g + d, d, *centre)] == 1


# --- errors ----------------------------------------------------------------------------------

FAN_BASED = [init.xavier_uniform, init.xavier_normal, init.kaiming_uniform, init.kaiming_normal,
             init.lecun_uniform, init.lecun_normal]


@pytest.mark.parametrize("fn", FAN_BASED + [init.orthogonal], ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(), (5,)])
def test_fan_based_need_two_dims(fn, shape):
    with pytest.raises(ValueError, match="2 or more dimensions|fewer than 2 dimensions"):
        fn(shape)
    with pytest.raises(ValueError, match="2 or more dimensions|fewer than 2 dimensions"):
        getattr(init, fn.__name__ + "_")(np.empty(shape))


@pytest.mark.parametrize("fn", [init.kaiming_uniform, init.kaiming_normal])
def test_kaiming_errors(fn):
    with pytest.raises(ValueError, match="mode 'fan_avg' not supported.*fan_in, fan_out"):
        fn((3, 4), mode="fan_avg")
    with pytest.raises(ValueError, match="unsupported nonlinearity 'relu7'; expected one of"):
        fn((3, 4), nonlinearity="relu7")
    with pytest.raises(ValueError, match="only used with nonlinearity 'leaky_relu' or 'prelu'"):
        fn((3, 4), a=0.1, nonlinearity="gelu")
    with pytest.raises(TypeError, match="a must be a real number"):
        fn((3, 4), a="0.1")


@pytest.mark.parametrize("call,exc,match", [
    (lambda: init.normal((3,), std=-1.0), ValueError, "std must be >= 0"),
    (lambda: init.normal((3,), std=float("nan")), ValueError, "std must be finite"),
    (lambda: init.normal((3,), mean=float("inf")), ValueError, "mean must be finite"),
    (lambda: init.normal((3,), std="1"), TypeError, "std must be a real number"),
    (lambda: init.uniform((3,), 1.0, 0.0), ValueError, "a <= b"),
    (lambda: init.uniform((3,), 0.0, float("inf")), ValueError, "b must be finite"),
    (lambda: init.trunc_normal((3,), std=0.0), ValueError, "std > 0"),
    (lambda: init.trunc_normal((3,), std=-1.0), ValueError, "std > 0"),
    (lambda: init.trunc_normal((3,), a=1.0, b=1.0), ValueError, "a < b"),
    (lambda: init.trunc_normal((3,), a=2.0, b=-2.0), ValueError, "a < b"),
    (lambda: init.trunc_normal((3,), a=float("nan")), ValueError, "a must be a real number"),
    (lambda: init.xavier_uniform((3, 4), gain=-1.0), ValueError, "gain must be >= 0"),
    (lambda: init.xavier_normal((3, 4), gain=None), TypeError, "gain must be a real number"),
    (lambda: init.orthogonal((3, 4), gain=float("nan")), ValueError, "gain must be finite"),
    (lambda: init.constant((3,), "1"), TypeError, "value must be a real number"),
    (lambda: init.eye((3, 4, 5)), ValueError, "eye needs a 2-D array"),
    (lambda: init.eye((3,)), ValueError, "eye needs a 2-D array"),
    (lambda: init.dirac((3, 4)), ValueError, "3-, 4- or 5-D"),
    (lambda: init.dirac((3, 4, 1, 1, 1, 1)), ValueError, "3-, 4- or 5-D"),
    (lambda: init.dirac((6, 4, 3), groups=4), ValueError, "divisible by groups"),
    (lambda: init.dirac((6, 4, 3), groups=0), ValueError, "positive integer"),
    (lambda: init.dirac((6, 4, 3), groups=1.5), ValueError, "positive integer"),
    (lambda: init.normal((3, -1)), ValueError, "negative sizes"),
    (lambda: init.normal((3, 1.5)), TypeError, "shape must contain ints"),
    (lambda: init.normal("ab"), TypeError, "shape must contain ints"),
    (lambda: init.normal(None), TypeError, "shape must be an int or a sequence"),
    (lambda: init.normal((3,), dtype=np.int32), TypeError, "dtype must be float16"),
    (lambda: init.normal((3,), dtype=np.complex128), TypeError, "dtype must be float16"),
    (lambda: init.normal((3,), dtype=np.longdouble), TypeError, "dtype must be float16"),
    (lambda: init.normal((3,), rng="seed"), TypeError, "rng must be a numpy.random.Generator"),
    (lambda: init.normal((3,), rng=True), TypeError, "rng must be a numpy.random.Generator"),
    (lambda: init.normal((3,), rng=np.random.RandomState(0)), TypeError, "rng must be"),
    (lambda: init.normal((3,), rng=-1), ValueError, "seed must be non-negative"),
    (lambda: init.normal_([0.0, 1.0]), TypeError, "array must be a numpy.ndarray"),
    (lambda: init.normal_(np.zeros(3, np.int64)), TypeError, "float16/float32/float64"),
    (lambda: init.zeros_(np.zeros(3, np.complex64)), TypeError, "float16/float32/float64"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_readonly_array_is_rejected_and_untouched():
    a = np.ones((3, 4))
    a.flags.writeable = False
    for fn in (init.zeros_, init.normal_, init.xavier_uniform_, init.orthogonal_, init.eye_):
        with pytest.raises(ValueError, match="read-only"):
            fn(a)
    assert np.all(a == 1)


def test_failed_call_leaves_array_untouched():
    a = np.ones((3, 4))
    with pytest.raises(ValueError):
        init.kaiming_normal_(a, mode="bad")
    with pytest.raises(ValueError):
        init.normal_(a, std=-1)
    with pytest.raises(TypeError):
        init.uniform_(a, rng="x")
    assert np.all(a == 1)
