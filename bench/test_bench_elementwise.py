"""Elementwise activations: fastact against numpy and against the memory roof (a parallel copy
of the same array for a forward, c = a + b for a backward) with the same thread count.

Run: pytest bench --benchmark-group-by=group --benchmark-columns=median,iqr,rounds
"""

import baselines
import numpy as np
import pytest

import fastact
from fastact._ext import _kernels
from fastact._registry import ELEMENTWISE

SIZES = [10**3, 10**5, 10**6, 10**7]
DTYPES = [np.float32, np.float64]
OPS = ["relu", "sigmoid"]
COPY = ELEMENTWISE["copy"].op


def data(n, dtype):
    rng = np.random.default_rng(0)
    return rng.standard_normal(n).astype(dtype), rng.standard_normal(n).astype(dtype)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("impl", ["fastact", "numpy", "roof"])
@pytest.mark.parametrize("op", OPS)
def test_forward(benchmark, op, impl, dtype, n):
    x, _ = data(n, dtype)
    out = np.empty_like(x)
    benchmark.group = f"{op} forward {np.dtype(dtype)} n={n}"
    benchmark.extra_info.update(dtype=str(np.dtype(dtype)), n=n)
    if impl == "fastact":
        benchmark(getattr(fastact, op), x, out=out)
    elif impl == "numpy":
        benchmark(baselines.FORWARD[op], x, out)
    else:
        benchmark(_kernels.unary, _kernels.FORWARD, COPY, x, out)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("impl", ["fastact", "numpy", "roof"])
@pytest.mark.parametrize("op", OPS)
def test_backward(benchmark, op, impl, dtype, n):
    x, g = data(n, dtype)
    out = np.empty_like(x)
    benchmark.group = f"{op} backward {np.dtype(dtype)} n={n}"
    benchmark.extra_info.update(dtype=str(np.dtype(dtype)), n=n)
    if impl == "fastact":
        benchmark(getattr(fastact, op + "_backward"), g, x, out=out)
    elif impl == "numpy":
        benchmark(baselines.BACKWARD[op], g, x, out)
    else:
        benchmark(_kernels.binary, _kernels.ADD, -1, x, g, out)
