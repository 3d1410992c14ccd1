"""The piecewise activations beyond what the registry-driven tests see: exact values at and
around the kinks, parameters other than the defaults (negative slopes, thresholds, hardtanh
bounds), bad parameters, infinities, the backward from the output, and PyTorch's conventions
(checked against PyTorch itself when it is installed; it is not a test dependency)."""

import numpy as np
import pytest
from reference_piecewise import DERIVATIVE, DERIVATIVE_FROM_OUTPUT, FORWARD
from util import assert_ulp, hostile_arrays

import fastact
from fastact._registry import ELEMENTWISE

EXACT = ["relu6", "leaky_relu", "hardtanh", "threshold", "step"]
ROUNDED = ["hardsigmoid", "hardswish", "softsign"]

# Parameter sets other than the defaults (threshold has none: both parameters are required).
PARAMS = {
    "relu6": [{}],
    "leaky_relu": [{}, {"negative_slope": 0.2}, {"negative_slope": 0.0},
                   {"negative_slope": -0.5}, {"negative_slope": 1.5},
                   {"negative_slope": 1 / 3}, {"negative_slope": 1e-30}],
    "hardtanh": [{}, {"min_val": 0.0, "max_val": 6.0}, {"min_val": -2.5, "max_val": 0.1},
                 {"min_val": 0.5, "max_val": 0.5}, {"min_val": -np.inf, "max_val": 2.0},
                 {"min_val": -3.0, "max_val": np.inf}, {"min_val": 1e-3, "max_val": 1e30}],
    "threshold": [{"threshold": 0.1, "value": 20.0}, {"threshold": 0.0, "value": 0.0},
                  {"threshold": -1.5, "value": -7.0}, {"threshold": 1e30, "value": -1.0},
                  {"threshold": -np.inf, "value": 3.0}, {"threshold": 2.0, "value": np.inf},
                  {"threshold": 1 / 3, "value": 1 / 3}],
    "step": [{}],
    "hardsigmoid": [{}],
    "hardswish": [{}],
    "softsign": [{}],
}
CASES = [(name, kw) for name, sets in PARAMS.items() for kw in sets]
CASE_IDS = [f"{name}-" + "-".join(f"{k}={v:g}" for k, v in kw.items()) for name, kw in CASES]


def kinks(name, kw):
    row = ELEMENTWISE[name]
    full = dict(row.params)
    full.update(kw)
    return [k for k in (row.kinks(full) if row.kinks else []) if np.isfinite(k)]


def rounded(name, kw, dtype):
    """All of the op's parameters as the kernel uses them: converted to the compute dtype."""
    full = {k: v for k, v in ELEMENTWISE[name].params}
    full.update(kw)
    return {k: float(np.asarray(v, dtype)) for k, v in full.items()}


def around(points, dtype, steps=3):
    """Each point, rounded to dtype, with its `steps` neighbours on either side."""
    out = []
    for p in points:
        v = np.asarray(p, dtype)
        up = down = v
        out.append(v)
        for _ in range(steps):
            with np.errstate(over="ignore"):  # past the largest float: inf
                up = np.nextafter(up, dtype(np.inf))
                down = np.nextafter(down, dtype(-np.inf))
            out += [up, down]
    return np.array(out, dtype)


def edge_points(name, kw, dtype):
    fi = np.finfo(dtype)
    base = [0.0, -0.0, 1.0, -1.0, 1.5, -1.5, 3.0, -3.0, 6.0, -6.0, fi.tiny, -fi.tiny,
            fi.smallest_subnormal, -fi.smallest_subnormal, fi.max, -fi.max, 1e30, -1e30]
    x = np.concatenate([around(base + kinks(name, kw), dtype),
                        np.array([np.inf, -np.inf, np.nan], dtype)])
    return np.concatenate([x, np.random.default_rng(0).uniform(-8, 8, 997).astype(dtype)])


def expected(name, kw, x, dtype):
    """(forward, derivative) from the float64 reference, rounded to dtype."""
    x64 = x.astype(np.float64)
    p = rounded(name, kw, dtype)
    with np.errstate(all="ignore"):
        return (FORWARD[name](x64, **p).astype(dtype), DERIVATIVE[name](x64, **p).astype(dtype))


