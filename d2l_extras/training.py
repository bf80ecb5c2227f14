"""Training: ``fit`` (the book's ``train_ch6``, reusable), ``evaluate_accuracy`` and ``History``."""
import atexit
import json
import math
import os
import random
import time
import warnings
import weakref

import mxnet as mx
import numpy as onp
from mxnet import autograd, gluon, init

from .busy_cores import BusyCoresNote
from .callbacks import Callback, call
from .checkpoint import Checkpoints, default_folder
from .dead_classes import DeadClassReviver
from .device import describe_devices, get_devices
from .display import curve_point, default_display
from .language import ShownPerLanguage
from .recipe import INITIALIZERS, Recipe, check_choice
from .speedups import cpu_speedups

__all__ = ["TrainingDivergedError", "History", "Parallel", "Recipe", "set_seed", "evaluate_accuracy",
           "lr_scheduler", "make_initializer", "default_callbacks", "fit"]


class TrainingDivergedError(FloatingPointError):
    """The training loss became NaN or infinite."""


def set_seed(seed):
    """Seed MXNet's, NumPy's and Python's generators."""
    mx.random.seed(seed)
    onp.random.seed(seed)
    random.seed(seed)


class History(ShownPerLanguage):
    """Per-epoch metrics of a training run.

    Each record has ``epoch`` (1-based), ``train_loss``, ``train_acc``, ``test_acc``,
    ``examples_per_sec``, ``train_seconds`` and ``curve``, the running training loss and
    accuracy within the epoch as ``[epoch + fraction, loss, acc]`` points (kept so that a run
    resumed from a checkpoint draws them again); ``str(history)`` is the book's final line.
    """

    def __init__(self, devices="", records=None):
        self.devices = devices
        self.records = list(records or [])
        self.running = []  # the curve's points of the epoch in progress

    def add_point(self, x, loss, acc):
        self.running.append([x, loss, acc])

    def append(self, record):
        """Add a finished epoch's record, with the points added since the last one as its curve."""
        self.records.append(dict(record, curve=self.running))
        self.running = []

    @property
    def curve(self):
        """Every ``[x, train loss, train acc]`` point so far: each epoch's curve, then its end."""
        points = []
        for r in self.records:
            points += r.get("curve", []) + [[r["epoch"], r["train_loss"], r["train_acc"]]]  # (older checkpoints have no curve)
        return points + self.running

    @property
    def final(self):
        if not self.records:
            raise ValueError("the history is empty: no epoch has finished")
        return self.records[-1]

    def __getitem__(self, key):
        """The column ``key`` over epochs, e.g. ``history['test_acc']``."""
        return [r[key] for r in self.records]

    def __len__(self):
        return len(self.records)

    @property
    def examples_per_sec(self):
        """Throughput over the whole run (training time only, as the book counts it)."""
        seconds = sum(r["train_seconds"] for r in self.records)
        examples = sum(r["train_examples"] for r in self.records)
        return examples / seconds if seconds else float("nan")

    @property
    def train_seconds(self):
        return sum(r["train_seconds"] for r in self.records)

    def describe(self, lang="en"):
        """The book's final line (loss, accuracies, examples/sec) in ``lang``."""
        from .language import number, text

        if not self.records:
            return "no epoch finished" if lang == "en" else "chưa xong epoch nào"
        r = self.final
        sep = ", " if lang == "en" else "; "
        return (sep.join(f"{text(key, lang)} {number(r[field], '.3f', lang)}" for key, field in
                         (("loss", "train_loss"), ("train acc", "train_acc"), ("test acc", "test_acc")))
                + f"\n{number(self.examples_per_sec, ',.1f', lang)} {text('examples/sec on', lang)} {self.devices}")

    def __str__(self):
        return self.describe("en")

    __repr__ = __str__

    def to_dict(self):
        return {"devices": self.devices, "records": self.records}

    @classmethod
    def from_dict(cls, data):
        return cls(data.get("devices", ""), data.get("records", []))

    def save(self, path):
        """Write the history as JSON, atomically."""
        from .results import atomic_write_text

        atomic_write_text(path, json.dumps(self.to_dict(), indent=1))


