"""Weight initialization for the layers: ``fastact.init`` when it is available, otherwise
PyTorch's default for ``nn.Linear`` (one small private function below).

An ``init`` argument of a layer may be
- None: ``fastact.init.recommended(activation)`` when the activation that follows the layer is
  known (a name, or the registry's Activation with its parameters) and has a recommendation,
  else PyTorch's default (kaiming_uniform with a = sqrt(5));
- a string: the name of a ``fastact.init`` function (``'xavier_uniform'``, ``'kaiming_normal'``);
- a ``(name, kwargs)`` pair: the same, with parameters (``('normal', {'std': 0.01})``);
- a callable ``init(shape, rng=..., dtype=...) -> ndarray`` (such as the Recommendation that
  ``fastact.init.recommended`` returns).
"""

import importlib
import math

import numpy as np

__all__ = []


def init_module():
    """The ``fastact.init`` module, or None when this build does not have it."""
    try:
        return importlib.import_module("fastact.init")
    except ImportError:
        return None


def make_rng(rng):
    """An np.random.Generator from a Generator, an int seed or None."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy Generator, an int seed or None, got "
                    f"{type(rng).__name__}")


def _torch_default_weight(shape, rng, dtype):
    """PyTorch's nn.Linear default: kaiming_uniform(a=sqrt(5)), i.e. U(-b, b) with
    b = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)) = sqrt(1/3): b = 1/sqrt(fan_in).
    Used only when fastact.init is not available."""
    fan_in = math.prod(shape[1:])
    bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


def _call(fn, shape, rng, dtype, kwargs):
    return np.asarray(fn(shape, **kwargs, rng=rng, dtype=dtype), dtype=dtype)


def _resolve(spec, what):
    """(callable, kwargs) for an init spec (name, (name, kwargs) or callable)."""
    if callable(spec):
        return spec, {}
    kwargs = {}
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], dict):
        spec, kwargs = spec
        if callable(spec):
            return spec, dict(kwargs)
    if not isinstance(spec, str):
        raise TypeError(f"{what} must be None, a fastact.init function name, a (name, kwargs) "
                        f"pair or a callable, got {spec!r}")
    module = init_module()
    if module is None:
        raise ValueError(f"{what}={spec!r} needs fastact.init, which this build does not have; "
                         f"pass a callable init(shape, rng=, dtype=) instead")
    fn = getattr(module, spec, None)
    if not callable(fn):
        raise ValueError(f"{what}={spec!r} is not a fastact.init function")
    return fn, dict(kwargs)


def weight(shape, init, activation, rng, dtype):
    """A new weight array of `shape` for the given init spec and following activation."""
    shape = tuple(shape)
    if init is not None:
        fn, kwargs = _resolve(init, "init")
        return _call(fn, shape, rng, dtype, kwargs)
    module = init_module()
    if module is None:
        return _torch_default_weight(shape, rng, dtype)
    rec = None
    if activation is not None and hasattr(module, "recommended"):
        try:
            rec = module.recommended(activation)
        except (ValueError, TypeError):  # an activation it has no recommendation for
            rec = None
    if rec is not None:
        fn, kwargs = _resolve(rec, "recommended init")
        return _call(fn, shape, rng, dtype, kwargs)
    return _call(module.kaiming_uniform, shape, rng, dtype, {"a": math.sqrt(5)})


def bias(n, fan_in, rng, dtype):
    """PyTorch's nn.Linear bias default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
    return rng.uniform(-bound, bound, size=(n,)).astype(dtype)
