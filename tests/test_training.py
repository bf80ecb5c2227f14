"""fit: history, learning, multi-epoch bookkeeping, divergence stop, checkpoints and resume."""
import math

import mxnet as mx
import numpy as onp
import pytest
from mxnet import npx
from mxnet.gluon import nn

import d2l_extras as dx
from d2l_extras import checkpoint, training
from d2l_extras.speedups import PerParameterSGD, cpu_speedups

npx.set_np()


def small_net():
    """A small conv net with BN and dropout: every kind of state resume must restore."""
    net = nn.Sequential()
    net.add(nn.Conv2D(8, kernel_size=3, activation="relu"), nn.BatchNorm(),
            nn.MaxPool2D(pool_size=2, strides=2), nn.Dense(32, activation="relu"),
            nn.Dropout(0.3), nn.Dense(10))
    return net


@pytest.fixture(scope="module")
def loaders():
    return dx.load_data_fashion_mnist(64, subset=640, test_subset=320, seed=0)


def params_of(net):
    return {k: v.data().asnumpy() for k, v in net._collect_params_with_prefix().items()}


def test_history_records_every_epoch_and_learns(loaders):
    train_iter, test_iter = loaders
    h = dx.fit(small_net(), train_iter, test_iter, 3, 0.1, [mx.cpu()], callbacks=[])
    assert len(h) == 3 and h["epoch"] == [1, 2, 3]
    assert h["train_loss"][-1] < h["train_loss"][0]
    assert h.final["test_acc"] > 0.5  # random guessing gives 0.1
    assert all(r["train_examples"] == 640 for r in h.records)
    assert h.examples_per_sec > 0 and h.devices == "cpu(0)"
    text = str(h)
    assert text.startswith("loss ") and "test acc" in text and "examples/sec on cpu(0)" in text


def test_same_seed_same_run(loaders):
    train_iter, test_iter = loaders
    a, b = small_net(), small_net()
    ha = dx.fit(a, train_iter, test_iter, 1, 0.1, [mx.cpu()], callbacks=[], recipe=dx.Recipe(seed=5))
    hb = dx.fit(b, train_iter, test_iter, 1, 0.1, [mx.cpu()], callbacks=[], recipe=dx.Recipe(seed=5))
    assert ha["train_loss"] == pytest.approx(hb["train_loss"], rel=1e-5)
    for k, v in params_of(a).items():
        onp.testing.assert_allclose(v, params_of(b)[k], rtol=1e-5, atol=1e-6)


def test_divergence_stops_with_the_likely_cause(loaders, tmp_path):
    train_iter, test_iter = loaders
    with pytest.raises(dx.TrainingDivergedError, match=r"learning rate \(lr=1e\+06\) is most likely too high"):
        dx.fit(small_net(), train_iter, test_iter, 2, 1e6, [mx.cpu()], callbacks=[dx.Checkpoints(tmp_path, resume=False)])
    assert dx.latest_checkpoint(tmp_path) is None  # no checkpoint of a diverged epoch


@pytest.mark.parametrize("kwargs, message", [
    ({"num_epochs": 0}, "num_epochs"), ({"lr": -1.0}, "lr must be"), ({"lr": math.nan}, "lr must be"),
    ({"recipe": "sgd"}, "recipe must be"), ({"callbacks": ["plot"]}, "callbacks must be"),
])
def test_bad_arguments(loaders, kwargs, message):
    train_iter, test_iter = loaders
    args = dict(num_epochs=1, lr=0.1, callbacks=[])
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=message):
        dx.fit(small_net(), train_iter, test_iter, **args)


@pytest.mark.slow  # three trainings
def test_resume_continues_exactly_as_the_uninterrupted_run(loaders, tmp_path):
    train_iter, test_iter = loaders
    straight = small_net()
    h_straight = dx.fit(straight, train_iter, test_iter, 3, 0.1, [mx.cpu()], callbacks=[], recipe=dx.Recipe(seed=1))

    # Interrupted after epoch 1 (a fit of 1 epoch writes the same checkpoint), then resumed.
    dx.fit(small_net(), train_iter, test_iter, 1, 0.1, [mx.cpu()], callbacks=[dx.Checkpoints(tmp_path, resume=False)], recipe=dx.Recipe(seed=1))
    resumed = small_net()
    h_resumed = dx.fit(resumed, train_iter, test_iter, 3, 0.1, [mx.cpu()], callbacks=[dx.Checkpoints(tmp_path)], recipe=dx.Recipe(seed=1))
    assert h_resumed["epoch"] == [1, 2, 3]
    assert h_resumed["train_loss"] == pytest.approx(h_straight["train_loss"], rel=1e-4)
    assert h_resumed["test_acc"] == pytest.approx(h_straight["test_acc"], abs=1e-9)
    for k, v in params_of(straight).items():
        onp.testing.assert_allclose(v, params_of(resumed)[k], rtol=1e-4, atol=1e-5)
    assert dx.latest_checkpoint(tmp_path).name == "epoch-0003"


