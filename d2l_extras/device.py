"""Choosing the devices (MXNet contexts) to compute on, when a function is called.

`D2L_DEVICE` overrides the automatic choice: `cpu`, `gpu` (= `gpu:0`), `gpu:1`, `all`
(every GPU, or the CPU when there is none) or a comma-separated list (`gpu:0,gpu:1`).
A GPU that was asked for but does not exist is an error, never a silent CPU run.
"""
import os

import mxnet as mx

__all__ = ["num_gpus", "try_gpu", "try_all_gpus", "get_devices", "describe_devices"]

ENV_VAR = "D2L_DEVICE"


def num_gpus():
    """Number of GPUs MXNet can use (0 with a CPU-only build of mxnet)."""
    try:
        return mx.context.num_gpus()
    except mx.base.MXNetError:  # CUDA build without a driver
        return 0


def try_gpu(i=0):
    """Return ``gpu(i)`` if it exists, else ``cpu()``."""
    return mx.gpu(i) if num_gpus() > i else mx.cpu()


def try_all_gpus():
    """Return every GPU, or ``[cpu()]`` when there is none (d2l 1.0.3 returns ``[]``)."""
    n = num_gpus()
    return [mx.gpu(i) for i in range(n)] if n else [mx.cpu()]


def _parse_one(spec, n):
    kind, _, index = spec.partition(":")
    if kind == "cpu" and not index:
        return mx.cpu()
    if kind == "gpu":
        if index and not index.isdigit():
            raise ValueError(f"{ENV_VAR}: bad GPU index in {spec!r}; write gpu:0, gpu:1, ...")
        i = int(index or 0)
        if i >= n:
            have = f"GPUs 0-{n - 1}" if n else "no GPU (or a CPU-only mxnet build)"
            raise ValueError(
                f"{ENV_VAR} asks for gpu:{i} but this machine has {have}. "
                f"Unset {ENV_VAR} or set it to 'cpu' to train on the CPU, or install the "
                "GPU build of mxnet (see README, 'GPU')."
            )
        return mx.gpu(i)
    raise ValueError(
        f"{ENV_VAR}={spec!r} is not understood; use one of: all, cpu, gpu, gpu:N, or a "
        "comma-separated list such as gpu:0,gpu:1"
    )


def get_devices(spec=None):
    """Devices to train on, decided now.

    Parameters
    ----------
    spec : str, optional
        Same syntax as ``D2L_DEVICE``; by default the variable's value, and without it
        the first GPU if there is one, else the CPU.

    Returns
    -------
    list of mxnet.Context
    """
    spec = (spec if spec is not None else os.environ.get(ENV_VAR, "")).strip().lower()
    n = num_gpus()
    if not spec:
        return [try_gpu(0)]
    if spec == "all":
        return try_all_gpus()
    devices = [_parse_one(part.strip(), n) for part in spec.split(",") if part.strip()]
    if not devices:
        raise ValueError(f"{ENV_VAR}={spec!r} names no device")
    return devices


def describe_devices(devices):
    """Text such as ``cpu(0)`` or ``gpu(0), gpu(1)``; nbval's sanitizer maps it to DEVICE."""
    return ", ".join(str(d) for d in devices)
