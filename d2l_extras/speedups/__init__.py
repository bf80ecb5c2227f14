"""CPU speed-ups that compute what the book's code computes, behind one switch.

``fit`` turns them on while it trains (``Recipe(cpu_speedups=True)``, the default) and
undoes them when it returns:

- ``channel_concat``: ``np.concatenate(..., axis=1)`` on oneDNN's ``Concat`` kernel;
- ``trimmed_convolutions``: convolutions whose kernels reach past a small map computed with
  the taps that reach it;
- ``per_parameter_sgd``: SGD updating each parameter with its own operator;
- ``threads``: reads of large arrays kept off the main thread, so that no OpenMP team is left
  there (``import d2l_extras`` also gives the main thread's own loops one thread).

The first two change only the order of floating-point sums, so ``fit`` names each one that
acted on a network in the training's identity (see ``Speedups.kernels``).
"""
import contextlib

import mxnet as mx

from . import channel_concat, trimmed_convolutions
from .per_parameter_sgd import PerParameterSGD

__all__ = ["Speedups", "cpu_speedups", "PerParameterSGD"]


class Speedups:
    """What ``cpu_speedups`` yields: ``prepare`` a network, build its ``optimizer``, and name the
    ``kernels`` that acted on it."""

    def __init__(self, concat=None, trimmer=None):
        self.concat, self.trimmer = concat, trimmer

    @property
    def on(self):
        return self.trimmer is not None

    def prepare(self, net, example):
        """Run ``example`` through ``net`` once (completing deferred shapes), trimming the
        convolutions it can."""
        if self.on:
            self.trimmer.apply(net, example)
        else:
            net(example)

    def optimizer(self, name, params):
        """The optimizer ``name`` with ``params``: one operator per parameter when on."""
        if not self.on:
            return mx.optimizer.create(name, **params)
        if name.lower() == "sgd":
            return PerParameterSGD(**params)
        optimizer = mx.optimizer.create(name, **params)
        optimizer.aggregate_num = 0
        return optimizer

    @property
    def kernels(self):
        """``{identity key: kernel}`` of the substitutions that acted on the prepared network."""
        if not self.on:
            return {}
        acted = (("concat_kernel", channel_concat.KERNEL, self.concat.calls),
                 ("taps_kernel", trimmed_convolutions.KERNEL, self.trimmer.trimmed))
        return {key: kernel for key, kernel, calls in acted if calls}


@contextlib.contextmanager
def cpu_speedups(on=True):
    """Yields a ``Speedups``; while active (and ``on``), the speed-ups apply, and leaving the
    context gives back ``np.concatenate`` and every trimmed convolution."""
    if not on:
        yield Speedups()
        return
    with channel_concat.channel_concat() as concat, trimmed_convolutions.trimmed_convolutions() as trimmer:
        yield Speedups(concat, trimmer)
