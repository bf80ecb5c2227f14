"""np.concatenate on oneDNN's Concat while fit trains (d2l_extras.speedups.channel_concat)."""
import json

import mxnet as mx
import numpy as onp
import pytest
from mxnet import autograd, np, npx
from mxnet.gluon import nn

import d2l_extras as dx
from d2l_extras import checkpoint
from d2l_extras.speedups import channel_concat

npx.set_np()


def branches(x):
    return [x * 2, x + 1, x ** 2]


class Branches(nn.Block):
    """Three branches of one input, concatenated on the channels: an Inception block in small."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2D(3, 1, activation="relu"), nn.Conv2D(5, 3, padding=1, activation="relu")
        self.c = nn.MaxPool2D(3, 1, 1)

    def forward(self, x):
        return np.concatenate((self.a(x), self.b(x), self.c(x)), axis=1)


class DenseLike(nn.HybridBlock):
    """A hybridized block that concatenates its input and a convolution's output, as DenseNet's."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2D(4, 3, padding=1)

    def hybrid_forward(self, F, X):
        return F.np.concatenate((X, self.conv(X)), axis=1)


def tiny(block):
    net = nn.Sequential()
    net.add(nn.Conv2D(4, 3, padding=1, activation="relu"), block, nn.GlobalAvgPool2D(), nn.Dense(10))
    return net


def test_channel_concatenations_take_concat_with_the_same_values_and_gradients():
    x = np.random.uniform(size=(2, 3, 4, 4))
    grads = {}
    for routed in (False, True):
        x.attach_grad()
        w = np.arange(2 * 9 * 16).reshape(2, 9, 4, 4) % 7
        with channel_concat.channel_concat() as concat:
            with autograd.record():
                out = np.concatenate(branches(x), axis=1) if routed else layout_free(branches(x))
                (out * w).sum().backward()
        grads[routed] = (out.asnumpy(), x.grad.asnumpy(), concat.calls)
    assert grads[True][2] == 1 and grads[False][2] == 0
    assert onp.array_equal(grads[True][0], grads[False][0])
    assert onp.array_equal(grads[True][1], grads[False][1])


def layout_free(seq):
    """np.concatenate's own kernel, whatever is active."""
    return mx.nd.np.concatenate(seq, axis=1)


def test_other_concatenations_keep_np_concatenate():
    a, b = np.ones((2, 3)), np.zeros((2, 3))
    with channel_concat.channel_concat() as concat:
        assert np.concatenate((a, b), axis=0).shape == (4, 3)
        assert np.concatenate((a, b), axis=-1).shape == (2, 6)
        out = np.zeros((2, 6))
        np.concatenate((a, b), axis=1, out=out)
        assert np.concatenate((a,), axis=1).shape == (2, 3)
    assert concat.calls == 0 and float(out.sum()) == 6


def test_np_concatenate_is_restored_after_the_block_even_on_an_error():
    arrays, symbols = mx.np.concatenate, mx.sym.np.concatenate
    with pytest.raises(RuntimeError):
        with channel_concat.channel_concat():
            assert mx.np.concatenate is not arrays and mx.sym.np.concatenate is not symbols
            raise RuntimeError("stop")
    assert mx.np.concatenate is arrays and mx.sym.np.concatenate is symbols


def test_a_hybridized_block_is_traced_with_concat_and_computes_the_same():
    X = np.random.uniform(size=(2, 3, 5, 5))
    outs = {}
    for routed in (False, True):
        dx.set_seed(0)
        block = DenseLike()
        block.initialize()
        block.hybridize()
        if routed:
            with channel_concat.channel_concat() as concat:
                outs[routed] = block(X).asnumpy()
            assert concat.calls == 1  # traced once, then the cached graph runs
        else:
            outs[routed] = block(X).asnumpy()
    assert onp.array_equal(outs[True], outs[False])


@pytest.mark.parametrize("block, named", [(Branches, True), (DenseLike, True), (nn.Activation, False)],
                         ids=["block", "hybrid", "none"])
def test_fit_names_the_concat_kernel_in_the_identity_only_of_networks_that_concatenate(
        tmp_path, monkeypatch, block, named):
    monkeypatch.setenv(checkpoint.FOLDER_ENV, str(tmp_path))
    train_iter, test_iter = dx.load_data_fashion_mnist(16, subset=32, test_subset=16, seed=0)
    net = tiny(block("relu") if block is nn.Activation else block())
    dx.fit(net, train_iter, test_iter, 1, 0.1, [mx.cpu()], callbacks=[])
    (identity,) = [json.loads(p.read_text()) for p in tmp_path.glob("fit-*/identity.json")]
    assert (identity.get("concat_kernel") == channel_concat.KERNEL) is named
    assert ("concat_kernel" in identity) is named
