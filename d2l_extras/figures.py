"""Architecture figures drawn from the networks themselves, so figure and code cannot disagree.

Every label is read off a layer object (kernel size, stride, channels, units, rate) and
every shape comes from running an example through it.

Languages. Every ``draw_*`` function takes ``lang``: ``'vi'`` or ``'en'`` returns one matplotlib
Figure with its words in that language (what tests read); ``None`` (the default) returns
:class:`Figures`, one Figure per output language, which a notebook shows as one PNG per language
(output metadata ``{"lang": ...}``) when it is a cell's last value, like a Figure; ``display(figs)``
shows it from anywhere in a cell. A title or path name that is prose is a pair ``(Vietnamese,
English)``; a plain string (a code name such as ``'vgg_block(2, 256)'``) is the same in both.
Other figures are drawn per language with :func:`per_language` (and :func:`set_axes` for their
labels); layer descriptions ('Conv 11×11, 96, /4') are code and stay as they are.
"""
import io

import matplotlib.pyplot as plt
from matplotlib import ticker
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from mxnet import np
from mxnet.gluon import nn

from .language import check_lang, pick, text
from .summary import ensure_initialized


__all__ = ["Figures", "pick", "per_language", "set_axes", "vietnamese_ticks", "label_points", "describe_layer", "describe_block",
           "layer_shapes", "draw_chain", "draw_columns", "draw_blocks", "draw_branches", "draw_function_classes"]


def set_axes(ax, lang, **props):
    """``ax.set(**props)``, each pair ``(Vietnamese, English)`` among the values taken in ``lang``.

    ``set_axes(ax, lang, xscale='log', xlabel=('số tham số', 'parameters'))``"""
    return ax.set(**{key: pick(value, lang) for key, value in props.items()})


def _vi_number(label):
    label = label.translate(str.maketrans(",.", ".,"))
    return label.replace(",", "{,}") if "$" in label else label  # mathtext: a comma without a space after it


class _VietnameseTicks(ticker.Formatter):
    """Another tick formatter's labels, written with a decimal comma and a thousands dot."""

    def __init__(self, inner):
        self.inner = inner

    def set_axis(self, axis):
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def set_locs(self, locs):
        self.inner.set_locs(locs)

    def __call__(self, x, pos=None):
        return _vi_number(self.inner(x, pos))

    def format_ticks(self, values):
        return [_vi_number(label) for label in self.inner.format_ticks(values)]

    def get_offset(self):
        return _vi_number(self.inner.get_offset())

    def format_data_short(self, value):
        return _vi_number(self.inner.format_data_short(value))


