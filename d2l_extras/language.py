"""The languages of what the course shows: labels, tables and sentences in Vietnamese and English.

A notebook of the course is bilingual: every output the course writes (a plot, a settings
table, a comparison with the book, a training summary) is shown once per language, each
output marked ``{"lang": "vi"}`` or ``{"lang": "en"}`` in its metadata. Each language's slide
deck and live-presentation notebook keeps its own outputs (slides/build.py, slides/present.py).

The languages a kernel writes: ``D2L_LANG`` (``vi``, ``en`` or ``vi,en``) if set, else the
``d2l_lang`` metadata of the notebook the kernel runs (JupyterLab tells the kernel its notebook's
path in ``JPY_SESSION_NAME``; the one-language notebooks of slides/present.py and
scripts/student.py carry it), else both.
"""
import functools
import hashlib
import json
import numbers
import os
import string

__all__ = ["LANGS", "check_lang", "ENV_VAR", "PlainText", "output_languages", "text", "number", "fill", "error", "say",
           "table", "frame", "show", "update", "keep_language", "pick", "ShownPerLanguage"]

LANGS = ("vi", "en")
ENV_VAR = "D2L_LANG"

# English label -> Vietnamese, in the terms of docs/glossary.md ("mẫu" for a data example,
# "epoch" and "batch" kept as the Vietnamese D2L keeps them).
VI = {
    "train loss": "mất mát huấn luyện",
    "train acc": "độ chính xác huấn luyện",
    "test acc": "độ chính xác kiểm tra",
    "epoch": "epoch",
    "examples/sec on": "mẫu mỗi giây trên",
    "examples/s": "mẫu mỗi giây",
    "loss": "mất mát",
    "profile": "cấu hình",
    "section": "mục",
    "lr": "tốc độ học",
    "lr schedule": "định thời tốc độ học",
    "momentum": "động lượng",
    "init": "khởi tạo",
    "epochs": "số epoch",
    "batch": "batch",
    "resize": "kích thước ảnh",
    "train images": "ảnh huấn luyện",
    "test images": "ảnh kiểm tra",
    "constant": "không đổi",
    "cosine": "cosin",
    "warmup-cosine": "khởi động + cosin",
    "book (full)": "sách (full)",
    "this run": "lần chạy này",
    "book": "sách",
    "book (V100)": "sách (V100)",
    "input": "đầu vào",
    "epochs × images": "số epoch × số ảnh",
    "train_loss": "mất mát huấn luyện",
    "train_acc": "độ chính xác huấn luyện",
    "test_acc": "độ chính xác kiểm tra",
    "This run uses the book's settings.": "Lần chạy này dùng thiết lập của sách.",
    "Layer": "Tầng",
    "Output shape": "Kích thước đầu ra",
    "Parameters": "Tham số",
    # words the figures write (figures.py)
    "Input": "Đầu vào",
    "Concatenate (channels)": "Nối (theo kênh)",
    "Add (+)": "Cộng (+)",
    "Nested function classes": "Các lớp hàm lồng nhau",
    "Non-nested function classes": "Các lớp hàm không lồng nhau",
    "(empty)": "(rỗng)",
    "Input shape:": "Kích thước đầu vào:",
    "Total parameters:": "Tổng số tham số:",
    "trainable:": "huấn luyện được:",
    "Multiply-accumulates per example:": "Số phép nhân-cộng mỗi mẫu:",
    "parameters": "tham số",
    "multiply-adds": "phép nhân-cộng",
    "ratio": "tỷ lệ",
    "network": "mạng",
    "MACs (M)": "phép nhân-cộng (triệu)",
    "train time (s)": "thời gian huấn luyện (giây)",
    "s per 10k images": "giây mỗi 10.000 ảnh",
    "source": "nguồn",
    "section notebook": "notebook của phần",
    "trained here": "huấn luyện tại đây",
    "The book publishes no results for this network: only its settings are shown.":
        "Sách không công bố kết quả cho mạng này: chỉ có thiết lập của sách.",
}