def _split(X, y, devices):
    if len(devices) == 1:
        return [X.as_in_ctx(devices[0])], [y.as_in_ctx(devices[0])]
    return (gluon.utils.split_and_load(X, devices, even_split=False),
            gluon.utils.split_and_load(y, devices, even_split=False))


def _correct(y_hat, y):
    return (y_hat.argmax(axis=1).astype(y.dtype) == y).sum()


def evaluate_accuracy(net, data_iter, devices=None):
    """Fraction of correctly classified examples of ``data_iter`` (prediction mode)."""
    devices = devices or get_devices()
    correct, total = 0.0, 0
    for X, y in data_iter:
        Xs, ys = _split(X, y, devices)
        correct += sum(float(_correct(net(Xi), yi)) for Xi, yi in zip(Xs, ys))
        total += y.shape[0]
    if total == 0:
        raise ValueError("the evaluation data are empty")
    return correct / total


# Updates of the 'warmup-cosine' warm-up: as many as the `cpu` profile's NiN takes on all 60,000
# images (a tenth of its run). A count, not a share of the run: a share would warm a run sized
# to fewer images up in fewer steps, and large first steps can kill every ReLU of the network.
WARMUP_UPDATES = 375


def lr_scheduler(lr_schedule, lr, num_updates):
    """MXNet's scheduler for ``lr_schedule`` over ``num_updates`` steps (None: constant lr).

    ``"cosine"`` decays the rate from ``lr`` to 0 along half a cosine. A short run gains
    the most from it: the last, small steps settle the weights (and the BatchNorm running
    statistics) instead of leaving them wherever the last large step put them.
    ``"warmup-cosine"`` first raises the rate linearly from 0 over ``WARMUP_UPDATES`` updates
    (at most half the run). Large first steps can push a ReLU unit negative for every input,
    after which its gradient is 0 for good; the warm-up keeps NiN's ReLU class maps alive.
    ``lr_schedule`` is one of ``recipe.LR_SCHEDULES``, as a ``Recipe`` checks.
    """
    if lr_schedule is None:
        return None
    warmup = min(WARMUP_UPDATES, num_updates // 2) if lr_schedule == "warmup-cosine" else 0
    return mx.lr_scheduler.CosineScheduler(max_update=num_updates, base_lr=lr, final_lr=0,
                                           warmup_steps=warmup, warmup_begin_lr=0)


def make_initializer(name):
    """The initializer called ``name``: None or 'xavier' (the book's), or 'he' (an Initializer is passed through).

    'he' (He et al., 2015) draws weights with variance 2 / fan_in, which keeps the size of
    ReLU activations from layer to layer. The book's Xavier ('avg' of fan_in and fan_out,
    uniform) shrinks them wherever a layer has many more outputs than inputs, as in AlexNet's
    and NiN's 11×11 first layer: deep ReLU networks without batch normalization then start
    with almost-zero outputs and sit on a plateau at ln 10 before they learn.
    """
    if isinstance(name, init.Initializer):
        return name
    check_choice("initializer", name, INITIALIZERS)
    if name == "he":
        return init.Xavier(rnd_type="gaussian", factor_type="in", magnitude=2)
    return init.Xavier()


def _check_args(num_epochs, lr, train_iter, recipe, callbacks):
    if not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"num_epochs must be a positive integer, got {num_epochs!r}")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if len(train_iter) == 0:
        raise ValueError("the training data are empty (0 batches); check subset and batch_size")
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a d2l_extras.Recipe, got {type(recipe).__name__}")
    if callbacks is not None and not all(isinstance(c, Callback) for c in callbacks):
        raise TypeError("callbacks must be d2l_extras.Callback objects (LivePlot(), Checkpoints(folder), ...), "
                        f"got {[type(c).__name__ for c in callbacks]}")


def default_callbacks():
    """What ``fit`` shows when given no callbacks: the live plot in a notebook, the progress
    bar in a terminal, nothing elsewhere."""
    display = default_display()
    return [display] if display else []


def _standing_callbacks(callbacks, parallel, recipe, net):
    """What every training adds to its callbacks: the busy-core note, the dead-class re-drawing
    when the recipe asks for it, and checkpoints per training where the course's runner asked
    for them (``checkpoint.default_folder``) and no ``Checkpoints`` was given."""
    standing = [BusyCoresNote()]
    if recipe.revive_dead_classes:
        standing.append(DeadClassReviver(net, recipe.seed))
    folder = default_folder()
    if folder and not parallel.distributed and not any(isinstance(c, Checkpoints) for c in callbacks):
        standing.append(Checkpoints(folder, per_training=True))
    return sorted(standing + list(callbacks), key=lambda c: c.order)


