"""Build the student edition of the notebooks: the exercises' worked solutions taken out.

The notebooks are the instructor edition. Solutions are marked as nbgrader marks them, so
``nbgrader generate_assignment`` gives the same result, but this script needs only nbformat:

* a code cell with ``nbgrader.solution``: each ``### BEGIN SOLUTION`` ... ``### END SOLUTION``
  region becomes ``# YOUR CODE HERE`` and a ``raise NotImplementedError(...)`` (the whole cell
  when it has no delimiters); its outputs are removed;
* a Markdown cell with ``nbgrader.solution``: its text becomes ``YOUR ANSWER HERE``
  (in the cell's language);
* a check cell (``nbgrader.grade`` without ``solution``): kept, its outputs removed (they
  would show that the solution passes); ``### BEGIN HIDDEN TESTS`` regions are removed;
* a presenter's note (slide type ``notes``, or a Markdown cell that opens with "Speaker notes:",
  "Ghi chú cho người trình bày:" or "Gợi ý trình bày:"): removed, it is for the instructor;
* every other cell is copied unchanged.

Writes ``OUT/<notebook>.ipynb`` (both languages) and ``OUT/vi/``, ``OUT/en/`` (one language
each, the other language's cells removed, as the decks do). ``make student``.
"""
import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the course package, also where it is not installed
LANGS = ("vi", "en")
BEGIN, END = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
NOTE_OPENINGS = ("Speaker notes", "Presenter notes", "Ghi chú cho người trình bày", "Gợi ý trình bày")
TEXT_STUB = {"en": "YOUR ANSWER HERE", "vi": "VIẾT CÂU TRẢ LỜI CỦA BẠN Ở ĐÂY (YOUR ANSWER HERE)"}


class SolutionMarkupError(ValueError):
    """A solution region that is not closed, or solution markers outside a solution cell."""


def _grader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_solution(cell):
    return bool(_grader(cell).get("solution"))


def is_check(cell):
    return bool(_grader(cell).get("grade")) and not is_solution(cell)


def is_presenter_note(cell):
    """A Markdown cell of speaker notes: slide type ``notes``, or text that opens as a note
    (emphasis or a heading mark before the words allowed)."""
    if cell["cell_type"] != "markdown":
        return False
    text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    return (cell.get("metadata", {}).get("slideshow", {}).get("slide_type") == "notes"
            or text.lstrip(" \n#*_>").startswith(NOTE_OPENINGS))


def language(cell):
    tags = cell.get("metadata", {}).get("tags", [])
    return next((t[5:] for t in tags if t in ("lang-vi", "lang-en")), None)


YOUR_TURN = {"vi": ("# VIẾT MÃ CỦA BẠN Ở ĐÂY", "Đến lượt bạn ({id})"), "en": ("# YOUR CODE HERE", "Your turn ({id})")}


def code_stub(grade_id, lang=None):
    """The stub that replaces a solution: it raises, so a check run after it says 'not answered'.
    In the edition's language (``lang``); the two-language edition puts Vietnamese, the
    lecture's language, first."""
    langs = (lang,) if lang else LANGS
    comment = " / ".join(YOUR_TURN[l][0].lstrip("# ") for l in langs)
    message = " / ".join(YOUR_TURN[l][1].format(id=grade_id) for l in langs)
    return f"# {comment}\nraise NotImplementedError({message!r})"


def _replace_regions(source, begin, end, stub, where):
    """Replace every begin..end line region of `source` by `stub` (indented like the begin line)."""
    out, inside, indent = [], False, ""
    for line in source.splitlines():
        if begin in line:
            if inside:
                raise SolutionMarkupError(f"{where}: '{begin}' inside an open region")
            inside, indent = True, re.match(r"\s*", line).group(0)
            if stub is not None:
                out += [indent + s for s in stub.splitlines()]
        elif end in line:
            if not inside:
                raise SolutionMarkupError(f"{where}: '{end}' without '{begin}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SolutionMarkupError(f"{where}: '{begin}' is never closed")
    return "\n".join(out)


def student_cell(cell, where, lang=None):
    """The student version of one cell (a new cell; `cell` is left as it is), for the edition in
    ``lang`` (None: both languages)."""
    cell = copy.deepcopy(cell)
    grade_id = _grader(cell).get("grade_id", where)
    if is_solution(cell):
        if cell.cell_type == "code":
            if BEGIN in cell.source:
                cell.source = _replace_regions(cell.source, BEGIN, END, code_stub(grade_id, lang), where)
            else:
                cell.source = code_stub(grade_id, lang)
        else:
            cell.source = TEXT_STUB[language(cell) or "en"]
    elif BEGIN in cell.source or END in cell.source:
        raise SolutionMarkupError(f"{where}: solution markers in a cell without nbgrader solution metadata")
    if is_check(cell) and BEGIN_HIDDEN in cell.source:
        cell.source = _replace_regions(cell.source, BEGIN_HIDDEN, END_HIDDEN, None, where)
    if cell.cell_type == "code" and (is_solution(cell) or is_check(cell)):
        cell.outputs, cell.execution_count = [], None
    return cell


def student_notebook(nb, name="notebook", lang=None):
    """The student edition of a notebook node (both languages, or the stubs' language), without
    the presenter's notes."""
    out = copy.deepcopy(nb)
    out.cells = [student_cell(c, f"{name} cell {i}", lang) for i, c in enumerate(nb.cells)
                 if not is_presenter_note(c)]
    return out


def one_language(nb, lang):
    """`nb` without the other language's cells and outputs; its kernel writes only `lang`."""
    from d2l_extras.language import keep_language

    out = copy.deepcopy(nb)  # keep_language edits the cells it is given: only the copy's
    out.cells = [c for c in out.cells if language(c) in (None, lang)]
    out.metadata["d2l_lang"] = lang  # read by d2l_extras.language in the notebook's kernel
    return keep_language(out, lang)


def notebooks(folder):
    """The course's notebooks in `folder`, from the course's table (d2l_extras.sections.NOTEBOOKS)."""
    from d2l_extras.sections import notebook_paths

    return notebook_paths(folder)


def build(sources, out):
    """Write the student edition of each notebook in `sources` to `out` (+ vi/, en/); return the paths."""
    written = []
    for path in sources:
        nb = nbformat.read(path, as_version=4)
        targets = [(out / path.name, student_notebook(nb, path.name))] + [
            (out / lang / path.name, one_language(student_notebook(nb, path.name, lang), lang)) for lang in LANGS]
        for target, node in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(node, target)
            written.append(target)
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in notebooks/")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "student",
                    help="output folder (default: build/student)")
    args = ap.parse_args(argv)
    sources = args.notebooks or notebooks(ROOT / "notebooks")
    missing = [str(p) for p in sources if not p.is_file()]
    if missing:
        ap.error(f"no such notebook: {', '.join(missing)}")
    try:
        written = build(sources, args.out)
    except SolutionMarkupError as err:
        print(f"student edition not built: {err}", file=sys.stderr)
        return 1
    print(f"student edition of {len(sources)} notebooks: {args.out}/ (both languages), "
          f"{args.out}/vi/, {args.out}/en/ ({len(written)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
