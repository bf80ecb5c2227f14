"""Installing MXNet: the mxnet 1.9.1 build that fits this machine, and the course's set-up in Colab.

:func:`mxnet_package_for_this_machine` is the choice that ``make setup``
(``scripts/mxnet_variant.py``), ``make gpu-check`` and Colab's set-up cell make: the newest
``mxnet-cu1xx`` wheel that this machine's NVIDIA driver, GPUs and CUDA libraries can run,
else the CPU build ``mxnet``. :func:`setup_colab` installs it, with d2l, into a Colab Python
without touching NumPy. Only the standard library and the start-up module are imported here:
the choice is made before MXNet is installed.
"""
import ctypes
import importlib
import importlib.metadata as metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile

import d2l_extras_boot
from d2l_extras_boot import PTH_LINE, start

__all__ = ["mxnet_package", "choose_mxnet_package", "mxnet_package_for_this_machine", "driver_cuda_version",
           "gpu_names", "gpu_compute_capabilities", "gpu_code_runs_on", "unusable_gpus_reason",
           "missing_cuda_libraries", "in_colab", "setup_colab"]

# CUDA builds published for mxnet 1.9.1, oldest first (cu117 is the last one built).
CUDA_WHEELS = [(10, 1), (10, 2), (11, 0), (11, 2), (11, 3), (11, 4), (11, 5), (11, 6), (11, 7)]


