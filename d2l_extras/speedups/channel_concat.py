"""Channel concatenation on oneDNN's kernel while ``fit`` trains.

MXNet 1.x computes convolutions, pooling, batch normalization and ReLU on the CPU with oneDNN,
which keeps activations in a blocked memory layout (8 or 16 channels side by side). Its
NumPy-style ``np.concatenate`` has no oneDNN kernel: each input is copied back to the plain
layout, and every convolution that reads the result copies it to the blocked layout again
(three times after an Inception block, once per branch), while max pooling on the plain
layout takes oneDNN's slow reference kernel. MXNet's older ``Concat`` operator is oneDNN's
concatenation and keeps the blocked layout, which makes GoogLeNet's and DenseNet's training
steps faster on the CPU (docs/benchmarks.md, "Design choices and their measurements").

The networks keep the book's code (``np.concatenate((p1, p2, p3, p4), axis=1)``):
``channel_concat()`` routes those calls, along axis 1 only, to ``Concat`` while it is active,
and ``fit`` makes it active while it trains and evaluates. The values are the same copies;
only the order in which MXNet sums gradients that meet at a concatenated input changes, so
trained weights differ from ``np.concatenate``'s in the last bits, as with another number of
threads (``fit`` names the kernel in the training's identity when the network used it, so
no checkpoint of one resumes the other).
"""
import contextlib

import mxnet as mx

__all__ = ["KERNEL", "ChannelConcat", "channel_concat"]

KERNEL = "Concat (oneDNN) for np.concatenate along axis 1"  # named in training identities


class ChannelConcat:
    """What ``channel_concat`` yields: ``calls`` counts the concatenations it routed."""

    def __init__(self):
        self.calls = 0


def _routed_to_concat(original, concat, accepts, counter):
    """``original`` (an ``np.concatenate``), with axis-1 concatenations of two or more inputs
    that all pass ``accepts`` sent to ``concat`` (``mx.nd.concat`` or ``mx.sym.concat``)."""
    def concatenate(seq, axis=0, out=None):
        if out is None and axis == 1 and len(seq) > 1 and all(accepts(x) for x in seq):
            counter.calls += 1
            return concat(*(x.as_nd_ndarray() for x in seq), dim=1).as_np_ndarray()
        return original(seq, axis=axis, out=out)

    concatenate.__doc__ = original.__doc__
    return concatenate


@contextlib.contextmanager
def channel_concat():
    """While active, ``np.concatenate(..., axis=1)`` (arrays and hybridized symbols) runs
    MXNet's ``Concat``, oneDNN's kernel; everything else goes to ``np.concatenate`` as is.

    Yields a ``ChannelConcat`` that counts the calls it routed.
    """
    counter = ChannelConcat()
    arrays, symbols = mx.np.concatenate, mx.sym.np.concatenate
    mx.np.concatenate = _routed_to_concat(arrays, mx.nd.concat, lambda x: isinstance(x, mx.np.ndarray), counter)
    # Symbols: a hybridized block, while it is traced.
    mx.sym.np.concatenate = _routed_to_concat(symbols, mx.sym.concat, lambda x: isinstance(x, mx.sym.Symbol), counter)
    try:
        yield counter
    finally:
        mx.np.concatenate, mx.sym.np.concatenate = arrays, symbols