def vietnamese_ticks(fig):
    """Write the numbers of every axis of ``fig`` as Vietnamese does (0,9 and 60.000); returns ``fig``.

    Call it once the axes' scales are set (a new scale brings its own tick labels)."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not isinstance(axis.get_major_formatter(), _VietnameseTicks):
                axis.set_major_formatter(_VietnameseTicks(axis.get_major_formatter()))
            if not isinstance(axis.get_minor_formatter(), _VietnameseTicks):
                axis.set_minor_formatter(_VietnameseTicks(axis.get_minor_formatter()))
    return fig


# Where a point's label may go, in order: right above, right below, left above, left below.
_LABEL_PLACES = (((4, 4), "left", "bottom"), ((4, -4), "left", "top"),
                 ((-4, 4), "right", "bottom"), ((-4, -4), "right", "top"))


def label_points(ax, xs, ys, labels, fontsize=8):
    """Label scatter points so that no two labels overlap: each goes to the first place around
    its point (right above, right below, left above, left below) that overlaps no label placed
    before it and stays inside the axes; failing all, right above. Call it after the figure's
    layout (``tight_layout``), which moves the axes. Returns the annotations."""
    renderer = ax.figure.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)

    def fits(box):
        return box.x0 >= inside.x0 and box.x1 <= inside.x1 and box.y0 >= inside.y0 and box.y1 <= inside.y1

    placed, annotations = [], []
    for x, y, label in zip(xs, ys, labels):
        # Try each place, then fall back to the first (as an unplaced label would be).
        for i, (offset, ha, va) in enumerate(_LABEL_PLACES + _LABEL_PLACES[:1]):
            note = ax.annotate(label, (x, y), textcoords="offset points", xytext=offset, ha=ha, va=va,
                               fontsize=fontsize)
            box = note.get_window_extent(renderer)
            if i == len(_LABEL_PLACES) or (fits(box) and not any(box.overlaps(other) for other in placed)):
                break
            note.remove()
        placed.append(box)
        annotations.append(note)
    return annotations


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", facecolor=fig.get_facecolor(), dpi=fig.dpi)
    return buf.getvalue()


class Figures(dict):
    """One matplotlib Figure per language, ``{lang: Figure}``.

    Shown in a notebook (a cell's last value, or ``display(figs)``), each Figure is one PNG
    output marked ``{"lang": lang}``, so each language's slides and notebooks keep their own."""

    def _ipython_display_(self):
        from IPython.display import Image, display

        for lang, fig in self.items():
            display(Image(data=_png(fig), format="png"), metadata={"lang": lang})


def _as_figure(drawn):
    """The Figure of what a drawing function returned: a Figure, an Axes, an array of Axes, or None."""
    if drawn is None:
        return plt.gcf()
    if hasattr(drawn, "savefig"):
        return drawn
    if hasattr(drawn, "figure"):
        return drawn.figure
    import numpy

    return numpy.ravel(drawn)[0].figure


def per_language(render, langs=None):
    """:class:`Figures` of ``render(lang)`` for each output language (``langs``: these instead).

    ``render`` draws a new figure in ``lang`` and returns it (or its Axes, as ``d2l.show_images``
    does); the Vietnamese figure's tick labels are written as Vietnamese writes numbers (0,9); each
    figure is closed so that the inline backend does not show it a second time.
    ``per_language(lambda lang: d2l.show_images(X, 1, 8, titles=labels(y, lang)))``"""
    from .language import output_languages

    figs = Figures()
    for lang in langs or output_languages():
        fig = _as_figure(render(check_lang(lang)))
        if lang == "vi":
            vietnamese_ticks(fig)
        plt.close(fig)
        figs[lang] = fig
    return figs


# Box colours by kind of layer, as in the book's figures.
COLOURS = {"conv": "#cfe2f3", "pool": "#d9ead3", "dense": "#fce5cd", "norm": "#ead1dc",
           "act": "#fff2cc", "drop": "#eeeeee", "block": "#d0e0e3", "other": "#ffffff"}


def _pair(v):
    v = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    return v[:2] if len(v) >= 2 else (v[0], v[0])


def _kw(layer, key):
    return getattr(layer, "_kwargs", {}).get(key)


def describe_layer(layer, lang="en"):
    """A short label such as 'Conv 11×11, 96, /4' or 'Dense 4096, relu' read off the layer
    (code, the same in every ``lang``)."""
    name = type(layer).__name__
    if isinstance(layer, nn.Conv2D):
        k, s, p = _pair(_kw(layer, "kernel")), _pair(_kw(layer, "stride")), _pair(_kw(layer, "pad"))
        text = f"Conv {k[0]}×{k[1]}, {layer._channels}"
        text += f", /{s[0]}" if s[0] > 1 else ""
        text += f", pad {p[0]}" if p[0] else ""
        return text + _act_suffix(layer)
    if isinstance(layer, (nn.MaxPool2D, nn.AvgPool2D)):
        kind = "MaxPool" if isinstance(layer, nn.MaxPool2D) else "AvgPool"
        k, s = _pair(_kw(layer, "kernel")), _pair(_kw(layer, "stride"))
        p = _pair(_kw(layer, "pad") or 0)
        return f"{kind} {k[0]}×{k[1]}" + (f", /{s[0]}" if s[0] > 1 else "") + (f", pad {p[0]}" if p[0] else "")
    if isinstance(layer, (nn.GlobalAvgPool2D, nn.GlobalMaxPool2D)):
        return "Global" + ("Avg" if isinstance(layer, nn.GlobalAvgPool2D) else "Max") + "Pool"
    if isinstance(layer, nn.Dense):
        return f"Dense {layer._units}" + _act_suffix(layer)
    if isinstance(layer, nn.Dropout):
        return f"Dropout {layer._rate:g}"
    if isinstance(layer, nn.Activation):
        return getattr(layer, "_act_type", "Activation")
    return name


def _act_suffix(layer):
    act = getattr(layer, "act", None)
    return f", {act._act_type}" if act is not None else ""


def _kind(layer):
    if isinstance(layer, nn.Conv2D):
        return "conv"
    if isinstance(layer, (nn.MaxPool2D, nn.AvgPool2D, nn.GlobalAvgPool2D, nn.GlobalMaxPool2D)):
        return "pool"
    if isinstance(layer, nn.Dense):
        return "dense"
    if "Norm" in type(layer).__name__:
        return "norm"
    if isinstance(layer, nn.Activation):
        return "act"
    if isinstance(layer, nn.Dropout):
        return "drop"
    return "block" if layer._children else "other"


def layer_shapes(layers, input_shape):
    """Output shape (without the batch axis) after each layer, for one example."""
    X = np.zeros(tuple(input_shape))
    shapes = []
    for layer in layers:
        X = layer(X)
        shapes.append(tuple(X.shape[1:]))
    return shapes


def _layers(net):
    return list(net) if isinstance(net, (nn.Sequential, nn.HybridSequential)) else [net]


def _fmt_shape(shape):
    return "×".join(str(s) for s in shape)


def _box(ax, x, y, w, h, text, kind, fontsize=8):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=COLOURS[kind], edgecolor="#444444", linewidth=0.8))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=8, linewidth=0.8, color="#444444"))


