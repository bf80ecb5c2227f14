#!/usr/bin/env bash
# Create $VENV (default .venv) with a Python that the course supports (3.8-3.13), install the
# pinned set for that Python, the course package, the GPU build of mxnet where an NVIDIA
# driver is present, and the data.
#   Python 3.8-3.11: requirements.txt (NumPy 1.23.5, the last NumPy mxnet 1.9.1 was built for;
#                    d2l installed --no-deps: its `jupyter` breaks RISE's page)
#   Python 3.12-3.13: requirements-py312.txt (NumPy 2; mxnet and d2l installed --no-deps,
#                     d2l_extras_boot restores the NumPy names mxnet reads)
# PYTHON=... names the Python: it is used, or set-up stops and says why; never replaced.
# Without PYTHON the first that runs of python3.11 python3.10 python3.9 python3.8
# python3.12 python3.13 python3 (see README: why 3.11 first).
# Idempotent: `make` calls it only when a requirements file or this script changed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

# --- machines without an mxnet 1.9.1 wheel
os=$(uname -s 2>/dev/null || echo unknown); arch=$(uname -m 2>/dev/null || echo unknown)
case "$os" in
  MINGW*|MSYS*|CYGWIN*|Windows_NT)
    cat >&2 <<'MSG'
error: there is no mxnet 1.9.1 wheel for Windows.
  Fix: install WSL2 (wsl --install, in PowerShell as administrator), open Ubuntu, clone the
       course there and run the Linux commands (make test / make run).
  Or, with nothing to install: open the notebooks in Google Colab or Binder (README badges).
MSG
    exit 1 ;;
  Darwin)
    if [ "$arch" = arm64 ] || [ "$(sysctl -n hw.optional.arm64 2>/dev/null || echo 0)" = 1 ]; then
      cat >&2 <<'MSG'
error: there is no mxnet 1.9.1 wheel for Apple Silicon (M1/M2/M3/M4) macOS.
  Fix: open the notebooks in Google Colab or Binder (README badges), or run the course in a
       Linux container: docker run -it -v "$PWD":/course -w /course python:3.11 make test
       (an arm64 Linux container uses mxnet's aarch64 wheel).
MSG
      exit 1
    fi ;;
esac

version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>&1; }
supported() { case "$1" in 3.8|3.9|3.10|3.11|3.12|3.13) return 0 ;; esac; return 1; }

if [ -n "${PYTHON:-}" ]; then
  # The Python the user named: use it, or stop and say why. Never fall back to another.
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "error: PYTHON=$PYTHON: no such command. Give the name or path of a Python 3.8-3.13." >&2
    exit 1
  fi
  if ! ver=$(version_of "$PYTHON") && command -v pyenv >/dev/null 2>&1 \
     && provider=$(pyenv whence "$PYTHON" 2>/dev/null | sed -n '$p') && [ -n "$provider" ]; then
    # A pyenv shim of a version that 'pyenv global' does not list: the same command from the
    # pyenv version that provides it (the named Python, not another one).
    resolved="$(pyenv root)/versions/$provider/bin/$PYTHON"
    echo "setup: PYTHON=$PYTHON is a pyenv shim not enabled here; using pyenv's $provider: $resolved"
    PYTHON=$resolved
  fi
  if ! ver=$(version_of "$PYTHON"); then
    { echo "error: PYTHON=$PYTHON does not run:"; echo "$ver" | sed 's/^/  /'
      echo "  (a pyenv shim: 'pyenv global' must list that version, or give its path:"
      echo "   PYTHON=\$(pyenv root)/versions/<version>/bin/python)"; } >&2
    exit 1
  fi
  if ! supported "$ver"; then
    cat >&2 <<MSG
error: PYTHON=$PYTHON is Python $ver; the course needs Python 3.8-3.13
  (mxnet 1.9.1 with NumPy 1.23.5 on 3.8-3.11, with NumPy 2 on 3.12-3.13).
  Fix: name another Python, e.g. PYTHON=python3.11 make setup,
  or use conda instead: conda env create -f environment.yml && conda activate modern-cnn
MSG
    exit 1
  fi
  PY=$PYTHON
elif [ -x "$VENV/bin/python" ] && ver=$(version_of "$VENV/bin/python") && supported "$ver"; then
  PY=$VENV/bin/python  # redoing the set-up of an existing environment: keep its Python
