#!/usr/bin/env bash
# Exhaustive float32 accuracy of fa_math.h, at the baseline and AVX2 levels (same results are
# expected: the build uses -ffp-contract=off). Usage: tools/mathcheck/run.sh [function]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
inc="$here/../../fastact/_ext/csrc"
mkdir -p "$here/bin"
for level in baseline avx2; do
  flags=""; [ "$level" = avx2 ] && flags="-mavx2 -mfma"
  gcc -O3 -fno-math-errno -fno-trapping-math -ffp-contract=off -fopenmp $flags -I"$inc" \
    "$here/exhaustive_f32.c" -o "$here/bin/exhaustive_$level" -lm
  echo "== $level"; "$here/bin/exhaustive_$level" "$@"
done
