"""The environment: pins in step, the Python check of set-up, the GPU wheel choice, threads."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import mxnet_variant  # noqa: E402


def pins(lines):
    return {m.group(1).lower(): m.group(2) for m in
            (re.match(r"^\s*(?:-\s+)?([A-Za-z0-9_.\-]+)==(\S+)\s*(?:#.*)?$", l) for l in lines) if m}


def test_requirements_and_environment_yml_pin_the_same():
    req = pins((ROOT / "requirements.txt").read_text().splitlines())
    text = (ROOT / "environment.yml").read_text()
    pip_section = text.split("- pip:", 1)[1].splitlines()
    env = pins(pip_section)
    assert req == env, f"requirements.txt and environment.yml differ: {set(req.items()) ^ set(env.items())}"
    assert req["mxnet"] == "1.9.1" and req["numpy"] == "1.23.5" and req["d2l"] == "1.0.3"
    assert re.search(r"^\s*-\s*python=3\.11\s*$", text, re.M)


def test_installed_versions_are_the_pins():
    import mxnet
    import numpy

    assert numpy.__version__ == "1.23.5", "an install upgraded numpy: mxnet 1.9.1 needs numpy<1.24"
    assert mxnet.__version__ == "1.9.1"


def test_setup_refuses_an_unsupported_python(tmp_path):
    newer = shutil.which("python3.12") or shutil.which("python3.13")
    if newer is None:
        pytest.skip("no Python >= 3.12 on this machine to try")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(newer)
    for tool in ("bash", "dirname", "cat", "env"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    result = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh")], capture_output=True, text=True,
                            env={"PATH": str(bin_dir), "PYTHON": "python3", "VENV": str(tmp_path / "venv")},
                            timeout=60)
    assert result.returncode == 1
    assert "needs Python 3.8, 3.9, 3.10 or 3.11" in result.stderr
    assert "conda env create -f environment.yml" in result.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.parametrize("cuda, package", [
    (None, "mxnet"), ((10, 0), "mxnet"), ((10, 2), "mxnet-cu102"), ((11, 4), "mxnet-cu114"),
    ((11, 8), "mxnet-cu117"), ((12, 4), "mxnet-cu117"),
])
def test_gpu_wheel_choice(cuda, package):
    assert mxnet_variant.choose(cuda) == package


def test_threads_use_the_cores_we_are_given_unless_the_user_chose():
    code = "import os, d2l_extras_threads; print(os.environ['OMP_NUM_THREADS'])"
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
