"""Architecture figures: labels read off the layers, shapes from a forward pass, clear errors."""
import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402
from mxnet import npx  # noqa: E402
from mxnet.gluon import nn  # noqa: E402

from d2l_extras import figures  # noqa: E402

npx.set_np()


@pytest.mark.parametrize("layer, label", [
    (nn.Conv2D(96, kernel_size=11, strides=4, activation="relu"), "Conv 11×11, 96, /4, relu"),
    (nn.Conv2D(256, kernel_size=5, padding=2), "Conv 5×5, 256, pad 2"),
    (nn.MaxPool2D(pool_size=3, strides=2), "MaxPool 3×3, /2"),
    (nn.MaxPool2D(3, 1, 1), "MaxPool 3×3, pad 1"),
    (nn.AvgPool2D(pool_size=2, strides=2), "AvgPool 2×2, /2"),
    (nn.GlobalAvgPool2D(), "GlobalAvgPool"),
    (nn.Dense(4096, activation="relu"), "Dense 4096, relu"),
    (nn.Dropout(0.5), "Dropout 0.5"),
    (nn.Activation("sigmoid"), "sigmoid"),
    (nn.BatchNorm(), "BatchNorm"),
])
def test_labels_are_read_off_the_layer(layer, label):
    assert figures.describe_layer(layer) == label


def test_shapes_come_from_the_network():
    net = nn.Sequential()
    net.add(nn.Conv2D(6, kernel_size=5, padding=2), nn.MaxPool2D(2, 2), nn.Dense(10))
    net.initialize()
    assert figures.layer_shapes(list(net), (1, 1, 28, 28)) == [(6, 28, 28), (6, 14, 14), (10,)]
    fig = figures.draw_columns([("a", net, (1, 1, 28, 28)), ("b", net, None)], lang="en")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "6×14×14" in texts and "Input 1×28×28" in texts and "Input" in texts


def test_branches_concatenate_or_add():
    paths = [("p1", [nn.Conv2D(4, 1)]), ("p2", [nn.Conv2D(2, 3, padding=1)])]
    fig = figures.draw_branches(paths, (1, 3, 8, 8), merge="concat", lang="en")
    assert any("Concatenate (channels) 6×8×8" in t.get_text() for t in fig.axes[0].texts)
    fig = figures.draw_branches([("", [nn.Conv2D(3, 3, padding=1)]), ("shortcut", [])], (1, 3, 8, 8),
                                merge="add", after=[nn.Activation("relu")], lang="en")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "Add (+) 3×8×8" in texts and "shortcut: 3×8×8" in texts and "relu" in texts and "3×8×8" in texts


def test_branch_errors():
    with pytest.raises(ValueError, match="merge must be"):
        figures.draw_branches([("", [])], (1, 3, 8, 8), merge="mul")
    with pytest.raises(ValueError, match="different shapes"):
        figures.draw_branches([("", [nn.Conv2D(4, 1)]), ("", [])], (1, 3, 8, 8), merge="add")


@pytest.mark.slow
def test_a_notebooks_first_figure_shows_under_its_own_cell():
    """In a fresh kernel the inline backend connects itself at the first figure, which then
    shows under the next cell (06's nested-classes figure did, under the Residual class):
    importing the course switches the backend on first."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("import d2l_extras"),
                             new_code_cell("import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2]);"),
                             new_code_cell("x = 1")])
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    shown = [[o.output_type for o in c.outputs] for c in nb.cells]
    assert shown == [[], ["display_data"], []], shown


@pytest.mark.slow
def test_a_backend_chosen_before_importing_the_course_is_kept():
    """A backend chosen before `import d2l_extras` (as %matplotlib widget does) is left alone."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot\n"
                                           "import d2l_extras\nprint(matplotlib.get_backend())")])
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    assert "".join(o.get("text", "") for o in nb.cells[0].outputs).strip().lower() == "agg"


def test_point_labels_are_kept_apart_and_inside_the_axes():
    """08's scatter plots: VGG-11 and ResNet-18 sat almost on one spot, and their labels,
    each placed right above its point, were drawn over each other."""
    import matplotlib.pyplot as plt

    from d2l_extras.figures import label_points

    fig, (ax, _) = plt.subplots(1, 2, figsize=(10, 3.8))  # 08's figure, its parameters plot
    xs = [21_598_922, 17_927_498, 1_992_166, 5_977_530, 45_330, 11_186_186, 764_834]
    ys = [0.871, 0.885, 0.855, 0.859, 0.886, 0.883, 0.906]
    labels = ["AlexNet", "VGG-11 (tỷ lệ 4)", "NiN", "GoogLeNet", "LeNet + BN", "ResNet-18", "DenseNet"]
    ax.scatter(xs, ys)
    ax.set_xscale("log")
    ax.margins(x=0.25, y=0.12)
    fig.tight_layout()
    notes = label_points(ax, xs, ys, labels)
    renderer = fig.canvas.get_renderer()
    boxes = [n.get_window_extent(renderer) for n in notes]
    assert [n.get_text() for n in notes] == labels
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    inside = ax.get_window_extent(renderer)
    assert all(inside.x0 <= b.x0 and b.x1 <= inside.x1 and inside.y0 <= b.y0 and b.y1 <= inside.y1 for b in boxes)
    # the same labels each right above its point (the plots before) do overlap here
    plain = [ax.annotate(t, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8).get_window_extent(renderer)
             for x, y, t in zip(xs, ys, labels)]
    assert plain[1].overlaps(plain[5])  # VGG-11 and ResNet-18
    plt.close(fig)


def test_a_vietnamese_plot_writes_its_tick_labels_with_a_decimal_comma():
    import matplotlib.pyplot as plt

    def render(lang):
        fig, (ax1, ax2) = plt.subplots(1, 2)
        ax1.plot([0, 60000], [0.85, 0.9])
        figures.set_axes(ax2, lang, xscale="log")
        ax2.plot([1e4, 1e6], [0.5, 1.5])
        return fig

    figs = figures.per_language(render, langs=("vi", "en"))
    labels = {}
    for lang, fig in figs.items():
        fig.canvas.draw()
        ax1 = fig.axes[0]
        labels[lang] = ([t.get_text() for t in ax1.get_xticklabels()], [t.get_text() for t in ax1.get_yticklabels()])
    assert "0,86" in labels["vi"][1] and "0.86" in labels["en"][1]
    assert "60000" in labels["vi"][0] and "60000" in labels["en"][0]  # matplotlib's own: no separators
    log_labels = [t.get_text() for t in figs["vi"].axes[1].get_xticklabels()]
    assert any("10^{4}" in t for t in log_labels), log_labels
    figures.vietnamese_ticks(figs["vi"])  # twice: the labels are converted once
    figs["vi"].canvas.draw()
    assert "0,86" in [t.get_text() for t in figs["vi"].axes[0].get_yticklabels()]
