"""The instructor kit: worked solutions marked as nbgrader marks them, the student edition
built from them (scripts/student.py), and the answer checks it keeps.

nbval runs the instructor edition (the notebooks themselves), so every solution passes its
check there; these tests show that the student edition is the instructor edition with the
solutions taken out and nothing else, and that each check then fails with its hint.
"""
import ast
import json
import os
import re
from pathlib import Path

import nbformat
import pytest

from d2l_extras.sections import notebook_paths

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = notebook_paths(ROOT / "notebooks")
WITH_EXERCISES = [p for p in NOTEBOOKS if any(
    "".join(c["source"]).startswith("## Exercises") for c in json.loads(p.read_text(encoding="utf-8"))["cells"])]
GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")  # what nbgrader accepts


from slides_helpers import load_build, load_script  # noqa: E402

student = load_script("scripts/student.py", "student")


def grader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    student.build(NOTEBOOKS, out)
    return out


def test_there_are_exercises():
    assert len(WITH_EXERCISES) >= 9


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_nbgrader_metadata_is_what_nbgrader_accepts(path):
    """The rules of nbgrader's CheckCellMetadata, plus the delimiters of ClearSolutions."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    ids = []
    for i, cell in enumerate(nb["cells"]):
        g, text = grader(cell), source(cell)
        if not (g.get("grade") or g.get("solution")):
            assert "BEGIN SOLUTION" not in text, f"{path.name} cell {i}: solution markers without metadata"
            continue
        assert GRADE_ID.match(g.get("grade_id", "")), f"{path.name} cell {i}: grade_id {g.get('grade_id')!r}"
        assert g.get("schema_version") == 3
        ids.append(g["grade_id"])
        if g.get("grade"):
            float(g["points"])
        if cell["cell_type"] == "markdown":
            assert g.get("grade") and g.get("solution"), f"{path.name} cell {i}: Markdown answers are grade + solution"
        elif g.get("solution"):
            assert text.count("### BEGIN SOLUTION") == text.count("### END SOLUTION") == 1, f"{path.name} cell {i}"
        else:
            assert g.get("locked"), f"{path.name} cell {i}: a check cell is locked"
            assert "check" in text
    assert len(ids) == len(set(ids)), f"{path.name}: duplicate grade ids"


def exercise_numbers(nb, heading):
    """Numbers of the list items of the first cell that starts with `heading`."""
    cell = next(c for c in nb["cells"] if source(c).startswith(heading))
    return [int(m) for m in re.findall(r"^(\d+)\. ", source(cell), re.M)]


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_every_exercise_has_hints_and_a_worked_solution_in_both_languages(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    numbers = exercise_numbers(nb, "## Exercises")
    assert numbers == list(range(1, len(numbers) + 1)) and 3 <= len(numbers) <= 5
    assert exercise_numbers(nb, "## Bài tập") == numbers
    assert exercise_numbers(nb, "### Hints") == numbers and exercise_numbers(nb, "### Gợi ý") == numbers
    answers = {grader(c)["grade_id"]: source(c) for c in nb["cells"] if grader(c).get("solution")}
    prefix = f"ex{path.name[:2]}"
    for n in numbers:
        for lang in ("vi", "en"):
            assert len(answers.get(f"{prefix}-{n}-answer-{lang}", "")) > 200, f"{path.name}: exercise {n} ({lang})"


def test_both_editions_build_in_both_languages(edition):
    for path in NOTEBOOKS:
        for target in (edition / path.name, edition / "vi" / path.name, edition / "en" / path.name):
            nbformat.validate(nbformat.read(target, as_version=4))
    for lang, other in (("vi", "en"), ("en", "vi")):
        one = json.loads((edition / lang / NOTEBOOKS[1].name).read_text(encoding="utf-8"))
        assert not any(f"lang-{other}" in c["metadata"].get("tags", []) for c in one["cells"])
        langs = {o.get("metadata", {}).get("lang") for c in one["cells"] for o in c.get("outputs", [])}
        assert other not in langs and lang in langs  # the other language's outputs are left out, not this one's
        assert one["metadata"]["d2l_lang"] == lang  # and its kernel writes only this language


def solution_pieces(nb):
    """Lines of solution code and sentences of solution prose that appear nowhere else in `nb`."""
    elsewhere = "\n".join(source(c) for c in nb["cells"] if not grader(c).get("solution"))
    pieces = []
    for cell in nb["cells"]:
        if not grader(cell).get("solution"):
            continue
        text = source(cell)
        if cell["cell_type"] == "code":
            body = text.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION", 1)[0]
            candidates = [line.strip() for line in body.splitlines()]
        else:
            candidates = [s.strip() for s in re.split(r"(?<=[.:;!?])\s+|\n", text)]
        pieces += [p for p in candidates if len(p) >= 12 and p not in elsewhere]
        for out in cell.get("outputs", []):
            # A line of a solution's output, unless it is only rules or punctuation (a traceback's
            # dashes appear in any notebook's error output).
            pieces += [line.strip() for line in "".join(out.get("text", "")).splitlines()
                       if len(line.strip()) >= 12 and re.search(r"\w", line)]
    return pieces


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_no_solution_text_or_output_leaks_into_the_student_edition(path, edition):
    nb = json.loads(path.read_text(encoding="utf-8"))
    pieces = solution_pieces(nb)
    assert len(pieces) > 20
    for target in (edition / path.name, edition / "vi" / path.name, edition / "en" / path.name):
        text = target.read_text(encoding="utf-8")
        decoded = json.dumps(json.loads(text), ensure_ascii=False)  # compare with unescaped text too
        leaks = [p for p in pieces if p in text or json.dumps(p, ensure_ascii=False)[1:-1] in decoded]
        assert not leaks, f"{target}: {leaks[:3]}"
    student_nb = json.loads((edition / path.name).read_text(encoding="utf-8"))
    for cell in student_nb["cells"]:
        if grader(cell).get("grade") or grader(cell).get("solution"):
            assert not cell.get("outputs"), f"{path.name}: {grader(cell)['grade_id']} keeps its outputs"


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_putting_the_solutions_back_gives_the_instructor_edition(path, edition):
    """Everything but the solutions (and the checks' outputs) is identical in both editions,
    the presenter's notes aside."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    back = json.loads((edition / path.name).read_text(encoding="utf-8"))
    solutions = {grader(c)["grade_id"]: c for c in nb["cells"] if grader(c).get("solution")}
    kept = [c for c in nb["cells"] if not is_presenter_note(c)]
    assert len(back["cells"]) == len(kept)
    for mine, theirs in zip(back["cells"], kept):
        if grader(mine).get("solution"):
            assert source(mine) != source(theirs), "a solution cell was copied as it is"
            mine = dict(mine, source=solutions[grader(mine)["grade_id"]]["source"])
        assert source(mine) == source(theirs)
        assert mine["metadata"] == theirs["metadata"]
        if not (grader(mine).get("solution") or grader(mine).get("grade")):
            assert mine.get("outputs") == theirs.get("outputs")


NOTE_OPENING = re.compile(r"[\s#*_>]*(Speaker notes|Presenter notes|Ghi chú cho người trình bày|Gợi ý trình bày)")


def is_presenter_note(cell):
    slide_type = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
    return cell["cell_type"] == "markdown" and (slide_type == "notes" or bool(NOTE_OPENING.match(source(cell))))


def test_no_presenter_note_in_any_student_edition(edition):
    notes = 0
    for path in NOTEBOOKS:
        notes += sum(map(is_presenter_note, json.loads(path.read_text(encoding="utf-8"))["cells"]))
        for target in (edition / path.name, edition / "vi" / path.name, edition / "en" / path.name):
            cells = json.loads(target.read_text(encoding="utf-8"))["cells"]
            left = [source(c)[:60] for c in cells if is_presenter_note(c)]
            assert not left, f"{target}: {left}"
    assert notes > 100  # the instructor edition has them: the test looks for something real


def test_a_note_is_known_by_its_slide_type_or_its_opening_words():
    note = nbformat.v4.new_markdown_cell("**Gợi ý trình bày:** hỏi cả lớp trước.")
    typed = nbformat.v4.new_markdown_cell("Ask the class first.", metadata={"slideshow": {"slide_type": "notes"}})
    lesson = nbformat.v4.new_markdown_cell("Notes on the speaker's question: none.")
    nb = nbformat.v4.new_notebook(cells=[note, typed, lesson])
    assert [c.source for c in student.student_notebook(nb).cells] == [lesson.source]


ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["vi", "en", None], ids=["vi", "en", "both"])
def test_a_failing_check_says_wrong_and_its_hint_in_a_few_lines_of_the_editions_language(lang, edition):
    """Run the check cells of a built student notebook in a kernel, answers missing: each cell
    fails (so "Run all" stops there), showing its hint in the edition's language, no traceback."""
    from nbclient import NotebookClient

    target = edition / lang / "02_vgg.ipynb" if lang else edition / "02_vgg.ipynb"
    nb = nbformat.read(target, as_version=4)
    checks = [c for c in nb.cells if grader(c).get("grade") and not grader(c).get("solution") and c.cell_type == "code"]
    assert len(checks) >= 2 and {"check(", "check_digest("} <= {call for c in checks for call in
                                                              ("check(", "check_digest(") if call in c.source}
    nb.cells = checks
    # The kernel of a notebook opened in Jupyter knows its path (JPY_SESSION_NAME), hence its language.
    env = {k: v for k, v in os.environ.items() if k != "D2L_LANG"}
    env["JPY_SESSION_NAME"] = str(target)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute(env=env)
    for cell in nb.cells:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert len(errors) == 1 and errors[0].ename == "AnswerError", cell.outputs
        lines = [ANSI.sub("", line) for tb in errors[0].traceback for line in tb.splitlines()]
        shown = "\n".join(lines)
        vi, en = hint_of(cell.source)
        assert 2 <= len(lines) <= 6, shown
        assert (vi in shown) == (lang != "en") and (en in shown) == (lang != "vi"), shown
        assert lang or shown.index(vi) < shown.index(en)  # Vietnamese, the lecture's language, first
        for word in ("Traceback", "File ", ".py", "exercises", "NameError", "----"):
            assert word not in shown, shown


