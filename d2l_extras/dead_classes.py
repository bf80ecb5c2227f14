"""Dead class maps drawn again: ``fit(..., recipe=Recipe(revive_dead_classes=True))``.

NiN ends with a ReLU on each class map. A map that has become negative for every image
outputs 0 and its weights get no gradient; one that is positive only rarely and weakly
never wins the prediction, and learns little. Either way its class is (almost) never
predicted, unless the shared layers before it happen to move it back (they are trained by
the other classes). With this option, ``fit`` averages each class's output over windows
of ``REVIVE_WINDOW`` updates; a class whose average is at most ``REVIVE_THRESHOLD`` times
the average over all classes is dormant; so is one positive on at most
``OWN_CLASS_THRESHOLD`` of the window's images of its own class (alive on the others, dead
where it matters: it gets no gradient from its own class's images and cannot recover). The
network's last layer (the one that writes the maps) gets such a class's weights drawn
again, He normal but non-negative, and its bias set to 0. Its inputs come from a ReLU, so the new map is positive wherever any
input is: alive, with a gradient again. This follows ReDo (Sokar et al., 2023, "The
dormant neuron phenomenon in deep reinforcement learning"), which re-initializes units
whose average output, relative to their layer's, falls below a threshold.
"""
import mxnet as mx
import numpy as onp
from mxnet.gluon import nn

from .callbacks import Callback
from .summary import all_blocks

__all__ = ["REVIVE_WINDOW", "REVIVE_THRESHOLD", "OWN_CLASS_THRESHOLD", "OWN_CLASS_MIN_IMAGES",
           "DeadClassReviver", "output_layer", "rule"]

# Averages over 100 minibatches (6,400 images at batch 64, about 640 of each class), so
# that a map is judged on many images of its own class, not on one unlucky batch.
REVIVE_WINDOW = 100
# ReDo's threshold: a map whose average output is under a tenth of the average map's rarely
# wins the prediction. (NiN, seed 2: the coat map averaged 0.02-0.10 against about 2 for the
# others, through the first epoch, and coat was never predicted.)
REVIVE_THRESHOLD = 0.1
# A map positive on at most this share of its own class's images is dead where it matters.
# (NiN, seed 0, on an AMD EPYC: after epoch 3 the t-shirt map averaged 0.84, not dormant, but
# was positive on none of 640 t-shirt images and on 27% of the others; every other map was
# positive on 99-100% of its own class's images. T-shirt was never predicted: test accuracy
# 0.816.)
OWN_CLASS_THRESHOLD = 0.1
# A class judged on fewer of its own images in a window is not judged by that rule.
OWN_CLASS_MIN_IMAGES = 20


def rule():
    """The re-drawing rule, as numbers: part of a training's identity, so that a checkpoint
    made under another rule is not resumed."""
    return {"window": REVIVE_WINDOW, "threshold": REVIVE_THRESHOLD,
            "own_class_threshold": OWN_CLASS_THRESHOLD, "own_class_min_images": OWN_CLASS_MIN_IMAGES}


def output_layer(net):
    """The last Dense or Conv2D layer of ``net``, in the order its blocks were added."""
    last = None
    for block in all_blocks(net):
        if isinstance(block, (nn.Dense, nn.Conv2D)):
            last = block
    if last is None:
        raise ValueError(f"revive_dead_classes needs a network whose last layer with weights is a Dense "
                         f"or Conv2D layer (one row per class); {type(net).__name__} has none")
    return last


class DeadClassReviver(Callback):
    """Averages each class's output over windows of ``window`` updates and re-draws the
    classes found dormant at each window's end (see the module docstring); a callback of
    ``fit``, which adds it when the recipe asks for it."""

    order = -20  # names the classes re-drawn in the epoch's record before it is saved

    def __init__(self, net, seed, window=None, threshold=None):
        self.layer, self.seed = output_layer(net), seed
        self.window = window or REVIVE_WINDOW
        self.threshold = REVIVE_THRESHOLD if threshold is None else threshold
        self.start_epoch(0)

    def on_train_begin(self, info):
        if info["parallel"].distributed:
            raise ValueError("revive_dead_classes is not supported with a distributed kvstore (the weights "
                             "live on the servers)")

    def on_epoch_begin(self, epoch):
        self.start_epoch(epoch)

    def on_step_end(self, outputs, labels):
        self.observe(outputs, labels)

    def on_epoch_end(self, epoch, record):
        record["revived_classes"] = self.revived

    def start_epoch(self, epoch):
        """Windows start afresh each epoch, so a resumed run re-draws as the uninterrupted one."""
        self.epoch, self.batches, self.revived = epoch, 0, []
        self.total = self.lowest = self.own_positive = self.own_seen = None

    def observe(self, y_hats, ys):
        """Note one minibatch's outputs and labels (one array each per device) and re-draw at
        the window's end."""
        ctx = y_hats[0].ctx
        for y_hat, y in zip(y_hats, ys):
            own = mx.npx.one_hot(y.astype("int32"), y_hat.shape[1])  # which map is each image's own
            counts = {"total": y_hat.mean(axis=0), "own_positive": ((y_hat > 0) * own).sum(axis=0),
                      "own_seen": own.sum(axis=0)}
            for name, value in counts.items():
                value, before = value.as_in_ctx(ctx), getattr(self, name)
                setattr(self, name, value if before is None else before + value)
            lowest = y_hat.min().as_in_ctx(ctx)
            self.lowest = lowest if self.lowest is None else mx.np.minimum(self.lowest, lowest)
        self.batches += 1
        if self.batches % self.window == 0:
            if float(self.lowest) < 0:
                raise ValueError(
                    "revive_dead_classes is for networks whose outputs are never negative (class maps "
                    f"behind a ReLU, as in NiN), but {type(self.layer).__name__} ends this one with outputs "
                    f"as low as {float(self.lowest):.3g}; train it without the option")
            mean, seen = self.total.asnumpy(), self.own_seen.asnumpy()
            own_share = self.own_positive.asnumpy() / onp.maximum(seen, 1)
            dead = (mean <= self.threshold * mean.mean()) | (
                (seen >= OWN_CLASS_MIN_IMAGES) & (own_share <= OWN_CLASS_THRESHOLD))
            if dead.any():
                self._redraw(onp.flatnonzero(dead))
            self.total = self.lowest = self.own_positive = self.own_seen = None

    def _redraw(self, classes):
        weight, bias = self.layer.weight, self.layer.bias
        if weight.shape[0] != self.total.shape[0]:
            raise ValueError(f"revive_dead_classes: the last layer ({type(self.layer).__name__}) has "
                             f"{weight.shape[0]} outputs but the network gives {self.total.shape[0]} "
                             "classes; the option is for networks whose last layer writes the class maps")
        # Seeded by (seed, epoch, batch), and not from MXNet's generator, whose stream the
        # dropout masks use: the run stays reproducible and resumable.
        rng = onp.random.default_rng([self.seed, self.epoch, self.batches])
        fan_in = int(onp.prod(weight.shape[1:]))
        w = weight.list_data()[0].asnumpy()
        w[classes] = onp.abs(rng.normal(0, onp.sqrt(2 / fan_in), (len(classes),) + weight.shape[1:]))
        weight.set_data(w)  # on every device, and in the trainer's kvstore if it holds a copy
        if bias is not None:
            b = bias.list_data()[0].asnumpy()
            b[classes] = 0
            bias.set_data(b)
        self.revived.extend(int(c) for c in classes)