def _chain(ax, x, layers, shapes, input_label, labels=None, width=2.6):
    """Draw one column bottom-up; returns its height in rows."""
    rows = [input_label] + [labels[i] if labels else describe_layer(l) for i, l in enumerate(layers)]
    kinds = ["other"] + [_kind(l) for l in layers]
    for i, (text, kind) in enumerate(zip(rows, kinds)):
        _box(ax, x, i, width, 0.62, text, kind)
        if i:
            _arrow(ax, (x, i - 1 + 0.31), (x, i - 0.31))
        if i and shapes:
            ax.text(x + width / 2 + 0.08, i, _fmt_shape(shapes[i - 1]), ha="left", va="center",
                    fontsize=6.5, color="#666666")
    return len(rows)


def draw_columns(columns, figsize=None, width=2.6, describe=describe_layer, lang=None):
    """Several networks side by side, each drawn bottom-up from its layers.

    Parameters
    ----------
    columns : list of (title, net, input_shape)
        ``title``: a string, or a pair (Vietnamese, English) when it is prose. ``input_shape``
        includes the batch axis, e.g. (1, 1, 224, 224); None to omit shapes.
    describe : callable
        ``describe(layer, lang=...)``: label of a layer (``describe_layer``; ``describe_block``
        folds a block into one box).
    lang : {'vi', 'en', None}
        The language of the figure; None: :class:`Figures` in every output language.
    """
    if lang is None:
        return per_language(lambda lang: draw_columns(columns, figsize, width, describe, lang))
    check_lang(lang)
    heights = []
    for _, net, _ in columns:
        heights.append(len(_layers(net)) + 1)
    rows = max(heights)
    spacing = width + 1.6
    fig, ax = plt.subplots(figsize=figsize or (spacing * len(columns) * 0.95, rows * 0.42 + 0.6))
    for c, (title, net, input_shape) in enumerate(columns):
        layers = _layers(net)
        shapes = None
        if input_shape is not None:
            ensure_initialized(net)
            shapes = layer_shapes(layers, input_shape)
        label = text("Input", lang) + (" " + _fmt_shape(input_shape[1:]) if input_shape is not None else "")
        _chain(ax, c * spacing, layers, shapes, label, labels=[describe(l, lang=lang) for l in layers],
               width=width)
        ax.text(c * spacing, rows - 0.2, pick(title, lang), ha="center", va="bottom", fontsize=10,
                weight="bold")
    ax.set_xlim(-width / 2 - 0.2, (len(columns) - 1) * spacing + width / 2 + 1.3)
    ax.set_ylim(-0.6, rows + 0.4)
    ax.axis("off")
    fig.tight_layout()
    plt.close(fig)
    return fig


def draw_chain(net, input_shape=None, title=None, figsize=None, lang=None):
    """One network (or block) drawn bottom-up, each layer with its output shape.

    ``title``: a string or a pair (Vietnamese, English); ``lang`` as in :func:`draw_columns`."""
    return draw_columns([(title or type(net).__name__, net, input_shape)], figsize=figsize, lang=lang)


