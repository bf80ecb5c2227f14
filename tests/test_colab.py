"""Colab and Binder: every notebook's first cell sets the course up in Colab and does nothing
elsewhere; the public address is written once (pyproject.toml); the set-up cell works in a
fresh Python 3.12 with NumPy 2 preinstalled (the Colab stand-in, slow)."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import colab_cells  # noqa: E402

NOTEBOOKS = colab_cells.notebook_paths()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_first_cell_is_the_colab_set_up_hidden_from_slides(path):
    first = nbformat.read(str(path), as_version=4).cells[0]
    assert first.cell_type == "code" and first.source == colab_cells.cell_source(), \
        "run: python scripts/colab_cells.py"
    assert first.metadata["slideshow"]["slide_type"] == "skip"
    assert first.metadata["tags"] == ["colab"]
    assert not first.get("outputs")


def test_the_cell_does_nothing_outside_colab(monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("the cell ran a command outside Colab"))
    import d2l_extras_boot

    monkeypatch.setattr(d2l_extras_boot, "setup_colab", lambda: pytest.fail("set-up ran outside Colab"))
    exec(compile(colab_cells.cell_source(), "colab-cell", "exec"), {})


def test_the_public_address_is_written_in_one_place():
    repo = colab_cells.repository()
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repo)
    owner_name = repo.split("github.com/", 1)[1]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"colab.research.google.com/github/{owner_name}/blob/main/notebooks/{path.name}" in readme
    assert f"mybinder.org/v2/gh/{owner_name}/" in readme
    # written by hand only in pyproject.toml; the cells and badges are made from it (and checked here)
    holders = subprocess.run(["git", "grep", "-l", "-F", owner_name], cwd=ROOT, capture_output=True,
                             text=True).stdout.split()
    made = {"pyproject.toml", "README.md"} | {f"notebooks/{p.name}" for p in NOTEBOOKS}
    assert set(holders) <= made, f"the address is written elsewhere too: {set(holders) - made}"


def python312():
    """A Python 3.12 that runs: python3.12 on PATH, or pyenv's."""
    candidates = [shutil.which("python3.12")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(p) for p in pyenv_root.glob("versions/3.12*/bin/python3.12"))
    for cand in filter(None, candidates):
        ok = subprocess.run([cand, "-c", "import sys; assert sys.version_info[:2] == (3, 12)"],
                            capture_output=True)
        if ok.returncode == 0:
            return cand
    return None


CHECK = """
import json, os, sys, importlib.metadata as md
before = md.version("numpy")
os.environ["COLAB_RELEASE_TAG"] = "release-colab-standin"
os.environ["D2L_COURSE_SOURCE"] = sys.argv[1]
cell = json.loads(sys.argv[2])
exec(compile(cell, "colab-cell", "exec"), {})
exec(compile(cell, "colab-cell", "exec"), {})   # a second run installs nothing again
import d2l_extras as dx, d2l_extras_boot, mxnet
from mxnet import np, npx
from mxnet.gluon import nn
npx.set_np()
net = nn.HybridSequential()
net.add(nn.Conv2D(6, 5, padding=2), nn.BatchNorm(), nn.Activation("sigmoid"), nn.Dense(10))
net.initialize()
net.hybridize()
y = net(np.ones((2, 1, 28, 28)))
print(json.dumps({"numpy_before": before, "numpy_after": md.version("numpy"),
                  "mxnet": mxnet.__version__, "d2l": md.version("d2l"), "shape": list(y.shape),
                  "supplied": list(d2l_extras_boot.supplied_numpy_names()),
                  "threads": os.environ.get("OMP_NUM_THREADS"), "build": str(dx.build_dir()),
                  "package": os.path.dirname(os.path.dirname(dx.__file__))}))
"""


@pytest.mark.slow
def test_the_cell_sets_up_a_fresh_colab_like_python(tmp_path):
    """Python 3.12 with Colab's kind of preinstalled packages (NumPy 2, pandas, matplotlib,
    IPython, requests), the course installed from this checkout instead of its address."""
    py = python312()
    if py is None:
        pytest.skip("no Python 3.12 here (python3.12 or pyenv's) to stand in for Colab")
    venv = tmp_path / "colab"
    subprocess.run([py, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    modern = (ROOT / "requirements-py312.txt").read_text().splitlines()
    preinstalled = [l.split("#")[0].strip() for l in modern
                    if re.match(r"(numpy|pandas|matplotlib|matplotlib-inline|requests|ipython|setuptools)==", l)]
    subprocess.run([python, "-m", "pip", "install", "-q", *preinstalled], check=True, timeout=900)
    # the checkout's package files, copied so that building leaves nothing in the work tree
    source = tmp_path / "course"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "d2l_extras_boot.py"):
        shutil.copy(ROOT / name, source / name)
    for package in ("d2l_extras", "course_tools"):  # course_tools: the Colab install itself
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    # as in Colab: no build folder chosen (the test session's D2L_BUILD_DIR is not passed on)
    env = {k: v for k, v in os.environ.items() if k != "D2L_BUILD_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    out = subprocess.run([python, "-c", CHECK, str(source), json.dumps(colab_cells.cell_source())],
                         capture_output=True, text=True, timeout=900, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["numpy_before"] == got["numpy_after"] and got["numpy_after"].startswith("2.")
    assert got["mxnet"] == "1.9.1" and got["d2l"] == "1.0.3"
    assert got["shape"] == [2, 10]
    assert "PZERO" in got["supplied"] and got["threads"]
    # results and measured speeds go to the user's cache folder, not beside site-packages
    assert got["build"] == str(tmp_path / "cache" / "d2l_extras"), (got["build"], got["package"])
    # the start-up hook is installed too: a later Python imports mxnet without d2l_extras
    later = subprocess.run([python, "-c", "import mxnet, d2l_extras_boot as b; print(len(b.supplied_numpy_names()))"],
                           capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert later.returncode == 0 and int(later.stdout) > 0, later.stderr[-2000:]
