"""``layer_summary``: the book's "print each layer's output shape" loop, as a comparable table.

Rows show class names, never ``layer.name`` (``conv5``): Gluon 1.x numbers names with a
process-wide counter, so they change with whatever ran before.
"""
import math

import mxnet as mx
from mxnet import init, np
from mxnet.gluon import nn

from .language import error, ShownPerLanguage

__all__ = ["LayerSummary", "layer_summary", "count_parameters"]


def ensure_initialized(net, device=None):
    """Initialize ``net`` (Xavier) unless its parameters already are, as the book does before a summary."""
    if any(p._data is None and not p._deferred_init for p in net.collect_params().values()):
        net.initialize(init.Xavier(), ctx=device or mx.cpu())


def count_parameters(net, trainable_only=False):
    """Number of parameter values (BatchNorm's running statistics included unless trainable_only)."""
    params = net.collect_params().values()
    return sum(p.data().size for p in params if not (trainable_only and p.grad_req == "null"))


class LayerSummary(ShownPerLanguage):
    """Rows of (class name, output shape, parameters) plus totals and multiply-accumulates."""

    def __init__(self, input_shape, rows, total, trainable, macs):
        self.input_shape, self.rows = tuple(input_shape), rows
        self.total, self.trainable, self.macs = total, trainable, macs

    @property
    def output_shapes(self):
        return [shape for _, shape, _ in self.rows]

    def describe(self, lang="en"):
        """The table as text, in ``lang``."""
        from .language import number, text

        head = tuple(text(h, lang) for h in ("Layer", "Output shape", "Parameters"))
        lines = [(name, str(shape), number(n, ",", lang)) for name, shape, n in self.rows]
        w0 = max(len(head[0]), *(len(a) for a, _, _ in lines))
        w1 = max(len(head[1]), *(len(b) for _, b, _ in lines))
        w2 = max(len(head[2]), *(len(c) for _, _, c in lines))
        fmt = f"{{:<{w0}}}  {{:<{w1}}}  {{:>{w2}}}"
        out = [f"{text('Input shape:', lang)} {self.input_shape}", fmt.format(*head), "-" * (w0 + w1 + w2 + 4)]
        out += [fmt.format(*line) for line in lines]
        out += [f"{text('Total parameters:', lang)} {number(self.total, ',', lang)} "
                f"({text('trainable:', lang)} {number(self.trainable, ',', lang)})",
                f"{text('Multiply-accumulates per example:', lang)} {number(self.macs, ',', lang)}"]
        return "\n".join(out)

    def __str__(self):
        return self.describe("en")

    __repr__ = __str__


_COUNTED = (nn.Conv1D, nn.Conv2D, nn.Conv3D, nn.Dense)


def _reason(err):
    """The useful last line of an MXNetError ('kernel size (3) exceeds input (2 ...)')."""
    lines = [l.strip() for l in str(err).splitlines() if l.strip()]
    last = lines[-1] if lines else str(err)
    return last.rsplit(": ", 1)[-1] if last.startswith("MXNetError") else last


def _leaf_macs(block, output):
    """Multiply-accumulates per example of a convolution or dense layer (others: 0)."""
    if isinstance(block, (nn.Conv1D, nn.Conv2D, nn.Conv3D)):
        spatial = math.prod(output.shape[2:])
        return math.prod(block.weight.shape) * spatial
    if isinstance(block, nn.Dense):
        return math.prod(block.weight.shape)
    return 0



def all_blocks(block):
    """``block`` and every block inside it, depth first, in the order they were added."""
    yield block
    for child in block._children.values():
        # Gluon 2 keeps children as weak references; Gluon 1.x as the blocks themselves.
        yield from all_blocks(child() if callable(child) and not isinstance(child, nn.Block) else child)


def layer_summary(net, input_shape, device=None):
    """Run one example of ``input_shape`` through ``net`` and tabulate every top-level layer.

    Uninitialized parameters are initialized (Xavier), as the book does before its loop.
    A hybridized network is run imperatively for the summary and left as it was.

    Parameters
    ----------
    net : mxnet.gluon.Block
        A ``Sequential`` is listed layer by layer; any other block as one row.
    input_shape : tuple of int
        For example ``(1, 1, 224, 224)``.

    Returns
    -------
    LayerSummary
        ``print()`` it, or read ``rows``, ``total``, ``trainable``, ``macs``.
    """
    shape = tuple(input_shape)
    if not shape or not all(isinstance(s, int) and s > 0 for s in shape):
        raise error(ValueError, "input_shape phải là một bộ các số nguyên dương, nhận {shape!r}",
                    "input_shape must be a tuple of positive integers, got {shape!r}", shape=input_shape)
    device = device or mx.cpu()
    layers = list(net) if isinstance(net, (nn.Sequential, nn.HybridSequential)) else [net]
    blocks = list(all_blocks(net))
    ensure_initialized(net, device)
    active = {b: b._active for b in blocks if isinstance(b, nn.HybridBlock)}
    macs = [0]
    hooks = [b.register_forward_hook(lambda blk, _, out: macs.__setitem__(0, macs[0] + _leaf_macs(blk, out)))
             for b in blocks if isinstance(b, _COUNTED)]
    rows = []
    try:
        for b in active:
            b._active = False  # hooks fire only in imperative mode
        X = np.random.uniform(size=shape, ctx=device)
        for i, layer in enumerate(layers):
            try:
                X = layer(X)
            except mx.base.MXNetError as err:
                raise error(ValueError,
                            "đầu vào kích thước {shape} quá nhỏ hoặc sai dạng cho tầng {i} ({kind}, đầu vào "
                            "{got}): {reason}",
                            "an input of shape {shape} is too small or malformed for layer {i} ({kind}, "
                            "input {got}): {reason}",
                            shape=shape, i=i, kind=type(layer).__name__, got=tuple(X.shape),
                            reason=_reason(err)) from None
            n = sum(p.data().size for p in layer.collect_params().values())
            rows.append((type(layer).__name__, tuple(X.shape), n))
    finally:
        for h in hooks:
            h.detach()
        for b, was in active.items():
            b._active = was
    return LayerSummary(shape, rows, count_parameters(net), count_parameters(net, True), macs[0])
