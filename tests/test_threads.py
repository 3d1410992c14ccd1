"""Thread policy: defaults from the environment, set/get/context manager, threadpoolctl,
the serial threshold, and results independent of the thread count."""

import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest
import threadpoolctl

import fastact
from fastact._ext import _kernels
from fastact._registry import ELEMENTWISE

needs_openmp = pytest.mark.skipif(not _kernels.have_openmp(),
                                  reason="serial build (FASTACT_NO_OPENMP): one thread only")


def threads_in_subprocess(**env):
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("FASTACT_NUM_THREADS", "OMP_NUM_THREADS")}
    full_env.update(env)
    out = subprocess.run([sys.executable, "-c",
                          "import fastact, os; print(fastact.get_num_threads(), "
                          "len(os.sched_getaffinity(0)))"],
                         capture_output=True, text=True, env=full_env, check=True,
                         cwd=tempfile.gettempdir())
    return tuple(int(v) for v in out.stdout.split())


@needs_openmp
def test_default_threads_follow_environment():
    n, cpus = threads_in_subprocess()
    assert n == cpus
    assert threads_in_subprocess(OMP_NUM_THREADS="3")[0] == 3
    assert threads_in_subprocess(FASTACT_NUM_THREADS="5", OMP_NUM_THREADS="3")[0] == 5
    assert threads_in_subprocess(FASTACT_NUM_THREADS="1")[0] == 1


@needs_openmp
def test_bad_environment_value_is_ignored_with_warning():
    full_env = dict(os.environ, FASTACT_NUM_THREADS="lots")
    full_env.pop("OMP_NUM_THREADS", None)
    out = subprocess.run([sys.executable, "-W", "always", "-c",
                          "import fastact, os; print(fastact.get_num_threads() == "
                          "len(os.sched_getaffinity(0)))"],
                         capture_output=True, text=True, env=full_env, check=True,
                         cwd=tempfile.gettempdir())
    assert out.stdout.strip() == "True"
    assert "FASTACT_NUM_THREADS" in out.stderr


@needs_openmp
def test_set_get_and_context_manager():
    before = fastact.get_num_threads()
    try:
        fastact.set_num_threads(1)
        assert fastact.get_num_threads() == 1
        with fastact.num_threads(3):
            assert fastact.get_num_threads() == 3
            with fastact.num_threads(2):
                assert fastact.get_num_threads() == 2
            assert fastact.get_num_threads() == 3
        assert fastact.get_num_threads() == 1
    finally:
        fastact.set_num_threads(before)
    assert fastact.get_num_threads() == before


def test_context_manager_restores_after_exception():
    before = fastact.get_num_threads()
    with pytest.raises(KeyError):
        with fastact.num_threads(1):
            raise KeyError
    assert fastact.get_num_threads() == before


@pytest.mark.parametrize("bad, exc", [(0, ValueError), (-2, ValueError), (1.5, TypeError),
                                      ("2", TypeError), (True, TypeError), (None, TypeError)])
def test_set_num_threads_rejects(bad, exc):
    before = fastact.get_num_threads()
    with pytest.raises(exc, match="threads"):
        fastact.set_num_threads(bad)
    assert fastact.get_num_threads() == before


@needs_openmp
def test_threadpoolctl_limits_fastact():
    with fastact.num_threads(2):
        with threadpoolctl.threadpool_limits(limits=1):
            assert fastact.get_num_threads() == 1
            x = np.linspace(-5, 5, 1_000_000)
            assert _kernels.threads_for(x.size, ELEMENTWISE["relu"].op) == 1
        assert fastact.get_num_threads() == 2


@needs_openmp
def test_small_calls_run_serially_large_ones_threaded():
    with fastact.num_threads(2):
        for row in ELEMENTWISE.values():
            assert _kernels.threads_for(1000, row.op) == 1
            assert _kernels.threads_for(2 * row.grain - 1, row.op) == 1
            assert _kernels.threads_for(10**7, row.op) == 2
        assert _kernels.threads_for(1000) == 1


@pytest.mark.parametrize("name", ["relu", "sigmoid"])
def test_results_bit_identical_for_any_thread_count(name, dtype):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(1_000_003) * 10).astype(dtype)
    g = rng.standard_normal(x.size).astype(dtype)
    fwd = getattr(fastact, name)
    bwd = getattr(fastact, name + "_backward")
    results = []
    for n in (1, 2, 3):
        with fastact.num_threads(n):
            results.append((fwd(x), bwd(g, x), getattr(fastact, name + "_derivative")(x)))
    for other in results[1:]:
        for a, b in zip(results[0], other):
            assert a.tobytes() == b.tobytes()
