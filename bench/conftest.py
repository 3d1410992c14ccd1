"""Shared machinery of the benchmark suites.

Every suite module defines ``specs(sizes, mode, dtypes)`` (from ``fastact.benchmarks.cases``,
the catalog the ``python -m fastact bench`` report also uses) and a test taking ``spec``,
``impl`` and ``run_case``; each (case, implementation) pair becomes one benchmark, grouped by
case.

Small sizes by default, so the CI's single ``pytest bench --benchmark-disable`` pass is fast;
``--bench-full`` (or FASTACT_BENCH_FULL=1) selects the issue's sizes (1e3..1e7 elements,
BatchNorm at (4096, 1024), NCHW (64, 64, 56, 56) and NHWC (64, 56, 56, 64)).

    pytest bench --bench-full --benchmark-group-by=group --benchmark-columns=median,iqr,rounds
"""

import os

import pytest

import fastact

SMALL_SIZES = (10**3, 10**5)
FULL_SIZES = (10**3, 10**5, 10**6, 10**7)
DTYPES = ("float32", "float64")


def pytest_addoption(parser):
    parser.addoption("--bench-full", action="store_true", default=False,
                     help="benchmark the full sizes (1e3..1e7, the issue's BatchNorm shapes)")


def _full(config):
    return config.getoption("--bench-full") or os.environ.get("FASTACT_BENCH_FULL") == "1"


def pytest_generate_tests(metafunc):
    if "spec" not in metafunc.fixturenames:
        return
    full = _full(metafunc.config)
    specs = metafunc.module.specs(sizes=FULL_SIZES if full else SMALL_SIZES,
                                  mode="full" if full else "small", dtypes=DTYPES)
    pairs = [(s, impl) for s in specs for impl in s.impl_names()]
    metafunc.parametrize(("spec", "impl"), pairs,
                         ids=[f"{s.id}-{impl}" for s, impl in pairs])


_built = {}


def _case(spec, threads):
    """The built case of the current spec (kept until the next spec: its implementations are
    adjacent in the parametrization, so each case's data are allocated once)."""
    key = (spec, threads)
    if key not in _built:
        _built.clear()
        _built[key] = spec.build(threads)
    return _built[key]


@pytest.fixture
def run_case(benchmark):
    """run_case(spec, impl): time one implementation of a case, recording the machine."""
    def run(spec, impl):
        threads = fastact.get_num_threads()
        case = _case(spec, threads)
        if case.missing:
            pytest.fail(case.missing)  # e.g. "fastact.gelu not in this build"
        if impl not in case.impls:
            pytest.fail(f"{impl} failed to run: {'; '.join(case.notes)}")
        size = case.layout or case.n
        benchmark.group = f"{case.op} {case.direction} {case.dtype} {size}"
        benchmark.extra_info.update(
            impl=impl, threads=threads, cpu_capability=fastact.cpu_capability(),
            dtype=case.dtype, size=case.n, shape=list(case.shape), layout=case.layout,
            roof=case.roof_label, roof_factor=case.roof_factor)
        benchmark(case.impls[impl])
    return run
