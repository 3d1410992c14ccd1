"""The table of elementwise activations: one row per op, read by the functional API, the
registry API (``activations()``, ``get_activation``), the tests, the benchmarks and the docs.

A row names the op (its C kernels are looked up by that name), its parameters with PyTorch's
defaults, its formula, whether the derivative can be taken from the output, whether it is
piecewise linear (then exact) or smooth (then within ``ulp`` units in the last place), and
its grain: the minimum number of elements per thread (serial below twice that).
"""

from dataclasses import dataclass, field

from ._ext import _kernels

__all__ = ["ElementwiseOp", "ELEMENTWISE", "op_index"]

_C_OPS = {name: i for i, name in enumerate(_kernels.op_names())}


def op_index(name):
    """The C table index of an elementwise op."""
    return _C_OPS[name]


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

# Piecewise-linear ops (kernels in csrc/fa_act_piecewise.h), in FA_ACT_PIECEWISE order.
_PIECEWISE = [
]



# Smooth ops (kernels in csrc/fa_act_smooth.h), in FA_ACT_SMOOTH order.
_SMOOTH = [
]

ELEMENTWISE = {row.name: row for row in _BASE + _PIECEWISE + _SMOOTH}

for _row in ELEMENTWISE.values():
    _kernels.set_grain(_row.op, _row.grain)
_kernels.set_grain(-1, _CHEAP)