def call(name, kind, *args, **kw):
    fn = getattr(fastact, name if kind == "forward" else f"{name}_{kind}")
    return fn(*args, **kw)


@pytest.mark.parametrize(("name", "kw"), [c for c in CASES if c[0] in EXACT],
                         ids=[i for c, i in zip(CASES, CASE_IDS, strict=True) if c[0] in EXACT])
def test_exact_at_and_around_kinks(name, kw, dtype, cpu_level):
    x = edge_points(name, kw, dtype)
    y_ref, d_ref = expected(name, kw, x, dtype)
    np.testing.assert_array_equal(call(name, "forward", x, **kw), y_ref, err_msg=name)
    np.testing.assert_array_equal(call(name, "derivative", x, **kw), d_ref, err_msg=name)
    g = np.random.default_rng(1).standard_normal(x.size).astype(dtype)
    with np.errstate(all="ignore"):
        gi_ref = (g.astype(np.float64) * d_ref.astype(np.float64)).astype(dtype)
    np.testing.assert_array_equal(call(name, "backward", g, x, **kw), gi_ref, err_msg=name)


@pytest.mark.parametrize("name", ROUNDED)
def test_rounded_ops_at_their_kinks(name, dtype, cpu_level):
    x = edge_points(name, {}, dtype)
    y_ref, d_ref = expected(name, {}, x, dtype)
    bound = ELEMENTWISE[name].ulp
    assert_ulp(call(name, "forward", x), y_ref.astype(np.float64), dtype, bound, name)
    assert_ulp(call(name, "derivative", x), d_ref.astype(np.float64), dtype, bound + 2, name)


def test_values_at_the_kinks_follow_pytorch():
    x = np.array([-3.0, -1.5, 0.0, 3.0, 6.0, np.nan], np.float32)
    np.testing.assert_array_equal(fastact.relu6_derivative(x), [0, 0, 0, 1, 0, np.nan])
    np.testing.assert_array_equal(fastact.hardtanh_derivative(x, -1.5, 3.0),
                                  [0, 0, 1, 0, 0, np.nan])
    np.testing.assert_array_equal(fastact.leaky_relu_derivative(x, 0.25),
                                  [0.25, 0.25, 0.25, 1, 1, np.nan])
    np.testing.assert_array_equal(fastact.threshold_derivative(x, 3.0, 5.0),
                                  [0, 0, 0, 0, 1, np.nan])
    np.testing.assert_array_equal(fastact.threshold(x, 3.0, 5.0), [5, 5, 5, 5, 6, np.nan])
    np.testing.assert_array_equal(fastact.step(x), [0, 0, 0, 1, 1, np.nan])
    np.testing.assert_array_equal(fastact.step_derivative(x), [0, 0, 0, 0, 0, np.nan])
    np.testing.assert_array_equal(fastact.hardsigmoid(x), [0, 0.25, 0.5, 1, 1, np.nan])
    np.testing.assert_array_equal(fastact.hardsigmoid_derivative(x),
                                  [0, np.float32(1 / 6), np.float32(1 / 6), 0, 0, np.nan])
    np.testing.assert_array_equal(fastact.hardswish(x), [0, -0.375, 0, 3, 6, np.nan])
    np.testing.assert_array_equal(fastact.hardswish_derivative(x), [0, 0, 0.5, 1, 1, np.nan])
    np.testing.assert_array_equal(fastact.softsign(x), np.float32([-0.75, -0.6, 0, 0.75, 6 / 7,
                                                                   np.nan]))


@pytest.mark.parametrize(("name", "kw"), CASES, ids=CASE_IDS)
def test_parameters_over_hostile_arrays(name, kw, dtype, threads):
    bound = 0 if name in EXACT else ELEMENTWISE[name].ulp
    p = rounded(name, kw, dtype)
    for label, x in hostile_arrays(dtype, seed=11):
        x64 = x.astype(np.float64)
        with np.errstate(all="ignore"):
            y_ref, d_ref = FORWARD[name](x64, **p), DERIVATIVE[name](x64, **p)
        ctx = f"{name} {kw} {np.dtype(dtype)} {threads}t {label}"
        assert_ulp(call(name, "forward", x, **kw), y_ref, dtype, bound, ctx)
        assert_ulp(call(name, "derivative", x, **kw), d_ref, dtype,
                   bound and bound + 2, ctx)


