"""Build the course's reveal.js slides, one deck per notebook and language, and their PDFs.

    python slides/build.py                  # every notebook of the course, both languages, PDFs
    python slides/build.py --no-pdf         # HTML only (no Chromium needed)
    python slides/build.py --out /tmp/s notebooks/05_batch_norm.ipynb

Writes, under --out (default slides/):
    vi/NN_name.html, en/NN_name.html   reveal.js decks (nbconvert SlidesExporter)
    pdf/vi/NN_name.pdf, pdf/en/...     one page per slide (headless Chromium, ?print-pdf)
    index.html                         links to every deck and PDF in both languages
    manifest.json                      decks, titles and slide counts (read by the tests)
    vendor/                            reveal.js, require.js, jQuery, MathJax, Noto Sans Mono from npm
                                       (fetched once into slides/vendor/, then copied)

The notebooks, their order and their titles in each language come from the course's table
(d2l_extras.sections.NOTEBOOKS). Every deck works offline from disk: nothing is loaded from
the network. The other language's cells are removed by tag (TagRemovePreprocessor: lang-en
in the Vietnamese deck and the reverse) as are `ci` cells; `skip` cells never reach a slide
and `notes` cells become reveal.js speaker notes (press S in a deck). The course's outputs
come once per language (output metadata "lang"); a deck keeps its language's.

Readable from the back row (issue 39): the deck is shown at scale 1 on a 1280×720 slide with
body text 24 px and code 20 px (slides too full are zoomed to fit); the title slide shows no
code (the set-up cell is left out: title_slide_code); code shows only the deck's language where
it says a thing in both (one_language_code: display only, the notebooks are not changed); the
live training plot is 640 px wide; the navigation arrows and slide number keep a strip free.

Needs the course package for its table of notebooks, nbformat, nbconvert and, for the PDFs,
the `playwright` package driving a system Chromium (/usr/bin/chromium or $CHROMIUM).
"""
from __future__ import annotations

import argparse
import ast
import base64
import copy
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the course package, also where it is not installed

from d2l_extras.language import keep_language  # noqa: E402
from d2l_extras.sections import NOTEBOOKS, notebook_paths  # noqa: E402

TEMPLATE_DIR = HERE / "templates"
TEMPLATE_NAME = "course_reveal"
LANGS = ("vi", "en")
LANG_NAMES = {"vi": "Tiếng Việt", "en": "English"}
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720
# Readable from the back row (issue 39), on a 1280×720 slide shown at scale 1: body text and
# code at least these sizes (CSS px), and a strip this tall kept free at the bottom of a slide
# for reveal.js's navigation arrows and the slide number (a full slide whose content stays out
# of the arrows' corner uses it: the template's fitSlides).
BODY_FONT_PX, CODE_FONT_PX = 24, 20
CONTROLS_STRIP_PX = 42
CONTROLS_WIDTH_PX = 180  # arrows and slide number: a slide whose content stays out of that corner needs no strip
# The live training plot (d2l_extras.display.TrainingPlot: 450×300 px at dpi 100, its labels
# 10 pt = 13.9 px) is shown this wide: half the slide, labels 13.9 × 640 / 450 = 19.8 px.
TRAINING_PLOT_PX = 640
TRAINING_PLOT_TAG = "deck-training-plot"

# The code and output font of the decks and of RISE (slides/present.py). Linux's DejaVu Sans
# Mono has no precomposed stacked Vietnamese letters (ố, ẫ, ỗ): Chromium then draws the base
# letter with a loose accent beside it ("Số´phép"), so Vietnamese outputs read wrongly.
# Noto Sans Mono has them; its Latin, Latin Extended and Vietnamese subsets (fontsource's
# files and unicode ranges) cover every output the course prints.
CODE_FONT = "Noto Sans Mono"
CODE_FONT_PACKAGE = "@fontsource/noto-sans-mono"
CODE_FONT_STACK = f"'{CODE_FONT}', 'DejaVu Sans Mono', Menlo, Consolas, monospace"
CODE_FONT_SUBSETS = {
    "latin": "U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,U+0329,"
             "U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD",
    "latin-ext": "U+0100-02BA,U+02BD-02C5,U+02C7-02CC,U+02CE-02D7,U+02DD-02FF,U+0304,U+0308,U+0329,"
                 "U+1D00-1DBF,U+1E00-1E9F,U+1EF2-1EFF,U+2020,U+20A0-20AB,U+20AD-20C0,U+2113,U+2C60-2C7F,U+A720-A7FF",
    "vietnamese": "U+0102-0103,U+0110-0111,U+0128-0129,U+0168-0169,U+01A0-01A1,U+01AF-01B0,U+0300-0301,"
                  "U+0303-0304,U+0308-0309,U+0323,U+0329,U+1EA0-1EF9,U+20AB",
}
CODE_FONT_WEIGHTS = (400, 700)
CODE_FONT_FILES = [f"noto-sans-mono-{subset}-{weight}-normal.woff2"
                   for subset in CODE_FONT_SUBSETS for weight in CODE_FONT_WEIGHTS]


