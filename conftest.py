"""pytest set-up shared by the unit tests and the nbval run of the notebooks.

Runs before any kernel starts, so notebook kernels inherit these variables.
"""
import os
import tempfile

import d2l_extras_boot

# Threads and, on NumPy >= 1.24, the NumPy names mxnet reads: before any test imports mxnet
# (the venv's start-up hook does it too; this covers a conda environment without it).
d2l_extras_boot.start()

# Notebooks under test train in the CI profile unless the caller chose another.
os.environ.setdefault("D2L_PROFILE", "quick")
# Tests never write into the repository's build folder nor resume old checkpoints.
os.environ["D2L_BUILD_DIR"] = tempfile.mkdtemp(prefix="d2l-test-build-")
os.environ.pop("D2L_CHECKPOINT_DIR", None)
