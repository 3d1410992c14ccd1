"""The benchmark catalog: which ops are timed, at which shapes and with which implementations
(fastact, the numpy baseline, PyTorch when installed, the roof).

A :class:`Spec` is cheap (names and shapes only: the pytest suites parametrize over them);
``Spec.build(threads)`` allocates the data and returns a :class:`Case` (see ``builders``).
Ops come from the registry (``fastact.activations()``) plus every op the issues name, so an op
this build lacks still appears, marked missing, and its targets read 'n/a'.
"""

import math
from dataclasses import dataclass, field

import fastact

from . import baselines, peers

# Activations the issues name (issue 3), so absent ones are reported rather than forgotten.
ISSUE_ACTIVATIONS = (
    "relu", "relu6", "leaky_relu", "hardtanh", "threshold", "step", "prelu", "rrelu",
    "sigmoid", "tanh", "hardsigmoid", "softsign", "elu", "celu", "selu", "gelu", "silu",
    "swish", "mish", "softplus", "hardswish", "softmax", "log_softmax", "maxout")

# Benchmark names of one registered activation and the parameters each is timed with.
VARIANTS = {"gelu": (("gelu", {"approximate": "none"}), ("gelu_tanh", {"approximate": "tanh"}),
                     ("gelu_sigmoid", {"approximate": "sigmoid"}))}
PARAMS = {"threshold": {"threshold": 0.0, "value": 0.0}, "maxout": {"pieces": 2},
          "rrelu": {"training": False}}
ROW_OPS = {"softmax", "log_softmax", "maxout", "prelu"}  # timed on (n / ROW, ROW) matrices
ROW = 1000

# Normalization shapes per mode: the issue's shapes ('full'), a quick subset, and small ones
# for the CI's single untimed pass.
BN_SHAPES = {
    "small": (("2d", (256, 64)), ("nchw", (8, 16, 14, 14)), ("nhwc", (8, 14, 14, 16))),
    "quick": (("2d", (4096, 1024)),),
    "full": (("2d", (4096, 1024)), ("nchw", (64, 64, 56, 56)), ("nhwc", (64, 56, 56, 64))),
}
LN_SHAPES = {"small": (256, 64), "quick": (4096, 1024), "full": (4096, 1024)}
GN_SHAPES = {"small": ((8, 16, 14, 14), 4), "quick": ((16, 64, 28, 28), 32),
             "full": ((64, 64, 56, 56), 32)}
BN_DIRECTIONS = ("train forward", "train backward", "eval forward", "eval backward")
# Streams (one read or one write of x's size) a fused kernel cannot avoid; the roof is
# streams / 2 copies (a copy is two streams).
STREAMS = {"train forward": 3, "train backward": 5, "eval forward": 2, "eval backward": 3,
           "forward": 3, "backward": 5}
INITIALIZERS = ("uniform", "normal", "trunc_normal", "xavier_uniform", "xavier_normal",
                "kaiming_uniform", "kaiming_normal", "lecun_normal", "orthogonal")
CE_CLASSES = 100

OTHER_OPS = ("batch_norm", "layer_norm", "group_norm", "running_stats",
             "softmax_cross_entropy") + tuple("init." + n for n in INITIALIZERS)


@dataclass
class Case:
    """One timed group: callables by implementation name, the roof and what is missing."""
    op: str
    direction: str
    dtype: str
    shape: tuple
    layout: str = ""
    family: str = "activation"
    impls: dict = field(default_factory=dict)
    roof_factor: float = 1.0     # bound = roof_factor * time of impls['roof']
    roof_label: str = "copy"
    missing: str = None          # why fastact's version is absent
    notes: list = field(default_factory=list)

    @property
    def n(self):
        return math.prod(self.shape)


@dataclass(frozen=True)
class Spec:
    """A case before its data exist: enough to list, filter and parametrize."""
    family: str       # 'activation', 'batch_norm', 'layer_norm', 'group_norm', ...
    op: str
    direction: str
    dtype: str
    shape: tuple
    layout: str = ""

    @property
    def n(self):
        return math.prod(self.shape)

    @property
    def id(self):
        where = self.layout or f"n{self.n:.0e}".replace("+0", "")
        name = f"{self.op}-{self.direction.replace(' ', '_')}-{self.dtype}-{where}"
        for c in "=()":  # usable in pytest -k expressions
            name = name.replace(c, "")
        return name

    def impl_names(self):
        """The implementations this case will hold (fastact may still turn out missing)."""
        names = ["fastact"]
        if _has_baseline(self):
            names.append("numpy")
        if _has_peer(self):
            names.append("torch")
        return names + ["roof"]

    def build(self, threads):
        """The Case with its data allocated and PyTorch set to `threads` (call it inside
        ``fastact.num_threads(threads)``)."""
        from .builders import build

        return build(self, threads)