def code_font_css(url_prefix, selector):
    """CSS that sets code and outputs under ``selector`` in the code font, whose files are at
    ``url_prefix`` (relative to the stylesheet): @font-face rules, then the font variables of
    JupyterLab (--jp-code-font-family) and reveal.js (--r-code-font)."""
    faces = [f"@font-face {{ font-family: '{CODE_FONT}'; font-style: normal; font-weight: {weight}; "
             f"font-display: block;\n  src: url({url_prefix}noto-sans-mono-{subset}-{weight}-normal.woff2) "
             f"format('woff2');\n  unicode-range: {ranges}; }}"
             for subset, ranges in CODE_FONT_SUBSETS.items() for weight in CODE_FONT_WEIGHTS]
    return "\n".join(faces + [f"{selector} {{ --jp-code-font-family: {CODE_FONT_STACK};\n"
                               f"  --r-code-font: var(--jp-code-font-family); }}"]) + "\n"


# npm packages copied into vendor/: name -> (version, sha512 integrity of the tarball,
# {path in the package: path under vendor/<name>/}).  Paths ending in "/" are folders.
VENDOR = {
    "reveal.js": ("4.6.1",
                  "sha512-1CW0auaXNPmwmvQ7TwpszwVxMi2Xr5cTS3J3EBC/HHgbPF32Dn7aiu/LKWDOGjMbaDwKQiGmfqcoGQ74HUHCMw==",
                  {"dist/": "dist/", "plugin/notes/": "plugin/notes/", "LICENSE": "LICENSE"}),
    "requirejs": ("2.3.8",
                  "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
                  {"require.js": "require.js", "README.md": "README.md"}),
    "jquery": ("3.7.1",
               "sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
               {"dist/jquery.min.js": "jquery.min.js", "LICENSE.txt": "LICENSE.txt"}),
    "mathjax": ("3.2.2",
                "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
                {"es5/tex-svg-full.js": "tex-svg-full.js", "LICENSE": "LICENSE"}),
    CODE_FONT_PACKAGE: (
        "5.3.0",
        "sha512-DPZ+/Ng9HP5UKiALCKtoeGfA7zJzEjHFB/18OU/c3+4I9zZ3eMVAuFZb0SqzT89Yj7KNhJFYnYjyDaVKhdRuUg==",
        {**{f"files/{name}": name for name in CODE_FONT_FILES}, "LICENSE": "LICENSE"}),
}
# Where decks (in <out>/<lang>/) find them.
VENDOR_URLS = {
    "reveal_url_prefix": "../vendor/reveal.js",
    "require_js_url": "../vendor/requirejs/require.js",
    "jquery_url": "../vendor/jquery/jquery.min.js",
    "mathjax_url": "../vendor/mathjax/tex-svg-full.js",
}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def log(msg):
    print(f"slides: {msg}", flush=True)


# --------------------------------------------------------------------------- vendor
def _vendor_complete(dest: Path) -> bool:
    stamp = dest / "versions.json"
    want = {name: spec[0] for name, spec in VENDOR.items()}
    try:
        return json.loads(stamp.read_text()) == want
    except (OSError, ValueError):
        return False


def _download(name, version, tmp: Path) -> Path:
    """The package's tarball: `npm pack` when npm is installed, else a plain HTTPS
    download of the same tarball from the registry (integrity checked either way)."""
    npm = shutil.which("npm")
    if npm is not None:
        out = subprocess.run([npm, "pack", f"{name}@{version}", "--pack-destination", str(tmp),
                              "--silent", "--json"], capture_output=True, text=True, cwd=tmp)
        if out.returncode != 0:
            raise SystemExit(f"slides: npm pack {name}@{version} failed:\n{out.stderr[-2000:]}")
        return tmp / json.loads(out.stdout)[0]["filename"]
    import urllib.request
    registry = os.environ.get("npm_config_registry", "https://registry.npmjs.org/").rstrip("/")
    url = f"{registry}/{name}/-/{name.split('/')[-1]}-{version}.tgz"
    tarball = tmp / f"{name}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=120) as r:
        tarball.write_bytes(r.read())
    return tarball


