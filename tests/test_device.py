"""Device choice: D2L_DEVICE parsing, fallbacks, and clear errors for GPUs that do not exist."""
import mxnet as mx
import pytest

from d2l_extras import device


@pytest.fixture
def gpus(monkeypatch):
    """Pretend the machine has ``n`` GPUs."""
    def set_count(n):
        monkeypatch.setattr(device, "num_gpus", lambda: n)
    return set_count


def test_cpu_only_machine_falls_back_to_cpu(gpus, monkeypatch):
    gpus(0)
    monkeypatch.delenv("D2L_DEVICE", raising=False)
    assert device.try_gpu() == mx.cpu()
    assert device.try_all_gpus() == [mx.cpu()]  # d2l 1.0.3 would return []
    assert device.get_devices() == [mx.cpu()]
    assert device.get_devices("all") == [mx.cpu()]


def test_gpus_are_preferred_and_listed(gpus, monkeypatch):
    gpus(2)
    monkeypatch.delenv("D2L_DEVICE", raising=False)
    assert device.get_devices() == [mx.gpu(0)]
    assert device.try_all_gpus() == [mx.gpu(0), mx.gpu(1)]
    assert device.get_devices("gpu:1") == [mx.gpu(1)]
    assert device.get_devices("gpu:0, gpu:1") == [mx.gpu(0), mx.gpu(1)]
    assert device.try_gpu(5) == mx.cpu()


def test_environment_variable_overrides(gpus, monkeypatch):
    gpus(1)
    monkeypatch.setenv("D2L_DEVICE", "cpu")
    assert device.get_devices() == [mx.cpu()]
    monkeypatch.setenv("D2L_DEVICE", "GPU")
    assert device.get_devices() == [mx.gpu(0)]


def test_missing_gpu_is_an_error_not_a_cpu_run(gpus):
    gpus(0)
    with pytest.raises(ValueError, match=r"asks for gpu:0 but this machine has no GPU"):
        device.get_devices("gpu")
    gpus(2)
    with pytest.raises(ValueError, match=r"gpu:3 but this machine has GPUs 0-1"):
        device.get_devices("gpu:3")


@pytest.mark.parametrize("spec", ["tpu", "gpu:x", "cpu:2", ","])
def test_bad_specs_name_the_choices(spec, gpus):
    gpus(0)
    with pytest.raises(ValueError, match="D2L_DEVICE"):
        device.get_devices(spec)


def test_description_is_stable_text():
    assert device.describe_devices([mx.cpu()]) == "cpu(0)"
    assert device.describe_devices([mx.gpu(0), mx.gpu(1)]) == "gpu(0), gpu(1)"


def test_real_count_on_this_machine_is_an_int():
    assert isinstance(device.num_gpus(), int)
