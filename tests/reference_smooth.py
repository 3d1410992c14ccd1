"""Float64 references for the smooth activations, written the obvious way with numpy/scipy
(the test oracle; nothing here calls fastact). Keys are registry names; functions take float64
x and the op's parameters as keywords.

Where an exponential amplifies the rounding of its argument by |argument| (the tails of the
GELUs: e^(-x^2/2), e^(2u) with u cubic in x, e^(1.702 x)), or a float64 intermediate would be
subnormal (x e^x near x = -710), the reference is computed in long double with constants given
to long-double precision, so it stays within a fraction of a float64 ULP. scipy's erfc/erfcx are
off by up to ~65 float64 ULP (measured), so erfc here is long double: its Taylor series below
1.5, its continued fraction above.

DERIVATIVE_SCALE gives, for derivatives that are sums of terms of opposite sign (they cross
zero), the sum of the terms' magnitudes: the scale a derivative's error is measured against."""

import numpy as np
from scipy import special

LD = np.longdouble
SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LA = 1.7580993408473768599402175208123  # lambda * alpha, to double precision
SQRT_2_OVER_PI = LD("0.79788456080286535587989211986876374")
INV_SQRT_2PI = LD("0.39894228040143267793994605993438187")


def _limit(x, y, at_minus_inf, at_plus_inf=None):
    """y with the mathematical limits at -inf/+inf where the formula gives inf * 0."""
    y = np.where(np.isneginf(x), at_minus_inf, y)
    if at_plus_inf is not None:
        y = np.where(np.isposinf(x), at_plus_inf, y)
    return y


# ---------------------------------------------------------------- tanh
def _tanh(x):
    return np.tanh(x)


def _tanh_d(x):
    return 1.0 / np.cosh(x) ** 2


def _tanh_dy(y):
    return (1 - y) * (1 + y)


# ---------------------------------------------------------------- elu, celu, selu
def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(x))


def _elu_d(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(x))


def _elu_dy(y, alpha=1.0):
    return np.where(y > 0, 1.0, y + alpha)


def _celu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(x / alpha))


def _celu_d(x, alpha=1.0):
    return np.where(x > 0, 1.0, np.exp(x / alpha))


def _selu(x):
    return SELU_LAMBDA * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))


def _selu_d(x):
    return np.where(x > 0, SELU_LAMBDA, SELU_LAMBDA * SELU_ALPHA * np.exp(x))


def _selu_dy(y):
    return np.where(y > 0, SELU_LAMBDA, y + SELU_LA)


# ---------------------------------------------------------------- x * sigmoid(beta x)
def _sigmoid_ld(v):
    return 1 / (1 + np.exp(-v))


def _swish_parts(x, beta):
    xl = x.astype(LD)
    v = LD(beta) * xl
    return xl, v, _sigmoid_ld(v), _sigmoid_ld(-v)


def _swish(x, beta=1.0):
    xl, _, s, _ = _swish_parts(x, beta)
    return _limit(x, (xl * s).astype(np.float64), -0.0 if beta > 0 else np.inf)


def _swish_d(x, beta=1.0):
    _, v, s, sm = _swish_parts(x, beta)
    d = (s * (1 + v * sm)).astype(np.float64)
    return _limit(x, d, 0.0, 1.0) if beta > 0 else d


def _swish_scale(x, beta=1.0):
    _, v, s, sm = _swish_parts(x, beta)
    return (s * (1 + np.abs(v) * sm)).astype(np.float64)


def _swish_dbeta(x, beta=1.0):
    """d swish / d beta = x^2 sigmoid(beta x) (1 - sigmoid(beta x))."""
    xl, _, s, sm = _swish_parts(x, beta)
    return (xl * xl * s * sm).astype(np.float64)


def _silu(x):
    return _swish(x, 1.0)


def _silu_d(x):
    return _swish_d(x, 1.0)


def _silu_scale(x):
    return _swish_scale(x, 1.0)


# ---------------------------------------------------------------- softplus
def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.logaddexp(0.0, beta * x) / beta)


def _softplus_d(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, 1.0, special.expit(beta * x))


# ---------------------------------------------------------------- gelu, exact
SQRT2 = LD("1.41421356237309504880168872420969808")
SQRT_PI = LD("1.77245385090551602729816748334114518")


def _erf_series(z):
    """erf(z) by its Taylor series, for 0 <= z <= 1.5 (long double)."""
    term = z.copy()
    total = z.copy()
    for n in range(1, 60):
        term = -term * z * z / n
        total = total + term / (2 * n + 1)
    return 2 / SQRT_PI * total


def _erfc_cf(z):
    """e^(z^2) sqrt(pi) erfc(z) by its continued fraction, for z >= 1.5 (long double)."""
    t = z.copy()
    for n in range(200, 0, -1):
        t = z + LD(n / 2) / t
    return 1 / t


def _exp_minus_half_square(x):
    """e^(-x^2/2) in long double, x^2 split exactly (x = xh + xl, xh of 26 bits); 0 beyond
    |x| = 60."""
    xc = np.clip(x, -60.0, 60.0)
    c = xc * 134217729.0
    xh = c - (c - xc)
    xl = (xc - xh).astype(LD)
    xh = xh.astype(LD)
    e = np.exp(-(xh * xh) / 2) * np.exp(-(xh * xl) - (xl * xl) / 2)
    return np.where(np.abs(x) > 60, LD(0), e)


_GELU_CACHE = {}


