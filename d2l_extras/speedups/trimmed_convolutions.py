"""Convolutions computed with only the kernel taps that reach the input, while ``fit`` trains.

At the course's CPU sizes the last stages of some networks see tiny maps: ResNet-18 at 32×32
ends on 1×1 maps with 3×3 convolutions padded by 1, GoogLeNet's last Inception blocks run
3×3 and 5×5 convolutions on 1×1 and 2×2 maps. Every output of such a convolution reads the
padding's zeros through the outer taps of its kernel: a 3×3 kernel on a 1×1 map uses its
centre tap only. oneDNN has no direct kernel for the weight gradient of these shapes and
takes its GEMM fallback, which accumulates one rank-1 product per image: for ResNet-18 at
32×32 that gradient alone is a large share of the training step (docs/benchmarks.md).

``trimmed_convolutions()`` finds, from one prediction of the first batch, each ``nn.Conv2D``
whose kernel has taps that never reach its input, and gives it (for this training only) a
forward that convolves with the taps that do: the weight sliced to them, the padding reduced
by as many. Same weights (still the book's 3×3), same outputs count, the same sums without
terms that are zero times a weight; the gradient of the outer taps is 0, as it is for the full
kernel. So it computes what the book's convolution computes; only the order of the floating-point sums
changes (trained weights differ in the last bits, as with another number of threads, and
``fit`` names it in the training's identity so that no checkpoint of one resumes the other).

The trimming holds for the input size it was found for. Every call of the network is checked
(a forward pre-hook on it): a batch of another height or width undoes the trimming, and the
network is traced again with its own convolutions. When the context ends the convolutions
are given back and the network's traced graphs dropped, so the next call traces the book's code.
"""
import contextlib

from mxnet.gluon import HybridBlock, nn
from mxnet.util import is_np_array

__all__ = ["KERNEL", "TrimmedConvolutions", "trimmed_convolutions", "active_taps"]

_CONV_FORWARD = nn.Conv2D.hybrid_forward
KERNEL = "nn.Conv2D with only the kernel taps that reach the input"  # named in training identities


def active_taps(size, kernel, stride, pad):
    """(first, last) kernel tap along one axis that reaches a real input (not padding) for at
    least one output of a convolution over ``size`` inputs; None when no tap does (padding
    so wide, and a stride so long, that every output reads padding only)."""
    outputs = (size + 2 * pad - kernel) // stride + 1
    used = [u for u in range(kernel) if any(0 <= i * stride + u - pad < size for i in range(outputs))]
    return (used[0], used[-1]) if used else None


def _trim(kwargs, height, width):
    """Convolution arguments with the kernel cut to its active taps, and the (first, last)
    taps per axis; None when every tap is used or the cut would change the output's size."""
    if kwargs.get("layout", "NCHW") != "NCHW" or tuple(kwargs.get("dilate", (1, 1))) != (1, 1):
        return None
    kernel, stride, pad = kwargs["kernel"], kwargs["stride"], kwargs["pad"]
    if len(kernel) != 2:
        return None
    taps, new_kernel, new_pad = [], [], []
    for size, k, s, p in zip((height, width), kernel, stride, pad):
        used = active_taps(size, k, s, p)
        if used is None:
            return None  # its outputs are the bias alone: nothing to gain, left as it is
        first, last = used
        k2, p2 = last - first + 1, p - first
        if p2 < 0 or (size + 2 * p2 - k2) // s != (size + 2 * p - k) // s:
            return None  # MXNet pads both sides alike: this cut would not give the same outputs
        taps.append((first, last))
        new_kernel.append(k2)
        new_pad.append(p2)
    if tuple(new_kernel) == tuple(kernel):
        return None
    return dict(kwargs, kernel=tuple(new_kernel), pad=tuple(new_pad)), taps


def _trimmed_forward(block, kwargs, taps):
    """``block.hybrid_forward`` (Gluon's ``_Conv``) with the weight sliced to ``taps``."""
    (h0, h1), (w0, w1) = taps
    begin, end = (None, None, h0, w0), (None, None, h1 + 1, w1 + 1)

    def hybrid_forward(F, x, weight, bias=None):
        if is_np_array():
            F = F.npx
        weight = F.slice(weight, begin=begin, end=end)
        conv = getattr(F, block._op_name)
        act = conv(x, weight, name="fwd", **kwargs) if bias is None else conv(x, weight, bias, name="fwd", **kwargs)
        return block.act(act) if block.act is not None else act

    return hybrid_forward


def _hybrid_blocks(net):
    found = []
    net.apply(lambda b: found.append(b) if isinstance(b, HybridBlock) else None)
    return found


class TrimmedConvolutions:
    """What ``trimmed_convolutions`` yields: ``trimmed`` lists the (block, kernel taps) it
    changed for the input size ``size``; ``restore()`` gives the convolutions back."""

    def __init__(self):
        self.net, self.size, self.trimmed, self._hook = None, None, [], None

    def apply(self, net, x):
        """Run ``x`` (one batch) through ``net`` without hybridization, recording each
        ``nn.Conv2D``'s input size, and trim the convolutions that have unused taps. Also
        completes ``net``'s deferred parameter shapes. Call before ``net`` is traced."""
        convs, shapes, hooks = [], {}, []

        def record(block, args):
            shapes.setdefault(id(block), set()).add(tuple(args[0].shape[2:]))

        blocks = _hybrid_blocks(net)
        active = [(b, b._active) for b in blocks]
        for block in blocks:
            block._active = False
            # Gluon's own 2-D convolution only: a subclass may compute something else.
            if isinstance(block, nn.Conv2D) and type(block).hybrid_forward is _CONV_FORWARD:
                convs.append(block)
                hooks.append(block.register_forward_pre_hook(record))
        try:
            net(x)
        finally:
            for handle in hooks:
                handle.detach()
            for block, was in active:
                block._active = was
        for block in convs:
            sizes = shapes.get(id(block), set())
            cut = _trim(block._kwargs, *next(iter(sizes))) if len(sizes) == 1 else None
            if cut is not None:
                kwargs, taps = cut
                block.hybrid_forward = _trimmed_forward(block, kwargs, taps)
                self.trimmed.append((block, taps))
        if self.trimmed:
            self.net, self.size = net, tuple(x.shape[2:])
            self._hook = net.register_forward_pre_hook(self._check)
            self._clear(net)

    def _check(self, net, args):
        if self.trimmed and tuple(args[0].shape[2:]) != self.size:
            self.restore()  # before this call runs: it traces the network's own convolutions

    def restore(self):
        """Give every trimmed convolution its own forward back and drop the traced graphs."""
        for block, _ in self.trimmed:
            del block.hybrid_forward  # the instance's override: Gluon's method is seen again
        if self._hook is not None:
            self._hook.detach()
        if self.trimmed:
            self._clear(self.net)
        self.trimmed, self._hook = [], None

    @staticmethod
    def _clear(net):
        for block in _hybrid_blocks(net):
            block._clear_cached_op()


@contextlib.contextmanager
def trimmed_convolutions():
    """Yields a ``TrimmedConvolutions``; its ``apply(net, x)`` trims, and leaving the
    context restores the network (see the module's docstring)."""
    trimmer = TrimmedConvolutions()
    try:
        yield trimmer
    finally:
        trimmer.restore()
