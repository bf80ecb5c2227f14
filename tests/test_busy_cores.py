"""fit says once, in the reader's language, when another program holds a core while MXNet
runs a thread on every core (d2l_extras/busy_cores.py)."""
import pytest

from d2l_extras import busy_cores


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(busy_cores, "_warned", False)
    said = []
    monkeypatch.setattr("d2l_extras.language.say", lambda vi, en, **values: said.append((vi.format(**values),
                                                                                          en.format(**values))))
    return said


def test_a_busy_core_with_a_thread_per_core_is_said_once(fresh):
    assert busy_cores.warn_if_cores_busy(threads=2, cores=2, measure=lambda: 1.0)
    assert not busy_cores.warn_if_cores_busy(threads=2, cores=2, measure=lambda: 1.0)  # once per process
    (vi, en), = fresh
    assert "OMP_NUM_THREADS=1" in en and "restart the kernel" in en and "1.0 CPU cores" in en
    assert "OMP_NUM_THREADS=1" in vi and "khởi động lại kernel" in vi and "luồng" in vi


@pytest.mark.parametrize("threads, cores, elsewhere", [(2, 2, 0.1), (1, 2, 1.0), (1, 1, 1.0), (2, 2, None)])
def test_nothing_is_said_without_cause(fresh, threads, cores, elsewhere):
    """An idle machine, a thread fewer than the cores, one core, or a system that does not say."""
    assert not busy_cores.warn_if_cores_busy(threads=threads, cores=cores, measure=lambda: elsewhere)
    assert fresh == []


def test_the_measure_counts_other_processes_only():
    ticks = iter([(1000, 500), (1100, 560)])  # all cores: +100 ticks; this process: +60
    busy_now = {}

    def busy():
        busy_now["pair"] = next(ticks)
        return busy_now["pair"][0]

    rate = busy_cores.cores_busy_elsewhere(window=1.0, busy=busy, own=lambda: busy_now["pair"][1],
                                           sleep=lambda s: None)
    import os
    assert rate == pytest.approx(40 / os.sysconf("SC_CLK_TCK"))


def test_the_real_proc_files_are_read():
    busy, own = busy_cores._busy_ticks(), busy_cores._own_ticks()
    assert isinstance(busy, int) and isinstance(own, int) and 0 <= own <= busy
