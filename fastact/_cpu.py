"""Runtime CPU dispatch: the ISA level whose kernels are in use.

Kernels are compiled once per level (``baseline`` x86-64, ``avx2`` = AVX2+FMA, ``avx512`` =
AVX-512 F/DQ/VL/BW) and the best level this CPU supports is chosen at import.
``FASTACT_CPU_CAPABILITY=baseline|avx2|avx512`` forces a level; a level the CPU lacks is refused
at import with RuntimeError. Results are bit-identical at every level (no FMA contraction).
"""

import os

from ._ext import _kernels

__all__ = ["cpu_capability", "cpu_capabilities"]

LEVELS = _kernels.ISA_NAMES


def cpu_capabilities():
    """ISA levels this build holds and this CPU can run, lowest first."""
    return _kernels.isa_supported()


def cpu_capability():
    """The ISA level whose kernels are in use."""
    return _kernels.isa_current()


def _select_at_import():
    forced = os.environ.get("FASTACT_CPU_CAPABILITY", "").strip().lower()
    if forced:
        if forced == "default":
            forced = "baseline"
        if forced not in LEVELS:
            raise RuntimeError(f"FASTACT_CPU_CAPABILITY={forced!r} is not a CPU capability; "
                               f"expected one of {', '.join(LEVELS)}")
        try:
            _kernels.isa_select(forced)
        except RuntimeError as exc:
            raise RuntimeError(f"FASTACT_CPU_CAPABILITY={forced}: {exc}") from None
    else:
        _kernels.isa_select(cpu_capabilities()[-1])


_select_at_import()