def _fetch_package(name, version, integrity, files, dest: Path, tmp: Path):
    tarball = _download(name, version, tmp)
    algo, digest = integrity.split("-", 1)
    got = base64.b64encode(hashlib.new(algo, tarball.read_bytes()).digest()).decode()
    if got != digest:
        raise SystemExit(f"slides: {tarball.name}: integrity {algo}-{got} != pinned {integrity}")
    target = dest / name
    shutil.rmtree(target, ignore_errors=True)
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith("package/"):
                continue
            inner = member.name[len("package/"):]
            for src, dst in files.items():
                if inner == src or (src.endswith("/") and inner.startswith(src)):
                    path = target / (dst + inner[len(src):] if src.endswith("/") else dst)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(tar.extractfile(member).read())
    for src, dst in files.items():
        if not (target / dst).exists():
            raise SystemExit(f"slides: {name}@{version} has no {src}")


def ensure_vendor(dest: Path) -> Path:
    """Make `dest` hold the pinned vendor files: copied from slides/vendor/ when that is
    complete, else fetched with `npm pack` (integrity checked) into slides/vendor/ first."""
    dest = Path(dest)
    if _vendor_complete(dest):
        return dest
    cache = HERE / "vendor"
    if not _vendor_complete(cache):
        log("fetching reveal.js, require.js, jQuery, MathJax and Noto Sans Mono from the npm registry")
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="slides-npm-") as tmp:
            for name, (version, integrity, files) in VENDOR.items():
                _fetch_package(name, version, integrity, files, cache, Path(tmp))
        (cache / "versions.json").write_text(
            json.dumps({name: spec[0] for name, spec in VENDOR.items()}, indent=1) + "\n")
    if dest.resolve() != cache.resolve():
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(cache, dest)
    return dest


# --------------------------------------------------------------------------- decks
def slide_type(cell) -> str:
    return (cell.get("metadata", {}).get("slideshow") or {}).get("slide_type", "-")


SOLUTIONS_TAG = "solutions"  # the exercises' answer cells: worked solutions, their checks


def hidden_tags(lang, solutions=False):
    """Tags of the cells `lang`'s deck drops: other language, ci, and the solutions unless asked for."""
    return ({f"lang-{other}" for other in LANGS if other != lang} | {"ci"}
            | (set() if solutions else {SOLUTIONS_TAG}))


def language_cells(nb, lang, solutions=False):
    """The cells of `lang`'s deck: those not removed by tag (see hidden_tags)."""
    drop = hidden_tags(lang, solutions)
    return [c for c in nb.cells if not drop & set(c.get("metadata", {}).get("tags", []))]


def count_slides(nb, lang, solutions=False) -> int:
    """Slides reveal.js shows for `lang`'s deck (Reveal.getTotalSlides()).

    nbconvert opens a <section> for each `slide` cell and a nested <section> for each
    `slide` and `subslide` cell; reveal.js counts the innermost sections.  The first cell
    that is neither `skip` nor `notes` always opens a slide, whatever its own type."""
    cells = [c for c in language_cells(nb, lang, solutions) if slide_type(c) not in ("skip", "notes")]
    if not cells:
        return 0
    return 1 + sum(slide_type(c) in ("slide", "subslide") for c in cells[1:])


def deck_title(nb, lang, stem):
    """The notebook's title in `lang` from the course's table, else its first heading."""
    for record in NOTEBOOKS:
        if record.stem == stem:
            return record.title_vi if lang == "vi" else record.title
    for cell in language_cells(nb, lang):
        if cell.cell_type == "markdown":
            m = re.search(r"^\s*#+\s+(.+?)\s*#*\s*$", cell.source, re.M)
            if m:
                return re.sub(r"[*_`]", "", m.group(1))
    return stem


