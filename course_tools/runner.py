"""The main job: execute every lecture notebook headless and collect the results.

    python -m course_tools.runner [--profile auto|quick|cpu|full] [--build build] [NOTEBOOK ...]

Executed notebooks go to ``<build>/notebooks/``, each training's figures to
``<build>/results/``, and a summary to ``<build>/results.csv`` and ``<build>/results.md``.
The job can be killed and started again: a notebook already executed with the same source
and profile is skipped, and trainings resume from their last complete epoch
(``<build>/checkpoints/``).
"""
import argparse
import csv
import hashlib
import io
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import d2l_extras_boot

d2l_extras_boot.start()  # before anything imports mxnet

from d2l_extras.budget import machine as measured_on
from d2l_extras.profiles import get_profile
from d2l_extras.results import REPO_ROOT, atomic_write_text, build_dir, load_results
from d2l_extras.sections import notebook_paths

from .fingerprint import code_hash, package_hash, run_fingerprint, stale_reasons

__all__ = ["main", "code_hash", "package_hash", "run_fingerprint", "run_record", "stale_reasons",
           "write_summary"]

COLUMNS = ("name", "profile", "parameters", "macs", "epochs", "train_acc", "test_acc",
           "examples_per_sec", "train_seconds", "devices")


def run_record(out):
    """The runner's record (``d2l_run``: profile, fingerprint, seconds, peak memory, machine)
    of an executed notebook; {} when the file is missing, unreadable or has none."""
    try:
        return json.loads(Path(out).read_text(encoding="utf-8"))["metadata"].get("d2l_run", {})
    except (OSError, ValueError, KeyError):
        return {}


def _done(out, path, profile):
    return Path(out).is_file() and not stale_reasons(run_record(out), path, profile)


def machine():
    """What a run's results and times depend on: the machine that sizes and measures the `cpu`
    profile (:func:`d2l_extras.budget.machine`) and the Python that ran it."""
    return {**measured_on(), "python": platform.python_version()}


def _peak_rss_mb(pid):
    """High-water mark of a process's resident memory (Linux's VmHWM), or None elsewhere."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def training_seconds(build, since):
    """{result name: seconds its training took} for the results a notebook saved after
    ``since`` (a time.time()). The seconds come from each training's history: the training's
    own time, also when this execution resumed it from its checkpoints (the record's
    ``seconds``, this execution's wall time, is then far shorter)."""
    fresh = {p.stem for p in (Path(build) / "results").glob("*.json") if p.stat().st_mtime >= since}
    return {name: round(r["train_seconds"], 1) for name, r in sorted(load_results(Path(build) / "results").items())
            if name in fresh and r.get("train_seconds") is not None}


def _kernel_config(sockets):
    """The kernel talks to this process over local sockets in the folder ``sockets`` where the
    OS has them: over TCP, every kernel prints a transport-encryption warning into the user's
    terminal."""
    from traitlets.config import Config  # Jupyter's: loaded only to run a kernel, not to read a record

    if os.name != "posix":
        return Config()
    return Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}})


