"""Checkpoints: atomic folders, verification, refusal of another network's checkpoint."""
import mxnet as mx
import pytest
from mxnet import gluon, np, npx
from mxnet.gluon import nn

from d2l_extras import checkpoint as ck

npx.set_np()


def make(units=8):
    net = nn.Sequential()
    net.add(nn.Dense(units, activation="relu"), nn.Dense(3))
    net.initialize()
    net(np.ones((1, 5)))
    return net, gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})


def test_save_keeps_the_newest_and_cleans_leftovers(tmp_path):
    net, trainer = make()
    for epoch in range(3):
        ck.save_checkpoint(tmp_path, epoch, net, trainer, {"records": []})
    (tmp_path / ".tmp-epoch-0004-abc").mkdir()  # what a kill during a write leaves
    assert ck.latest_checkpoint(tmp_path).name == "epoch-0003"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-0002", "epoch-0003"]


def test_round_trip(tmp_path):
    net, trainer = make()
    path = ck.save_checkpoint(tmp_path, 0, net, trainer, {"records": [1]})
    other, other_trainer = make()
    meta = ck.load_checkpoint(path, other, other_trainer, [mx.cpu()])
    assert meta["epoch"] == 1 and meta["history"] == {"records": [1]}
    assert (other[0].weight.data() == net[0].weight.data()).all()


def test_other_architecture_is_refused_naming_both(tmp_path):
    net, trainer = make(8)
    path = ck.save_checkpoint(tmp_path, 0, net, trainer, {})
    other, other_trainer = make(16)
    before = other[0].weight.data().copy()
    with pytest.raises(ck.CheckpointMismatchError) as err:
        ck.load_checkpoint(path, other, other_trainer, [mx.cpu()])
    message = str(err.value)
    assert "0.weight: checkpoint (8, 5) vs network (16, 5)" in message
    assert "Sequential with 4 parameter arrays (75 values)" in message  # the checkpoint's
    assert "Sequential with 4 parameter arrays (147 values)" in message  # the network's
    assert (other[0].weight.data() == before).all(), "nothing may be loaded partially"


def test_damaged_file_is_refused(tmp_path):
    net, trainer = make()
    path = ck.save_checkpoint(tmp_path, 0, net, trainer, {})
    data = (path / "net.params").read_bytes()
    (path / "net.params").write_bytes(data[: len(data) // 2])
    with pytest.raises(ck.CheckpointError, match="net.params is missing or differs"):
        ck.load_checkpoint(path, *make(), [mx.cpu()])


def test_empty_or_missing_folder_has_no_checkpoint(tmp_path):
    assert ck.latest_checkpoint(tmp_path / "nothing") is None
    assert ck.latest_checkpoint(tmp_path) is None