def hint_of(check_source):
    """The (Vietnamese, English) hint: the last argument of the check call."""
    tree = ast.parse(check_source)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") in ("check", "check_digest")]
    assert len(calls) == 1
    return ast.literal_eval(calls[0].args[-1])


def student_checks():
    for path in WITH_EXERCISES:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if grader(cell).get("grade") and not grader(cell).get("solution") and cell["cell_type"] == "code":
                yield pytest.param(path, grader(cell)["grade_id"], id=grader(cell)["grade_id"])


@pytest.fixture(scope="module")
def kernel_namespace():
    """What the first code cell of every notebook defines (without running the notebook)."""
    ns = {}
    exec("import d2l_extras as dx\nfrom mxnet import init, np, npx\nfrom mxnet.gluon import nn\nnpx.set_np()", ns)
    return ns


@pytest.mark.parametrize("path, grade_id", list(student_checks()))
def test_each_check_fails_with_its_hint_when_the_stub_is_left_in(path, grade_id, edition, kernel_namespace):
    from d2l_extras.exercises import AnswerError

    nb = json.loads((edition / path.name).read_text(encoding="utf-8"))
    cells = {grader(c).get("grade_id"): c for c in nb["cells"]}
    ns = dict(kernel_namespace)
    stub = cells.get(grade_id.replace("-check", "-code"))
    if stub is not None:
        with pytest.raises(NotImplementedError, match="Your turn"):
            exec(source(stub), ns)
    check_source = source(cells[grade_id])
    vi, en = hint_of(check_source)
    with pytest.raises(AnswerError) as err:
        exec(check_source, ns)
    assert vi in str(err.value) and en in str(err.value)