@functools.lru_cache(maxsize=8)
def _notebook_language(path):
    """The ``d2l_lang`` metadata of the notebook at ``path``, or None."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f).get("metadata", {}).get("d2l_lang")
    except (OSError, ValueError, AttributeError):
        return None


def output_languages():
    """The languages this kernel writes outputs in: ``D2L_LANG``, else its notebook's
    ``d2l_lang`` metadata, else both."""
    value = os.environ.get(ENV_VAR, "").strip().lower()
    session = os.environ.get("JPY_SESSION_NAME", "")
    if not value and session.endswith(".ipynb"):
        value = _notebook_language(session) or ""
    if value in ("", "both", "all"):
        return LANGS
    langs = tuple(v.strip() for v in value.replace(";", ",").split(",") if v.strip())
    unknown = [v for v in langs if v not in LANGS]
    if unknown or not langs:
        raise ValueError(f"{ENV_VAR}={value!r}: choose vi, en or vi,en (unset: both)")
    return langs


def text(english, lang):
    """``english`` in ``lang`` (the English text itself for 'en' or a text without translation)."""
    return VI.get(english, english) if lang == "vi" else english


def number(value, spec, lang):
    """``format(value, spec)`` as ``lang`` writes numbers: 3,609.4 in English, 3.609,4 in Vietnamese."""
    out = format(value, spec)
    return out.translate(str.maketrans(",.", ".,")) if lang == "vi" else out


def _is_bool(value):
    return isinstance(value, bool) or type(value).__name__ in ("bool_", "bool")  # NumPy's too


class _Formatter(string.Formatter):
    """str.format with numbers written as ``lang`` writes them (see :func:`number`), truth values
    as words, and a sequence of numbers given a format spec as those numbers one by one."""

    def __init__(self, lang):
        super().__init__()
        self.lang = lang

    def format_field(self, value, spec):
        if _is_bool(value):
            return format(("đúng" if value else "sai") if self.lang == "vi" else str(bool(value)), spec)
        if isinstance(value, numbers.Number):
            return number(value, spec, self.lang)
        if spec and not isinstance(value, str) and hasattr(value, "tolist"):  # an array of 0 or 1 dimension
            value = value.tolist()
            if isinstance(value, numbers.Number) and not _is_bool(value):
                return number(value, spec, self.lang)
        if spec and isinstance(value, (list, tuple)) and value and all(
                isinstance(v, numbers.Number) and not _is_bool(v) for v in value):
            return ("; " if self.lang == "vi" else ", ").join(number(v, spec, self.lang) for v in value)
        if callable(getattr(value, "describe", None)):  # History, LayerSummary: their own words
            return format(value.describe(self.lang), spec)
        return format(value, spec)


def fill(vi, en, /, **values):
    """``{lang: text}``: the templates ``vi`` and ``en`` filled from ``values`` (``str.format``),
    numbers written in each language's way."""
    return {lang: _Formatter(lang).format(vi if lang == "vi" else en, **values) for lang in LANGS}


def error(cls, vi, en, /, **values):
    """An exception of class ``cls`` that says what went wrong in the reader's language.

    Its message is the filled template of each output language, one per line (a bilingual
    notebook's traceback shows both); ``err.texts`` keeps ``{lang: text}`` so that
    ``dx.say(err)`` shows each language's sentence as that language's output.
    ``raise error(ValueError, 'cần {n} ảnh', 'needs {n} images', n=8)``"""
    texts = fill(vi, en, **values)
    err = cls("\n".join(texts[lang] for lang in output_languages()))
    err.texts = texts
    return err


def say(vi, en=None, /, **values):
    """Show a sentence once per output language, like ``print``: ``vi`` and ``en`` are
    ``str.format`` templates filled from ``values``, numbers written in each language's way
    (``True`` is "đúng" in Vietnamese; a list or 1-D array with a format spec, ``{losses:.3f}``,
    lists its numbers: "1,101; 0,452" and "1.101, 0.452").
    Given an exception alone, show its message (each language's, for one made by :func:`error`).

    ``dx.say('ảnh nhỏ nhất: {n}×{n}', 'smallest input: {n}×{n}', n=67)``; ``dx.say(err)``"""
    if isinstance(vi, BaseException) and en is None and not values:
        texts = getattr(vi, "texts", None) or {lang: str(vi) for lang in LANGS}
    elif en is None:
        raise TypeError("say() needs a Vietnamese and an English template, or one exception")
    else:
        texts = fill(vi, en, **values)
    show(lambda lang: PlainText(texts[lang]))


def check_lang(lang):
    """``lang`` itself when it is one of LANGS ('vi', 'en'); a ValueError that says so otherwise."""
    if lang not in LANGS:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    return lang


