"""Start-up of every Python of the course, run before MXNet is imported.

Two things, both before ``import mxnet``:

* threads: MXNet's OpenMP pool reads ``OMP_NUM_THREADS`` once, when libmxnet is loaded;
  on a 2-core machine its default used one core. :func:`configure_threads` sets it to the
  cores this process may use, unless the user set a value or ``D2L_THREADS=default``
  (keep MXNet's own choice; the benchmark's "book" path uses it).
* NumPy names: mxnet 1.9.1 reads NumPy names that NumPy 1.24 and 2.0 removed, and fails
  to import without them. :func:`restore_numpy_names` adds each one that is *missing*,
  as NumPy's documented replacement, and records it (:func:`supplied_numpy_names`).
  On NumPy 2, :func:`restore_scalar_repr` also prints NumPy scalars as NumPy 1 did, which
  mxnet needs to pass them to its C library. On NumPy 1.23.5 nothing is changed.

:func:`start` does both. It runs at interpreter start-up through a ``.pth`` file that
scripts/setup.sh writes into the virtual environment (so notebook kernels, nbval, the
runner and the launcher's workers get it), and ``import d2l_extras`` runs it too (conda,
Colab). The NumPy part waits for the first ``import mxnet``, so a Python that never uses
MXNet (pip, jupyter's server) does not pay for importing NumPy.
"""
import os
import sys
import types
import warnings

__all__ = ["cores_available", "cpu_info", "cpu_model", "cpu_kind", "cpu_label", "widest_vectors", "configure_threads",
           "restore_numpy_names", "supplied_numpy_names", "restore_scalar_repr", "start", "mxnet_package",
           "mxnet_package_for_this_machine", "in_colab", "setup_colab"]

# name -> NumPy's documented replacement, as a description shown to the user
NUMPY_REPLACEMENTS = {
    # removed in NumPy 1.24 (deprecated in 1.20): the builtins they aliased
    # (NumPy 2 has np.bool again, as np.bool_: then it is left alone)
    "bool": "bool", "int": "int", "float": "float", "complex": "complex",
    "object": "object", "str": "str",
    # removed in NumPy 2.0 (NEP 52)
    "PZERO": "0.0", "NZERO": "-0.0", "PINF": "np.inf", "NINF": "-np.inf", "NAN": "np.nan",
    "NaN": "np.nan", "Inf": "np.inf",
    "alltrue": "np.all", "sometrue": "np.any", "round_": "np.round", "product": "np.prod",
    "msort": "np.sort(a, axis=0)",
    "compat": "Python 3's builtins (compat.basestring is str)",
    # removed in NumPy 1.20 (NEP 32); NumPy < 2 answered with a function that raises
    "mirr": "numpy_financial.mirr", "npv": "numpy_financial.npv", "pmt": "numpy_financial.pmt",
    "ppmt": "numpy_financial.ppmt", "pv": "numpy_financial.pv", "rate": "numpy_financial.rate",
}
FINANCIAL = ("mirr", "npv", "pmt", "ppmt", "pv", "rate")
# The line of the .pth file that runs start() when any Python of the environment starts.
PTH_LINE = "import d2l_extras_boot; d2l_extras_boot.start()"

_supplied = {}  # id(numpy module) -> (the module, names this layer added to it)


def cores_available():
    """Number of cores this process may run on (affinity-aware where the OS says)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no sched_getaffinity
        return os.cpu_count() or 1


def cpu_info(cpuinfo="/proc/cpuinfo"):
    """What Linux's /proc/cpuinfo says of the CPU (its first core's lines): ``model`` (model name),
    ``vendor`` (``vendor_id``), ``family`` and ``model_number`` (ints), ``flags`` (a set) and
    ``mhz`` (the highest clock of its cores, 0.0 when not given).
    Elsewhere (no such file): None for each name and number, an empty set and 0.0."""
    info = {"model": None, "vendor": None, "family": None, "model_number": None, "flags": set(), "mhz": 0.0}
    first = {"model name": ("model", str.strip), "vendor_id": ("vendor", str.strip),
             "cpu family": ("family", int), "model": ("model_number", int),
             "flags": ("flags", lambda v: set(v.split()))}
    seen = set()
    try:
        with open(cpuinfo, encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in first and key not in seen:  # the first core's value
                    seen.add(key)
                    name, parse = first[key]
                    try:
                        info[name] = parse(value)
                    except ValueError:  # not a number where one is expected: left as not given
                        pass
                elif key == "cpu MHz":
                    info["mhz"] = max(info["mhz"], float(value))
    except OSError:
        pass
    return info


def cpu_model(cpuinfo="/proc/cpuinfo"):
    """The CPU's model name (Linux's /proc/cpuinfo), else what ``platform`` knows."""
    model = cpu_info(cpuinfo)["model"]
    if model is not None:
        return model
    import platform

    return platform.processor() or platform.machine() or "unknown CPU"


def widest_vectors(flags):
    """The widest SIMD extension in a CPU's flags, as people write it ("AVX-512", "AVX2"...), or None."""
    for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"), ("sse4_2", "SSE4.2")):
        if flag in flags:
            return name
    return None


