"""PyTorch CPU as a peer, when it is installed (never a dependency).

Callables work on tensors sharing memory with the numpy inputs and write into preallocated
outputs where ATen has an ``out``/``grad_input`` overload (as fastact is timed with ``out=``).
Backwards are compared like with like: the "backward" direction (fastact from x) gets ATen's
backward from x where ATen has one, and the "backward (output)" direction (fastact from
``output=``) gets ATen's backward from the saved output (``sigmoid_backward(g, y)``,
``tanh_backward(g, y)``, ``elu_backward(..., is_result=True, y)``, softmax's, ...). Every
builder returns None when PyTorch or the op is unavailable.
"""

import functools
import math

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_RRELU_EVAL_SLOPE = (1 / 8 + 1 / 3) / 2


@functools.lru_cache(maxsize=1)
def torch_module():
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_version():
    torch = torch_module()
    return None if torch is None else torch.__version__


def available():
    return torch_module() is not None


def _torch(threads):
    """The torch module set to `threads` threads, or None."""
    torch = torch_module()
    if torch is not None:
        torch.set_num_threads(threads)
    return torch


# name -> (aten op, extra positional arguments[, keyword arguments]) for the forward
_FORWARD = {
    "relu": ("relu", ()), "sigmoid": ("sigmoid", ()), "tanh": ("tanh", ()),
    "gelu": ("gelu", ()), "gelu_tanh": ("gelu", (), {"approximate": "tanh"}),
    "elu": ("elu", (1.0, 1.0, 1.0)), "selu": ("selu", ()), "celu": ("celu", (1.0,)),
    "silu": ("silu", ()), "mish": ("mish", ()), "softplus": ("softplus", (1.0, 20.0)),
    "hardswish": ("hardswish", ()), "hardsigmoid": ("hardsigmoid", ()),
    "hardtanh": ("hardtanh", (-1.0, 1.0)), "relu6": ("hardtanh", (0.0, 6.0)),
    "leaky_relu": ("leaky_relu", (0.01,)), "threshold": ("threshold", (0.0, 0.0)),
    "rrelu": ("leaky_relu", (_RRELU_EVAL_SLOPE,)),
    "swish": ("silu", ()),  # swish with beta = 1 is silu
}

# Forwards PyTorch has no kernel for, written as a PyTorch user would (allocating).
_COMPOSITE_FORWARD = {
    "softsign": lambda torch, t: torch.nn.functional.softsign(t),
    "gelu_sigmoid": lambda torch, t: t * torch.sigmoid(1.702 * t),
}

# name -> (aten op, extra arguments after (g, x)[, keywords]): ATen's backward from x
_BACKWARD = {
    "relu": ("threshold_backward", (0.0,)),
    "gelu": ("gelu_backward", ()),
    "gelu_tanh": ("gelu_backward", (), {"approximate": "tanh"}),
    "elu": ("elu_backward", (1.0, 1.0, 1.0, False)),
    "selu": ("elu_backward", (_SELU_ALPHA, _SELU_SCALE, 1.0, False)),
    "celu": ("elu_backward", (1.0, 1.0, 1.0, False)),
    "silu": ("silu_backward", ()),
    "mish": ("mish_backward", ()),
    "softplus": ("softplus_backward", (1.0, 20.0)),
    "hardswish": ("hardswish_backward", ()),
    "hardsigmoid": ("hardsigmoid_backward", ()),
    "hardtanh": ("hardtanh_backward", (-1.0, 1.0)),
    "relu6": ("hardtanh_backward", (0.0, 6.0)),
    "leaky_relu": ("leaky_relu_backward", (0.01, False)),
    "threshold": ("threshold_backward", (0.0,)),
    "rrelu": ("leaky_relu_backward", (_RRELU_EVAL_SLOPE, False)),
    "swish": ("silu_backward", ()),  # without swish's grad_beta
}

# The same from the forward's output y (as autograd calls them for sigmoid, tanh, relu and the
# in-place elu/leaky_relu/hardtanh): the peers of fastact's backward(g, output=y).
_BACKWARD_OUTPUT = {
    "relu": ("threshold_backward", (0.0,)),
    "sigmoid": ("sigmoid_backward", ()),
    "tanh": ("tanh_backward", ()),
    "elu": ("elu_backward", (1.0, 1.0, 1.0, True)),
    "selu": ("elu_backward", (_SELU_ALPHA, _SELU_SCALE, 1.0, True)),
    "hardtanh": ("hardtanh_backward", (-1.0, 1.0)),
    "relu6": ("hardtanh_backward", (0.0, 6.0)),
    "leaky_relu": ("leaky_relu_backward", (0.01, True)),
}