def test_infinities():
    inf = np.array([-np.inf, np.inf], np.float32)
    np.testing.assert_array_equal(fastact.relu6(inf), [0, 6])
    np.testing.assert_array_equal(fastact.leaky_relu(inf), [-np.inf, np.inf])
    np.testing.assert_array_equal(fastact.leaky_relu(inf, -2.0), [np.inf, np.inf])
    np.testing.assert_array_equal(fastact.hardtanh(inf), [-1, 1])
    np.testing.assert_array_equal(fastact.hardtanh(inf, -np.inf, np.inf), inf)
    np.testing.assert_array_equal(fastact.threshold(inf, 0.0, -5.0), [-5, np.inf])
    np.testing.assert_array_equal(fastact.step(inf), [0, 1])
    np.testing.assert_array_equal(fastact.hardsigmoid(inf), [0, 1])
    np.testing.assert_array_equal(fastact.hardswish(inf), [0, np.inf])
    np.testing.assert_array_equal(fastact.softsign(inf), [-1, 1])
    for name, d in [("relu6", [0, 0]), ("leaky_relu", [0.01, 1]), ("hardtanh", [0, 0]),
                    ("step", [0, 0]), ("hardsigmoid", [0, 0]), ("hardswish", [0, 1]),
                    ("softsign", [0, 0])]:
        np.testing.assert_array_equal(call(name, "derivative", inf), np.float32(d), name)
    np.testing.assert_array_equal(fastact.threshold_derivative(inf, 1.0, 2.0), [0, 1])
    # Huge finite values: no overflow inside hardswish or softsign.
    big = np.array([-3e38, 3e38], np.float32)
    np.testing.assert_array_equal(fastact.hardswish(big), [0, big[1]])
    np.testing.assert_array_equal(fastact.softsign(big), [-1, 1])
    assert np.all(fastact.softsign_derivative(big) == 0)


def test_parameters_are_rounded_like_numpy():
    # A float32 array with a Python float parameter computes as numpy does: the parameter is
    # converted to float32 first.
    x = np.random.default_rng(3).standard_normal(10_001).astype(np.float32)
    np.testing.assert_array_equal(fastact.leaky_relu(x, 0.1), np.where(x > 0, x, x * 0.1))
    t = np.float32(0.1)
    x[:3] = [t, np.nextafter(t, np.float32(1)), np.nextafter(t, np.float32(0))]
    np.testing.assert_array_equal(fastact.threshold(x, 0.1, 0.3), np.where(x > 0.1, x, 0.3))


@pytest.mark.parametrize(("name", "kw"), [c for c in CASES if ELEMENTWISE[c[0]].from_output
                                          and c[1].get("negative_slope", 0) >= 0],
                         ids=[i for c, i in zip(CASES, CASE_IDS, strict=True)
                              if ELEMENTWISE[c[0]].from_output
                              and c[1].get("negative_slope", 0) >= 0])
def test_backward_from_output_equals_backward_from_input(name, kw, dtype, threads):
    rng = np.random.default_rng(4)
    x = np.concatenate([edge_points(name, kw, dtype),
                        (rng.standard_normal(300_000) * 4).astype(dtype)])
    if kw.get("negative_slope") == 0:
        x = x[x != -np.inf]  # 0 * -inf is NaN: the output no longer says where x was
    g = rng.standard_normal(x.size).astype(dtype)
    y = call(name, "forward", x, **kw)
    from_x = call(name, "backward", g, x, **kw)
    from_y = call(name, "backward", g, output=y, **kw)
    np.testing.assert_array_equal(from_y, from_x)
    with np.errstate(all="ignore"):
        ref = g.astype(np.float64) * DERIVATIVE_FROM_OUTPUT[name](y.astype(np.float64),
                                                                  **rounded(name, kw, dtype))
    np.testing.assert_array_equal(from_y, ref.astype(dtype))
    # in place into grad_output
    gg = g.copy()
    assert call(name, "backward", gg, output=y, out=gg, **kw) is gg
    np.testing.assert_array_equal(gg, from_x)


