"""Sphinx configuration of the course website (scripts/website.py runs it once per language).

scripts/website.py writes each language's pages into a folder of their own and passes what only
it knows (the course's title, the pages of the other language) in the JSON file named by
``$COURSE_SITE_META``; ``-D language=vi|en`` picks the language.
"""
import json
import os
from pathlib import Path

META = json.loads(Path(os.environ["COURSE_SITE_META"]).read_text(encoding="utf-8"))
LANG = META["lang"]
TEXT = META["text"]  # the site's own words in this language

project = TEXT["course"]
author = ""
copyright = ""
language = LANG
root_doc = "index"
extensions = ["myst_nb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
locale_dirs = [META["locales"]]  # site_src/locales: the theme's words that no catalog has in Vietnamese

# Notebooks: the committed outputs, never executed.
nb_execution_mode = "off"
nb_merge_streams = True
nb_render_markdown_format = "gfm"  # the course's tables are printed as Markdown tables
myst_enable_extensions = ["dollarmath", "amsmath", "html_image"]
myst_dmath_double_inline = True  # "$$…$$" inside a paragraph or list item, as Jupyter draws it
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]

# Offline: MathJax from the decks' own copy (slides/vendor), no CDN.
mathjax_path = "mathjax/tex-svg-full.js"
html_theme = "sphinx_book_theme"
html_title = TEXT["course"]
html_static_path = ["_static", META["static"]]
html_extra_path = [META["extra"]]
html_css_files = ["course.css", "code-font.css"]
html_js_files = ["translations-vi.js"] if LANG == "vi" else []
html_copy_source = False
html_show_sourcelink = False
html_show_sphinx = False
html_last_updated_fmt = None
html_search_language = "en" if LANG == "en" else "vi"
html_show_search_summary = False  # the summaries are fetched, and fetch() fails on file://
html_permalinks_icon = "#"
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "article_header_end": ["lang-switch.html", "article-header-buttons.html"],
    "toc_title": TEXT["toc"],
    "search_bar_text": TEXT["search"],
    "show_prev_next": True,
    "navigation_with_keys": False,
}
html_context = {"site": META, "default_mode": "light"}


def page_context(app, pagename, templatename, context, doctree):
    """The same page in the other language, else the other language's home page."""
    other = META["other"]
    target = pagename if pagename in META["other_pages"] else "index"
    depth = pagename.count("/")
    context["other_lang_url"] = "../" * (depth + 1) + f"{other}/{target}.html"


def setup(app):
    app.connect("html-page-context", page_context)
