"""Whether another program holds a core while MXNet has a thread for every one.

MXNet's operators split their work over OMP_NUM_THREADS threads, one per core by default.
When another program keeps a core busy, every operator waits for the thread that shares that
core: a training then runs at about half its speed, slower than with one thread fewer
(docs/benchmarks.md). ``fit``'s default callbacks include ``BusyCoresNote``, which checks
once per process when training on the CPU and says what to do.
"""
import os
import time

from .callbacks import Callback

__all__ = ["cores_busy_elsewhere", "warn_if_cores_busy", "BusyCoresNote"]

# Cores' worth of CPU time other processes use for the warning; a browser or an editor at
# rest stays well below it.
THRESHOLD = 0.5
WINDOW = 0.25  # seconds measured

_warned = False


def _busy_ticks(stat="/proc/stat"):
    """Clock ticks every core has spent busy since boot (Linux), or None where unknown."""
    try:
        with open(stat, encoding="ascii") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle


def _own_ticks(stat="/proc/self/stat"):
    """Clock ticks this process (all its threads) has spent on a core, or None where unknown."""
    try:
        with open(stat, encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # utime + stime


def cores_busy_elsewhere(window=WINDOW, busy=_busy_ticks, own=_own_ticks, sleep=time.sleep):
    """Cores' worth of CPU time other processes used over ``window`` seconds, or None where the
    system does not say (not Linux)."""
    before = busy(), own()
    sleep(window)
    after = busy(), own()
    if None in before or None in after:
        return None
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return max(0.0, ((after[0] - before[0]) - (after[1] - before[1])) / ticks / window)


def warn_if_cores_busy(threads=None, cores=None, measure=cores_busy_elsewhere):
    """Say once per process, in the reader's language, when another program holds a core while
    MXNet runs a thread on every core. Returns whether it said so."""
    global _warned
    if _warned:
        return False
    _warned = True
    from d2l_extras_boot import cores_available

    from .language import say

    cores = cores or cores_available()
    try:
        threads = threads or int(os.environ.get("OMP_NUM_THREADS", cores))
    except ValueError:
        return False
    if cores < 2 or threads < cores:
        return False  # one core, or a thread fewer than the cores: nothing to gain
    elsewhere = measure()
    if elsewhere is None or elsewhere < THRESHOLD:
        return False
    say("Một chương trình khác đang dùng khoảng {busy:.1f} nhân CPU, trong khi MXNet chạy một luồng trên mỗi "
        "nhân trong {cores} nhân: huấn luyện có thể chậm đi gần một nửa. Hãy đóng chương trình đó, hoặc khởi "
        "động lại kernel với OMP_NUM_THREADS={fewer} (ít hơn một luồng).",
        "Another program is using about {busy:.1f} CPU cores while MXNet runs a thread on each of the "
        "{cores} cores: training may run at about half its speed. Close that program, or restart the "
        "kernel with OMP_NUM_THREADS={fewer} (one thread fewer).",
        busy=elsewhere, cores=cores, fewer=cores - 1)
    return True


class BusyCoresNote(Callback):
    """At the start of a training on CPUs only, ``warn_if_cores_busy`` (once per process)."""

    def on_train_begin(self, info):
        if all(d.device_type == "cpu" for d in info["devices"]):
            warn_if_cores_busy()
