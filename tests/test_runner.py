"""The main job: executes notebooks headless, writes them and a summary, skips finished ones."""
import csv
import subprocess
import sys

import nbformat

RESULT_CELL = """
import d2l_extras as dx
from d2l_extras.training import History
h = History('cpu(0)', [dict(epoch=1, train_loss=0.5, train_acc=0.8, test_acc=0.75,
                            train_examples=100, train_seconds=2.0, examples_per_sec=50.0)])
dx.save_result('tiny', h, dx.get_profile())
print('trained')
"""


def notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def run(*args):
    return subprocess.run([sys.executable, "-m", "d2l_extras.runner", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def test_runs_writes_summary_and_skips_what_is_done(tmp_path):
    good = notebook(tmp_path / "01_tiny.ipynb", RESULT_CELL)
    build = tmp_path / "build"
    first = run(good, "--profile", "quick", "--build", build)
    assert first.returncode == 0, first.stderr[-2000:]
    executed = nbformat.read(str(build / "notebooks" / "01_tiny.ipynb"), as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "trained\n"
    rows = list(csv.DictReader(open(build / "results.csv")))
    assert rows[0]["name"] == "tiny" and rows[0]["profile"] == "quick" and rows[0]["test_acc"] == "0.75"
    assert "| tiny | quick |" in (build / "results.md").read_text()
    assert str(build / "results.csv") in first.stdout
    peak = int(first.stdout.split("kernel peak memory ")[1].split(" MB")[0].replace(",", ""))
    assert 50 < peak < 4000, "the kernel's peak memory is measured (mxnet alone takes over 50 MB)"

    again = run(good, "--profile", "quick", "--build", build)
    assert "already executed in this profile, skipped" in again.stdout
    other_profile = run(good, "--profile", "cpu", "--build", build)
    assert "skipped" not in other_profile.stdout


def test_a_failing_notebook_is_named_and_not_written(tmp_path):
    bad = notebook(tmp_path / "02_bad.ipynb", "raise RuntimeError('broken network')")
    good = notebook(tmp_path / "03_good.ipynb", "print('fine')")
    build = tmp_path / "build"
    result = run(bad, good, "--profile", "quick", "--build", build)
    assert result.returncode != 0
    assert "02_bad.ipynb FAILED" in result.stderr and "broken network" in result.stderr
    assert "1 notebook(s) failed: 02_bad.ipynb" in result.stderr
    assert not (build / "notebooks" / "02_bad.ipynb").exists()
    assert (build / "notebooks" / "03_good.ipynb").exists(), "one failure must not stop the others"


def test_missing_notebook_and_bad_profile_are_clear(tmp_path):
    assert "no such notebook" in run(tmp_path / "nope.ipynb", "--build", tmp_path).stderr
    assert "choose one of: quick, cpu, full" in run("--profile", "fast", "--build", tmp_path).stderr


def publish(*args):
    return subprocess.run([sys.executable, "scripts/publish_outputs.py", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def executed_copy(source, build, profile, source_hash=None):
    """What the runner writes: the notebook with outputs and its d2l_run bookkeeping."""
    from d2l_extras.runner import source_hash as hash_of

    nb = nbformat.read(str(source), as_version=4)
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="trained\n")]
    nb.metadata["d2l_run"] = {"profile": profile, "source_sha256": source_hash or hash_of(source),
                              "seconds": 3.0, "peak_memory_mb": 400}
    (build / "notebooks").mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(build / "notebooks" / source.name))


def test_publishing_outputs_copies_only_runs_of_the_current_source(tmp_path):
    a = notebook(tmp_path / "01_a.ipynb", "print('a')")
    b = notebook(tmp_path / "02_b.ipynb", "print('b')")
    build = tmp_path / "build"
    before = {p: p.read_bytes() for p in (a, b)}

    executed_copy(a, build, "cpu")
    missing = publish(a, b, "--build", build)
    assert missing.returncode != 0 and "02_b.ipynb does not exist" in missing.stderr
    executed_copy(b, build, "quick")
    other = publish(a, b, "--build", build)
    assert other.returncode != 0 and "profile 'quick', not 'cpu'" in other.stderr
    executed_copy(b, build, "cpu", source_hash="0" * 64)
    stale = publish(a, b, "--build", build)
    assert stale.returncode != 0 and "older version" in stale.stderr and "Nothing was copied" in stale.stderr
    assert {p: p.read_bytes() for p in (a, b)} == before  # a refused batch changes no file

    executed_copy(b, build, "cpu")
    done = publish(a, b, "--build", build)
    assert done.returncode == 0, done.stderr
    published = nbformat.read(str(b), as_version=4)
    assert published.cells[0].outputs[0]["text"] == "trained\n" and "d2l_run" not in published.metadata
    assert "02_b.ipynb: 3 s, peak 400 MB" in done.stdout
