"""Copy executed notebooks from build/notebooks/ into notebooks/, for committing.

The committed notebooks keep the outputs of a `cpu`-profile run, so that students can read
results before running anything. Usage (after `make run PROFILE=cpu`):

    .venv/bin/python scripts/publish_outputs.py [notebooks/01_alexnet.ipynb ...]

The outputs call the run that made them "this run"; the copy calls it the published run, so
that a student reading the committed notebook knows whose run it describes.

A notebook is refused, and nothing is copied, when its executed copy is missing, was run
under another profile, or is stale: its code cells, its sections' settings or the course
package changed since it ran (the outputs would not match the code). The runner's record
(`d2l_run`: profile, fingerprint, seconds, peak memory, machine) is kept in the copy, so that
tests/test_freshness.py can tell when committed outputs go stale.
"""
import argparse
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from d2l_extras.results import atomic_write_text  # noqa: E402
from course_tools.runner import run_record, stale_reasons  # noqa: E402
from d2l_extras.sections import notebook_paths  # noqa: E402


# What the outputs call the run that made them, and what the committed notebooks call it, per language
RUN_LABELS = {"en": ("this run", "published run"), "vi": ("lần chạy này", "lần chạy được công bố")}


def as_published(text, lang):
    """An output's ``text`` in ``lang`` with "this run" named the published run. A right-aligned
    column keeps its width: the longer label takes the spaces before it."""
    this, published = RUN_LABELS[lang]
    grow = len(published) - len(this)
    for old, new in ((this, published), (this[0].upper() + this[1:], published[0].upper() + published[1:])):
        text = re.sub(f"( *){re.escape(old)}",
                      lambda m: " " * max(min(1, len(m[1])), len(m[1]) - grow) + new, text)
    return text


def published_outputs(cell):
    """A code cell whose outputs in each language name the published run (see RUN_LABELS)."""
    for out in cell.get("outputs", []):
        lang = out.get("metadata", {}).get("lang")
        if lang not in RUN_LABELS:
            continue
        for kind in ("text/markdown", "text/plain"):
            if kind in out.get("data", {}):
                value = out["data"][kind]
                joined = as_published("".join(value) if isinstance(value, list) else value, lang)
                out["data"][kind] = joined.splitlines(keepends=True) if isinstance(value, list) else joined
    return cell


def with_outputs(cell, ran):
    """Source code cell ``cell`` with the outputs (named the published run), count and timing of
    its executed copy ``ran``."""
    ran = published_outputs(ran)
    cell = dict(cell, outputs=ran.get("outputs", []), execution_count=ran.get("execution_count"))
    cell["metadata"] = dict(cell.get("metadata", {}))
    if "execution" in ran.get("metadata", {}):
        cell["metadata"]["execution"] = ran["metadata"]["execution"]
    return cell


def check(source, executed, profile):
    """The executed notebook as a dict, or raise ValueError saying why it cannot be published."""
    if not executed.is_file():
        raise ValueError(f"{executed} does not exist: run `make run PROFILE={profile}` first")
    reasons = stale_reasons(run_record(executed), source, profile)
    if reasons:
        raise ValueError(f"{executed} does not match {source} in profile {profile}: {'; '.join(reasons)}. "
                         f"Run it again (`.venv/bin/python -m course_tools.runner --profile {profile} --force {source}`)")
    return json.loads(executed.read_text(encoding="utf-8"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="default: every notebook in notebooks/")
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--build", default=str(REPO_ROOT / "build"))
    args = parser.parse_args(argv)
    sources = [Path(p) for p in args.notebooks] or notebook_paths(REPO_ROOT / "notebooks")
    try:  # check all before copying any: a refused notebook leaves every file as it was
        executed = {src: check(src, Path(args.build) / "notebooks" / src.name, args.profile) for src in sources}
    except ValueError as err:
        sys.exit(f"error: {err}. Nothing was copied.")
    for src, nb in executed.items():
        # Only code is part of the fingerprint: keep the source's Markdown cells and the cells'
        # metadata (slides, tags), which may have been edited while the run went on, and take
        # the code cells' outputs.
        source_nb = json.loads(src.read_text(encoding="utf-8"))
        cells = [with_outputs(cell, ran) if cell["cell_type"] == "code" else cell
                 for cell, ran in zip(source_nb["cells"], nb["cells"])]
        if len(source_nb["cells"]) != len(nb["cells"]) or any(
                a["cell_type"] != b["cell_type"] for a, b in zip(source_nb["cells"], nb["cells"])):
            sys.exit(f"error: {src} and its executed copy have different cells. Nothing more was copied.")
        nb["cells"] = cells
        run = nb["metadata"]["d2l_run"]
        atomic_write_text(src, json.dumps(nb, ensure_ascii=False, indent=1) + "\n")
        print(f"{src.name}: {run['seconds']:.0f} s, peak {run.get('peak_memory_mb')} MB on {run.get('machine')}")


if __name__ == "__main__":
    main()
