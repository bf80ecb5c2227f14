"""The README and the reference pages under docs/: the maintainers' map lists every module,
the README stays a short front door whose commands exist, and each page has its other-language
counterpart. Fast: text only."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MAP_PAGES = [ROOT / "docs" / "en" / "maintainers.md", ROOT / "docs" / "vi" / "maintainers.md"]
README_LIMIT = 6 * 1024  # bytes per language


def modules_on_disk():
    """Every Python module the map must list, as a path relative to the repository."""
    paths = list(ROOT.glob("d2l_extras_*.py"))  # the start-up modules beside the package
    for pattern in ("d2l_extras/**/*.py", "course_tools/**/*.py", "scripts/*.py", "slides/*.py"):
        paths.extend(ROOT.glob(pattern))
    return {p.relative_to(ROOT).as_posix() for p in paths}


def modules_in_map(page):
    """The modules a map page names in its tables: the first cell of each row, in backticks."""
    rows = re.findall(r"^\| `([\w/.-]+\.py)` \|", page.read_text(encoding="utf-8"), re.M)
    return set(rows)


@pytest.mark.parametrize("page", MAP_PAGES, ids=lambda p: p.parent.name)
def test_the_maintainers_map_lists_every_module(page):
    on_disk, listed = modules_on_disk(), modules_in_map(page)
    assert not on_disk - listed, f"modules missing from {page.relative_to(ROOT)}: {sorted(on_disk - listed)}"
    assert not listed - on_disk, f"{page.relative_to(ROOT)} lists modules that do not exist: {sorted(listed - on_disk)}"


def readme_parts():
    """The README's English and Vietnamese parts, from their headings to the next rule or the end."""
    text = README.read_text(encoding="utf-8")
    en = text.index("\n## English\n")
    vi = text.index("\n## Tiếng Việt\n")
    return {"en": text[en:vi], "vi": text[vi:]}


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_readme_is_a_short_front_door(lang):
    part = readme_parts()[lang]
    size = len(part.encode("utf-8"))
    assert size <= README_LIMIT, f"README ({lang}) is {size} bytes; move details to docs/{lang}/"
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b|\b\d\d?/\d\d/20\d\d\b", part), \
        f"README ({lang}) holds a date: measurements with dates belong in docs/benchmarks.md"


def test_the_readme_commands_are_make_targets():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w-]+):", makefile, re.M))
    commands = set(re.findall(r"\bmake ([a-z][\w-]*)", README.read_text(encoding="utf-8")))
    assert {"run", "test", "lab", "slides", "present", "student"} <= commands
    assert not commands - targets, f"README names make targets the Makefile lacks: {sorted(commands - targets)}"


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_page_has_its_counterpart_and_readme_links_resolve():
    en = {p.name for p in (ROOT / "docs" / "en").glob("*.md")}
    vi = {p.name for p in (ROOT / "docs" / "vi").glob("*.md")}
    assert en == vi, f"pages without a counterpart: {sorted(en ^ vi)}"
    pages = [README, *(ROOT / "docs" / "en").glob("*.md"), *(ROOT / "docs" / "vi").glob("*.md")]
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if target.startswith("http"):
                continue
            assert (page.parent / target).resolve().exists(), f"{page.relative_to(ROOT)} links to a missing {target}"


def test_the_vietnamese_pages_use_the_glossary():
    from test_publishing import AVOID

    pages = [*(ROOT / "docs" / "vi").glob("*.md")]
    texts = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in pages}
    texts["README.md (vi)"] = readme_parts()["vi"]
    for name, text in texts.items():
        for word, pattern in AVOID.items():
            match = re.search(pattern, text.lower())
            assert match is None, f"{name} uses {word!r} (...{text.lower()[max(0, match.start() - 30):match.end() + 30]}...)"
