"""Check that every elementwise kernel loop is vectorized at every ISA level.

Compiles each per-ISA kernel source the way setup.py does, disassembles it, and requires every
function whose name starts with ``loop_`` to use packed SIMD arithmetic of the level's width
(baseline: packed SSE on xmm; avx2: ymm; avx512: zmm),. Prints one line per level and exits
non-zero if any loop is scalar-only.

    python tools/check_vectorization.py [--source fastact/_ext/csrc/fa_act.c]
"""

import argparse
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


def check(source):
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for level, (flags, pattern) in LEVELS.items():
            obj = os.path.join(tmp, level + ".o")
            subprocess.run(["gcc", *FLAGS, *flags, f"-DFA_ISA={level}", "-I", CSRC, "-c",
                            source, "-o", obj], check=True)
            dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", obj], check=True,
                                 capture_output=True, text=True).stdout
            loops = {k: v for k, v in functions(dis).items() if k.startswith("loop_")}
            scalar = sorted(k for k, v in loops.items() if not pattern.search(v))
            print(f"{level:9s} {len(loops) - len(scalar)}/{len(loops)} loops vectorized"
                  + (f"; scalar: {', '.join(scalar)}" if scalar else ""))
            failures += len(scalar) + (len(loops) == 0)
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=os.path.join(CSRC, "fa_act.c"))
    args = parser.parse_args()
    return 1 if check(args.source) else 0


if __name__ == "__main__":
    sys.exit(main())