# --------------------------------------------------------------------------- what a slide shows
def title_slide_code(cells):
    """Indices (into `cells`) of the code cells on the deck's first slide: the set-up cell a
    notebook opens with (imports, seed, profile) is no lecture content, and a deck is a rendering
    of the run, so nothing has to run first. Only when that slide has a title or other prose:
    a deck whose first slide is code alone keeps it."""
    shown = [i for i, c in enumerate(cells) if slide_type(c) not in ("skip", "notes")]
    first = shown[:1]
    for i in shown[1:]:
        if slide_type(cells[i]) in ("slide", "subslide"):
            break
        first.append(i)
    code = [i for i in first if cells[i].cell_type == "code"]
    return code if len(code) < len(first) else []


VIETNAMESE_LETTER = re.compile("[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)


def _offset(line_starts, lineno, col):
    return line_starts[lineno - 1] + col


def one_language_code(source, lang):
    """The code as `lang`'s deck shows it: where the code says a thing in both languages, only
    `lang`'s words. Display only: the notebook's code is not changed, and what it printed stays.

    A pair is two neighbouring string literals (f-strings too, implicitly joined ones too) among
    a call's positional arguments or a tuple's, list's or set's items, the first with Vietnamese
    letters and the second without: dx.say('Số {n}', 'Number {n}', n=n) reads
    dx.say('Number {n}', n=n) in English and dx.say('Số {n}', n=n) in Vietnamese; a tuple of the
    pair alone, ('đầu vào', 'input'), becomes the one string. Keyword arguments vi=... or x_vi=...
    followed by en=... or x_en=... keep `lang`'s. Code that does not parse (after masking IPython
    magics and shell lines) is shown as it is."""
    data = source.encode("utf-8")
    masked = re.sub(rb"(?m)^([ \t]*)[%!]", rb"\1#", data)  # same offsets: ast counts UTF-8 bytes
    try:
        tree = ast.parse(masked)
    except (SyntaxError, ValueError):
        return source
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def span(node):
        return (_offset(starts, node.lineno, node.col_offset), _offset(starts, node.end_lineno, node.end_col_offset))

    def text(node):
        a, b = span(node)
        return data[a:b].decode("utf-8")

    def literal(node):
        return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))

    def pair(a, b):
        return (literal(a) and literal(b) and VIETNAMESE_LETTER.search(text(a)) is not None
                and VIETNAMESE_LETTER.search(text(b)) is None)

    def names(a, b):  # for (kind_vi, kind_en), shape in ...
        return (isinstance(a, ast.Name) and isinstance(b, ast.Name) and a.id.endswith("_vi")
                and b.id == a.id[:-3] + "_en")

    # Rows of a table: where one row's items i, i + 1 are a pair, so are the other rows'
    # (('tự viết', 'from scratch', h1), ('nn.BatchNorm', 'nn.BatchNorm', h2)).
    rows = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Tuple)) and all(isinstance(e, ast.Tuple) for e in node.elts):
            at = {i for row in node.elts for i in range(len(row.elts) - 1) if pair(*row.elts[i:i + 2])}
            for row in node.elts:
                rows[id(row)] = {i for i in at if i + 1 < len(row.elts)
                                 and literal(row.elts[i]) and literal(row.elts[i + 1])}

    edits = []  # (start, end, replacement bytes)

    def drop(first, second):
        """Keep `lang`'s of two neighbours (the Vietnamese one first) and the text around them."""
        if lang == "vi":
            edits.append((span(first)[1], span(second)[1], b""))
        else:
            edits.append((span(first)[0], span(second)[0], b""))

    for node in ast.walk(tree):
        items = (node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set))
                 else node.args if isinstance(node, ast.Call) else [])
        if isinstance(node, ast.Tuple) and len(items) == 2 and (pair(*items) or names(*items)):
            edits.append((*span(node), text(items[0] if lang == "vi" else items[1]).encode("utf-8")))
            continue
        i = 0
        while i + 1 < len(items):
            if (pair(items[i], items[i + 1]) or i in rows.get(id(node), ())
                    or (isinstance(node, ast.Tuple) and names(items[i], items[i + 1]))):
                drop(items[i], items[i + 1])
                i += 2
            else:
                i += 1
        if isinstance(node, ast.Call):
            for k1, k2 in zip(node.keywords, node.keywords[1:]):
                a, b = k1.arg or "", k2.arg or ""
                if (a, b) == ("vi", "en") or (a.endswith("_vi") and b == a[:-3] + "_en"):
                    drop(k1, k2)
    out, end = data, len(data) + 1
    for a, b, new in sorted(edits, reverse=True):  # from the end; an edit inside one made is left out
        if b <= end:
            out, end = out[:a] + new + out[b:], a
    return out.decode("utf-8")


