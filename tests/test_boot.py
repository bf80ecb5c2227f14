"""d2l_extras_boot: the NumPy names restored for mxnet 1.9.1, threads, the Colab set-up logic."""
import builtins
import importlib.metadata
import math
import os
import subprocess
import sys
import types

import numpy as np
import pytest

import d2l_extras_boot as boot

NUMPY_2_REMOVED = {"PZERO", "NZERO", "PINF", "NINF", "NAN", "NaN", "Inf", "alltrue", "sometrue",
                   "round_", "product", "msort", "compat"}
NUMPY_124_REMOVED = {"int", "float", "complex", "object", "str"}  # np.bool came back in NumPy 2


def numpy_version():
    return tuple(int(p) for p in np.__version__.split(".")[:2])


def check_replacement(ns, name):
    """``ns.<name>`` behaves as NumPy documents its replacement (checked against real NumPy)."""
    value = getattr(ns, name)
    a = np.array([[True, False], [True, True]])
    x = np.array([[3.0, -1.25], [0.5, 2.5], [-7.0, 1.0]])
    if name in ("bool", "int", "float", "complex", "object", "str"):
        assert value is getattr(builtins, name)
    elif name == "PZERO":
        assert value == 0.0 and math.copysign(1.0, value) == 1.0
    elif name == "NZERO":
        assert value == 0.0 and math.copysign(1.0, value) == -1.0
    elif name in ("PINF", "Inf"):
        assert value == np.inf
    elif name == "NINF":
        assert value == -np.inf
    elif name in ("NAN", "NaN"):
        assert math.isnan(value)
    elif name in ("alltrue", "sometrue"):
        ref = np.all if name == "alltrue" else np.any
        assert value(a) == ref(a)
        assert np.array_equal(value(a, axis=0), ref(a, axis=0))
        assert np.array_equal(value(a, axis=1), ref(a, axis=1))
    elif name == "round_":
        y = np.array([1.234, -2.345, 0.5, 1.5, 2.5])
        assert np.array_equal(value(y, 2), np.round(y, 2))
        assert np.array_equal(value(y), np.round(y))  # halves to even, as np.round
    elif name == "product":
        assert value(x) == np.prod(x)
        assert np.array_equal(value(x, axis=0), np.prod(x, axis=0))
    elif name == "msort":
        assert np.array_equal(value(x), np.sort(x, axis=0))
    elif name == "compat":
        assert value.basestring is str
    elif name in boot.FINANCIAL:
        with pytest.raises(RuntimeError, match=f"numpy_financial.*{name}|{name}.*numpy_financial"):
            value(0.05, [-100.0, 60.0, 60.0])
    else:
        raise AssertionError(f"no check for {name}")


def fake_numpy():
    """A NumPy without any of the removed names: the layer must supply every one."""
    fake = types.ModuleType("fake_numpy")
    for name in ("all", "any", "round", "prod", "sort", "inf", "nan"):
        setattr(fake, name, getattr(np, name))
    return fake


@pytest.mark.parametrize("name", sorted(boot.NUMPY_REPLACEMENTS))
def test_each_supplied_name_is_numpys_documented_replacement(name):
    fake = fake_numpy()
    assert name in boot.restore_numpy_names(fake)
    assert name in boot.supplied_numpy_names(fake)
    check_replacement(fake, name)


@pytest.mark.parametrize("name", sorted(boot.NUMPY_REPLACEMENTS))
def test_the_real_numpy_has_each_name_as_documented(name):
    """After start-up (the venv's hook, or conftest), the name mxnet reads is there and right."""
    import mxnet  # noqa: F401  (the start-up hook restores the names just before it)

    supplied = boot.supplied_numpy_names()
    if name in supplied:
        check_replacement(np, name)
    elif numpy_version() < (1, 24):
        check_replacement(np, name)  # NumPy's own (deprecated) name behaves as its replacement
    else:
        pytest.skip(f"NumPy {np.__version__} has its own np.{name}")


