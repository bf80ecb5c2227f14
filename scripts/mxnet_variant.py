"""Print the mxnet 1.9.1 package that fits this machine: `mxnet` (CPU) or `mxnet-cu1xx`.

The driver's highest supported CUDA version is read from `nvidia-smi`; the newest
mxnet-cu1xx wheel (cu117 is the last one built) not newer than that is chosen.
"""
import re
import shutil
import subprocess

# CUDA builds published for mxnet 1.9.1, oldest first.
CUDA_WHEELS = [(10, 1), (10, 2), (11, 0), (11, 2), (11, 3), (11, 4), (11, 5), (11, 6), (11, 7)]


def driver_cuda_version():
    """(major, minor) of the CUDA version the NVIDIA driver supports, or None."""
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        out = subprocess.run(["nvidia-smi"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"CUDA Version:\s*(\d+)\.(\d+)", out)
    return (int(match.group(1)), int(match.group(2))) if match else None


def choose(cuda):
    """Package name for a driver CUDA version (None means CPU)."""
    if cuda is None:
        return "mxnet"
    fitting = [v for v in CUDA_WHEELS if v <= cuda]
    if not fitting:
        return "mxnet"
    major, minor = fitting[-1]
    return f"mxnet-cu{major}{minor}"


if __name__ == "__main__":
    print(choose(driver_cuda_version()))
