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
def _alpha_nonzero(alpha):
    if alpha == 0:
        raise ValueError("alpha must not be 0 (celu divides by it)")


def _alpha_positive_for_output(alpha):
    if not alpha > 0:
        raise ValueError(f"output= needs alpha > 0 (the output does not determine the branch "
                         f"otherwise); got alpha={alpha!r}: pass x instead")


def _beta_nonzero(beta, threshold=None):
    if beta == 0:
        raise ValueError("beta must not be 0 (softplus divides by it)")


_SELU = "scale = 1.0507009873554804934193349852946, alpha = 1.6732632423543772848170429916717"

_SMOOTH = [
    ElementwiseOp("tanh", "tanh(x)", "1 - tanh(x)^2", from_output=True, ulp=4,
                  grain=_EXPENSIVE),
    ElementwiseOp("elu", "x if x > 0 else alpha * (exp(x) - 1)",
                  "1 if x > 0 else alpha * exp(x)", params=(("alpha", 1.0),), from_output=True,
                  ulp=4, grain=_EXPENSIVE, output_check=_alpha_positive_for_output,
                  kinks=lambda p: [0.0]),
    ElementwiseOp("celu", "x if x > 0 else alpha * (exp(x / alpha) - 1)",
                  "1 if x > 0 else exp(x / alpha)", params=(("alpha", 1.0),), ulp=4,
                  grain=_EXPENSIVE, check=_alpha_nonzero, kinks=lambda p: [0.0]),
    ElementwiseOp("selu", f"scale * (x if x > 0 else alpha * (exp(x) - 1)), {_SELU}",
                  "scale if x > 0 else scale * alpha * exp(x)", from_output=True, ulp=4,
                  grain=_EXPENSIVE, kinks=lambda p: [0.0]),
    ElementwiseOp("silu", "x * sigmoid(x)", "sigmoid(x) * (1 + x * (1 - sigmoid(x)))", ulp=4,
                  grain=_EXPENSIVE),
    ElementwiseOp("softplus", "log(1 + exp(beta * x)) / beta, or x where beta * x > threshold",
                  "sigmoid(beta * x), or 1 where beta * x > threshold",
                  params=(("beta", 1.0), ("threshold", 20.0)), ulp=4, grain=_EXPENSIVE,
                  check=_beta_nonzero, kinks=lambda p: [p["threshold"] / p["beta"]]),
    # the three modes of fastact.gelu (fastact/gelu.py)
    ElementwiseOp("gelu", "x * Phi(x) = x * erfc(-x / sqrt(2)) / 2", "Phi(x) + x * phi(x)",
                  ulp=4, grain=_EXPENSIVE, public=False),
    ElementwiseOp("gelu_tanh", "x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))) / 2",
                  "derivative of the tanh form", ulp=4, grain=_EXPENSIVE, public=False),
    ElementwiseOp("gelu_sigmoid", "x * sigmoid(1.702 * x)",
                  "sigmoid(1.702 x) * (1 + 1.702 x * (1 - sigmoid(1.702 x)))", ulp=4,
                  grain=_EXPENSIVE, public=False),
    ElementwiseOp("mish", "x * tanh(softplus(x))",
                  "tanh(softplus(x)) + x * sigmoid(x) * (1 - tanh(softplus(x))^2)", ulp=4,
                  grain=_EXPENSIVE),
    # fastact.swish (fastact/swish.py), whose backward also returns the gradient of beta
    ElementwiseOp("swish", "x * sigmoid(beta * x)",
                  "sigmoid(beta x) * (1 + beta x * (1 - sigmoid(beta x)))",
                  params=(("beta", 1.0),), ulp=4, grain=_EXPENSIVE, public=False),
]

ELEMENTWISE = {row.name: row for row in _BASE + _PIECEWISE + _SMOOTH}

for _row in ELEMENTWISE.values():
    _kernels.set_grain(_row.op, _row.grain)
_kernels.set_grain(-1, _CHEAP)
