#!/usr/bin/env bash
# Create .venv with a Python that mxnet 1.9.1 supports (3.8-3.11), install the pins,
# the course package, the GPU build of mxnet where an NVIDIA driver is present, and the data.
# Idempotent: `make` calls it only when requirements.txt or this script changed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

find_python() {
  local candidates=("${PYTHON:-}" python3.11 python3.10 python3.9 python3.8 python3)
  for py in "${candidates[@]}"; do
    [ -n "$py" ] || continue
    command -v "$py" >/dev/null 2>&1 || continue
    if "$py" -c 'import sys; sys.exit(0 if (3, 8) <= sys.version_info[:2] <= (3, 11) else 1)' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  return 1
}

if ! PY=$(find_python); then
  found=$(python3 --version 2>&1 || echo "no python3")
  cat >&2 <<MSG
error: mxnet 1.9.1 (the last MXNet release) needs Python 3.8, 3.9, 3.10 or 3.11; found: $found.
  Fix: install one of those (e.g. 'pyenv install 3.11' or your package manager's python3.11)
       and run again with PYTHON=python3.11 make setup,
  or use conda instead: conda env create -f environment.yml && conda activate modern-cnn
MSG
  exit 1
fi
echo "setup: using $PY ($("$PY" --version 2>&1))"

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
"${PIP[@]}" install -q --upgrade pip

# GPU: pick the newest mxnet-cu1xx wheel that the driver supports (MXNET_VARIANT overrides).
variant=${MXNET_VARIANT:-$("$VENV/bin/python" scripts/mxnet_variant.py)}
reqs=$(mktemp); trap 'rm -f "$reqs"' EXIT
if [ "$variant" = "mxnet" ]; then
  cp requirements.txt "$reqs"
else
  echo "setup: NVIDIA driver found, installing $variant==1.9.1 instead of mxnet"
  sed "s/^mxnet==1.9.1/$variant==1.9.1/" requirements.txt > "$reqs"
  "${PIP[@]}" uninstall -q -y mxnet 2>/dev/null || true
fi
"${PIP[@]}" install -q -r "$reqs"
# The course package, editable, constrained so that nothing can upgrade numpy.
"${PIP[@]}" install -q --no-deps -e .

# Use every core we are given in any Python of this venv (notebook kernels included),
# before MXNet is imported; a user's OMP_NUM_THREADS still wins.
site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "import d2l_extras_threads" > "$site/d2l_extras_threads.pth"

"$VENV/bin/python" -c 'import mxnet, numpy; assert numpy.__version__ == "1.23.5", numpy.__version__; print("setup: mxnet", mxnet.__version__, "numpy", numpy.__version__)'
"$VENV/bin/python" -m d2l_extras.data ensure
