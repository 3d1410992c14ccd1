#!/usr/bin/env bash
# Developer helper: build the current working tree and install it into a private venv, from a
# private snapshot of the tree (so several people can build at once without sharing build/).
#   tools/dev_install.sh /tmp/me/venv        -> venv with fastact + test/bench extras
# Then run tests against the installed package:  /tmp/me/venv/bin/pytest tests -q
set -euo pipefail
VENV=${1:?usage: tools/dev_install.sh VENV_DIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SNAP="$VENV.src"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if ! "$VENV/bin/python" -c "import pytest, scipy, threadpoolctl, hypothesis, pytest_benchmark, Cython" 2>/dev/null; then
  "$VENV/bin/pip" install -q pytest hypothesis threadpoolctl scipy pytest-benchmark "Cython>=3.1" "numpy>=2" setuptools wheel ruff cython-lint 2>&1 | grep -v "^WARNING: Location" || true
fi
rm -rf "$SNAP" && mkdir -p "$SNAP"
tar -C "$ROOT" --exclude=./build --exclude='./.venv*' --exclude='*.egg-info' --exclude=./.git \
  -cf - . | tar -C "$SNAP" -xf -
# --no-build-isolation reuses the venv's Cython/numpy: a rebuild takes seconds.
"$VENV/bin/pip" install -q --no-build-isolation --no-deps --force-reinstall "$SNAP" 2>&1 \
  | grep -v "^WARNING: Location" || true
(cd /tmp && "$VENV/bin/python" -c "import fastact, sys; print('installed', fastact.__version__, 'at', fastact.__file__, file=sys.stderr)")
