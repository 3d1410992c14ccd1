"""``show_config()``: what this build of fastact is and what it is using."""

import platform
import sys

import numpy as np

from ._cpu import cpu_capabilities, cpu_capability
from ._ext import _kernels
from ._threads import get_num_threads
from ._version import __version__

__all__ = ["show_config", "config"]


def config():
    """The build and runtime configuration as a dict."""
    return {
        "version": __version__,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "compiler": _kernels.compiler(),
        "openmp": _kernels.have_openmp(),
        "num_threads": get_num_threads(),
        "cpu_capability": cpu_capability(),
        "cpu_capabilities_available": cpu_capabilities(),
        "cpu_capabilities_compiled": _kernels.isa_compiled(),
    }


def show_config():
    """Print and return the configuration: version, compiler, OpenMP on/off, thread count,
    the CPU capability in use and those available."""
    cfg = config()
    width = max(len(k) for k in cfg)
    for key, value in cfg.items():
        if isinstance(value, (list, tuple)):
            value = ", ".join(value)
        elif isinstance(value, bool):
            value = "on" if value else "off"
        print(f"{key:<{width}}  {value}")
    return cfg