def draw_branches(paths, input_shape, merge="concat", title=None, after=None, figsize=None, width=2.2,
                  lang=None):
    """Parallel paths from one input, merged by concatenation or addition.

    Parameters
    ----------
    paths : list of (name, list of layers)
        An empty list of layers is an identity path (a shortcut connection). ``name``, like
        ``title``, is a string or a pair (Vietnamese, English).
    input_shape : tuple
        One example with its batch axis, e.g. (1, 192, 12, 12).
    merge : {'concat', 'add'}
        How the paths' outputs are combined (channel concatenation or elementwise sum).
    after : list of layers, optional
        Layers applied after the merge (e.g. ReLU of a residual block).
    lang : {'vi', 'en', None}
        The language of the figure; None: :class:`Figures` in every output language.
    """
    if merge not in ("concat", "add"):
        raise ValueError(f"merge must be 'concat' or 'add', got {merge!r}")
    if lang is None:
        return per_language(lambda lang: draw_branches(paths, input_shape, merge, title, after, figsize, width,
                                                       lang))
    check_lang(lang)
    x0 = np.zeros(tuple(input_shape))
    depth = max(len(layers) for _, layers in paths)
    spacing = width + 0.9
    n = len(paths)
    fig, ax = plt.subplots(figsize=figsize or (max(4.5, spacing * n + 1), (depth + 4) * 0.5 + 0.5))
    xs = [(i - (n - 1) / 2) * spacing for i in range(n)]
    _box(ax, 0, 0, width, 0.62, text("Input", lang) + " " + _fmt_shape(input_shape[1:]), "other")
    out_shapes = []
    for x, (name, layers) in zip(xs, paths):
        name = pick(name, lang)
        X = x0
        prev = (0, 0.31)
        for j, layer in enumerate(layers, start=1):
            ensure_initialized(layer)
            X = layer(X)
            _box(ax, x, j, width, 0.62, describe_layer(layer), _kind(layer))
            _arrow(ax, prev, (x, j - 0.31))
            prev = (x, j + 0.31)
        out_shapes.append(tuple(X.shape[1:]))
        label = f"{name}: {_fmt_shape(X.shape[1:])}" if name else _fmt_shape(X.shape[1:])
        if layers:
            ax.text(x, depth + 0.55, label, ha="center", va="center", fontsize=7, color="#444444")
            _arrow(ax, prev, (0, depth + 1.69))
        else:  # identity path: a line from the input around to the merge
            side = width / 2 if x >= 0 else -width / 2
            ax.plot([side, x, x], [0, 0, depth + 2], color="#444444", linewidth=0.8)
            _arrow(ax, (x, depth + 2), (side * 1.3, depth + 2))
            ax.text(x + 0.1, (depth + 2) / 2, label, ha="left", va="center", fontsize=7, color="#444444")
    merged = _merge_shape(out_shapes, merge)
    merge_text = text("Concatenate (channels)" if merge == "concat" else "Add (+)", lang) + " " + _fmt_shape(merged)
    _box(ax, 0, depth + 2, width * 1.3, 0.62, merge_text, "block")
    top = depth + 2
    X = np.zeros((1,) + merged)
    for layer in after or []:
        ensure_initialized(layer)
        X = layer(X)
        _arrow(ax, (0, top + 0.31), (0, top + 0.69))
        top += 1
        _box(ax, 0, top, width, 0.62, describe_layer(layer), _kind(layer))
        ax.text(width / 2 + 0.08, top, _fmt_shape(X.shape[1:]), ha="left", va="center", fontsize=6.5,
                color="#666666")
    if title:
        ax.text(0, top + 0.8, pick(title, lang), ha="center", va="bottom", fontsize=10, weight="bold")
    ax.set_xlim(min(xs) - width / 2 - 0.3, max(xs) + width / 2 + 0.3)
    ax.set_ylim(-0.6, top + 1.3)
    ax.axis("off")
    fig.tight_layout()
    plt.close(fig)
    return fig


def _merge_shape(shapes, merge):
    if merge == "add":
        if len(set(shapes)) != 1:
            raise ValueError(f"paths to be added have different shapes: {shapes}")
        return shapes[0]
    if len({s[1:] for s in shapes}) != 1:
        raise ValueError(f"paths to be concatenated differ in height/width: {shapes}")
    return (sum(s[0] for s in shapes),) + shapes[0][1:]


def describe_block(block, lang="en"):
    """A one-line label of a layer or of a composite block (a Sequential), repeats folded.

    For example ``vgg_block(2, 256)`` gives '2× Conv 3×3, 256, pad 1, relu → MaxPool 2×2, /2'.
    """
    if not isinstance(block, (nn.Sequential, nn.HybridSequential)):
        return describe_layer(block, lang)
    parts = []  # [label, repeats]
    for layer in block:
        label = describe_block(layer, lang)
        if isinstance(layer, (nn.Sequential, nn.HybridSequential)):
            label = f"({label})"
        if parts and parts[-1][0] == label:
            parts[-1][1] += 1
        else:
            parts.append([label, 1])
    return " → ".join(f"{n}× {t}" if n > 1 else t for t, n in parts) or text("(empty)", lang)


