"""A stuck notebook cell fails, named, within the cell time limit; it never hangs the run."""
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_make_test_bounds_every_cell_and_the_whole_command():
    # The README's command as a user types it: without the TEST_ARGS of a calling make (CI's)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "TEST_ARGS")}
    out = subprocess.run(["make", "-n", "-o", ".venv/.setup-done", "test"], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    assert re.search(r"--nbval-cell-timeout=\d+", out)
    assert re.search(r"timeout --signal=INT --kill-after=\d+ \d+", out)


def test_make_test_runs_the_slow_and_browser_tests_too():
    # The README's command as a user types it: without the TEST_ARGS of a calling make (CI's)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "TEST_ARGS")}
    out = subprocess.run(["make", "-n", "-o", ".venv/.setup-done", "test"], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    args = out.split("-m pytest", 1)[1]
    assert " -m " not in args and "not slow" not in args and "not browser" not in args, out
    addopts = re.search(r"^addopts\s*=\s*(.*)$", (ROOT / "pyproject.toml").read_text(), re.M)
    assert addopts is None or " -m" not in f" {addopts.group(1)}", addopts.group(0)


@pytest.mark.slow
def test_stuck_cell_fails_with_notebook_and_cell_named(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("import time\ntime.sleep(600)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "stuck.ipynb"
    nbformat.write(nb, str(path))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "pytest", str(path), "--nbval-lax", "--nbval-cell-timeout=5",
                             "-p", "no:cacheprovider", "--rootdir", str(tmp_path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=180)
    elapsed = time.monotonic() - start
    assert result.returncode == 1, result.stdout[-2000:]
    assert "stuck.ipynb::Cell 1" in result.stdout
    assert "Timeout" in result.stdout or "timeout" in result.stdout
    assert elapsed < 90, f"a 5 s cell limit took {elapsed:.0f} s to fail"
