"""Independent references for the initializer tests: the distributions' moments, a
tail-stable truncated-normal CDF, and statistical tolerances derived from the sample size.

Nothing here calls fastact. Tolerances: a sample statistic is compared with its exact value
within Z standard errors of that statistic for n draws, never a fixed constant."""

import functools
import math

import numpy as np
from scipy import integrate, special

Z = 6.0  # standard errors allowed (two-sided p ~ 2e-9 per check for a normal statistic)


def var_of_sample_variance(var, mu4, n):
    """Exact variance of the unbiased sample variance of n iid draws with variance `var` and
    fourth central moment `mu4`: mu4/n - var^2 (n-3)/(n(n-1))."""
    return mu4 / n - var * var * (n - 3) / (n * (n - 1))


def assert_moments(x, mean, var, mu4, context=""):
    """Sample mean and variance of x within Z standard errors of (mean, var)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    n = x.size
    m = x.mean()
    s2 = x.var(ddof=1)
    se_m = math.sqrt(var / n)
    se_v = math.sqrt(var_of_sample_variance(var, mu4, n))
    assert abs(m - mean) <= Z * se_m, (
        f"{context}: mean {m!r} vs {mean!r}: {abs(m - mean) / se_m:.2f} standard errors")
    assert abs(s2 - var) <= Z * se_v, (
        f"{context}: variance {s2!r} vs {var!r}: {abs(s2 - var) / se_v:.2f} standard errors")


def normal_moments(mean, std):
    """(mean, variance, fourth central moment) of N(mean, std^2)."""
    return mean, std ** 2, 3.0 * std ** 4


def uniform_moments(a, b):
    """(mean, variance, fourth central moment) of U(a, b)."""
    w = b - a
    return (a + b) / 2.0, w * w / 12.0, w ** 4 / 80.0


def max_abs_tolerance(n, confidence=30.0):
    """For n iid U(-1, 1) draws, P(max |x| < 1 - t) = (1 - t)^n <= exp(-n t); t = 30/n makes a
    shortfall a 1e-13 event."""
    return confidence / n


def truncnorm_moments(mean, std, a, b):
    """(mean, variance, fourth central moment) of N(mean, std^2) truncated to [a, b], by
    adaptive quadrature of the density shifted to the bound nearest the mode (stable in any
    tail: exp(-(c+t)^2/2) / exp(-c^2/2) = exp(-c t - t^2/2))."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    c = alpha if alpha > 0 else (beta if beta < 0 else 0.0)
    lo, hi = alpha - c, beta - c

    def q(g, epsabs):
        return integrate.quad(lambda t: g(t) * math.exp(-c * t - 0.5 * t * t), lo, hi,
                              epsabs=epsabs, epsrel=1e-12, limit=200)[0]
    z = q(lambda t: 1.0, 0.0)
    q = functools.partial(q, epsabs=1e-12 * z)  # moments may be 0: an absolute floor
    m1 = q(lambda t: t) / z
    var = q(lambda t: (t - m1) ** 2) / z
    mu4 = q(lambda t: (t - m1) ** 4) / z
    return mean + std * (c + m1), std ** 2 * var, std ** 4 * mu4


def truncnorm_cdf(z, alpha, beta):
    """CDF of N(0, 1) truncated to [alpha, beta] at z, accurate in the tails (erfcx)."""
    z = np.clip(np.asarray(z, dtype=np.float64), alpha, beta)
    if alpha >= 0:
        def s(x):  # survival function times exp(alpha^2 / 2) * 2
            if np.isscalar(x) and math.isinf(x):
                return 0.0
            return special.erfcx(x / math.sqrt(2)) * np.exp(-0.5 * (x - alpha) * (x + alpha))
        return (s(alpha) - s(z)) / (s(alpha) - s(beta))
    if beta <= 0:
        return 1.0 - truncnorm_cdf(-z, -beta, -alpha)
    return (special.ndtr(z) - special.ndtr(alpha)) / (special.ndtr(beta) - special.ndtr(alpha))


def assert_ks(sample, cdf, context="", alpha=1e-9):
    """Kolmogorov-Smirnov: sup |F_n - F| <= t / sqrt(n) with P(sqrt(n) D > t) ~ 2 exp(-2 t^2)
    = alpha."""
    x = np.sort(np.asarray(sample, dtype=np.float64).ravel())
    n = x.size
    f = cdf(x)
    d = max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n))
    t = math.sqrt(math.log(2.0 / alpha) / 2.0)
    assert d <= t / math.sqrt(n), f"{context}: KS distance {d:.3g} > {t / math.sqrt(n):.3g}"


# --- activations for the gain references (float64, scipy; the obvious formulas) -------------

SQRT2 = math.sqrt(2.0)


def _sig(x):
    return special.expit(x)


ACTIVATIONS = {
    "elu": (lambda x, alpha=1.0: x if x > 0 else alpha * math.expm1(x), (0.0,)),
    "celu": (lambda x, alpha=1.0: x if x > 0 else alpha * math.expm1(x / alpha), (0.0,)),
    "gelu": (lambda x, approximate="none": {
        "none": lambda: x * special.ndtr(x),
        "tanh": lambda: 0.5 * x * (1 + math.tanh(math.sqrt(2 / math.pi)
                                                 * (x + 0.044715 * x ** 3))),
        "sigmoid": lambda: x * _sig(1.702 * x)}[approximate](), ()),
    "silu": (lambda x: x * _sig(x), ()),
    "swish": (lambda x, beta=1.0: x * _sig(beta * x), ()),
    "mish": (lambda x: x * math.tanh(math.log1p(math.exp(x)) if x < 30 else x), ()),
    "softplus": (lambda x, beta=1.0, threshold=20.0:
                 x if beta * x > threshold else math.log1p(math.exp(beta * x)) / beta, ()),
    "hardswish": (lambda x: 0.0 if x <= -3 else (x if x >= 3 else x * (x + 3) / 6), (-3, 3)),
    "relu6": (lambda x: min(max(x, 0.0), 6.0), (0.0, 6.0)),
    "hardtanh": (lambda x, min_val=-1.0, max_val=1.0: min(max(x, min_val), max_val), ()),
    "softsign": (lambda x: x / (1 + abs(x)), (0.0,)),
    "threshold": (lambda x, threshold, value: x if x > threshold else value, ()),
}


def second_moment(f, points=()):
    """E[f(z)^2], z ~ N(0, 1), by scipy's adaptive quadrature (pieces split at `points`)."""
    edges = [-np.inf, *sorted(points), np.inf]
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        total += integrate.quad(lambda z: f(z) ** 2 * math.exp(-z * z / 2) / math.sqrt(2 * math.pi),
                                lo, hi, epsabs=0, epsrel=1e-13, limit=400)[0]
    return total
