"""The course website (`make site`, scripts/website.py): both languages, offline, in Chromium.

Builds the student site of every notebook into a temporary folder with the site's own
sphinx-build (.venv-site, made by `make site`; $SPHINX_BUILD names another), then opens every
page of both languages from disk in headless Chromium with every non-file:// request aborted, at
1280 and at 375 px wide, and checks: no console error, every image drawn, every internal link and
its anchor found, no text of the other language (the decks' check, slides_helpers), the language
switch leading to the same page, nothing past the right edge on a phone, and the search of each
language; and, in the HTML, the sidebar's titles in the page's language and no formula left with
its Markdown dollar signs. The student site is checked for the exercises' solutions as the
student edition is (tests/test_student.py).

The decks' PDFs are printed by `make slides` (tests/test_slides.py checks them); here a PDF
stands in for one section's, to check that a page links the PDF of its edition, and only then.
Without Chromium, playwright or the site's environment these tests skip, except in CI (CI=true).
"""
import html
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from d2l_extras.sections import NOTEBOOKS
from slides_helpers import (IN_CI, ROOT, VIETNAMESE_LETTER, block_network, launch_browser, load_script,
                            need_browser, other_language_strings)
from test_student import WITH_EXERCISES, grader, solution_pieces, source

website = load_script("scripts/website.py", "website")
LANGS = website.LANGS
WIDTHS = (1280, 375)
# A page in both languages by design: the glossary pairs the terms of the two (docs/glossary.md).
BILINGUAL = {"glossary"}
WITH_PDF = "05_batch_norm"
SEARCHES = {"vi": ("chuẩn hóa theo batch", "05_batch_norm"), "en": ("batch normalization", "05_batch_norm")}

def sphinx_build():
    """The site environment's sphinx-build, or None."""
    path = Path(os.environ.get("SPHINX_BUILD") or ROOT / ".venv-site" / "bin" / "sphinx-build")
    return path if path.is_file() else None


def need_site_environment():
    if sphinx_build() is None:
        reason = "no site environment: run `make site` (or set $SPHINX_BUILD)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)


def stand_in_pdfs(folder, notebook):
    """slides/pdf/ as `make slides` leaves it, for one notebook: a manifest with the student
    decks' slide counts and a one-page PDF per language."""
    nb = nbformat.read(notebook, as_version=4)
    decks = []
    for lang in LANGS:
        pdf = folder / "pdf" / lang / f"{notebook.stem}.pdf"
        pdf.parent.mkdir(parents=True, exist_ok=True)
        pdf.write_bytes(b"%PDF-1.4\n% stand-in for the deck's PDF\n")
        decks.append({"notebook": notebook.name, "lang": lang, "slides": website.deck.count_slides(nb, lang)})
    (folder / "manifest.json").write_text(json.dumps(decks))
    return folder / "pdf"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    need_browser()
    need_site_environment()
    tmp = tmp_path_factory.mktemp("site")
    notebooks = website.student.notebooks(ROOT / "notebooks")
    pdfs = stand_in_pdfs(tmp / "slides", ROOT / "notebooks" / f"{WITH_PDF}.ipynb")
    t = time.time()
    result = website.build(notebooks, tmp / "site", str(sphinx_build()), pdf_dir=pdfs)
    print(f"site built in {time.time() - t:.0f} s")
    return {"out": tmp / "site", "pdfs": result["pdfs"]}


def pages(out, lang):
    return sorted(p.relative_to(out / lang).as_posix() for p in (out / lang).glob("*.html"))


