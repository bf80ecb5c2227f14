"""Benchmark: the book's training path against the course's, side by side in one run.

    python scripts/bench.py [--nets batch_norm,alexnet,resnet] [--test-subset N] [--epochs E] [--busy]
                            [--repeat R] [--profile quick|full] [--phases]

Networks are the sections of ``d2l_extras.sections.SECTIONS`` (by default all seven: AlexNet,
VGG, NiN, GoogLeNet, LeNet-BN, ResNet-18, DenseNet), each named by its section key and
trained on its section's ``quick`` settings. For each, the same settings are trained twice,
each in a fresh process:

- book:   exactly what ``d2l.load_data_fashion_mnist`` builds (per-image ``Resize`` +
          ``ToTensor`` in a ``gluon.data.DataLoader`` with ``d2l.get_dataloader_workers()``
          workers) over the same local Fashion-MNIST arrays, then ``d2l.train_ch6``, with
          MXNet's default threading (OMP_NUM_THREADS unset);
- course: ``d2l_extras.load_data_fashion_mnist`` + ``d2l_extras.fit`` with the course's
          threading (every core given).

It prints examples/s (wall clock of the whole training call, evaluation included, and the
training-only figure each path reports), their ratio, final test accuracy, and the achieved
GFLOP/s against an estimate of the CPU's peak, after the CPU model and vector extensions.

``--repeat R`` trains each path R times, alternating book and course, and reports medians
(single runs on a shared machine vary by about ±10%). ``--profile full`` uses the sections'
full-size settings (for a GPU: ``scripts/gpu_check.py``). ``--phases`` does not compare the
paths: it times the course's training step by phase (data, forward, backward, update,
evaluation) with one thread and with every core, to show where the time goes.

``--busy`` keeps one core busy while each path trains, as on a student's laptop that is never
idle: the benchmark starts a busy-loop process before each training and kills it after (the
loop also ends by itself after ``--timeout`` seconds).
"""
import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from d2l_extras.cpu import cores_available, cpu_info, cpu_label
from d2l_extras.sections import SECTIONS

ROOT = Path(__file__).resolve().parent.parent
# Both paths train a section's network on that section's `quick` settings (input size, batch
# size, learning rate, training images): enough updates for the accuracies to say something.


def worker(path, net_key, test_subset, epochs, profile="quick"):
    """Train once in this process and print one JSON line of figures."""

    if path == "course":
        import d2l_extras as dx
    from d2l import mxnet as d2l
    from mxnet import gluon, npx
    from mxnet.gluon.data.vision import transforms

    import d2l_extras.data as data
    from d2l_extras.models import get_model
    from d2l_extras.summary import layer_summary
    from d2l_extras.profiles import get_settings
    from d2l_extras.training import set_seed

    npx.set_np()
    section = net_key
    settings = get_settings(section, profile)
    size, batch_size, lr, subset = settings.resize, settings.batch_size, settings.lr, settings.subset
    (Xtr, ytr), (Xte, yte) = data.read_fashion_mnist("train"), data.read_fashion_mnist("test")
    Xtr, ytr = data._subset(Xtr, ytr, subset, 0, "subset")
    Xte, yte = data._subset(Xte, yte, test_subset, 0, "test_subset")
    set_seed(0)
    net = get_model(section)
    macs = layer_summary(get_model(section), (1, 1, size, size)).macs
    start = time.perf_counter()
    if path == "book":
        import mxnet as mx

        # d2l.load_data_fashion_mnist, verbatim but over local arrays (FashionMNIST yields
        # (28, 28, 1) uint8 images and integer labels, as ArrayDataset does here).
        trans = transforms.Compose([transforms.Resize(size), transforms.ToTensor()])
        train = gluon.data.ArrayDataset(mx.np.array(Xtr[..., None], dtype="uint8"), ytr)
        test = gluon.data.ArrayDataset(mx.np.array(Xte[..., None], dtype="uint8"), yte)
        train_iter = gluon.data.DataLoader(train.transform_first(trans), batch_size, shuffle=True,
                                           num_workers=d2l.get_dataloader_workers())
        test_iter = gluon.data.DataLoader(test.transform_first(trans), batch_size, shuffle=False,
                                          num_workers=d2l.get_dataloader_workers())
        import io
        import contextlib

        out = io.StringIO()
        with contextlib.redirect_stdout(out):  # the Animator prints figure reprs in a terminal
            d2l.train_ch6(net, train_iter, test_iter, epochs, lr, d2l.try_gpu())
        lines = [l for l in out.getvalue().splitlines() if "examples/sec" in l or "test acc" in l]
        reported = float(lines[-1].split()[0]) if lines else float("nan")
        test_acc = float(lines[-2].split("test acc")[1]) if len(lines) > 1 else float("nan")
    else:
        train_iter, test_iter = dx.load_data_fashion_mnist(batch_size, resize=size, subset=subset,
                                                           test_subset=test_subset)
        history = dx.fit(net, train_iter, test_iter, epochs, lr, callbacks=[])
        reported, test_acc = history.examples_per_sec, history.final["test_acc"]
    wall = time.perf_counter() - start
    print(json.dumps({"path": path, "net": net_key, "wall_examples_per_sec": epochs * len(ytr) / wall,
                      "reported_examples_per_sec": reported, "test_acc": test_acc, "macs": macs,
                      "threads": os.environ.get("OMP_NUM_THREADS", "default"),
                      "device": str(dx.get_devices()[0]) if path == "course" else str(d2l.try_gpu())}))


