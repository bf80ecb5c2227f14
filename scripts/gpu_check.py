"""GPU check: the benchmark and one full-size notebook on an NVIDIA GPU, against the book's V100.

    python scripts/gpu_check.py [--nets alexnet,vgg,resnet] [--notebook 06_resnet] [--skip-notebook]
                                [--allow-cpu]

Prepared for a machine with a GPU and the GPU build of mxnet (docs/en/setup.md, "GPU"):

1. ``scripts/bench.py --profile full``: the book's path and the course's on the sections'
   full-size settings (the book's: 224x224 for AlexNet and VGG, 96x96 for ResNet-18), one
   epoch each, side by side; then the course's training examples/s against the figures the
   book's authors published for one V100 (the sections table's ``book_result``).
2. One notebook (by default ResNet-18's) executed by the main job's runner with the ``full``
   profile into ``build/gpu-check/``, and its test accuracy and examples/s against the book's.

Without a GPU it stops with an error, unless ``--allow-cpu``: then it checks its own machinery
on the CPU with the ``quick`` profile (figures meaningless against a V100).
"""
import argparse
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))  # bench, beside this script

from course_tools.install import gpu_compute_capabilities, gpu_names, unusable_gpus_reason  # noqa: E402
from d2l_extras.sections import SECTIONS, notebook_paths  # noqa: E402

BUILD = ROOT / "build" / "gpu-check"


def gpu_problem(gpus, capabilities):
    """Why the GPU figures cannot be taken here (None when they can).

    gpus: the GPUs MXNet sees; capabilities: (major, minor) of those nvidia-smi lists."""
    reason = unusable_gpus_reason(capabilities)
    if reason:
        seen = "MXNet sees no GPU, and none can be used:" if gpus == 0 else f"MXNet sees {gpus} GPU(s), but"
        return (f"{seen} {reason}. No MXNet GPU figures can be taken on this machine"
                + ("; pass --allow-cpu to check this script on the CPU." if gpus == 0 else "."))
    if gpus == 0:
        return ("MXNet sees no GPU (no NVIDIA GPU, no driver, or the CPU-only mxnet build). "
                "Install the GPU build (README, 'GPU': pip install mxnet-cu117==1.9.1) on a machine with "
                "an NVIDIA GPU, or pass --allow-cpu to check this script on the CPU.")
    return None


def main():
    published = [k for k, s in SECTIONS.items() if s.book_result is not None]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nets", default=",".join(published),
                        help=f"section keys to benchmark (default: those with a published V100 figure: "
                             f"{', '.join(published)})")
    parser.add_argument("--notebook", default=SECTIONS["resnet"].notebook, help="notebook stem to run in full")
    parser.add_argument("--skip-notebook", action="store_true")
    parser.add_argument("--allow-cpu", action="store_true", help="without a GPU, check the machinery on the CPU")
    args = parser.parse_args()

    from d2l_extras.device import num_gpus

    gpus = num_gpus()
    problem = gpu_problem(gpus, gpu_compute_capabilities())
    if problem and not (gpus == 0 and args.allow_cpu):
        sys.exit("gpu_check: " + problem)
    profile = "full" if gpus else "quick"
    print(f"GPUs seen by MXNet: {gpus}" + "".join(f"\n  {name}" for name in gpu_names()))
    if not gpus:
        print("no GPU: checking the machinery on the CPU with the quick profile; the V100 columns mean nothing here")

    import bench  # scripts/bench.py, beside this script
    bench_args = argparse.Namespace(profile=profile, test_subset=10000 if gpus else 500, epochs=1, repeat=1,
                                    timeout=3600, busy=False)
    print(f"\n1. benchmark, {profile} settings, one epoch per path")
    results = bench.compare(args.nets.split(","), bench_args, bench.cpu_peak_gflops()[0])
    print("\ncourse against the book's published V100 figures (training examples/s, as the book counts them)")
    head = f"{'network':<10} {'V100 (book)':>12} {'here, course':>13} {'× V100':>7} {'book test acc':>14} {'course test acc':>16}"
    print(head)
    print("-" * len(head))
    for key, row in results.items():
        book = SECTIONS[key].book_result
        course = row["course"]
        if book is None:
            print(f"{key:<10} {'—':>12} {course['reported_examples_per_sec']:>13,.0f}")
            continue
        print(f"{key:<10} {book.examples_per_sec:>12,} {course['reported_examples_per_sec']:>13,.0f} "
              f"{course['reported_examples_per_sec'] / book.examples_per_sec:>7.2f} {book.test_acc:>14.3f} "
              f"{course['test_acc']:>16.3f}   (one epoch here; the book's accuracy is after its full training)")

    if args.skip_notebook:
        return 0
    path = next((p for p in notebook_paths() if Path(p).stem == args.notebook), None)
    if path is None:
        sys.exit(f"gpu_check: no notebook {args.notebook!r} in notebooks/")
    print(f"\n2. {Path(path).name}, {profile} profile, executed by the runner into {BUILD}")
    shutil.rmtree(BUILD, ignore_errors=True)
    env = dict(os.environ, D2L_PROFILE=profile)
    subprocess.run([sys.executable, "-m", "course_tools.runner", "--profile", profile, "--build", str(BUILD),
                    "--force", str(path)], cwd=ROOT, env=env, check=True)
    with open(BUILD / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        book = SECTIONS[row["name"]].book_result if row["name"] in SECTIONS else None
        line = (f"{row['name']}: test acc {float(row['test_acc']):.3f} after {row['epochs']} epochs, "
                f"{float(row['examples_per_sec']):,.0f} examples/s on {row['devices']}")
        if book is not None:
            line += f" (book, V100: test acc {book.test_acc:.3f}, {book.examples_per_sec:,} examples/s)"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