def fit(net, train_iter, test_iter, num_epochs, lr, devices=None, *, recipe=None, callbacks=None):
    """Train ``net`` and evaluate it after every epoch: the book's ``train_ch6``, reusable.

    The same six arguments and loop (Xavier initialization, softmax cross-entropy, minibatch
    SGD, test accuracy each epoch). Unlike it: any number of devices (``devices=None`` picks
    them now, see ``get_devices``), the training choices in ``recipe`` (a ``Recipe``; the
    default is the book's), progress, checkpoints and other extras as ``callbacks``, a
    ``History`` returned, and a clear stop on a diverging loss.

    ``callbacks=None`` means ``default_callbacks()``, a live plot in a notebook (a progress
    bar in a terminal); ``[]`` shows nothing. Where the course's runner asked for them,
    checkpoints are kept per training (see ``_standing_callbacks``). ``len(train_iter)``
    must be the number of batches; a ``set_epoch(e)`` method, if present, is called before
    each epoch. ``num_epochs`` counts epochs resumed from a checkpoint. Raises
    ``TrainingDivergedError`` when the loss becomes NaN or infinite.
    """
    recipe = recipe or Recipe()
    _check_args(num_epochs, lr, train_iter, recipe, callbacks)
    parallel = Parallel.create(list(devices) if devices else get_devices(), recipe.kvstore)
    callbacks = default_callbacks() if callbacks is None else callbacks
    set_seed(recipe.seed)
    if recipe.initializer is not False:
        net.initialize(make_initializer(recipe.initializer), ctx=parallel.devices, force_reinit=True)
    loss = recipe.loss or gluon.loss.SoftmaxCrossEntropyLoss()
    with cpu_speedups(recipe.cpu_speedups) as speedups:
        first_batch = _prepare(net, train_iter, parallel.devices[0], recipe.hybridize, speedups)
        trainer = _make_trainer(net, recipe, lr, num_epochs * len(train_iter), parallel, speedups)
        history = History(describe_devices(parallel.devices))
        callbacks = _standing_callbacks(callbacks, parallel, recipe, net)
        info = {"net": net, "trainer": trainer, "train_iter": train_iter, "first_batch": first_batch,
                "num_epochs": num_epochs, "num_batches": len(train_iter), "lr": lr, "recipe": recipe,
                "parallel": parallel, "devices": parallel.devices, "kernels": speedups.kernels,
                "history": history, "start_epoch": 0}
        call(callbacks, "on_train_begin", info)
        step = _Step(net, loss, trainer, parallel, callbacks, recipe.seed, lr)
        for epoch in range(info["start_epoch"], num_epochs):
            record = _train_epoch(step, train_iter, epoch, history)
            record["test_acc"] = evaluate_accuracy(net, test_iter, parallel.devices)
            history.append(record)
            call(callbacks, "on_epoch_end", epoch, history.final)
        call(callbacks, "on_train_end", history)
    return history


def _prepare(net, train_iter, device, hybridize, speedups):
    """Returns the first batch of epoch 0 after running one of its examples through ``net``
    (prediction mode: no side effects): once as is, to complete deferred shapes and let the
    speed-ups see each layer's input size, then, when asked, hybridized (which traces it)."""
    if hasattr(train_iter, "set_epoch"):
        # The first batch of epoch 0, whatever epoch a training before this one left the
        # loader at: it goes into the identity, which must not depend on whether that
        # training ran or was resumed from its checkpoints.
        train_iter.set_epoch(0)
    X0, y0 = next(iter(train_iter))
    example = X0[:1].as_in_ctx(device)
    speedups.prepare(net, example)
    if hybridize:
        with warnings.catch_warnings():
            # The slides build nets with nn.Sequential; Gluon's advice to use
            # HybridSequential is noise here, the HybridBlocks inside are hybridized. The
            # trimmer's size check is a hook on the network, which Gluon calls all the same.
            warnings.filterwarnings("ignore", message=".*Consider using HybridSequential")
            warnings.filterwarnings("ignore", message="(?s).*while still having forward hook")  # the repr spans lines
            net.hybridize()
        net(example)
    return X0, y0


