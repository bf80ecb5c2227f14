"""Choosing the devices (MXNet contexts) to compute on, when a function is called.

`D2L_DEVICE` overrides the automatic choice: `cpu`, `gpu` (= `gpu:0`), `gpu:1`, `all`
(every GPU, or the CPU when there is none) or a comma-separated list (`gpu:0,gpu:1`).
A GPU that was asked for but does not exist is an error, never a silent CPU run.
"""
import os

import mxnet as mx

from .language import error

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


def _parse_one(spec, n, source):
    """One device of a spec; ``source`` names where the spec came from, for the errors."""
    kind, _, index = spec.partition(":")
    if kind == "cpu" and not index:
        return mx.cpu()
    if kind == "gpu":
        if index and not index.isdigit():
            raise error(ValueError, "{source}: chỉ số GPU sai trong {spec!r}; hãy viết gpu:0, gpu:1, ... "
                        "(cú pháp của {env})", "{source}: bad GPU index in {spec!r}; write gpu:0, gpu:1, ... "
                        "(the syntax of {env})", source=source, spec=spec, env=ENV_VAR)
        i = int(index or 0)
        if i >= n:
            raise error(
                ValueError,
                "{source} yêu cầu gpu:{i} nhưng máy này " + (f"có GPU 0-{n - 1}" if n else
                                                              "không có GPU (hoặc bản mxnet chỉ cho CPU)")
                + ". Hãy bỏ {env} hoặc đặt nó là 'cpu' để huấn luyện trên CPU, hoặc cài bản mxnet "
                "cho GPU (xem README, 'GPU').",
                "{source} asks for gpu:{i} but this machine has " + (f"GPUs 0-{n - 1}" if n else
                                                                    "no GPU (or a CPU-only mxnet build)")
                + ". Unset {env} or set it to 'cpu' to train on the CPU, or install the GPU build of "
                "mxnet (see README, 'GPU').",
                source=source, i=i, env=ENV_VAR)
        return mx.gpu(i)
    raise error(ValueError,
                "{source}: không hiểu {spec!r}; hãy dùng một trong: all, cpu, gpu, gpu:N, hoặc một danh "
                "sách cách nhau bởi dấu phẩy như gpu:0,gpu:1 (cú pháp của {env})",
                "{source}: {spec!r} is not understood; use one of: all, cpu, gpu, gpu:N, or a "
                "comma-separated list such as gpu:0,gpu:1 (the syntax of {env})",
                source=source, spec=spec, env=ENV_VAR)


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
    source = f"get_devices({spec!r})" if spec is not None else ENV_VAR  # what an error names
    spec = (spec if spec is not None else os.environ.get(ENV_VAR, "")).strip().lower()
    n = num_gpus()
    if not spec:
        return [try_gpu(0)]
    if spec == "all":
        return try_all_gpus()
    devices = [_parse_one(part.strip(), n, source) for part in spec.split(",") if part.strip()]
    if not devices:
        raise error(ValueError, "{source}: {spec!r} không chỉ ra thiết bị nào (cú pháp của {env})",
                    "{source}: {spec!r} names no device (the syntax of {env})", source=source, spec=spec, env=ENV_VAR)
    return devices


def describe_devices(devices):
    """Text such as ``cpu(0)`` or ``gpu(0), gpu(1)``; nbval's sanitizer maps it to DEVICE."""
    return ", ".join(str(d) for d in devices)
