#!/usr/bin/env bash
# Accuracy of fa_math.h: exhaustive float32 and a 2e7-point random float64 sample per function,
# at the baseline and AVX2 levels (the same results are expected: the build uses
# -ffp-contract=off). Usage: tools/mathcheck/run.sh [function|all] [f32|f64|both] [levels...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
inc="$here/../../fastact/_ext/csrc"
mkdir -p "$here/bin"
fn=${1:-all}; prec=${2:-both}; shift $(( $# < 2 ? $# : 2 ))
levels=${*:-baseline avx2}
for level in $levels; do
  flags=""; [ "$level" = avx2 ] && flags="-mavx2 -mfma"
  gcc -O3 -fno-math-errno -fno-trapping-math -ffp-contract=off -fopenmp $flags -I"$inc" \
    "$here/exhaustive_f32.c" -o "$here/bin/exhaustive_$level" -lm
  echo "== $level"; "$here/bin/exhaustive_$level" "$fn" "$prec"
done
