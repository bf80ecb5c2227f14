"""Build the course website: one static site per language from the committed notebooks.

    python scripts/website.py                 # the student edition → site/
    python scripts/website.py --solutions     # the instructor's site (worked solutions shown)

Writes, under --out (default site/):
    index.html                  the two languages, side by side
    vi/, en/                    one page per notebook (the deck's cells of that language, with
                                the committed outputs: nothing is executed), the reference pages
                                of docs/ in that language and the glossary, search in each
    vi/notebooks/, en/notebooks/  the notebook each page offers to download (the student
                                edition of scripts/student.py, in that language)
    slides/                     each section's deck (slides/build.py) and, when `make slides` has
                                printed them for this edition, its PDF (copied from slides/pdf/)

The pages are made by Sphinx with MyST-NB and the book theme (site_src/conf.py), run from the
site's own pinned environment (requirements-site.txt, --sphinx names its sphinx-build). Every
asset is local: MathJax and the code font come from the decks' vendor folder (slides/vendor/).
"""
import argparse
import copy
import functools
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load_script(relative_path, name):
    """A script of the repository as a module (slides/ and scripts/ are not packages)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / relative_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


deck = load_script("slides/build.py", "slides_build")
student = load_script("scripts/student.py", "student")

LANGS = deck.LANGS
CONF_DIR = ROOT / "site_src"
DOCS = ROOT / "docs"
GLOSSARY = DOCS / "glossary.md"  # one table of both languages: the same page on both sites
# Where Colab and Binder find the notebooks: owner/name of the address in pyproject.toml (the
# one place it is written, scripts/colab_cells.py), or COURSE_REPO.
REPO = os.environ.get("COURSE_REPO") or load_script("scripts/colab_cells.py", "colab_cells").repository().split(
    "github.com/", 1)[1]
BRANCH = "main"

# The site's own words in each language (the theme's come from Sphinx's catalogs and
# site_src/locales/).
TEXT = {
    "vi": {
        "course": "Mạng nơ-ron tích chập hiện đại",
        "intro": "Bài giảng về các mạng nơ-ron tích chập hiện đại, từ AlexNet đến DenseNet, theo "
                 "*Đắm mình vào Học Sâu*. Mỗi bài là một notebook với kết quả của lần chạy đã lưu; "
                 "mở nó trong Colab hoặc Binder để tự chạy, hoặc tải notebook về máy.",
        "lessons": "Bài học", "reference": "Tài liệu tham khảo",
        "search": "Tìm kiếm…", "toc": "Nội dung",
        "switch": "English", "switch_title": "Trang này bằng tiếng Anh",
        "colab": "Mở trong Colab", "binder": "Mở trong Binder", "download": "Tải notebook",
        "deck": "Slide bài giảng", "pdf": "Slide (PDF)", "language_name": "Tiếng Việt",
        "toggle_nav": "Mở hoặc đóng danh sách bài", "toggle_toc": "Mở hoặc đóng mục lục của trang",
        "glossary": "Thuật ngữ Việt ↔ Anh của khóa học",
    },
    "en": {
        "course": "Modern Convolutional Neural Networks",
        "intro": "Lectures on modern convolutional networks, from AlexNet to DenseNet, after "
                 "*Dive into Deep Learning*. Each lesson is a notebook with the outputs of its "
                 "recorded run; open it in Colab or Binder to run it yourself, or download it.",
        "lessons": "Lessons", "reference": "Reference",
        "search": "Search…", "toc": "Contents",
        "switch": "Tiếng Việt", "switch_title": "This page in Vietnamese",
        "colab": "Open in Colab", "binder": "Open in Binder", "download": "Download the notebook",
        "deck": "Slides", "pdf": "Slides (PDF)", "language_name": "English",
        "toggle_nav": "Show or hide the lessons", "toggle_toc": "Show or hide the page's contents",
        "glossary": "Vietnamese ↔ English terms for this course",
    },
}


def log(msg):
    print(f"site: {msg}", flush=True)


# --------------------------------------------------------------------------- pages
def section_links(stem, lang, has_pdf):
    """The row of links under a section's title: Colab, Binder, download, deck, PDF."""
    t = TEXT[lang]
    path = f"notebooks/{stem}.ipynb"
    links = [
        (f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{path}", t["colab"]),
        (f"https://mybinder.org/v2/gh/{REPO}/HEAD?urlpath=lab/tree/{path}", t["binder"]),
        (f"notebooks/{stem}.ipynb", t["download"]),
        (f"../slides/{lang}/{stem}.html", t["deck"]),
    ] + ([(f"../slides/pdf/{lang}/{stem}.pdf", t["pdf"])] if has_pdf else [])
    items = "\n".join(f'<a class="course-link" href="{href}"'
                      + (' download' if href.endswith(".ipynb") and not href.startswith("http") else "")
                      + f'>{label}</a>' for href, label in links)
    return f'<div class="course-links">\n{items}\n</div>\n'


def page_notebook(nb, lang, solutions, links, relink=lambda text: text):
    """The cells a page shows: the deck's cells of `lang` (deck.language_cells: no other
    language, no `ci` cells, no solutions unless asked for) and their outputs in `lang`, less
    the Colab set-up cell (the page's own Colab link replaces it) and, for students, the speaker
    notes; `links` goes under the title, and `relink` makes the Markdown cells' links the site's."""
    import nbformat

    nb = nbformat.from_dict(copy.deepcopy(nb))
    cells = []
    for cell in deck.language_cells(nb, lang, solutions):
        tags = set(cell.metadata.get("tags", []))
        if "colab" in tags or (not solutions and deck.slide_type(cell) == "notes"):
            continue
        if cell.cell_type == "markdown":
            cell.source = relink(cell.source)
        cells.append(cell)
    title = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.lstrip().startswith("# "))
    cells.insert(title + 1, nbformat.v4.new_markdown_cell(links))
    nb.cells = cells
    deck.keep_language(nb, lang)
    nb.metadata.pop("widgets", None)
    return nb


