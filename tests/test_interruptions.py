"""A training killed at any moment (mid-epoch, mid-checkpoint) resumes losing nothing.

The training runs in a child process that the test kills with SIGKILL, as a crash or an
out-of-memory kill would; the child is always reaped, even when the test fails.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = pytest.mark.slow  # child processes that train, killed and resumed

CHILD = textwrap.dedent("""
    import json, os, sys, time
    import d2l_extras as dx
    from d2l_extras import checkpoint as ck
    from mxnet import npx
    from mxnet.gluon import nn
    npx.set_np()
    ckpt_dir, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "slow":  # hold the second checkpoint write open so the parent can kill it there
        real_fsync, calls = os.fsync, [0]
        def slow_fsync(fd):
            calls[0] += 1
            if calls[0] == 5:  # first file of the second checkpoint
                open(os.path.join(ckpt_dir, "WRITING"), "w").close()
                time.sleep(60)
            real_fsync(fd)
        ck.os.fsync = slow_fsync
    net = nn.Sequential()
    net.add(nn.Conv2D(6, kernel_size=3, activation="relu"), nn.BatchNorm(), nn.MaxPool2D(2, 2),
            nn.Dense(32, activation="relu"), nn.Dropout(0.3), nn.Dense(10))
    class MarkTraining(dx.Display):  # tells the parent that batches are being trained
        def on_batch_end(self, epoch, batch, metrics):
            if batch == 2:
                open(os.path.join(ckpt_dir, f"TRAINING-{epoch}"), "w").close()
                if mode == "hold" and epoch == 0:  # stay mid-epoch until the parent kills: a fast
                    time.sleep(60)                  # machine would otherwise finish the epoch first
    os.makedirs(ckpt_dir, exist_ok=True)
    train_iter, test_iter = dx.load_data_fashion_mnist(64, subset=768, test_subset=256)
    h = dx.fit(net, train_iter, test_iter, 3, 0.1, callbacks=[dx.Checkpoints(ckpt_dir), MarkTraining()],
               recipe=dx.Recipe(seed=2))
    json.dump(h.to_dict(), open(out, "w"))
""")


def start(tmp_path, name, mode="fast"):
    """The child training in a new process group; ``mode``: "fast", "hold" (stops mid-way through
    the first epoch) or "slow" (stops while writing the second checkpoint)."""
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    out = tmp_path / f"{name}.json"
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path / f"ckpt-{name}"), str(out), mode],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return proc, out


def wait_for(predicate, proc, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            pytest.fail(f"child ended early: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.05)
    pytest.fail("timed out waiting for the child")


def kill(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def finish(proc):
    try:
        assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()[-2000:]
    finally:
        kill(proc)


def test_kill_mid_epoch_and_mid_checkpoint_then_resume(tmp_path):
    reference, ref_out = start(tmp_path, "reference")
    finish(reference)
    expected = json.loads(ref_out.read_text())["records"]

    ckpt = tmp_path / "ckpt-run"
    # 1. Killed during the first epoch's training: nothing is saved yet, nothing half-written.
    proc, _ = start(tmp_path, "run", mode="hold")
    try:
        wait_for(lambda: (ckpt / "TRAINING-0").exists(), proc)
    finally:
        kill(proc)
    assert not any(p.name.startswith("epoch-") for p in ckpt.iterdir())

    # 2. Killed while writing the second checkpoint: the first stays, the second is absent.
    proc, _ = start(tmp_path, "run", mode="slow")
    try:
        wait_for(lambda: (ckpt / "WRITING").exists(), proc)
    finally:
        kill(proc)
    (ckpt / "WRITING").unlink()
    assert sorted(p.name for p in ckpt.iterdir() if p.name.startswith("epoch-")) == ["epoch-0001"]
    assert any(p.name.startswith(".tmp-epoch-0002") for p in ckpt.iterdir())

    # 3. Rerun: continues after epoch 1 and ends exactly like the uninterrupted run.
    proc, out = start(tmp_path, "run")
    finish(proc)
    records = json.loads(out.read_text())["records"]
    assert [r["epoch"] for r in records] == [1, 2, 3]
    for got, want in zip(records, expected):
        assert got["train_loss"] == pytest.approx(want["train_loss"], rel=1e-4)
        assert got["test_acc"] == pytest.approx(want["test_acc"], abs=1e-9)
    leftovers = [p.name for p in ckpt.iterdir() if p.name.startswith(".tmp")]
    assert leftovers == [], "temporary folders of the killed write were not cleaned"
