"""A data-parallel worker script for MXNet's parameter server, started by the course's launcher.

Every worker runs this same script: it joins the job (``mx.kv.create``), reads its own shard
of Fashion-MNIST and trains with ``dx.fit(..., recipe=dx.Recipe(kvstore=kv))``::

    # one machine: 1 scheduler, 1 server, 2 workers on 127.0.0.1
    python -m course_tools.launch -n 2 -s 1 -- python examples/train_dist.py
    python -m course_tools.launch -n 2 -s 1 -- python examples/train_dist.py --kvstore dist_async
    # a network of the course instead of the small default one
    python -m course_tools.launch -n 2 -s 1 -- python examples/train_dist.py --model resnet --resize 32

With ``dist_sync`` W workers with batch B train like one machine with batch W·B.
``--save DIR`` writes each worker's parameters and history (``worker-<rank>.params`` /
``.json``), e.g. to compare the workers' parameters after ``dist_sync`` and ``dist_async``.
"""
import argparse
import json
from pathlib import Path

import d2l_extras as dx  # first: gives MXNet every core before it loads
import mxnet as mx
from mxnet import npx
from mxnet.gluon import nn


def small_net():
    """A small network that trains in seconds on a CPU (the default)."""
    net = nn.HybridSequential()
    net.add(nn.Dense(64, activation="relu"), nn.Dense(10))
    return net


def build_net(name):
    if name == "mlp":
        return small_net()
    from d2l_extras.models import get_model

    return get_model(name)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kvstore", choices=("dist_sync", "dist_async"), default="dist_sync",
                    help="synchronous (every worker waits for the step) or asynchronous updates")
    ap.add_argument("--model", default="mlp",
                    help="'mlp' (default) or a network of d2l_extras.models, e.g. resnet")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=64, help="per worker")
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--resize", type=int, default=None, help="image side (default: 28)")
    ap.add_argument("--subset", type=int, default=6000, help="training images of the whole job (0: all)")
    ap.add_argument("--test-subset", type=int, default=1000, help="test images (0: all)")
    ap.add_argument("--save", type=Path, default=None, help="folder for worker-<rank>.params and .json")
    args = ap.parse_args(argv)
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    npx.set_np()
    dx.set_seed(0)
    kv = mx.kv.create(args.kvstore)
    train_iter, test_iter = dx.load_data_fashion_mnist(
        args.batch_size, resize=args.resize, subset=args.subset or None,
        test_subset=args.test_subset or None, seed=0,
        num_parts=kv.num_workers, part_index=kv.rank)  # this worker's shard
    net = build_net(args.model)
    history = dx.fit(net, train_iter, test_iter, args.epochs, args.lr, dx.get_devices(),
                     callbacks=[], recipe=dx.Recipe(kvstore=kv))
    print(f"worker {kv.rank} of {kv.num_workers} ({kv.type}): {history}", flush=True)
    if args.save is not None:
        args.save.mkdir(parents=True, exist_ok=True)
        net.save_parameters(str(args.save / f"worker-{kv.rank}.params"))
        (args.save / f"worker-{kv.rank}.json").write_text(json.dumps(
            {"rank": kv.rank, "num_workers": kv.num_workers, "type": kv.type,
             "batches": len(train_iter), "history": history.records}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
