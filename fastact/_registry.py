"""The table of elementwise activations: one row per op, read by the functional API, the
registry API (``activations()``, ``get_activation``), the tests, the benchmarks and the docs.

A row names the op (its C kernels are looked up by that name), its parameters with PyTorch's
defaults, its formula, whether the derivative can be taken from the output, whether it is
piecewise linear (then exact) or smooth (then within ``ulp`` units in the last place), and
its grain: the minimum number of elements per thread (serial below twice that).
"""

from dataclasses import dataclass, field

from ._ext import _kernels

__all__ = ["ElementwiseOp", "ELEMENTWISE", "Required", "op_index"]

_C_OPS = {name: i for i, name in enumerate(_kernels.op_names())}


def op_index(name):
    """The C table index of an elementwise op."""
    return _C_OPS[name]


class Required(float):
    """The default of a parameter the caller must give (e.g. threshold's ``threshold``): the
    public functions take it without a default; its float value is the example the
    registry-driven tests and benchmarks use."""

    __slots__ = ()

    def __repr__(self):
        return f"Required({float(self)!r})"


@dataclass(frozen=True)
class ElementwiseOp:
    name: str
    formula: str
    derivative: str
    params: tuple = ()              # ((name, default), ...)
    from_output: bool = False       # backward may take output= instead of x
    piecewise_linear: bool = False  # exact; otherwise smooth within `ulp`
    ulp: int = 0
    grain: int = 32768
    check: object = None            # params -> None, raises ValueError on bad values
    output_check: object = None     # params -> None, raises ValueError if output= cannot be used
    kinks: object = None            # params dict -> x where f or f' jumps (tests avoid them)
    public: bool = True
    op: int = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "op", op_index(self.name))


# Cheap ops reach memory speed on one thread up to the L2 size; expensive ones thread earlier.
_CHEAP = 1 << 16
_EXPENSIVE = 1 << 13

_BASE = [
    ElementwiseOp("copy", "x", "1", from_output=True, piecewise_linear=True, grain=_CHEAP,
                  public=False),
    ElementwiseOp("relu", "max(x, 0)", "1 if x > 0 else 0", from_output=True,
                  piecewise_linear=True, grain=_CHEAP, kinks=lambda p: [0.0]),
    ElementwiseOp("sigmoid", "1 / (1 + exp(-x))", "sigmoid(x) * (1 - sigmoid(x))",
                  from_output=True, ulp=4, grain=_EXPENSIVE),
]

def _check_hardtanh(min_val, max_val):
    if not min_val <= max_val:
        raise ValueError(f"hardtanh needs min_val <= max_val, got min_val={min_val!r}, "
                         f"max_val={max_val!r}")


def _check_leaky_relu_output(negative_slope):
    # With a negative slope, y > 0 for x > 0 and for x < 0: y does not tell which side x was.
    if negative_slope < 0:
        raise ValueError(f"leaky_relu_backward cannot take output= with a negative "
                         f"negative_slope ({negative_slope!r}): pass x instead")


# Piecewise-linear ops (kernels in csrc/fa_act_piecewise.h), in FA_ACT_PIECEWISE order;
# hardsigmoid, hardswish and softsign live here too (simple rational, within `ulp`: bounds from
# counting roundings, 2-3 per result, of at most 2^-24 relative each in float32; measured maxima
# over 2e7 random bit patterns plus dense runs at the kinks: 1, 2, 1 ULP forward and 0, 1, 3 ULP
# derivative in float32, below 1.4 and 3.4 ULP from the exact value in float64).
_PIECEWISE = [
    ElementwiseOp("relu6", "min(max(x, 0), 6)", "1 if 0 < x < 6 else 0", from_output=True,
                  piecewise_linear=True, grain=_CHEAP, kinks=lambda p: [0.0, 6.0]),
    ElementwiseOp("leaky_relu", "x if x > 0 else negative_slope * x",
                  "1 if x > 0 else negative_slope", params=(("negative_slope", 0.01),),
                  from_output=True, piecewise_linear=True, grain=_CHEAP,
                  output_check=_check_leaky_relu_output, kinks=lambda p: [0.0]),
    ElementwiseOp("hardtanh", "min(max(x, min_val), max_val)",
                  "1 if min_val < x < max_val else 0",
                  params=(("min_val", -1.0), ("max_val", 1.0)), from_output=True,
                  piecewise_linear=True, grain=_CHEAP, check=_check_hardtanh,
                  kinks=lambda p: [p["min_val"], p["max_val"]]),
    ElementwiseOp("threshold", "x if x > threshold else value", "1 if x > threshold else 0",
                  params=(("threshold", Required(0.1)), ("value", Required(20.0))),
                  piecewise_linear=True, grain=_CHEAP, kinks=lambda p: [p["threshold"]]),
    ElementwiseOp("step", "1 if x > 0 else 0", "0", piecewise_linear=True, grain=_CHEAP,
                  kinks=lambda p: [0.0]),
    ElementwiseOp("hardsigmoid", "min(max((x + 3) / 6, 0), 1)", "1/6 if -3 < x < 3 else 0",
                  ulp=2, grain=_CHEAP, kinks=lambda p: [-3.0, 3.0]),
    ElementwiseOp("hardswish", "x * min(max(x + 3, 0), 6) / 6",
                  "0 if x <= -3, 1 if x >= 3, else x / 3 + 1/2", ulp=3, grain=_CHEAP,
                  kinks=lambda p: [-3.0, 3.0]),
    ElementwiseOp("softsign", "x / (1 + |x|)", "1 / (1 + |x|)^2", ulp=2, grain=_CHEAP),
]



# Smooth ops (kernels in csrc/fa_act_smooth.h), in FA_ACT_SMOOTH order.
_SMOOTH = [
]

ELEMENTWISE = {row.name: row for row in _BASE + _PIECEWISE + _SMOOTH}

for _row in ELEMENTWISE.values():
    _kernels.set_grain(_row.op, _row.grain)
_kernels.set_grain(-1, _CHEAP)
