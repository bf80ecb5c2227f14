"""Atomic, verified checkpoints: one folder per completed epoch.

A checkpoint is written into a temporary folder next to its final place and renamed
when every file is on disk, so a run killed mid-write leaves either the previous
checkpoints or the new one, never half of one. ``meta.json`` records the network's
parameter names and shapes and the SHA-256 of each file; loading refuses a checkpoint
whose files do not match it, or whose network differs from the one given.

``Checkpoints`` is the callback of ``fit`` that writes them after every epoch and resumes
from the newest. Given ``per_training=True`` it writes into a folder named after everything
the training depends on (``training_identity``), so an edited network never resumes an old run.
"""
import hashlib
import inspect
import json
import math
import os
import shutil
import tempfile
import types
from pathlib import Path

from .callbacks import Callback
from .dead_classes import rule as dead_classes_rule
from .device import describe_devices
from .results import atomic_write_text
from .speedups.threads import off_main_thread
from .summary import all_blocks

__all__ = ["CheckpointError", "CheckpointMismatchError", "Checkpoints", "default_folder", "save_checkpoint",
           "latest_checkpoint", "load_checkpoint", "parameter_shapes", "training_identity"]

FOLDER_ENV = "D2L_CHECKPOINT_DIR"  # set by the course's runner for the notebooks it runs

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


def default_folder():
    """The folder under which ``fit`` keeps a checkpoint folder per training by default:
    ``D2L_CHECKPOINT_DIR`` (the course's runner sets it), or None."""
    return os.environ.get(FOLDER_ENV) or None


class Checkpoints(Callback):
    """Save the state after every epoch, atomically; resume from the newest complete one.

    Parameters
    ----------
    folder : str or Path
        Where the checkpoints go.
    resume : bool
        Continue from the newest checkpoint in the folder, if there is one.
    per_training : bool
        Write into ``folder/fit-<digest>``, named after what is trained (``training_identity``):
        an unchanged training resumes, an edited one starts afresh.
    """

    order = -10  # before the displays, so that they show the epochs resumed

    def __init__(self, folder, resume=True, per_training=False):
        self.root, self.resume, self.per_training = Path(folder), resume, per_training
        self.folder = None if per_training else self.root

    def on_train_begin(self, info):
        if info["parallel"].distributed:
            raise ValueError("checkpoints are not supported with a distributed kvstore (the optimizer "
                             "state lives on the servers); train without the Checkpoints callback")
        self.net, self.trainer, self.history = info["net"], info["trainer"], info["history"]
        if self.per_training:
            identity = training_identity(info["net"], info["train_iter"], info["first_batch"], info["num_epochs"],
                                         info["lr"], info["recipe"], info["parallel"], info["kernels"])
            self.folder = self.root / f"fit-{identity['digest'][:16]}"
        last = latest_checkpoint(self.folder) if self.resume else None
        if last is not None:
            meta = load_checkpoint(last, self.net, self.trainer, info["devices"])
            self.history.records[:] = meta["history"]["records"]
            info["start_epoch"] = meta["epoch"]
        if self.per_training:
            atomic_write_text(self.folder / "identity.json", json.dumps(identity, indent=1, default=str))

    def on_epoch_end(self, epoch, record):
        save_checkpoint(self.folder, epoch, self.net, self.trainer, self.history.to_dict())


def _digest_arrays(arrays):
    """SHA-256 of the arrays' shapes, dtypes and values, read outside the main thread: a
    large array's ``asnumpy`` there would slow every training after it (speedups.threads)."""
    def digest_all():
        digest = hashlib.sha256()
        for a in arrays:
            a = a.asnumpy() if hasattr(a, "asnumpy") else a
            digest.update(str((a.shape, str(a.dtype))).encode())
            digest.update(a.tobytes())
        return digest.hexdigest()

    return off_main_thread(digest_all)


def _compiled(code):
    """What a code object computes, without its file name and line numbers."""
    consts = [_compiled(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts]
    return [code.co_code.hex(), consts, list(code.co_names), list(code.co_varnames)]


def _class_source(cls):
    """The source of ``cls``; for a class typed into a notebook (no file), its methods' compiled code."""
    try:
        return inspect.getsource(cls)
    except (OSError, TypeError):
        methods = {name: _compiled(f.__code__) for name, f in sorted(vars(cls).items()) if hasattr(f, "__code__")}
        return json.dumps([cls.__qualname__, [b.__qualname__ for b in cls.__bases__], methods])


def _block_sources(net):
    """Source code of the classes of every block in ``net``."""
    classes = dict.fromkeys(type(block) for block in all_blocks(net))
    return [_class_source(cls) for cls in classes]


def training_identity(net, train_iter, first_batch, num_epochs, lr, recipe, parallel, kernels=None):
    """What a training depends on, with its SHA-256 ``digest``: the network (structure,
    parameter shapes, the code of its blocks' classes, initial parameters), the data (batches,
    batch size, first batch), the settings, the recipe and the devices, and ``kernels``, the
    speed-ups that acted on this network ({key: kernel}, see ``speedups.Speedups.kernels``).

    Two trainings share a digest only when none of these differ.
    """
    params = net._collect_params_with_prefix()
    identity = {
        "network": type(net).__name__,
        "structure": hashlib.sha256(repr(net).encode()).hexdigest(),
        "parameter_shapes": hashlib.sha256(json.dumps(parameter_shapes(net), sort_keys=True).encode()).hexdigest(),
        "block_sources": hashlib.sha256("\n".join(_block_sources(net)).encode()).hexdigest(),
        "initial_parameters": _digest_arrays(params[k].data(parallel.devices[0]) for k in sorted(params)),
        "data": {"batches": len(train_iter), "batch_size": getattr(train_iter, "batch_size", None),
                 "first_batch": _digest_arrays(first_batch)},
        "num_epochs": num_epochs, "lr": lr, "recipe": recipe.describe(),
        "devices": describe_devices(parallel.devices), "kvstore": str(getattr(parallel.kvstore, "type", parallel.kvstore)),
    }
    if recipe.revive_dead_classes:  # only then: the identities of other trainings stay as they were
        identity["revive_rule"] = dead_classes_rule()
    identity.update(kernels or {})  # likewise: a network no speed-up touched keeps its identity
    identity["digest"] = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()
    return identity