def prepare_cells(nb, lang):
    """What `lang`'s deck shows of the notebook (its cells after the tag filters): no code on
    the title slide (title_slide_code), code in `lang` only (one_language_code), and the
    training plots tagged for the template to show them large."""
    drop = set(title_slide_code(nb.cells))
    nb.cells = [c for i, c in enumerate(nb.cells) if i not in drop]
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.source = one_language_code(cell.source, lang)
        if "fit(" in cell.source and any("image/png" in (o.get("data") or {}) for o in cell.get("outputs", [])):
            cell.metadata["tags"] = list(cell.metadata.get("tags", [])) + [TRAINING_PLOT_TAG]
    return nb


def make_exporter(lang, solutions=False):
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    c = Config()
    c.TemplateExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
    c.SlidesExporter.template_name = TEMPLATE_NAME
    for trait, url in VENDOR_URLS.items():
        setattr(c.SlidesExporter, trait, url)
    c.SlidesExporter.reveal_theme = "white"
    c.SlidesExporter.reveal_transition = "none"
    c.SlidesExporter.reveal_number = "c/t"
    c.SlidesExporter.reveal_width = str(SLIDE_WIDTH)
    c.SlidesExporter.reveal_height = str(SLIDE_HEIGHT)
    c.SlidesExporter.language_code = lang
    c.SlidesExporter.exclude_input_prompt = True
    c.SlidesExporter.exclude_output_prompt = True
    c.SlidesExporter.embed_images = True   # markdown images become data: URIs
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = hidden_tags(lang, solutions)
    return SlidesExporter(config=c)


def build_deck(path: Path, lang: str, out: Path, exporter=None, solutions=False):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb = copy.deepcopy(nb)
    title = deck_title(nb, lang, path.stem)
    nb.metadata["title"] = title
    nb.metadata.pop("widgets", None)          # no widget manager from a CDN
    keep_language(nb, lang)  # the course's outputs come once per language, marked {"lang": ..}
    nb.cells = language_cells(nb, lang, solutions)
    prepare_cells(nb, lang)
    exporter = exporter or make_exporter(lang, solutions)
    body, _ = exporter.from_notebook_node(
        nb, resources={"metadata": {"name": path.stem, "path": str(path.parent)},
                       "code_font": CODE_FONT,
                       "body_font_px": BODY_FONT_PX, "code_font_px": CODE_FONT_PX,
                       "controls_strip_px": CONTROLS_STRIP_PX, "controls_width_px": CONTROLS_WIDTH_PX,
                       "training_plot_px": TRAINING_PLOT_PX,
                       "training_plot_tag": TRAINING_PLOT_TAG,
                       "code_font_css": code_font_css(f"../vendor/{CODE_FONT_PACKAGE}/", ".reveal")})
    target = out / lang / f"{path.stem}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return {"notebook": path.name, "lang": lang, "title": title,
            "html": f"{lang}/{path.stem}.html", "pdf": f"pdf/{lang}/{path.stem}.pdf",
            "slides": count_slides(nb, lang, solutions)}


# --------------------------------------------------------------------------- PDF
def chromium_path():
    for cand in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                 shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if cand and os.path.exists(cand):
            return cand
    return None


def print_pdfs(out: Path, decks, jobs=2):
    """Print every deck in reveal.js's ?print-pdf mode, `jobs` pages at a time."""
    import asyncio

    from playwright.async_api import async_playwright

    async def one(context, deck, slots):
        async with slots:
            page = await context.new_page()
            await page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                ("file:", "data:", "blob:", "about:")) else r.abort())
            uri = (out / deck["html"]).resolve().as_uri() + "?print-pdf"
            await page.goto(uri, wait_until="load", timeout=120_000)
            await page.wait_for_function("window.slidesReady === true", timeout=120_000)
            pdf = out / deck["pdf"]
            pdf.parent.mkdir(parents=True, exist_ok=True)
            await page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
            await page.close()
            log(f"{deck['pdf']} ({count_pdf_pages(pdf)} pages)")

    async def main():
        exe = chromium_path()
        if exe is None:
            raise SystemExit("slides: no Chromium for the PDFs (apt-get install chromium, or set "
                             "$CHROMIUM; or build without PDFs: --no-pdf)")
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            try:
                context = await browser.new_context(
                    viewport={"width": SLIDE_WIDTH, "height": SLIDE_HEIGHT})
                slots = asyncio.Semaphore(max(1, jobs))
                await asyncio.gather(*(one(context, d, slots) for d in decks))
            finally:
                await browser.close()

    asyncio.run(main())


