"""off_main_thread, and the identity's digest that uses it (d2l_extras.speedups.threads)."""
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as onp
import pytest
from mxnet import np, npx

from d2l_extras import checkpoint
from d2l_extras.speedups.threads import off_main_thread

ROOT = Path(__file__).resolve().parents[1]
npx.set_np()


def test_off_main_thread_returns_the_result_from_another_thread():
    assert off_main_thread(lambda a, b: (a + b, threading.get_ident()), 2, 3)[0] == 5
    assert off_main_thread(threading.get_ident) != threading.get_ident()


def test_off_main_thread_raises_the_functions_exception_in_the_caller():
    def fail():
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        off_main_thread(fail)


def test_the_digest_tells_values_shapes_and_dtypes_apart():
    def digest(*arrays):
        return checkpoint._digest_arrays(iter(arrays))

    base = digest(np.arange(12).reshape(3, 4), np.zeros((0, 3)))
    assert digest(np.arange(12).reshape(3, 4), np.zeros((0, 3))) == base, "same values, same digest"
    assert digest(onp.arange(12).reshape(3, 4).astype("float32"), onp.zeros((0, 3), dtype="float32")) == base, \
        "NumPy and MXNet arrays of the same values"
    changed = np.arange(12).reshape(3, 4)
    changed[2, 3] = 12
    assert digest(changed, np.zeros((0, 3))) != base, "one value"
    assert digest(np.arange(12).reshape(4, 3), np.zeros((0, 3))) != base, "the same bytes in another shape"
    assert digest(np.arange(12).reshape(3, 4).astype("float64"), np.zeros((0, 3))) != base, "another dtype"
    assert digest(np.arange(12).reshape(3, 4)) != base, "an array fewer"


def test_the_digest_reads_the_arrays_outside_the_calling_thread():
    readers = []

    class Recorded:
        def asnumpy(self):
            readers.append(threading.get_ident())
            return onp.ones(3)

    checkpoint._digest_arrays([Recorded(), Recorded()])
    assert len(readers) == 2 and threading.get_ident() not in readers


PROBE = r"""
import json, os, sys, time
import mxnet as mx
from mxnet import np, npx
from mxnet.gluon import nn
import d2l_extras as dx
from d2l_extras import checkpoint, training
from d2l_extras.speedups.threads import openmp_runtime
npx.set_np()

def threads(at_most=None):
    # The process's thread count; with at_most, waits (up to 5 s) for exiting threads to go.
    deadline = time.monotonic() + 5
    while True:
        count = len(os.listdir("/proc/self/task"))
        if at_most is None or count <= at_most or time.monotonic() > deadline:
            return count
        time.sleep(0.05)

net = nn.Dense(10, in_units=30000)  # 300,000 weights: asnumpy copies them with an OpenMP loop
net.initialize()
X, y = np.ones((2, 30000)), np.zeros(2)
net(X).wait_to_read()
time.sleep(0.2)
counts = {"before": threads()}
if sys.argv[1] == "identity":
    openmp_runtime().omp_set_num_threads(2)  # undo import d2l_extras's guard: the digest alone
    checkpoint.training_identity(net, [(X, y)], (X, y), 1, 0.1, dx.Recipe(), training.Parallel([mx.cpu()], "device"))
    counts["after"] = threads(at_most=counts["before"])
else:  # a student's cell: a large read in the main thread, after import d2l_extras
    net.weight.data().asnumpy()
    time.sleep(0.5)
    counts["after"] = threads()
    openmp_runtime().omp_set_num_threads(2)
net.weight.data().asnumpy()  # the control: the same read, main thread, two OpenMP threads
time.sleep(0.5)
counts["main_thread_read"] = threads()
print("PROBE", json.dumps(counts))
"""


def _probe(mode, **env):
    env = dict(os.environ, OMP_NUM_THREADS="2", PYTHONPATH=str(ROOT), **env)
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    counts = json.loads(out.stdout.split("PROBE", 1)[1])
    # The probe can show the effect here: a read in the main thread with two OpenMP threads
    # does leave a thread.
    assert counts["main_thread_read"] > counts["before"], counts
    return counts


linux_only = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc (Linux)")


@linux_only
def test_the_training_identity_leaves_no_openmp_team_in_the_main_thread():
    """With the runner's checkpoints on, fit digests the initial parameters. Read in the main
    thread, they left an OpenMP thread behind, and GoogLeNet then trained a quarter slower."""
    counts = _probe("identity")
    assert counts["after"] == counts["before"], counts


@linux_only
def test_a_large_read_in_a_notebook_cell_leaves_no_openmp_team_after_import_d2l_extras():
    """The same slowdown from a student's cell (``X.asnumpy()`` before ``fit``): the import
    gives the main thread's own OpenMP loops one thread."""
    counts = _probe("cell")
    assert counts["after"] == counts["before"], counts


@linux_only
def test_the_main_thread_keeps_mxnets_choice_with_d2l_threads_default():
    """D2L_THREADS=default (the benchmark's book path) leaves MXNet's threading as it is."""
    code = ("import d2l_extras\nfrom d2l_extras.speedups.threads import serial_main_thread\n"
            "print('GUARD', serial_main_thread())")
    for env, expected in (({"D2L_THREADS": "default"}, "False"), ({"MXNET_ENGINE_TYPE": "NaiveEngine"}, "False"),
                          ({}, "True")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300,
                             env=dict(os.environ, PYTHONPATH=str(ROOT), **env))
        assert out.returncode == 0, out.stderr[-2000:]
        assert out.stdout.split("GUARD", 1)[1].strip() == expected, (env, out.stdout)


def test_the_openmp_runtime_is_found_in_the_memory_map(tmp_path):
    maps = tmp_path / "maps"
    maps.write_text("7f00-7f10 r-xp 00000000 08:01 42 /usr/lib/libc.so.6\n"
                    "7f20-7f30 r--p 00000000 00:00 0 \n")
    from d2l_extras.speedups.threads import openmp_runtime

    assert openmp_runtime(str(maps)) is None
    assert openmp_runtime(str(tmp_path / "absent")) is None
    if os.path.isdir("/proc/self/task"):  # this process has MXNet, and so its OpenMP runtime, loaded
        assert openmp_runtime() is not None
