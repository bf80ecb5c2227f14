"""revive_dead_classes: a ReLU class map found dead is drawn again, reproducibly."""
import mxnet as mx
import numpy as onp
import pytest
from mxnet import npx
from mxnet.gluon import nn

import d2l_extras as dx
from d2l_extras import checkpoint, dead_classes, training

npx.set_np()

DEAD = 3


@pytest.fixture(scope="module")
def loaders():
    return dx.load_data_fashion_mnist(32, resize=12, subset=640, test_subset=320, seed=0)


def nin_like():
    """Class maps behind a ReLU, averaged: NiN's ending, small."""
    net = nn.Sequential()
    net.add(nn.Conv2D(8, kernel_size=3, activation="relu"), nn.MaxPool2D(2),
            nn.Conv2D(10, kernel_size=1, activation="relu"), nn.GlobalAvgPool2D(), nn.Flatten())
    return net


def with_dead_map(test_iter):
    """A nin_like net, initialized, whose class map DEAD is negative for every input."""
    net = nin_like()
    dx.set_seed(0)
    net.initialize(mx.init.Xavier())
    X, _ = next(iter(test_iter))
    net(X)
    net[2].weight.data()[DEAD] = -1
    net[2].bias.data()[DEAD] = -1
    return net


def outputs(net, data_iter):
    return onp.concatenate([net(X).asnumpy() for X, _ in data_iter])


def train(net, loaders, revive_dead_classes, seed=0):
    train_iter, test_iter = loaders
    recipe = dx.Recipe(initializer=False, revive_dead_classes=revive_dead_classes, seed=seed)
    return dx.fit(net, train_iter, test_iter, 2, 0.1, [mx.cpu()], callbacks=[], recipe=recipe)


@pytest.fixture
def short_window(monkeypatch):
    monkeypatch.setattr(dead_classes, "REVIVE_WINDOW", 5)  # 20 batches an epoch here


def test_a_dead_class_map_stays_dead_without_the_option(loaders, short_window):
    net = with_dead_map(loaders[1])
    h = train(net, loaders, False)
    assert (outputs(net, loaders[1])[:, DEAD] == 0).all()
    assert "revived_classes" not in h.final


def test_a_dead_class_map_is_drawn_again_and_trains(loaders, short_window):
    net = with_dead_map(loaders[1])
    h = train(net, loaders, True)
    assert DEAD in h.records[0]["revived_classes"]  # at the first window's end
    assert (outputs(net, loaders[1])[:, DEAD] > 0).any()


def test_revival_is_reproducible(loaders, short_window):
    a, b = with_dead_map(loaders[1]), with_dead_map(loaders[1])
    train(a, loaders, True, seed=4)
    train(b, loaders, True, seed=4)
    onp.testing.assert_array_equal(a[2].weight.data().asnumpy(), b[2].weight.data().asnumpy())


def test_output_layer_is_the_last_layer_with_weights():
    net = nin_like()
    assert dead_classes.output_layer(net) is net[2]
    with pytest.raises(ValueError, match="Dense or Conv2D"):
        dead_classes.output_layer(nn.Sequential())


def test_a_last_layer_that_does_not_write_the_classes_is_refused(loaders, short_window):
    net = nn.Sequential()
    net.add(nn.Conv2D(4, kernel_size=3, activation="relu"), nn.GlobalAvgPool2D(), nn.Flatten(),
            nn.Dense(7, activation="relu"), nn.Lambda(lambda x: mx.np.concatenate([x, x[:, :3] * 0], axis=1)))
    net.initialize(mx.init.Xavier())
    X, _ = next(iter(loaders[1]))
    net(X)
    net[3].weight.data()[:] = -1  # every output dead: the reviver must act, and cannot
    net[3].bias.data()[:] = -1
    with pytest.raises(ValueError, match="last layer \\(Dense\\) has 7 outputs but the network gives 10"):
        train(net, loaders, True)


def test_the_option_is_part_of_the_recipe_but_not_of_older_identities():
    assert "revive_dead_classes" not in dx.Recipe().describe()  # older checkpoints keep their digest
    assert dx.Recipe(revive_dead_classes=True).describe()["revive_dead_classes"] is True


def test_a_dormant_class_map_is_drawn_again(loaders, short_window):
    """Alive but weak (ReDo's 'dormant'): under a tenth of the average map's output."""
    net = with_dead_map(loaders[1])
    net[2].weight.data()[DEAD] = 1e-4
    net[2].bias.data()[DEAD] = 0
    assert (outputs(net, loaders[1])[:, DEAD] > 0).all()
    h = train(net, loaders, True)
    assert DEAD in h.records[0]["revived_classes"]