def count_pdf_pages(path: Path) -> int:
    """Pages of a PDF written by Chromium (Skia writes page objects uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", Path(path).read_bytes()))


# --------------------------------------------------------------------------- index
def write_index(out: Path, decks):
    rows = []
    for nb_name in dict.fromkeys(d["notebook"] for d in decks):  # in the order built
        cells = []
        for lang in LANGS:
            d = next((d for d in decks if d["notebook"] == nb_name and d["lang"] == lang), None)
            if d is None:
                cells.append("<td></td>")
                continue
            pdf = (f' · <a href="{d["pdf"]}">PDF</a>' if (out / d["pdf"]).exists() else "")
            cells.append(f'<td lang="{lang}"><a href="{d["html"]}">{html.escape(d["title"])}</a>'
                         f' <span class="n">({d["slides"]} slides)</span>{pdf}</td>')
        rows.append(f"<tr><th>{html.escape(nb_name[:2])}</th>{''.join(cells)}</tr>")
    page = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<title>Mạng nơ-ron tích chập hiện đại · Modern Convolutional Neural Networks: slides</title>
<style>
body {{ font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 2em auto; max-width: 70em; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .5em; text-align: left; }}
.n {{ color: #777; font-size: 90%; }}
</style></head>
<body>
<h1>Mạng nơ-ron tích chập hiện đại<br>Modern Convolutional Neural Networks</h1>
<p>Slide của từng bài, mở trực tiếp từ đĩa (không cần mạng). Nhấn <kbd>S</kbd> để xem ghi chú
của người trình bày, <kbd>Esc</kbd> để xem tổng quan.<br>
Slides of every section, opened straight from disk (no network needed). Press <kbd>S</kbd> for
speaker notes, <kbd>Esc</kbd> for the overview.</p>
<table>
<tr><th>#</th><th>{LANG_NAMES['vi']}</th><th>{LANG_NAMES['en']}</th></tr>
{chr(10).join(rows)}
</table>
</body></html>
"""
    (out / "index.html").write_text(page, encoding="utf-8")


# --------------------------------------------------------------------------- main
def find_notebooks(folder: Path):
    """The course's notebooks in `folder`, in reading order; a missing one is an error."""
    paths = notebook_paths(folder)
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"slides: the course's table (d2l_extras/sections.py) lists "
                                f"{', '.join(missing)}, not found in {folder}")
    return paths


def build(notebooks, out: Path, langs=LANGS, pdf=True, jobs=2, solutions=False):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ensure_vendor(out / "vendor")
    decks = []
    for lang in langs:
        exporter = make_exporter(lang, solutions)
        for path in notebooks:
            t = time.time()
            deck = build_deck(Path(path), lang, out, exporter, solutions)
            decks.append(deck)
            log(f"{deck['html']}: {deck['slides']} slides ({time.time() - t:.1f} s)")
    if pdf:
        print_pdfs(out, decks, jobs)
    write_index(out, decks)
    (out / "manifest.json").write_text(json.dumps(decks, indent=1, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    log(f"{len(decks)} decks, index at {out / 'index.html'}")
    return decks


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", type=Path,
                    help="notebooks to convert (default: every notebook of the course's table)")
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: slides/)")
    ap.add_argument("--lang", choices=LANGS, action="append", help="only this language (repeatable)")
    ap.add_argument("--no-pdf", dest="pdf", action="store_false", help="skip the PDFs")
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1),
                    help="decks printed to PDF at the same time (default: cores, at most 4)")
    ap.add_argument("--solutions", action="store_true",
                    help="keep the exercises' worked solutions (instructor decks; hidden by default)")
    args = ap.parse_args(argv)
    try:
        notebooks = args.notebooks or find_notebooks(ROOT / "notebooks")
    except FileNotFoundError as err:
        raise SystemExit(str(err)) from None
    build(notebooks, args.out, tuple(args.lang or LANGS), args.pdf, args.jobs, args.solutions)


if __name__ == "__main__":
    main()
