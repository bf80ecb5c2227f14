"""The `cpu` profile's training sized to a time budget on this machine.

The `cpu` profile's table (``sections.py``) trains each section in a few minutes on a 2-core
CPU with AVX-512; a CPU with AVX2 only takes longer, and a busy laptop longer still. So a
notebook's own run under `cpu` (``section_run(section)``, no profile named) is sized
to this machine:

1. a fresh process trains the section's networks on a few batches of the table's settings
   and times training epochs and evaluations (``measure``): the notebook's own random
   numbers are not touched;
2. when the table's training images would take longer than the training budget
   (``D2L_TRAINING_BUDGET`` seconds of training and evaluation, default ``DEFAULT_BUDGET``)
   at ``SPEED_MARGIN`` of the measured speed (``estimate``), the run trains on fewer
   images, rounded down to a multiple of ``STEP`` (epochs, batch, learning rate and schedule
   unchanged; never fewer than ``MIN_IMAGES``); otherwise on the table's.

The measurement is kept in ``<build>/throughput.json``, one entry per machine, network and
settings, so that every later run on this machine is sized the same way and gives the same
results. Delete the file to measure again; ``D2L_TRAINING_BUDGET=off`` trains the table's
images whatever they take.
"""
import json
import math
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from typing import Dict

from .language import error, number
from .sections import TEST_SIZE, TRAIN_SIZE, Settings, section as _section

__all__ = ["BUDGET_ENV", "DEFAULT_BUDGET", "SPEED_MARGIN", "STEP", "MIN_IMAGES", "Throughput", "Sizing",
           "training_budget", "machine", "measure", "estimate", "size", "sizing", "throughput_path"]

BUDGET_ENV = "D2L_TRAINING_BUDGET"
# Seconds of training and evaluation per notebook: ten minutes less what a section notebook
# spends on everything else (imports, summaries, figures) and on a first run's measurement
# (docs/benchmarks.md, "The training budget").
DEFAULT_BUDGET = 510
# The estimate assumes this share of the measured speed (the faster of two short epochs): a
# short epoch runs faster than a long one, and a shared machine's speed moves by as much from
# hour to hour (docs/benchmarks.md, "The training budget").
SPEED_MARGIN = 0.8
STEP = 1000          # sizes are multiples of this, so that a slightly different measurement rarely moves them
MIN_IMAGES = 10000   # the fewest training images a sized run uses
PROBE_BATCHES = 20   # per epoch
PROBE_EPOCHS = 2     # timed, after one that is not (graph building, first allocations)
PROBE_TIMEOUT = 900  # seconds


@dataclass(frozen=True)
class Throughput:
    """One network's measured speed under one section's settings on this machine."""

    train: float     # examples/s of a training epoch (forward, backward, update, metrics)
    evaluate: float  # examples/s of an evaluation
    measured: str    # ISO date


@dataclass(frozen=True)
class Sizing:
    """How one section's `cpu` settings were sized to this machine's time budget."""

    section: str
    table: Settings                     # the profile's settings
    settings: Settings                  # this run's
    budget: float                       # seconds of training and evaluation
    throughput: Dict[str, Throughput]   # per network the notebook trains
    machine: Dict[str, object]          # see machine()

    def seconds(self, images):
        """Estimated training time, evaluations included, of every network on ``images`` images."""
        return estimate(self.table, images, self.throughput)

    @property
    def sized(self):
        """Whether this run trains on fewer images than the table's."""
        return self.settings.subset != self.table.subset


def training_budget():
    """Seconds of training a `cpu` notebook may take (``D2L_TRAINING_BUDGET``), or None for off."""
    raw = os.environ.get(BUDGET_ENV, "").strip().lower()
    if not raw:
        return float(DEFAULT_BUDGET)
    if raw in ("off", "none"):
        return None
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (math.isfinite(value) and value > 0):
        raise error(ValueError, "{env}={raw!r} không hợp lệ: hãy đặt một số giây dương (ví dụ 510) hoặc 'off'",
                    "{env}={raw!r} is not valid: set a positive number of seconds (e.g. 510) or 'off'",
                    env=BUDGET_ENV, raw=raw)
    return value


def machine():
    """What the measured speed depends on besides the network: the CPU's kind
    (:func:`d2l_extras.cpu.cpu_kind`: name, family and model numbers, widest vectors, so that two
    CPUs that share a name but not a speed are measured apart), cores, threads, MXNet."""
    from importlib.metadata import PackageNotFoundError, version

    from .cpu import cores_available, cpu_kind

    try:
        mxnet = version("mxnet")
    except PackageNotFoundError:
        mxnet = "unknown"
    return {**cpu_kind(), "cores": cores_available(), "threads": os.environ.get("OMP_NUM_THREADS", "unset"),
            "mxnet": mxnet}


def throughput_path():
    """Where measurements are kept (``<build>/throughput.json``)."""
    from .results import build_dir

    return build_dir() / "throughput.json"


def _read_measurements(path):
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data
    except ValueError as exc:
        raise error(ValueError, "không đọc được {path} ({exc}); hãy xóa tệp này để đo lại",
                    "cannot read {path} ({exc}); delete the file to measure again", path=path, exc=exc) from None


