"""Reading MXNet arrays without leaving an OpenMP team in the main thread.

Copying a large MXNet array to NumPy (``asnumpy`` of more than MXNET_CPU_PARALLEL_SIZE,
200,000, elements) runs an OpenMP loop in the thread that asks for it. In the main thread,
libgomp keeps that loop's team (OMP_NUM_THREADS - 1 threads) for the rest of the process.
MXNet's operators run on its engine's threads, each with its own team: with more OpenMP
threads than cores, libgomp stops spinning between parallel regions (its spin count is
throttled), and every operator waits on a futex and competes for the cores: on 2 cores a
training after such a read runs markedly slower (docs/benchmarks.md).

Two guards: the course's own reads go through :func:`off_main_thread` (a short-lived thread's
team ends with it), and ``import d2l_extras`` calls :func:`serial_main_thread`, so that a
read in a student's notebook cell runs its copy loop on one thread and leaves nothing behind.
"""
import ctypes
import os
import threading

__all__ = ["off_main_thread", "serial_main_thread", "openmp_runtime"]

_OPENMP_NAMES = ("libgomp", "libiomp5", "libomp")


def off_main_thread(function, *args):
    """``function(*args)`` run in a short-lived thread: its result, or its exception raised here."""
    outcome = {}

    def run():
        try:
            outcome["result"] = function(*args)
        except BaseException as error:  # handed to the caller, who raises it
            outcome["error"] = error

    worker = threading.Thread(target=run, name="d2l_extras.off_main_thread")
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def openmp_runtime(maps="/proc/self/maps"):
    """The OpenMP runtime this process has loaded (the one libmxnet uses), or None.

    Read from the process's memory map (Linux), so that ctypes gets the very library MXNet
    calls and not another copy of it.
    """
    try:
        with open(maps, encoding="utf-8") as f:
            fields = [line.split(None, 5) for line in f]
    except OSError:  # no /proc (macOS): nothing to find
        return None
    paths = [parts[5].strip() for parts in fields if len(parts) == 6]  # the mapped file, where there is one
    for path in paths:
        if os.path.basename(path).startswith(_OPENMP_NAMES) and ".so" in path:
            return ctypes.CDLL(path)
    return None


def serial_main_thread():
    """Give the main thread's own OpenMP loops one thread; True when that was done.

    Only this thread's setting changes (an OpenMP setting of a thread it did not start):
    MXNet's operators run on its engine's threads and keep every core. Not done, and False,
    under MXNet's ``NaiveEngine`` (operators run in the calling thread), with
    ``D2L_THREADS=default`` (MXNet's own choices, the benchmark's book path), outside the
    main thread, or where no OpenMP runtime is found.
    """
    if (os.environ.get("MXNET_ENGINE_TYPE") == "NaiveEngine" or os.environ.get("D2L_THREADS") == "default"
            or threading.current_thread() is not threading.main_thread()):
        return False
    runtime = openmp_runtime()
    if runtime is None:
        return False
    runtime.omp_set_num_threads(1)
    return True
