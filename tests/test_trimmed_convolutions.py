"""Convolutions with only the kernel taps that reach the input, while fit trains (d2l_extras.speedups.trimmed_convolutions)."""
import json
import warnings

import mxnet as mx
import numpy as onp
import pytest
from mxnet import autograd, np, npx
from mxnet.gluon import nn

import d2l_extras as dx
from d2l_extras import checkpoint
from d2l_extras.speedups import trimmed_convolutions as taps

npx.set_np()


@pytest.mark.parametrize("size, kernel, stride, pad, expected", [
    (1, 3, 1, 1, (1, 1)),   # ResNet-18's last stage at 32x32: the centre tap only
    (2, 3, 2, 1, (1, 2)),   # its stride-2 entry: 2x2 -> 1x1
    (2, 5, 1, 2, (1, 3)),   # GoogLeNet's 5x5 on 2x2 maps: a 3x3 of taps
    (8, 3, 1, 1, (0, 2)),   # a map large enough: every tap
    (5, 3, 2, 0, (0, 2)),
])
def test_active_taps(size, kernel, stride, pad, expected):
    assert taps.active_taps(size, kernel, stride, pad) == expected


def test_a_convolution_that_reads_padding_only_is_left_alone():
    # 1x1 kernel, padding 1, stride 2 on a 1x1 map: two outputs, both on the padding
    assert taps.active_taps(1, 1, 2, 1) is None
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, 1, strides=2, padding=1), nn.Conv2D(4, 3, padding=1), nn.Dense(2))
    net.initialize()
    with taps.trimmed_convolutions() as trimmer:
        trimmer.apply(net, np.ones((1, 3, 1, 1)))
        # the first is left alone; the second sees a 2x2 map and uses every tap
        assert trimmer.trimmed == []
    assert net(np.ones((2, 3, 1, 1))).shape == (2, 2)


def test_a_network_without_images_gets_its_shapes_and_nothing_trimmed():
    net = nn.HybridSequential()
    net.add(nn.Dense(8, activation="relu"), nn.Dense(3))
    net.initialize()
    with taps.trimmed_convolutions() as trimmer:
        trimmer.apply(net, np.ones((1, 5)))
        assert trimmer.trimmed == []
    assert net[0].weight.shape == (8, 5)  # deferred shapes completed by the one prediction


def test_a_convolution_using_every_tap_is_not_trimmed():
    conv = nn.Conv2D(4, 3, padding=1)
    assert taps._trim(conv._kwargs, 4, 4) is None
    kwargs, cut = taps._trim(conv._kwargs, 1, 1)
    assert kwargs["kernel"] == (1, 1) and kwargs["pad"] == (0, 0) and cut == [(1, 1), (1, 1)]
    assert taps._trim(nn.Conv2D(4, 3, padding=1, dilation=2)._kwargs, 1, 1) is None  # dilated: left alone


class Tail(nn.HybridBlock):
    """Small maps, as at the end of ResNet-18 and GoogLeNet at 32x32: a 3x3 stride-2 convolution
    from 2x2 to 1x1, a 3x3 and a 5x5 convolution on 1x1 maps, and a 3x3 one using every tap."""

    def __init__(self):
        super().__init__()
        self.full = nn.Conv2D(6, 3, padding=1, activation="relu")  # 2x2 map: every tap is used
        self.down = nn.Conv2D(8, 3, strides=2, padding=1)
        self.centre = nn.Conv2D(8, 3, padding=1, activation="relu")
        self.wide = nn.Conv2D(5, 5, padding=2, use_bias=False)
        self.pool, self.out = nn.GlobalAvgPool2D(), nn.Dense(10)

    def hybrid_forward(self, F, x):
        return self.out(self.pool(self.wide(self.centre(self.down(self.full(x))))))


def forward_backward(net, X):
    with autograd.record():
        out = net(X)
        (out * np.arange(out.size).reshape(out.shape) % 5).sum().backward()
    return out.asnumpy(), [p.grad().asnumpy() for p in net.collect_params().values()]


