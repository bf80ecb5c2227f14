"""Data-parallel training on one machine: a batch split over devices, gradients summed by a kvstore.

Two CPU contexts, ``cpu(0)`` and ``cpu(1)``, stand in for two GPUs: each holds its own copy
of the parameters and computes on its half of every batch, exactly as two GPUs would.
"""
import pytest

import d2l_extras as dx
from d2l_extras import device

mx = pytest.importorskip("mxnet")
from mxnet import gluon, np, npx  # noqa: E402
from mxnet.gluon import nn  # noqa: E402

npx.set_np()

# After 2 epochs of 4 steps, the parameters of the two runs differ only by the order in
# which float32 gradients are summed (two half-batch sums added vs one whole-batch sum).
RTOL, ATOL = 1e-4, 1e-5


@pytest.fixture(scope="module")
def loaders():
    try:
        # 255 images: the last batch (63) splits unevenly over two devices (32 + 31).
        return dx.load_data_fashion_mnist(64, subset=255, test_subset=128, seed=0)
    except FileNotFoundError as err:
        pytest.skip(f"Fashion-MNIST not available: {err}")


def small_net():
    """A small conv net without dropout or batch norm (their per-device state would differ)."""
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, kernel_size=5, activation="relu"), nn.MaxPool2D(2),
            nn.Dense(16, activation="relu"), nn.Dense(10))
    return net


def train(devices, loaders, kvstore="device"):
    net = small_net()
    history = dx.fit(net, *loaders, num_epochs=2, lr=0.3, devices=devices, callbacks=[],
                     recipe=dx.Recipe(seed=0, kvstore=kvstore))
    return net, history


def params(net, ctx):
    return {name: p.data(ctx).asnumpy() for name, p in net._collect_params_with_prefix().items()}


@pytest.mark.slow  # trains twice
def test_two_contexts_match_one_device(loaders):
    import numpy as onp

    one, h1 = train([mx.cpu(0)], loaders)
    two, h2 = train([mx.cpu(0), mx.cpu(1)], loaders)
    p1, p2 = params(one, mx.cpu(0)), params(two, mx.cpu(0))
    assert p1.keys() == p2.keys()
    for name in p1:
        onp.testing.assert_allclose(p2[name], p1[name], rtol=RTOL, atol=ATOL, err_msg=name)
        # every device holds the same copy after each step
        onp.testing.assert_array_equal(params(two, mx.cpu(1))[name], p2[name], err_msg=name)
    onp.testing.assert_allclose(h2["train_loss"], h1["train_loss"], rtol=RTOL)
    assert h2.final["train_examples"] == h1.final["train_examples"] == 255
    assert abs(h2.final["test_acc"] - h1.final["test_acc"]) <= 1 / 128
    assert h2.devices == "cpu(0), cpu(1)"
    assert h2["train_loss"][-1] < h2["train_loss"][0]


def test_split_and_load_covers_the_batch_unevenly():
    X = np.arange(7 * 2).reshape(7, 2)
    parts = gluon.utils.split_and_load(X, [mx.cpu(0), mx.cpu(1)], even_split=False)
    assert [p.shape[0] for p in parts] == [3, 4] or [p.shape[0] for p in parts] == [4, 3]
    assert [str(p.ctx) for p in parts] == ["cpu(0)", "cpu(1)"]
    assert float(sum(p.sum() for p in parts)) == float(X.sum())


def test_all_selects_every_gpu(monkeypatch):
    monkeypatch.setattr(device, "num_gpus", lambda: 2)
    monkeypatch.setenv(device.ENV_VAR, "all")
    assert device.get_devices() == [mx.gpu(0), mx.gpu(1)]
    monkeypatch.setattr(device, "num_gpus", lambda: 0)
    assert device.get_devices() == [mx.cpu()]


def test_dist_kvstore_without_launcher_is_a_clear_error(loaders, monkeypatch):
    monkeypatch.delenv("DMLC_ROLE", raising=False)
    with pytest.raises(RuntimeError, match="course_tools.launch"):
        dx.fit(small_net(), *loaders, num_epochs=1, lr=0.1, devices=[mx.cpu()], callbacks=[],
               recipe=dx.Recipe(kvstore="dist_sync"))


def test_local_kvstore_matches_device(loaders):
    """kvstore='local' (CPU aggregation) gives the same result as 'device'."""
    import numpy as onp

    a, _ = train([mx.cpu(0), mx.cpu(1)], loaders, kvstore="device")
    b, _ = train([mx.cpu(0), mx.cpu(1)], loaders, kvstore="local")
    for name, value in params(a, mx.cpu(0)).items():
        onp.testing.assert_allclose(params(b, mx.cpu(0))[name], value, rtol=RTOL, atol=ATOL)

