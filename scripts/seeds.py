"""Seed table: each section's network trained on one profile's settings with several seeds.

    python scripts/seeds.py [--sections vgg,nin] [--seeds 0,1,2] [--profile cpu] [--floor 0.88]

A notebook trains with seed 0; a student who changes it, or a machine whose thread count
differs, gets another run of the same settings. This table says whether the profile's
settings reach the accuracy the course promises on any seed, not only on the committed one.

For every section (default: all of the sections table) and seed, in a fresh process:
``get_model(section)`` trained by ``fit`` on the settings its notebook uses in ``profile``
(``section_run(section)``: under ``cpu``, sized to this machine's training budget, see
``d2l_extras.budget``; ``D2L_TRAINING_BUDGET=off`` for the profile's table), with the
seed given to the data (training subset and shuffling) and to the recipe (initialization,
dropout), and tested on the profile's test images (the full 10,000 for ``cpu``). It prints
the test accuracy and the training time of each run, each section's worst seed, and whether
it reaches ``--floor``; the exit status is 1 when a section does not.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from d2l_extras.sections import SECTIONS, TRAIN_SIZE

ROOT = Path(__file__).resolve().parent.parent


def worker(section, seed, profile):
    """Train one (section, seed) in this process and print one JSON line."""
    import dataclasses

    from mxnet import npx

    import d2l_extras as dx
    from d2l_extras.models import get_model

    npx.set_np()
    os.environ["D2L_PROFILE"] = profile
    s = dx.section_run(section).settings  # the notebook's own: under cpu, sized to this machine
    devices = dx.get_devices()
    train_iter, test_iter = dx.load_data_fashion_mnist(s.batch_size, resize=s.resize, subset=s.subset,
                                                       test_subset=s.test_subset, seed=seed, device=devices[0])
    start = time.perf_counter()
    history = dx.fit(get_model(section), train_iter, test_iter, s.num_epochs, s.lr, devices,
                     recipe=dataclasses.replace(s.recipe, seed=seed), callbacks=[])
    revived = [[r["epoch"], c] for r in history.records for c in r.get("revived_classes", [])]
    print(json.dumps({"section": section, "seed": seed, "test_acc": history.final["test_acc"],
                      "seconds": time.perf_counter() - start, "devices": history.devices, "revived": revived,
                      "images": s.subset or TRAIN_SIZE,
                      "table_images": dx.get_settings(section, profile).subset or TRAIN_SIZE}))


def run(section, seed, args):
    cmd = [sys.executable, __file__, "--worker", "--sections", section, "--seeds", str(seed),
           "--profile", args.profile]
    env = dict(os.environ)
    env.pop("D2L_CHECKPOINT_DIR", None)  # every run trains afresh
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    if out.returncode != 0:
        sys.exit(f"seeds: {section} seed {seed} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(section, runs, floor):
    """The table's lines for one section's runs (the worker's JSON, one per seed), and
    whether its worst seed reaches ``floor``."""
    worst = min(r["test_acc"] for r in runs)
    ok = worst >= floor
    cells = "".join(f"{r['test_acc']:>9.3f} ({r['seconds']:>4.0f} s)" for r in runs)
    lines = [f"{section:<11}{cells}{worst:>8.3f}  {'yes' if ok else 'NO'}"]
    sized = {(r["images"], r["table_images"]) for r in runs if r.get("images", 0) != r.get("table_images", 0)}
    for images, table in sorted(sized):  # the training budget cut the profile's images on this machine
        lines.append(f"{'':<11}trained on {images:,} images (the profile's table: {table:,}), sized to this machine")
    for r in runs:
        if r.get("revived"):  # revive_dead_classes: which class maps were drawn again, and when
            maps = ", ".join(f"class {c} (epoch {e})" for e, c in r["revived"])
            lines.append(f"{'':<11}seed {r['seed']}: class maps drawn again: {maps}")
    return lines, ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated section keys (default: all of {', '.join(SECTIONS)})")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default: 0,1,2)")
    parser.add_argument("--profile", default="cpu", choices=["quick", "cpu", "full"])
    parser.add_argument("--floor", type=float, default=0.88, help="test accuracy every seed must reach")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sections = args.sections.split(",")
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        sys.exit(f"seeds: unknown section(s) {unknown}; choose from {', '.join(SECTIONS)}")
    try:
        seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        sys.exit(f"seeds: --seeds takes comma-separated integers, got {args.seeds!r}")
    if args.worker:
        return worker(sections[0], seeds[0], args.profile)

    from d2l_extras.cpu import cores_available, cpu_label

    print(f"machine: {cores_available()} cores, {cpu_label()}; profile {args.profile}; floor {args.floor}")
    head = f"{'section':<11}" + "".join(f"{'seed ' + str(s):>18}" for s in seeds) + f"{'worst':>8}  floor"
    print(head)
    print("-" * len(head))
    failed = []
    for section in sections:
        runs = [run(section, seed, args) for seed in seeds]
        lines, ok = report(section, runs, args.floor)
        failed += [] if ok else [section]
        print("\n".join(lines), flush=True)
    print(f"test accuracy on the profile's test images (the {args.profile} profile's own), training time "
          f"of the whole fit call; every run in a fresh process.")
    if failed:
        print(f"below {args.floor}: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
