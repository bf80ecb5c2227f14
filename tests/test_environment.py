"""The environment: both pinned sets in step, set-up's choice of Python, the GPU wheel choice, threads."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
from course_tools import install  # noqa: E402  (make setup's and Colab's choice of mxnet build)


def pins(lines):
    return {m.group(1).lower(): m.group(2) for m in
            (re.match(r"^\s*(?:-\s+)?([A-Za-z0-9_.\-]+)==(\S+)\s*(?:#.*)?$", l) for l in lines) if m}


def installed_without_dependencies(lines):
    """The requirements marked `# no-deps` (scripts/setup.sh installs them with --no-deps)."""
    return {m.group(1) for m in (re.match(r"^([A-Za-z0-9_.\-]+)==\S+\s*#.*no-deps", l) for l in lines) if m}


REFERENCE, MODERN = ROOT / "requirements.txt", ROOT / "requirements-py312.txt"
# Imported by d2l 1.0.3 or mxnet 1.9.1, which the modern set installs without their dependencies
# (scipy: declared by d2l, and pandas' rank correlation in 08_comparison needs it).
IMPORTED_BY_D2L_AND_MXNET = {"pandas", "requests", "matplotlib", "matplotlib-inline", "ipython", "setuptools",
                             "scipy"}


def test_requirements_and_environment_yml_pin_the_same():
    req = pins(REFERENCE.read_text().splitlines())
    text = (ROOT / "environment.yml").read_text()
    pip_section = text.split("- pip:", 1)[1].splitlines()
    env = pins(pip_section)
    assert req == env, f"requirements.txt and environment.yml differ: {set(req.items()) ^ set(env.items())}"
    assert req["mxnet"] == "1.9.1" and req["numpy"] == "1.23.5" and req["d2l"] == "1.0.3"
    assert re.search(r"^\s*-\s*python=3\.11\s*$", text, re.M)


def test_the_modern_set_is_exact_and_in_step_with_the_reference_set():
    lines = MODERN.read_text().splitlines()
    modern, reference = pins(lines), pins(REFERENCE.read_text().splitlines())
    requirement_lines = [l for l in lines if l.strip() and not l.lstrip().startswith("#")]
    assert len(requirement_lines) == len(modern), "every requirement of the modern set is pinned with =="
    assert modern["mxnet"] == reference["mxnet"] and modern["d2l"] == reference["d2l"]
    assert modern["numpy"].split(".")[0] == "2"
    no_deps = installed_without_dependencies(lines)
    assert no_deps == {"mxnet", "d2l"}
    assert IMPORTED_BY_D2L_AND_MXNET <= set(modern)
    # the course's tools are the same in both sets; only what NumPy 2 forces may differ
    shared = set(reference) - {"numpy"} - IMPORTED_BY_D2L_AND_MXNET
    assert {k: modern.get(k) for k in shared} == {k: reference[k] for k in shared}


def test_the_reference_set_installs_d2l_without_jupyter():
    """d2l 1.0.3 declares `jupyter`, whose notebook and widget extensions fail in RISE's page:
    the reference set installs d2l without its declared dependencies and pins the others."""
    lines = REFERENCE.read_text().splitlines()
    reference = pins(lines)
    no_deps = installed_without_dependencies(lines)
    assert no_deps == {"d2l"} and "jupyter" not in reference and "notebook" not in reference
    assert IMPORTED_BY_D2L_AND_MXNET - {"ipython", "setuptools"} <= set(reference)


def test_installed_versions_are_the_pins():
    import mxnet
    import numpy

    wanted = pins((MODERN if sys.version_info >= (3, 12) else REFERENCE).read_text().splitlines())
    assert numpy.__version__ == wanted["numpy"], "an install changed numpy"
    assert mxnet.__version__ == "1.9.1"


def fake_tools(tmp_path, pythons, uname="Linux x86_64"):
    """A PATH with the tools set-up uses and fake Pythons that only tell their version."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "cat", "env", "sed", "grep", "rm", "mktemp"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    system, machine = uname.split()
    (bin_dir / "uname").write_text(f'#!/bin/sh\n[ "$1" = -m ] && echo {machine} || echo {system}\n')
    for name, version in pythons.items():
        body = ("echo 'pyenv: python3.13: command not found' >&2; exit 127" if version == "shim"
                else f"[ \"$1\" = -c ] && echo {version} && exit 0; echo 'fake python' >&2; exit 3")
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
    for f in bin_dir.iterdir():
        if not f.is_symlink():
            f.chmod(0o755)
    return str(bin_dir)


