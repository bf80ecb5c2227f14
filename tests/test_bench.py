"""The benchmark's own machinery (scripts/bench.py): the busy core and what it reports of the CPU."""
import os
import time

from slides_helpers import load_script

bench = load_script("scripts/bench.py", "bench")


def children_cpu_seconds():
    t = os.times()
    return t.children_user + t.children_system


def test_the_busy_core_spins_while_the_block_runs_and_is_gone_after():
    before = children_cpu_seconds()
    with bench.busy_core(60):
        time.sleep(1.0)
    busy = children_cpu_seconds() - before  # counted once the loop was killed and reaped
    assert busy > 0.2, f"the busy loop used {busy:.2f} s of CPU in 1 s"  # a sleeping child: ~0.02
    started = time.monotonic()
    with bench.busy_core(0.5):  # bounded by itself too
        pass
    assert time.monotonic() - started < 5


def test_vector_extensions_come_from_cpuinfo():
    flags = open("/proc/cpuinfo").read()
    found = bench.vector_extensions()
    assert found == [f for f in ("avx512f", "avx512_vnni", "avx512_bf16", "avx2", "fma", "avx", "sse4_2")
                     if f" {f} " in flags.replace("\n", " ")]