def run_notebook(path, out, profile, build, cell_timeout):
    """Execute one notebook in a fresh kernel; write it to ``out`` only when it succeeded.

    Returns the wall time in seconds and the kernel's peak resident memory in MB (or None).
    """
    # Jupyter's kernel machinery, loaded when a notebook runs: scripts and tests that import this
    # module for its records (stale_reasons, run_record) do not need it.
    import nbformat
    from nbclient import NotebookClient
    from tqdm import tqdm

    nb = nbformat.read(str(path), as_version=4)
    # The kernel, not this process, gets the run's context: profile, build and checkpoint folders.
    env = dict(os.environ, D2L_PROFILE=profile, D2L_BUILD_DIR=str(build),
               D2L_CHECKPOINT_DIR=str(checkpoint_folder(build, profile, path)))
    code_cells = sum(c.cell_type == "code" for c in nb.cells)
    bar = tqdm(total=code_cells, desc=path.stem, unit="cell", file=sys.stderr)
    peak = [None]

    def cell_done(cell, **_):
        bar.update(1)
        pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
        peak[0] = _peak_rss_mb(pid) if pid else None  # the kernel's high-water mark so far

    # What the kernel is about to run: a source edited while the notebook runs (a long training)
    # must leave the record stale, not be credited with outputs made before it.
    fingerprint = run_fingerprint(path, profile)
    start, started_at = time.perf_counter(), time.time()
    with tempfile.TemporaryDirectory(prefix="d2l-kernel-") as sockets:
        client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3", config=_kernel_config(sockets),
                                resources={"metadata": {"path": str(path.parent)}},
                                on_cell_executed=lambda cell, **kw: cell_done(cell) if cell.cell_type == "code" else None)
        try:
            client.execute(env=env)
        finally:
            bar.close()
    run = {"profile": profile, "fingerprint": fingerprint,
           "seconds": round(time.perf_counter() - start, 1),
           "training_seconds": training_seconds(build, since=started_at),
           "peak_memory_mb": round(peak[0]) if peak[0] is not None else None, "machine": machine()}
    nb.metadata["d2l_run"] = run
    atomic_write_text(out, nbformat.writes(nb))
    return run["seconds"], run["peak_memory_mb"]


def checkpoint_folder(build, profile, path):
    """Where the trainings of notebook ``path`` keep their checkpoints in ``profile``."""
    return Path(build) / "checkpoints" / profile / Path(path).stem


def write_summary(build):
    """Collect ``<build>/results/*.json`` into results.csv and results.md."""
    results = load_results(Path(build) / "results")
    rows = [{k: r.get(k) for k in COLUMNS} for r in results.values()]
    table = io.StringIO()
    writer = csv.DictWriter(table, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(build / "results.csv", table.getvalue())
    buf = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        cells = [f"{v:,}" if isinstance(v, int) else f"{v:.3f}" if isinstance(v, float) else str(v)
                 for v in r.values()]
        buf.append("| " + " | ".join(cells) + " |")
    atomic_write_text(build / "results.md", "\n".join(buf) + "\n")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: all in notebooks/)")
    parser.add_argument("--profile", default=os.environ.get("D2L_PROFILE", "auto"))
    parser.add_argument("--build", default=str(build_dir()), help="build folder (default: results.build_dir())")
    parser.add_argument("--cell-timeout", type=int, default=3600, help="seconds a cell may run")
    parser.add_argument("--force", action="store_true", help="re-execute notebooks already done")
    args = parser.parse_args(argv)

    try:
        profile = get_profile(args.profile)
    except ValueError as err:
        sys.exit(f"error: {err}")
    build = Path(args.build).resolve()
    paths = [Path(p) for p in args.notebooks] or notebook_paths(REPO_ROOT / "notebooks")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        sys.exit(f"error: no such notebook: {', '.join(missing)}")
    print(f"run: profile {profile}, {len(paths)} notebooks, writing to {build}", flush=True)
    failed = []
    for path in paths:
        out = build / "notebooks" / path.name
        if not args.force and _done(out, path, profile):
            print(f"run: {path.name} already executed in this profile, skipped ({out})", flush=True)
            continue
        if args.force:  # start afresh: the checkpoints of earlier runs go with them
            shutil.rmtree(checkpoint_folder(build, profile, path), ignore_errors=True)
        try:
            seconds, peak_mb = run_notebook(path.resolve(), out, profile, build, args.cell_timeout)
            memory = f", kernel peak memory {peak_mb:,} MB" if peak_mb is not None else ""
            print(f"run: {path.name} done in {seconds:.0f} s{memory}", flush=True)
        except Exception as err:  # report every failing notebook, then fail
            failed.append(path.name)
            print(f"run: {path.name} FAILED: {type(err).__name__}: {str(err)[-2000:]}", file=sys.stderr, flush=True)
    rows = write_summary(build)
    print(f"run: {len(rows)} results in {build / 'results.csv'} and {build / 'results.md'}")
    print(f"run: executed notebooks in {build / 'notebooks'}")
    if failed:
        sys.exit(f"error: {len(failed)} notebook(s) failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