def pick(label, lang):
    """``label`` in ``lang``: a pair ``(Vietnamese, English)`` gives one of the two, a string
    (a code name such as ``'Residual(3)'``) is the same in both languages."""
    if isinstance(label, (tuple, list)):
        if len(label) != 2 or not all(isinstance(t, str) for t in label):
            raise ValueError(f"a text in two languages is a pair (Vietnamese, English), got {label!r}")
        return label[0] if check_lang(lang) == "vi" else label[1]
    return label


def _label(label, lang):
    """A label given as a (Vietnamese, English) pair, or an English label of ``VI``."""
    return pick(label, lang) if isinstance(label, tuple) else text(label, lang)


class ShownPerLanguage:
    """Mixin: a notebook shows the object once per output language, as ``render(lang)``
    (by default its ``describe(lang)`` as plain text)."""

    def render(self, lang):
        return PlainText(self.describe(lang))

    def _ipython_display_(self):
        show(self.render)


def _cell(value, lang):
    if isinstance(value, bool):
        return ("đúng" if value else "sai") if lang == "vi" else str(value)
    if value is None or not isinstance(value, numbers.Number):
        return "—" if value is None else _label(value, lang)
    if isinstance(value, numbers.Integral) or abs(value) >= 1000:
        return number(value, ",.0f", lang)
    return number(value, ".3g", lang)


def table(rows, columns, corner=""):
    """Show a small text table once per output language, like aligned ``print`` lines.

    ``rows`` maps a row label to its values; labels, ``columns`` and ``corner`` are English
    labels of ``VI`` or (Vietnamese, English) pairs. Integers (and numbers from 1,000) get
    thousands separators, other numbers three significant digits, each in its language's way.
    ``dx.table({'AlexNet': (46764746, 938146176)}, ('parameters', 'multiply-adds'))``"""
    def render(lang):
        head = [_label(corner, lang)] + [_label(c, lang) for c in columns]
        body = [[_label(label, lang)] + [_cell(v, lang) for v in values] for label, values in rows.items()]
        widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
        return PlainText("\n".join(
            "  ".join([r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]).rstrip()
            for r in [head] + body))
    show(render)


def frame(df, formats=None, labels=None):
    """Show a pandas DataFrame once per output language, as a styled HTML table.

    Column names, index labels and text cells go through :func:`text` (``labels`` adds
    English -> Vietnamese pairs of its own, e.g. the section titles); ``formats`` maps a
    column to a format spec (``','``, ``'.3f'``), applied in each language's way."""
    extra = dict(labels or {})

    def word(value, lang):
        if not isinstance(value, str) or lang != "vi":
            return value
        return extra.get(value) or text(value, lang)

    def render(lang):
        shown = df.rename(columns=lambda c: word(c, lang), index=lambda i: word(i, lang))
        shown.index.name = word(df.index.name, lang)
        shown = shown.apply(lambda col: col.map(lambda v: word(v, lang)) if col.dtype == object else col)
        specs = {word(c, lang): (lambda v, spec=spec: number(v, spec, lang)) for c, spec in (formats or {}).items()}
        # The table's HTML ids from its content, not pandas' random ones: a notebook run
        # again with the same results is the same file (no diff of every id in a commit).
        uuid = hashlib.sha256((lang + shown.to_json()).encode()).hexdigest()[:10]
        return shown.style.format(specs).set_uuid(uuid)

    show(render)


class PlainText:
    """A text displayed as it is (text/plain, no quotes), like print's output."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def show(render, display_id=False):
    """Display ``render(lang)`` once per output language, each output marked with its language.

    Returns ``{lang: DisplayHandle}`` when ``display_id`` is true (for :func:`update`)."""
    from IPython.display import display

    handles = {}
    for lang in output_languages():
        handle = display(render(lang), metadata={"lang": lang}, display_id=display_id or None)
        if display_id:
            handles[lang] = handle
    return handles


def update(handles, render):
    """Redraw outputs made by ``show(..., display_id=True)`` in their languages."""
    for lang, handle in handles.items():
        handle.update(render(lang), metadata={"lang": lang})


def keep_language(nb, lang):
    """Drop from a notebook (dict or NotebookNode) the outputs marked with another language."""
    for cell in nb["cells"]:
        if "outputs" in cell:
            cell["outputs"] = [o for o in cell["outputs"] if o.get("metadata", {}).get("lang", lang) == lang]
    return nb
