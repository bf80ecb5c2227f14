"""One-language notebooks to present live with RISE, built from the course's notebooks.

    python slides/present.py [--out build/present] [--lang vi|en] [--solutions] [NOTEBOOK ...]

Writes ``<out>/<lang>/<stem>.ipynb`` for every notebook of the course (d2l_extras/sections.py)
and each language: the same cells as that language's deck (the other language's cells, the
`ci` cells and, unless --solutions, the exercises' solutions removed), the outputs of the
committed run in that language only, and RISE set to the decks' slide size (1280×720, with a
scroll bar for long outputs), with ``rise.css`` and ``fonts/`` beside them: the code font that
the decks use, which has the stacked Vietnamese letters. Open one with `make lab` (or `make present`, which builds and
opens the folder) and *View → Render as Reveal Slideshow* (Alt+R); in RISE, T opens the speaker view.

RISE runs only the cells on slides. The code cells kept off the slides (helpers that a slide's
code calls) run when the notebook's kernel starts: they are copied into the notebook's metadata
(``d2l_present.setup``) and the notebook asks for the kernel ``modern-cnn-present``, which this
script installs into the environment (slides/present_startup.py runs them).
"""
import argparse
import copy
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _load_deck_build():
    """slides/build.py (slides/ is not a package): the decks' own cell and output filters."""
    spec = importlib.util.spec_from_file_location("slides_build", Path(__file__).resolve().parent / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


deck = _load_deck_build()

KERNEL_NAME = "modern-cnn-present"
KERNELSPEC = {"name": KERNEL_NAME, "display_name": "Python 3 (course slideshow)", "language": "python"}
STARTUP = Path(__file__).resolve().parent / "present_startup.py"

RISE = {"width": deck.SLIDE_WIDTH, "height": deck.SLIDE_HEIGHT, "scroll": True, "center": False,
        "theme": "white", "transition": "none", "enable_chalkboard": False}


def present_notebook(nb, lang, solutions=False):
    """A copy of ``nb`` (a dict) with only ``lang``'s deck cells and outputs, set up for RISE."""
    import nbformat

    nb = nbformat.from_dict(copy.deepcopy(nb))
    nb.cells = deck.language_cells(nb, lang, solutions)
    deck.keep_language(nb, lang)  # the deck build's own filter (d2l_extras.language)
    nb.metadata["rise"] = dict(RISE)
    nb.metadata.pop("d2l_run", None)  # the run record belongs to the published notebook
    nb.metadata["language_info"] = dict(nb.metadata.get("language_info", {}), name="python")
    nb.metadata["d2l_present"] = {"lang": lang, "solutions": solutions, "setup": hidden_setup(nb.cells)}
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["d2l_lang"] = lang  # the kernel writes this language only (d2l_extras.language)
    return nb


def off_the_slides(cell):
    """Whether RISE never shows, and so never runs, ``cell``."""
    return deck.slide_type(cell) in ("skip", "notes")


def hidden_setup(cells):
    """The code of the code cells that RISE never runs, in order: the slideshow's kernel runs
    them when it starts, so that the slides' code finds what they define."""
    return [cell.source for cell in cells if cell.cell_type == "code" and off_the_slides(cell)]


def install_kernel(prefix=sys.prefix, python=sys.executable):
    """Write the slideshow's kernel spec under ``prefix``/share/jupyter/kernels (the environment's
    own, where its Jupyter looks): this Python's IPython kernel, which first runs
    slides/present_startup.py. Returns the kernel's folder."""
    folder = Path(prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    startup = f"import runpy; runpy.run_path({str(STARTUP)!r}, run_name='present_startup')"
    spec = {"argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                     f"--IPKernelApp.exec_lines={startup}"],
            "display_name": KERNELSPEC["display_name"], "language": "python",
            "metadata": {"debugger": True}}
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    return folder


def write_code_font(folder):
    """RISE's stylesheet for the notebooks of ``folder`` (``rise.css``, which RISE in JupyterLab
    loads from the notebook's folder) and the code font's files beside it (``fonts/``): outputs in
    Vietnamese would otherwise be drawn with DejaVu Sans Mono on Linux, which has no stacked
    Vietnamese letters (see slides/build.py, CODE_FONT)."""
    import shutil

    cache = deck.ensure_vendor(deck.HERE / "vendor") / deck.CODE_FONT_PACKAGE
    fonts = Path(folder) / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    for name in deck.CODE_FONT_FILES + ["LICENSE"]:
        shutil.copyfile(cache / name, fonts / name)
    (Path(folder) / "rise.css").write_text(
        "/* Written by slides/present.py: the course's code font in RISE. */\n"
        + deck.code_font_css("fonts/", "body.rise-enabled"), encoding="utf-8")


def build_present(notebooks, out, langs=deck.LANGS, solutions=False):
    import nbformat

    written = []
    for lang in langs:
        write_code_font(Path(out) / lang)
        for path in notebooks:
            nb = present_notebook(json.loads(Path(path).read_text(encoding="utf-8")), lang, solutions)
            target = Path(out) / lang / Path(path).name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(target))
            written.append(target)
    return written


def main(argv=None):
    from d2l_extras.sections import notebook_paths

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook of the course")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "present")
    ap.add_argument("--lang", choices=deck.LANGS, action="append", help="only this language (repeatable)")
    ap.add_argument("--solutions", action="store_true", help="keep the exercises' solutions (instructor)")
    args = ap.parse_args(argv)
    notebooks = args.notebooks or notebook_paths(ROOT / "notebooks")
    missing = [str(p) for p in notebooks if not Path(p).is_file()]
    if missing:
        sys.exit(f"error: no such notebook: {', '.join(missing)}")
    written = build_present(notebooks, args.out, tuple(args.lang or deck.LANGS), args.solutions)
    kernel = install_kernel()
    print(f"present: {len(written)} notebooks in {args.out}/<lang>/ (open with `make lab`, then Alt+R); "
          f"their kernel: {kernel}")


if __name__ == "__main__":
    main()