def test_cosine_schedule_values():
    sched = training.lr_scheduler("cosine", 0.4, 100)
    assert sched(0) == pytest.approx(0.4)
    assert sched(50) == pytest.approx(0.2)
    assert sched(100) == pytest.approx(0.0, abs=1e-12)
    assert training.lr_scheduler(None, 0.4, 100) is None


def test_the_warm_up_is_a_number_of_updates_whatever_the_run_length():
    """A run sized to fewer images warms up over as many steps as the full one; a short run,
    over half of it."""
    n = training.WARMUP_UPDATES
    for total in (4 * n, 10 * n):
        warm = training.lr_scheduler("warmup-cosine", 0.4, total)
        assert warm(0) == pytest.approx(0.0) and warm(n // 2) == pytest.approx(0.4 * (n // 2) / n)
        assert warm(n) == pytest.approx(0.4) and warm(total) == pytest.approx(0.0, abs=1e-12)
    short = training.lr_scheduler("warmup-cosine", 0.4, 100)
    assert short(25) == pytest.approx(0.2) and short(50) == pytest.approx(0.4) and short(75) == pytest.approx(0.2)


def test_he_initialization_keeps_relu_activations_from_fading():
    """The reason the cpu profile uses 'he' for NiN: Xavier's outputs shrink layer after layer."""
    from d2l_extras.models import get_model

    X = mx.np.random.uniform(size=(8, 1, 68, 68))
    scale = {}
    for name in ("xavier", "he"):
        net = get_model("nin")
        mx.random.seed(0)
        net.initialize(training.make_initializer(name))
        h = X
        for layer in list(net)[:5]:  # up to the third NiN block's output
            h = layer(h)
        scale[name] = float(h.std())
    assert scale["he"] > 10 * scale["xavier"], scale
    assert isinstance(training.make_initializer(None), mx.init.Xavier)
    with pytest.raises(ValueError, match="initializer must be"):
        training.make_initializer("kaiming")


def test_fit_follows_the_schedule_to_zero(loaders, monkeypatch):
    train_iter, test_iter = loaders
    asked = []

    class Spy(mx.lr_scheduler.LRScheduler):
        def __init__(self, inner):
            super().__init__(base_lr=inner.base_lr)
            self.inner = inner

        def __call__(self, num_update):
            asked.append((num_update, self.inner(num_update)))
            return asked[-1][1]

    real = training.lr_scheduler
    monkeypatch.setattr(training, "lr_scheduler", lambda *args: Spy(real(*args)))
    dx.fit(small_net(), train_iter, test_iter, 2, 0.1, [mx.cpu()], callbacks=[], recipe=dx.Recipe(lr_schedule="cosine"))
    steps = [n for n, _ in asked]
    assert max(steps) == 2 * len(train_iter)  # one update per batch, over both epochs
    assert asked[0][1] == pytest.approx(0.1, rel=0.02) and asked[-1][1] == pytest.approx(0.0, abs=1e-9)


class StopAfterFirstEpoch(dx.Display):
    def on_epoch_end(self, epoch, record):
        raise KeyboardInterrupt


@pytest.mark.slow  # two trainings
def test_resume_continues_the_schedule(loaders, tmp_path):
    train_iter, test_iter = loaders
    straight = small_net()
    h_straight = dx.fit(straight, train_iter, test_iter, 3, 0.1, [mx.cpu()], callbacks=[], recipe=dx.Recipe(seed=2, lr_schedule="cosine"))
    with pytest.raises(KeyboardInterrupt):  # interrupted after epoch 1's checkpoint
        dx.fit(small_net(), train_iter, test_iter, 3, 0.1, [mx.cpu()], callbacks=[dx.Checkpoints(tmp_path, resume=False), StopAfterFirstEpoch()], recipe=dx.Recipe(seed=2, lr_schedule="cosine"))
    assert dx.latest_checkpoint(tmp_path).name == "epoch-0001"
    resumed = small_net()
    h_resumed = dx.fit(resumed, train_iter, test_iter, 3, 0.1, [mx.cpu()], callbacks=[dx.Checkpoints(tmp_path)], recipe=dx.Recipe(seed=2, lr_schedule="cosine"))
    assert h_resumed["train_loss"] == pytest.approx(h_straight["train_loss"], rel=1e-4)
    for k, v in params_of(straight).items():
        onp.testing.assert_allclose(v, params_of(resumed)[k], rtol=1e-4, atol=1e-5)


def test_resume_of_a_finished_run_trains_nothing(loaders, tmp_path):
    train_iter, test_iter = loaders
    dx.fit(small_net(), train_iter, test_iter, 1, 0.1, [mx.cpu()], callbacks=[dx.Checkpoints(tmp_path, resume=False)])
    net = small_net()
    h = dx.fit(net, train_iter, test_iter, 1, 0.1, [mx.cpu()], callbacks=[dx.Checkpoints(tmp_path)])
    assert len(h) == 1
    assert dx.evaluate_accuracy(net, test_iter, [mx.cpu()]) == pytest.approx(h.final["test_acc"])


def test_environment_variable_turns_on_automatic_checkpoints(loaders, tmp_path, monkeypatch):
    train_iter, test_iter = loaders
    monkeypatch.setenv(checkpoint.FOLDER_ENV, str(tmp_path))
    dx.fit(small_net(), train_iter, test_iter, 1, 0.1, [mx.cpu()], callbacks=[])
    folders = list(tmp_path.iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("fit-")
    assert dx.latest_checkpoint(folders[0]) is not None


def lenet_like(activation):
    net = nn.Sequential()
    net.add(nn.Conv2D(6, kernel_size=5), nn.BatchNorm(), nn.Activation(activation),
            nn.MaxPool2D(pool_size=2, strides=2), nn.Dense(10))
    return net


class CountBatches(dx.Display):
    def __init__(self):
        self.batches = 0

    def on_batch_end(self, epoch, batch, metrics):
        self.batches += 1


def test_an_edited_network_trains_afresh_and_an_unchanged_one_resumes(loaders, tmp_path, monkeypatch):
    # The defect of issue 15: the automatic checkpoint folder was named after the class name
    # and the settings, so an edited network (same shapes) resumed the old one's finished run.
    train_iter, test_iter = loaders
    monkeypatch.setenv(checkpoint.FOLDER_ENV, str(tmp_path))
    first = dx.fit(lenet_like("sigmoid"), train_iter, test_iter, 1, 0.1, [mx.cpu()], callbacks=[])

    edited = CountBatches()
    h_edited = dx.fit(lenet_like("relu"), train_iter, test_iter, 1, 0.1, [mx.cpu()], callbacks=[edited])
    assert edited.batches == len(train_iter), "the edited network did not train"
    assert h_edited["train_loss"] != first["train_loss"]
    assert len(list(tmp_path.glob("fit-*"))) == 2

    unchanged = CountBatches()
    h_again = dx.fit(lenet_like("sigmoid"), train_iter, test_iter, 1, 0.1, [mx.cpu()], callbacks=[unchanged])
    assert unchanged.batches == 0, "the unchanged network trained again instead of resuming"
    assert h_again.records == first.records


def test_a_second_training_on_a_shared_loader_resumes_after_the_first_resumed(tmp_path, monkeypatch):
    """Notebook 05 trains two networks on one loader. Run again (outputs stale), the first
    resumes from its checkpoints without iterating the loader; the second must still find
    its own checkpoints, whatever epoch the first left the loader at."""
    monkeypatch.setenv(checkpoint.FOLDER_ENV, str(tmp_path))

    def notebook_run():
        train_iter, test_iter = dx.load_data_fashion_mnist(32, subset=128, test_subset=64, seed=0)
        dx.fit(lenet_like("sigmoid"), train_iter, test_iter, 2, 0.1, [mx.cpu()], callbacks=[])
        second = CountBatches()
        dx.fit(lenet_like("relu"), train_iter, test_iter, 1, 0.1, [mx.cpu()], callbacks=[second])
        return second.batches

    assert notebook_run() == 4  # trained: 128 images in batches of 32
    assert notebook_run() == 0, "the second training trained again instead of resuming"
    assert len(list(tmp_path.glob("fit-*"))) == 2


def test_training_identity_changes_with_what_is_trained(loaders):
    train_iter, test_iter = loaders
    X0, y0 = next(iter(train_iter))
    parallel = training.Parallel([mx.cpu()], "device")

    def identity(net, recipe=dx.Recipe(), num_epochs=1, lr=0.1):
        dx.set_seed(recipe.seed)
        net.initialize(mx.init.Xavier(), force_reinit=True)
        net(X0[:1])
        return checkpoint.training_identity(net, train_iter, (X0, y0), num_epochs, lr, recipe, parallel)["digest"]

    base = identity(lenet_like("sigmoid"))
    assert identity(lenet_like("sigmoid")) == base  # deterministic: a rerun resumes
    assert identity(lenet_like("relu")) != base  # same shapes, other network
    assert identity(lenet_like("sigmoid"), recipe=dx.Recipe(seed=1)) != base  # other initial parameters
    assert identity(lenet_like("sigmoid"), recipe=dx.Recipe(lr_schedule="cosine")) != base
    assert identity(lenet_like("sigmoid"), num_epochs=2) != base
    assert identity(lenet_like("sigmoid"), lr=0.2) != base


def test_display_hooks_are_called(loaders):
    train_iter, test_iter = loaders
    calls = []

    class Recorder(dx.Display):
        def on_train_begin(self, info):
            calls.append(("begin", info["num_batches"]))

        def on_batch_end(self, epoch, batch, metrics):
            calls.append(("batch", batch))

        def on_epoch_end(self, epoch, record):
            calls.append(("epoch", record["epoch"]))

        def on_train_end(self, history):
            calls.append(("end", len(history)))

    dx.fit(small_net(), train_iter, test_iter, 1, 0.1, [mx.cpu()], callbacks=[Recorder()])
    assert calls[0] == ("begin", 10) and calls[-2:] == [("epoch", 1), ("end", 1)]
    assert [c[1] for c in calls if c[0] == "batch"] == list(range(10))


def test_history_round_trip(tmp_path):
    h = training.History("cpu(0)", [{"epoch": 1, "train_loss": 1.0, "train_acc": 0.5, "test_acc": 0.4,
                                      "train_examples": 10, "train_seconds": 2.0, "examples_per_sec": 5.0}])
    h.save(tmp_path / "h.json")
    import json
    again = training.History.from_dict(json.loads((tmp_path / "h.json").read_text()))
    assert str(again) == str(h) and again.examples_per_sec == 5.0
    with pytest.raises(ValueError, match="no epoch"):
        training.History().final


@pytest.mark.parametrize("params", [{}, {"momentum": 0.9, "wd": 1e-3}], ids=["plain", "momentum"])
def test_the_optimizer_updates_one_parameter_per_operator_with_the_same_weights(loaders, monkeypatch, params):
    """make_optimizer's SGD calls sgd_update per parameter (fast on CPUs) and changes no number."""
    from mxnet import autograd, gluon

    with cpu_speedups() as speedups:
        optimizer = training.make_optimizer("sgd", dict(params, learning_rate=0.1), speedups=speedups)
    assert isinstance(optimizer, PerParameterSGD)
    default = mx.optimizer.create("sgd", learning_rate=0.1, **params)
    assert default.aggregate_num > 1  # what MXNet does unless told: the test compares the two
    kernel = "sgd_mom_update" if params else "sgd_update"
    calls = []
    original = getattr(mx.nd, kernel)
    monkeypatch.setattr(mx.nd, kernel, lambda *a, **k: calls.append(1) or original(*a, **k))

    def train(opt):
        training.set_seed(0)
        net = small_net()
        net.initialize(mx.init.Xavier())
        trainer = gluon.Trainer(net.collect_params(), opt)
        loss = gluon.loss.SoftmaxCrossEntropyLoss()
        net(next(iter(loaders[0]))[0])  # complete the deferred shapes
        initial.append(params_of(net))
        trained.append(sum(p.grad_req != "null" for p in net.collect_params().values()))
        for i, (X, y) in enumerate(loaders[0]):
            with autograd.record():
                l = loss(net(X), y)  # dropout draws the same masks: same seed, same order
            l.backward()
            trainer.step(X.shape[0])
            if i == 4:
                break
        return params_of(net)

    initial, trained = [], []
    ours = train(optimizer)
    assert trained[0] >= 5  # more parameters than one aggregated group of 4
    assert len(calls) == 5 * trained[0]  # one kernel call per trained parameter and step
    mxnets = train(default)
    assert len(calls) == 5 * trained[0]  # MXNet's default used its multi-tensor kernel
    for name in ours:
        assert not onp.array_equal(ours[name], initial[0][name]), f"{name} was not trained"
        onp.testing.assert_array_equal(ours[name], mxnets[name], err_msg=name)


def test_make_optimizer_keeps_other_optimizers_and_passes_instances_through():
    with cpu_speedups() as speedups:
        adam = training.make_optimizer("adam", {"learning_rate": 0.01}, speedups=speedups)
    assert type(adam) is mx.optimizer.Adam and adam.aggregate_num == 0
    with cpu_speedups(False) as off:
        assert type(training.make_optimizer("sgd", {"learning_rate": 0.1}, speedups=off)) is mx.optimizer.SGD
    given = mx.optimizer.SGD(learning_rate=0.1)
    assert training.make_optimizer(given, {}) is given


def test_an_optimizer_for_kvstore_servers_is_mxnets_own():
    """Servers of a distributed kvstore unpickle the optimizer inside their `import mxnet`,
    where d2l_extras cannot be imported: what fit sends them must name MXNet's classes only."""
    import pickle

    with cpu_speedups() as speedups:
        for_servers = training.make_optimizer("sgd", {"learning_rate": 0.1}, servers=True, speedups=speedups)
        assert b"d2l_extras" not in pickle.dumps(for_servers)
        assert b"d2l_extras" in pickle.dumps(training.make_optimizer("sgd", {"learning_rate": 0.1}, speedups=speedups))


def test_a_resumed_run_draws_the_training_curve_of_its_epochs(loaders, tmp_path, monkeypatch):
    """Each record keeps the live plot's running points of its epoch, so a run resumed from a
    checkpoint (as the main job's are) draws the same curve, not one point per epoch."""
    from d2l_extras import display as display_module

    monkeypatch.setattr("d2l_extras.language.show", lambda draw, display_id=False: None)
    monkeypatch.setattr(display_module, "update", lambda handles, draw: None)
    train_iter, test_iter = loaders  # 10 batches: points after batches 2, 4, 6 and 8
    live = dx.LivePlot()
    h = dx.fit(small_net(), train_iter, test_iter, 2, 0.1, [mx.cpu()], callbacks=[dx.Checkpoints(tmp_path, resume=False), live])
    assert [len(r["curve"]) for r in h.records] == [4, 4]
    assert [x for r in h.records for x, _, _ in r["curve"]] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.2, 1.4, 1.6, 1.8])
    resumed = dx.LivePlot()
    dx.fit(small_net(), train_iter, test_iter, 2, 0.1, [mx.cpu()], callbacks=[dx.Checkpoints(tmp_path), resumed])
    assert live.history is h and len(h.curve) == 10  # the plot draws the History's one curve
    onp.testing.assert_allclose(resumed.history.curve, h.curve)
    assert resumed.history["test_acc"] == pytest.approx(h["test_acc"])


def test_cpu_speedups_are_one_switch_that_fit_undoes(loaders):
    train_iter, test_iter = loaders
    concatenate = mx.np.concatenate
    seen = []

    class Seen(dx.Callback):
        def on_train_begin(self, info):
            seen.append((mx.np.concatenate is concatenate, type(info["trainer"]._optimizer).__name__))

    for on in (True, False):
        dx.fit(small_net(), train_iter, test_iter, 1, 0.1, [mx.cpu()], callbacks=[Seen()], recipe=dx.Recipe(cpu_speedups=on))
        assert mx.np.concatenate is concatenate
    assert seen == [(False, "PerParameterSGD"), (True, "SGD")]


def test_the_identity_sees_an_edit_to_a_class_without_a_file():
    """A class typed into a notebook has no source file: its methods' compiled code stands in."""
    namespace = {}
    code = "class Net:\n    def forward(self, x):\n        return x * {}\n"
    exec(code.format(2), namespace)
    two = checkpoint._class_source(namespace["Net"])
    exec(code.format(2), namespace)
    assert checkpoint._class_source(namespace["Net"]) == two
    exec(code.format(3), namespace)
    assert checkpoint._class_source(namespace["Net"]) != two