def index_page(lang, lessons, references):
    t = TEXT[lang]
    def toc(caption, names):
        return f"```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n\n" + "\n".join(names) + "\n```\n" if names else ""
    return f"# {t['course']}\n\n{t['intro']}\n\n" + toc(t["lessons"], lessons) + "\n" + toc(t["reference"], references)


MD_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")
OTHER_LANGUAGE_LINE = re.compile(r"^\[[^\]]+\]\(\.\./(?:vi|en)/[^)]+\.md\)\s*$\n?", re.M)


def site_links(text, lang, pages, other_pages, repo_path):
    """Markdown `text` of the file `repo_path` (relative to the repository) with its relative
    links made links of the site: to a notebook or a reference page of this language, that page;
    of the other language, a relative HTML link to it there; to anything else, the repository."""
    other = next(o for o in LANGS if o != lang)

    def link(m):
        label, target = m.groups()
        if re.match(r"[a-z]+:|#", target):
            return m.group(0)
        path, _, anchor = target.partition("#")
        anchor = f"#{anchor}" if anchor else ""
        resolved = Path(os.path.normpath(os.path.join(os.path.dirname(repo_path), path)))
        if resolved.suffix == ".ipynb" and resolved.parent == Path("notebooks") and resolved.stem in pages:
            return f"[{label}]({resolved.name}{anchor})"
        if resolved.suffix == ".md" and resolved.stem in pages and (
                resolved.parent == Path("docs", lang) or resolved == GLOSSARY.relative_to(ROOT)):
            return f"[{label}]({resolved.name}{anchor})"
        if resolved.suffix == ".md" and resolved.parent == Path("docs", other) and resolved.stem in other_pages:
            return f'<a href="../{other}/{resolved.stem}.html{anchor}">{label}</a>'
        return f"[{label}](https://github.com/{REPO}/blob/{BRANCH}/{resolved.as_posix()}{anchor})"

    return MD_LINK.sub(link, text)


def reference_page(text, lang, pages, other_pages, repo_path):
    """A page of docs/ as the site shows it: its link to the same page in the other language
    dropped (the site's language switch is that link), the others made links of the site."""
    return site_links(OTHER_LANGUAGE_LINE.sub("", text), lang, pages, other_pages, repo_path)


def glossary_page(text, lang):
    """The glossary (one page of both languages) titled in `lang`: its title is in every page's sidebar."""
    return re.sub(r"^# .*$", lambda m: f"# {TEXT[lang]['glossary']}", text, count=1, flags=re.M)


def reference_pages(lang):
    """{page name: source} of the reference pages in `lang`: docs/<lang>/*.md and the glossary."""
    pages = {p.stem: p for p in sorted((DOCS / lang).glob("*.md"))}
    if GLOSSARY.is_file():
        pages.setdefault("glossary", GLOSSARY)
    return pages


