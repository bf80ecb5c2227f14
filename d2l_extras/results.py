"""Where a run writes what it produced: executed notebooks, per-section results, tables.

The build folder is ``D2L_BUILD_DIR``, else ``build/`` at the top of the repository, else,
when the course is installed as a package (Colab), the user's cache folder.
"""
import json
import os
import tempfile
from pathlib import Path

from .language import ShownPerLanguage

__all__ = ["build_dir", "save_result", "load_results", "atomic_write_text", "book_comparison"]

REPO_ROOT = Path(__file__).resolve().parent.parent


def _is_checkout(root):
    return (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir()


def build_dir():
    """The build folder (created on demand by writers, not here).

    ``D2L_BUILD_DIR`` if set; ``build/`` of the repository in a checkout; otherwise (the
    course installed with pip, as Colab's set-up cell does) ``d2l_extras`` in the user's cache
    folder (``XDG_CACHE_HOME``, by default ``~/.cache``), not a folder beside site-packages.
    """
    if os.environ.get("D2L_BUILD_DIR"):
        return Path(os.environ["D2L_BUILD_DIR"])
    if _is_checkout(REPO_ROOT):
        return REPO_ROOT / "build"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "d2l_extras"


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename,
    so that a reader (or a rerun after a kill) never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def save_result(run, history, summary=None, name=None):
    """Write one trained network's figures to ``build/results/<name or section>.json``, atomically.

    ``run``: the notebook's ``section_run(...)`` (its section, profile and settings).
    """
    folder = build_dir() / "results"
    folder.mkdir(parents=True, exist_ok=True)
    final, section = history.final, run.section
    result = {
        "section": section, "name": name or section, "profile": run.profile,
        "settings": dict(vars(run.settings)) if run.settings is not None else None,
        "parameters": summary.total if summary is not None else None,
        "macs": summary.macs if summary is not None else None,
        "test_acc": final["test_acc"], "train_acc": final["train_acc"], "train_loss": final["train_loss"],
        "examples_per_sec": history.examples_per_sec, "train_seconds": history.train_seconds,
        "epochs": len(history), "devices": history.devices,
    }
    path = folder / f"{name or section}.json"
    atomic_write_text(path, json.dumps(result, indent=1))
    return path


def load_results(folder=None):
    """``{name: result}`` of every result in ``folder`` (default: the build folder's results/)."""
    folder = Path(folder) if folder is not None else build_dir() / "results"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


class BookComparison(ShownPerLanguage):
    """The book's settings and published results beside this run's, as a small text table."""

    def __init__(self, section, history, settings, profile):
        from .sections import TRAIN_SIZE, section as get_section

        self.sec, self.history, self.settings, self.profile = get_section(section), history, settings, profile
        self._train_size = TRAIN_SIZE

    def rows(self, lang="en"):
        """(what, book, this run) text triples, in ``lang``."""
        from .language import number, text

        book, ours, s, h = self.sec.book_result, self.history.final, self.settings, self.history
        n = lambda v, spec: "—" if v is None else number(v, spec, lang)  # noqa: E731
        get = lambda key: getattr(book, key) if book else None  # noqa: E731
        size = lambda st: f"{st.resize}×{st.resize}"  # noqa: E731
        rows = [
            ("input", size(self.sec.book), size(s)),
            ("epochs × images", f"{self.sec.book.num_epochs} × {n(self._train_size, ',')}",
             f"{len(h)} × {n(getattr(s, 'subset', None) or self._train_size, ',')}"),
            ("train loss", n(get("train_loss"), ".3f"), n(ours["train_loss"], ".3f")),
            ("train acc", n(get("train_acc"), ".3f"), n(ours["train_acc"], ".3f")),
            ("test acc", n(get("test_acc"), ".3f"), n(ours["test_acc"], ".3f")),
            ("examples/s", n(get("examples_per_sec"), ",.0f"), n(h.examples_per_sec, ",.0f")),
        ]
        return [(text(what, lang), book_value, ours_value) for what, book_value, ours_value in rows]

    def describe(self, lang="en"):
        """The table as text, in ``lang``."""
        from .language import text

        book = text("book (V100)" if self.sec.book_result else "book", lang)
        head = ("", book, f"{text('this run', lang)} ({self.profile})")
        width = 24 if lang == "vi" else 16  # the Vietnamese row names are longer
        # room for the published notebooks' label, "published run (cpu)" (scripts/publish_outputs.py)
        last = 28 if lang == "vi" else 22
        lines = [f"{a:<{width}}{b:>16}{c:>{last}}" for a, b, c in [head, *self.rows(lang)]]
        if self.sec.book_result is None:
            lines.append(text("The book publishes no results for this network: only its settings are shown.", lang))
        lines.append(f"{text('this run', lang)}: {self.history.devices}")
        return "\n".join(lines)

    def __repr__(self):
        return self.describe("en")


def book_comparison(run, history):
    """The book's settings and published results (``sections.SECTIONS``) beside this run's
    (``run``: the notebook's ``section_run(...)``)."""
    return BookComparison(run.section, history, run.settings, run.profile)