# ----------------------------------------------------------------- what a page shows
# Innermost text blocks a reader sees, as the decks' check reads them (VISIBLE_TEXTS_JS of
# slides_helpers), on the whole page: code (the cells' input) and math are left out. A line
# ends at a <br> or, in a <pre>, at a newline (elsewhere a newline is a space).
PAGE_TEXTS_JS = """() => {
  const blocks = 'p, li, th, td, h1, h2, h3, h4, h5, h6, pre, figcaption, blockquote, dt, dd, a, button, label';
  const texts = [];
  for (const el of document.body.querySelectorAll(blocks)) {
    if (el.closest('.cell_input, mjx-container, script, style') || el.querySelector(blocks)) continue;
    if (el.closest('[lang]').lang !== document.documentElement.lang) continue;  // marked as the other's: the switch
    if (el.getClientRects().length === 0 || getComputedStyle(el).visibility !== 'visible') continue;
    const copy = el.cloneNode(true);
    copy.querySelectorAll('br').forEach(br => br.replaceWith('\\u2028'));
    let text = copy.textContent;
    if (!el.closest('pre')) text = text.replace(/\\n/g, ' ');
    for (const line of text.split(/[\\n\\u2028]/)) {
      const t = line.replace(/\\s+/g, ' ').trim();
      if (t) texts.push([0, t]);
    }
  }
  return texts;
}"""
# A work cited in its own language: "Ioffe, S., & Szegedy, C. (2015). Batch normalization: ..."
CITATION = re.compile(r"^[^\W\d_][\w'-]*, (?:[^\W\d_]\. ?)+[,(&]")
# A quotation mentions words of the other language ("“mỗi mẫu” shows loose accents"): not read as prose.
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


def prose(texts):
    """The page's texts less citations and quotations (see CITATION, QUOTED)."""
    return [(n, QUOTED.sub("", t)) for n, t in texts if not CITATION.match(t)]

# What runs past the right edge of a phone's screen: each shown element whose box, clipped by
# the boxes that scroll or hide their overflow around it, reaches past the viewport.
OVERFLOW_JS = """() => {
  const found = [];
  const width = document.documentElement.clientWidth;
  for (const el of document.body.querySelectorAll('*')) {
    if (el.getClientRects().length === 0 || getComputedStyle(el).visibility !== 'visible') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0) continue;
    let right = box.right;
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== 'visible') right = Math.min(right, e.getBoundingClientRect().right);
    }
    if (right > width + 1) found.push([el.tagName.toLowerCase() + '.' + el.className, Math.round(right - width),
                                       (el.textContent || '').trim().slice(0, 60)]);
  }
  return found.slice(0, 5);
}"""

LINKS_JS = """() => [...document.querySelectorAll('a[href]')].map(a => a.href)"""
IMAGES_JS = """() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"""


def open_page(browser, uri, width):
    """A page from disk at `width` px with the network blocked; (page, errors, blocked)."""
    context = browser.new_context(viewport={"width": width, "height": 720})
    page = context.new_page()
    errors, blocked = [], []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: r.url not in blocked and errors.append(f"{r.url}: {r.failure}"))
    block_network(page, blocked)
    page.goto(uri, wait_until="load")
    page.wait_for_function("!window.MathJax || !MathJax.startup || MathJax.startup.promise", timeout=30_000)
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    return page, errors, blocked


def missing_target(link, out):
    """Why a file:// link of the site does not resolve (file or anchor), or None."""
    parts = urlsplit(link)
    path = Path(unquote(parts.path))
    if path.is_dir():
        path = path / "index.html"
    if not path.is_file():
        return "no such file"
    if not path.resolve().is_relative_to(out.resolve()):
        return "outside the site"
    if parts.fragment and path.suffix == ".html":
        ids = set(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))
        if unquote(parts.fragment) not in ids:
            return f"no anchor #{parts.fragment}"
    return None


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = launch_browser(p)
        yield b
        b.close()