def _make_trainer(net, recipe, lr, num_updates, parallel, speedups):
    optimizer_params = dict(recipe.optimizer_params or {}, learning_rate=lr)
    scheduler = lr_scheduler(recipe.lr_schedule, lr, num_updates)
    if scheduler is not None:
        optimizer_params["lr_scheduler"] = scheduler
    # The trainer's saved state holds the optimizer with its scheduler and update count,
    # so a resumed run continues the schedule where the checkpoint left it.
    optimizer = make_optimizer(recipe.optimizer, optimizer_params, servers=parallel.distributed, speedups=speedups)
    return gluon.Trainer(net.collect_params(), optimizer, kvstore=parallel.kvstore)


def make_optimizer(name, params, servers=False, speedups=None):
    """The optimizer ``name`` (e.g. 'sgd') with ``params``; an Optimizer is passed through.

    With ``speedups`` on (a ``speedups.Speedups``), each parameter is updated by its own
    operator (``speedups.PerParameterSGD`` for 'sgd'). ``servers=True``: the optimizer goes to
    a distributed kvstore's servers, which unpickle it while their ``import mxnet`` is still
    running (a server serves from inside that import), so only MXNet's own optimizer classes
    can be loaded there: MXNet's optimizer is returned.
    """
    if isinstance(name, mx.optimizer.Optimizer):
        return name
    if servers or speedups is None:
        return mx.optimizer.create(name, **params)
    return speedups.optimizer(name, params)


def _release_kvstore(ref):
    """Free a distributed kvstore at exit, while the interpreter still runs.

    Its C++ destructor says goodbye to the scheduler and joins ps-lite's threads. On Python
    3.13 a kvstore still referenced (by the network's parameters, through their trainer) is no
    longer freed during the interpreter's shutdown, and ps-lite's threads, left running, abort
    the process ("terminate called without an active exception") after a finished training.
    """
    kvstore = ref()
    if kvstore is None or not getattr(kvstore, "handle", None):
        return
    handle, kvstore.handle = kvstore.handle, mx.base.KVStoreHandle()  # its __del__ frees NULL: a no-op
    mx.base.check_call(mx.base._LIB.MXKVStoreFree(handle))


class Parallel:
    """The devices of a training and how their gradients are combined (kvstore)."""

    def __init__(self, devices, kvstore, num_workers=None):
        self.devices, self.kvstore, self.num_workers = devices, kvstore, num_workers

    @classmethod
    def create(cls, devices, kvstore):
        """Resolve ``kvstore``: a 'dist_*' name becomes a KVStore now (connecting to the
        scheduler), so that the number of workers is known before the first step."""
        if isinstance(kvstore, str) and "dist" in kvstore:
            if "DMLC_ROLE" not in os.environ:
                raise RuntimeError(
                    f"kvstore={kvstore!r} needs a scheduler, servers and the DMLC_* variables that "
                    "describe them; start the training script with the launcher, e.g. "
                    "`python -m course_tools.launch -n 2 -s 1 -- python examples/train_dist.py` "
                    "(see `python -m course_tools.launch --help`)"
                )
            kvstore = mx.kv.create(kvstore)
        if isinstance(kvstore, mx.kv.KVStoreBase) and "dist" in kvstore.type:
            atexit.register(_release_kvstore, weakref.ref(kvstore))
            return cls(devices, kvstore, kvstore.num_workers)
        return cls(devices, kvstore)

    @property
    def distributed(self):
        return self.num_workers is not None

    @property
    def step_scale(self):
        """dist_sync: the servers sum the gradients of all workers, so divide by the global batch."""
        return self.num_workers if self.distributed and "async" not in self.kvstore.type else 1


class _Step:
    """What every minibatch step of a training uses."""

    def __init__(self, net, loss, trainer, parallel, callbacks, seed, lr):
        self.net, self.loss, self.trainer, self.parallel = net, loss, trainer, parallel
        self.callbacks, self.seed, self.lr = callbacks, seed, lr


