"""Training: ``fit`` (the book's ``train_ch6``, reusable), ``evaluate_accuracy`` and ``History``."""
import atexit
import hashlib
import inspect
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

from .busy_cores import warn_if_cores_busy
from .checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from .device import describe_devices, get_devices
from .display import curve_point, resolve_display
from .language import ShownPerLanguage
from .layout import KERNEL as CONCAT_KERNEL, channel_concat
from .taps import KERNEL as TAPS_KERNEL, trimmed_convolutions
from .recipe import INITIALIZERS, LR_SCHEDULES, Recipe, check_choice
from .revive import DeadClassReviver, rule as revive_rule
from .threads import off_main_thread

__all__ = ["TrainingDivergedError", "History", "Parallel", "Recipe", "set_seed", "evaluate_accuracy",
           "lr_scheduler", "make_initializer", "make_optimizer", "PerParameterSGD", "training_identity", "fit"]


CHECKPOINT_ENV = "D2L_CHECKPOINT_DIR"


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
    accuracy within the epoch as ``[epoch + fraction, loss, acc]`` points (the live plot's,
    kept so that a run resumed from a checkpoint draws them again); ``str(history)`` is the
    book's final line.
    """

    def __init__(self, devices="", records=None):
        self.devices = devices
        self.records = list(records or [])

    def append(self, record):
        self.records.append(dict(record))

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


WARMUP_FRACTION = 0.1  # of the updates, for 'warmup-cosine'


def lr_scheduler(lr_schedule, lr, num_updates):
    """MXNet's scheduler for ``lr_schedule`` over ``num_updates`` steps (None: constant lr).

    ``"cosine"`` decays the rate from ``lr`` to 0 along half a cosine. A short run gains
    the most from it: the last, small steps settle the weights (and the BatchNorm running
    statistics) instead of leaving them wherever the last large step put them.
    ``"warmup-cosine"`` first raises the rate linearly from 0 over the first tenth of the
    updates. Large first steps can push a ReLU unit negative for every input, after which
    its gradient is 0 for good; the warm-up keeps NiN's ReLU class maps alive.
    """
    check_choice("lr_schedule", lr_schedule, LR_SCHEDULES)
    if lr_schedule is None:
        return None
    warmup = int(WARMUP_FRACTION * num_updates) if lr_schedule == "warmup-cosine" else 0
    return mx.lr_scheduler.CosineScheduler(max_update=num_updates, base_lr=lr, final_lr=0,
                                           warmup_steps=warmup, warmup_begin_lr=0)


def make_initializer(name):
    """The initializer called ``name``: None or 'xavier' (the book's), or 'he'.

    'he' (He et al., 2015) draws weights with variance 2 / fan_in, which keeps the size of
    ReLU activations from layer to layer. The book's Xavier ('avg' of fan_in and fan_out,
    uniform) shrinks them wherever a layer has many more outputs than inputs, as in AlexNet's
    and NiN's 11×11 first layer: deep ReLU networks without batch normalization then start
    with almost-zero outputs and sit on a plateau at ln 10 before they learn.
    """
    check_choice("initializer", name, INITIALIZERS)
    if name == "he":
        return init.Xavier(rnd_type="gaussian", factor_type="in", magnitude=2)
    return init.Xavier()


def _check_args(num_epochs, lr, train_iter):
    if not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"num_epochs must be a positive integer, got {num_epochs!r}")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if len(train_iter) == 0:
        raise ValueError("the training data are empty (0 batches); check subset and batch_size")


def fit(net, train_iter, test_iter, num_epochs, lr, devices=None, *, recipe=None, display="auto",
        checkpoint_dir=None, resume=False, kvstore="device"):
    """Train ``net`` and evaluate it after every epoch: the book's ``train_ch6``, reusable.

    Like ``train_ch6``: minibatch SGD, Xavier initialization (re-initialized), softmax
    cross-entropy, test accuracy each epoch. Unlike it: any number of devices (each batch
    split across them, gradients summed by a kvstore), display kept apart, a History
    returned, atomic checkpoints with resume, a clear stop on a diverging loss, and channel
    concatenations (``np.concatenate(..., axis=1)``) on oneDNN's kernel while it runs
    (``layout.channel_concat``), and convolutions whose kernels reach past a small map
    computed with the taps that reach it (``taps.trimmed_convolutions``).

    Parameters
    ----------
    net : mxnet.gluon.Block
    train_iter, test_iter : iterables of (X, y) batches
        ``len(train_iter)`` must be the number of batches. A ``set_epoch(e)`` method, if
        present, is called before each epoch (reproducible shuffling when resuming).
    num_epochs : int
        Total epochs, counting those already done when resuming.
    lr : float
        Learning rate.
    devices : list of mxnet.Context, optional
        Chosen now by ``get_devices()`` (``D2L_DEVICE``) when not given.
    recipe : Recipe, optional
        The training choices (optimizer, learning-rate schedule, initializer, loss,
        hybridization, seed); the default is the book's. A section's settings carry theirs:
        ``fit(..., recipe=s.recipe)``.
    display : 'auto', None or Display
        A live plot in notebooks, a progress bar in terminals, nothing when None.
    checkpoint_dir : str or Path, optional
        Where to save parameters and trainer state after each epoch. When not given and
        ``D2L_CHECKPOINT_DIR`` is set (the main job sets it), a folder under it named after
        what is trained (see ``training_identity``) is used, with ``resume=True``: an
        unchanged training resumes, an edited one starts afresh.
    resume : bool
        Continue from the newest checkpoint in ``checkpoint_dir`` if there is one.
    kvstore : str or mxnet.kvstore.KVStore
        How gradients of several devices are aggregated: 'device' (on this machine),
        'local', or, across machines, 'dist_sync' / 'dist_async' (or a KVStore made by
        ``mx.kv.create``, which a worker needs anyway to learn its ``rank`` and
        ``num_workers`` and read its own part of the data). A distributed kvstore needs
        the DMLC_* variables that ``python -m d2l_extras.launch`` sets. With 'dist_sync'
        the servers sum the gradients of all workers, so each step is divided by the
        global batch (batch size × num_workers): W workers with batch B train as one
        machine with batch W·B. With 'dist_async' each worker's gradient is applied on
        its own (divided by the local batch size). Under a distributed kvstore every
        batch must have the same size (the servers' optimizer keeps the scale of the
        first step; ``ArrayLoader(drop_last=True)``), and checkpoints are not supported
        (the optimizer state lives on the servers).

    Returns
    -------
    History

    Raises
    ------
    TrainingDivergedError
        When the loss becomes NaN or infinite (no checkpoint is written for that epoch).
    """
    _check_args(num_epochs, lr, train_iter)
    recipe = recipe or Recipe()
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a d2l_extras.Recipe, got {type(recipe).__name__}")
    scheduler = lr_scheduler(recipe.lr_schedule, lr, num_epochs * len(train_iter))
    parallel = Parallel.create(list(devices) if devices else get_devices(), kvstore)
    if parallel.distributed and checkpoint_dir is not None:
        raise ValueError("checkpoints are not supported with a distributed kvstore (the optimizer "
                         "state lives on the servers); pass checkpoint_dir=None")
    automatic = checkpoint_dir is None and os.environ.get(CHECKPOINT_ENV) and not parallel.distributed
    if resume and checkpoint_dir is None and not automatic:
        raise ValueError("resume=True needs checkpoint_dir, the folder the checkpoints were written to")
    display = resolve_display(display)
    if all(d.device_type == "cpu" for d in parallel.devices):
        warn_if_cores_busy()  # once per process: another program on a core halves MXNet's speed
    loss = recipe.loss or gluon.loss.SoftmaxCrossEntropyLoss()
    set_seed(recipe.seed)
    if recipe.initializer is not False:
        initializer = recipe.initializer
        if not isinstance(initializer, init.Initializer):
            initializer = make_initializer(initializer)
        net.initialize(initializer, ctx=parallel.devices, force_reinit=True)
    # np.concatenate on oneDNN's kernel while this training runs (see d2l_extras.layout): about
    # a sixth of GoogLeNet's step on the CPU, the same values. Convolutions whose kernels
    # reach past a small map use only the taps that reach it (see d2l_extras.taps): about a
    # quarter of ResNet-18's step at 32x32, the same function.
    with channel_concat() as concat, trimmed_convolutions() as trimmer:
        X0, y0 = _first_batch(net, train_iter, parallel.devices[0], recipe.hybridize, trimmer)
        if automatic:
            # The main job (d2l_extras.runner) sets D2L_CHECKPOINT_DIR so that a killed run
            # resumes each training from its last complete epoch. The folder is named after
            # everything the training depends on, so an edited network never resumes an old run.
            # Each substitution that acted on this network is named (it changes the order of
            # the sums); one that did not leaves the identity as it was without it.
            kernels = {name: kernel for name, kernel, acted in (("concat_kernel", CONCAT_KERNEL, concat.calls),
                                                                ("taps_kernel", TAPS_KERNEL, trimmer.trimmed))
                       if acted}
            identity = training_identity(net, train_iter, (X0, y0), num_epochs, lr, recipe, parallel, kernels)
            checkpoint_dir = os.path.join(os.environ[CHECKPOINT_ENV], f"fit-{identity['digest'][:16]}")
            resume = True
        trainer = _make_trainer(net, recipe, lr, scheduler, parallel)
        history, start_epoch = History(describe_devices(parallel.devices)), 0
        if resume:
            last = latest_checkpoint(checkpoint_dir)
            if last is not None:
                meta = load_checkpoint(last, net, trainer, parallel.devices)
                history = History(describe_devices(parallel.devices), meta["history"]["records"])
                start_epoch = meta["epoch"]
        if automatic:
            _write_identity(checkpoint_dir, identity)

        display.on_train_begin({"num_epochs": num_epochs, "num_batches": len(train_iter),
                                "start_epoch": start_epoch, "devices": parallel.devices, "history": history})
        step = _Step(net, loss, trainer, parallel, display, recipe.seed, lr)
        if recipe.revive_dead_classes:
            if parallel.distributed:
                raise ValueError("revive_dead_classes is not supported with a distributed kvstore (the weights "
                                 "live on the servers)")
            step.reviver = DeadClassReviver(net, recipe.seed)
        for epoch in range(start_epoch, num_epochs):
            record = _train_epoch(step, train_iter, epoch)
            record["test_acc"] = evaluate_accuracy(net, test_iter, parallel.devices)
            history.append(record)
            if checkpoint_dir is not None:
                save_checkpoint(checkpoint_dir, epoch, net, trainer, history.to_dict())
            display.on_epoch_end(epoch, record)
        display.on_train_end(history)
        return history


def _first_batch(net, train_iter, device, hybridize, trimmer):
    """Returns the first batch of epoch 0 after running one of its examples through ``net``
    (prediction mode: no side effects): once as is, to complete deferred shapes and let
    ``trimmer`` (a ``taps.TrimmedConvolutions``) see each convolution's input size, then,
    when asked, hybridized (which traces the network)."""
    if hasattr(train_iter, "set_epoch"):
        # The first batch of epoch 0, whatever epoch a training before this one left the
        # loader at: it goes into the identity, which must not depend on whether that
        # training ran or was resumed from its checkpoints.
        train_iter.set_epoch(0)
    X0, y0 = next(iter(train_iter))
    example = X0[:1].as_in_ctx(device)
    trimmer.apply(net, example)
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


def _make_trainer(net, recipe, lr, scheduler, parallel):
    optimizer_params = dict(recipe.optimizer_params or {}, learning_rate=lr)
    if scheduler is not None:
        optimizer_params["lr_scheduler"] = scheduler
    # The trainer's saved state holds the optimizer with its scheduler and update count,
    # so a resumed run continues the schedule where the checkpoint left it.
    optimizer = make_optimizer(recipe.optimizer, optimizer_params, servers=parallel.distributed)
    return gluon.Trainer(net.collect_params(), optimizer, kvstore=parallel.kvstore)


class PerParameterSGD(mx.optimizer.SGD):
    """MXNet's SGD, updating each parameter with its own ``sgd_update`` (``sgd_mom_update``).

    MXNet's SGD sends every dense parameter to ``multi_sgd_update`` (four at a time by
    default, MXNET_OPTIMIZER_AGGREGATION_SIZE; one at a time with ``aggregate_num = 0``). On
    the CPU ``sgd_update``, MXNet's own kernel for the same formula, is faster, most of all
    for networks with large parameters (AlexNet, VGG). The weights are bit-identical to MXNet's
    default (tested); see docs/benchmarks.md. Mixed precision (float16 weights) and sparse
    arrays take MXNet's path.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.aggregate_num = 0  # the Updater hands over one parameter at a time

    def update(self, index, weight, grad, state):
        if isinstance(index, (list, tuple)) or weight.stype != "default" or grad.stype != "default":
            return super().update(index, weight, grad, state)
        self._update_count(index)
        kwargs = {"lr": self._get_lr(index), "wd": self._get_wd(index), "rescale_grad": self.rescale_grad}
        if self.clip_gradient:
            kwargs["clip_gradient"] = self.clip_gradient
        if state is not None:
            mx.nd.sgd_mom_update(weight, grad, state, out=weight, momentum=self.momentum,
                                 lazy_update=self.lazy_update, **kwargs)
        else:
            mx.nd.sgd_update(weight, grad, out=weight, lazy_update=self.lazy_update, **kwargs)

    def update_multi_precision(self, index, weight, grad, state):
        if self.multi_precision and weight.dtype == onp.float16:
            return super().update_multi_precision(index, weight, grad, state)
        return self.update(index, weight, grad, state)


