"""What the slide tests need besides slides/build.py: the build module, a browser, decks opened offline."""
import importlib.util
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def load_script(relative_path, name):
    """A script of the repository (slides/build.py, scripts/student.py, ...) as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / relative_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_build():
    """slides/build.py as a module (slides/ is not a package)."""
    return load_script("slides/build.py", "slides_build")


build = load_build()


def missing_browser_reason():
    """Why no browser test can run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright==1.65.2)"
    if build.chromium_path() is None:
        return "no Chromium (apt-get install chromium, or set $CHROMIUM)"
    return None


def need_browser():
    """Skip without a browser, except in CI (CI=true) where that is a failure."""
    reason = missing_browser_reason()
    if reason:
        if IN_CI:
            pytest.fail(f"slides tests need a browser in CI: {reason}")
        pytest.skip(reason)


def launch_browser(playwright):
    """The system Chromium, headless, with the build's arguments."""
    return playwright.chromium.launch(executable_path=build.chromium_path(), args=build.CHROMIUM_ARGS)


def block_network(page, failed=None):
    """Abort every request that is not file:, data:, blob: or about: (recorded in `failed`)."""
    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            r.continue_()
        else:
            if failed is not None:
                failed.append(url)
            r.abort()
    page.route("**/*", route)


class DeckPage:
    """A deck opened from disk at the slide size with the network blocked, and what went wrong."""

    def __init__(self, browser, path, timeout=60_000):
        self.context = browser.new_context(viewport={"width": build.SLIDE_WIDTH, "height": build.SLIDE_HEIGHT})
        self.page = self.context.new_page()
        self.errors, self.blocked, self.failed = [], [], []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: r.url not in self.blocked and self.failed.append(
            f"{r.url}: {r.failure}"))
        block_network(self.page, self.blocked)
        try:
            self.page.goto(Path(path).resolve().as_uri(), wait_until="load", timeout=timeout)
            self.page.wait_for_function("window.slidesReady === true", timeout=timeout)
        except Exception as e:
            self.close()
            raise AssertionError(f"{Path(path).name} never got ready ({e}); console errors {self.errors}, "
                                 f"blocked {self.blocked}, failed {self.failed}") from None

    def close(self):
        self.context.close()


# ----------------------------------------------------------------- what a deck shows
# The slides a reader sees, in order: reveal.js nests a vertical stack's slides in a <section>
# of its own, which is not a slide. Written LEAF_SLIDES in the scripts below (``with_leaves``).
LEAF_SLIDES_JS = "[...document.querySelectorAll('.reveal .slides section')].filter(s => !s.querySelector('section'))"


def with_leaves(script):
    """A page script with LEAF_SLIDES standing for the array of leaf slides."""
    return script.replace("LEAF_SLIDES", LEAF_SLIDES_JS)


# Every text a student reads on the slides, prose and outputs (not code, not speaker notes):
# innermost text blocks, each line (of a <pre>, or ended by <br>) on its own; elements hidden by CSS are left out.
VISIBLE_TEXTS_JS = with_leaves("""() => {
  const blocks = 'p, li, th, td, h1, h2, h3, h4, h5, h6, pre, figcaption, blockquote, dt, dd';
  const leaves = LEAF_SLIDES;
  const texts = [];
  leaves.forEach((slide, n) => {
    for (const el of slide.querySelectorAll(blocks)) {
      if (el.closest('.jp-InputArea, aside.notes, mjx-container') || el.querySelector(blocks)) continue;
      let hidden = false;
      for (let e = el; e && e !== slide; e = e.parentElement) {
        if (getComputedStyle(e).display === 'none') { hidden = true; break; }
      }
      if (hidden) continue;
      const copy = el.cloneNode(true);  // a <br> ends a line as a newline does
      copy.querySelectorAll('br').forEach(br => br.replaceWith('\\n'));
      for (const line of copy.textContent.split('\\n')) {
        const t = line.replace(/\\s+/g, ' ').trim();
        if (t) texts.push([n + 1, t]);
      }
    }
  });
  return texts;
}""")
FIT_ZOOMS_JS = with_leaves("""() => LEAF_SLIDES.map(s => parseFloat(s.getAttribute('data-fit-zoom') || '1'))""")

