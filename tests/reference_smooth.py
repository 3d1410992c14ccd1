"""Float64 references for the smooth activations, written the obvious way with numpy/scipy
(the test oracle; nothing here calls fastact). Keys are registry names; functions take float64
x and the op's parameters as keywords."""

FORWARD = {}
DERIVATIVE = {}
DERIVATIVE_FROM_OUTPUT = {}