@pytest.mark.browser
@pytest.mark.slow
# ----------------------------------------------------------------- tests
@pytest.mark.parametrize("lang", LANGS)
def test_every_page_works_offline_in_its_language_at_both_widths(site, browser, lang):
    out = site["out"]
    other = next(o for o in LANGS if o != lang)
    problems = []
    for name in pages(out, lang):
        stem = name[:-len(".html")]
        for width in WIDTHS:
            page, errors, blocked = open_page(browser, (out / lang / name).resolve().as_uri(), width)
            where = f"{lang}/{name} at {width} px"
            try:
                if errors:
                    problems.append(f"{where}: console errors {errors[:3]}")
                if blocked:
                    problems.append(f"{where}: requests off the disk {blocked[:3]}")
                if broken := page.evaluate(IMAGES_JS):
                    problems.append(f"{where}: images not drawn {broken[:3]}")
                if width == 375 and (past := page.evaluate(OVERFLOW_JS)):
                    problems.append(f"{where}: past the right edge {past}")
                if width == 1280:
                    for link in sorted(set(page.evaluate(LINKS_JS))):
                        if link.startswith("file:") and (why := missing_target(link, out)):
                            problems.append(f"{where}: link {link}: {why}")
                    if stem not in BILINGUAL and (wrong := other_language_strings(
                            prose(page.evaluate(PAGE_TEXTS_JS)), lang)):
                        problems.append(f"{where}: text in the other language {[t for _, t in wrong[:3]]}")
                    switch = page.locator("a.lang-switch")
                    assert switch.count() == 1, f"{where}: no language switch"
                    switch.click()
                    page.wait_for_load_state("load")
                    landed = Path(unquote(urlsplit(page.url).path))
                    want = out / other / name if (out / other / name).is_file() else out / other / "index.html"
                    if landed != want.resolve() or page.evaluate("document.documentElement.lang") != other:
                        problems.append(f"{where}: the language switch leads to {landed}, not {want}")
            finally:
                page.context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.browser
@pytest.mark.slow
def test_the_root_page_offers_both_languages(site, browser):
    out = site["out"]
    for width in WIDTHS:
        page, errors, blocked = open_page(browser, (out / "index.html").resolve().as_uri(), width)
        try:
            links = page.evaluate(LINKS_JS)
            assert [Path(urlsplit(link).path).relative_to(out.resolve()).as_posix() for link in links] == [
                f"{lang}/index.html" for lang in LANGS]
            assert all(missing_target(link, out) is None for link in links)
            assert not errors and not blocked and not page.evaluate(OVERFLOW_JS), (errors, blocked)
        finally:
            page.context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_every_section_page_links_colab_binder_download_deck_and_its_pdf(site):
    out = site["out"]
    assert set(site["pdfs"]) == {(lang, WITH_PDF) for lang in LANGS}
    for lang in LANGS:
        for nb in NOTEBOOKS:
            text = (out / lang / f"{nb.stem}.html").read_text(encoding="utf-8")
            links = re.search(r'<div class="course-links">(.*?)</div>', text, re.S)
            assert links, f"{lang}/{nb.stem}: no links under the title"
            hrefs = re.findall(r'href="([^"]+)"', links.group(1))
            assert f"https://colab.research.google.com/github/{website.REPO}/blob/main/notebooks/{nb.stem}.ipynb" in hrefs
            assert any(h.startswith("https://mybinder.org/v2/gh/") and h.endswith(f"notebooks/{nb.stem}.ipynb") for h in hrefs)
            local = [h for h in hrefs if not h.startswith("https:")]
            want = [f"notebooks/{nb.stem}.ipynb", f"../slides/{lang}/{nb.stem}.html"]
            want += [f"../slides/pdf/{lang}/{nb.stem}.pdf"] if nb.stem == WITH_PDF else []
            assert local == want, f"{lang}/{nb.stem}: {local}"
            for href in local:
                assert (out / lang / href).is_file(), f"{lang}/{nb.stem}: {href} is not in the site"
            download = nbformat.read(out / lang / f"notebooks/{nb.stem}.ipynb", as_version=4)
            assert download.metadata["d2l_lang"] == lang


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_search_finds_the_batch_normalization_page(site, browser, lang):
    query, stem = SEARCHES[lang]
    search = (site["out"] / lang / "search.html").resolve().as_uri()
    page, errors, blocked = open_page(browser, f"{search}?q={query}", 1280)
    try:
        page.wait_for_selector("#search-results ul.search li", timeout=30_000)
        page.wait_for_function("document.querySelector('#search-results .search-summary').textContent.trim()",
                               timeout=30_000)  # the summary, in the page's language
        summary = page.locator("#search-results .search-summary").inner_text()
        assert not other_language_strings([(0, summary)], lang), summary
        hits = page.evaluate("() => [...document.querySelectorAll('#search-results ul.search li a')].map(a => a.href)")
        assert hits and Path(urlsplit(hits[0]).path).name == f"{stem}.html", (query, hits[:5])
        # and from the search box of a page, as a reader types it
        page.goto((site["out"] / lang / "index.html").resolve().as_uri())
        page.keyboard.press("Control+k")
        page.keyboard.type(query)
        page.keyboard.press("Enter")
        page.wait_for_selector("#search-results ul.search li", timeout=30_000)
        assert f"{stem}.html" in page.locator("#search-results ul.search li a").first.get_attribute("href")
        assert not errors and not blocked, (errors, blocked)
    finally:
        page.context.close()


