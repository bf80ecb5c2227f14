"""How much of a lesson's prose is about the course's machinery rather than the networks.

Counts the words of every markdown cell (slides and speaker notes) of each notebook, per
language (tags ``lang-vi`` / ``lang-en``); a sentence is machinery when it names one of the
terms below (CPU models, vector units, dates, environment variables, budgets, throughput,
seeds, run-profile names, trimmed convolutions, oneDNN, threads, sizing, the course's files).

    python scripts/machinery_share.py [FOLDER] [STEM ...]

FOLDER defaults to ``notebooks/``; STEMs default to every notebook of the course
(``d2l_extras.sections.NOTEBOOKS``) found in FOLDER.
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from d2l_extras.sections import notebook_paths  # noqa: E402  (the one list of notebooks)

TERMS = [
    r"\bintel\b", r"\bxeon\b", r"\bamd\b", r"\bepyc\b", r"\bzen ?\d", r"\bavx", r"\b20\d\d-\d\d-\d\d\b",
    r"(?-i:\bD2L_)", r"\bbudget", r"giới hạn thời gian", r"ngân sách", r"\bthroughput", r"\bseeds?\b",
    r"\bhạt giống\b", r"`(?:quick|cpu|full)`", r"\btrimm", r"\bcắt bớt\b", r"\bonednn\b", r"\bconcat\b",
    r"\bthreads?\b", r"\bluồng\b", r"\bsizing\b", r"\bsized\b", r"our quick run", r"lần chạy nhanh của ta",
    r"\bbuild/", r"\.json\b", r"\bkernel taps?\b", r"\w/\w+\.py\b", r"docs/benchmarks", r"\b\d+[- ]cores?\b", r"\b\d+ nhân\b", r"\bmáy chậm hơn\b", r"\bslower machine\b",
]
PATTERN = re.compile("|".join(TERMS), re.IGNORECASE)
SENTENCE = re.compile(r"(?<=[.!?:;])\s+|\n+")


def words(text):
    return len(re.findall(r"\w[\w'’.,×-]*", text))


def strip_markup(text):
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"^\s*(#+|[-*]|\d+\.)\s+", "", text, flags=re.M)


def share(path):
    """{lang: (prose words, machinery words)} of one notebook's markdown cells."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    counts = {"vi": [0, 0], "en": [0, 0]}
    for c in nb["cells"]:
        if c["cell_type"] != "markdown":
            continue
        tags = c["metadata"].get("tags", [])
        lang = "vi" if "lang-vi" in tags else "en" if "lang-en" in tags else None
        if lang is None:
            continue
        for sentence in SENTENCE.split(strip_markup("".join(c["source"]))):
            n = words(sentence)
            counts[lang][0] += n
            if PATTERN.search(sentence):
                counts[lang][1] += n
    return counts


def main(argv):
    folder = Path(argv[0]) if argv else ROOT / "notebooks"
    stems = argv[1:] or [p.stem for p in notebook_paths(folder) if p.exists()]
    print(f"{'notebook':<16} {'lang':<4} {'prose words':>11} {'machinery':>9} {'share':>6}")
    for stem in stems:
        for lang, (total, machinery) in share(folder / f"{stem}.ipynb").items():
            print(f"{stem:<16} {lang:<4} {total:>11} {machinery:>9} {machinery / max(total, 1):>6.1%}")


if __name__ == "__main__":
    main(sys.argv[1:])