@pytest.mark.parametrize("hybridize", [True, False])
def test_trimmed_convolutions_compute_the_same_outputs_and_gradients(hybridize):
    X = np.random.uniform(size=(4, 3, 2, 2))
    results = {}
    for trim in (False, True):
        dx.set_seed(0)
        net = Tail()
        net.initialize(mx.init.Xavier())
        with taps.trimmed_convolutions() as trimmer:
            if trim:
                trimmer.apply(net, X[:1])
            if hybridize:
                with warnings.catch_warnings():  # Gluon warns of the size check's hook (fit silences it)
                    warnings.simplefilter("ignore")
                    net.hybridize()
            results[trim] = forward_backward(net, X)
            trimmed = [b for b, _ in trimmer.trimmed]
        assert trimmed == ([net.down, net.centre, net.wide] if trim else [])
    (out0, grads0), (out1, grads1) = results[False], results[True]
    onp.testing.assert_allclose(out1, out0, rtol=1e-5, atol=1e-6)
    for g0, g1 in zip(grads0, grads1):
        onp.testing.assert_allclose(g1, g0, rtol=1e-4, atol=1e-6 * onp.abs(g0).max())
    # The outer taps of the 3x3 on a 1x1 map get no gradient, trimmed or not.
    centre = grads1[[p.name for p in net.collect_params().values()].index(net.centre.weight.name)]
    assert onp.all(centre[:, :, [0, 2], :] == 0) and onp.all(centre[:, :, :, [0, 2]] == 0)


def test_which_convolutions_are_trimmed():
    net = Tail()
    net.initialize()
    with taps.trimmed_convolutions() as trimmer:
        trimmer.apply(net, np.zeros((1, 3, 2, 2)))
        trimmed = {id(b): t for b, t in trimmer.trimmed}
        assert trimmed == {id(net.down): [(1, 2), (1, 2)], id(net.centre): [(1, 1), (1, 1)],
                           id(net.wide): [(2, 2), (2, 2)]}
        assert "hybrid_forward" in vars(net.centre)
    assert trimmer.trimmed == [] and not any("hybrid_forward" in vars(b) for b in net._children.values())


def test_another_input_size_undoes_the_trimming_before_it_runs():
    """Trimmed for 2x2 inputs, the network called on 6x6: the trimmed kernels would drop taps
    that now reach the input; the check gives the convolutions back first."""
    small, large = np.random.uniform(size=(2, 3, 2, 2)), np.random.uniform(size=(2, 3, 6, 6))
    dx.set_seed(0)
    net = Tail()
    net.initialize(mx.init.Xavier())
    net.hybridize()
    expected = net(large).asnumpy()
    with taps.trimmed_convolutions() as trimmer:
        trimmer.apply(net, small[:1])
        net(small)
        assert trimmer.trimmed
        # Control: with the size check detached, the trimmed network computes something else.
        trimmer._hook.detach()
        assert not onp.allclose(net(large).asnumpy(), expected, rtol=1e-3)
        trimmer._hook = net.register_forward_pre_hook(trimmer._check)
        for block in taps._hybrid_blocks(net):
            block._clear_cached_op()
        onp.testing.assert_allclose(net(large).asnumpy(), expected, rtol=1e-5, atol=1e-6)
        assert trimmer.trimmed == []


def test_the_network_traces_its_own_convolutions_after_the_context():
    X = np.random.uniform(size=(2, 3, 2, 2))
    net = Tail()
    net.initialize()
    net.hybridize()
    with pytest.raises(RuntimeError):
        with taps.trimmed_convolutions() as trimmer:
            trimmer.apply(net, X[:1])
            net(X)
            raise RuntimeError("stop")
    assert net._cached_op is None and "hybrid_forward" not in vars(net.centre)
    net(np.random.uniform(size=(2, 3, 6, 6)))  # another size, no trimmed kernel left to break it


class Stem(nn.HybridBlock):
    def __init__(self, tail):
        super().__init__()
        self.conv, self.pool, self.tail = nn.Conv2D(3, 3, padding=1), nn.MaxPool2D(14, 14), tail

    def hybrid_forward(self, F, x):
        return self.tail(self.pool(self.conv(x)))


@pytest.mark.parametrize("tail, named", [(Tail, True), (lambda: nn.Dense(10), False)], ids=["trimmed", "none"])
def test_fit_names_the_trimming_in_the_identity_only_of_networks_it_trims(tmp_path, monkeypatch, tail, named):
    monkeypatch.setenv(checkpoint.FOLDER_ENV, str(tmp_path))
    train_iter, test_iter = dx.load_data_fashion_mnist(16, subset=32, test_subset=16, seed=0)
    net = Stem(tail())  # 28x28 pooled to 2x2
    dx.fit(net, train_iter, test_iter, 1, 0.1, [mx.cpu()], callbacks=[])
    (identity,) = [json.loads(p.read_text()) for p in tmp_path.glob("fit-*/identity.json")]
    assert (identity.get("taps_kernel") == taps.KERNEL) is named
    assert "hybrid_forward" not in vars(net.tail) and not any(
        "hybrid_forward" in vars(b) for b in getattr(net.tail, "_children", {}).values())
