"""What ``fit`` calls while it trains: the ``Callback`` hooks.

The live plot and progress bar (``display``), checkpoints (``checkpoint.Checkpoints``), the
busy-core note (``busy_cores``) and the re-drawing of dead class maps (``dead_classes``) are
callbacks; ``fit(..., callbacks=[...])`` takes any others.
"""

__all__ = ["Callback", "call"]


class Callback:
    """Base class: every hook does nothing. Callbacks run in ascending ``order``."""

    order = 0

    def on_train_begin(self, info):
        """``info``: dict with net, trainer, train_iter, first_batch, num_epochs, num_batches,
        lr, recipe, parallel, devices, kernels, history and start_epoch (which a callback that
        resumes a training may raise)."""

    def on_epoch_begin(self, epoch):
        """Before the first batch of ``epoch`` (0-based)."""

    def on_step_end(self, outputs, labels):
        """After each update, with the minibatch's outputs and labels (one array per device)."""

    def on_batch_end(self, epoch, batch, metrics):
        """``metrics``: dict with running train_loss and train_acc of this epoch."""

    def on_epoch_end(self, epoch, record):
        """``record``: the epoch's dict in the history (a callback may add to it)."""

    def on_train_end(self, history):
        """Called once with the finished History."""


def call(callbacks, hook, *args):
    """Call ``hook`` of every callback, in order."""
    for callback in callbacks:
        getattr(callback, hook)(*args)