PHASES = ("data", "forward", "backward", "update", "evaluation")


def phases_worker(net_key, test_subset, profile, batches=30):
    """Time the course's training step by phase, in this process; print one JSON line.

    The step is ``fit``'s (hybridized network, channel concatenations on oneDNN's kernel,
    softmax cross-entropy, SGD), taken apart:
    each phase is timed over ``batches`` minibatches after a warm-up, waiting for MXNet's
    asynchronous engine at the end of each timed block. Times are ms per minibatch, and for
    the evaluation ms per minibatch's worth of test images.
    """
    import mxnet as mx
    from mxnet import autograd, gluon, npx

    import d2l_extras as dx
    from d2l_extras.models import get_model
    from d2l_extras.profiles import get_settings
    from d2l_extras.training import set_seed

    npx.set_np()
    s = get_settings(net_key, profile)
    device = dx.get_devices()[0]
    train_iter, test_iter = dx.load_data_fashion_mnist(s.batch_size, resize=s.resize, subset=s.subset,
                                                       test_subset=test_subset)
    set_seed(0)
    net = get_model(net_key)
    net.initialize(mx.init.Xavier(), ctx=device)
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": s.lr})
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    data = []
    for X, y in train_iter:
        data.append((X.as_in_ctx(device), y.as_in_ctx(device)))
        if len(data) == batches + 3:
            break
    warm, data = data[:3], data[3:]

    def step(X, y, upto):
        with autograd.record():
            l = loss(net(X), y)
        if upto != "forward":
            l.backward()
        if upto == "update":
            trainer.step(X.shape[0])
        return l

    def timed(upto, pairs):
        mx.nd.waitall()
        start = time.perf_counter()
        for X, y in pairs:
            step(X, y, upto)
        mx.nd.waitall()
        return (time.perf_counter() - start) * 1000 / len(pairs)

    from d2l_extras.speedups.channel_concat import channel_concat

    with channel_concat():  # as in fit: the network is traced, and concatenates, on oneDNN's Concat
        for X, y in warm:
            step(X, y, "update")
        cumulative = {upto: timed(upto, data) for upto in ("forward", "backward", "update")}
        start = time.perf_counter()
        for i, (X, y) in enumerate(train_iter):
            X.wait_to_read()
            if i + 1 == batches:
                break
        data_ms = (time.perf_counter() - start) * 1000 / batches
        start = time.perf_counter()
        dx.evaluate_accuracy(net, test_iter, [device])
    eval_ms = (time.perf_counter() - start) * 1000 / len(test_iter)
    ms = {"data": data_ms, "forward": cumulative["forward"],
          "backward": cumulative["backward"] - cumulative["forward"],
          "update": cumulative["update"] - cumulative["backward"], "evaluation": eval_ms}
    print(json.dumps({"net": net_key, "threads": os.environ.get("OMP_NUM_THREADS"), "ms": ms,
                      "batch_size": s.batch_size, "train_batches": len(train_iter),
                      "test_batches": len(test_iter)}))


