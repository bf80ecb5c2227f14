"""Run profiles: selection, per-section settings, input-size limits, the comparison table."""
import pytest

from d2l_extras import profiles
from d2l_extras.profiles import SECTIONS, get_profile, get_settings, settings_table


def test_profile_from_argument_env_or_device(monkeypatch):
    monkeypatch.setenv("D2L_PROFILE", "quick")
    assert get_profile() == "quick"
    assert get_profile("full") == "full"
    monkeypatch.delenv("D2L_PROFILE")
    monkeypatch.setattr("d2l_extras.device.num_gpus", lambda: 0)
    assert get_profile() == "cpu"
    monkeypatch.setattr("d2l_extras.device.num_gpus", lambda: 1)
    assert get_profile("auto") == "full"


def test_unknown_profile_lists_choices():
    with pytest.raises(ValueError, match="quick, cpu, full"):
        get_profile("fast")


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_full_is_the_book_and_reduced_profiles_do_less(section):
    book = get_settings(section, "full")
    assert book == SECTIONS[section].book and book.subset is None and book.floor is None
    cpu, quick = get_settings(section, "cpu"), get_settings(section, "quick")
    work = lambda s: (s.subset or 60000) * s.num_epochs * s.resize ** 2  # noqa: E731
    assert work(quick) < work(cpu) <= work(book)
    assert cpu.test_subset is None, "the cpu profile is judged on the full test set"
    assert quick.floor is not None and 0.1 < quick.floor < 1


def test_overrides_and_input_size_limit():
    assert get_settings("alexnet", "cpu", resize=96).resize == 96
    assert get_settings("alexnet", "cpu", resize=67).resize == 67  # the smallest that passes
    with pytest.raises(ValueError, match=r"AlexNet needs inputs of at least 67×67"):
        get_settings("alexnet", "cpu", resize=66)
    with pytest.raises(ValueError, match=r"ResNet-18 needs inputs of at least 28×28 \(course policy"):
        get_settings("resnet", "cpu", resize=27)
    with pytest.raises(ValueError, match="unknown setting"):
        get_settings("alexnet", "cpu", learning_rate=1)
    with pytest.raises(ValueError, match="lr_schedule must be one of"):
        get_settings("alexnet", "cpu", lr_schedule="step")
    with pytest.raises(ValueError, match="initializer must be one of"):
        get_settings("alexnet", "cpu", initializer="kaiming")
    with pytest.raises(ValueError, match="sections: alexnet"):
        get_settings("lenet", "cpu")


def test_table_shows_book_and_this_run():
    table = settings_table("resnet", "cpu")
    md = table._repr_markdown_()
    assert "| book (full) | 0.05 | 0 | constant | Xavier | 10 | 256 | 96 | 60,000 | 10,000 |" in md
    assert "cpu (this run)" in md and "**This run:** 32×32 images, 40,000 training images, 2 epochs, plain SGD" in md
    vi = table.markdown("vi")
    assert "| sách (full) | 0,05 | 0 | không đổi | Xavier | 10 | 256 | 96 | 60.000 | 10.000 |" in vi
    assert "cpu (lần chạy này)" in vi and "**Lần chạy này:** ảnh 32×32, 40.000 ảnh huấn luyện, 2 epoch" in vi
    assert "images" not in vi and "SGD thường, tốc độ học giảm theo cosin." in vi
    assert "this run uses the book's settings" in repr(settings_table("resnet", "full")).lower()
    assert profiles.PROFILES == ("quick", "cpu", "full")


def trainers_built_by_fit(monkeypatch, settings):
    """The gluon.Trainer objects that ``dx.fit`` builds for ``settings`` on a small run."""
    import mxnet as mx
    from mxnet import gluon, npx
    from mxnet.gluon import nn

    import d2l_extras as dx

    npx.set_np()
    built = []

    class RecordedTrainer(gluon.Trainer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(gluon, "Trainer", RecordedTrainer)
    train_iter, test_iter = dx.load_data_fashion_mnist(32, subset=160, test_subset=64, seed=0)
    net = nn.Sequential()
    net.add(nn.Dense(16, activation="relu"), nn.Dense(10))
    dx.fit(net, train_iter, test_iter, 1, settings.lr, [mx.cpu()], callbacks=[], recipe=settings.recipe)
    return built


def test_momentum_setting_reaches_the_optimizer_fit_builds(monkeypatch):
    from d2l_extras.sections import Settings

    (with_momentum,) = trainers_built_by_fit(monkeypatch, Settings(0.1, 1, 32, 28, momentum=0.9))
    assert with_momentum._optimizer.momentum == 0.9
    # the updates kept a momentum buffer for every parameter
    states = with_momentum._updaters[0].states
    assert states and all(state is not None for state in states.values())
    (plain,) = trainers_built_by_fit(monkeypatch, Settings(0.1, 1, 32, 28))
    assert plain._optimizer.momentum == 0  # None: plain SGD, as in the book
    assert all(state is None for state in plain._updaters[0].states.values())
    book = get_settings("alexnet", "full")
    assert book.momentum is None and book.recipe.optimizer_params is None
    # The checkpoint's identity describes the recipe: a run with momentum never resumes one without.
    assert Settings(0.1, 1, 32, 28, momentum=0.9).recipe.describe() != Settings(0.1, 1, 32, 28).recipe.describe()
    for bad in (1.0, -0.1, "0.9"):
        with pytest.raises(ValueError, match="momentum must be None or a number in"):
            get_settings("alexnet", "cpu", momentum=bad)


def test_table_shows_momentum_per_language():
    rows = {lang: settings_table("resnet", "cpu").markdown(lang).splitlines() for lang in ("en", "vi")}
    assert "| profile | lr | momentum |" in rows["en"][0] and "| cấu hình | tốc độ học | động lượng |" in rows["vi"][0]
    momentum_of = {name: get_settings(name, "cpu").momentum for name in SECTIONS}
    with_momentum = [name for name, m in momentum_of.items() if m]
    for name in with_momentum:
        cells = settings_table(name, "cpu").markdown("vi").splitlines()[3].split(" | ")
        assert cells[2] == f"{momentum_of[name]:g}".replace(".", ","), cells