def run_setup(tmp_path, pythons, python=None, uname="Linux x86_64", venv=None):
    env = {"PATH": fake_tools(tmp_path, pythons, uname), "VENV": str(venv or tmp_path / "venv")}
    if python:
        env["PYTHON"] = python
    return subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh")], capture_output=True, text=True,
                          env=env, timeout=60)


@pytest.mark.parametrize("pythons, python, says", [
    ({"python3": "3.14"}, "python3", "PYTHON=python3 is Python 3.14; the course needs Python 3.8-3.13"),
    ({"python3.7": "3.7", "python3.11": "3.11"}, "python3.7", "is Python 3.7"),
    ({"python3.13": "shim", "python3.11": "3.11"}, "python3.13", "PYTHON=python3.13 does not run"),
    ({"python3.11": "3.11"}, "python3.13", "PYTHON=python3.13: no such command"),
])
def test_setup_uses_the_named_python_or_refuses_it_never_another(tmp_path, pythons, python, says):
    result = run_setup(tmp_path, pythons, python)
    assert result.returncode == 1
    assert says in result.stderr
    assert "using python3.11" not in result.stdout
    assert not (tmp_path / "venv").exists()


@pytest.mark.parametrize("pythons, python, chosen, reqs", [
    ({"python3.11": "3.11", "python3.13": "3.13"}, None, "python3.11 (Python 3.11)", "requirements.txt"),
    ({"python3.12": "3.12", "python3.13": "3.13"}, None, "python3.12 (Python 3.12)", "requirements-py312.txt"),
    ({"python3.11": "3.11", "python3.13": "3.13"}, "python3.13", "python3.13 (Python 3.13)", "requirements-py312.txt"),
    ({"python3.8": "3.8"}, "python3.8", "python3.8 (Python 3.8)", "requirements.txt"),
])
def test_setup_picks_the_pinned_set_from_the_python_it_uses(tmp_path, pythons, python, chosen, reqs):
    result = run_setup(tmp_path, pythons, python)
    assert f"setup: using {chosen} for " in result.stdout
    assert f"; {reqs} (" in result.stdout
    assert "fake python" in result.stderr  # the fake cannot make a venv: it stops there


def test_setup_refuses_an_environment_made_with_another_python(tmp_path):
    venv = tmp_path / "old"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("#!/bin/sh\necho 3.11\n")
    (venv / "bin" / "python").chmod(0o755)
    result = run_setup(tmp_path, {"python3.13": "3.13"}, "python3.13", venv=venv)
    assert result.returncode == 1
    assert "exists with Python 3.11, not 3.13" in result.stderr and "VENV=.venv-3.13" in result.stderr


def test_setup_refuses_with_no_supported_python(tmp_path):
    result = run_setup(tmp_path, {"python3": "3.14"})
    assert result.returncode == 1
    assert "needs Python 3.8-3.13" in result.stderr
    assert "conda env create -f environment.yml" in result.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.parametrize("uname, says", [
    ("MINGW64_NT-10.0 x86_64", "WSL2"), ("Darwin arm64", "Colab or Binder"),
])
def test_setup_says_what_to_do_where_no_mxnet_wheel_exists(tmp_path, uname, says):
    result = run_setup(tmp_path, {"python3.11": "3.11"}, uname=uname)
    assert result.returncode == 1
    assert says in result.stderr and "no mxnet 1.9.1 wheel" in result.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.parametrize("cuda, package", [
    (None, "mxnet"), ((10, 0), "mxnet"), ((10, 2), "mxnet-cu102"), ((11, 4), "mxnet-cu114"),
    ((11, 8), "mxnet-cu117"), ((12, 4), "mxnet-cu117"),
])
def test_gpu_wheel_choice(cuda, package):
    assert install.choose_mxnet_package(cuda) == package


@pytest.mark.parametrize("capabilities, package", [
    ([], "mxnet-cu117"),  # a driver too old to say: nothing is assumed
    ([(7, 5)], "mxnet-cu117"), ([(8, 0)], "mxnet-cu117"), ([(8, 9)], "mxnet-cu117"),  # T4, A100, L4
    ([(9, 0)], "mxnet"), ([(12, 0)], "mxnet"), ([(3, 7)], "mxnet"),  # H100/H200, RTX 50, K80
    ([(9, 0), (8, 0)], "mxnet-cu117"),  # one GPU that can run it is enough
])
def test_gpu_wheel_choice_follows_the_compute_capability(capabilities, package):
    """mxnet 1.9.1's GPU builds hold machine code for sm_50/60/70/80/86 and no PTX."""
    assert install.choose_mxnet_package((13, 0), capabilities) == package
    assert (install.unusable_gpus_reason(capabilities) is None) == (package != "mxnet")
    assert install.choose_mxnet_package(None, capabilities) == "mxnet"