BUSY_LOOP = "import sys, time\nend = time.monotonic() + float(sys.argv[1])\nwhile time.monotonic() < end:\n    pass\n"


@contextlib.contextmanager
def busy_core(seconds):
    """Another process spinning on one core for the duration of the block (at most ``seconds``)."""
    proc = subprocess.Popen([sys.executable, "-c", BUSY_LOOP, str(seconds)])
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


def vector_extensions():
    """The SIMD extensions the CPU reports that matter to oneDNN's kernels, widest first."""
    flags = cpu_info()["flags"]
    wanted = ("avx512f", "avx512_vnni", "avx512_bf16", "avx2", "fma", "avx", "sse4_2")
    return [f for f in wanted if f in flags]


def fp32_flops_per_cycle(flags, vendor=None, family=None):
    """Peak FP32 FLOPs per cycle of one core: two FMA units × floats per vector × 2 FLOPs.

    AMD's Zen 4 (family 25 with AVX-512) runs a 512-bit instruction on its 256-bit units in two
    passes, so its peak is AVX2's; Intel's AVX-512 cores and AMD's Zen 5 have 512-bit units."""
    if "avx512f" in flags and not (vendor == "AuthenticAMD" and family == 25):
        return 64
    if {"avx2", "fma"} <= flags or "avx512f" in flags:
        return 32
    return 16 if "avx" in flags else 8


def cpu_peak_gflops():
    """cores × clock × FP32 FLOPs per cycle (from the CPU's vector extensions), and how."""
    cores = cores_available()
    info = cpu_info()
    per_cycle = fp32_flops_per_cycle(info["flags"], info["vendor"], info["family"])
    mhz = info["mhz"]
    how = f"{cores} cores × {mhz / 1000:.2f} GHz × {per_cycle} FLOP/cycle ({cpu_label()})"
    return cores * mhz / 1000 * per_cycle, how