def test_nothing_is_changed_where_numpy_has_the_names():
    fake = fake_numpy()
    for name in boot.NUMPY_REPLACEMENTS:
        setattr(fake, name, object())
    before = dict(vars(fake))
    assert boot.restore_numpy_names(fake) == ()
    assert dict(vars(fake)) == before
    assert boot.supplied_numpy_names(fake) == {}


def test_supplied_names_follow_the_numpy_version():
    import mxnet  # noqa: F401  (the start-up hook runs before it)

    supplied = set(boot.supplied_numpy_names())
    if numpy_version() < (1, 24):
        assert supplied == set(), "nothing may change on NumPy 1.23.5"
    elif numpy_version() < (2, 0):
        assert NUMPY_124_REMOVED | {"bool"} <= supplied
    else:
        assert NUMPY_124_REMOVED | NUMPY_2_REMOVED | set(boot.FINANCIAL) == supplied


@pytest.mark.slow  # a new Python that imports mxnet
def test_a_fresh_python_of_this_environment_imports_mxnet_with_the_names():
    """The hook of set-up (or ``import d2l_extras``) runs before ``import mxnet``."""
    code = ("import d2l_extras, mxnet, numpy, d2l_extras_boot as b; "
            "print(mxnet.__version__, numpy.__version__, sorted(b.supplied_numpy_names()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("1.9.1 " + np.__version__)


@pytest.mark.slow  # a new Python that imports mxnet
def test_the_hook_waits_for_mxnet_and_removes_itself():
    code = ("import sys, d2l_extras_boot as b; b.start(); "
            "hooks = [f for f in sys.meta_path if type(f).__name__ == '_BeforeMXNet']; "
            "print(len(hooks), 'numpy' in sys.modules); import mxnet; "
            "print(sum(type(f).__name__ == '_BeforeMXNet' for f in sys.meta_path))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "False", "0"]


def test_colab_is_recognized_only_in_colab(monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert not boot.in_colab()
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab_20260101-060000_RC00")
    assert boot.in_colab()


def test_colab_setup_installs_mxnet_and_d2l_without_dependencies(monkeypatch):
    """Where both are installed at the right version nothing is installed; the GPU wheel
    is asked for with --no-deps, and NumPy is never in a pip command."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    assert boot.setup_colab(cuda=None, pip=["pip", "install"]) == []
    assert calls == []
    assert boot.setup_colab(cuda=(12, 2), pip=["pip", "install"]) == ["mxnet-cu117==1.9.1"]
    assert calls == [["pip", "install", "--no-deps", "mxnet-cu117==1.9.1"]]


def test_colab_setup_installs_the_cpu_build_where_the_gpu_build_cannot_run(monkeypatch, capsys):
    """A Colab GPU runtime whose GPU or CUDA libraries mxnet-cu117 cannot use (an H100, or
    CUDA 12 only): the CPU build, and the reason, instead of an mxnet that cannot import."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    monkeypatch.setattr(boot, "driver_cuda_version", lambda: (12, 4))
    monkeypatch.setattr(boot, "gpu_compute_capabilities", lambda: [(7, 5)])  # a T4
    monkeypatch.setattr(boot, "missing_cuda_libraries", lambda package, loadable=None: ["libcudart.so.11.0"])
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0")  # nothing installed yet
    assert boot.setup_colab(pip=["pip", "install"])[0] == "mxnet==1.9.1"
    assert calls[0] == ["pip", "install", "--no-deps", "mxnet==1.9.1", "d2l==1.0.3"]
    err = capsys.readouterr().err
    assert "libcudart.so.11.0" in err and "Installing the CPU build" in err
    monkeypatch.setattr(boot, "missing_cuda_libraries", lambda package, loadable=None: [])  # CUDA 11 present: the GPU build
    calls.clear()
    assert boot.setup_colab(pip=["pip", "install"])[0] == "mxnet-cu117==1.9.1"
    assert capsys.readouterr().err == ""


def test_numpy_2_scalars_print_as_mxnet_needs_them():
    """mxnet passes operator parameters as str(); NumPy 2's 'np.int64(32)' would be rejected."""
    import mxnet  # noqa: F401  (the start-up hook runs before it)

    assert str([np.int64(0), np.int64(32)]) == "[0, 32]"
    if numpy_version() < (2, 0):
        assert np.get_printoptions()["legacy"] is False, "nothing may change on NumPy 1"


def test_scalar_printing_is_switched_only_on_numpy_2():
    calls = []
    for version, switched in (("1.23.5", False), ("2.2.6", True)):
        fake = types.ModuleType("fake_numpy")
        fake.__version__ = version
        fake.get_printoptions = lambda: {"legacy": False}
        fake.set_printoptions = lambda **kw: calls.append(kw)
        assert boot.restore_scalar_repr(fake) is switched
    assert calls == [{"legacy": "1.25"}]


def test_cpu_model_reads_the_model_name_and_falls_back_to_platform(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel\t\t: 1\nmodel name\t: AMD EPYC 7B13\n"
                       "flags\t\t: fpu avx2\n")
    assert boot.cpu_model(str(cpuinfo)) == "AMD EPYC 7B13"  # not the line "model"
    cpuinfo.write_text("processor\t: 0\n")
    import platform

    expected = platform.processor() or platform.machine() or "unknown CPU"
    assert boot.cpu_model(str(cpuinfo)) == expected
    assert boot.cpu_model(str(tmp_path / "missing")) == expected


def test_cpu_info_reads_model_flags_and_the_highest_clock(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n"
                       "model name\t: AMD EPYC 7B13\ncpu MHz\t\t: 2450.000\nflags\t\t: fpu avx2 fma\n\n"
                       "processor\t: 1\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n"
                       "model name\t: AMD EPYC 7B13\ncpu MHz\t\t: 2600.5\nflags\t\t: fpu avx2 fma\n")
    assert boot.cpu_info(str(cpuinfo)) == {"model": "AMD EPYC 7B13", "vendor": "AuthenticAMD", "family": 25,
                                           "model_number": 1, "flags": {"fpu", "avx2", "fma"}, "mhz": 2600.5}
    assert boot.cpu_info(str(tmp_path / "missing")) == {"model": None, "vendor": None, "family": None,
                                                        "model_number": None, "flags": set(), "mhz": 0.0}


def test_cpu_kind_tells_apart_two_cpus_that_share_a_name(tmp_path):
    """A virtual machine names AMD's Zen 3 (AVX2) and Zen 4 (AVX-512) both "AMD EPYC"."""
    def kind(model, flags):
        cpuinfo = tmp_path / f"cpuinfo{model}"
        cpuinfo.write_text(f"processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: {model}\n"
                           f"model name\t: AMD EPYC\nflags\t\t: {flags}\n")
        return boot.cpu_kind(str(cpuinfo))

    zen3, zen4 = kind(1, "fpu avx avx2 fma"), kind(17, "fpu avx avx2 fma avx512f avx512_vnni")
    assert zen3 == {"cpu": "AMD EPYC", "family": 25, "model": 1, "vectors": "AVX2"}
    assert zen4 == {"cpu": "AMD EPYC", "family": 25, "model": 17, "vectors": "AVX-512"}
    assert boot.cpu_label(zen3) == "AMD EPYC, family 25 model 1, AVX2"
    assert boot.cpu_label(zen4) == "AMD EPYC, family 25 model 17, AVX-512"
    bare = tmp_path / "bare"
    bare.write_text("processor\t: 0\nmodel name\t: Some CPU\nmodel\t\t: unknown\n")
    assert boot.cpu_kind(str(bare)) == {"cpu": "Some CPU", "family": None, "model": None, "vectors": None}
    assert boot.cpu_label(boot.cpu_kind(str(bare))) == "Some CPU"  # no numbers, no vectors: the name alone
    assert boot.cpu_kind(str(tmp_path / "missing"))["cpu"] == boot.cpu_model(str(tmp_path / "missing"))