# What runs past a slide's right edge, cut off on screen and in the PDF: per slide (0-based),
# each code block or printed output whose text, or table or image whose box, reaches past the
# box that clips it (an ancestor that hides its overflow, or the slide's canvas), by how many
# pixels, and its longest line. Every slide is laid out for the measurement (reveal.js shows
# one at a time), after the deck's own fitting.
OVERFLOW_JS = with_leaves("""() => {
  const style = document.createElement('style');
  style.textContent = '.reveal .slides section { display: block !important; }';
  document.head.appendChild(style);
  const found = [];
  const canvas = document.querySelector('.reveal .slides').getBoundingClientRect().right;
  const leaves = LEAF_SLIDES;
  leaves.forEach((slide, n) => {
    for (const el of slide.querySelectorAll('pre, table, img')) {
      if (el.closest('aside.notes') || el.getClientRects().length === 0) continue;
      let drawn = el.getBoundingClientRect();
      if (el.tagName === 'PRE') {
        const range = document.createRange();
        range.selectNodeContents(el);
        drawn = range.getBoundingClientRect();
      }
      let clip = canvas;
      for (let e = el.parentElement; e && e !== slide; e = e.parentElement) {
        if (getComputedStyle(e).overflowX !== 'visible') clip = Math.min(clip, e.getBoundingClientRect().right);
      }
      if (drawn.right > clip + 1) {
        const line = (el.textContent || '').split('\\n').reduce((a, b) => a.length >= b.length ? a : b, '');
        found.push([n, el.tagName.toLowerCase(), Math.round(drawn.right - clip), line.slice(0, 80)]);
      }
    }
  });
  style.remove();
  return found;
}""")

