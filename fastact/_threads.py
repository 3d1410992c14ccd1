"""How many threads fastact's kernels use.

The default comes from ``FASTACT_NUM_THREADS``, then ``OMP_NUM_THREADS``, then the number of
CPUs this process may run on. ``set_num_threads`` changes it, ``num_threads`` changes it for a
``with`` block, and an OpenMP limit set later (``threadpoolctl.threadpool_limits``) lowers it.
Small calls never use threads: each op has a grain (elements per thread) below which it runs
serially, so the thread count changes only speed, never results.
"""

import contextlib
import os
import warnings

from ._ext import _kernels

__all__ = ["get_num_threads", "set_num_threads", "num_threads"]


def _cpus_available():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _from_env(name):
    """The positive int in environment variable `name` (first entry of a list), or None."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        n = int(raw.split(",")[0])
    except ValueError:
        n = 0
    if n < 1:
        warnings.warn(f"ignoring {name}={raw!r}: expected a positive integer", stacklevel=3)
        return None
    return n


def _default_num_threads():
    for name in ("FASTACT_NUM_THREADS", "OMP_NUM_THREADS"):
        n = _from_env(name)
        if n is not None:
            return n
    return _cpus_available()


_configured = _default_num_threads()
_kernels.set_threads(_configured, _kernels.omp_max_threads())


def _check_count(n):
    if isinstance(n, bool) or not isinstance(n, int) and not hasattr(n, "__index__"):
        raise TypeError(f"number of threads must be an int, got {type(n).__name__}")
    n = int(n.__index__())
    if n < 1:
        raise ValueError(f"number of threads must be >= 1, got {n}")
    return n


def get_num_threads():
    """Number of threads a large kernel call uses now (1 in a build without OpenMP)."""
    return _kernels.effective_threads()


def set_num_threads(n):
    """Use up to `n` threads (n >= 1) in every later kernel call; returns nothing."""
    global _configured
    _configured = _check_count(n)
    _kernels.set_threads(_configured, _omp_initial)


@contextlib.contextmanager
def num_threads(n):
    """Context manager: use up to `n` threads inside the ``with`` block, then restore."""
    previous = _configured
    set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(previous)


_omp_initial = _kernels.omp_max_threads()