def cpu_kind(cpuinfo="/proc/cpuinfo"):
    """What tells CPUs apart, for keying measurements and labelling results: ``cpu`` (the model
    name, :func:`cpu_model`), ``family`` and ``model`` (the vendor's numbers, None where not
    given) and ``vectors`` (the widest SIMD extension, :func:`widest_vectors`).

    The name alone does not: a virtual machine may call an AVX2 Zen 3 (family 25 model 1) and an
    AVX-512 Zen 4 (model 17) both "AMD EPYC", and they train at different speeds."""
    info = cpu_info(cpuinfo)
    return {"cpu": cpu_model(cpuinfo), "family": info["family"], "model": info["model_number"],
            "vectors": widest_vectors(info["flags"])}


def cpu_label(kind=None):
    """:func:`cpu_kind` in one line of English, e.g. "AMD EPYC, family 25 model 17, AVX-512"."""
    kind = cpu_kind() if kind is None else kind
    parts = [kind["cpu"]]
    if kind["family"] is not None and kind["model"] is not None:
        parts.append(f"family {kind['family']} model {kind['model']}")
    if kind["vectors"]:
        parts.append(kind["vectors"])
    return ", ".join(parts)


def configure_threads():
    """Set OMP_NUM_THREADS to the available cores unless the user chose a value.

    Returns
    -------
    int or None
        The number of threads MXNet will use, or None with ``D2L_THREADS=default``.
    """
    if os.environ.get("D2L_THREADS") == "default":
        return None
    os.environ.setdefault("OMP_NUM_THREADS", str(cores_available()))
    return int(os.environ["OMP_NUM_THREADS"])


def _financial_stub(name):
    message = (f"numpy.{name} was removed from NumPy in version 1.20 (NEP 32); "
               f"use numpy_financial.{name} instead (pip install numpy-financial)")

    def removed(*args, **kwargs):
        raise RuntimeError(message)

    removed.__name__ = removed.__qualname__ = name
    removed.__doc__ = message
    return removed


def _replacement(np, name):
    """The value NumPy documents in place of ``np.<name>``."""
    import builtins

    if name in ("bool", "int", "float", "complex", "object", "str"):
        return getattr(builtins, name)
    if name in FINANCIAL:
        return _financial_stub(name)
    if name == "msort":
        def msort(a):
            """Return a copy of an array sorted along the first axis (``np.sort(a, axis=0)``)."""
            return np.sort(a, axis=0)
        return msort
    if name == "compat":  # numpy.compat's Python 2 names; mxnet reads compat.basestring
        return types.SimpleNamespace(basestring=str, unicode=str, long=int, integer_types=(int,))
    return {"PZERO": lambda: 0.0, "NZERO": lambda: -0.0, "PINF": lambda: np.inf,
            "NINF": lambda: -np.inf, "NAN": lambda: np.nan, "NaN": lambda: np.nan,
            "Inf": lambda: np.inf, "alltrue": lambda: np.all,
            "sometrue": lambda: np.any, "round_": lambda: np.round,
            "product": lambda: np.prod}[name]()


def _has(np, name):
    # NumPy < 2 answers deprecated names through a module __getattr__ that warns.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            getattr(np, name)
        except AttributeError:
            return False
    return True


