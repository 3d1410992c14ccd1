"""Every offset in a cache line: the streaming passes call their kernels on the elements before
the output's first 64-byte boundary and then on the rest (elementwise launchers, BatchNorm run
passes), and the column reductions split long rows where x reaches a line (channels-last and 2-D
statistics and backward sums). Each result must not depend on where the data sits, so results
at every offset of input and output equal those of line-aligned arrays, bit for bit."""

import numpy as np
import pytest

import fastact


def at_offset(values, offset_bytes):
    """A copy of values whose first element sits offset_bytes past a 64-byte boundary."""
    n, size = values.size, values.itemsize
    buf = np.empty(values.size + 128 // size, values.dtype)
    start = ((-buf.ctypes.data) % 64 + offset_bytes) // size
    out = buf[start:start + n].reshape(values.shape)
    out[...] = values
    assert out.ctypes.data % 64 == offset_bytes
    return out


def offsets(dtype):
    size = np.dtype(dtype).itemsize
    return [(xo, yo) for xo in range(0, 64, size) for yo in (0, size, 16, 64 - size)]


def check_every_offset(fn, inputs, dtype):
    """fn(*inputs, out=) at every (input offset, output offset) pair equals the aligned result."""
    want = fn(*[at_offset(a, 0) for a in inputs], out=at_offset(np.zeros_like(inputs[0]), 0))
    for xo, yo in offsets(dtype):
        out = at_offset(np.zeros_like(inputs[0]), yo)
        got = fn(*[at_offset(a, xo) for a in inputs], out=out)
        assert got is out
        np.testing.assert_array_equal(got, want, err_msg=f"input offset {xo}, output {yo}")


@pytest.mark.parametrize("n", [1, 5, 15, 16, 17, 63, 100, 1000, 70001])
@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "gelu", "silu"])
def test_elementwise_at_every_offset(name, n, dtype, threads):
    x = np.random.default_rng(n).standard_normal(n).astype(dtype) * 4
    check_every_offset(getattr(fastact, name), [x], dtype)
    g = np.random.default_rng(n + 1).standard_normal(n).astype(dtype)
    check_every_offset(getattr(fastact, name + "_backward"), [g, x], dtype)


@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (4, 8, 41), (3, 2, 1000)])
def test_batch_norm_run_passes_at_every_offset(shape, dtype, threads):
    rng = np.random.default_rng(sum(shape))
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    C = shape[1]
    w, b = rng.random(C) + 0.5, rng.standard_normal(C)
    rm, rv = rng.standard_normal(C), rng.random(C) + 0.5
    _, mean, invstd = fastact.batch_norm(x, w, b, rm.copy(), rv.copy())

    def eval_forward(x, out):
        return fastact.batch_norm(x, w, b, rm, rv, training=False, out=out)[0]

    def train_forward(x, out):
        return fastact.batch_norm(x, w, b, None, None, out=out)[0]

    def backward(g, x, out):
        return fastact.batch_norm_backward(g, x, w, mean, invstd, out=out)[0]

    check_every_offset(eval_forward, [x], dtype)
    check_every_offset(train_forward, [x], dtype)
    check_every_offset(backward, [g, x], dtype)


@pytest.mark.parametrize("shape", [(301, 64), (5, 7, 9, 64), (260, 300), (130, 1030)])
def test_batch_norm_columns_at_every_offset(shape, dtype, threads):
    """Channels-last: rows shorter than a kilobyte are reduced whole, longer ones split at x's
    first cache line; statistics, backward sums and outputs all equal the aligned ones."""
    rng = np.random.default_rng(sum(shape))
    x = (rng.standard_normal(shape) * 3 + 100).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    C = shape[-1]
    w, b = rng.random(C) + 0.5, rng.standard_normal(C)

    def train(x, g, out):
        y, mean, invstd = fastact.batch_norm(x, w, b, None, None, axis=-1, out=out)
        dx, gw, gb = fastact.batch_norm_backward(g, x, w, mean, invstd, axis=-1)
        return y, mean, invstd, dx, gw, gb

    want = train(at_offset(x, 0), at_offset(g, 0), at_offset(np.zeros_like(x), 0))
    for xo, yo in offsets(dtype):
        got = train(at_offset(x, xo), at_offset(g, xo), at_offset(np.zeros_like(x), yo))
        for name, a, b_ in zip(("y", "mean", "invstd", "grad_input", "grad_weight", "grad_bias"),
                               got, want):
            np.testing.assert_array_equal(a, b_, err_msg=f"{name}: input offset {xo}, output {yo}")
