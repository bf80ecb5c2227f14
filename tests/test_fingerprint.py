"""Freshness in proportion to the change (course_tools/fingerprint.py).

Each test edits a copy of the course's code (the package, its start-up modules and the tooling,
beside a copy of the notebooks) and compares the fingerprint of every notebook before and after: an
edit that computes nothing keeps every notebook fresh, an edit of code a notebook runs makes
exactly the notebooks that run it stale.
"""
import json
import shutil
from pathlib import Path

import pytest

from course_tools import fingerprint
from d2l_extras.results import REPO_ROOT
from d2l_extras.sections import notebook_paths

NOTEBOOKS = notebook_paths(REPO_ROOT / "notebooks")


@pytest.fixture
def course(tmp_path):
    """A copy of the course's code and notebooks: (root, {notebook name: its package hash})."""
    shutil.copytree(REPO_ROOT / "d2l_extras", tmp_path / "d2l_extras",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for path in REPO_ROOT.glob("d2l_extras_*.py"):
        shutil.copy(path, tmp_path / path.name)
    shutil.copytree(REPO_ROOT / "course_tools", tmp_path / "course_tools",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO_ROOT / "notebooks", tmp_path / "notebooks")
    return tmp_path, hashes(tmp_path)


def hashes(root):
    return {p.name: fingerprint.package_hash(p, root) for p in sorted((root / "notebooks").glob("*.ipynb"))}


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def trains(path):
    """Whether a notebook's code cells train a network."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    return any("fit(" in "".join(c["source"]) for c in cells if c["cell_type"] == "code")


def test_the_fingerprint_covers_the_package_a_notebook_imports(course):
    root, _ = course
    modules = fingerprint.computing_modules(root / "notebooks" / "05_batch_norm.ipynb", root)
    assert {"d2l_extras", "d2l_extras.training", "d2l_extras.language", "d2l_extras_boot"} <= set(modules)
    # get_model imports the network's module by name: every model module counts
    assert {"d2l_extras.models.resnet", "d2l_extras.models.densenet"} <= set(modules)
    # the tooling is not code a notebook runs, even where a notebook names it
    assert not any(name.startswith("course_tools") for name in modules)


def test_a_docstring_or_comment_edit_keeps_every_notebook_fresh(course):
    root, before = course
    training = root / "d2l_extras" / "training.py"
    edit(training, '    """Train ``net`` and evaluate it', '    """Train the network ``net`` and evaluate it')
    edit(training, "        Xs, ys = _split(X, y, parallel.devices)\n",
         "        # one slice of the batch per device\n        Xs, ys = _split(X, y, parallel.devices)\n")
    edit(root / "d2l_extras" / "__init__.py", '"""Shared helpers', '"""The shared helpers')
    assert hashes(root) == before


def test_an_edit_of_code_no_notebook_runs_keeps_every_notebook_fresh(course):
    root, before = course
    for module in ("launch.py", "runner.py", "export.py", "install.py"):
        path = root / "course_tools" / module
        path.write_text(path.read_text(encoding="utf-8") + "\nUNUSED = 1\n", encoding="utf-8")
    assert hashes(root) == before


def test_a_one_character_change_in_fits_loop_makes_every_training_notebook_stale(course):
    root, before = course
    edit(root / "d2l_extras" / "training.py", "step.trainer.step(y.shape[0] * parallel.step_scale)",
         "step.trainer.step(y.shape[0] / parallel.step_scale)")
    after = hashes(root)
    training = {p.name for p in NOTEBOOKS if trains(p)}
    assert len(training) >= 8, training
    assert {name for name in after if after[name] != before[name]} >= training


def test_a_change_in_the_start_up_module_makes_every_notebook_stale(course):
    root, before = course
    edit(root / "d2l_extras_boot.py", "def start(", "def start(_unused=None, ")
    assert all(h != before[name] for name, h in hashes(root).items())


def test_a_notebook_that_imports_nothing_of_the_course_has_no_package_part(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%matplotlib inline\nimport json\nprint(1)")])
    path = tmp_path / "plain.ipynb"
    nbformat.write(nb, str(path))
    assert fingerprint.computing_modules(path, REPO_ROOT) == {}
