"""d2l_extras.cpu: what the CPU is, read from /proc/cpuinfo once per process."""
import platform

from d2l_extras import cpu


def test_cpu_model_reads_the_model_name_and_falls_back_to_platform(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel\t\t: 1\nmodel name\t: AMD EPYC 7B13\n"
                       "flags\t\t: fpu avx2\n")
    assert cpu.cpu_model(str(cpuinfo)) == "AMD EPYC 7B13"  # not the line "model"
    cpuinfo.write_text("processor\t: 0\n")
    expected = platform.processor() or platform.machine() or "unknown CPU"
    assert cpu.cpu_model(str(cpuinfo)) == expected
    assert cpu.cpu_model(str(tmp_path / "missing")) == expected


def test_cpu_info_reads_model_flags_and_the_highest_clock(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n"
                       "model name\t: AMD EPYC 7B13\ncpu MHz\t\t: 2450.000\nflags\t\t: fpu avx2 fma\n\n"
                       "processor\t: 1\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n"
                       "model name\t: AMD EPYC 7B13\ncpu MHz\t\t: 2600.5\nflags\t\t: fpu avx2 fma\n")
    assert cpu.cpu_info(str(cpuinfo)) == {"model": "AMD EPYC 7B13", "vendor": "AuthenticAMD", "family": 25,
                                           "model_number": 1, "flags": {"fpu", "avx2", "fma"}, "mhz": 2600.5}
    assert cpu.cpu_info(str(tmp_path / "missing")) == {"model": None, "vendor": None, "family": None,
                                                        "model_number": None, "flags": set(), "mhz": 0.0}


def test_cpu_kind_tells_apart_two_cpus_that_share_a_name(tmp_path):
    """A virtual machine names AMD's Zen 3 (AVX2) and Zen 4 (AVX-512) both "AMD EPYC"."""
    def kind(model, flags):
        cpuinfo = tmp_path / f"cpuinfo{model}"
        cpuinfo.write_text(f"processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: {model}\n"
                           f"model name\t: AMD EPYC\nflags\t\t: {flags}\n")
        return cpu.cpu_kind(str(cpuinfo))

    zen3, zen4 = kind(1, "fpu avx avx2 fma"), kind(17, "fpu avx avx2 fma avx512f avx512_vnni")
    assert zen3 == {"cpu": "AMD EPYC", "family": 25, "model": 1, "vectors": "AVX2"}
    assert zen4 == {"cpu": "AMD EPYC", "family": 25, "model": 17, "vectors": "AVX-512"}
    assert cpu.cpu_label(zen3) == "AMD EPYC, family 25 model 1, AVX2"
    assert cpu.cpu_label(zen4) == "AMD EPYC, family 25 model 17, AVX-512"
    bare = tmp_path / "bare"
    bare.write_text("processor\t: 0\nmodel name\t: Some CPU\nmodel\t\t: unknown\n")
    assert cpu.cpu_kind(str(bare)) == {"cpu": "Some CPU", "family": None, "model": None, "vectors": None}
    assert cpu.cpu_label(cpu.cpu_kind(str(bare))) == "Some CPU"  # no numbers, no vectors: the name alone
    assert cpu.cpu_kind(str(tmp_path / "missing"))["cpu"] == cpu.cpu_model(str(tmp_path / "missing"))


def test_this_machines_cpuinfo_is_read_once(monkeypatch):
    reads = []
    real_read = cpu._read_cpuinfo
    monkeypatch.setattr(cpu, "_read_cpuinfo", lambda path: reads.append(path) or real_read(path))
    cpu._this_machine.cache_clear()
    try:
        kind, info, label = cpu.cpu_kind(), cpu.cpu_info(), cpu.cpu_label()
        info["flags"].add("not-a-flag")  # a caller's copy: the kept reading is not changed
        assert "not-a-flag" not in cpu.cpu_info()["flags"]
    finally:
        cpu._this_machine.cache_clear()
    assert reads == [cpu.CPUINFO]
    assert kind["cpu"] in label