def _nvidia_smi(*args):
    """What ``nvidia-smi args`` prints, or None without the tool (no NVIDIA driver) or
    when it fails."""
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        return subprocess.run(["nvidia-smi", *args], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def driver_cuda_version():
    """(major, minor) of the CUDA version the NVIDIA driver supports, or None."""
    match = re.search(r"CUDA Version:\s*(\d+)\.(\d+)", _nvidia_smi() or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def gpu_names():
    """The GPUs ``nvidia-smi -L`` lists, one line each (empty without the tool)."""
    return [line for line in (_nvidia_smi("-L") or "").splitlines() if line.strip()]


def mxnet_package(cuda=None):
    """The mxnet 1.9.1 package for a driver's CUDA version: ``mxnet`` (CPU, for None) or
    the newest ``mxnet-cu1xx`` not newer than the driver's CUDA."""
    fitting = [v for v in CUDA_WHEELS if cuda is not None and v <= tuple(cuda)]
    return "mxnet" if not fitting else "mxnet-cu%d%d" % fitting[-1]


# What the GPU builds of mxnet 1.9.1 need, read from libmxnet.so of mxnet-cu112 and -cu117
# (docs/benchmarks.md, "GPU"): machine code for these compute capabilities and no PTX that a
# newer chip's driver could compile (code built for X.Y runs on X.Z, Z >= Y: so 5.x to 8.x,
# T4 to L4, and not Hopper or Blackwell); and CUDA 11 libraries they do not contain, which
# come with a CUDA 11 toolkit, cuDNN 8 and NCCL 2, not with the driver.
MXNET_GPU_ARCHS = [(5, 0), (6, 0), (7, 0), (8, 0), (8, 6)]
CUDA11_LIBRARIES = ["libcudart.so.11.0", "libcublas.so.11", "libcufft.so.10", "libcurand.so.10",
                    "libcusolver.so.11", "libcusparse.so.11", "libnvrtc.so.11.2", "libnvToolsExt.so.1",
                    "libcudnn.so.8", "libnccl.so.2"]


def gpu_compute_capabilities():
    """(major, minor) of each GPU ``nvidia-smi`` lists; [] without the tool, or with a
    driver too old to report it (then nothing is assumed)."""
    out = _nvidia_smi("--query-gpu=compute_cap", "--format=csv,noheader") or ""
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
    return ("this machine's NVIDIA GPU (compute capability %s) cannot run mxnet 1.9.1's GPU builds: "
            "they carry code for compute capability 5.0 to 8.x only (e.g. T4, V100, A100, L4, RTX 30/40), "
            "not for Hopper (H100, H200) or newer, and every GPU operator would fail with 'no kernel "
            "image is available'" % shown)


def missing_cuda_libraries(package, loadable=None):
    """The CUDA 11 libraries a ``mxnet-cu11x`` build links to that this machine cannot load
    ([] for the CPU build; the CUDA 10 builds' lists are not checked)."""
    if not package.startswith("mxnet-cu11"):
        return []
    if loadable is None:
        def loadable(name):
            try:
                ctypes.CDLL(name)  # the dynamic loader's own search, as libmxnet.so's will be
            except OSError:
                return False
            return True
    return [name for name in CUDA11_LIBRARIES if not loadable(name)]


def choose_mxnet_package(cuda=None, capabilities=()):
    """The package for a driver's CUDA version and its GPUs' compute capabilities."""
    return "mxnet" if unusable_gpus_reason(capabilities) else mxnet_package(cuda)


def mxnet_package_for_this_machine(loadable=None):
    """(package, reason): the GPU build that this machine's driver, GPUs and CUDA libraries
    can run, else ``mxnet`` (CPU), with the reason where a GPU build cannot be used (None
    where there is nothing to say, e.g. no NVIDIA driver)."""
    capabilities = gpu_compute_capabilities()
    package = choose_mxnet_package(driver_cuda_version(), capabilities)
    reason = unusable_gpus_reason(capabilities)
    missing = missing_cuda_libraries(package, loadable)
    if missing:
        reason = ("the GPU build %s links to CUDA 11 libraries that this machine cannot load (%s): they "
                  "come with a CUDA 11 toolkit, cuDNN 8 and NCCL 2, not with the NVIDIA driver; install "
                  "them, or add their folder to LD_LIBRARY_PATH" % (package, ", ".join(missing)))
        package = "mxnet"
    return package, reason


def in_colab():
    """True inside Google Colab (its module is loaded, or its runtime's variable is set)."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


# Imported by d2l or mxnet and preinstalled in Colab; installed only where missing.
COLAB_IMPORTS = {"pandas": "pandas", "requests": "requests", "IPython": "ipython",
                 "matplotlib": "matplotlib", "matplotlib_inline": "matplotlib-inline",
                 "setuptools": "setuptools"}


def setup_colab(cuda="detect", pip=None):
    """Install MXNet 1.9.1 and d2l 1.0.3 into this (Colab) Python without touching NumPy.

    Both are installed with ``--no-deps`` (their metadata asks for NumPy < 2 and
    d2l's exact pins); the packages they import are installed only where missing, with
    NumPy held at its installed version. No runtime restart is needed: NumPy is not
    changed, and ``d2l_extras_boot.start`` restores the names mxnet reads before it is imported.

    Parameters
    ----------
    cuda : "detect", None or (major, minor)
        The driver's CUDA version (None: CPU wheel). ``"detect"``: the GPU build this
        machine's driver, GPUs and CUDA libraries can run (``mxnet_package_for_this_machine``),
        else the CPU build, saying why on standard error.
    pip : list of str, optional
        The pip command (default: this Python's ``-m pip``).

    Returns
    -------
    list of str
        The requirements it installed (empty when everything was there).
    """
    pip = pip or [sys.executable, "-m", "pip", "install", "-q"]
    if cuda == "detect":
        package, reason = mxnet_package_for_this_machine()
        if reason:
            print("setup_colab: %s. Installing the CPU build `mxnet`: training runs on the CPU, with the "
                  "cpu profile's settings (or choose Runtime > Change runtime type > CPU)." % reason,
                  file=sys.stderr)
    else:
        package = mxnet_package(cuda)
    wanted = [package + "==1.9.1", "d2l==1.0.3"]
    installed = {}
    for req in wanted:
        name, version = req.split("==")
        try:
            installed[req] = metadata.version(name) == version
        except metadata.PackageNotFoundError:
            installed[req] = False
    todo = [r for r in wanted if not installed[r]]
    missing = [pkg for mod, pkg in COLAB_IMPORTS.items() if importlib.util.find_spec(mod) is None]
    if todo:
        subprocess.run(pip + ["--no-deps"] + todo, check=True)
    if missing:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as hold:
            hold.write("numpy==%s\n" % metadata.version("numpy"))
        subprocess.run(pip + ["-c", hold.name] + missing, check=True)
        os.unlink(hold.name)
    importlib.invalidate_caches()
    _install_hook_file()
    start()
    return todo + missing


def _install_hook_file():
    """Write the start-up hook next to d2l_extras_boot when it is installed in site-packages,
    so that every later Python there (a launcher's server, a script) gets it too."""
    here = os.path.dirname(os.path.abspath(d2l_extras_boot.__file__))
    if os.path.basename(here) not in ("site-packages", "dist-packages"):
        return None  # an editable install (a checkout): setup.sh writes the venv's hook
    path = os.path.join(here, "d2l_extras_boot.pth")
    try:
        with open(path, "w") as f:
            f.write(PTH_LINE + "\n")
    except OSError:
        return None
    return path
