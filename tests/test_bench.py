"""The benchmarks' machinery (scripts/bench.py, gpu_check.py, seeds.py): the busy core, the CPU report,
the phases, the GPU check's error and tables, the seed table."""
import os
import re
import time

import pytest

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


@pytest.mark.parametrize("flags, vendor, family, want", [
    ({"avx512f", "avx2", "fma"}, "GenuineIntel", 6, 64),   # Xeon with AVX-512
    ({"avx512f", "avx2", "fma"}, "AuthenticAMD", 25, 32),  # Zen 4: AVX-512 on 256-bit units
    ({"avx512f", "avx2", "fma"}, "AuthenticAMD", 26, 64),  # Zen 5: 512-bit units
    ({"avx2", "fma", "avx"}, "AuthenticAMD", 25, 32),      # Zen 3
    ({"avx"}, None, None, 16),
    (set(), None, None, 8),
])
def test_the_peak_counts_the_vector_units_the_cpu_has(flags, vendor, family, want):
    assert bench.fp32_flops_per_cycle(flags, vendor, family) == want


def run_script(*args, timeout=600):
    import subprocess
    import sys

    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=bench.ROOT)


@pytest.mark.slow
def test_phases_time_every_phase_with_one_thread_and_every_core():
    out = run_script("scripts/bench.py", "--phases", "--nets", "batch_norm", "--test-subset", "512")
    assert out.returncode == 0, out.stderr[-2000:]
    row = next(line for line in out.stdout.splitlines() if line.startswith("batch_norm"))
    # five phases, each "1-thread ms | n-thread ms (speed-up)", then the epoch's shares
    assert row.count("|") == 5 and row.count("×") == 5, row
    assert all(word in row for word in ("data", "forw", "back", "upda", "eval")), row


def test_the_gpu_check_without_a_gpu_says_what_to_install():
    from d2l_extras.device import num_gpus

    if num_gpus():
        pytest.skip("this machine has a GPU")
    gpu_check = load_script("scripts/gpu_check.py", "gpu_check")
    if gpu_check.unusable_gpus_reason(gpu_check.gpu_compute_capabilities()):
        pytest.skip("this machine's GPU cannot run mxnet's GPU build: another message (tested below)")
    out = run_script("scripts/gpu_check.py", timeout=120)
    assert out.returncode != 0
    assert "no GPU" in out.stderr and "mxnet-cu117" in out.stderr and "--allow-cpu" in out.stderr


def test_the_gpu_check_stops_on_a_gpu_mxnet_has_no_code_for():
    """Compute capability 9.0 (H100/H200): mxnet 1.9.1's GPU builds have no code for it."""
    gpu_check = load_script("scripts/gpu_check.py", "gpu_check")
    for gpus in (0, 1):  # the CPU build installed by set-up, or the GPU build forced
        problem = gpu_check.gpu_problem(gpus, [(9, 0)])
        assert "compute capability 9.0" in problem and "no kernel image" in problem
        assert ("--allow-cpu" in problem) == (gpus == 0)
    assert gpu_check.gpu_problem(1, [(8, 0)]) is None
    assert gpu_check.gpu_problem(1, []) is None  # a driver that does not say: try
    assert "mxnet-cu117" in gpu_check.gpu_problem(0, [])


@pytest.mark.slow
def test_the_gpu_check_runs_its_benchmark_and_compares_with_the_v100(tmp_path):
    """Its machinery, on the CPU (--allow-cpu: quick settings, LeNet-BN has no V100 figure, ResNet-18 has)."""
    out = run_script("scripts/gpu_check.py", "--allow-cpu", "--nets", "batch_norm", "--skip-notebook")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "no GPU: checking the machinery" in out.stdout
    lines = out.stdout.splitlines()
    assert any(l.startswith("batch_norm") and "—" in l for l in lines), out.stdout  # no published figure


@pytest.mark.slow
def test_the_seed_table_reports_each_seed_and_fails_below_the_floor():
    out = run_script("scripts/seeds.py", "--sections", "batch_norm", "--seeds", "0,1", "--profile", "quick",
                     "--floor", "0.99")
    assert out.returncode == 1, out.stderr[-2000:]  # one quick epoch does not reach 0.99
    row = next(line for line in out.stdout.splitlines() if line.startswith("batch_norm"))
    accs = [float(a) for a in re.findall(r"(\d\.\d{3}) \(", row)]
    assert len(accs) == 2 and all(0.1 < a < 0.99 for a in accs), row
    assert row.rstrip().endswith("NO") and "below 0.99: batch_norm" in out.stdout


def test_the_seed_table_says_which_class_maps_were_drawn_again():
    seeds = load_script("scripts/seeds.py", "seeds")

    runs = [{"seed": 0, "test_acc": 0.889, "seconds": 900, "revived": [[1, 7], [1, 0]]},
            {"seed": 1, "test_acc": 0.871, "seconds": 910, "revived": []}]
    lines, ok = seeds.report("nin", runs, 0.88)
    assert not ok and lines[0].startswith("nin") and lines[0].rstrip().endswith("0.871  NO")
    assert lines[1:] == [" " * 11 + "seed 0: class maps drawn again: class 7 (epoch 1), class 0 (epoch 1)"]
    lines, ok = seeds.report("nin", runs[1:], 0.87)
    assert ok and lines == [lines[0]] and lines[0].rstrip().endswith("0.871  yes")  # nothing drawn again: no line


def test_the_seed_table_says_when_the_budget_cut_the_images():
    seeds = load_script("scripts/seeds.py", "seeds")

    runs = [{"seed": s, "test_acc": 0.88, "seconds": 500, "images": 20000, "table_images": 40000} for s in (0, 1)]
    lines, _ = seeds.report("googlenet", runs, 0.85)
    assert lines[1:] == [" " * 11 + "trained on 20,000 images (the profile's table: 40,000), sized to this machine"]
    runs = [dict(r, images=40000) for r in runs]
    assert len(seeds.report("googlenet", runs, 0.85)[0]) == 1