def _fd_case(case):
    # f(x + h) - f(x - h) needs finite values (threshold's value=inf gives inf - inf)
    return case[0] not in ROUNDED and all(np.isfinite(v) for v in case[1].values())


@pytest.mark.parametrize(("name", "kw"), [c for c in CASES if _fd_case(c)],
                         ids=[i for c, i in zip(CASES, CASE_IDS, strict=True) if _fd_case(c)])
def test_finite_differences_with_parameters(name, kw):
    x = np.random.default_rng(8).uniform(-8, 8, 4000)
    ks = np.array(kinks(name, kw))
    if ks.size:
        x = x[np.min(np.abs(x[:, None] - ks[None, :]), axis=1) > 1e-3]
    h = 1e-6
    fd = (call(name, "forward", x + h, **kw) - call(name, "forward", x - h, **kw)) / (2 * h)
    np.testing.assert_allclose(call(name, "derivative", x, **kw), fd, rtol=1e-6, atol=1e-8)
    g = np.random.default_rng(9).standard_normal(x.size)
    np.testing.assert_allclose(call(name, "backward", g, x, **kw), g * fd, rtol=1e-6,
                               atol=1e-8)


def test_bad_parameters_raise():
    x = np.linspace(-2, 2, 7)
    for fn in (fastact.hardtanh, fastact.hardtanh_derivative):
        with pytest.raises(ValueError, match="min_val <= max_val"):
            fn(x, 1.0, -1.0)
    with pytest.raises(ValueError, match="min_val <= max_val"):
        fastact.hardtanh_backward(x, x, min_val=2.0, max_val=1.0)
    with pytest.raises(ValueError, match="negative_slope must not be NaN"):
        fastact.leaky_relu(x, np.nan)
    with pytest.raises(TypeError, match="negative_slope must be a real number"):
        fastact.leaky_relu(x, "0.1")
    with pytest.raises(TypeError, match="min_val must be a real number"):
        fastact.hardtanh(x, True, 2.0)
    with pytest.raises(ValueError, match="threshold must not be NaN"):
        fastact.threshold(x, np.nan, 0.0)
    with pytest.raises(TypeError, match="value must be a real number"):
        fastact.threshold(x, 0.0, None)
    with pytest.raises(TypeError, match="threshold"):
        fastact.threshold(x)
    with pytest.raises(TypeError, match="value"):
        fastact.threshold_backward(x, x, 0.5)
    with pytest.raises(TypeError):
        fastact.relu6(x, 1.0)


def test_output_argument_rules():
    x = np.linspace(-2, 2, 9)
    g = np.ones_like(x)
    y = fastact.leaky_relu(x, -0.5)
    with pytest.raises(ValueError, match="negative_slope"):
        fastact.leaky_relu_backward(g, output=y, negative_slope=-0.5)
    # a zero slope is fine: y > 0 exactly where x > 0
    np.testing.assert_array_equal(
        fastact.leaky_relu_backward(g, output=fastact.leaky_relu(x, 0.0), negative_slope=0.0),
        fastact.leaky_relu_backward(g, x, 0.0))
    for name in ("threshold", "step", "hardsigmoid", "hardswish", "softsign"):
        kw = {"threshold": 0.0, "value": 1.0} if name == "threshold" else {}
        with pytest.raises(TypeError, match="cannot take output="):
            call(name, "backward", g, None, output=x, **kw)
    with pytest.raises(TypeError, match="not both"):
        fastact.relu6_backward(g, x, output=x)
    with pytest.raises(TypeError, match="needs x or output="):
        fastact.hardtanh_backward(g)


def test_out_is_checked_before_writing():
    x = np.linspace(-8, 8, 33, dtype=np.float32)
    out = np.full(33, 7.0, np.float32)
    with pytest.raises(ValueError, match="min_val <= max_val"):
        fastact.hardtanh(x, 3.0, 2.0, out=out)
    with pytest.raises(ValueError, match="shape"):
        fastact.relu6(x, out=np.empty(32, np.float32))
    with pytest.raises(TypeError):
        fastact.relu6(x, out=np.empty(33, np.float64))
    assert np.all(out == 7)
    assert fastact.threshold(x, 1.0, -1.0, out=x) is x
    assert np.all((x == -1) | (x > 1))


