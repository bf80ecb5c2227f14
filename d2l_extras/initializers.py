"""Data-dependent initialization: every unit starts alive, at the same scale.

He initialization (variance 2 / fan-in) assumes that each unit's input has mean 0. Behind a
ReLU it has not: every input is ≥ 0, so a unit whose weights happen to sum negative over the
inputs' common part is negative for every image. Behind the ReLU it outputs 0, passes no
gradient, and may never come back. In NiN's last block, where 10 units read 10 inputs, this
kills 1 to 6 of the 10 class maps at initialization (seeds 0–5, measured in
docs/benchmarks.md); most come back during training, and one that does not is a class the
network never predicts.

``normalize_units`` (Krähenbühl et al., 2016; Salimans & Kingma, 2016) rescales each
convolution's and dense layer's weights and sets its bias so that, on one batch of training
images, every unit's pre-activation has mean 0 and standard deviation 1. Layer by layer, in
the order the batch reaches them, so each sees its inputs as already normalized. Every unit
is then active on about half of the inputs, and every layer's outputs have the same scale.
"""
from mxnet import np
from mxnet.gluon import nn

__all__ = ["normalize_units", "units_in_order"]


def units_in_order(net):
    """The convolutions and dense layers with a bias in ``net``, in the order they were added."""
    layers = []

    def visit(block):
        if isinstance(block, (nn.Conv2D, nn.Dense)) and block.bias is not None:
            layers.append(block)
        for child in block._children.values():
            visit(child)

    visit(net)
    return layers


def _pre_activation(net, layer, X):
    """``layer``'s output before its activation, when ``net`` predicts ``X``."""
    seen = {}
    if layer.act is not None:  # the layer's own Activation block receives the pre-activation
        handle = layer.act.register_forward_hook(lambda block, inputs, output: seen.setdefault("pre", inputs[0]))
    else:
        handle = layer.register_forward_hook(lambda block, inputs, output: seen.setdefault("pre", output))
    try:
        net(X)
    finally:
        handle.detach()
    return seen["pre"]


def normalize_units(net, X, eps=1e-8):
    """Scale every unit of ``net`` to pre-activations of mean 0 and std 1 on the batch ``X``.

    ``net`` must be initialized and not hybridized (the hooks that read pre-activations do
    not run inside a hybridized graph). One forward pass per layer; returns the layers set.
    """
    if any(getattr(block, "_active", False) for block in _blocks(net)):
        raise RuntimeError("normalize_units needs a network that is not hybridized; call it before hybridize()")
    net(X)  # completes deferred shapes first: their inference runs the layers on symbols
    layers = units_in_order(net)
    for layer in layers:
        pre = _pre_activation(net, layer, X)
        axes = tuple(a for a in range(pre.ndim) if a != 1)  # all but the channel (unit) axis
        mean = pre.mean(axis=axes)
        std = np.sqrt(((pre - mean.reshape((1, -1) + (1,) * (pre.ndim - 2))) ** 2).mean(axis=axes)) + eps
        weight = layer.weight.data()
        layer.weight.set_data(weight / std.reshape((-1,) + (1,) * (weight.ndim - 1)))
        layer.bias.set_data((layer.bias.data() - mean) / std)
    return layers


def _blocks(net):
    yield net
    for child in net._children.values():
        yield from _blocks(child)
