#!/usr/bin/env bash
# Bit-identity of fa_math.h float functions across ISA levels (levels_kernels.c compiled with the
# flags of tools/check_vectorization.py for baseline, avx2, avx512; levels_f32.c compares them).
# Usage: tools/mathcheck/levels.sh [stride, default 1 = all 2^32 floats]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
inc="$here/../../fastact/_ext/csrc"
mkdir -p "$here/bin"
common="-O3 -fno-math-errno -fno-trapping-math -ffp-contract=off -I$inc"
gcc $common -DLEVEL=base -fopt-info-vec-optimized -c "$here/levels_kernels.c" -o "$here/bin/lk_base.o" 2>&1 \
  | grep -c "levels_kernels.c.*loop vectorized" | sed 's/^/baseline loops vectorized: /'
gcc $common -DLEVEL=avx2 -mavx2 -mfma -c "$here/levels_kernels.c" -o "$here/bin/lk_avx2.o"
gcc $common -DLEVEL=avx512 -mavx512f -mavx512dq -mavx512vl -mavx512bw -mfma -mprefer-vector-width=512 \
  -c "$here/levels_kernels.c" -o "$here/bin/lk_avx512.o"
gcc $common "$here/levels_f32.c" "$here/bin"/lk_*.o -o "$here/bin/levels_f32" -lm
"$here/bin/levels_f32" "${1:-1}"