STRAIGHT_QUOTES = str.maketrans("‘’“”", "''\"\"")


def page_text(path):
    """What a page says, markup taken out: tags, and the math MathJax would draw."""
    text = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", "", path.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r"\\\(.*?\\\)|\\\[.*?\\\]", " ", html.unescape(text), flags=re.S)
    return re.sub(r"\s+", " ", text.translate(STRAIGHT_QUOTES))  # Sphinx's typographic quotes


def plain(piece):
    """A solution's line as a page shows it: Markdown emphasis, code marks, links and math taken out."""
    piece = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", piece)
    piece = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", piece)
    piece = re.sub(r"^\s*(#+|[-*+]|\d+\.|>)\s+", "", piece)
    piece = re.sub(r"(?<!\s)(\*\*|__)|(\*\*|__)(?!\s)|`|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)", "", piece)
    return re.sub(r"\s+", " ", piece).strip()


def site_pieces(nb):
    """solution_pieces (tests/test_student.py) as a page shows them (``plain``), less those that
    then read as a text or output of the notebook outside its solutions (a code line that the
    notebook breaks in two, the same line with other spacing)."""
    outside = [c for c in nb["cells"] if not grader(c).get("solution")]
    texts = [source(c) for c in outside] + ["".join(o.get("text", "")) for c in outside for o in c.get("outputs", [])]
    elsewhere = " ".join(re.sub(r"\s+", " ", t) for t in texts) + " ".join(
        plain(line) for t in texts for line in t.splitlines())
    return [p for p in map(plain, solution_pieces(nb)) if len(p) >= 12 and p not in elsewhere]


def leaks(pieces, text):
    return [p for p in pieces if p in text]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_no_solution_text_or_output_on_the_student_site(path, site):
    """The student edition's leak test (tests/test_student.py) on every file of the site that
    comes from the notebook: both languages' pages, their downloads and decks."""
    out = site["out"]
    nb = json.loads(path.read_text(encoding="utf-8"))
    pieces = site_pieces(nb)
    assert len(pieces) > 20
    for lang in LANGS:
        files = [out / lang / f"{path.stem}.html", out / "slides" / lang / f"{path.stem}.html"]
        for target in files:
            found = leaks(pieces, page_text(target))
            assert not found, f"{target.relative_to(out)}: {found[:3]}"
        download = out / lang / "notebooks" / path.name
        text = json.dumps(json.loads(download.read_text(encoding="utf-8")), ensure_ascii=False)
        found = [p for p in solution_pieces(nb) if json.dumps(p, ensure_ascii=False)[1:-1] in text]
        assert not found, f"{download.relative_to(out)}: {found[:3]}"


