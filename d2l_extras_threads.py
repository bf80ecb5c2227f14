"""Give MXNet every core this process may use, before MXNet is imported.

Imported at interpreter start-up through a .pth file that scripts/setup.sh writes
into the virtual environment, so notebook kernels and nbval get it too. MXNet's
OpenMP pool reads OMP_NUM_THREADS once, when libmxnet is loaded; on a 2-core
machine its default used one core. A value the user set is left alone, and
``D2L_THREADS=default`` keeps MXNet's own choice (the benchmark's "book" path uses it).
"""
import os


def cores_available():
    """Number of cores this process may run on (affinity-aware where the OS says)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS has no sched_getaffinity
        return os.cpu_count() or 1


def configure():
    """Set OMP_NUM_THREADS to the available cores unless the user chose a value."""
    if os.environ.get("D2L_THREADS") == "default":
        return None
    os.environ.setdefault("OMP_NUM_THREADS", str(cores_available()))
    return int(os.environ["OMP_NUM_THREADS"])


configure()
