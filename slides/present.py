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
code calls, the `ci` cells that record a training) still run, where the notebook has them: those
before the first slide cell when the notebook's kernel starts, the others just before the next
slide cell runs. Their code is copied into the notebook's metadata (``d2l_present``), and the
notebook asks for the kernel ``modern-cnn-present``, which this script installs into the
environment (slides/present_startup.py runs them).
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
    # The `ci` cells leave the slides but not the run: what they define (e.g. a trained network's
    # summary) may be read by a later slide's code.
    kept = [c for c in nb.cells if not (deck.hidden_tags(lang, solutions) - {"ci"}) & set(c.metadata.get("tags", []))]
    for cell in title_slide_code(kept):  # the set-up runs with the kernel, off the title slide
        cell.metadata.setdefault("slideshow", {})["slide_type"] = "skip"
    runs = hidden_runs(kept)
    nb.cells = [c for c in kept if "ci" not in c.metadata.get("tags", [])]
    deck.keep_language(nb, lang)  # the deck build's own filter (d2l_extras.language)
    nb.metadata["rise"] = dict(RISE)
    nb.metadata.pop("d2l_run", None)  # the run record belongs to the published notebook
    nb.metadata["language_info"] = dict(nb.metadata.get("language_info", {}), name="python")
    nb.metadata["d2l_present"] = {"lang": lang, "solutions": solutions, **runs}
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["d2l_lang"] = lang  # the kernel writes this language only (d2l_extras.language)
    return nb


def off_the_slides(cell):
    """Whether RISE never shows, and so never runs, ``cell``."""
    return deck.slide_type(cell) in ("skip", "notes")


def title_slide_code(cells):
    """The code cells on the first slide (the notebook's set-up): the title slide shows none."""
    shown = [c for c in cells if not off_the_slides(c)]
    title = []
    for cell in shown[1:]:
        if deck.slide_type(cell) == "slide":
            break
        if cell.cell_type == "code":
            title.append(cell)
    return title


def _text(source):
    return "".join(source) if isinstance(source, list) else source  # a dict's lines, or a string


def _is_hidden(cell):
    return cell.cell_type == "code" and (off_the_slides(cell) or "ci" in cell.metadata.get("tags", []))


def _without_asserts(source):
    """A `ci` cell's code without its top-level asserts: a live talk does not stop on a test's
    accuracy floor (the tests run the notebooks with them)."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    lines = source.splitlines()
    for node in reversed(tree.body):
        if isinstance(node, ast.Assert):
            del lines[node.lineno - 1:node.end_lineno]
    return "\n".join(lines)


def hidden_runs(cells):
    """The code cells RISE never shows, grouped by where they run: ``setup``, those before the
    first code cell on a slide (run when the kernel starts), and ``before``, a list of
    [code of a slide's cell, [code of the hidden cells just before it]] (run, in order, just
    before that cell runs: slides/present_startup.py). Hidden cells after the last slide cell
    are left out: nothing shown reads them."""
    setup, before, pending, shown_yet = [], [], [], False
    for cell in cells:
        if cell.cell_type != "code":
            continue
        if _is_hidden(cell):
            ci = "ci" in cell.metadata.get("tags", [])
            pending.append(_without_asserts(_text(cell.source)) if ci else _text(cell.source))
            continue
        if pending and shown_yet:
            before.append([_text(cell.source), pending])
        elif pending:
            setup = pending
        pending, shown_yet = [], True
    return {"setup": setup, "before": before}


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


# Sizes for a hall, as in the decks: RISE draws a 1280x720 slide with JupyterLab's own sizes
# (text 14 px, code 13 px), unreadable from the back row.
RISE_SIZES_CSS = """body.rise-enabled {
  --jp-content-font-size1: 24px; --jp-code-font-size: 20px; --jp-ui-font-size1: 20px; }
