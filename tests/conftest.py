import os

import numpy as np
import pytest

import fastact
from fastact._ext import _kernels


def pytest_report_header(config):
    cfg = fastact._config.config()
    return [f"fastact {cfg['version']} from {os.path.dirname(fastact.__file__)}",
            f"openmp={cfg['openmp']} threads={cfg['num_threads']} "
            f"cpu_capability={cfg['cpu_capability']} "
            f"available={','.join(cfg['cpu_capabilities_available'])}"]


@pytest.fixture(params=fastact.cpu_capabilities())
def cpu_level(request):
    """Run the test at each CPU capability this machine supports, then restore."""
    before = fastact.cpu_capability()
    _kernels.isa_select(request.param)
    yield request.param
    _kernels.isa_select(before)


@pytest.fixture(params=[1, 2], ids=["1thread", "2threads"])
def threads(request):
    with fastact.num_threads(request.param):
        yield request.param


@pytest.fixture(params=[np.float32, np.float64], ids=["float32", "float64"])
def dtype(request):
    return request.param