@pytest.mark.slow
def test_the_leak_test_finds_the_solutions_on_the_instructors_site(tmp_path):
    """The check above would see a solution: on the instructor's site (--solutions) of one
    notebook, nine in ten of its solution lines are found on its pages (each language's
    solutions on that language's page)."""
    need_site_environment()
    path = WITH_EXERCISES[-1]
    out = tmp_path / "site"
    website.build([path], out, str(sphinx_build()), solutions=True, pdf_dir=tmp_path / "none")
    pieces = site_pieces(json.loads(path.read_text(encoding="utf-8")))
    found = set()
    for lang in LANGS:
        found |= set(leaks(pieces, page_text(out / lang / f"{path.stem}.html")))
    assert len(found) >= 0.9 * len(pieces), sorted(set(pieces) - found)[:5]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_the_sidebar_names_every_page_in_the_page_language(site, lang):
    """Every page's sidebar lists the site's pages by their titles: each in the page's language
    (on the Vietnamese site each has a Vietnamese letter, a stricter check than the prose's
    heuristic, which reads "Vietnamese ↔ English terms for this course" as neither)."""
    text = (site["out"] / lang / "index.html").read_text(encoding="utf-8")
    nav = re.search(r'<nav class="bd-links bd-docs-nav".*?</nav>', text, re.S).group(0)
    titles = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", t)).split())
              for t in re.findall(r'<a class="reference internal"[^>]*>(.*?)</a>', nav, re.S)]
    assert len(titles) >= len(NOTEBOOKS), titles
    if lang == "vi":
        wrong = [t for t in titles if not VIETNAMESE_LETTER.search(t)]
    else:
        wrong = [t for _, t in other_language_strings([(0, t) for t in titles], lang)]
    assert not wrong, wrong


# A dollar sign of the Markdown left beside a formula ("$<math>$": "$$…$$" read as "$" + "$…$" + "$").
STRAY_DOLLAR = re.compile(r'\$\s*<span class="math|</span>\s*\$|\$\$')


@pytest.mark.browser
@pytest.mark.slow
def test_every_formula_is_math_without_its_dollar_signs(site):
    out = site["out"]
    found = []
    for lang in LANGS:
        for name in pages(out, lang):
            text = (out / lang / name).read_text(encoding="utf-8")
            text = re.sub(r"<(script|style|pre|code)\b.*?</\1>", "", text, flags=re.S)  # code may hold a $
            found += [f"{lang}/{name}: …{text[max(m.start() - 60, 0):m.end() + 20]}…" for m in STRAY_DOLLAR.finditer(text)]
    assert not found, "\n".join(found[:5])


def test_a_pdf_of_the_other_edition_is_not_copied(tmp_path):
    """A student site never copies the PDF of an instructor's deck (more slides: the solutions)."""
    path = ROOT / "notebooks" / f"{WITH_PDF}.ipynb"
    pdfs = stand_in_pdfs(tmp_path / "slides", path)
    assert set(website.edition_pdfs(pdfs, [path], solutions=False)) == {(lang, WITH_PDF) for lang in LANGS}
    assert website.edition_pdfs(pdfs, [path], solutions=True) == {}


def test_links_become_links_of_the_site():
    pages, other_pages = ["05_batch_norm", "setup", "glossary"], ["setup"]
    text = ("[a](../docs/en/setup.md#gpu) [b](../docs/vi/setup.md) [c](../docs/glossary.md) [d](05_batch_norm.ipynb) "
            "[e](../docs/benchmarks.md) [f](https://d2l.ai) [g](#top) ![h](figure.png)")
    got = website.site_links(text, "en", pages, other_pages, "notebooks/01_alexnet.ipynb")
    assert got == ("[a](setup.md#gpu) <a href=\"../vi/setup.html\">b</a> [c](glossary.md) [d](05_batch_norm.ipynb) "
                   f"[e](https://github.com/{website.REPO}/blob/main/docs/benchmarks.md) [f](https://d2l.ai) [g](#top) "
                   "![h](figure.png)")
    page = website.reference_page("# Set-up\n\n[Tiếng Việt](../vi/setup.md)\n\nSee [glossary](../glossary.md).\n",
                                  "en", pages, other_pages, "docs/en/setup.md")
    assert page == "# Set-up\n\nSee [glossary](glossary.md).\n"