VIETNAMESE_LETTER = re.compile("[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)
# English words of the course's prose and printed outputs that Vietnamese text does not borrow
# ("batch" and "epoch" it does, per the glossary).
ENGLISH_WORDS = set("""the of and to with instead for than from this that these is are was be needs need
fewer more less at least images image parameters parameter run runs uses use used train training test
loss acc accuracy examples example per sec seconds schedule profile book settings setting input inputs
network networks layer layers output shape total vs times faster slower mean without which when where
not only each every all its it in on by as or what how why can see""".split())


def other_language_strings(texts, lang):
    """The texts of a `lang` deck that read as the other language (a heuristic, for reporting).

    On a Vietnamese deck: a text without any Vietnamese letter in which common English words are
    at least half of the words, or three or more. On an English deck: a text with two or more
    Vietnamese words."""
    found = []
    for slide, text in texts:
        words = re.findall(r"[^\W\d_]+", text.lower())
        if lang == "vi":
            english = [w for w in words if w in ENGLISH_WORDS]
            if not VIETNAMESE_LETTER.search(text) and english and (2 * len(english) >= len(words) or len(english) >= 3):
                found.append((slide, text))
        elif sum(bool(VIETNAMESE_LETTER.search(w)) for w in words) >= 2:
            found.append((slide, text))
    return found


def fonts_drawn(page, selector):
    """The fonts Chromium really drew each element matching ``selector`` with (DevTools'
    CSS.getPlatformFontsForNode): a list of (text, [font family, ...]). Only laid-out, shown
    elements report fonts. A font without a letter's precomposed glyph is still reported when it
    draws the letter in pieces (DejaVu Sans Mono's "ố" is o, ˆ and ´)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        found = []
        for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]:
            html = cdp.send("DOM.getOuterHTML", {"nodeId": node})["outerHTML"]
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            found.append((re.sub(r"<[^>]+>|\s+", " ", html).strip(), [f["familyName"] for f in fonts]))
        return found
    finally:
        cdp.detach()


def vietnamese_output_fonts(deck, max_slides=3):
    """The fonts the deck's Vietnamese outputs were drawn with (``fonts_drawn``), on the first
    ``max_slides`` slides that have one: a list of (slide index, first 40 characters, [family, ...])
    per output <pre>. Each slide is shown first, with its fragments, so that it is laid out."""
    page = deck.page
    slides = page.evaluate(with_leaves("""(pattern) => {
      const re = new RegExp(pattern, 'i');
      const leaves = LEAF_SLIDES;
      const out = [];
      leaves.forEach((s, n) => {
        if ([...s.querySelectorAll('.jp-OutputArea-output pre')].some(p => re.test(p.textContent))) {
          const i = Reveal.getIndices(s);
          out.push([n, i.h, i.v || 0]);
        }
      });
      return out;
    }"""), VIETNAMESE_LETTER.pattern)
    found = []
    for n, h, v in slides[:max_slides]:
        page.evaluate(f"Reveal.slide({h}, {v}, 999)")  # every fragment shown: hidden text is not drawn
        page.wait_for_timeout(100)
        for text, fonts in fonts_drawn(page, ".reveal .slides section.present:not(.stack) .jp-OutputArea-output pre"):
            if VIETNAMESE_LETTER.search(text):
                found.append((n, text[:40], fonts))
    return found


# ----------------------------------------------------------------- readable from the back row
# Per slide (1-based), what a hall sees of it (issue 39): each slide is shown in turn, every
# fragment in, at the deck's scale (Reveal.getScale()) and the slide's fit zoom.
#   body, code: the smallest text as drawn (computed font size × zoom × scale), px, with the
#               text; code is code cells' input and outputs (printed or tables) and code in prose,
#               body the rest (headings, prose, its tables); speaker notes and formulas are left out
#   words:      words of prose (markdown cells) on the slide, fragments included, notes not
#   plots:      live training plots (a PNG output of a code cell that calls fit(): dx.fit's
#               450×300 figure) as [width drawn, slide width drawn, label size drawn], labels
#               being the figure's 10 pt = 13.9 px text scaled as the image is
#   under:      text, images and tables drawn under a shown navigation arrow or the slide number
#   code:       whether the slide has a code cell
BACK_ROW_JS = with_leaves("""() => {
  const leaves = LEAF_SLIDES, scale = Reveal.getScale();
  const zoomOf = (el) => { let z = 1; for (let e = el; e; e = e.parentElement) z *= parseFloat(getComputedStyle(e).zoom || '1'); return z; };
  const shown = (el, slide) => { for (let e = el; e && e !== slide; e = e.parentElement) {
      const cs = getComputedStyle(e); if (cs.display === 'none' || cs.visibility === 'hidden') return false; } return true; };
  const arrows = () => [...document.querySelectorAll('.reveal .controls button'), document.querySelector('.reveal .slide-number')]
    .filter(b => b && getComputedStyle(b).display !== 'none' && (b.tagName !== 'BUTTON' || b.classList.contains('enabled')))
    .map(b => b.getBoundingClientRect()).filter(r => r.width > 0);  // (enabled, not opacity: it may be mid-transition)
  const hits = (r, a) => r.width > 0 && r.height > 0 && r.left < a.right && r.right > a.left && r.top < a.bottom && r.bottom > a.top;
  const out = [];
  leaves.forEach((slide, n) => {
    const i = Reveal.getIndices(slide);
    Reveal.slide(i.h, i.v || 0, 999);
    Reveal.layout();
    const res = {slide: n + 1, zoom: parseFloat(slide.getAttribute('data-fit-zoom') || '1'), scale,
                 body: [1e9, ''], code: [1e9, ''], words: 0, plots: [], under: [],
                 code_cell: !!slide.querySelector('.jp-CodeCell .jp-InputArea')};
    const as = arrows();
    const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const el = t.parentElement, text = t.textContent.trim();
      if (!text || el.closest('aside.notes, mjx-container, script, style') || !shown(el, slide)) continue;
      const px = parseFloat(getComputedStyle(el).fontSize) * zoomOf(el) * scale;
      const kind = el.closest('.jp-CodeCell .jp-InputArea, .jp-CodeCell .jp-OutputArea, code, pre') ? 'code' : 'body';
      if (px < res[kind][0]) res[kind] = [Math.round(px * 100) / 100, text.slice(0, 60)];
      const range = document.createRange(); range.selectNodeContents(t);
      for (const r of range.getClientRects()) for (const a of as) if (hits(r, a)) res.under.push(text.slice(0, 60));
    }
    for (const el of slide.querySelectorAll('img, table'))
      if (!el.closest('aside.notes') && shown(el, slide)) for (const a of as)
        if (hits(el.getBoundingClientRect(), a)) res.under.push('<' + el.tagName.toLowerCase() + '>');
    for (const cell of slide.querySelectorAll('.jp-MarkdownCell')) {
      if (!shown(cell, slide)) continue;
      const copy = cell.cloneNode(true);
      copy.querySelectorAll('aside.notes, mjx-container, script, style').forEach(e => e.remove());
      res.words += copy.textContent.split(/\\s+/).filter(w => /[\\p{L}\\p{N}]/u.test(w)).length;
    }
    for (const cell of slide.querySelectorAll('.jp-CodeCell')) {
      const input = cell.querySelector('.jp-InputArea');
      if (!input || !/\\bfit\\(/.test(input.textContent)) continue;
      for (const img of cell.querySelectorAll('.jp-OutputArea img')) {
        if (!shown(img, slide) || img.naturalWidth === 0) continue;
        const w = img.getBoundingClientRect().width, slideW = slide.getBoundingClientRect().width;
        res.plots.push([Math.round(w), Math.round(slideW), Math.round(1000 * 10 * 100 / 72 * w / img.naturalWidth) / 1000]);
      }
    }
    res.under = [...new Set(res.under)];
    out.push(res);
  });
  Reveal.slide(0, 0, 0);
  return out;
}""")
