"""The example scripts the notebooks and docs/*/distributed.md tell students to run."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from servers import free_port
from test_distributed import kill_job, load_params, run_launcher

ROOT = Path(__file__).resolve().parents[1]
TRAIN_DIST = ROOT / "examples" / "train_dist.py"


def test_train_dist_is_what_the_docs_run():
    command = "python -m course_tools.launch -n 2 -s 1 -- python examples/train_dist.py"
    for doc in (ROOT / "docs" / "en" / "distributed.md", ROOT / "docs" / "vi" / "distributed.md",
                ROOT / "notebooks" / "09_data_parallel.ipynb"):
        text = doc.read_text(encoding="utf-8")
        assert command in text, f"{doc.name} does not show {command!r}"
        assert "train.py" not in text.replace("train_dist.py", ""), f"{doc.name} names a train.py the repository lacks"


@pytest.mark.slow  # a new Python that imports mxnet
def test_train_dist_refuses_bad_arguments():
    out = subprocess.run([sys.executable, str(TRAIN_DIST), "--epochs", "0"], cwd=ROOT, text=True,
                         capture_output=True, timeout=120)
    assert out.returncode == 2 and "--epochs must be at least 1" in out.stderr, out.stderr


@pytest.mark.slow  # four processes, like the launcher tests of test_distributed.py
def test_train_dist_two_workers_dist_sync(tmp_path):
    port = free_port()
    try:
        rc, out, _ = run_launcher(["-n", "2", "-s", "1", "--port", str(port), "--timeout", "100", "--",
                                   sys.executable, str(TRAIN_DIST), "--subset", "1024", "--test-subset", "256",
                                   "--batch-size", "32", "--epochs", "2", "--lr", "0.3",
                                   "--save", str(tmp_path)])
    finally:
        kill_job(port)
    assert rc == 0, out
    infos = [json.loads((tmp_path / f"worker-{r}.json").read_text()) for r in (0, 1)]
    assert [i["rank"] for i in infos] == [0, 1] and {i["type"] for i in infos} == {"dist_sync"}
    assert {i["batches"] for i in infos} == {16}  # 1,024 images / 2 workers / batch 32
    p0, p1 = (load_params(tmp_path / f"worker-{r}.params") for r in (0, 1))
    for name in p0:  # dist_sync: both workers pulled the same weights after every step
        assert (p0[name] == p1[name]).all(), name
    losses = [r["train_loss"] for r in infos[0]["history"]]
    assert losses[-1] < losses[0], losses
    assert "worker 0 of 2 (dist_sync)" in out and "worker 1 of 2 (dist_sync)" in out, out
