"""course_tools.install: the Colab set-up (which builds, installed how; NumPy never touched)."""
import importlib.metadata
import subprocess
import sys

from course_tools import install


def test_colab_is_recognized_only_in_colab(monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert not install.in_colab()
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab_20260101-060000_RC00")
    assert install.in_colab()


def test_colab_setup_installs_mxnet_and_d2l_without_dependencies(monkeypatch):
    """Where both are installed at the right version nothing is installed; the GPU wheel
    is asked for with --no-deps, and NumPy is never in a pip command."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    assert install.setup_colab(cuda=None, pip=["pip", "install"]) == []
    assert calls == []
    assert install.setup_colab(cuda=(12, 2), pip=["pip", "install"]) == ["mxnet-cu117==1.9.1"]
    assert calls == [["pip", "install", "--no-deps", "mxnet-cu117==1.9.1"]]


def test_colab_setup_installs_the_cpu_build_where_the_gpu_build_cannot_run(monkeypatch, capsys):
    """A Colab GPU runtime whose GPU or CUDA libraries mxnet-cu117 cannot use (an H100, or
    CUDA 12 only): the CPU build, and the reason, instead of an mxnet that cannot import."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    monkeypatch.setattr(install, "driver_cuda_version", lambda: (12, 4))
    monkeypatch.setattr(install, "gpu_compute_capabilities", lambda: [(7, 5)])  # a T4
    monkeypatch.setattr(install, "missing_cuda_libraries", lambda package, loadable=None: ["libcudart.so.11.0"])
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0")  # nothing installed yet
    assert install.setup_colab(pip=["pip", "install"])[0] == "mxnet==1.9.1"
    assert calls[0] == ["pip", "install", "--no-deps", "mxnet==1.9.1", "d2l==1.0.3"]
    err = capsys.readouterr().err
    assert "libcudart.so.11.0" in err and "Installing the CPU build" in err
    monkeypatch.setattr(install, "missing_cuda_libraries", lambda package, loadable=None: [])  # CUDA 11 present: the GPU build
    calls.clear()
    assert install.setup_colab(pip=["pip", "install"])[0] == "mxnet-cu117==1.9.1"
    assert capsys.readouterr().err == ""


def test_the_notebooks_colab_cell_reaches_the_install_through_the_start_up_module(monkeypatch):
    import d2l_extras_boot

    monkeypatch.setattr(install, "setup_colab", lambda *a, **kw: ("installed", a, kw))
    assert d2l_extras_boot.setup_colab(cuda=None) == ("installed", (), {"cuda": None})