def test_counts_of_exercises_solutions_and_checks():
    """The figures the README and docs/*/teaching.md give (update them together)."""
    exercises = solved = checked = 0
    for path in WITH_EXERCISES:
        nb = json.loads(path.read_text(encoding="utf-8"))
        numbers = exercise_numbers(nb, "## Exercises")
        ids = {grader(c).get("grade_id") for c in nb["cells"]}
        exercises += len(numbers)
        solved += sum(f"ex{path.name[:2]}-{n}-answer-en" in ids for n in numbers)
        checked += sum(f"ex{path.name[:2]}-{n}-check" in ids for n in numbers)
    assert (exercises, solved, checked) == (40, 40, 32), (exercises, solved, checked)


def test_solution_markers_outside_a_solution_cell_are_refused():
    cell = nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")
    with pytest.raises(student.SolutionMarkupError):
        student.student_cell(cell, "cell 0")
    cell.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "a"}
    cell.source = "def f():\n    ### BEGIN SOLUTION\n    return 1\n"
    with pytest.raises(student.SolutionMarkupError, match="never closed"):
        student.student_cell(cell, "cell 0")


def test_stub_keeps_the_code_around_the_solution_and_its_indentation():
    cell = nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\nprint(f)")
    cell.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "ex01-1-code"}
    out = student.student_cell(cell, "cell 0").source
    assert out.splitlines() == ["def f(x):", "    # VIẾT MÃ CỦA BẠN Ở ĐÂY / YOUR CODE HERE",
                                "    raise NotImplementedError('Đến lượt bạn (ex01-1-code) / Your turn (ex01-1-code)')",
                                "print(f)"]


def test_a_one_language_edition_has_stubs_in_its_language_only(edition):
    stubs = {}
    for lang in ("vi", "en"):
        nb = json.loads((edition / lang / "02_vgg.ipynb").read_text(encoding="utf-8"))
        stubs[lang] = [source(c) for c in nb["cells"] if "NotImplementedError" in source(c)]
    assert stubs["vi"] and all("Đến lượt bạn" in s and "Your turn" not in s for s in stubs["vi"])
    assert stubs["en"] and all("Your turn" in s and "Đến lượt bạn" not in s for s in stubs["en"])


def test_decks_show_solutions_only_when_asked():
    build = load_build()
    path = ROOT / "notebooks" / "09_data_parallel.ipynb"
    nb = nbformat.read(path, as_version=4)
    answer = next(c for c in nb.cells if grader(c).get("grade_id") == "ex09-2-answer-en")
    sentence = answer.source.split(" at ")[0]  # plain words: Markdown does not change them
    for lang in ("vi", "en"):
        assert not any(grader(c).get("solution") for c in build.language_cells(nb, lang))
        assert any(grader(c).get("solution") for c in build.language_cells(nb, lang, solutions=True))
    hidden, _ = build.make_exporter("en").from_notebook_node(nb)
    shown, _ = build.make_exporter("en", solutions=True).from_notebook_node(nb)
    assert sentence not in hidden and "Exercise 2" not in hidden
    assert sentence in shown
    assert build.count_slides(nb, "en") < build.count_slides(nb, "en", solutions=True)
