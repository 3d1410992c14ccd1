"""fastact.nn: a thin layer API over the fastact kernels, with torch.nn's names.

Layers hold state only (``params``, ``grads``, ``buffers``); the math is done by the kernels::

    import numpy as np
    from fastact import nn
    model = nn.Sequential(nn.Linear(64, 128), nn.BatchNorm(128), nn.ReLU(), nn.Linear(128, 10))
    loss_fn = nn.SoftmaxCrossEntropy()
    opt = nn.Adam(model.parameters(), lr=1e-3)
    loss = loss_fn(model(x), labels)
    model.zero_grad(); model.backward(loss_fn.backward()); opt.step()

Every registered activation has a layer class (``nn.ReLU``, ``nn.GELU(approximate='tanh')``,
``nn.Activation('selu')``); ``nn.activation_class(name)`` finds one by activation name.
"""

from .activation import (
    ACTIVATION_CLASSES,
    Activation,
    LogSoftmax,
    PReLU,
    RReLU,
    Softmax,
    Swish,
    activation_class,
    class_name,
)
from .dropout import Dropout
from .linear import Linear
from .loss import Loss, MSELoss, SoftmaxCrossEntropy
from .maxout import Maxout
from .module import Flatten, Module, Sequential
from .normalization import BatchNorm, GroupNorm, LayerNorm
from .optim import SGD, Adam, Optimizer, clip_grad_norm_, clip_grad_value_

globals().update(ACTIVATION_CLASSES)

__all__ = [
    "Module", "Sequential", "Flatten", "Linear", "Activation", "activation_class", "PReLU",
    "Swish", "RReLU", "Softmax", "LogSoftmax", "Maxout", "BatchNorm", "LayerNorm", "GroupNorm",
    "Dropout", "Loss", "SoftmaxCrossEntropy", "MSELoss", "Optimizer", "SGD", "Adam",
    "clip_grad_norm_", "clip_grad_value_", *sorted(ACTIVATION_CLASSES),
]


def __getattr__(name):
    """Layer classes of activations registered after this module was imported."""
    import fastact

    for act in fastact.activations():
        if class_name(act) == name and act != "maxout":
            cls = activation_class(act)
            globals()[name] = cls
            return cls
    raise AttributeError(f"module 'fastact.nn' has no attribute {name!r}")
