"""What this machine's CPU is: its model, vendor numbers and widest vectors, and its cores.

Linux's /proc/cpuinfo is read once per process and kept: the course keys measured speeds by
the CPU's kind (:func:`cpu_kind`) and labels results with it (:func:`cpu_label`).
"""
import functools
import platform

from d2l_extras_boot import cores_available

__all__ = ["cores_available", "cpu_info", "cpu_model", "cpu_kind", "cpu_label", "widest_vectors"]

CPUINFO = "/proc/cpuinfo"


def _read_cpuinfo(path):
    """Parse a /proc/cpuinfo file (see :func:`cpu_info`)."""
    info = {"model": None, "vendor": None, "family": None, "model_number": None, "flags": set(), "mhz": 0.0}
    first = {"model name": ("model", str.strip), "vendor_id": ("vendor", str.strip),
             "cpu family": ("family", int), "model": ("model_number", int),
             "flags": ("flags", lambda v: set(v.split()))}
    seen = set()
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in first and key not in seen:  # the first core's value
                    seen.add(key)
                    name, parse = first[key]
                    try:
                        info[name] = parse(value)
                    except ValueError:  # not a number where one is expected: left as not given
                        pass
                elif key == "cpu MHz":
                    info["mhz"] = max(info["mhz"], float(value))
    except OSError:
        pass
    return info


@functools.lru_cache(maxsize=None)
def _this_machine():
    return _read_cpuinfo(CPUINFO)


def cpu_info(cpuinfo=None):
    """What Linux's /proc/cpuinfo says of the CPU (its first core's lines).

    Parameters
    ----------
    cpuinfo : str, optional
        A file in /proc/cpuinfo's format; default this machine's, read once per process.

    Returns
    -------
    dict
        ``model`` (model name), ``vendor`` (``vendor_id``), ``family`` and ``model_number``
        (ints), ``flags`` (a set) and ``mhz`` (the highest clock of its cores, 0.0 when not
        given). Without such a file: None for each name and number, an empty set and 0.0.
    """
    info = _this_machine() if cpuinfo is None else _read_cpuinfo(cpuinfo)
    return dict(info, flags=set(info["flags"]))  # a copy: the kept reading stays as read


def _model_name(info):
    return info["model"] or platform.processor() or platform.machine() or "unknown CPU"


def cpu_model(cpuinfo=None):
    """The CPU's model name (Linux's /proc/cpuinfo), else what ``platform`` knows."""
    return _model_name(cpu_info(cpuinfo))


def widest_vectors(flags):
    """The widest SIMD extension in a CPU's flags, as people write it ("AVX-512", "AVX2"...), or None."""
    for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"), ("sse4_2", "SSE4.2")):
        if flag in flags:
            return name
    return None


def cpu_kind(cpuinfo=None):
    """What tells CPUs apart, for keying measurements and labelling results.

    The name alone does not: a virtual machine may call an AVX2 Zen 3 (family 25 model 1) and an
    AVX-512 Zen 4 (model 17) both "AMD EPYC", and they train at different speeds.

    Returns
    -------
    dict
        ``cpu`` (the model name, :func:`cpu_model`), ``family`` and ``model`` (the vendor's
        numbers, None where not given), ``vectors`` (:func:`widest_vectors`).
    """
    info = cpu_info(cpuinfo)
    return {"cpu": _model_name(info), "family": info["family"], "model": info["model_number"],
            "vectors": widest_vectors(info["flags"])}


def cpu_label(kind=None):
    """:func:`cpu_kind` in one line of English, e.g. "AMD EPYC, family 25 model 17, AVX-512"."""
    kind = cpu_kind() if kind is None else kind
    parts = [kind["cpu"]]
    if kind["family"] is not None and kind["model"] is not None:
        parts.append(f"family {kind['family']} model {kind['model']}")
    if kind["vectors"]:
        parts.append(kind["vectors"])
    return ", ".join(parts)
