"""Build for fastact.

One extension module, ``fastact._ext._kernels``. The kernel sources listed in ``ISA_SOURCES``
are compiled once per instruction-set level (baseline x86-64, AVX2+FMA, AVX-512) into objects
whose symbols carry the level as a suffix; ``csrc/fa_dispatch.c`` fills a table of function
pointers from one of them at import. Nothing is built with -march=native or -ffast-math.

Environment switches:
  FASTACT_NO_OPENMP=1   build without OpenMP (serial library)
  FASTACT_NO_SIMD_VARIANTS=1   build only the baseline kernels
  FASTACT_DEBUG=1       -O0 -g and Cython's bounds/initialization checks turned back on
"""

import glob
import os
import platform
import sys
import tempfile
import textwrap
import warnings

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
CSRC = os.path.join("fastact", "_ext", "csrc")
ISA_SOURCES = [os.path.join(CSRC, f) for f in ("fa_act.c", "fa_norm.c", "fa_special.c",
                                                  "fa_loss_row.c")]
COMMON_SOURCES = [os.path.join(CSRC, f) for f in ("fa_dispatch.c", "fa_parallel.c",
                                                  "fa_norm_run.c", "fa_special_run.c")]
COMMON_SOURCES.append(os.path.join(CSRC, "fa_loss.c"))  # losses of the layer API

DEBUG = os.environ.get("FASTACT_DEBUG", "") not in ("", "0")
IS_X86_64 = platform.machine().lower() in ("x86_64", "amd64")

# Portable, IEEE-faithful optimisation. -ffp-contract=off keeps a*b+c as two roundings at every
# ISA level, so results are bit-identical whichever level the dispatcher picks.
OPT_FLAGS = (
    ["-O0", "-g"] if DEBUG else ["-O3"]
) + ["-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-fopenmp-simd",
     "-fvisibility=hidden", "-std=gnu11"]

ISA_LEVELS = {
    # level name: (C macro value, extra flags)
    "baseline": (0, []),
    "avx2": (1, ["-mavx2", "-mfma"]),
    "avx512": (2, ["-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw", "-mfma",
                   "-mprefer-vector-width=512"]),
}


def _env_flag(name):
    return os.environ.get(name, "") not in ("", "0")


class BuildExt(build_ext):
    """build_ext that probes OpenMP and the ISA flags, then adds the per-ISA kernel objects."""

    def _try_compile(self, code, cflags, ldflags=(), link=True):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "probe.c")
            with open(src, "w") as f:
                f.write(textwrap.dedent(code))
            try:
                objs = self.compiler.compile([src], output_dir=tmp, extra_postargs=list(cflags))
                if link:
                    self.compiler.link_executable(objs, "probe", output_dir=tmp,
                                                  extra_postargs=list(ldflags))
            except Exception:
                return False
            return True

    def _openmp_flags(self):
        if _env_flag("FASTACT_NO_OPENMP"):
            print("fastact: FASTACT_NO_OPENMP set: building the serial library")
            return [], []
        candidates = [(["-fopenmp"], ["-fopenmp"])]
        if sys.platform == "darwin":
            candidates.append((["-Xpreprocessor", "-fopenmp"], ["-lomp"]))
        probe = """
            #include <omp.h>
            #include <stdio.h>
            int main(void) {
                int n = 0;
                #pragma omp parallel num_threads(2) reduction(+:n)
                n += 1;
                printf("%d %d\\n", n, omp_get_max_threads());
                return n > 0 ? 0 : 1;
            }
        """
        for cflags, ldflags in candidates:
            if self._try_compile(probe, cflags, ldflags):
                print(f"fastact: OpenMP found ({' '.join(cflags)})")
                return cflags, ldflags
        warnings.warn("fastact: this compiler has no usable OpenMP; building a serial library. "
                      "Install an OpenMP runtime (e.g. libgomp / libomp) for multi-threading.",
                      stacklevel=1)
        return [], []

    def _isa_levels(self):
        levels = ["baseline"]
        if not IS_X86_64 or _env_flag("FASTACT_NO_SIMD_VARIANTS"):
            return levels
        probe = "int main(void) { return 0; }\n"
        for name in ("avx2", "avx512"):
            if self._try_compile(probe, ISA_LEVELS[name][1], link=False):
                levels.append(name)
            else:
                warnings.warn(f"fastact: compiler rejects {name} flags; that level is not built",
                              stacklevel=1)
        return levels

    def build_extensions(self):
        omp_cflags, omp_ldflags = self._openmp_flags()
        levels = self._isa_levels()
        macros = [("FA_HAVE_" + name.upper(), "1") for name in levels]
        if omp_cflags:
            macros.append(("FA_HAVE_OPENMP", "1"))
        for ext in self.extensions:
            ext.define_macros.extend(macros)
            ext.extra_compile_args.extend(OPT_FLAGS + omp_cflags)
            ext.extra_link_args.extend(omp_ldflags)
            for name in levels:
                value, flags = ISA_LEVELS[name]
                objs = self.compiler.compile(
                    ISA_SOURCES,
                    output_dir=os.path.join(self.build_temp, "isa_" + name),
                    macros=[("FA_ISA", name), ("FA_ISA_LEVEL", str(value))],
                    include_dirs=[CSRC],
                    extra_postargs=OPT_FLAGS + omp_cflags + flags,
                    depends=[os.path.join(CSRC, h) for h in os.listdir(CSRC) if h.endswith(".h")],
                )
                ext.extra_objects.extend(objs)
        super().build_extensions()


directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": not DEBUG,
    "embedsignature": True,
}

extensions = [
    Extension(
        "fastact._ext._kernels",
        sources=[os.path.join("fastact", "_ext", "_kernels.pyx")] + COMMON_SOURCES,
        # _kernels.pyx includes the other .pxi files of the compiled tier
        include_dirs=[np.get_include(), CSRC],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_2_0_API_VERSION")],
        depends=[os.path.join(CSRC, h) for h in os.listdir(CSRC) if h.endswith(".h")]
        + glob.glob(os.path.join("fastact", "_ext", "*.pxi")) + ISA_SOURCES,
    )
]

setup(
    ext_modules=cythonize(extensions, compiler_directives=directives,
                          quiet=True, force=DEBUG),
    cmdclass={"build_ext": BuildExt},
)