def run(path, net_key, args, threads=None):
    """One worker in a fresh process; ``path`` is 'book', 'course' or 'phases'."""
    env = dict(os.environ)
    if path == "book":
        env.pop("OMP_NUM_THREADS", None)
        env["D2L_THREADS"] = "default"  # MXNet's own threading, as a plain d2l install has
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
    cmd = [sys.executable, __file__, "--worker", path, "--nets", net_key, "--profile", args.profile,
           "--test-subset", str(args.test_subset), "--epochs", str(args.epochs)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT, timeout=args.timeout)
    if out.returncode != 0:
        sys.exit(f"bench: {path} {net_key} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def compare(nets, args, peak):
    """The book's path against the course's, network by network (medians of --repeat runs).

    Returns {network: {"book": medians, "course": medians, "ratio": course / book}}.
    """
    from d2l_extras.profiles import get_settings

    head = f"{'network':<10} {'input':>5} {'book ex/s':>10} {'course ex/s':>12} {'ratio':>6} " \
           f"{'book acc':>8} {'course acc':>10} {'course GFLOP/s':>15} {'% peak':>7}"
    print(head)
    print("-" * len(head))
    results = {}
    for net_key in nets:
        load = (lambda: busy_core(args.timeout)) if args.busy else contextlib.nullcontext
        runs = {"book": [], "course": []}
        for i in range(args.repeat):
            # alternate which path goes first, so that a drift of the machine's speed
            # during the run does not favour one of them
            for path in (("book", "course") if i % 2 == 0 else ("course", "book")):
                with load():
                    runs[path].append(run(path, net_key, args))
        book = {k: median([r[k] for r in runs["book"]]) for k in ("wall_examples_per_sec", "test_acc")}
        course = {k: median([r[k] for r in runs["course"]]) for k in
                  ("wall_examples_per_sec", "reported_examples_per_sec", "test_acc", "macs")}
        ratio = course["wall_examples_per_sec"] / book["wall_examples_per_sec"]
        results[net_key] = {"book": book, "course": course, "ratio": ratio}
        # training FLOPs per example ≈ 3 × forward (forward + two backward products), 2 FLOPs per MAC
        gflops = course["reported_examples_per_sec"] * course["macs"] * 2 * 3 / 1e9
        size = get_settings(net_key, args.profile).resize
        on_cpu = runs["course"][0].get("device", "cpu").startswith("cpu")
        print(f"{net_key:<10} {size:>5} {book['wall_examples_per_sec']:>10.1f} "
              f"{course['wall_examples_per_sec']:>12.1f} {ratio:>6.2f} {book['test_acc']:>8.3f} "
              f"{course['test_acc']:>10.3f} {gflops:>15.1f} "
              + (f"{100 * gflops / peak:>6.1f}%" if on_cpu else f"{'(GPU)':>7}"), flush=True)
    worst = min(results, key=lambda k: results[k]["ratio"])
    print(f"worst ratio: {worst} {results[worst]['ratio']:.2f}")
    print("examples/s: wall clock of the whole training call (data, training, evaluation), same work both ways"
          + (f"; medians of {args.repeat} runs per path, alternating" if args.repeat > 1 else "") + ".")
    return results


def phases(nets, args):
    """Where the course's time goes: ms per minibatch by phase, one thread against every core."""
    cores = cores_available()
    print(f"course path by phase, ms per minibatch (evaluation: per test minibatch); "
          f"1 thread | {cores} threads (speed-up)")
    head = f"{'network':<10} {'batch':>5} " + " ".join(f"{p:>22}" for p in PHASES) + f" {'epoch share':>30}"
    print(head)
    print("-" * len(head))
    for net_key in nets:
        one, many = run("phases", net_key, args, threads=1), run("phases", net_key, args, threads=cores)
        cells = [f"{one['ms'][p]:>6.1f} | {many['ms'][p]:>6.1f} ({one['ms'][p] / max(many['ms'][p], 1e-9):.2f}×)"
                 for p in PHASES]
        # share of an epoch with every core: training phases × batches, evaluation × test batches
        epoch = {p: many["ms"][p] * (many["test_batches"] if p == "evaluation" else many["train_batches"])
                 for p in PHASES}
        total = sum(epoch.values())
        share = " ".join(f"{p[:4]} {100 * v / total:.0f}%" for p, v in epoch.items())
        print(f"{net_key:<10} {many['batch_size']:>5} " + " ".join(f"{c:>22}" for c in cells) + f"  {share}",
              flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nets", default=",".join(SECTIONS),
                        help=f"comma-separated section keys (default: all of {', '.join(SECTIONS)})")
    parser.add_argument("--profile", default="quick", choices=["quick", "full"],
                        help="the sections' settings to train with (full: for a GPU)")
    parser.add_argument("--test-subset", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs per path; medians are reported")
    parser.add_argument("--timeout", type=int, default=3600)
    parser.add_argument("--busy", action="store_true", help="keep one core busy with another process while training")
    parser.add_argument("--phases", action="store_true",
                        help="time the course's step by phase (1 thread against every core) instead")
    parser.add_argument("--worker", choices=["book", "course", "phases"])
    args = parser.parse_args()
    nets = args.nets.split(",")
    unknown = [n for n in nets if n not in SECTIONS]
    if unknown:
        sys.exit(f"bench: unknown network(s) {unknown}; choose from {', '.join(SECTIONS)}")
    if args.repeat < 1:
        sys.exit("bench: --repeat must be at least 1")
    if args.worker == "phases":
        return phases_worker(nets[0], args.test_subset, args.profile)
    if args.worker:
        return worker(args.worker, nets[0], args.test_subset, args.epochs, args.profile)

    peak, how = cpu_peak_gflops()
    print(f"machine: {how}; estimated peak {peak:.0f} GFLOP/s (FP32)")
    print(f"vector extensions: {' '.join(vector_extensions()) or 'none found'}")
    print("load: " + ("one core kept busy by a busy-loop process during each training" if args.busy
                      else "none added (whatever else runs on the machine)"))
    print(f"settings: each network's {args.profile}-profile settings, {args.test_subset} test images, "
          f"{args.epochs} epoch(s)")
    if args.phases:
        phases(nets, args)
    else:
        compare(nets, args, peak)


if __name__ == "__main__":
    main()
