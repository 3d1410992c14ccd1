"""Benchmark cases: for one op, direction, dtype and size, the callables to time side by side:
fastact, the numpy baseline, PyTorch (when installed) and the roof — a parallel copy of the
same array (forward: one read, one write) or c = a + b (backward: two reads, one write) run
through fastact's own launcher with the same thread count."""

from dataclasses import dataclass, field

import numpy as np

import fastact
from fastact._ext import _kernels
from fastact._registry import ELEMENTWISE

from . import baselines, peers

DIRECTIONS = ("forward", "backward")


@dataclass
class Case:
    op: str
    direction: str
    dtype: str
    n: int
    impls: dict = field(default_factory=dict)  # name -> zero-argument callable
    roof: str = "copy"

    @property
    def key(self):
        return f"{self.op}/{self.direction}/{self.dtype}/{self.n}"


def _inputs(n, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n).astype(dtype)
    g = rng.standard_normal(n).astype(dtype)
    return x, g


def elementwise_ops():
    """Names of the public elementwise ops, in registry order."""
    return [row.name for row in ELEMENTWISE.values() if row.public]


def elementwise_case(name, direction, dtype, n, threads):
    x, g = _inputs(n, dtype)
    out = np.empty_like(x)
    case = Case(name, direction, np.dtype(dtype).name, n)
    if direction == "forward":
        f = getattr(fastact, name)
        case.impls["fastact"] = lambda: f(x, out=out)
        base = baselines.FORWARD.get(name)
        if base is not None:
            case.impls["numpy"] = lambda: base(x, out)
        torch_fn = peers.torch_callable(name, "forward", (x,), threads)
        copy = ELEMENTWISE["copy"].op
        case.impls["roof"] = lambda: _kernels.unary(_kernels.FORWARD, copy, x, out)
    else:
        b = getattr(fastact, name + "_backward")
        case.impls["fastact"] = lambda: b(g, x, out=out)
        base = baselines.BACKWARD.get(name)
        if base is not None:
            case.impls["numpy"] = lambda: base(g, x, out)
        torch_fn = peers.torch_callable(name, "backward", (g, x), threads)
        case.impls["roof"] = lambda: _kernels.binary(_kernels.ADD, -1, g, x, out)
        case.roof = "add"
    if torch_fn is not None:
        case.impls["torch"] = torch_fn
    return case
