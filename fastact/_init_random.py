"""Random sources for the initializers: the ``rng=`` argument and an exact truncated-normal
sampler (numpy only, single-threaded, so a seed gives the same numbers on every machine)."""

import math

import numpy as np

__all__ = ["as_generator", "standard_truncated_normal"]

_SQRT_2PI = math.sqrt(2.0 * math.pi)


def as_generator(rng, name="rng"):
    """A numpy Generator from `rng`: a Generator (used as is), an int seed, or None (fresh
    entropy). TypeError for anything else, ValueError for a negative seed."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"{name} seed must be non-negative, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(f"{name} must be a numpy.random.Generator, an int seed or None, got "
                    f"{type(rng).__name__}")


def _rejection(rng, n, propose, accept_prob):
    """n draws: `propose(k)` gives k candidates, each kept with probability accept_prob(x)."""
    out = np.empty(n)
    filled = 0
    while filled < n:
        need = n - filled
        k = need + need // 2 + 16
        x = propose(k)
        keep = x[rng.random(k) < accept_prob(x)][:need]
        out[filled:filled + keep.size] = keep
        filled += keep.size
    return out


def _right_tail(rng, n, alpha, beta):
    """Z ~ N(0, 1) conditioned on alpha <= Z <= beta, for 0 < alpha < beta (Robert 1995):
    uniform proposals on a short interval, otherwise translated exponential proposals with
    the optimal rate lambda = (alpha + sqrt(alpha^2 + 4)) / 2."""
    root = math.sqrt(alpha * alpha + 4.0)
    lam = (alpha + root) / 2.0
    short = 2.0 / (alpha + root) * math.exp((alpha * alpha - alpha * root) / 4.0 + 0.5)
    if beta - alpha < short:
        return _rejection(rng, n, lambda k: alpha + (beta - alpha) * rng.random(k),
                          lambda x: np.exp(-0.5 * (x - alpha) * (x + alpha)))

    def accept(x):
        return np.where(x <= beta, np.exp(-0.5 * (x - lam) ** 2), 0.0)
    return _rejection(rng, n, lambda k: alpha + rng.standard_exponential(k) / lam, accept)


def standard_truncated_normal(rng, n, alpha, beta):
    """n float64 draws of Z ~ N(0, 1) conditioned on alpha <= Z <= beta (alpha < beta, either
    may be infinite). Exact (rejection sampling, no inverse-CDF rounding), with acceptance
    rates of about 1/2 or more for any interval, however far in a tail."""
    if alpha <= 0.0 <= beta:
        if beta - alpha > _SQRT_2PI:  # normal proposals: acceptance P(alpha <= Z <= beta) >~ 1/2
            return _rejection(rng, n, rng.standard_normal,
                              lambda x: ((x >= alpha) & (x <= beta)).astype(np.float64))
        return _rejection(rng, n, lambda k: alpha + (beta - alpha) * rng.random(k),
                          lambda x: np.exp(-0.5 * x * x))
    if alpha > 0.0:
        return _right_tail(rng, n, alpha, beta)
    return -_right_tail(rng, n, -beta, -alpha)