def test_promoted_dtypes():
    x = np.arange(-10, 11, dtype=np.int16)
    y = fastact.relu6(x)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, np.clip(x, 0, 6))
    h = fastact.hardswish(x.astype(np.float16))
    assert h.dtype == np.float16
    np.testing.assert_allclose(h, np.where(x <= -3, 0, np.where(x >= 3, x, x * (x + 3) / 6)),
                               rtol=1e-3)


# ---------------------------------------------------------------- PyTorch cross-check
def _torch_table(torch):
    F = torch.nn.functional
    aten = torch.ops.aten

    def heaviside(t):
        return torch.heaviside(t, torch.zeros((), dtype=t.dtype))

    return {
        "relu6": (lambda t: F.relu6(t), lambda g, t: aten.hardtanh_backward(g, t, 0.0, 6.0)),
        "leaky_relu": (lambda t, negative_slope=0.01: F.leaky_relu(t, negative_slope),
                       lambda g, t, negative_slope=0.01:
                       aten.leaky_relu_backward(g, t, negative_slope, False)),
        "hardtanh": (lambda t, min_val=-1.0, max_val=1.0: F.hardtanh(t, min_val, max_val),
                     lambda g, t, min_val=-1.0, max_val=1.0:
                     aten.hardtanh_backward(g, t, min_val, max_val)),
        "threshold": (lambda t, threshold, value: F.threshold(t, threshold, value),
                      lambda g, t, threshold, value: aten.threshold_backward(g, t, threshold)),
        "step": (heaviside, lambda g, t: g * 0),
        "hardsigmoid": (lambda t: F.hardsigmoid(t), lambda g, t: aten.hardsigmoid_backward(g, t)),
        "hardswish": (lambda t: F.hardswish(t), lambda g, t: aten.hardswish_backward(g, t)),
        "softsign": (lambda t: F.softsign(t), None),
    }


@pytest.mark.torch
@pytest.mark.parametrize(("name", "kw"), CASES, ids=CASE_IDS)
def test_matches_pytorch(name, kw, dtype):
    """Same values as PyTorch 2.13 (exactly for the piecewise-linear ops), derivative
    conventions at the kinks included. Where fastact deliberately differs: NaN inputs (PyTorch's
    backwards pass grad_output through), hardswish(-inf) and softsign(+-inf) (PyTorch: NaN;
    fastact: the limits 0 and +-1), hardswish(x) for x > max/6 (PyTorch overflows x * 6 to
    inf), and float64 hardsigmoid/hardswish, where PyTorch multiplies by 1/6 rounded to
    float32 (relative error 3e-8)."""
    torch = pytest.importorskip("torch")
    fwd, bwd = _torch_table(torch)[name]
    x = edge_points(name, kw, dtype)
    x = x[np.isfinite(x)]
    if name == "hardswish":
        x = x[np.abs(x) < np.finfo(dtype).max / 8]
    g = np.random.default_rng(5).standard_normal(x.size).astype(dtype)
    y_t = fwd(torch.from_numpy(x), **kw).numpy()
    y = call(name, "forward", x, **kw)
    if bwd is None:  # autograd through PyTorch's composite softsign
        xt = torch.from_numpy(x.copy()).requires_grad_(True)
        fwd(xt, **kw).backward(torch.from_numpy(g))
        gi_t = xt.grad.numpy()
    else:
        gi_t = bwd(torch.from_numpy(g), torch.from_numpy(x), **kw).numpy()
    gi = call(name, "backward", g, x, **kw)
    if name in EXACT:
        np.testing.assert_array_equal(y, y_t)
        np.testing.assert_array_equal(gi, gi_t)
    else:
        eps = np.finfo(dtype).eps if dtype == np.float32 else 2.0**-23
        np.testing.assert_allclose(y, y_t, rtol=4 * eps, atol=np.finfo(dtype).tiny)
        # PyTorch's hardswish' = x/3 + 1/2 cancels near -3/2 (absolute error ~eps)
        np.testing.assert_allclose(gi, gi_t, rtol=8 * eps, atol=8 * eps)