def _train_epoch(step, train_iter, epoch, history):
    """One epoch of the book's loop; returns its record."""
    net, parallel = step.net, step.parallel
    # Dropout masks and shuffling depend on (seed, epoch) only, so that a run resumed at
    # this epoch continues exactly as the uninterrupted run would have.
    mx.random.seed(step.seed * 1000 + epoch + 1)
    if hasattr(train_iter, "set_epoch"):
        train_iter.set_epoch(epoch)
    call(step.callbacks, "on_epoch_begin", epoch)
    metric, num_batches = _Running(epoch, step.lr), len(train_iter)
    start = time.perf_counter()
    for i, (X, y) in enumerate(train_iter):
        if parallel.distributed:
            _check_same_size(y, metric.first_size, epoch, i)
        Xs, ys = _split(X, y, parallel.devices)
        with autograd.record():
            y_hats = [net(Xi) for Xi in Xs]
            losses = [step.loss(y_hat, yi) for y_hat, yi in zip(y_hats, ys)]
        for l in losses:
            l.backward()
        step.trainer.step(y.shape[0] * parallel.step_scale)
        call(step.callbacks, "on_step_end", y_hats, ys)
        if metric.add(losses, y_hats, ys, y.shape[0]):  # the previous batch's metrics were read
            _batch_end(step, history, epoch, i - 1, num_batches, metric)
    metric.read_pending()
    seconds = time.perf_counter() - start
    _batch_end(step, history, epoch, num_batches - 1, num_batches, metric)
    return {"epoch": epoch + 1, "train_loss": metric.loss(), "train_acc": metric.accuracy(),
            "train_examples": metric.count, "train_seconds": seconds, "examples_per_sec": metric.count / seconds}


def _batch_end(step, history, epoch, batch, num_batches, metric):
    if curve_point(batch, num_batches):
        history.add_point(epoch + (batch + 1) / num_batches, metric.loss(), metric.accuracy())
    call(step.callbacks, "on_batch_end", epoch, batch, {"train_loss": metric.loss(), "train_acc": metric.accuracy()})


class _Running:
    """The epoch's summed loss, correct predictions and examples (the book's ``Accumulator(3)``),
    each batch's read one batch late so that MXNet's engine is never left waiting."""

    def __init__(self, epoch, lr):
        self.epoch, self.lr = epoch, lr
        self.loss_sum, self.correct, self.count = 0.0, 0.0, 0
        self.batches, self.first_size, self.pending = 0, None, None

    def add(self, losses, y_hats, ys, n):
        """Queue this batch's metrics; returns whether the previous batch's were read."""
        self.first_size = self.first_size or n
        read = self.read_pending()
        self.pending = ([l.sum() for l in losses], [_correct(a, b) for a, b in zip(y_hats, ys)], n)
        return read

    def read_pending(self):
        if self.pending is None:
            return False
        batch_losses, batch_correct, n = self.pending
        batch_loss = sum(float(l) for l in batch_losses)
        if not math.isfinite(batch_loss):
            raise TrainingDivergedError(
                f"the training loss became {batch_loss} at epoch {self.epoch + 1}, batch {self.batches + 1}. "
                f"The learning rate (lr={self.lr:g}) is most likely too high for this network: try lr={self.lr / 10:g}. "
                "(Also check the input scaling and the initialization.) No checkpoint was written for this epoch."
            )
        self.loss_sum, self.correct, self.count = (self.loss_sum + batch_loss,
                                                   self.correct + sum(float(c) for c in batch_correct), self.count + n)
        self.batches, self.pending = self.batches + 1, None
        return True

    def loss(self):
        return self.loss_sum / self.count

    def accuracy(self):
        return self.correct / self.count


def _check_same_size(y, first_size, epoch, batch):
    """Under a distributed kvstore every batch must have the size of the first."""
    if first_size is not None and y.shape[0] != first_size:
        raise ValueError(
            f"batch {batch + 1} of epoch {epoch + 1} has {y.shape[0]} examples, the first had "
            f"{first_size}: under a distributed kvstore every batch must have the same size "
            "(the servers' optimizer keeps the gradient scale of the first step). Drop the "
            "last smaller batch: ArrayLoader(..., drop_last=True), or load_data_fashion_mnist"
            "(..., num_parts=kv.num_workers, part_index=kv.rank)."
        )
