"""Interleaved timing: implementations of one case are measured round-robin, so drift on a
shared machine hits all of them alike; each sample is the mean of enough back-to-back calls to
last `min_time`, and the summary is the median over samples with its spread."""

import gc
import time
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Timing:
    median: float   # seconds per call
    p25: float
    p75: float
    best: float
    samples: int
    calls_per_sample: int

    @property
    def spread(self):
        """Interquartile range relative to the median."""
        return (self.p75 - self.p25) / self.median if self.median > 0 else 0.0


def _calls_for(fn, min_time):
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= min_time or number >= 1 << 20:
            return number
        number = max(number * 2, int(number * min_time / max(elapsed, 1e-9)))


def measure_group(fns, repeats=7, min_time=0.01, warmup=2):
    """{name: Timing} for {name: zero-argument callable}, measured round-robin."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    numbers = {name: _calls_for(fn, min_time) for name, fn in fns.items()}
    samples = {name: [] for name in fns}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for name, fn in fns.items():
                number = numbers[name]
                t0 = time.perf_counter()
                for _ in range(number):
                    fn()
                samples[name].append((time.perf_counter() - t0) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    out = {}
    for name, s in samples.items():
        a = np.array(s)
        out[name] = Timing(float(np.median(a)), float(np.percentile(a, 25)),
                           float(np.percentile(a, 75)), float(a.min()), len(a), numbers[name])
    return out