BACKWARD_OUTPUT = "backward (output)"  # the benchmark direction of a backward from output=

_ELU_ARGS_FIRST = {"elu_backward"}  # aten.elu_backward(g, alpha, scale, input_scale, is_result, x)


def has_activation(name, direction):
    """Whether a PyTorch peer exists for this benchmark op (and PyTorch is installed)."""
    if not available():
        return False
    if name in ("softmax", "log_softmax"):  # ATen's backward takes the output only
        return direction != "backward"
    if name == "prelu":
        return direction != BACKWARD_OUTPUT
    if direction == "forward":
        return name in _FORWARD or name in _COMPOSITE_FORWARD
    if direction == BACKWARD_OUTPUT:
        return name in _BACKWARD_OUTPUT
    return name in _BACKWARD


def _overload(packet, *names):
    for n in names:
        if n in packet.overloads():
            return getattr(packet, n), n
    return packet.default, None


def activation(name, direction, x, g, out, threads, params=None):
    """Zero-argument callable for an activation's forward or backward, or None."""
    torch = _torch(threads)
    if torch is None:
        return None
    aten = torch.ops.aten
    tx, tg, to = torch.from_numpy(x), torch.from_numpy(g), torch.from_numpy(out)
    params = params or {}
    if name in ("softmax", "log_softmax"):
        fwd = getattr(aten, "_" + name)
        if direction == "forward":
            return lambda: fwd.out(tx, -1, False, out=to)
        if direction != BACKWARD_OUTPUT:
            return None
        y = fwd.default(tx, -1, False)
        bwd = getattr(aten, f"_{name}_backward_data").out
        out_name = bwd._schema.arguments[-1].name  # 'out' or 'grad_input'
        return lambda: bwd(tg, y, -1, tx.dtype, **{out_name: to})
    if name == "prelu":
        w = torch.from_numpy(params["weight"]) if hasattr(params.get("weight"), "shape") \
            else torch.full((1,), 0.25, dtype=tx.dtype)
        if direction == "forward":
            return lambda: aten.prelu.default(tx, w)
        if direction == BACKWARD_OUTPUT:
            return None
        return lambda: aten._prelu_kernel_backward.default(tg, tx, w)
    if direction == "forward" and name in _COMPOSITE_FORWARD:
        composite = _COMPOSITE_FORWARD[name]
        return lambda: composite(torch, tx)
    if direction == "forward":
        spec = _FORWARD.get(name)
        if spec is None:
            return None
        op, extra, kw = (*spec, {})[:3]
        fn, kind = _overload(getattr(aten, op), "out")
        if kind:
            return lambda: fn(tx, *extra, **kw, out=to)
        return lambda: fn(tx, *extra, **kw)
    from_output = direction == BACKWARD_OUTPUT
    spec = (_BACKWARD_OUTPUT if from_output else _BACKWARD).get(name)
    if spec is None:
        return None
    op, extra, kw = (*spec, {})[:3]
    second = tx
    if from_output:  # ATen's own forward output, as autograd saves it
        fop, fextra = _FORWARD[name][:2]
        second = getattr(aten, fop).default(tx, *fextra)
    fn, kind = _overload(getattr(aten, op), "grad_input", "out")
    if op in _ELU_ARGS_FIRST:
        args = (tg, *extra, second)
    else:
        args = (tg, second, *extra)
    if kind == "grad_input":
        return lambda: fn(*args, **kw, grad_input=to)
    if kind == "out":
        return lambda: fn(*args, **kw, out=to)
    return lambda: fn(*args, **kw)


# ---------------------------------------------------------------- normalization
def _nchw(torch, a, axis):
    """A tensor with channels at dim 1 viewing the numpy array whose channel axis is `axis`."""
    t = torch.from_numpy(a)
    if axis % a.ndim != 1:
        t = t.movedim(axis % a.ndim, 1)  # NHWC -> a channels-last NCHW view
    return t


