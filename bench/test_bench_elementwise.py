"""Every registered activation (and each gelu mode), forward and backward, float32 and float64:
fastact, the numpy baseline, PyTorch when installed, and the roof (a parallel copy of the same
array for a forward, c = a + b for a backward, same thread count). Ops the issues name that
this build lacks are skipped with "fastact.NAME not in this build"."""

from fastact.benchmarks import cases


def specs(sizes, mode, dtypes):
    return cases.catalog(cases.activation_names(), sizes, dtypes, mode)


def test_activation(spec, impl, run_case):
    run_case(spec, impl)