def make_optimizer(name, params, servers=False):
    """The optimizer ``name`` (e.g. 'sgd') with ``params``, updating one parameter per operator.

    'sgd' gives :class:`PerParameterSGD` (MXNet's fastest SGD kernel on the CPU, same weights);
    other names give MXNet's optimizer with aggregation off. An Optimizer is passed through.
    ``servers=True``: the optimizer goes to a distributed kvstore's servers, which unpickle it
    while their ``import mxnet`` is still running (a server serves from inside that import),
    so only MXNet's own optimizer classes can be loaded there: MXNet's optimizer is returned.
    """
    if isinstance(name, mx.optimizer.Optimizer):
        return name
    if servers:
        return mx.optimizer.create(name, **params)
    if name.lower() == "sgd":
        return PerParameterSGD(**params)
    optimizer = mx.optimizer.create(name, **params)
    optimizer.aggregate_num = 0
    return optimizer


def _digest_arrays(arrays):
    """SHA-256 of the arrays' shapes, dtypes and values, read outside the main thread: a
    large array's ``asnumpy`` there would slow every training after it (d2l_extras.threads)."""
    def digest_all():
        digest = hashlib.sha256()
        for a in arrays:
            a = a.asnumpy() if hasattr(a, "asnumpy") else a
            digest.update(str((a.shape, str(a.dtype))).encode())
            digest.update(a.tobytes())
        return digest.hexdigest()

    return off_main_thread(digest_all)