body.rise-enabled .reveal .jp-RenderedMarkdown p, body.rise-enabled .reveal .jp-RenderedMarkdown li,
body.rise-enabled .reveal .jp-RenderedMarkdown td, body.rise-enabled .reveal .jp-RenderedMarkdown th {
  font-size: 24px; line-height: 1.4; }
body.rise-enabled .reveal .jp-RenderedMarkdown h1 { font-size: 44px; }
body.rise-enabled .reveal .jp-RenderedMarkdown h2 { font-size: 36px; }
body.rise-enabled .reveal .jp-RenderedMarkdown h3 { font-size: 30px; }
body.rise-enabled .reveal .jp-CodeCell .cm-content, body.rise-enabled .reveal .jp-CodeCell .cm-line,
body.rise-enabled .reveal .jp-OutputArea-output pre, body.rise-enabled .reveal .jp-RenderedHTMLCommon table {
  font-size: 20px; line-height: 1.35; }
"""


def write_rise_style(folder, notebooks=()):
    """RISE's stylesheet for the notebooks of ``folder`` (``rise.css``, which RISE in JupyterLab
    loads from the notebook's folder): the decks' sizes and the code font, whose files go beside
    it (``fonts/``): outputs in Vietnamese would otherwise be drawn with DejaVu Sans Mono on
    Linux, which has no stacked Vietnamese letters (see slides/build.py, CODE_FONT). RISE also
    asks for ``<notebook>.css`` beside each notebook: a one-line file each, so that no request
    fails."""
    import shutil

    cache = deck.ensure_vendor(deck.HERE / "vendor") / deck.CODE_FONT_PACKAGE
    fonts = Path(folder) / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    for name in deck.CODE_FONT_FILES + ["LICENSE"]:
        shutil.copyfile(cache / name, fonts / name)
    (Path(folder) / "rise.css").write_text(
        "/* Written by slides/present.py: the course's code font and sizes in RISE. */\n"
        + deck.code_font_css("fonts/", "body.rise-enabled") + RISE_SIZES_CSS, encoding="utf-8")
    for path in notebooks:
        (Path(folder) / Path(path).with_suffix(".css").name).write_text(
            "/* This notebook's own RISE style (none): the course's is rise.css. */\n", encoding="utf-8")


def style_folders(root):
    """``write_rise_style`` for ``root`` and each folder below it that holds notebooks. The code
    font comes from the npm registry once (slides/vendor/): without it, RISE keeps its own."""
    folders = sorted({p.parent for p in Path(root).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts})
    try:
        for folder in folders:
            write_rise_style(folder, sorted(folder.glob("*.ipynb")))
    except Exception as err:  # noqa: BLE001 (no registry: the slideshows still work, in RISE's style)
        print(f"present: RISE's style not written ({type(err).__name__}: {err}); slideshows keep "
              f"RISE's own fonts and sizes", file=sys.stderr)
        return 0
    print(f"present: RISE's style (sizes, code font) beside the notebooks of {len(folders)} folder(s) in {root}")
    return 0


def build_present(notebooks, out, langs=deck.LANGS, solutions=False):
    import nbformat

    written = []
    for lang in langs:
        write_rise_style(Path(out) / lang, notebooks)
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
    ap.add_argument("--style", type=Path, metavar="FOLDER",
                    help="only write RISE's style (sizes, code font) beside the notebooks of FOLDER "
                         "and of its sub-folders (`make lab` does, for any folder it shows)")
    args = ap.parse_args(argv)
    if args.style is not None:
        return style_folders(args.style)
    notebooks = args.notebooks or notebook_paths(ROOT / "notebooks")
    missing = [str(p) for p in notebooks if not Path(p).is_file()]
    if missing:
        sys.exit(f"error: no such notebook: {', '.join(missing)}")
    written = build_present(notebooks, args.out, tuple(args.lang or deck.LANGS), args.solutions)
    kernel = install_kernel()
    print(f"present: {len(written)} notebooks in {args.out}/<lang>/ (open with `make lab`, then Alt+R); "
          f"their kernel: {kernel}")


if __name__ == "__main__":
    sys.exit(main())
