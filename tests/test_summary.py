"""layer_summary: class names, shapes, parameter and multiply-accumulate counts, bad input."""
import pytest
from mxnet import npx
from mxnet.gluon import nn

from d2l_extras import layer_summary

npx.set_np()


def lenet_bn():
    net = nn.Sequential()
    net.add(nn.Conv2D(6, kernel_size=5), nn.BatchNorm(), nn.Activation("sigmoid"),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Conv2D(16, kernel_size=5), nn.BatchNorm(), nn.Activation("sigmoid"),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Dense(120), nn.BatchNorm(), nn.Activation("sigmoid"),
            nn.Dense(84), nn.BatchNorm(), nn.Activation("sigmoid"),
            nn.Dense(10))
    return net


def test_lenet_bn_counts_match_the_reference():
    s = layer_summary(lenet_bn(), (1, 1, 28, 28))
    assert s.total == 45330 and s.trainable == 44878
    assert s.rows[0] == ("Conv2D", (1, 6, 24, 24), 156)
    assert s.output_shapes[-1] == (1, 10)
    # conv1 24*24*6*25 + conv2 8*8*16*6*25 + dense 256*120 + 120*84 + 84*10
    assert s.macs == 86400 + 153600 + 30720 + 10080 + 840


def test_text_is_deterministic_and_uses_class_names():
    a, b = str(layer_summary(lenet_bn(), (1, 1, 28, 28))), str(layer_summary(lenet_bn(), (1, 1, 28, 28)))
    assert a == b
    assert "conv" not in a.replace("Conv2D", "")  # no counter-numbered layer names
    assert "Total parameters: 45,330 (trainable: 44,878)" in a


def test_hybridized_net_is_summarized_and_left_hybridized():
    net = lenet_bn()
    net.initialize()
    net.hybridize()
    s = layer_summary(net, (2, 1, 28, 28))
    assert s.macs == 281640  # per example, whatever the batch
    assert all(b._active for b in net if isinstance(b, nn.HybridBlock))


def test_non_sequential_block_is_one_row():
    s = layer_summary(nn.Dense(3, in_units=4), (1, 4))
    assert s.rows == [("Dense", (1, 3), 15)] and s.macs == 12


def test_too_small_input_is_explained():
    net = nn.Sequential()
    net.add(nn.Conv2D(8, kernel_size=11, strides=4), nn.MaxPool2D(pool_size=3, strides=2))
    with pytest.raises(ValueError, match=r"too small .* layer 1 \(MaxPool2D"):
        layer_summary(net, (1, 1, 12, 12))


@pytest.mark.parametrize("shape", [(), (1, 0, 28), (1, "1", 28, 28)])
def test_bad_shape(shape):
    with pytest.raises(ValueError, match="input_shape"):
        layer_summary(lenet_bn(), shape)
