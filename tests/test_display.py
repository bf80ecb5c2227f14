"""The live training plot: one figure per language, each with its own words and numbers."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from d2l_extras.display import LivePlot  # noqa: E402
from d2l_extras.training import History  # noqa: E402


def test_the_live_plot_writes_numbers_in_each_language_in_turn():
    plot = LivePlot()
    plot.num_epochs = 2
    plot.history = History(records=[
        {"epoch": 1, "train_loss": 0.5, "train_acc": 0.8, "test_acc": 0.8, "curve": [[0.5, 0.9, 0.6]]},
        {"epoch": 2, "train_loss": 0.35, "train_acc": 0.87, "test_acc": 0.86, "curve": [[1.5, 0.4, 0.85]]}])
    plot.fig, plot.ax = plt.subplots(figsize=plot.figsize)
    for lang, number in (("vi", "0,5"), ("en", "0.5"), ("vi", "0,5")):  # one Axes, redrawn per language
        plot._draw(lang)
        plot.fig.canvas.draw()
        assert number in [t.get_text() for t in plot.ax.get_yticklabels()], lang
    plt.close(plot.fig)
