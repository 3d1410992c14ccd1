"""Compute floor of the exp-based activations on this machine, measured in one process.

Times fastact's copy roof (the bench's), textbook float32 kernels with no accuracy handling
(floor.c: e^-|x| and sigmoid from one polynomial, built with and without FMA contraction) and
fastact's own sigmoid/tanh/silu, interleaved, at the issue's sizes and thread counts, and prints
each as a ratio to the copy. If even the bare sigmoid is above 1.5x the copy, no exact exp-based
kernel can reach that roof here. Usage (needs gcc and an installed fastact):
    python tools/compute_floor/floor.py [--sizes 1e6,1e7] [--threads 1,2]
"""

import argparse
import ctypes
import functools
import os
import subprocess
import tempfile

import numpy as np

import fastact
from fastact.benchmarks.builders import _copy_roof
from fastact.benchmarks.timing import measure_group

HERE = os.path.dirname(os.path.abspath(__file__))
FLAGS = ["-O3", "-fno-math-errno", "-fno-trapping-math", "-fopenmp", "-fPIC", "-shared",
         "-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw", "-mfma",
         "-mprefer-vector-width=512"]


def build(contract, workdir):
    lib = os.path.join(workdir, f"floor_{contract}.so")
    subprocess.run(["gcc", *FLAGS, f"-ffp-contract={contract}", os.path.join(HERE, "floor.c"),
                    "-o", lib, "-lm"], check=True)
    return ctypes.CDLL(lib)


def bind(lib, name, x, y, threads):
    fn = getattr(lib, name)
    fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long, ctypes.c_int]
    px, py = x.ctypes.data, y.ctypes.data
    return lambda: fn(px, py, x.size, threads)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e6,1e7")
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        libs = {"no FMA": build("off", workdir), "FMA": build("fast", workdir)}
        for size in (int(float(s)) for s in args.sizes.split(",")):
            x = np.random.default_rng(0).uniform(-10, 10, size).astype(np.float32)
            y = np.empty_like(x)
            for threads in (int(t) for t in args.threads.split(",")):
                fastact.set_num_threads(threads)
                fns = {"copy (roof)": _copy_roof(x)}
                for tag, lib in libs.items():
                    fns[f"bare e^-|x| ({tag})"] = bind(lib, "floor_expneg", x, y, threads)
                    fns[f"bare sigmoid ({tag})"] = bind(lib, "floor_sigmoid", x, y, threads)
                for op in ("sigmoid", "tanh", "silu"):
                    fns[f"fastact.{op}"] = functools.partial(getattr(fastact, op), x, out=y)
                t = measure_group(fns, repeats=15)
                roof = t["copy (roof)"].median
                print(f"n = {size:.0e}, {threads} thread(s)")
                for name, tm in t.items():
                    print(f"  {name:26s} {tm.median * 1e6:9.1f} us  {tm.median / roof:5.2f}x copy")


if __name__ == "__main__":
    main()
