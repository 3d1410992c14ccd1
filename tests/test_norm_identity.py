"""Every normalization result is bit-identical at 1 and 2 threads and at every CPU capability,
on inputs large enough to run threaded in each work plan (channel-local, split channels, column
mode with one and several column blocks, LayerNorm row ranges and split rows)."""

import numpy as np
import pytest

import fastact
from fastact._ext import _kernels

BN_CASES = [("NCHW many channels", (8, 32, 24, 24), 1), ("NCHW few channels", (16, 2, 64, 64), 1),
            ("NHWC", (8, 24, 24, 32), -1), ("2-D", (4096, 64), 1), ("2-D wide", (128, 3000), 1),
            ("3-D short inner", (2048, 8, 9), 1), ("one channel", (300000, 1), 1)]
LN_CASES = [("many rows", (512, 300)), ("few long rows", (3, 60000)), ("two-leaf rows", (40, 5000))]


def data(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 3 + 50).astype(dtype)


def everywhere(compute):
    """compute() at every (CPU capability, thread count); all results as bytes."""
    before = fastact.cpu_capability()
    runs = {}
    try:
        for level in fastact.cpu_capabilities():
            _kernels.isa_select(level)
            for nt in (1, 2):
                with fastact.num_threads(nt):
                    runs[(level, nt)] = [np.ascontiguousarray(r).tobytes() for r in compute()]
    finally:
        _kernels.isa_select(before)
    return runs


def assert_all_identical(runs):
    first_key = next(iter(runs))
    for key, r in runs.items():
        for i, (a, b) in enumerate(zip(runs[first_key], r)):
            assert a == b, f"result {i} differs between {first_key} and {key}"


@pytest.mark.parametrize("activation", [None, "relu"])
@pytest.mark.parametrize("label,shape,axis", BN_CASES, ids=[c[0] for c in BN_CASES])
def test_batch_norm_identical_everywhere(label, shape, axis, activation, dtype):
    x = data(shape, dtype, 0)
    g = data(shape, dtype, 1) - 50
    C = shape[axis]
    rng = np.random.default_rng(2)
    w, b = rng.standard_normal(C), rng.standard_normal(C)
    rm, rv = np.full(C, 50.0), np.full(C, 9.0)

    def compute():
        rm_, rv_ = rm.copy(), rv.copy()
        y, m, inv = fastact.batch_norm(x, w, b, rm_, rv_, axis=axis, activation=activation)
        dx, gw, gb = fastact.batch_norm_backward(g, x, w, m, inv, axis=axis,
                                                 activation=activation, bias=b)
        ye, me, ie = fastact.batch_norm(x, w, b, rm, rv, training=False, axis=axis,
                                        activation=activation)
        dxe = fastact.batch_norm_backward(g, x, w, me, ie, axis=axis, training=False,
                                          activation=activation, bias=b)
        return [y, m, inv, rm_, rv_, dx, gw, gb, ye, *dxe]

    assert_all_identical(everywhere(compute))


@pytest.mark.parametrize("label,shape", LN_CASES, ids=[c[0] for c in LN_CASES])
def test_layer_norm_identical_everywhere(label, shape, dtype):
    x = data(shape, dtype, 0)
    g = data(shape, dtype, 1) - 50
    rng = np.random.default_rng(2)
    w, b = rng.standard_normal(shape[-1]).astype(dtype), rng.standard_normal(shape[-1])

    def compute():
        y, m, inv = fastact.layer_norm(x, 1, w, b)
        return [y, m, inv, *fastact.layer_norm_backward(g, x, w, m, inv)]

    assert_all_identical(everywhere(compute))


def test_group_norm_and_running_stats_identical_everywhere(dtype):
    x = data((16, 8, 40, 40), dtype, 0)
    g = data(x.shape, dtype, 1) - 50

    def compute():
        y, m, inv = fastact.group_norm(x, 4)
        rs = fastact.RunningStats(8, axis=(0, 2, 3)).update(x[:9]).update(x[9:])
        rs2 = fastact.RunningStats(1600, axis=(0, 1)).update(x)
        return [y, m, inv, *fastact.group_norm_backward(g, x, None, m, inv), rs.mean, rs.var(),
                rs2.mean, rs2.var(), rs.standardize(x)]

    assert_all_identical(everywhere(compute))