def classes_redrawn(own_share, per_class=40):
    """A reviver (window 2) fed outputs where every map is 1 on the other classes' images and
    2 on its own, except map DEAD: 5 on the other classes' images (its average is far from
    dormant) and positive on only ``own_share`` of its own class's images. The classes re-drawn."""
    net = with_dead_map(dx.load_data_fashion_mnist(32, resize=12, subset=64, seed=0)[1])
    reviver = dead_classes.DeadClassReviver(net, seed=0, window=2)
    rng = onp.random.default_rng(0)
    for _ in range(2):
        y = rng.permutation(onp.arange(10 * per_class) % 10)  # per_class images of each class
        y_hat = onp.where(onp.eye(10)[y].astype(bool), 2.0, 1.0)
        own = onp.flatnonzero(y == DEAD)
        y_hat[:, DEAD] = 5.0
        y_hat[own, DEAD] = (onp.arange(own.size) < own_share * own.size) * 2.0
        reviver.observe([mx.np.array(y_hat)], [mx.np.array(y)])
    return reviver.revived


def test_a_map_dead_on_its_own_class_is_drawn_again():
    """Positive on the other classes' images, (almost) never on its own: it gets no gradient
    from its own class's images and that class is never predicted (NiN on AMD, seed 0)."""
    assert classes_redrawn(own_share=0.0) == [DEAD]
    assert classes_redrawn(own_share=0.05) == [DEAD]


def test_a_map_alive_on_its_own_class_is_left_alone():
    assert classes_redrawn(own_share=0.25) == []
    assert classes_redrawn(own_share=1.0) == []


def test_a_class_seen_too_rarely_in_a_window_is_not_judged_on_its_own_images():
    assert dead_classes.OWN_CLASS_MIN_IMAGES > 16
    assert classes_redrawn(own_share=0.0, per_class=8) == []  # 16 of its images in the window


def test_the_rule_is_part_of_a_reviving_trainings_identity(loaders, monkeypatch):
    train_iter, test_iter = loaders
    net = nin_like()
    net.initialize(mx.init.Xavier())
    first = next(iter(train_iter))
    net(first[0])
    parallel = training.Parallel.create([mx.cpu()], "device")

    def identity(revive_dead_classes):
        recipe = dx.Recipe(initializer=False, revive_dead_classes=revive_dead_classes)
        return checkpoint.training_identity(net, train_iter, first, 1, 0.1, recipe, parallel)

    assert "revive_rule" not in identity(False)  # other trainings keep their checkpoints
    before = identity(True)
    assert before["revive_rule"] == dead_classes.rule()
    monkeypatch.setattr(dead_classes, "OWN_CLASS_THRESHOLD", 0.2)
    assert identity(True)["digest"] != before["digest"]  # another rule: another checkpoint folder


def test_a_network_with_negative_outputs_is_refused(loaders, short_window):
    net = nn.Sequential()
    net.add(nn.Conv2D(4, kernel_size=3, activation="relu"), nn.GlobalAvgPool2D(), nn.Flatten(), nn.Dense(10))
    with pytest.raises(ValueError, match="outputs are never negative .* train it without the option"):
        dx.fit(net, *loaders, 1, 0.1, [mx.cpu()], callbacks=[], recipe=dx.Recipe(revive_dead_classes=True))


def test_nins_cpu_settings_revive_and_say_so():
    s = dx.get_settings("nin", "cpu")
    assert s.revive_dead_classes and s.recipe.revive_dead_classes
    assert not dx.get_settings("nin", "quick").recipe.revive_dead_classes  # the book's training in CI
    from d2l_extras.profiles import settings_table
    table = settings_table("nin", "cpu")
    assert "dead class maps drawn again" in table.why("en") and "ánh xạ lớp chết được khởi tạo lại" in table.why("vi")
    with pytest.raises(ValueError, match="revive_dead_classes must be True or False"):
        dx.get_settings("nin", "cpu", revive_dead_classes="yes")


def test_a_resumed_run_re_draws_as_the_uninterrupted_one(loaders, short_window, tmp_path):
    train_iter, test_iter = loaders
    recipe = dx.Recipe(initializer=False, revive_dead_classes=True, seed=2)

    def run(epochs, folder, resume=False):
        net = with_dead_map(test_iter)
        h = dx.fit(net, train_iter, test_iter, epochs, 0.1, [mx.cpu()], recipe=recipe,
                   callbacks=[dx.Checkpoints(folder, resume=resume)])
        return net, h

    whole, h_whole = run(2, tmp_path / "whole")
    run(1, tmp_path / "parts")
    resumed, h_resumed = run(2, tmp_path / "parts", resume=True)
    assert [r["revived_classes"] for r in h_resumed.records] == [r["revived_classes"] for r in h_whole.records]
    onp.testing.assert_array_equal(resumed[2].weight.data().asnumpy(), whole[2].weight.data().asnumpy())
