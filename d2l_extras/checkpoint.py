"""Atomic, verified checkpoints: one folder per completed epoch.

A checkpoint is written into a temporary folder next to its final place and renamed
when every file is on disk, so a run killed mid-write leaves either the previous
checkpoints or the new one, never half of one. ``meta.json`` records the network's
parameter names and shapes and the SHA-256 of each file; loading refuses a checkpoint
whose files do not match it, or whose network differs from the one given.
"""
import hashlib
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["CheckpointError", "CheckpointMismatchError", "save_checkpoint",
           "latest_checkpoint", "load_checkpoint", "parameter_shapes"]

PREFIX = "epoch-"
FILES = ("net.params", "trainer.states")


class CheckpointError(RuntimeError):
    """A checkpoint on disk is damaged (a file missing or different from when it was written)."""


class CheckpointMismatchError(ValueError):
    """A checkpoint was written by a network of another architecture or shape."""


def parameter_shapes(net):
    """``{structural name: shape}`` of every parameter, as ``save_parameters`` names them."""
    return {name: list(p.shape) for name, p in net._collect_params_with_prefix().items()}


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_checkpoint(directory, epoch, net, trainer, history, keep=2):
    """Write the state after ``epoch`` (0-based) completed epochs; keep the newest ``keep``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"{PREFIX}{epoch + 1:04d}"
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=directory))
    try:
        net.save_parameters(str(tmp / FILES[0]))
        trainer.save_states(str(tmp / FILES[1]))
        meta = {
            "epoch": epoch + 1,
            "network": type(net).__name__,
            "parameters": parameter_shapes(net),
            "sha256": {name: _sha256(tmp / name) for name in FILES},
            "history": history,
        }
        with open(tmp / "meta.json", "w") as f:
            json.dump(meta, f)
        for name in FILES + ("meta.json",):
            with open(tmp / name, "rb+") as f:
                os.fsync(f.fileno())
        if final.exists():  # a rerun of the same epoch replaces the older copy
            shutil.rmtree(final)
        os.replace(tmp, final)
        _fsync_dir(directory)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    for old in sorted(directory.glob(PREFIX + "*"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(directory):
    """Folder of the newest complete checkpoint in ``directory``, or None.

    Left-over temporary folders of interrupted writes are removed.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return None
    for leftover in directory.glob(".tmp-" + PREFIX + "*"):
        shutil.rmtree(leftover, ignore_errors=True)
    done = sorted(p for p in directory.glob(PREFIX + "*") if (p / "meta.json").is_file())
    return done[-1] if done else None


def _describe(name, shapes):
    count = sum(math.prod(s) for s in shapes.values())
    return f"a {name} with {len(shapes)} parameter arrays ({count:,} values)"



def _check_same_network(path, meta, net):
    theirs, ours = meta["parameters"], parameter_shapes(net)
    if theirs == ours:
        return
    diffs = [f"{k}: checkpoint {tuple(theirs[k])} vs network {tuple(ours[k])}"
             for k in sorted(set(theirs) & set(ours)) if theirs[k] != ours[k]]
    diffs += [f"{k}: only in the checkpoint" for k in sorted(set(theirs) - set(ours))]
    diffs += [f"{k}: only in the network" for k in sorted(set(ours) - set(theirs))]
    shown = "; ".join(diffs[:4]) + (f"; ... ({len(diffs) - 4} more)" if len(diffs) > 4 else "")
    raise CheckpointMismatchError(
        f"checkpoint {path} was saved from {_describe(meta['network'], theirs)}, but the network "
        f"given is {_describe(type(net).__name__, ours)}. Differences: {shown}. Nothing was loaded. "
        "Use another checkpoint folder for this network, or remove this one to start afresh."
    )


def load_checkpoint(path, net, trainer, devices):
    """Load a checkpoint folder into ``net`` and ``trainer``; return its meta data.

    The network must have its shapes known (run one forward pass first).
    """
    path = Path(path)
    try:
        with open(path / "meta.json") as f:
            meta = json.load(f)
    except (OSError, ValueError) as err:
        raise CheckpointError(f"{path / 'meta.json'} cannot be read ({err}); remove {path} and resume again") from err
    for name in FILES:
        if not (path / name).is_file() or _sha256(path / name) != meta["sha256"][name]:
            raise CheckpointError(
                f"{path / name} is missing or differs from when it was written; remove {path} "
                "to resume from the checkpoint before it"
            )
    _check_same_network(path, meta, net)
    net.load_parameters(str(path / FILES[0]), ctx=devices)
    trainer.load_states(str(path / FILES[1]))
    return meta
