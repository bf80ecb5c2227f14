"""How training progress is shown; kept apart from training itself.

Displays are callbacks of ``fit``. Two are provided: a live plot for notebooks (one figure
updated in place through a display id: no ``clear_output`` flood, PNG so that nbval does not
compare it) and a tqdm progress bar for terminals; ``fit(..., callbacks=[])`` shows nothing.
"""
import sys

from .callbacks import Callback
from .language import text, update

__all__ = ["Display", "LivePlot", "ProgressBar", "default_display", "in_notebook", "use_inline_figures"]

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# Points per epoch of the training curves, which ``fit`` keeps in its History (each epoch's
# record holds its own), so that a resumed run draws the same curve.
POINTS_PER_EPOCH = 5


def curve_point(batch, num_batches, points_per_epoch=POINTS_PER_EPOCH):
    """Whether the running metrics after ``batch`` (0-based) make a point of the curve: every
    ``num_batches // points_per_epoch`` batches, the epoch's end excepted (it has its own)."""
    every = max(1, num_batches // points_per_epoch)
    return (batch + 1) % every == 0 and batch + 1 < num_batches


Display = Callback  # a display is a callback that shows progress


def in_notebook():
    """True inside a Jupyter kernel (JupyterLab, nbclient, nbval)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def use_inline_figures():
    """In a notebook on the default inline backend, switch it on now (as ``%matplotlib inline``).

    Left to itself, the kernel connects the inline backend when the first figure is drawn, and
    that figure then appears under the *next* cell that runs (ipykernel's default inline mode:
    ipython/ipykernel#247). Returns True when it switched the backend on."""
    import os

    if not in_notebook() or os.environ.get("MPLBACKEND", INLINE_BACKEND) != INLINE_BACKEND:
        return False  # a terminal, or a backend the user chose for the kernel
    if "matplotlib.pyplot" in sys.modules:  # e.g. %matplotlib widget before importing the course
        import matplotlib

        if matplotlib.get_backend() != INLINE_BACKEND:
            return False
    from IPython import get_ipython

    get_ipython().run_line_magic("matplotlib", "inline")
    return True


def default_display():
    """A live plot in a notebook, a progress bar in a terminal, else None."""
    if in_notebook():
        return LivePlot()
    return ProgressBar() if sys.stderr.isatty() else None


class LivePlot(Display):
    """Loss and accuracies against epochs, drawn from the training's History and redrawn in
    one notebook output as training runs (epochs resumed from a checkpoint included)."""

    def __init__(self, figsize=(4.5, 3)):
        self.figsize = figsize

    def on_train_begin(self, info):
        import matplotlib.pyplot as plt
        from .language import show

        self.num_epochs, self.num_batches, self.history = info["num_epochs"], info["num_batches"], info["history"]
        self.fig, self.ax = plt.subplots(figsize=self.figsize, layout="constrained")
        plt.close(self.fig)  # shown only through the display handles, not again at cell end
        self.handles = show(self._draw, display_id=True)  # one figure per language

    def on_batch_end(self, epoch, batch, metrics):
        if curve_point(batch, self.num_batches):
            update(self.handles, self._draw)

    def on_epoch_end(self, epoch, record):
        update(self.handles, self._draw)

    def on_train_end(self, history):
        from IPython.display import display

        display(history)  # the final line, once per language

    def _draw(self, lang="en"):
        ax = self.ax
        ax.cla()
        x, loss, acc = zip(*self.history.curve) if self.history.curve else ((), (), ())
        ax.plot(x, loss, "-", label=text("train loss", lang))
        ax.plot(x, acc, "m--", label=text("train acc", lang))
        ax.plot(self.history["epoch"], self.history["test_acc"], "g-.o", markersize=3, label=text("test acc", lang))
        ax.set_xlabel(text("epoch", lang))
        ax.set_xlim(0, self.num_epochs)
        ax.grid(True)
        ax.legend(loc="best")
        if lang == "vi":
            from .figures import vietnamese_ticks

            vietnamese_ticks(self.fig)
        # Rendered to PNG here, whatever the inline backend's format (d2l switches it to SVG,
        # which nbval would compare as text).
        import io

        from IPython.display import Image

        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=100)
        return Image(data=buf.getvalue(), format="png")


class ProgressBar(Display):
    """A tqdm bar per epoch, with the running loss and accuracy."""

    def on_train_begin(self, info):
        self.num_epochs, self.num_batches = info["num_epochs"], info["num_batches"]
        self.bar = None

    def on_batch_end(self, epoch, batch, metrics):
        from tqdm.auto import tqdm

        if self.bar is None:
            self.bar = tqdm(total=self.num_batches, desc=f"epoch {epoch + 1}/{self.num_epochs}",
                            leave=False, file=sys.stderr)
        self.bar.update(1)
        self.bar.set_postfix(loss=f"{metrics['train_loss']:.3f}", acc=f"{metrics['train_acc']:.3f}")

    def on_epoch_end(self, epoch, record):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        print(f"epoch {record['epoch']}: loss {record['train_loss']:.3f}, train acc "
              f"{record['train_acc']:.3f}, test acc {record['test_acc']:.3f}, "
              f"{record['examples_per_sec']:.1f} examples/sec", file=sys.stderr)

    def on_train_end(self, history):
        print(history)
