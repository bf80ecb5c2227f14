"""Reading MXNet arrays without leaving an OpenMP team in the main thread.

Copying a large MXNet array to NumPy (``asnumpy`` of more than MXNET_CPU_PARALLEL_SIZE,
200,000, elements) runs an OpenMP loop in the thread that asks for it. In the main thread,
libgomp keeps that loop's team (OMP_NUM_THREADS - 1 threads) for the rest of the process.
MXNet's operators run on its engine's threads, each with its own team: with more OpenMP
threads than cores, libgomp stops spinning between parallel regions (its spin count is
throttled), and every operator waits on a futex and competes for the cores. On 2 cores one
such read before training made GoogLeNet train a quarter slower (docs/benchmarks.md). A
short-lived thread's team ends with the thread.
"""
import threading

__all__ = ["off_main_thread"]


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