def batch_norm(direction, x, g, out, weight, bias, rm, rv, axis, threads, eps=1e-5):
    """BatchNorm: direction 'train forward', 'train backward', 'eval forward', 'eval backward'."""
    torch = _torch(threads)
    if torch is None:
        return None
    aten = torch.ops.aten
    tx, tg = _nchw(torch, x, axis), _nchw(torch, g, axis)
    to = _nchw(torch, out, axis)
    w, b = torch.from_numpy(weight), torch.from_numpy(bias)
    trm, trv = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
    training = direction.startswith("train")
    C = x.shape[axis % x.ndim]
    sm = torch.empty(C, dtype=tx.dtype)
    si = torch.empty(C, dtype=tx.dtype)
    if direction.endswith("forward"):
        return lambda: aten.native_batch_norm.out(tx, w, b, trm, trv, training, 0.1, eps,
                                                  out=to, save_mean=sm, save_invstd=si)
    _, save_mean, save_invstd = aten.native_batch_norm.default(tx, w, b, trm, trv, training,
                                                               0.1, eps)
    return lambda: aten.native_batch_norm_backward.default(
        tg, tx, w, trm, trv, save_mean, save_invstd, training, eps, [True, True, True])


def layer_norm(direction, x, g, weight, bias, threads, eps=1e-5):
    torch = _torch(threads)
    if torch is None:
        return None
    aten = torch.ops.aten
    tx, tg = torch.from_numpy(x), torch.from_numpy(g)
    w, b = torch.from_numpy(weight), torch.from_numpy(bias)
    shape = [x.shape[-1]]
    if direction == "forward":
        return lambda: aten.native_layer_norm.default(tx, shape, w, b, eps)
    _, mean, rstd = aten.native_layer_norm.default(tx, shape, w, b, eps)
    return lambda: aten.native_layer_norm_backward.default(tg, tx, shape, mean, rstd, w, b,
                                                           [True, True, True])


def group_norm(direction, x, g, num_groups, weight, bias, threads, eps=1e-5):
    torch = _torch(threads)
    if torch is None:
        return None
    aten = torch.ops.aten
    tx, tg = torch.from_numpy(x), torch.from_numpy(g)
    w, b = torch.from_numpy(weight), torch.from_numpy(bias)
    N, C = x.shape[:2]
    HW = math.prod(x.shape[2:])
    if direction == "forward":
        return lambda: aten.native_group_norm.default(tx, w, b, N, C, HW, num_groups, eps)
    _, mean, rstd = aten.native_group_norm.default(tx, w, b, N, C, HW, num_groups, eps)
    return lambda: aten.native_group_norm_backward.default(tg, tx, mean, rstd, w, N, C, HW,
                                                           num_groups, [True, True, True])


def softmax_cross_entropy(direction, logits, labels, threads):
    """Mean cross-entropy (forward), or forward and backward through autograd."""
    torch = _torch(threads)
    if torch is None:
        return None
    F = torch.nn.functional
    tl = torch.from_numpy(logits)
    tlab = torch.from_numpy(labels.astype("int64"))
    if direction == "forward":
        return lambda: F.cross_entropy(tl, tlab)
    leaf = tl.clone().requires_grad_(True)

    def forward_backward():
        leaf.grad = None
        F.cross_entropy(leaf, tlab).backward()
    return forward_backward


_INIT = {
    "uniform": "uniform_", "normal": "normal_", "trunc_normal": "trunc_normal_",
    "xavier_uniform": "xavier_uniform_", "xavier_normal": "xavier_normal_",
    "kaiming_uniform": "kaiming_uniform_", "kaiming_normal": "kaiming_normal_",
    "orthogonal": "orthogonal_",
}
INIT_NAMES = frozenset(_INIT)


def initializer(name, shape, dtype, threads):
    """torch.nn.init's in-place initializer on a fresh tensor (as a layer constructor does)."""
    torch = torch_module()
    if torch is None or name not in _INIT:
        return None
    torch.set_num_threads(threads)
    fn = getattr(torch.nn.init, _INIT[name])
    tdtype = getattr(torch, str(dtype))
    if name.startswith("kaiming"):
        return lambda: fn(torch.empty(shape, dtype=tdtype), nonlinearity="relu")
    return lambda: fn(torch.empty(shape, dtype=tdtype))
