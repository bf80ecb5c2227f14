"""Figures in the reader's language: each draw function writes Vietnamese or English words (code
names such as 'Conv 5×5' stay), and a notebook shows one PNG per output language, marked with it."""
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402
from mxnet import npx  # noqa: E402
from mxnet.gluon import nn  # noqa: E402

from d2l_extras import data, figures  # noqa: E402

npx.set_np()

ROOT = Path(__file__).resolve().parents[1]
# English prose the figure code writes; none of it may appear in a Vietnamese figure.
ENGLISH = {"Input", "Nested", "Non", "nested", "function", "classes", "Concatenate", "channels", "Add",
           "empty", "path", "residual", "shortcut", "with", "normalization"}  # "batch" is Vietnamese too


def _texts(fig):
    """Every text a reader sees in a figure: texts, titles and axis labels of all its axes."""
    out = []
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts]
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
    return [t for t in out if t]


def _english_words(texts):
    return sorted({w for t in texts for w in re.findall(r"[A-Za-z]+", t)} & ENGLISH)


def _net():
    net = nn.Sequential()
    net.add(nn.Conv2D(6, kernel_size=5, padding=2), nn.MaxPool2D(2, 2), nn.Dense(10))
    net.initialize()
    return net


def _block():
    blk = nn.Sequential()
    blk.add(nn.Conv2D(4, 3, padding=1, activation="relu"), nn.Conv2D(4, 3, padding=1, activation="relu"),
            nn.MaxPool2D(2, 2))
    net = nn.Sequential()
    net.add(blk, nn.Dense(10))
    net.initialize()
    return net


def _draws():
    """(name, draw(lang), Vietnamese words, English words) for every draw function."""
    net, blocks = _net(), _block()
    title = ("LeNet với chuẩn hóa theo batch", "LeNet with batch normalization")
    paths = [(("nhánh 1", "path 1"), [nn.Conv2D(4, 1)]), (("nhánh 2", "path 2"), [nn.Conv2D(2, 3, padding=1)])]
    residual = [(("phần dư g(x)", "residual g(x)"), [nn.Conv2D(3, 3, padding=1)]), (("kết nối tắt x", "shortcut x"), [])]
    return [
        ("draw_columns", lambda lang: figures.draw_columns([(title, net, (1, 1, 28, 28)), ("b", net, None)], lang=lang),
         ["Đầu vào 1×28×28", "Đầu vào", "LeNet với chuẩn hóa theo batch", "Conv 5×5, 6, pad 2", "b"],
         ["Input 1×28×28", "Input", "LeNet with batch normalization", "Conv 5×5, 6, pad 2", "b"]),
        ("draw_chain", lambda lang: figures.draw_chain(net, (1, 1, 28, 28), title=title, lang=lang),
         ["Đầu vào 1×28×28", "LeNet với chuẩn hóa theo batch", "6×14×14"],
         ["Input 1×28×28", "LeNet with batch normalization", "6×14×14"]),
        ("draw_blocks", lambda lang: figures.draw_blocks([("vgg_block(2, 4)", blocks, (1, 1, 8, 8))], lang=lang),
         ["Đầu vào 1×8×8", "vgg_block(2, 4)", "2× Conv 3×3, 4, pad 1, relu → MaxPool 2×2, /2"],
         ["Input 1×8×8", "vgg_block(2, 4)", "2× Conv 3×3, 4, pad 1, relu → MaxPool 2×2, /2"]),
        ("draw_branches concat", lambda lang: figures.draw_branches(paths, (1, 3, 8, 8), title="Inception(…)", lang=lang),
         ["Đầu vào 3×8×8", "nhánh 1: 4×8×8", "nhánh 2: 2×8×8", "Nối (theo kênh) 6×8×8", "Inception(…)"],
         ["Input 3×8×8", "path 1: 4×8×8", "path 2: 2×8×8", "Concatenate (channels) 6×8×8", "Inception(…)"]),
        ("draw_branches add", lambda lang: figures.draw_branches(residual, (1, 3, 8, 8), merge="add",
                                                                 after=[nn.Activation("relu")], lang=lang),
         ["Đầu vào 3×8×8", "phần dư g(x): 3×8×8", "kết nối tắt x: 3×8×8", "Cộng (+) 3×8×8", "relu"],
         ["Input 3×8×8", "residual g(x): 3×8×8", "shortcut x: 3×8×8", "Add (+) 3×8×8", "relu"]),
        ("draw_function_classes", lambda lang: figures.draw_function_classes(nested=(False, True), lang=lang),
         ["Các lớp hàm không lồng nhau", "Các lớp hàm lồng nhau", "$f^*$"],
         ["Non-nested function classes", "Nested function classes", "$f^*$"]),
    ]


@pytest.mark.parametrize("case", range(len(_draws())), ids=[d[0] for d in _draws()])
def test_each_figure_writes_its_language(case):
    name, draw, vi, en = _draws()[case]
    vi_texts, en_texts = _texts(draw("vi")), _texts(draw("en"))
    missing = [w for w in vi if w not in vi_texts]
    assert not missing, f"{name}: the Vietnamese figure lacks {missing}: {vi_texts}"
    assert not _english_words(vi_texts), f"{name}: English in the Vietnamese figure: {vi_texts}"
    missing = [w for w in en if w not in en_texts]
    assert not missing, f"{name}: the English figure lacks {missing}: {en_texts}"
    assert not re.search(r"[ạ-ỹđàáảãèéẻẽìíỉĩòóỏõùúủũỳýỷỹâêôơư]", " ".join(en_texts)), \
        f"{name}: Vietnamese in the English figure: {en_texts}"


