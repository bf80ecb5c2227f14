"""Fashion-MNIST loading: search order, verification, clear errors, atomic downloads, batching."""
import http.server
import shutil
import threading
from pathlib import Path

import numpy as onp
import pytest
from mxnet import npx

from d2l_extras import data

npx.set_np()
NAMES = [n for names in data.SPLITS.values() for n in names]


@pytest.fixture(scope="module")
def real_dir():
    folder = data.find_data_dir()
    if folder is None:
        pytest.fail("Fashion-MNIST is not installed: run `make setup` (apt-get install dataset-fashion-mnist)")
    return folder


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No env var, an empty MXNet cache and no Debian folder: nothing to find."""
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    monkeypatch.setenv("MXNET_HOME", str(tmp_path / "mxnet-home"))
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian")
    return tmp_path


def copy_files(src, dst, names=NAMES, gz=True):
    dst.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = data._file_in(src, name)
        target = dst / (name + (".gz" if gz else ""))
        if gz == (source.suffix == ".gz"):
            shutil.copy(source, target)
        else:
            target.write_bytes(data._decompress(source))
    return dst


def test_reads_and_verifies_real_data(real_dir):
    X, y = data.read_fashion_mnist("train", real_dir)
    assert X.shape == (60000, 28, 28) and X.dtype == onp.uint8
    assert y.shape == (60000,) and sorted(onp.bincount(y)) == [6000] * 10
    Xt, yt = data.read_fashion_mnist("test", real_dir)
    assert Xt.shape == (10000, 28, 28) and yt.shape == (10000,)


def test_a_file_is_decompressed_once_per_process_until_it_changes(isolated, real_dir, monkeypatch):
    root = copy_files(real_dir, isolated / "root", names=["t10k-labels-idx1-ubyte"])
    calls = []
    decompress = data._decompress
    monkeypatch.setattr(data, "_decompress", lambda path, **kw: calls.append(path.name) or decompress(path, **kw))
    first = data._read_file(root, "t10k-labels-idx1-ubyte")
    again = data._read_file(root, "t10k-labels-idx1-ubyte")
    assert calls == ["t10k-labels-idx1-ubyte.gz"] and again is first and not first.flags.writeable
    path = root / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:2000])  # replaced by a truncated copy: read and refused
    with pytest.raises(data.DatasetError, match="truncated"):
        data._read_file(root, "t10k-labels-idx1-ubyte")
    assert len(calls) == 2


def test_search_order_root_then_env_then_cache(isolated, real_dir, monkeypatch):
    cache = copy_files(real_dir, data.mxnet_cache_dir())
    assert data.find_data_dir() == cache
    env_dir = copy_files(real_dir, isolated / "env", gz=False)  # plain idx files work too
    monkeypatch.setenv(data.ENV_VAR, str(env_dir))
    assert data.find_data_dir() == env_dir
    root = copy_files(real_dir, isolated / "root")
    assert data.find_data_dir(root) == root
    assert data.read_fashion_mnist("test", env_dir)[0].shape == (10000, 28, 28)


def test_debian_folder_is_used_when_cache_is_empty(isolated, real_dir, monkeypatch):
    fake_debian = copy_files(real_dir, isolated / "debian")
    monkeypatch.setattr(data, "DEBIAN_DIR", fake_debian)
    assert data.find_data_dir() == fake_debian


def test_missing_offline_gives_fix(isolated):
    with pytest.raises(FileNotFoundError, match=data.DEBIAN_PACKAGE) as err:
        data.read_fashion_mnist("train", download=False)
    assert data.ENV_VAR in str(err.value)


def test_root_lacking_files_is_an_error_not_a_fallback(isolated, real_dir):
    partial = copy_files(real_dir, isolated / "partial", names=NAMES[:2])
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        data.read_fashion_mnist("train", partial)


def test_env_var_lacking_files_is_an_error(isolated, monkeypatch):
    monkeypatch.setenv(data.ENV_VAR, str(isolated / "empty"))
    with pytest.raises(FileNotFoundError, match=data.ENV_VAR):
        data.read_fashion_mnist("test")


def test_truncated_gzip_is_named(isolated, real_dir):
    root = copy_files(real_dir, isolated / "root")
    path = root / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(data.DatasetError, match="t10k-labels-idx1-ubyte.gz is truncated"):
        data.read_fashion_mnist("test", root)


def test_truncated_plain_file_is_named(isolated, real_dir):
    root = copy_files(real_dir, isolated / "root", gz=False)
    path = root / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-784])
    with pytest.raises(data.DatasetError, match=r"truncated: 7,839,232 bytes"):
        data.read_fashion_mnist("test", root)


def test_wrong_file_is_refused(isolated, real_dir):
    root = copy_files(real_dir, isolated / "root", gz=False)
    labels = bytearray((root / "t10k-labels-idx1-ubyte").read_bytes())
    labels[100] = (labels[100] + 1) % 10  # same size, different content
    (root / "t10k-labels-idx1-ubyte").write_bytes(bytes(labels))
    with pytest.raises(data.DatasetError, match="does not hold the Fashion-MNIST file t10k-labels"):
        data.read_fashion_mnist("test", root)


class _Server:
    """Serves a folder on a free loopback port; optionally truncates every response."""

    def __init__(self, folder, truncate=False):
        handler = type("H", (http.server.SimpleHTTPRequestHandler,), {
            "log_message": lambda *a: None,
            "translate_path": lambda self, p: str(folder / Path(p).name),
        })
        if truncate:
            def send_head(self, _orig=handler.send_head):
                f = _orig(self)
                return None if f is None else _Truncated(f)
            handler.send_head = send_head
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class _Truncated:
    def __init__(self, f):
        self.f = f

    def read(self, n=-1):
        return self.f.read(n)[:1000]

    def close(self):
        self.f.close()


def test_download_is_verified_and_atomic(isolated, real_dir):
    served = copy_files(real_dir, isolated / "served")
    target = isolated / "cache"
    with _Server(served) as server:
        data.download_fashion_mnist(target, retries=1, base_url=server.url)
    assert sorted(p.name for p in target.iterdir()) == sorted(n + ".gz" for n in NAMES)
    assert data.read_fashion_mnist("test", target)[1].shape == (10000,)


def test_failed_download_leaves_nothing(isolated, real_dir):
    served = copy_files(real_dir, isolated / "served")
    target = isolated / "cache"
    with _Server(served, truncate=True) as server:
        with pytest.raises(FileNotFoundError, match="could not download"):
            data.download_fashion_mnist(target, retries=2, base_url=server.url)
    assert list(target.iterdir()) == []  # no partial or temporary file


def test_array_loader_batches_resize_and_shuffle():
    images = onp.arange(10 * 28 * 28, dtype=onp.uint8).reshape(10, 28, 28)
    labels = onp.arange(10)
    loader = data.ArrayLoader(images, labels, 4, shuffle=True, resize=56, seed=3)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert batches[0][0].shape == (4, 1, 56, 56) and batches[-1][0].shape == (2, 1, 56, 56)
    assert float(batches[0][0].max()) <= 1.0
    epoch0 = onp.concatenate([y.asnumpy() for _, y in batches])
    assert sorted(epoch0) == list(range(10))
    assert (onp.concatenate([y.asnumpy() for _, y in loader]) == epoch0).all()  # same epoch, same order
    loader.set_epoch(1)
    assert (onp.concatenate([y.asnumpy() for _, y in loader]) != epoch0).any()


def test_bilinear_resize_of_constant_image_is_constant():
    images = onp.full((2, 28, 28), 51, dtype=onp.uint8)
    X, _ = next(iter(data.ArrayLoader(images, onp.zeros(2), 2, resize=(68, 68))))
    assert onp.allclose(X.asnumpy(), 51 / 255, atol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": 2, "resize": -3}, "resize"),
])
def test_loader_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.ArrayLoader(onp.zeros((4, 28, 28), onp.uint8), onp.zeros(4), **kwargs)


def test_subsets_are_seeded(real_dir):
    a, _ = data.load_data_fashion_mnist(100, subset=500, test_subset=200, seed=1, root=real_dir)
    b, t = data.load_data_fashion_mnist(100, subset=500, test_subset=200, seed=1, root=real_dir)
    assert a.num_examples == 500 and t.num_examples == 200
    assert (a.labels == b.labels).all()
    with pytest.raises(ValueError, match="subset must be an integer in 1..60000"):
        data.load_data_fashion_mnist(100, subset=0, root=real_dir)


def test_text_labels():
    assert data.get_fashion_mnist_labels([0, 1, 9]) == ["t-shirt", "trouser", "ankle boot"]