def restore_numpy_names(np=None):
    """Add to NumPy each name mxnet 1.9.1 reads that this NumPy no longer has.

    Parameters
    ----------
    np : module, optional
        The NumPy module (or a stand-in namespace, for tests); default ``numpy``.

    Returns
    -------
    tuple of str
        The names added by this call (empty on NumPy 1.23.5, or when already done).
    """
    if np is None:
        import numpy as np
    added = []
    for name in NUMPY_REPLACEMENTS:
        if not _has(np, name):
            setattr(np, name, _replacement(np, name))
            added.append(name)
    _supplied.setdefault(id(np), (np, []))[1].extend(added)
    return tuple(added)


def supplied_numpy_names(np=None):
    """Names that :func:`restore_numpy_names` added to NumPy in this process, in order.

    Returns
    -------
    dict
        ``{name: replacement}``, e.g. ``{'PZERO': '0.0', ...}``; empty on NumPy 1.23.5.
    """
    if np is None:
        np = sys.modules.get("numpy")
        if np is None:
            return {}
    return {name: NUMPY_REPLACEMENTS[name] for name in _supplied.get(id(np), (np, []))[1]}


def restore_scalar_repr(np=None):
    """On NumPy 2, print NumPy scalars as NumPy 1 did (``32``, not ``np.int64(32)``).

    mxnet 1.9.1 passes operator parameters to its C library as text made by ``str()``; on
    NumPy 2 a list of NumPy integers becomes ``'[0, np.int64(32)]'``, which the library
    rejects (``split_and_load`` across devices fails this way). NumPy's documented switch
    for code that needs the old form is ``np.set_printoptions(legacy="1.25")``. Nothing is
    changed on NumPy 1, nor when the printing options already ask for a legacy form.

    Returns
    -------
    bool
        True if this call switched the scalar printing.
    """
    if np is None:
        import numpy as np
    version = getattr(np, "__version__", "0")
    if not hasattr(np, "set_printoptions") or int(version.split(".")[0]) < 2:
        return False
    if np.get_printoptions().get("legacy", False) is not False:
        return False
    np.set_printoptions(legacy="1.25")
    return True


def _restore_all():
    restore_numpy_names()
    restore_scalar_repr()


class _BeforeMXNet:
    """Import hook: restore NumPy's names just before the first ``import mxnet``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "mxnet":
            _remove_hook()
            _restore_all()
        return None  # let the usual finders import it


def _remove_hook():
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _BeforeMXNet)]


def start():
    """Configure threads, and restore NumPy's names before MXNet loads (now if it is loaded)."""
    configure_threads()
    if "mxnet" in sys.modules or "numpy" in sys.modules:
        _remove_hook()
        _restore_all()
    elif not any(isinstance(f, _BeforeMXNet) for f in sys.meta_path):
        sys.meta_path.insert(0, _BeforeMXNet())


# ---------------------------------------------------------------- MXNet wheel and Colab
# CUDA builds published for mxnet 1.9.1, oldest first (cu117 is the last one built).
CUDA_WHEELS = [(10, 1), (10, 2), (11, 0), (11, 2), (11, 3), (11, 4), (11, 5), (11, 6), (11, 7)]


def _nvidia_smi(*args):
    """What ``nvidia-smi args`` prints, or None without the tool (no NVIDIA driver) or
    when it fails."""
    import shutil
    import subprocess

    if shutil.which("nvidia-smi") is None:
        return None
    try:
        return subprocess.run(["nvidia-smi", *args], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def driver_cuda_version():
    """(major, minor) of the CUDA version the NVIDIA driver supports, or None."""
    import re

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
    import re

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
        import ctypes

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
    changed, and :func:`start` restores the names mxnet reads before it is imported.

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
    import importlib
    import importlib.metadata as metadata
    import importlib.util
    import subprocess
    import tempfile

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
    """Write the start-up hook next to this module when it is installed in site-packages,
    so that every later Python there (a launcher's server, a script) gets it too."""
    here = os.path.dirname(os.path.abspath(__file__))
    if os.path.basename(here) not in ("site-packages", "dist-packages"):
        return None  # an editable install (a checkout): setup.sh writes the venv's hook
    path = os.path.join(here, "d2l_extras_boot.pth")
    try:
        with open(path, "w") as f:
            f.write(PTH_LINE + "\n")
    except OSError:
        return None
    return path