def edition_pdfs(pdf_dir, notebooks, solutions):
    """{(lang, stem): pdf} of the PDFs in `pdf_dir` (slides/pdf/) printed from decks of this
    edition: the slide count in slides/manifest.json is that of this edition's deck (a deck
    with solutions has more), so a student site never copies an instructor's PDF."""
    import nbformat

    manifest = pdf_dir.parent / "manifest.json"
    try:
        counts = {(d["lang"], Path(d["notebook"]).stem): d["slides"] for d in json.loads(manifest.read_text())}
    except (OSError, ValueError, KeyError):
        return {}
    found = {}
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for lang in LANGS:
            pdf = pdf_dir / lang / f"{path.stem}.pdf"
            if pdf.is_file() and counts.get((lang, path.stem)) == deck.count_slides(nb, lang, solutions):
                found[lang, path.stem] = pdf
    return found


def write_sources(notebooks, stage, solutions, pdfs):
    """Each language's Sphinx sources under stage/<lang>/src, its downloads under
    stage/<lang>/extra, and the metadata conf.py reads; returns {lang: meta file}."""
    import nbformat

    with tempfile.TemporaryDirectory(prefix="site-student-") as tmp:
        if not solutions:
            student.build(notebooks, Path(tmp))
        pages, metas = {}, {}
        lessons = [path.stem for path in notebooks]
        refs = {lang: reference_pages(lang) for lang in LANGS}
        for lang in LANGS:
            other = next(o for o in LANGS if o != lang)
            src, extra = stage / lang / "src", stage / lang / "extra" / "notebooks"
            src.mkdir(parents=True)
            extra.mkdir(parents=True)
            for path in notebooks:
                nb = nbformat.read(path, as_version=4)
                links = section_links(path.stem, lang, (lang, path.stem) in pdfs)
                relink = functools.partial(site_links, lang=lang, pages=lessons + list(refs[lang]),
                                           other_pages=list(refs[other]), repo_path=f"notebooks/{path.name}")
                nbformat.write(page_notebook(nb, lang, solutions, links, relink), src / path.name)
                download = (student.one_language(nb, lang) if solutions
                            else nbformat.read(Path(tmp) / lang / path.name, as_version=4))
                nbformat.write(download, extra / path.name)
            for name, source in refs[lang].items():
                text = reference_page(source.read_text(encoding="utf-8"), lang, lessons + list(refs[lang]),
                                      list(refs[other]), source.relative_to(ROOT).as_posix())
                if source == GLOSSARY:
                    text = glossary_page(text, lang)
                (src / f"{name}.md").write_text(text, encoding="utf-8")
            (src / "index.md").write_text(index_page(lang, lessons, list(refs[lang])), encoding="utf-8")
            pages[lang] = ["index", "search", "genindex"] + lessons + list(refs[lang])
    for lang in LANGS:
        other = next(o for o in LANGS if o != lang)
        meta = {"lang": lang, "other": other, "other_pages": pages[other], "text": TEXT[lang],
                "static": str(stage / "static"), "extra": str(stage / lang / "extra"),
                "locales": str(stage / lang / "locales")}
        shutil.copytree(CONF_DIR / "locales", stage / lang / "locales")  # Sphinx writes the .mo beside the .po
        metas[lang] = stage / lang / "meta.json"
        metas[lang].write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return metas


def write_static(stage):
    """MathJax and the code font (Noto Sans Mono: DejaVu Sans Mono has no stacked Vietnamese
    letters, see slides/build.py) from the decks' vendor folder."""
    vendor = deck.ensure_vendor(deck.HERE / "vendor")
    static = stage / "static"
    (static / "mathjax").mkdir(parents=True)
    shutil.copyfile(vendor / "mathjax" / "tex-svg-full.js", static / "mathjax" / "tex-svg-full.js")
    shutil.copytree(vendor / deck.CODE_FONT_PACKAGE, static / "fonts")
    (static / "code-font.css").write_text(
        deck.code_font_css("fonts/", ":root")
        + f":root {{ --pst-font-family-monospace: {deck.CODE_FONT_STACK}; }}\n", encoding="utf-8")


