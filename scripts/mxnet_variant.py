"""Print the mxnet 1.9.1 package that fits this machine: `mxnet` (CPU) or `mxnet-cu1xx`.

The driver's highest supported CUDA version is read from `nvidia-smi`; the newest
mxnet-cu1xx wheel (cu117 is the last one built) not newer than that is chosen. The logic
lives in d2l_extras_boot (Colab's set-up uses it too); this is set-up's command line.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from d2l_extras_boot import CUDA_WHEELS, driver_cuda_version, mxnet_package as choose  # noqa: E402,F401

if __name__ == "__main__":
    print(choose(driver_cuda_version()))