def draw_blocks(columns, figsize=None, width=4.6, lang=None):
    """Like ``draw_columns``, but each composite block is one box listing its layers."""
    return draw_columns(columns, figsize=figsize, width=width, describe=describe_block, lang=lang)


def draw_function_classes(nested, sizes=(0.8, 1.2, 1.6, 2.0), target=(1.7, 1.25), figsize=None, ax=None,
                          lang=None):
    """The book's picture of function classes F1, F2, ... (ellipses) and the truth f* (a star).

    Parameters
    ----------
    nested : bool or sequence of bool
        True: each class contains the previous one (F1 ⊆ F2 ⊆ ...), so the best function
        found in a larger class cannot be farther from f*. False: the classes grow but move
        away, so a larger class can end up farther from f*. A sequence, e.g. (False, True):
        one picture of each, side by side.
    sizes : sequence of float
        Half-widths of the classes, smallest first.
    target : (float, float)
        Where f* lies.
    ax : matplotlib Axes, optional
        Draw into this Axes instead of a new figure (one ``nested``; ``lang`` then defaults to 'en').
    lang : {'vi', 'en', None}
        The language of the titles; None: :class:`Figures` in every output language.
    """
    import math

    from matplotlib.patches import Ellipse

    if ax is not None:
        lang = lang or "en"
    if lang is None:
        return per_language(lambda lang: draw_function_classes(nested, sizes, target, figsize, None, lang))
    check_lang(lang)
    own = ax is None
    if own and isinstance(nested, (tuple, list)):
        fig, axes = plt.subplots(1, len(nested), figsize=figsize or (4.2 * len(nested), 3.4), squeeze=False)
        for one, a in zip(nested, axes[0]):
            draw_function_classes(one, sizes, target, ax=a, lang=lang)
        fig.tight_layout()
        plt.close(fig)
        return fig
    if isinstance(nested, (tuple, list)):
        raise ValueError("draw_function_classes: with ax, nested is one bool (a sequence needs a new figure)")
    if own:
        fig, ax = plt.subplots(figsize=figsize or (4.2, 3.2))
    else:
        fig = ax.figure
    colours = plt.get_cmap("Blues")
    tx, ty = target
    # centres of the non-nested classes: each larger, none holding the previous one
    drift = [(0.0, 0.0), (0.35, 1.25), (2.9, 0.0), (0.4, -2.2), (3.4, 2.6), (-2.6, 1.0)]
    for i, a in enumerate(sizes):
        if nested:  # grow from a common left edge towards f*
            cx, cy = a - sizes[0], 0.3 * (a - sizes[0])
        else:
            cx, cy = drift[i % len(drift)]
        b = 0.7 * a
        ax.add_patch(Ellipse((cx, cy), 2 * a, 2 * b, facecolor=colours(0.15 + 0.12 * i), alpha=0.55,
                             edgecolor="#1f4e79", linewidth=1))
        # the best function of the class: the point of the ellipse closest to f*
        dx, dy = tx - cx, ty - cy
        inside = (dx / a) ** 2 + (dy / b) ** 2 <= 1
        if inside:
            px, py = tx, ty
        else:
            best, px, py = None, cx, cy
            for k in range(360):
                t = 2 * math.pi * k / 360
                qx, qy = cx + a * math.cos(t), cy + b * math.sin(t)
                d = (qx - tx) ** 2 + (qy - ty) ** 2
                if best is None or d < best:
                    best, px, py = d, qx, qy
        ax.plot(px, py, "o", color="#1f4e79", markersize=3)
        lx, ly = (cx + 0.55 * a, cy - 0.55 * b) if nested else (cx, cy)
        ax.text(lx, ly, f"$\\mathcal{{F}}_{i + 1}$", ha="center", va="center", fontsize=10)
    ax.plot(tx, ty, marker="*", color="#c00000", markersize=14)
    ax.text(tx + 0.12, ty + 0.12, "$f^*$", color="#c00000", fontsize=11)
    ax.set_title(text("Nested function classes" if nested else "Non-nested function classes", lang), fontsize=10)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.axis("off")
    if own:
        fig.tight_layout()
        plt.close(fig)
    return fig