def write_decks(notebooks, out, solutions, pdfs):
    """Each section's deck (HTML) under out/slides/ and the PDFs found for this edition."""
    slides = out / "slides"
    deck.ensure_vendor(slides / "vendor")
    for lang in LANGS:
        exporter = deck.make_exporter(lang, solutions)
        for path in notebooks:
            deck.build_deck(path, lang, slides, exporter, solutions)
    for (lang, stem), pdf in pdfs.items():
        target = slides / "pdf" / lang / f"{stem}.pdf"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pdf, target)


def root_page():
    """site/index.html: the course's title and a link to each language."""
    items = "\n".join(f'  <li lang="{lang}"><a href="{lang}/index.html">{TEXT[lang]["course"]}</a> '
                      f'({TEXT[lang]["language_name"]})</li>' for lang in LANGS)
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{TEXT['vi']['course']} · {TEXT['en']['course']}</title>
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; }}
  li {{ margin: .6rem 0; font-size: 1.2rem; }}
</style>
</head>
<body>
<h1 lang="vi">{TEXT['vi']['course']}</h1>
<p lang="en">{TEXT['en']['course']}</p>
<ul>
{items}
</ul>
</body>
</html>
"""


def sphinx(sphinx_build, lang, stage, out, meta):
    env = dict(os.environ, COURSE_SITE_META=str(meta), PYTHONHASHSEED="0")
    cmd = [sphinx_build, "-b", "html", "-q", "-E", "-c", str(CONF_DIR), "-D", f"language={lang}",
           "-d", str(stage / lang / "doctrees"), str(stage / lang / "src"), str(stage / lang / "html")]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if run.returncode == 0:  # MyST-NB writes jupyter_execute/ beside the output folder: built in stage/
        shutil.move(stage / lang / "html", out / lang)
    return lang, run


def build(notebooks, out, sphinx_build, solutions=False, pdf_dir=ROOT / "slides" / "pdf"):
    """Build the site into `out` (emptied first); returns {"pdfs": [(lang, stem), ...]}."""
    out = Path(out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    pdfs = edition_pdfs(Path(pdf_dir), notebooks, solutions)
    with tempfile.TemporaryDirectory(prefix="site-src-") as tmp:
        stage, t = Path(tmp), time.time()
        write_static(stage)
        metas = write_sources(notebooks, stage, solutions, pdfs)
        log(f"pages, downloads and assets written ({time.time() - t:.0f} s); Sphinx and the decks next")
        with ThreadPoolExecutor(len(LANGS)) as pool:
            jobs = [pool.submit(sphinx, sphinx_build, lang, stage, out, metas[lang]) for lang in LANGS]
            write_decks(notebooks, out, solutions, pdfs)
            log(f"decks written ({time.time() - t:.0f} s)")
            for job in jobs:
                lang, run = job.result()
                if run.returncode != 0 or "WARNING" in run.stderr or "ERROR" in run.stderr:
                    raise SystemExit(f"site: sphinx-build ({lang}) failed:\n{run.stdout[-3000:]}{run.stderr[-6000:]}")
                log(f"{lang}/ built by Sphinx ({time.time() - t:.0f} s)")
    (out / "index.html").write_text(root_page(), encoding="utf-8")
    (out / ".nojekyll").write_text("")  # GitHub Pages: serve _static/ and _images/ as they are
    return {"pdfs": sorted(pdfs)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "site", help="output folder (default: site/)")
    ap.add_argument("--solutions", action="store_true",
                    help="the instructor's site: the exercises' worked solutions and speaker notes shown")
    ap.add_argument("--sphinx", default=os.environ.get("SPHINX_BUILD", "sphinx-build"),
                    help="the sphinx-build of the site's environment (default: $SPHINX_BUILD or sphinx-build)")
    ap.add_argument("--pdfs", type=Path, default=ROOT / "slides" / "pdf",
                    help="where `make slides` put the PDFs (default: slides/pdf)")
    args = ap.parse_args(argv)
    t = time.time()
    notebooks = student.notebooks(ROOT / "notebooks")
    result = build(notebooks, args.out, args.sphinx, args.solutions, args.pdfs)
    edition = "instructor's (with solutions)" if args.solutions else "student"
    log(f"{edition} site of {len(notebooks)} notebooks in {len(LANGS)} languages: {args.out}/index.html "
        f"({time.time() - t:.0f} s)")
    if len(result["pdfs"]) < len(notebooks) * len(LANGS):
        log(f"PDFs of this edition found for {len(result['pdfs'])} of {len(notebooks) * len(LANGS)} decks: "
            f"run `make slides{' ARGS=--solutions' if args.solutions else ''}` first to link them all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
