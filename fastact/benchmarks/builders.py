"""Building a benchmark case: the data, and the callables to time side by side — fastact,
the numpy baseline (``baselines``), PyTorch when installed (``peers``) and the roof, fastact's
own parallel copy of an array of the input's size (or ``c = a + b`` for an elementwise
backward) with the same thread count. ``build(spec, threads)`` is the entry point; every
implementation is called once here, so a failure is reported, never timed."""

import importlib

import numpy as np

import fastact
from fastact._ext import _kernels
from fastact._registry import ELEMENTWISE

from . import baselines, peers
from .cases import STREAMS, Case, op_params


def _module_attr(module, name):
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(mod, name, None)


# ---------------------------------------------------------------- building
_COPY = ELEMENTWISE["copy"].op


def _data(shape, dtype, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _copy_roof(x):
    dst = np.empty_like(x)
    return lambda: _kernels.unary(_kernels.FORWARD, _COPY, x, dst)


def _numpy_copy_roof(x):
    """The copy a user calls on a batch, np.copyto(dst, x): a numpy call with its own call
    overhead (the RunningStats target compares a Python method with it; the bare C copy of
    ``_copy_roof`` takes 0.1 µs at 1e3 elements, less than any Python call)."""
    dst = np.empty_like(x)
    return lambda: np.copyto(dst, x)


def _add_roof(a, b):
    dst = np.empty_like(a)
    return lambda: _kernels.binary(_kernels.ADD, -1, a, b, dst)


def _first(result):
    return result[0] if isinstance(result, tuple) else result


def _checked(case, impls):
    """Keep the implementations that run; a failing fastact call marks the op missing."""
    for name, fn in impls.items():
        if fn is None:
            continue
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - reported, never hidden
            if name == "fastact":
                case.missing = f"fastact.{case.op} failed: {type(e).__name__}: {e}"
            else:
                case.notes.append(f"{name} dropped: {type(e).__name__}: {e}")
            continue
        case.impls[name] = fn
    return case


def _activation_case(spec, threads):
    base, params = op_params(spec.op)
    x = _data(spec.shape, spec.dtype, 0)
    case = Case(spec.op, spec.direction, spec.dtype, spec.shape)
    impls = {}
    if base == "prelu":
        params["weight"] = np.full(spec.shape[-1], 0.25, spec.dtype)
    act = None
    if base in fastact.activations():
        try:
            act = fastact.get_activation(base, **params)
        except (TypeError, ValueError) as e:
            case.missing = f"fastact.{base}: {e}"
    else:
        case.missing = f"fastact.{base} not in this build"
    forward = spec.direction == "forward"
    y = None
    if act is not None:
        try:
            y = _first(act.forward(x))
        except Exception as e:  # noqa: BLE001
            case.missing = f"fastact.{base} failed: {type(e).__name__}: {e}"
            act = None
    base_params = {k: v for k, v in params.items() if k != "approximate"}
    if y is None and spec.op in baselines.FORWARD:  # the output's shape, without fastact
        y = baselines.FORWARD[spec.op](x, np.empty_like(x), **base_params)
    g = _data(y.shape if y is not None else spec.shape, spec.dtype, 1)
    if forward:
        if act is not None:
            out = np.empty_like(y)
            impls["fastact"] = lambda: act.forward(x, out=out)
        f = baselines.FORWARD.get(spec.op)
        nout = np.empty_like(y if y is not None else x)
        impls["numpy"] = f and (lambda: f(x, nout, **base_params))
        roof = _copy_roof(x)
    elif spec.direction == peers.BACKWARD_OUTPUT:  # from the forward's output y
        if act is not None:
            out = np.empty_like(x)
            impls["fastact"] = lambda: act.backward(g, output=y, out=out)
        f = baselines.BACKWARD_OUTPUT.get(spec.op)
        nout = np.empty_like(x)
        impls["numpy"] = (lambda: f(g, y, nout, **base_params)) if f and y is not None else None
        roof = _add_roof(x, _data(spec.shape, spec.dtype, 2))
        case.roof_label = "a+b"
    else:
        if act is not None:
            out = np.empty_like(x)
            impls["fastact"] = lambda: act.backward(g, x, out=out)
        f = baselines.BACKWARD.get(spec.op)
        nout = np.empty_like(x)
        impls["numpy"] = f and (lambda: f(g, x, nout, **base_params))
        roof = _add_roof(x, _data(spec.shape, spec.dtype, 2))
        case.roof_label = "a+b"
    if peers.has_activation(spec.op, spec.direction) and g.shape == x.shape:
        impls["torch"] = peers.activation(spec.op, spec.direction, x, g, np.empty_like(x),
                                          threads, params)
    impls["roof"] = roof
    return _checked(case, impls)


def _norm_params(C, dtype):
    rng = np.random.default_rng(3)
    w = (1 + 0.1 * rng.standard_normal(C)).astype(dtype)
    b = (0.1 * rng.standard_normal(C)).astype(dtype)
    return w, b


def _streams(case, direction):
    streams = STREAMS[direction]
    case.roof_factor = streams / 2
    case.roof_label = f"{streams} streams"


def _norm_setup(spec, channels):
    """(x, grad_output, weight, bias, output buffer, Case) of a normalization spec."""
    x = _data(spec.shape, spec.dtype, 0) + 0.5
    g = _data(spec.shape, spec.dtype, 1)
    w, b = _norm_params(channels, spec.dtype)
    case = Case(spec.op, spec.direction, spec.dtype, spec.shape, spec.layout)
    _streams(case, spec.direction)
    return x, g, w, b, np.empty_like(x), case


def _fastact_pair(case, name):
    """fastact.NAME and fastact.NAME_backward, or (None, None) with the case marked missing."""
    f, fb = getattr(fastact, name, None), getattr(fastact, name + "_backward", None)
    if f is None or fb is None:
        case.missing = f"fastact.{name} not in this build"
        return None, None
    return f, fb


def _batch_norm_case(spec, threads):
    axis = -1 if spec.layout == "nhwc" else 1
    C = spec.shape[axis]
    x, g, w, b, out, case = _norm_setup(spec, C)
    rm = np.zeros(C, spec.dtype) + 0.5
    rv = np.ones(C, spec.dtype)
    training = spec.direction.startswith("train")
    impls = {}
    bn, bnb = _fastact_pair(case, "batch_norm")
    if bn is not None and spec.direction.endswith("forward"):
        impls["fastact"] = lambda: bn(x, w, b, rm, rv, training=training, axis=axis, out=out)
    elif bn is not None:
        _, mean, invstd = bn(x, w, b, rm.copy(), rv.copy(), training=training, axis=axis)
        impls["fastact"] = lambda: bnb(g, x, w, mean, invstd, axis=axis, training=training,
                                       out=out)
    if spec.direction == "train forward":
        impls["numpy"] = lambda: baselines.batch_norm_train(x, w, b, axis)
    elif spec.direction == "eval forward":
        impls["numpy"] = lambda: baselines.batch_norm_eval(x, w, b, rm, rv, axis)
    else:
        if training:
            _, m, s = baselines.batch_norm_train(x, w, b, axis)
            m, s = m.reshape(-1), s.reshape(-1)
        else:
            m, s = rm, 1 / np.sqrt(rv + 1e-5)
        impls["numpy"] = lambda: baselines.batch_norm_backward(g, x, w, m, s, axis, training)
    impls["torch"] = peers.batch_norm(spec.direction, x, g, np.empty_like(x), w, b, rm, rv,
                                      axis, threads)
    impls["roof"] = _copy_roof(x)
    return _checked(case, impls)


def _layer_norm_case(spec, threads):
    x, g, w, b, out, case = _norm_setup(spec, spec.shape[-1])
    impls = {}
    ln, lnb = _fastact_pair(case, "layer_norm")
    if spec.direction == "forward":
        impls["fastact"] = ln and (lambda: ln(x, 1, w, b, out=out))
        impls["numpy"] = lambda: baselines.layer_norm(x, w, b)
    else:
        if ln is not None:
            _, mean, invstd = ln(x, 1, w, b)
            impls["fastact"] = lambda: lnb(g, x, w, mean, invstd, out=out)
        _, m, s = baselines.layer_norm(x, w, b)
        impls["numpy"] = lambda: baselines.layer_norm_backward(g, x, w, m, s)
    impls["torch"] = peers.layer_norm(spec.direction, x, g, w, b, threads)
    impls["roof"] = _copy_roof(x)
    return _checked(case, impls)


def _group_norm_case(spec, threads):
    groups = int(spec.layout.split("=")[1])
    x, g, w, b, out, case = _norm_setup(spec, spec.shape[1])
    impls = {}
    gn, gnb = _fastact_pair(case, "group_norm")
    if spec.direction == "forward":
        impls["fastact"] = gn and (lambda: gn(x, groups, w, b, out=out))
        impls["numpy"] = lambda: baselines.group_norm(x, groups, w, b)
    else:
        if gn is not None:
            _, mean, invstd = gn(x, groups, w, b)
            impls["fastact"] = lambda: gnb(g, x, w, mean, invstd, num_groups=groups, out=out)
        _, m, s = baselines.group_norm(x, groups, w, b)
        impls["numpy"] = lambda: baselines.group_norm_backward(g, x, groups, w, m, s)
    impls["torch"] = peers.group_norm(spec.direction, x, g, groups, w, b, threads)
    impls["roof"] = _copy_roof(x)
    return _checked(case, impls)


def _running_stats_case(spec, threads):
    batch = _data(spec.shape, spec.dtype, 0) + 100.0
    features = spec.shape[-1] if len(spec.shape) > 1 else 1
    case = Case(spec.op, spec.direction, spec.dtype, spec.shape, roof_label="np.copyto")
    impls = {}
    cls = getattr(fastact, "RunningStats", None)
    if cls is None:
        case.missing = "fastact.RunningStats not in this build"
    else:
        stats = cls(features, axis=0) if len(spec.shape) > 1 else cls(1, axis=0)
        impls["fastact"] = lambda: stats.update(batch)
    state = {"count": 0, "mean": np.zeros(features), "m2": np.zeros(features)}
    b2 = batch if len(spec.shape) > 1 else batch[:, None]
    impls["numpy"] = lambda: baselines.running_stats_update(state, b2)
    impls["roof"] = _numpy_copy_roof(batch)
    return _checked(case, impls)


CLASSES = 100  # softmax cross-entropy benchmarks: classes per row


def _cross_entropy_case(spec, threads):
    logits = _data(spec.shape, spec.dtype, 0) * 3
    if logits.ndim == 1:  # n elements as a batch of rows of CLASSES logits (one row if fewer)
        classes = CLASSES if logits.size % CLASSES == 0 else logits.size
        logits = logits.reshape(-1, classes)
    labels = np.random.default_rng(1).integers(0, logits.shape[1], logits.shape[0])
    forward = spec.direction == "forward"
    case = Case(spec.op, spec.direction, spec.dtype, spec.shape,
                roof_factor=0.5 if forward else 1.0, roof_label="1 stream" if forward
                else "copy")
    impls = {}
    cls = _module_attr("fastact.nn", "SoftmaxCrossEntropy")
    if cls is None:
        case.missing = "fastact.nn.SoftmaxCrossEntropy not in this build"
    else:
        loss = cls()
        if forward:
            impls["fastact"] = lambda: loss.forward(logits, labels)
        else:
            impls["fastact"] = lambda: (loss.forward(logits, labels), loss.backward())
    if forward:
        impls["numpy"] = lambda: baselines.softmax_cross_entropy(logits, labels)
    else:
        impls["numpy"] = lambda: (baselines.softmax_cross_entropy(logits, labels),
                                  baselines.softmax_cross_entropy_backward(logits, labels))
    impls["torch"] = peers.softmax_cross_entropy(spec.direction, logits, labels, threads)
    impls["roof"] = _copy_roof(logits)
    return _checked(case, impls)


def _init_case(spec, threads):
    name = spec.op[len("init."):]
    case = Case(spec.op, spec.direction, spec.dtype, spec.shape, roof_factor=0.5,
                roof_label="1 stream")
    shape = spec.shape if len(spec.shape) > 1 else (1, spec.shape[0])
    dtype = np.dtype(spec.dtype)
    impls = {}
    fn = _module_attr("fastact.init", name)
    if fn is None:
        case.missing = f"fastact.init.{name} not in this build"
    else:
        impls["fastact"] = lambda: fn(shape, dtype=dtype, rng=0)
    rng = np.random.default_rng(0)
    base = baselines.INIT.get(name)
    impls["numpy"] = base and (lambda: base(rng, shape, dtype))
    impls["torch"] = peers.initializer(name, shape, dtype, threads)
    impls["roof"] = _copy_roof(np.zeros(shape, dtype))
    return _checked(case, impls)


def build(spec, threads):
    """The Case of `spec` with its data allocated and PyTorch set to `threads` threads."""
    case = _BUILDERS[spec.family](spec, threads)
    case.family = spec.family
    return case


_BUILDERS = {
    "activation": _activation_case, "batch_norm": _batch_norm_case,
    "layer_norm": _layer_norm_case, "group_norm": _group_norm_case,
    "running_stats": _running_stats_case, "softmax_cross_entropy": _cross_entropy_case,
    "init": _init_case,
}