def test_function_classes_into_an_axes_and_errors():
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    figures.draw_function_classes(False, ax=left, lang="vi")
    figures.draw_function_classes(True, ax=right)  # into an Axes: one language, English by default
    assert [a.get_title() for a in fig.axes] == ["Các lớp hàm không lồng nhau", "Nested function classes"]
    plt.close(fig)
    with pytest.raises(ValueError, match="lang must be"):
        figures.draw_chain(_net(), (1, 1, 28, 28), lang="fr")
    with pytest.raises(ValueError, match="pair"):
        figures.pick(("một", "two", "three"), "vi")


def test_pick_and_set_axes():
    import matplotlib.pyplot as plt

    assert figures.pick(("đầu vào", "input"), "vi") == "đầu vào"
    assert figures.pick(("đầu vào", "input"), "en") == "input"
    assert figures.pick("Residual(3)", "vi") == "Residual(3)"
    fig, ax = plt.subplots()
    figures.set_axes(ax, "vi", xscale="log", xlabel=("số tham số", "parameters"), title="ResNet-18")
    assert (ax.get_xscale(), ax.get_xlabel(), ax.get_title()) == ("log", "số tham số", "ResNet-18")
    plt.close(fig)


def test_without_lang_a_figure_per_output_language(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.delenv("D2L_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    before = set(plt.get_fignums())
    figs = figures.draw_columns([("LeNet", _net(), (1, 1, 28, 28))])
    assert isinstance(figs, figures.Figures) and list(figs) == ["vi", "en"]
    assert "Đầu vào 1×28×28" in _texts(figs["vi"]) and "Input 1×28×28" in _texts(figs["en"])
    figs = figures.per_language(lambda lang: plt.subplots()[1].set_title(figures.pick(("tựa", "title"), lang)))
    assert [f.axes[0].get_title() for f in figs.values()] == ["tựa", "title"]
    assert set(plt.get_fignums()) == before, "a figure left open would show again under the cell"
    monkeypatch.setenv("D2L_LANG", "en")
    assert list(figures.draw_function_classes(nested=True)) == ["en"]


def test_fashion_mnist_labels_in_both_languages():
    assert data.get_fashion_mnist_labels([0, 1, 9]) == ["t-shirt", "trouser", "ankle boot"]
    assert data.get_fashion_mnist_labels([0, 1, 9], "vi") == ["áo phông", "quần dài", "bốt cổ ngắn"]
    assert len(data.TEXT_LABELS_VI) == len(set(data.TEXT_LABELS_VI)) == len(data.TEXT_LABELS) == 10
    with pytest.raises(ValueError):
        data.get_fashion_mnist_labels([0], "fr")


# Run in a fresh process: an IPython shell with the inline backend, as in a notebook, cell by cell.
SHELL = textwrap.dedent("""
    import json, sys
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    class Shell(InteractiveShell):
        def enable_gui(self, gui=None):  # the inline backend needs no event loop
            pass

    shell = Shell.instance()
    shell.run_line_magic("matplotlib", "inline")
    results = []
    for cell in json.loads(sys.argv[1]):
        with capture_output() as cap:
            r = shell.run_cell(cell, store_history=True)  # as a kernel does: a final ";" is seen
        r.raise_error()
        results.append([{"data": sorted(o.data), "metadata": o.metadata} for o in cap.outputs])
    print(json.dumps(results))
""")


def test_a_notebook_shows_each_figure_once_per_language(tmp_path):
    cells = [
        "import d2l_extras\nfrom mxnet import npx\nfrom mxnet.gluon import nn\nimport matplotlib.pyplot as plt\n"
        "npx.set_np()\n"
        "from d2l_extras.figures import draw_columns, draw_function_classes, per_language, set_axes\n"
        "net = nn.Sequential()\nnet.add(nn.Conv2D(6, kernel_size=5, padding=2), nn.Dense(10))\nnet.initialize()",
        "draw_columns([('LeNet', net, (1, 1, 28, 28))])",
        "draw_function_classes(nested=(False, True))",
        "def plot(lang):\n    fig, ax = plt.subplots()\n    ax.plot([1, 2])\n"
        "    set_axes(ax, lang, xlabel=('số tham số', 'parameters'))\n    return fig\n\nper_language(plot)",
        "draw_columns([('LeNet', net, (1, 1, 28, 28))]);",
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "D2L_LANG", "JPY_SESSION_NAME")}
    env["IPYTHONDIR"] = str(tmp_path)  # the shell's history stays out of the home folder
    run = subprocess.run([sys.executable, "-c", SHELL, json.dumps(cells)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    assert results[0] == []
    for i in (1, 2, 3):
        assert [o["metadata"] for o in results[i]] == [{"lang": "vi"}, {"lang": "en"}], (cells[i], results[i])
        assert all("image/png" in o["data"] for o in results[i]), results[i]
    assert results[4] == [], "a ';' hides the figures, and no copy comes from the inline backend"


def test_an_empty_block_is_described_in_each_language():
    from mxnet.gluon import nn

    assert figures.describe_block(nn.Sequential(), "en") == "(empty)"
    assert figures.describe_block(nn.Sequential(), "vi") == "(rỗng)"