def _key(name, settings, here):
    # What the speed of a training step depends on (not the learning rate or the image count).
    kept = {k: v for k, v in asdict(settings).items() if k in ("batch_size", "resize", "momentum", "revive_dead_classes")}
    return json.dumps({"machine": here, "network": name, "settings": kept}, sort_keys=True)


def measure(name, settings):
    """Throughput of network ``name`` under ``settings`` here, measured in a fresh process.

    A fresh process, so that the notebook's random numbers (initialization, shuffling, dropout)
    are the same whether or not a measurement was made.
    """
    env = {k: v for k, v in os.environ.items() if k != "D2L_CHECKPOINT_DIR"}
    cmd = [sys.executable, "-m", "d2l_extras.budget", name, json.dumps(asdict(settings))]
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise error(RuntimeError, "đo tốc độ của {name} quá {t} giây; hãy đặt {env}=off để dùng thiết lập của bảng",
                    "measuring {name}'s speed took over {t} s; set {env}=off to use the table's settings",
                    name=name, t=PROBE_TIMEOUT, env=BUDGET_ENV) from None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise error(RuntimeError, "đo tốc độ của {name} thất bại (mã {rc}):\n{tail}\nĐặt {env}=off để bỏ qua bước đo",
                    "measuring {name}'s speed failed (exit {rc}):\n{tail}\nSet {env}=off to skip the measurement",
                    name=name, rc=done.returncode, tail="\n".join(done.stderr.strip().splitlines()[-3:]), env=BUDGET_ENV)
    return Throughput(**json.loads(lines[-1]))


def estimate(table, images, throughput):
    """Seconds to train every network of ``throughput`` ({name: Throughput}) on ``images``
    images for the table's epochs, each evaluated after every epoch, at SPEED_MARGIN of the
    measured speed."""
    test = table.test_subset or TEST_SIZE
    return table.num_epochs * sum(images / t.train + test / t.evaluate
                                  for t in throughput.values()) / SPEED_MARGIN


def size(table, budget, throughput, minimum=MIN_IMAGES, step=STEP):
    """The training images that fit ``budget`` seconds at ``throughput`` ({name: Throughput}).

    The table's images when they fit; else the most that fit, rounded down to a multiple of
    ``step``, and never fewer than ``minimum`` (or than the table's).
    """
    images = table.subset or TRAIN_SIZE
    if estimate(table, images, throughput) <= budget:
        return images
    fixed = estimate(table, 0, throughput)            # the evaluations
    per_image = estimate(table, 1, throughput) - fixed
    fits = int((budget - fixed) / per_image // step * step) if budget > fixed else 0
    return min(images, max(minimum, fits))


def sizing(section, table, budget=None, measure_with=None):
    """The `cpu` settings of ``section`` sized to this machine: a :class:`Sizing`.

    ``budget`` defaults to ``training_budget()`` (which must not be off). Measurements missing
    from ``throughput_path()`` are made (by ``measure_with``, default ``measure``) and written there.
    """
    measure_with = measure_with or measure
    from .results import atomic_write_text

    budget = training_budget() if budget is None else budget
    sec = _section(section)
    here = machine()
    path = throughput_path()
    known = _read_measurements(path)
    throughput = {}
    for name in sec.models:
        key = _key(name, table, here)
        if key not in known:
            known[key] = asdict(measure_with(name, table))
            atomic_write_text(path, json.dumps(known, indent=1, sort_keys=True))
        throughput[name] = Throughput(**known[key])
    images = size(table, budget, throughput)
    settings = table if images == (table.subset or TRAIN_SIZE) else table.replace(subset=images)
    return Sizing(section, table, settings, budget, throughput, here)


def _probe(name, settings):
    """Time one training epoch and one evaluation of ``name`` (run in a fresh process)."""
    from mxnet import npx

    from .data import load_data_fashion_mnist
    from .device import get_devices
    from .models import get_model
    from .training import evaluate_accuracy, fit, set_seed

    npx.set_np()  # as every notebook does
    set_seed(0)
    devices = get_devices()
    n = PROBE_BATCHES * settings.batch_size
    train_iter, test_iter = load_data_fashion_mnist(settings.batch_size, resize=settings.resize, subset=n,
                                                    test_subset=n, device=devices[0])
    net = get_model(name)
    history = fit(net, train_iter, test_iter, 1 + PROBE_EPOCHS, settings.lr, devices, recipe=settings.recipe,
                  callbacks=[])
    # The fastest timed epoch: another process on a shared machine only ever slows one down.
    train = max(r["train_examples"] / r["train_seconds"] for r in history.records[1:])
    evaluate = 0.0
    for _ in range(PROBE_EPOCHS):
        start = time.perf_counter()
        evaluate_accuracy(net, test_iter, devices)
        evaluate = max(evaluate, n / (time.perf_counter() - start))
    return Throughput(train, evaluate, date.today().isoformat())


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m d2l_extras.budget NETWORK SETTINGS_JSON")
    print(json.dumps(asdict(_probe(sys.argv[1], Settings(**json.loads(sys.argv[2]))))))
