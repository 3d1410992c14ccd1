"""Softmax cross-entropy (forward, forward + backward) and the initializers, float32 and
float64: fastact, the numpy baseline, PyTorch when installed, and the roof. Skipped with
"fastact.... not in this build" where this build lacks them."""

from fastact.benchmarks import cases


def specs(sizes, mode, dtypes):
    ops = ["softmax_cross_entropy"] + [o for o in cases.OTHER_OPS if o.startswith("init.")]
    return cases.catalog(ops, sizes, dtypes, mode)


def test_layers(spec, impl, run_case):
    run_case(spec, impl)
