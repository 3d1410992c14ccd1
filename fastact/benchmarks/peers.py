"""PyTorch CPU as a peer, when it is installed (never a dependency). Forward and backward
callables on preallocated tensors sharing memory with the numpy inputs."""

import functools


@functools.lru_cache(maxsize=1)
def torch_module():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _forward_table(torch):
    F = torch.nn.functional
    return {
        "relu": lambda t: torch.relu(t),
        "sigmoid": lambda t: torch.sigmoid(t),
        "tanh": lambda t: torch.tanh(t),
        "gelu": lambda t: F.gelu(t),
        "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
        "elu": lambda t: F.elu(t),
        "selu": lambda t: F.selu(t),
        "celu": lambda t: F.celu(t),
        "silu": lambda t: F.silu(t),
        "mish": lambda t: F.mish(t),
        "softplus": lambda t: F.softplus(t),
        "softsign": lambda t: F.softsign(t),
        "hardswish": lambda t: F.hardswish(t),
        "hardsigmoid": lambda t: F.hardsigmoid(t),
        "hardtanh": lambda t: F.hardtanh(t),
        "relu6": lambda t: F.relu6(t),
        "leaky_relu": lambda t: F.leaky_relu(t),
        "threshold": lambda t: F.threshold(t, 0.0, 0.0),
    }


def _backward_table(torch):
    aten = torch.ops.aten
    return {
        "relu": lambda g, x: aten.threshold_backward(g, x, 0.0),
        "sigmoid": lambda g, x: aten.sigmoid_backward(g, torch.sigmoid(x)),
        "tanh": lambda g, x: aten.tanh_backward(g, torch.tanh(x)),
        "gelu": lambda g, x: aten.gelu_backward(g, x),
        "gelu_tanh": lambda g, x: aten.gelu_backward(g, x, approximate="tanh"),
        "elu": lambda g, x: aten.elu_backward(g, 1.0, 1.0, 1.0, False, x),
        "silu": lambda g, x: aten.silu_backward(g, x),
        "mish": lambda g, x: aten.mish_backward(g, x),
        "softplus": lambda g, x: aten.softplus_backward(g, x, 1.0, 20.0),
        "hardswish": lambda g, x: aten.hardswish_backward(g, x),
        "hardsigmoid": lambda g, x: aten.hardsigmoid_backward(g, x),
        "hardtanh": lambda g, x: aten.hardtanh_backward(g, x, -1.0, 1.0),
        "relu6": lambda g, x: aten.hardtanh_backward(g, x, 0.0, 6.0),
        "leaky_relu": lambda g, x: aten.leaky_relu_backward(g, x, 0.01, False),
    }


def torch_callable(name, direction, arrays, threads):
    """A zero-argument callable running PyTorch's version, or None if unavailable."""
    torch = torch_module()
    if torch is None:
        return None
    torch.set_num_threads(threads)
    table = _forward_table(torch) if direction == "forward" else _backward_table(torch)
    fn = table.get(name)
    if fn is None:
        return None
    tensors = [torch.from_numpy(a) for a in arrays]
    return lambda: fn(*tensors)


def torch_version():
    torch = torch_module()
    return None if torch is None else torch.__version__
