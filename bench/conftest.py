import pytest

import fastact


@pytest.fixture(autouse=True)
def _record_machine(request):
    """Every benchmark records the thread count and CPU capability it ran with."""
    bench = request.node.funcargs.get("benchmark")
    if bench is not None:
        bench.extra_info["threads"] = fastact.get_num_threads()
        bench.extra_info["cpu_capability"] = fastact.cpu_capability()
    yield
