"""The main job: executes notebooks headless, writes them and a summary, skips finished ones."""
import csv
import subprocess
import sys

import nbformat
import pytest

RESULT_CELL = """
import d2l_extras as dx
from d2l_extras.training import History
h = History('cpu(0)', [dict(epoch=1, train_loss=0.5, train_acc=0.8, test_acc=0.75,
                            train_examples=100, train_seconds=2.0, examples_per_sec=50.0)])
dx.save_result(dx.SectionRun('tiny', dx.get_profile(), None), h)
print('trained')
"""


def notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def run(*args):
    return subprocess.run([sys.executable, "-m", "course_tools.runner", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_runs_writes_summary_and_skips_what_is_done(tmp_path):
    good = notebook(tmp_path / "01_tiny.ipynb", RESULT_CELL)
    build = tmp_path / "build"
    first = run(good, "--profile", "quick", "--build", build)
    assert first.returncode == 0, first.stderr[-2000:]
    executed = nbformat.read(str(build / "notebooks" / "01_tiny.ipynb"), as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "trained\n"
    assert executed.metadata["d2l_run"]["training_seconds"] == {"tiny": 2.0}  # from the history
    rows = list(csv.DictReader(open(build / "results.csv")))
    assert rows[0]["name"] == "tiny" and rows[0]["profile"] == "quick" and rows[0]["test_acc"] == "0.75"
    assert "| tiny | quick |" in (build / "results.md").read_text()
    assert str(build / "results.csv") in first.stdout
    peak = int(first.stdout.split("kernel peak memory ")[1].split(" MB")[0].replace(",", ""))
    assert 50 < peak < 4000, "the kernel's peak memory is measured (mxnet alone takes over 50 MB)"
    # The user's terminal shows progress and results, not the kernel's transport warnings.
    assert "without encryption" not in first.stderr + first.stdout, first.stderr[-2000:]

    again = run(good, "--profile", "quick", "--build", build)
    assert "already executed in this profile, skipped" in again.stdout
    other_profile = run(good, "--profile", "cpu", "--build", build)
    assert "skipped" not in other_profile.stdout


@pytest.mark.slow
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


@pytest.mark.slow
def test_missing_notebook_and_bad_profile_are_clear(tmp_path):
    assert "no such notebook" in run(tmp_path / "nope.ipynb", "--build", tmp_path).stderr
    assert "choose one of: quick, cpu, full" in run("--profile", "fast", "--build", tmp_path).stderr


def publish(*args):
    return subprocess.run([sys.executable, "scripts/publish_outputs.py", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def executed_copy(source, build, profile, stale=False):
    """What the runner writes: the notebook with outputs and its d2l_run record."""
    from course_tools.runner import run_fingerprint

    nb = nbformat.read(str(source), as_version=4)
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="trained\n")]
    fingerprint = run_fingerprint(source, profile)
    if stale:
        fingerprint = dict(fingerprint, code="0" * 64, digest="0" * 64)
    nb.metadata["d2l_run"] = {"profile": profile, "fingerprint": fingerprint,
                              "seconds": 3.0, "peak_memory_mb": 400}
    (build / "notebooks").mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(build / "notebooks" / source.name))


@pytest.mark.slow
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
    executed_copy(b, build, "cpu", stale=True)
    stale = publish(a, b, "--build", build)
    assert stale.returncode != 0 and "code cells changed" in stale.stderr and "Nothing was copied" in stale.stderr
    assert {p: p.read_bytes() for p in (a, b)} == before  # a refused batch changes no file

    executed_copy(b, build, "cpu")
    edited = nbformat.read(str(b), as_version=4)  # slides re-cut while it ran: metadata is not code
    edited.cells[0].metadata["slideshow"] = {"slide_type": "subslide"}
    nbformat.write(edited, str(b))
    done = publish(a, b, "--build", build)
    assert done.returncode == 0, done.stderr
    published = nbformat.read(str(b), as_version=4)
    assert published.cells[0].outputs[0]["text"] == "trained\n"
    assert published.cells[0].metadata["slideshow"] == {"slide_type": "subslide"}
    assert published.metadata["d2l_run"]["profile"] == "cpu"  # kept: tests/test_freshness.py reads it
    assert "02_b.ipynb: 3 s, peak 400 MB" in done.stdout


TRAIN_CELLS = ("""
import d2l_extras as dx
from mxnet import npx
from mxnet.gluon import nn
npx.set_np()
""", """
def lenet_like():
    net = nn.Sequential()
    net.add(nn.Conv2D(6, kernel_size=5), nn.BatchNorm(), nn.Activation('sigmoid'),
            nn.MaxPool2D(pool_size=2, strides=2), nn.Dense(10))
    return net
""", """
class Count(dx.Display):
    batches = 0
    def on_batch_end(self, epoch, batch, metrics):
        Count.batches += 1
train_iter, test_iter = dx.load_data_fashion_mnist(64, subset=256, test_subset=128)
history = dx.fit(lenet_like(), train_iter, test_iter, 1, 0.1, callbacks=[Count()])
print('batches trained', Count.batches, 'loss', history.final['train_loss'])
""")


def trained(build, name):
    outputs = nbformat.read(str(build / "notebooks" / name), as_version=4).cells[2].outputs
    out = next(o["text"] for o in outputs if o.get("name") == "stdout")  # after the busy-core note, if any
    return int(out.split("batches trained ")[1].split()[0]), out.split("loss ")[1].strip()


@pytest.mark.slow
def test_an_edited_notebook_retrains_an_unchanged_one_resumes_and_force_starts_afresh(tmp_path):
    path = notebook(tmp_path / "05_edit.ipynb", *TRAIN_CELLS)
    build, out = tmp_path / "build", tmp_path / "build" / "notebooks" / "05_edit.ipynb"
    assert run(path, "--profile", "quick", "--build", build).returncode == 0
    batches, loss = trained(build, path.name)
    assert batches == 4

    trained_for = nbformat.read(str(out), as_version=4).metadata["d2l_run"]["training_seconds"]
    out.unlink()  # killed after training, before the notebook was written: rerun resumes
    assert run(path, "--profile", "quick", "--build", build).returncode == 0
    assert trained(build, path.name) == (0, loss), "the unchanged training did not resume"
    resumed = nbformat.read(str(out), as_version=4).metadata["d2l_run"]
    assert resumed["training_seconds"] == trained_for, "a resumed run records the training's own time"

    edited = [c.replace("'sigmoid'", "'relu'") for c in TRAIN_CELLS]  # same shapes, same settings
    notebook(path, *edited)
    assert run(path, "--profile", "quick", "--build", build).returncode == 0
    batches, edited_loss = trained(build, path.name)
    assert batches == 4 and edited_loss != loss, "the edited network resumed the old one's run"

    folder = build / "checkpoints" / "quick" / "05_edit"
    assert len(list(folder.glob("fit-*"))) == 2
    assert run(path, "--profile", "quick", "--build", build, "--force").returncode == 0
    assert trained(build, path.name)[0] == 4, "--force resumed instead of starting afresh"
    assert len(list(folder.glob("fit-*"))) == 1, "--force kept the checkpoints it replaced"


@pytest.mark.slow
def test_the_kernel_gets_the_runs_context_and_the_runner_keeps_its_own(tmp_path, monkeypatch):
    import os

    from course_tools import runner

    cell = "import os; print(os.environ['D2L_PROFILE'], os.environ['D2L_BUILD_DIR'], os.environ['D2L_CHECKPOINT_DIR'])"
    path = notebook(tmp_path / "01_env.ipynb", cell)
    monkeypatch.delenv("D2L_PROFILE", raising=False)
    before = dict(os.environ)
    runner.main([str(path), "--profile", "quick", "--build", str(tmp_path / "build")])
    assert dict(os.environ) == before, "the runner changed its own environment"
    text = nbformat.read(str(tmp_path / "build" / "notebooks" / path.name), as_version=4).cells[0].outputs[0]["text"]
    profile, build, checkpoints = text.split()
    assert profile == "quick" and build == str(tmp_path / "build")
    assert checkpoints == str(tmp_path / "build" / "checkpoints" / "quick" / "01_env")


def test_outputs_go_stale_when_code_settings_or_package_change(tmp_path, monkeypatch):
    from course_tools import fingerprint, runner

    path = notebook(tmp_path / "05_batch_norm.ipynb", "print(1)")
    record = {"profile": "cpu", "fingerprint": runner.run_fingerprint(path, "cpu")}
    assert runner.stale_reasons(record, path, "cpu") == []
    assert "profile 'cpu', not 'quick'" in " ".join(runner.stale_reasons(record, path, "quick"))

    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A corrected sentence."))
    nbformat.write(nb, str(path))
    assert runner.stale_reasons(record, path, "cpu") == [], "prose does not change outputs"

    from d2l_extras.sections import SECTIONS

    changed = SECTIONS["batch_norm"].profiles["cpu"].replace(num_epochs=99)
    monkeypatch.setitem(SECTIONS["batch_norm"].profiles, "cpu", changed)
    assert "settings" in " ".join(runner.stale_reasons(record, path, "cpu"))
    monkeypatch.undo()

    monkeypatch.setattr(fingerprint, "package_hash", lambda path: "1" * 64)
    assert "course code" in " ".join(runner.stale_reasons(record, path, "cpu"))
    notebook(path, "print(2)")
    assert "code cells changed" in " ".join(runner.stale_reasons(record, path, "cpu"))


def test_a_package_edited_while_a_notebook_runs_leaves_its_record_stale(tmp_path, monkeypatch):
    from course_tools import fingerprint, runner

    edited = tmp_path / "edited"  # the notebook's cell stands for an edit made during a long training
    path = notebook(tmp_path / "01_long.ipynb", f"open({str(edited)!r}, 'w').close()")
    monkeypatch.setattr(fingerprint, "package_hash", lambda path: ("1" if edited.exists() else "0") * 64)
    runner.main([str(path), "--profile", "quick", "--build", str(tmp_path / "build")])
    record = nbformat.read(str(tmp_path / "build" / "notebooks" / path.name), as_version=4).metadata["d2l_run"]
    assert "course code" in " ".join(runner.stale_reasons(record, path, "quick"))


def test_the_record_keeps_the_training_time_of_the_results_a_run_saved(tmp_path):
    import json
    import os

    from course_tools.runner import training_seconds

    results = tmp_path / "results"
    results.mkdir()
    for name, seconds in (("old", 5.0), ("alexnet", 715.38), ("nin", 880.71)):
        (results / f"{name}.json").write_text(json.dumps({"name": name, "train_seconds": seconds}))
    os.utime(results / "old.json", (1000, 1000))  # saved by an earlier run
    assert training_seconds(tmp_path, since=2000) == {"alexnet": 715.4, "nin": 880.7}
    assert training_seconds(tmp_path / "nothing", since=0) == {}


def test_the_build_folder_is_the_checkouts_the_variables_or_the_users_cache(tmp_path, monkeypatch):
    """A checkout writes to its build/; the course installed as a package (Colab) writes to the
    user's cache folder, not beside site-packages."""
    from d2l_extras import results

    monkeypatch.delenv("D2L_BUILD_DIR", raising=False)
    assert results.build_dir() == results.REPO_ROOT / "build"  # this checkout
    monkeypatch.setattr(results, "REPO_ROOT", tmp_path / "site-packages")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert results.build_dir() == tmp_path / "cache" / "d2l_extras"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert results.build_dir() == tmp_path / "home" / ".cache" / "d2l_extras"
    monkeypatch.setenv("D2L_BUILD_DIR", str(tmp_path / "chosen"))
    assert results.build_dir() == tmp_path / "chosen"
