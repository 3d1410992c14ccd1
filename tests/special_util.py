"""Helpers shared by the tests of the non-elementwise activations."""

import numpy as np

import fastact
from fastact._ext import _kernels


def at_every_level_and_thread_count(compute):
    """compute() at every CPU capability this machine supports, with 1 and 2 threads; the
    capability in use before is restored. Returns the list of results."""
    results = []
    before = fastact.cpu_capability()
    try:
        for level in fastact.cpu_capabilities():
            _kernels.isa_select(level)
            for n in (1, 2):
                with fastact.num_threads(n):
                    results.append(compute())
    finally:
        _kernels.isa_select(before)
    return results


def assert_bit_identical(results):
    """Every entry of `results` (each a list of arrays) equals the first, bit for bit."""
    for other in results[1:]:
        for a, b in zip(results[0], other):
            assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()
