"""Data-dependent initialization (initializers.normalize_units, initializer='data')."""
import mxnet as mx
import numpy as onp
import pytest
from mxnet import np, npx
from mxnet.gluon import nn

import d2l_extras as dx
from d2l_extras import initializers, training
from d2l_extras.models import get_model

npx.set_np()


def relu_net():
    net = nn.Sequential()
    net.add(nn.Conv2D(8, kernel_size=3, activation="relu"), nn.MaxPool2D(pool_size=2, strides=2),
            nn.Conv2D(4, kernel_size=1, activation="relu"), nn.Dense(16, activation="relu"), nn.Dense(10))
    return net


def pre_activation_stats(net, X):
    """(mean, std) per unit of every layer's pre-activation on ``X``."""
    stats = []
    for layer in initializers.units_in_order(net):
        pre = initializers._pre_activation(net, layer, X).asnumpy()
        axes = tuple(a for a in range(pre.ndim) if a != 1)
        stats.append((pre.mean(axis=axes), pre.std(axis=axes)))
    return stats


@pytest.fixture(scope="module")
def batch():
    train_iter, _ = dx.load_data_fashion_mnist(64, resize=68, subset=640, test_subset=64, seed=1)
    return next(iter(train_iter))[0]


def test_every_unit_gets_mean_0_and_std_1(batch):
    X = batch[:, :, :28, :28]
    training.set_seed(0)
    net = relu_net()
    net.initialize(training.make_initializer("he"))
    net(X)
    before = pre_activation_stats(net, X)
    assert max(abs(m).max() for m, _ in before) > 0.1  # He alone: inputs ≥ 0 behind ReLUs, means far from 0
    layers = initializers.normalize_units(net, X)
    assert len(layers) == 4
    for mean, std in pre_activation_stats(net, X):
        onp.testing.assert_allclose(mean, 0, atol=1e-4)
        onp.testing.assert_allclose(std, 1, rtol=1e-3)


def test_no_nin_class_map_starts_dead(batch):
    """NiN, seed 1 (a seed whose shirt map stayed dead through a `cpu` run with He): class maps
    that are 0 for every image of the batch, with He alone and after normalize_units."""

    def dead_maps(normalize):
        training.set_seed(1)
        net = get_model("nin")
        net.initialize(training.make_initializer("data" if normalize else "he"))
        net(batch[:1])
        if normalize:
            initializers.normalize_units(net, batch)
        return int(((net(batch).asnumpy() > 0).sum(axis=0) == 0).sum())

    assert dead_maps(normalize=False) >= 1
    assert dead_maps(normalize=True) == 0


def test_refuses_a_hybridized_network(batch):
    net = relu_net()
    net.initialize()
    net.hybridize()
    net(batch[:1, :, :28, :28])
    with pytest.raises(RuntimeError, match="not hybridized"):
        initializers.normalize_units(net, batch[:, :, :28, :28])


def test_fit_with_data_initialization_trains_hybridized():
    train_iter, test_iter = dx.load_data_fashion_mnist(64, subset=640, test_subset=320, seed=0)
    net = relu_net()
    h = dx.fit(net, train_iter, test_iter, 2, 0.05, [mx.cpu()], display=None,
               recipe=dx.Recipe(initializer="data", optimizer_params={"momentum": 0.9}))
    assert h["train_loss"][-1] < h["train_loss"][0] and h.final["test_acc"] > 0.5
    assert net[0]._active  # hybridized after the hooks ran
    assert dx.Recipe(initializer="data").describe() != dx.Recipe(initializer="he").describe()
