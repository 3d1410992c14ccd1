"""BatchNorm (train/eval, forward/backward; 2-D, NCHW and NHWC), LayerNorm, GroupNorm and
RunningStats.update, float32 and float64: fastact, the numpy baseline, PyTorch when installed,
and the roof (a parallel copy of the same array; N streams = N/2 copies)."""

from fastact.benchmarks import cases


def specs(sizes, mode, dtypes):
    return cases.catalog(("batch_norm", "layer_norm", "group_norm", "running_stats"), sizes,
                         dtypes, mode)


def test_normalization(spec, impl, run_case):
    run_case(spec, impl)
