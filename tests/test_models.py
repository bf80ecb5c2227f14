"""Every network of the sections table: output shape, parameter count, smallest input, save/load.

One row per network of ``d2l_extras.sections.SECTIONS``: a new section is tested by adding
its record there.
"""
import pytest
from mxnet import init, np, npx

from d2l_extras.models import MODEL_NAMES, get_model
from d2l_extras.sections import SECTIONS
from d2l_extras.summary import layer_summary

npx.set_np()

NETWORKS = list(MODEL_NAMES)


def _section(name):
    return SECTIONS[MODEL_NAMES[name]]


# Full-size checks of networks over 100,000 parameters (all but LeNet-BN) take seconds each:
# marked slow, out of `pytest -m "not slow"`, still in `make test`.
BIG_MARKED_SLOW = [pytest.param(n, marks=[pytest.mark.slow] if _section(n).parameters[n] > 100_000 else [])
                   for n in NETWORKS]


def _reaches_output(net, size):
    try:
        return net(np.zeros((1, 1, size, size))).shape == (1, 10)
    except Exception:  # MXNet raises several kinds for a map that shrinks to nothing
        return False


@pytest.mark.parametrize("name", BIG_MARKED_SLOW)
def test_output_shape_and_parameter_count_at_the_books_input(name):
    sec = _section(name)
    size = sec.book.resize
    summary = layer_summary(get_model(name), (1, 1, size, size))
    assert summary.output_shapes[-1] == (1, 10)
    assert summary.total == sec.parameters[name], (
        f"{name}: {summary.total:,} parameters at {size}×{size}, the sections table says "
        f"{sec.parameters[name]:,}")


@pytest.mark.parametrize("name", NETWORKS)
def test_smallest_input_is_the_one_the_table_states(name):
    sec = _section(name)
    net = get_model(name)
    net.initialize(init.Xavier())
    smallest = sec.smallest_input
    assert _reaches_output(net, smallest), f"{name} rejects {smallest}×{smallest}"
    if smallest > 1:
        assert not _reaches_output(get_model_initialized(name), smallest - 1), (
            f"{name} accepts {smallest - 1}×{smallest - 1}: the table's smallest input is too large")


def get_model_initialized(name):
    net = get_model(name)
    net.initialize(init.Xavier())
    return net


@pytest.mark.parametrize("name", BIG_MARKED_SLOW)
def test_save_and_load_round_trip(name, tmp_path):
    size = _section(name).min_resize
    X = np.random.uniform(size=(2, 1, size, size))
    a, b = get_model_initialized(name), get_model(name)
    expected = a(X)  # prediction mode: deterministic (dropout off, running statistics)
    a.save_parameters(str(tmp_path / "net.params"))
    b.load_parameters(str(tmp_path / "net.params"))
    assert float(np.abs(b(X) - expected).max()) == 0.0