# ---------------------------------------------------------------- the catalog
def activation_names():
    """Benchmark names of the activations: registry order, then those the issues name that
    this build lacks; gelu's modes are separate names."""
    registered = list(fastact.activations())
    names = []
    for base in registered + [a for a in ISSUE_ACTIVATIONS if a not in registered]:
        names += [v for v, _ in VARIANTS.get(base, ((base, {}),))]
    return names


def all_ops():
    return activation_names() + list(OTHER_OPS)


def op_params(name):
    """(registered activation, parameters) a benchmark name is timed with."""
    for base, variants in VARIANTS.items():
        for v, params in variants:
            if v == name:
                return base, dict(params)
    return name, dict(PARAMS.get(name, {}))


def from_output(name):
    """Whether the activation's backward also takes ``output=`` (then it is timed both ways:
    "backward" from x and "backward (output)" from the forward's output)."""
    base, params = op_params(name)
    if base not in fastact.activations():
        return False
    try:
        return fastact.get_activation(base, **params).from_output
    except (TypeError, ValueError):
        return False


def activation_directions(name):
    """'forward', 'backward' and, for a backward that takes output=, 'backward (output)'."""
    return ("forward", "backward") + ((peers.BACKWARD_OUTPUT,) if from_output(name) else ())


def _matrix(n, cols):
    return (max(n // cols, 1), cols) if n >= cols else (n,)


def activation_shape(name, n):
    return _matrix(n, ROW) if op_params(name)[0] in ROW_OPS else (n,)


def catalog(ops=None, sizes=(10**3, 10**6), dtypes=("float32",), mode="quick",
            directions=None):
    """The Specs for these ops (default: every op), sizes (activations, softmax
    cross-entropy, RunningStats, initializers), dtypes and normalization mode."""
    ops = list(ops) if ops is not None else all_ops()
    out = []
    for op in ops:
        for dtype in dtypes:
            out += _specs_of(op, sizes, dtype, mode)
    if directions:
        out = [s for s in out if any(d in s.direction for d in directions)]
    return out


def _specs_of(op, sizes, dtype, mode):
    if op == "batch_norm":
        return [Spec("batch_norm", op, d, dtype, shape, layout)
                for layout, shape in BN_SHAPES[mode] for d in BN_DIRECTIONS]
    if op == "layer_norm":
        return [Spec("layer_norm", op, d, dtype, LN_SHAPES[mode], "2d")
                for d in ("forward", "backward")]
    if op == "group_norm":
        shape, groups = GN_SHAPES[mode]
        return [Spec("group_norm", op, d, dtype, shape, f"G={groups}")
                for d in ("forward", "backward")]
    if op == "running_stats":
        return [Spec("running_stats", op, "update", dtype, _matrix(n, 100)) for n in sizes]
    if op == "softmax_cross_entropy":
        return [Spec("softmax_cross_entropy", op, d, dtype, _matrix(n, CE_CLASSES))
                for n in sizes for d in ("forward", "forward+backward")]
    if op.startswith("init."):
        name = op[len("init."):]
        largest = 10**6 if mode == "full" else 10**5  # orthogonal: a QR, seconds at 1e6
        return [Spec("init", op, "create", dtype, _matrix(n, ROW)) for n in sizes
                if name != "orthogonal" or n <= largest]
    return [Spec("activation", op, d, dtype, activation_shape(op, n))
            for n in sizes for d in activation_directions(op)]


# ---------------------------------------------------------------- availability
def _has_baseline(spec):
    if spec.family == "activation":
        table = {"forward": baselines.FORWARD, peers.BACKWARD_OUTPUT: baselines.BACKWARD_OUTPUT}
        return spec.op in table.get(spec.direction, baselines.BACKWARD)
    if spec.family == "init":
        return spec.op[len("init."):] in baselines.INIT
    return True


def _has_peer(spec):
    if not peers.available():
        return False
    if spec.family == "activation":
        return peers.has_activation(spec.op, spec.direction)
    if spec.family == "init":
        return spec.op[len("init."):] in peers.INIT_NAMES
    return spec.family in ("batch_norm", "layer_norm", "group_norm", "softmax_cross_entropy")
