"""Print the mxnet 1.9.1 package that fits this machine: `mxnet` (CPU) or `mxnet-cu1xx`.

The choice is course_tools.install.mxnet_package_for_this_machine, which Colab's set-up cell
(course_tools.install.setup_colab) makes too: the driver's highest supported CUDA version is read
from `nvidia-smi`; the newest mxnet-cu1xx wheel (cu117 is the last one built) not newer than
that is chosen, unless no GPU can run the GPU builds' code (compute
capability 9.0 and newer: Hopper, Blackwell) or the CUDA 11 libraries they link to cannot be
loaded: then the CPU build, with the reason on standard error. This is `make setup`'s
command line; `make gpu-check` asks course_tools.install the same questions.

What the GPU builds need (compute capability 5.x-8.x, CUDA 11 libraries) is written once, beside
the code that checks it, in course_tools/install.py; the measurements are in docs/benchmarks.md, "GPU".
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from course_tools.install import mxnet_package_for_this_machine  # noqa: E402  (Colab's set-up asks it too)

if __name__ == "__main__":
    package, reason = mxnet_package_for_this_machine()
    if reason:
        print(f"setup: {reason}; installing the CPU build `mxnet`: training runs on the CPU "
              "(MXNET_VARIANT=mxnet-cu117 make setup forces the GPU build).", file=sys.stderr)
    print(package)
