"""Copy executed notebooks from build/notebooks/ into notebooks/, for committing.

The committed notebooks keep the outputs of a `cpu`-profile run, so that students can read
results before running anything. Usage (after `make run PROFILE=cpu`):

    .venv/bin/python scripts/publish_outputs.py [notebooks/01_alexnet.ipynb ...]

A notebook is refused, and nothing is copied, when its executed copy is missing, was run
under another profile, or was run from a different source than the notebook now has (the
outputs would not match the code). The runner's bookkeeping (`d2l_run`: profile, seconds,
peak memory) is dropped from the copy; it is reported here instead.
"""
import argparse
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from d2l_extras.results import atomic_write_text  # noqa: E402
from d2l_extras.runner import run_record, source_hash  # noqa: E402


def check(source, executed, profile):
    """The executed notebook as a dict, or raise ValueError saying why it cannot be published."""
    if not executed.is_file():
        raise ValueError(f"{executed} does not exist: run `make run PROFILE={profile}` first")
    run = run_record(executed)
    if run.get("profile") != profile:
        raise ValueError(f"{executed} was run with profile {run.get('profile')!r}, not {profile!r}")
    if run.get("source_sha256") != source_hash(source):
        raise ValueError(f"{executed} was run from an older version of {source}: run it again "
                         f"(`.venv/bin/python -m d2l_extras.runner --profile {profile} --force {source}`)")
    return json.loads(executed.read_text(encoding="utf-8"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="default: every notebook in notebooks/")
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--build", default=str(REPO_ROOT / "build"))
    args = parser.parse_args(argv)
    sources = [Path(p) for p in args.notebooks] or sorted((REPO_ROOT / "notebooks").glob("[0-9]*.ipynb"))
    try:  # check all before copying any: a refused notebook leaves every file as it was
        executed = {src: check(src, Path(args.build) / "notebooks" / src.name, args.profile) for src in sources}
    except ValueError as err:
        sys.exit(f"error: {err}. Nothing was copied.")
    for src, nb in executed.items():
        run = nb["metadata"].pop("d2l_run")
        atomic_write_text(src, json.dumps(nb, ensure_ascii=False, indent=1) + "\n")
        print(f"{src.name}: {run['seconds']:.0f} s, peak {run.get('peak_memory_mb')} MB")


if __name__ == "__main__":
    main()