def fake_nvidia_smi(tmp_path, cuda, compute_cap):
    """An nvidia-smi on PATH that answers the two questions set-up asks."""
    tool = tmp_path / "bin" / "nvidia-smi"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\n"
                    'case "$*" in *compute_cap*) printf "%s\\n" ' + " ".join(compute_cap) + " ;;\n"
                    f'  *) echo "| NVIDIA-SMI 580.159.04   Driver Version: 580.159.04   CUDA Version: {cuda} |" ;;\n'
                    "esac\n")
    tool.chmod(0o755)
    return dict(os.environ, PATH=f"{tool.parent}:{os.environ['PATH']}")


@pytest.mark.parametrize("compute_cap, says", [
    (["9.0"], "compute capability 9.0"),  # an H200: no code for it in any GPU build
    (["8.0", "8.0"], "libcudart.so.11.0"),  # two A100s, but no CUDA 11 libraries on this machine
])
def test_setup_reads_the_gpus_compute_capability_and_libraries(tmp_path, compute_cap, says):
    if "libcudart.so.11.0" not in install.missing_cuda_libraries("mxnet-cu117"):
        pytest.skip("this machine has CUDA 11's runtime")
    env = fake_nvidia_smi(tmp_path, "13.0", compute_cap)
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "mxnet_variant.py")], env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "mxnet"
    assert says in out.stderr and "installing the CPU build" in out.stderr, out.stderr


def test_the_gpu_build_is_chosen_where_its_gpus_and_libraries_are(monkeypatch):
    monkeypatch.setattr(install, "driver_cuda_version", lambda: (12, 4))
    monkeypatch.setattr(install, "gpu_compute_capabilities", lambda: [(7, 5)])
    assert install.mxnet_package_for_this_machine(loadable=lambda name: True) == ("mxnet-cu117", None)
    package, reason = install.mxnet_package_for_this_machine(loadable=lambda name: name != "libcudnn.so.8")
    assert package == "mxnet" and "(libcudnn.so.8)" in reason and "LD_LIBRARY_PATH" in reason
    monkeypatch.setattr(install, "driver_cuda_version", lambda: None)  # no driver: CPU, nothing to say
    assert install.mxnet_package_for_this_machine(loadable=lambda name: pytest.fail("looked for CUDA")) == \
        ("mxnet", None)


def test_threads_use_the_cores_we_are_given_unless_the_user_chose():
    code = "import os, d2l_extras_boot; d2l_extras_boot.start(); print(os.environ['OMP_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert int(out.stdout) == len(os.sched_getaffinity(0))
    out = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", code], env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
    out = subprocess.run([sys.executable, "-c", code], env=dict(env, OMP_NUM_THREADS="3"),
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3"


def test_every_python_of_the_venv_sets_threads_before_mxnet():
    """The .pth hook of set-up covers kernels and scripts that never import d2l_extras."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", "import os; print(os.environ.get('OMP_NUM_THREADS'))"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(len(os.sched_getaffinity(0)))


def test_threads_can_be_left_to_mxnet():
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", "import os; print(os.environ.get('OMP_NUM_THREADS'))"],
                         env=dict(env, D2L_THREADS="default"), capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None"


def test_a_pyenv_shim_not_enabled_here_runs_the_version_that_provides_it(tmp_path):
    # `python3.13` is a pyenv shim whose version `pyenv global` does not list (as on this
    # kind of machine): set-up runs python3.13 from the pyenv version that provides it.
    root = tmp_path / "pyenv"
    real = root / "versions" / "3.13.0" / "bin" / "python3.13"
    real.parent.mkdir(parents=True)
    real.write_text("#!/bin/sh\n[ \"$1\" = -c ] && echo 3.13 && exit 0; echo 'fake python' >&2; exit 3\n")
    real.chmod(0o755)
    path = fake_tools(tmp_path, {"python3.13": "shim", "python3.11": "3.11"})
    pyenv = Path(path) / "pyenv"
    pyenv.write_text(f'#!/bin/sh\ncase "$1" in root) echo {root};; whence) echo 3.13.0;; esac\n')
    pyenv.chmod(0o755)
    result = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh")], capture_output=True, text=True,
                            env={"PATH": path, "VENV": str(tmp_path / "venv"), "PYTHON": "python3.13"}, timeout=60)
    assert "PYTHON=python3.13 is a pyenv shim not enabled here; using pyenv's 3.13.0" in result.stdout
    assert f"setup: using {real} (Python 3.13) for " in result.stdout
    assert "using python3.11" not in result.stdout
