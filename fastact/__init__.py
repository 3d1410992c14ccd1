"""fastact: compiled CPU kernels for neural-network activations, normalization and
initialization, called from numpy training code.

Quick tour::

    import numpy as np, fastact
    x = np.random.default_rng(0).standard_normal(10**6, dtype=np.float32)
    y = fastact.sigmoid(x)                      # forward
    g = fastact.sigmoid_backward(np.ones_like(x), output=y)   # grad_output * f'(x)
    fastact.relu(x, out=x)                      # in place
    with fastact.num_threads(1):                # thread control
        fastact.relu(x)
    fastact.show_config()
"""

from . import (
    _cpu,  # noqa: F401  (selects the CPU capability before any kernel runs)
    elementwise,
    init,  # noqa: F401  (fastact.init; its names stay in that namespace)
    losses,
    normalization,
    parametric,
    registry,
    smooth,
)
from . import softmax as _softmax_module  # the function softmax shadows the module's name
from ._config import show_config
from ._cpu import cpu_capabilities, cpu_capability
from ._threads import get_num_threads, num_threads, set_num_threads
from ._version import __version__
from .elementwise import *  # noqa: F403
from .losses import *  # noqa: F403
from .normalization import *  # noqa: F403
from .parametric import *  # noqa: F403
from .registry import *  # noqa: F403
from .smooth import *  # noqa: F403
from .softmax import *  # noqa: F403

__all__ = [
    "__version__", "show_config", "cpu_capability", "cpu_capabilities",
    "get_num_threads", "set_num_threads", "num_threads",
    *elementwise.__all__, *losses.__all__, *normalization.__all__, *parametric.__all__,
    *registry.__all__, *_softmax_module.__all__, *smooth.__all__,
]

from . import nn  # noqa: E402, F401  (the layer API needs the functions above)
