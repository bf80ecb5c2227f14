"""Print the mxnet 1.9.1 package that fits this machine: `mxnet` (CPU) or `mxnet-cu1xx`.

The driver's highest supported CUDA version is read from `nvidia-smi`; the newest
mxnet-cu1xx wheel (cu117 is the last one built) not newer than that is chosen
(d2l_extras_boot.mxnet_package), unless no GPU can run the GPU builds' code (compute
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
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from d2l_extras_boot import CUDA_WHEELS, driver_cuda_version  # noqa: E402,F401
from d2l_extras_boot import mxnet_package as _by_driver  # noqa: E402

MXNET_GPU_ARCHS = [(5, 0), (6, 0), (7, 0), (8, 0), (8, 6)]
CUDA11_LIBRARIES = ["libcudart.so.11.0", "libcublas.so.11", "libcufft.so.10", "libcurand.so.10",
                    "libcusolver.so.11", "libcusparse.so.11", "libnvrtc.so.11.2", "libnvToolsExt.so.1",
                    "libcudnn.so.8", "libnccl.so.2"]


def gpu_compute_capabilities():
    """(major, minor) of each GPU ``nvidia-smi`` lists; [] without the tool, or with a
    driver too old to report it (then nothing is assumed)."""
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [(int(m.group(1)), int(m.group(2)))
            for m in (re.fullmatch(r"\s*(\d+)\.(\d+)\s*", line) for line in out.splitlines()) if m]


def gpu_code_runs_on(capability):
    """True when mxnet 1.9.1's GPU builds carry machine code for a GPU of this capability."""
    major, minor = capability
    return any(major == a_major and minor >= a_minor for a_major, a_minor in MXNET_GPU_ARCHS)


def unusable_gpus_reason(capabilities):
    """Why no GPU listed can run mxnet 1.9.1's GPU builds (None when one of them can, or
    when nothing is known about them)."""
    if not capabilities or any(gpu_code_runs_on(c) for c in capabilities):
        return None
    shown = ", ".join("%d.%d" % c for c in sorted(set(capabilities)))
    return (f"this machine's NVIDIA GPU (compute capability {shown}) cannot run mxnet 1.9.1's GPU builds: "
            "they carry code for compute capability 5.0 to 8.x only (e.g. T4, V100, A100, L4, RTX 30/40), "
            "not for Hopper (H100, H200) or newer, and every GPU operator would fail with 'no kernel "
            "image is available'")


def missing_cuda_libraries(package, loadable=None):
    """The CUDA 11 libraries a ``mxnet-cu11x`` build links to that this machine cannot load
    ([] for the CPU build; the CUDA 10 builds' lists are not checked)."""
    if not package.startswith("mxnet-cu11"):
        return []
    if loadable is None:
        import ctypes

        def loadable(name):
            try:
                ctypes.CDLL(name)  # the dynamic loader's own search, as libmxnet.so's will be
            except OSError:
                return False
            return True
    return [name for name in CUDA11_LIBRARIES if not loadable(name)]


def choose(cuda=None, capabilities=()):
    """The package for a driver's CUDA version and its GPUs' compute capabilities."""
    return "mxnet" if unusable_gpus_reason(capabilities) else _by_driver(cuda)


def choose_for_this_machine(loadable=None):
    """(package, reason): the GPU build that this machine's driver, GPUs and CUDA libraries
    can run, else ``mxnet`` (CPU), with the reason where a GPU build cannot be used (None
    where there is nothing to say, e.g. no NVIDIA driver)."""
    capabilities = gpu_compute_capabilities()
    package = choose(driver_cuda_version(), capabilities)
    reason = unusable_gpus_reason(capabilities)
    missing = missing_cuda_libraries(package, loadable)
    if missing:
        reason = (f"the GPU build {package} links to CUDA 11 libraries that this machine cannot load "
                  f"({', '.join(missing)}): they come with a CUDA 11 toolkit, cuDNN 8 and NCCL 2, not with "
                  "the NVIDIA driver; install them, or add their folder to LD_LIBRARY_PATH")
        package = "mxnet"
    return package, reason


if __name__ == "__main__":
    package, reason = choose_for_this_machine()
    if reason:
        print(f"setup: {reason}; installing the CPU build `mxnet`: training runs on the CPU "
              "(MXNET_VARIANT=mxnet-cu117 make setup forces the GPU build).", file=sys.stderr)
    print(package)