def _block_sources(net):
    """Source code of the classes of every block in ``net`` (where Python can find it)."""
    from .summary import all_blocks

    seen, sources = set(), []
    for block in all_blocks(net):
        cls = type(block)
        if cls not in seen:
            seen.add(cls)
            try:
                sources.append(inspect.getsource(cls))
            except (OSError, TypeError):  # classes typed into a notebook have no file
                sources.append(f"{cls.__module__}.{cls.__qualname__}")
    return sources


def _kernel_code():
    """The code run so far in this IPython kernel (a notebook's cells, in order), or None."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None:
        return None
    return list(shell.user_ns.get("In", []))


def training_identity(net, train_iter, first_batch, num_epochs, lr, recipe, parallel, kernels=None):
    """What a training depends on, with its SHA-256 ``digest``: the network (structure,
    parameter shapes, class sources, initial parameters), the code run before it in a
    notebook, the data (batches, batch size, first batch), the settings and the devices,
    and ``kernels``, the substitutions ``fit`` made for this network ({key: kernel}, only
    those that acted): ``concat_kernel`` when its channel concatenations ran on
    ``layout.KERNEL``, ``taps_kernel`` when convolutions were trimmed to the kernel taps
    that reach their input (``taps.KERNEL``).

    Two trainings share a digest only when none of these differ; ``fit`` names automatic
    checkpoints after it. A process-wide counter or a class name would not do: an edited
    network of the same class would resume the old one's checkpoint.
    """
    from .checkpoint import parameter_shapes

    params = net._collect_params_with_prefix()
    code = _kernel_code()
    identity = {
        "network": type(net).__name__,
        "structure": hashlib.sha256(repr(net).encode()).hexdigest(),
        "parameter_shapes": hashlib.sha256(json.dumps(parameter_shapes(net), sort_keys=True).encode()).hexdigest(),
        "block_sources": hashlib.sha256("\n".join(_block_sources(net)).encode()).hexdigest(),
        "initial_parameters": _digest_arrays(params[k].data(parallel.devices[0]) for k in sorted(params)),
        "notebook_code": hashlib.sha256(json.dumps(code).encode()).hexdigest() if code is not None else None,
        "data": {"batches": len(train_iter), "batch_size": getattr(train_iter, "batch_size", None),
                 "first_batch": _digest_arrays(first_batch)},
        "num_epochs": num_epochs, "lr": lr, "recipe": recipe.describe(),
        "devices": describe_devices(parallel.devices), "kvstore": str(getattr(parallel.kvstore, "type", parallel.kvstore)),
    }
    if recipe.revive_dead_classes:  # only then: the identities of other trainings stay as they were
        identity["revive_rule"] = revive_rule()
    identity.update(kernels or {})  # likewise: a network no substitution touched keeps its identity
    identity["digest"] = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()
    return identity


def _write_identity(checkpoint_dir, identity):
    from .results import atomic_write_text

    atomic_write_text(os.path.join(checkpoint_dir, "identity.json"), json.dumps(identity, indent=1, default=str))


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
                    "`python -m d2l_extras.launch -n 2 -s 1 -- python examples/train_dist.py` "
                    "(see `python -m d2l_extras.launch --help`)"
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

    def __init__(self, net, loss, trainer, parallel, display, seed, lr):
        self.net, self.loss, self.trainer, self.parallel = net, loss, trainer, parallel
        self.display, self.seed, self.lr = display, seed, lr
        self.reviver = None  # a revive.DeadClassReviver when the recipe asks for one


def _train_epoch(step, train_iter, epoch):
    net, parallel, display = step.net, step.parallel, step.display
    # Dropout masks and shuffling depend on (seed, epoch) only, so that a run resumed at
    # this epoch continues exactly as the uninterrupted run would have.
    mx.random.seed(step.seed * 1000 + epoch + 1)
    if hasattr(train_iter, "set_epoch"):
        train_iter.set_epoch(epoch)
    if step.reviver:
        step.reviver.start_epoch(epoch)
    loss_sum, correct, count = 0.0, 0.0, 0
    num_batches, curve = len(train_iter), []
    pending = None  # the previous batch's metrics, read one batch late to keep the engine busy
    start = time.perf_counter()
    first_size = None
    for batch, (X, y) in enumerate(train_iter):
        first_size = first_size or y.shape[0]
        if parallel.distributed and y.shape[0] != first_size:
            raise ValueError(
                f"batch {batch + 1} of epoch {epoch + 1} has {y.shape[0]} examples, the first had "
                f"{first_size}: under a distributed kvstore every batch must have the same size "
                "(the servers' optimizer keeps the gradient scale of the first step). Drop the "
                "last smaller batch: ArrayLoader(..., drop_last=True), or load_data_fashion_mnist"
                "(..., num_parts=kv.num_workers, part_index=kv.rank)."
            )
        Xs, ys = _split(X, y, parallel.devices)
        with autograd.record():
            y_hats = [net(Xi) for Xi in Xs]
            losses = [step.loss(y_hat, yi) for y_hat, yi in zip(y_hats, ys)]
        for l in losses:
            l.backward()
        step.trainer.step(y.shape[0] * parallel.step_scale)
        if step.reviver:
            step.reviver.observe(y_hats, ys)
        current = ([l.sum() for l in losses], [_correct(a, b) for a, b in zip(y_hats, ys)], y.shape[0])
        if pending is not None:
            loss_sum, correct, count = _accumulate(pending, loss_sum, correct, count, epoch, batch - 1, step.lr)
            display.on_batch_end(epoch, batch - 1, {"train_loss": loss_sum / count, "train_acc": correct / count})
            if curve_point(batch - 1, num_batches):
                curve.append([epoch + batch / num_batches, loss_sum / count, correct / count])
        pending = current
    last = num_batches - 1
    loss_sum, correct, count = _accumulate(pending, loss_sum, correct, count, epoch, last, step.lr)
    seconds = time.perf_counter() - start
    display.on_batch_end(epoch, last, {"train_loss": loss_sum / count, "train_acc": correct / count})
    record = {"epoch": epoch + 1, "train_loss": loss_sum / count, "train_acc": correct / count,
              "train_examples": count, "train_seconds": seconds, "examples_per_sec": count / seconds,
              "curve": curve}
    if step.reviver:
        record["revived_classes"] = step.reviver.revived
    return record


def _accumulate(pending, loss_sum, correct, count, epoch, batch, lr):
    batch_losses, batch_correct, n = pending
    batch_loss = sum(float(l) for l in batch_losses)
    if not math.isfinite(batch_loss):
        raise TrainingDivergedError(
            f"the training loss became {batch_loss} at epoch {epoch + 1}, batch {batch + 1}. "
            f"The learning rate (lr={lr:g}) is most likely too high for this network: try lr={lr / 10:g}. "
            "(Also check the input scaling and the initialization.) No checkpoint was written for this epoch."
        )
    return loss_sum + batch_loss, correct + sum(float(c) for c in batch_correct), count + n
