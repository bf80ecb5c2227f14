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

What the CPU is lives in ``d2l_extras.cpu``; which MXNet build fits this machine and the
Colab install, in ``course_tools.install``. This module imports neither: it runs in every
Python, before anything else of the course.
"""
import builtins
import os
import sys
import types
import warnings

__all__ = ["cores_available", "configure_threads", "restore_numpy_names", "supplied_numpy_names",
           "restore_scalar_repr", "start", "setup_colab"]

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
        import numpy as np  # here, not at start-up: a Python that never imports MXNet skips NumPy
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
        import numpy as np  # here, not at start-up (see restore_numpy_names)
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


def setup_colab(*args, **kwargs):
    """The notebooks' Colab cell calls this name: :func:`course_tools.install.setup_colab`."""
    from course_tools.install import setup_colab  # tooling, loaded only in Colab's set-up cell

    return setup_colab(*args, **kwargs)