def _gelu_parts(x):
    """Phi(x), phi(x) and x, in long double (cached for the last input)."""
    key = (x.tobytes(), x.shape)
    if key in _GELU_CACHE:
        return _GELU_CACHE[key]
    xl = x.astype(LD)
    z = np.abs(xl) / SQRT2
    e = _exp_minus_half_square(x)
    with np.errstate(all="ignore"):
        erf_small = _erf_series(np.minimum(z, LD(1.5)))
        erfc_big = e * _erfc_cf(np.clip(z, LD(1.5), LD(60))) / SQRT_PI
    small = np.where(x < 0, (1 - erf_small) / 2, (1 + erf_small) / 2)
    big = np.where(x < 0, erfc_big / 2, 1 - erfc_big / 2)
    phi_cdf = np.where(z < 1.5, small, big)
    phi_cdf = np.where(np.isnan(x), np.nan, phi_cdf)
    _GELU_CACHE.clear()
    _GELU_CACHE[key] = (phi_cdf, e / (SQRT2 * SQRT_PI), xl)
    return _GELU_CACHE[key]


def _gelu(x):
    big, _, xl = _gelu_parts(x)
    return _limit(x, (xl * big).astype(np.float64), -0.0)


def _gelu_d(x):
    big, phi, xl = _gelu_parts(x)
    return _limit(x, (big + xl * phi).astype(np.float64), 0.0, 1.0)


def _gelu_scale(x):
    big, phi, xl = _gelu_parts(x)
    return _limit(x, (big + np.abs(xl) * phi).astype(np.float64), 0.0, 1.0)


# ---------------------------------------------------------------- gelu, tanh and sigmoid forms
def _gelu_tanh_parts(x):
    xl = x.astype(LD)
    v = 2 * SQRT_2_OVER_PI * (xl + LD("0.044715") * xl**3)   # 2u
    dv = 2 * SQRT_2_OVER_PI * (1 + 3 * LD("0.044715") * xl * xl)
    return xl, _sigmoid_ld(v), _sigmoid_ld(-v), dv


def _gelu_tanh(x):
    xl, s, _, _ = _gelu_tanh_parts(x)
    return _limit(x, (xl * s).astype(np.float64), -0.0)


def _gelu_tanh_d(x):
    xl, s, sm, dv = _gelu_tanh_parts(x)
    return _limit(x, (s * (1 + xl * sm * dv)).astype(np.float64), 0.0, 1.0)


def _gelu_tanh_scale(x):
    xl, s, sm, dv = _gelu_tanh_parts(x)
    return _limit(x, (s * (1 + np.abs(xl) * sm * dv)).astype(np.float64), 0.0, 1.0)


def _gelu_sigmoid_parts(x):
    xl = x.astype(LD)
    v = LD("1.702") * xl
    return xl, v, _sigmoid_ld(v), _sigmoid_ld(-v)


def _gelu_sigmoid(x):
    xl, _, s, _ = _gelu_sigmoid_parts(x)
    return _limit(x, (xl * s).astype(np.float64), -0.0)


def _gelu_sigmoid_d(x):
    _, v, s, sm = _gelu_sigmoid_parts(x)
    return _limit(x, (s * (1 + v * sm)).astype(np.float64), 0.0, 1.0)


def _gelu_sigmoid_scale(x):
    _, v, s, sm = _gelu_sigmoid_parts(x)
    return _limit(x, (s * (1 + np.abs(v) * sm)).astype(np.float64), 0.0, 1.0)


# ---------------------------------------------------------------- mish
def _mish(x):
    xl = x.astype(LD)
    return _limit(x, (xl * np.tanh(np.logaddexp(LD(0), xl))).astype(np.float64), -0.0)


def _mish_terms(x):
    xl = x.astype(LD)
    sp = np.logaddexp(LD(0), xl)
    return np.tanh(sp), xl / np.cosh(sp) ** 2 * _sigmoid_ld(xl)


def _mish_d(x):
    t, r = _mish_terms(x)
    return _limit(x, (t + r).astype(np.float64), 0.0, 1.0)


def _mish_scale(x):
    t, r = _mish_terms(x)
    return _limit(x, (t + np.abs(r)).astype(np.float64), 0.0, 1.0)


FORWARD = {"tanh": _tanh, "elu": _elu, "celu": _celu, "selu": _selu, "silu": _silu,
           "softplus": _softplus, "gelu": _gelu, "gelu_tanh": _gelu_tanh,
           "gelu_sigmoid": _gelu_sigmoid, "mish": _mish, "swish": _swish}
DERIVATIVE = {"tanh": _tanh_d, "elu": _elu_d, "celu": _celu_d, "selu": _selu_d,
              "silu": _silu_d, "softplus": _softplus_d, "gelu": _gelu_d,
              "gelu_tanh": _gelu_tanh_d, "gelu_sigmoid": _gelu_sigmoid_d, "mish": _mish_d,
              "swish": _swish_d}
DERIVATIVE_FROM_OUTPUT = {"tanh": _tanh_dy, "elu": _elu_dy, "selu": _selu_dy}
DERIVATIVE_SCALE = {"silu": _silu_scale, "swish": _swish_scale, "gelu": _gelu_scale,
                    "gelu_tanh": _gelu_tanh_scale, "gelu_sigmoid": _gelu_sigmoid_scale,
                    "mish": _mish_scale}
SWISH_DBETA = _swish_dbeta
