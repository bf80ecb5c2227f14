"""Fashion-MNIST, offline first, kept whole in memory and resized by the batch on the device.

Where the files are looked for, in order:

1. an explicit ``root`` argument,
2. the ``D2L_DATA_DIR`` environment variable,
3. MXNet's cache (``$MXNET_HOME/datasets/fashion-mnist``, by default ``~/.mxnet/...``),
4. Debian/Ubuntu's package folder ``/usr/share/datasets/fashion-mnist``
   (``apt-get install dataset-fashion-mnist``),
5. a download into MXNet's cache (retried, written atomically).

An explicit ``root`` or ``D2L_DATA_DIR`` that lacks the files is an error, not a reason to
look elsewhere. Every file is checked against the SHA-256 of its *decompressed* content:
Debian's gzip bytes differ from MXNet's download, the images and labels do not.
"""
import functools
import gzip
import hashlib
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as onp

from .language import check_lang

__all__ = [
    "DatasetError",
    "TEXT_LABELS",
    "TEXT_LABELS_VI",
    "get_fashion_mnist_labels",
    "find_data_dir",
    "read_fashion_mnist",
    "download_fashion_mnist",
    "ArrayLoader",
    "load_data_fashion_mnist",
]

ENV_VAR = "D2L_DATA_DIR"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
DEBIAN_PACKAGE = "dataset-fashion-mnist"
BASE_URL = "https://apache-mxnet.s3-accelerate.dualstack.amazonaws.com/gluon/dataset/fashion-mnist/"

SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
# SHA-256 and size of each file's decompressed (idx) content.
CHECKSUMS = {
    "train-images-idx3-ubyte": ("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 47040016),
    "train-labels-idx1-ubyte": ("bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 60008),
    "t10k-images-idx3-ubyte": ("5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 7840016),
    "t10k-labels-idx1-ubyte": ("0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 10008),
}
TEXT_LABELS = ["t-shirt", "trouser", "pullover", "dress", "coat",
               "sandal", "shirt", "sneaker", "bag", "ankle boot"]
# The same classes in Vietnamese, in the same order.
TEXT_LABELS_VI = ["áo phông", "quần dài", "áo chui đầu", "váy", "áo khoác",
                  "dép quai hậu", "áo sơ mi", "giày thể thao", "túi xách", "bốt cổ ngắn"]

FIX = (f"Fix: install the Debian/Ubuntu package ({'sudo ' if os.name == 'posix' else ''}apt-get install "
       f"{DEBIAN_PACKAGE}), or set {ENV_VAR} to a folder holding the four Fashion-MNIST files, "
       "or run `python -m d2l_extras.data ensure` with internet access.")


class DatasetError(ValueError):
    """A data file exists but is not the Fashion-MNIST file it claims to be."""


def get_fashion_mnist_labels(labels, lang="en"):
    """Text labels (``t-shirt``, ``trouser``, ...) of numeric labels; ``lang='vi'``: in Vietnamese
    (``áo phông``, ``quần dài``, ...)."""
    names = TEXT_LABELS_VI if check_lang(lang) == "vi" else TEXT_LABELS
    return [names[int(i)] for i in labels]


def mxnet_cache_dir():
    """MXNet's dataset cache, as ``mxnet.gluon.data.vision.FashionMNIST`` uses it."""
    home = os.environ.get("MXNET_HOME", os.path.join("~", ".mxnet"))
    return Path(home).expanduser() / "datasets" / "fashion-mnist"


def _file_in(folder, name):
    """The gzipped or plain copy of ``name`` in ``folder``, or None."""
    for candidate in (folder / (name + ".gz"), folder / name):
        if candidate.is_file():
            return candidate
    return None


def _complete(folder):
    return all(_file_in(folder, n) for names in SPLITS.values() for n in names)


def find_data_dir(root=None):
    """The first folder, in the documented order, that holds all four files, or None.

    Raises
    ------
    FileNotFoundError
        If ``root`` or ``D2L_DATA_DIR`` is given but lacks files (no silent fallback).
    """
    for label, given in (("root", root), (ENV_VAR, os.environ.get(ENV_VAR))):
        if given:
            folder = Path(given).expanduser()
            missing = [n for names in SPLITS.values() for n in names if not _file_in(folder, n)]
            if missing:
                raise FileNotFoundError(
                    f"{label}={str(folder)!r} lacks Fashion-MNIST files: "
                    + ", ".join(m + "[.gz]" for m in missing)
                    + f". Put the files there, or unset {label} to use the usual locations. {FIX}"
                )
            return folder
    for folder in (mxnet_cache_dir(), DEBIAN_DIR):
        if _complete(folder):
            return folder
    return None


def _decompress(path, gzipped=None):
    raw = path.read_bytes()
    if not (path.suffix == ".gz" if gzipped is None else gzipped):
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as err:
        raise DatasetError(
            f"{path} is truncated or not a valid gzip file ({err}). Delete it and fetch it again. {FIX}"
        ) from err


def _verify(path, name, content):
    """Raise DatasetError unless ``content`` is the expected decompressed ``name``."""
    sha, size = CHECKSUMS[name]
    if len(content) != size:
        what = "truncated" if len(content) < size else "too long"
        raise DatasetError(
            f"{path} is {what}: {len(content):,} bytes decompressed, expected {size:,} for {name}. "
            f"Delete it and fetch it again. {FIX}"
        )
    if hashlib.sha256(content).hexdigest() != sha:
        raise DatasetError(
            f"{path} does not hold the Fashion-MNIST file {name} (SHA-256 of its content differs; "
            f"a different data set such as MNIST, or a corrupted copy). Replace it. {FIX}"
        )


def _parse_idx(content, ndim):
    # idx header: two zero bytes, a type byte (0x08 = uint8), the number of dimensions,
    # then one big-endian int32 per dimension.
    dims = onp.frombuffer(content, dtype=">i4", count=ndim, offset=4)
    return onp.frombuffer(content, dtype=onp.uint8, offset=4 + 4 * ndim).reshape(tuple(dims))


def _read_file(folder, name):
    path = _file_in(folder, name)
    stat = path.stat()
    return _read_verified(str(path.resolve()), stat.st_mtime_ns, stat.st_size, name)


@functools.lru_cache(maxsize=8)
def _read_verified(path, mtime_ns, size, name):
    """A file's parsed, verified content, read once per process (a notebook loads the data
    several times: 0.3 s of gunzip each). Keyed by modification time and size, so a replaced
    file is read again; the arrays are read-only views of the decompressed bytes."""
    path = Path(path)
    content = _decompress(path)
    _verify(path, name, content)
    return _parse_idx(content, 3 if "images" in name else 1)


def download_fashion_mnist(cache_dir=None, retries=3, timeout=60, base_url=BASE_URL):
    """Download the four files into ``cache_dir`` (MXNet's cache by default).

    Each file is written to a temporary name in the same folder, verified, then renamed,
    so that an interrupted or corrupted download never leaves a file behind.
    """
    cache_dir = Path(cache_dir) if cache_dir else mxnet_cache_dir()
    cache_dir.mkdir(parents=True, exist_ok=True)
    for names in SPLITS.values():
        for name in names:
            final = cache_dir / (name + ".gz")
            if final.is_file():
                continue
            _download_one(base_url + name + ".gz", final, name, retries, timeout)
    return cache_dir


def _download_one(url, final, name, retries, timeout):
    last_error = None
    for attempt in range(1, retries + 1):
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
            _verify(final, name, _decompress(Path(tmp), gzipped=True))
            os.replace(tmp, final)
            return
        except (urllib.error.URLError, OSError, DatasetError) as err:
            last_error = str(err).split(" Fix:")[0]
            if attempt < retries:
                time.sleep(2 ** attempt)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    raise FileNotFoundError(
        f"could not download {url} after {retries} tries ({last_error}); this machine may be offline. {FIX}"
    )


def read_fashion_mnist(split="train", root=None, download=True):
    """Images (uint8, N×28×28) and labels (int32, N) of one split, verified.

    Parameters
    ----------
    split : {'train', 'test'}
    root : str or Path, optional
        Folder holding the four files (gzipped or not); see the module's search order.
    download : bool
        Download into MXNet's cache when no folder has the files.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {sorted(SPLITS)}, got {split!r}")
    folder = find_data_dir(root)
    if folder is None:
        if not download:
            raise FileNotFoundError(
                f"Fashion-MNIST not found in {mxnet_cache_dir()} or {DEBIAN_DIR}. {FIX}"
            )
        folder = download_fashion_mnist()
    images_name, labels_name = SPLITS[split]
    images, labels = _read_file(folder, images_name), _read_file(folder, labels_name)
    return images, labels.astype(onp.int32)


class ArrayLoader:
    """Minibatches of an in-memory image set, converted and resized as whole batches.

    Each batch is copied to ``device`` as uint8, scaled to [0, 1] and, if ``resize`` is
    set, resized there with bilinear interpolation: one operator call per batch instead
    of one OpenCV call per image in worker processes.

    Parameters
    ----------
    images : numpy.ndarray, uint8, N×H×W
    labels : numpy.ndarray, N
    batch_size : int
    shuffle : bool
        Reshuffle every epoch; the order of epoch ``e`` depends only on ``seed`` and ``e``
        (see ``set_epoch``), so a resumed run sees the same batches.
    resize : int or (int, int), optional
    device : mxnet.Context, optional
        Where batches are made; the CPU by default.
    num_parts, part_index : int
        Data-parallel training on several machines: yield only part ``part_index`` of
        ``num_parts`` equal parts (a worker passes ``kv.rank`` and ``kv.num_workers``).
        Each epoch the whole set is ordered (shuffled by ``seed`` and the epoch, the same
        on every worker), cut to a multiple of ``num_parts`` and dealt out: part ``r``
        gets positions ``r, r + num_parts, ...``. The parts are disjoint, equally long
        (so every worker makes the same number of steps, which ``dist_sync`` needs), and
        batch ``k`` of all parts together is batch ``k`` of an unsharded loader with
        ``num_parts`` times the batch size.
    drop_last : bool
        Skip a last, smaller batch, so that every batch has ``batch_size`` examples (a
        distributed kvstore that updates on its servers needs a constant batch size).
    """

    def __init__(self, images, labels, batch_size, shuffle=False, resize=None, device=None, seed=0,
                 num_parts=1, part_index=0, drop_last=False):
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if not isinstance(num_parts, int) or num_parts < 1:
            raise ValueError(f"num_parts must be a positive integer, got {num_parts!r}")
        if not isinstance(part_index, int) or not 0 <= part_index < num_parts:
            raise ValueError(f"part_index must be an integer in 0..{num_parts - 1}, got {part_index!r}")
        if num_parts > len(labels):
            raise ValueError(f"cannot cut {len(labels)} examples into {num_parts} non-empty parts")
        self.images, self.labels = images, labels
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.resize = _size_pair(resize)
        self.device = device
        self.num_parts, self.part_index, self.drop_last = num_parts, part_index, bool(drop_last)
        self.epoch = 0

    def set_epoch(self, epoch):
        """Choose the shuffling of epoch ``epoch`` (fit calls this before each epoch)."""
        self.epoch = epoch

    @property
    def num_examples(self):
        """Examples of this loader's part (all of them when not sharded)."""
        return len(self.labels) // self.num_parts

    def __len__(self):
        if self.drop_last:
            return self.num_examples // self.batch_size
        return -(-self.num_examples // self.batch_size)

    def __iter__(self):
        from mxnet import np
        import mxnet as mx

        device = self.device or mx.cpu()
        n = len(self.labels)
        order = (onp.random.RandomState(self.seed + self.epoch).permutation(n)
                 if self.shuffle else onp.arange(n))
        if self.num_parts > 1:
            order = order[:n - n % self.num_parts][self.part_index::self.num_parts]
        stop = len(self) * self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            idx = order[start:start + self.batch_size]
            X = np.array(self.images[idx][:, None], dtype="uint8", ctx=device).astype("float32") / 255
            if self.resize and self.resize != X.shape[2:]:
                # align_corners=False samples pixel centres, as OpenCV's resize does.
                X = mx.nd.contrib.BilinearResize2D(
                    X.as_nd_ndarray(), height=self.resize[0], width=self.resize[1], align_corners=False
                ).as_np_ndarray()
            y = np.array(self.labels[idx], dtype="int32", ctx=device)
            yield X, y


def _size_pair(resize):
    if resize is None:
        return None
    pair = (resize, resize) if isinstance(resize, int) else tuple(resize)
    if len(pair) != 2 or not all(isinstance(s, int) and s > 0 for s in pair):
        raise ValueError(f"resize must be a positive int or a pair of them, got {resize!r}")
    return pair


def _subset(images, labels, size, seed, what):
    if size is None:
        return images, labels
    if not isinstance(size, int) or not 0 < size <= len(labels):
        raise ValueError(f"{what} must be an integer in 1..{len(labels)}, got {size!r}")
    keep = onp.sort(onp.random.RandomState(seed).permutation(len(labels))[:size])
    return images[keep], labels[keep]


def load_data_fashion_mnist(batch_size, resize=None, subset=None, test_subset=None, seed=0,
                            root=None, device=None, num_parts=1, part_index=0):
    """Training and test loaders of Fashion-MNIST (the book's function, faster).

    Parameters
    ----------
    batch_size : int
    resize : int or (int, int), optional
        Input size of the network; images are resized by the batch on ``device``.
    subset, test_subset : int, optional
        Use a fixed random subset of this many training / test images (chosen by ``seed``).
    seed : int
        Seeds the subset and the per-epoch shuffling.
    root : str or Path, optional
        Folder with the data files; see the module docstring for the search order.
    device : mxnet.Context, optional
        Where batches are made (the first training device is a good choice).
    num_parts, part_index : int
        Multi-machine training: the training loader yields only this worker's part
        (``num_parts=kv.num_workers, part_index=kv.rank``; see ``ArrayLoader``) and, when
        sharded, drops a last smaller batch. The test loader is always the whole test set.

    Returns
    -------
    (ArrayLoader, ArrayLoader)
        The shuffled training loader and the test loader.
    """
    train = _subset(*read_fashion_mnist("train", root), subset, seed, "subset")
    test = _subset(*read_fashion_mnist("test", root), test_subset, seed, "test_subset")
    return (ArrayLoader(*train, batch_size, shuffle=True, resize=resize, device=device, seed=seed,
                        num_parts=num_parts, part_index=part_index, drop_last=num_parts > 1),
            ArrayLoader(*test, batch_size, shuffle=False, resize=resize, device=device, seed=seed))


def ensure(install_package=True):
    """Make the data available: found, else Debian's package (as root), else a download."""
    folder = find_data_dir()
    if folder is None and install_package and _can_apt():
        import subprocess

        print(f"data: installing the Debian package {DEBIAN_PACKAGE} ...", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "-q", DEBIAN_PACKAGE]
        if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL)
        folder = find_data_dir()
    if folder is None:
        print(f"data: downloading Fashion-MNIST into {mxnet_cache_dir()} ...", flush=True)
        folder = download_fashion_mnist()
    for split in SPLITS:  # verify every file now rather than in the middle of a lesson
        read_fashion_mnist(split, folder, download=False)
    print(f"data: Fashion-MNIST verified in {folder}")
    return folder


def _can_apt():
    import shutil

    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


if __name__ == "__main__":
    if sys.argv[1:] != ["ensure"]:
        sys.exit("usage: python -m d2l_extras.data ensure")
    try:
        ensure()
    except (FileNotFoundError, DatasetError) as err:
        sys.exit(f"error: {err}")
