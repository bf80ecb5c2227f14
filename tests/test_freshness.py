"""The committed notebooks carry outputs of a `cpu`-profile run of exactly what they are now.

scripts/publish_outputs.py keeps the runner's record (``d2l_run``) in each notebook it copies;
its fingerprint covers the code cells, the settings of the notebook's sections and the course
code the notebook runs (course_tools/fingerprint.py). A change to any of these without a new run (`make run PROFILE=cpu`, then
`scripts/publish_outputs.py`) makes this test fail and say which changed.
"""
import json

import pytest

from d2l_extras.results import REPO_ROOT
from course_tools.runner import stale_reasons
from d2l_extras.sections import notebook_paths

NOTEBOOKS = notebook_paths(REPO_ROOT / "notebooks")
PUBLISHED_PROFILE = "cpu"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_are_fresh(path):
    record = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("d2l_run", {})
    reasons = stale_reasons(record, path, PUBLISHED_PROFILE)
    assert not reasons, (
        f"{path.name}: the committed outputs are stale: {'; '.join(reasons)}. Run "
        f"`make run PROFILE={PUBLISHED_PROFILE}` and `.venv/bin/python scripts/publish_outputs.py`.")


def test_the_course_lists_every_notebook_in_the_folder():
    on_disk = sorted(p.name for p in (REPO_ROOT / "notebooks").glob("*.ipynb"))
    assert on_disk == sorted(p.name for p in NOTEBOOKS), "add the notebook to d2l_extras/sections.py"
