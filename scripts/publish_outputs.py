"""Copy executed notebooks from build/notebooks/ into notebooks/, for committing.

The committed notebooks keep the outputs of a `cpu`-profile run, so that students can read
results before running anything. Usage (after `make run PROFILE=cpu`):

    .venv/bin/python scripts/publish_outputs.py [notebooks/01_alexnet.ipynb ...]

A notebook is refused, and nothing is copied, when its executed copy is missing, was run
under another profile, or is stale: its code cells, its sections' settings or the course
package changed since it ran (the outputs would not match the code). The runner's record
(`d2l_run`: profile, fingerprint, seconds, peak memory, machine) is kept in the copy, so that
tests/test_freshness.py can tell when committed outputs go stale.
"""
import argparse
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from d2l_extras.results import atomic_write_text  # noqa: E402
from d2l_extras.runner import run_record, stale_reasons  # noqa: E402
from d2l_extras.sections import notebook_paths  # noqa: E402


def check(source, executed, profile):
    """The executed notebook as a dict, or raise ValueError saying why it cannot be published."""
    if not executed.is_file():
        raise ValueError(f"{executed} does not exist: run `make run PROFILE={profile}` first")
    reasons = stale_reasons(run_record(executed), source, profile)
    if reasons:
        raise ValueError(f"{executed} does not match {source} in profile {profile}: {'; '.join(reasons)}. "
                         f"Run it again (`.venv/bin/python -m d2l_extras.runner --profile {profile} --force {source}`)")
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
        # Prose is not part of the fingerprint: keep the source's Markdown cells, which may
        # have been corrected while the run went on, and take the code cells' outputs.
        source_nb = json.loads(src.read_text(encoding="utf-8"))
        cells = [ran if cell["cell_type"] == "code" else cell
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
