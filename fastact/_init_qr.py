"""A QR factorization whose result is the same on every machine: Householder reflections in
numpy ufuncs only (elementwise products and sums in a fixed order; no BLAS/LAPACK, whose
blocking, threading and SIMD kernels change the rounding), for ``init.orthogonal``."""

import numpy as np

__all__ = ["orthonormal_columns"]


def _reflect(sub, v, tmp):
    """sub -= 2 v (v^T sub), in place; v a unit vector, tmp scratch of sub's shape or larger."""
    t = np.multiply(v[:, None], sub, out=tmp[:sub.shape[0], :sub.shape[1]])
    w = np.add.reduce(t, axis=0)  # each column summed row by row, in order
    w *= 2.0
    sub -= np.multiply(v[:, None], w[None, :], out=t)


def orthonormal_columns(x):
    """Q of the QR factorization x = Q R with diag(R) >= 0 (the unique Q for a full-rank x).

    x: (m, n) float array with m >= n. Returns a new (m, n) float64 array with orthonormal
    columns. O(m n^2) in numpy ufuncs (about 1.5 s for 1024 x 1024 on one core).
    """
    a = np.array(x, dtype=np.float64, order="C")
    m, n = a.shape
    if m < n:
        raise ValueError(f"orthonormal_columns needs rows >= columns, got shape {a.shape}")
    tmp = np.empty((m, n))
    reflectors = []
    signs = np.empty(n)
    for k in range(n):
        v = a[k:, k].copy()
        norm = np.sqrt(np.add.reduce(v * v))
        s = 1.0 if v[0] >= 0 else -1.0
        v[0] += s * norm            # reflect x onto -s |x| e_1: no cancellation
        signs[k] = -s               # the sign of R[k, k]
        vnorm = np.sqrt(np.add.reduce(v * v))
        if vnorm == 0.0:            # a zero column: no reflection, R[k, k] = 0
            reflectors.append(None)
            signs[k] = 1.0
            continue
        v /= vnorm
        reflectors.append(v)
        _reflect(a[k:, k + 1:], v, tmp)
    q = np.zeros((m, n))
    q[np.arange(n), np.arange(n)] = 1.0
    for k in range(n - 1, -1, -1):  # Q = H_0 H_1 ... H_{n-1} applied to the first n columns of I
        if reflectors[k] is not None:
            _reflect(q[k:, k:], reflectors[k], tmp)
    q *= signs                      # Q diag(sign(R)): R's diagonal becomes non-negative
    return q
