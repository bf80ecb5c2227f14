"""Print the mxnet 1.9.1 package that fits this machine: `mxnet` (CPU) or `mxnet-cu1xx`.

The choice is d2l_extras_boot.mxnet_package_for_this_machine, which Colab's set-up cell
(d2l_extras_boot.setup_colab) makes too: the driver's highest supported CUDA version is read
from `nvidia-smi`; the newest mxnet-cu1xx wheel (cu117 is the last one built) not newer than
that is chosen, unless no GPU can run the GPU builds' code (compute
capability 9.0 and newer: Hopper, Blackwell) or the CUDA 11 libraries they link to cannot be
loaded: then the CPU build, with the reason on standard error. This is `make setup`'s
command line; `make gpu-check` asks it too.

What the GPU builds of mxnet 1.9.1 need was read from libmxnet.so of mxnet-cu112 and -cu117
(docs/benchmarks.md, "GPU"):

- machine code for compute capability 5.0, 6.0, 7.0, 8.0 and 8.6 (sm_50 ... sm_86) and no PTX
  that a newer chip's driver could compile. Code built for X.Y runs on X.Z with Z >= Y only,
  so they run on 5.x to 8.x (Maxwell to Ada: T4 7.5, A100 8.0, L4 8.9) and not on 9.0 and
  newer (Hopper H100/H200, Blackwell): there every GPU operator fails with "no kernel image is
  available for execution on the device";
- CUDA 11 libraries that they do not contain, which come with a CUDA 11 toolkit, cuDNN 8 and
  NCCL 2, not with the driver (libcuda.so.1): a machine with only CUDA 12 or 13 cannot import
  them.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from d2l_extras_boot import mxnet_package_for_this_machine  # noqa: E402  (Colab's set-up asks it too)

if __name__ == "__main__":
    package, reason = mxnet_package_for_this_machine()
    if reason:
        print(f"setup: {reason}; installing the CPU build `mxnet`: training runs on the CPU "
              "(MXNET_VARIANT=mxnet-cu117 make setup forces the GPU build).", file=sys.stderr)
    print(package)
