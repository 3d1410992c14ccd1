"""Check that every per-ISA kernel is vectorized at every ISA level.

Compiles each per-ISA kernel source (setup.py's ISA_SOURCES: activations, normalization,
special activations, loss rows) the way setup.py does, disassembles it, and requires every
function in it except the table fillers and block drivers (NOT_KERNELS) to use packed SIMD
arithmetic of the level's width (baseline: packed SSE on xmm; avx2: ymm; avx512: zmm). Prints
one line per source and level and exits non-zero if any kernel is scalar-only. CI runs it
(step 4).

    python tools/check_vectorization.py [--source fastact/_ext/csrc/fa_act.c ...]
"""

import argparse
import ast
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

CSRC = os.path.join(ROOT, "fastact", "_ext", "csrc")
FLAGS = ["-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-fopenmp-simd",
         "-std=gnu11", "-fPIC"]
LEVELS = {
    "baseline": ([], re.compile(r"\b(?:mul|add|sub|div|max|min|and|or|xor|blendv|mov[au])p[sd]\b|"
                                r"\bcmp\w*p[sd]\b|\bmovdq[au]\b")),
    "avx2": (["-mavx2", "-mfma"], re.compile(r"%ymm")),
    "avx512": (["-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw", "-mfma",
                "-mprefer-vector-width=512"], re.compile(r"%zmm")),
}


# functions that only fill the dispatch table or loop over blocks calling the kernels
NOT_KERNELS = ("fa_fill_", "fa_swish_backward_beta_")


def functions(disassembly):
    """{name: body} for each function in objdump -d output."""
    out, name = {}, None
    for line in disassembly.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            name = m.group(1)
            out[name] = []
        elif name:
            out[name].append(line)
    return {k: "\n".join(v) for k, v in out.items()}


def isa_sources():
    """The per-ISA sources, read from setup.py's ISA_SOURCES (one list, never copied)."""
    with open(os.path.join(ROOT, "setup.py")) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "ISA_SOURCES":
            names = [c.value for c in ast.walk(node.value)
                     if isinstance(c, ast.Constant) and c.value.endswith(".c")]
            return [os.path.join(CSRC, n) for n in names]
    raise SystemExit("setup.py defines no ISA_SOURCES")


def check(source):
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for level, (flags, pattern) in LEVELS.items():
            obj = os.path.join(tmp, level + ".o")
            subprocess.run(["gcc", *FLAGS, *flags, f"-DFA_ISA={level}", "-I", CSRC, "-c",
                            source, "-o", obj], check=True)
            dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", obj], check=True,
                                 capture_output=True, text=True).stdout
            loops = {k: v for k, v in functions(dis).items() if not k.startswith(NOT_KERNELS)}
            scalar = sorted(k for k, v in loops.items() if not pattern.search(v))
            print(f"{os.path.basename(source):14s} {level:9s} "
                  f"{len(loops) - len(scalar)}/{len(loops)} kernels vectorized"
                  + (f"; scalar: {', '.join(scalar)}" if scalar else ""))
            failures += len(scalar) + (len(loops) == 0)
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", nargs="+", default=None,
                        help="kernel sources (default: every per-ISA source of setup.py)")
    args = parser.parse_args()
    failures = sum(check(src) for src in (args.source or isa_sources()))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
