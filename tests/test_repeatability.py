"""Same seed, same profile: two executions of a notebook give the same checked outputs and
the same final metrics, to the digits printed (MXNet's CPU kernels are deterministic for
these networks; the test would show it if they were not)."""
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow  # executes notebooks, twice each

ROOT = Path(__file__).resolve().parent.parent
FINAL_LINE = re.compile(r"loss \d+\.\d+, train acc \d+\.\d+, test acc \d+\.\d+")


def execute(path, build):
    nb = nbformat.read(str(path), as_version=4)
    env = dict(os.environ, D2L_PROFILE="quick", D2L_BUILD_DIR=str(build))
    env.pop("D2L_CHECKPOINT_DIR", None)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=env)  # passed on to the kernel's start
    return nb


def outputs_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        parts.append("".join(out.get("text", "")))
        parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "".join(parts)


def fingerprint(nb):
    checked = [outputs_text(c) for c in nb.cells
               if c.cell_type == "code" and "nbval-check-output" in c.metadata.get("tags", [])]
    finals = [m.group(0) for c in nb.cells if c.cell_type == "code" for m in FINAL_LINE.finditer(outputs_text(c))]
    return checked, finals


# One notebook, run twice: 05 trains two hybridized networks (BN from scratch and nn.BatchNorm)
# in under a minute each; ResNet and DenseNet took 7 minutes of CI for the same question.
@pytest.mark.parametrize("name", ["05_batch_norm.ipynb"])
def test_two_runs_print_the_same(name, tmp_path):
    first = fingerprint(execute(ROOT / "notebooks" / name, tmp_path / "a"))
    second = fingerprint(execute(ROOT / "notebooks" / name, tmp_path / "b"))
    assert first[1], "the notebook printed no final training line"
    assert first == second
