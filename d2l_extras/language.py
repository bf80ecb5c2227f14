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
import json
import numbers
import os
import string

__all__ = ["LANGS", "ENV_VAR", "PlainText", "output_languages", "text", "number", "say", "say_run", "show",
           "update", "keep_language"]

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
    "lr": "tốc độ học",
    "lr schedule": "định thời tốc độ học",
    "init": "khởi tạo",
    "epochs": "số epoch",
    "batch": "batch",
    "resize": "kích thước ảnh",
    "train images": "ảnh huấn luyện",
    "test images": "ảnh kiểm tra",
    "constant": "không đổi",
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
    "Input shape:": "Kích thước đầu vào:",
    "Total parameters:": "Tổng số tham số:",
    "trainable:": "huấn luyện được:",
    "Multiply-accumulates per example:": "Số phép nhân-cộng mỗi mẫu:",
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


class _Formatter(string.Formatter):
    """str.format with numbers written as ``lang`` writes them (see :func:`number`)."""

    def __init__(self, lang):
        super().__init__()
        self.lang = lang

    def format_field(self, value, spec):
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            return number(value, spec, self.lang)
        return format(value, spec)


def say(vi, en, /, **values):
    """Show a sentence once per output language, like ``print``: ``vi`` and ``en`` are
    ``str.format`` templates filled from ``values``, numbers written in each language's way.

    ``dx.say('ảnh nhỏ nhất: {n}×{n}', 'smallest input: {n}×{n}', n=67)``"""
    show(lambda lang: PlainText(_Formatter(lang).format(vi if lang == "vi" else en, **values)))


def say_run(profile, devices):
    """The notebooks' first line: the run profile and the devices training uses."""
    from .device import describe_devices

    say("cấu hình {profile}, huấn luyện trên {devices}", "profile {profile}, training on {devices}",
        profile=profile, devices=describe_devices(devices))


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