else
  PY=
  for py in python3.11 python3.10 python3.9 python3.8 python3.12 python3.13 python3; do
    command -v "$py" >/dev/null 2>&1 || continue
    ver=$(version_of "$py") || continue
    if supported "$ver"; then PY=$py; break; fi
  done
  if [ -z "$PY" ]; then
    found=$(python3 --version 2>&1 || echo "no python3")
    cat >&2 <<MSG
error: the course needs Python 3.8-3.13 (3.11 preferred); found: $found.
  Fix: install one of those (e.g. 'pyenv install 3.11' or your package manager's python3.11)
       and run again with PYTHON=python3.11 make setup,
  or use conda instead: conda env create -f environment.yml && conda activate modern-cnn
MSG
    exit 1
  fi
fi

case "$ver" in
  3.12|3.13) reqs_file=requirements-py312.txt
             set_name="modern set: NumPy 2, mxnet and d2l without their declared dependencies" ;;
  *)         reqs_file=requirements.txt
             set_name="reference set: NumPy 1.23.5" ;;
esac
numpy_pin=$(sed -n 's/^numpy==\([^ #]*\).*/\1/p' "$reqs_file")
echo "setup: using $PY (Python $ver) for $VENV; $reqs_file ($set_name)"

# An existing environment made with another Python is not silently rebuilt nor reused.
if [ -x "$VENV/bin/python" ]; then
  have=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo broken)
  if [ "$have" != "$ver" ]; then
    cat >&2 <<MSG
error: $VENV exists with Python $have, not $ver.
  Fix: choose another folder (e.g. VENV=.venv-$ver) or remove it first (rm -rf $VENV).
MSG
    exit 1
  fi
else
  "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
"${PIP[@]}" install -q --upgrade pip

# GPU: pick the newest mxnet-cu1xx wheel that the driver supports (MXNET_VARIANT overrides).
variant=${MXNET_VARIANT:-$("$VENV/bin/python" scripts/mxnet_variant.py)}
reqs=$(mktemp); nodeps=$(mktemp); trap 'rm -f "$reqs" "$nodeps"' EXIT
if [ "$variant" = "mxnet" ]; then
  cp "$reqs_file" "$reqs"
else
  echo "setup: NVIDIA driver found, installing $variant==1.9.1 instead of mxnet"
  sed "s/^mxnet==1.9.1/$variant==1.9.1/" "$reqs_file" > "$reqs"
  "${PIP[@]}" uninstall -q -y mxnet 2>/dev/null || true
fi
# Lines marked `# no-deps` are installed without the dependencies they declare: in the modern
# set mxnet's and d2l's would pull NumPy back below 2; in both, d2l's `jupyter` would add the
# notebook and widget extensions, which fail in RISE's slideshow page. What they import is pinned.
grep -E '^[A-Za-z].*#.*no-deps' "$reqs" | sed 's/#.*//' > "$nodeps" || true
grep -vE '^[A-Za-z].*#.*no-deps' "$reqs" > "$reqs.rest"; mv "$reqs.rest" "$reqs"
if [ -s "$nodeps" ]; then
  echo "setup: pip may list d2l's (and mxnet's) declared pins (jupyter, numpy==1.23.5, ...) as" \
       "conflicts: expected, they are installed without them"
fi
"${PIP[@]}" install -q -r "$reqs"
if [ -s "$nodeps" ]; then "${PIP[@]}" install -q --no-deps -r "$nodeps"; fi
# The course package, editable, without dependencies so that nothing can change numpy.
"${PIP[@]}" install -q --no-deps -e .

# Every Python of this venv (notebook kernels included) sets threads and, before mxnet
# loads, restores the NumPy names it reads: d2l_extras_boot.start().
site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
rm -f "$site/d2l_extras_threads.pth"  # the older hook, replaced by d2l_extras_boot
"$VENV/bin/python" -c 'import d2l_extras_boot; print(d2l_extras_boot.PTH_LINE)' > "$site/d2l_extras_boot.pth"

NUMPY_PIN=$numpy_pin "$VENV/bin/python" -c '
import os, mxnet, numpy, d2l_extras_boot
assert numpy.__version__ == os.environ["NUMPY_PIN"], (numpy.__version__, os.environ["NUMPY_PIN"])
names = ", ".join(d2l_extras_boot.supplied_numpy_names()) or "none"
print("setup: mxnet", mxnet.__version__, "numpy", numpy.__version__, "| NumPy names supplied for mxnet:", names)'
"$VENV/bin/python" -m d2l_extras.data ensure
echo "setup: done: $VENV (Python $ver, $reqs_file)"
