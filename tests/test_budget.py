"""The `cpu` profile sized to the machine's training budget (d2l_extras.budget)."""
import json

import pytest

from d2l_extras import budget
from d2l_extras.budget import Throughput, estimate, size, sizing
from d2l_extras.profiles import get_settings, section_run, settings_table
from d2l_extras.sections import SECTIONS, TRAIN_SIZE

GOOGLENET = SECTIONS["googlenet"].profiles["cpu"]   # 3 epochs
TABLE_IMAGES = GOOGLENET.subset or TRAIN_SIZE
DENSENET = SECTIONS["densenet"].profiles["cpu"]     # 60,000 images, 3 epochs


def speed(train, evaluate=None):
    return Throughput(train, evaluate or 4 * train, "2026-11-30")


@pytest.fixture
def build(tmp_path, monkeypatch):
    """An empty build folder, the cpu profile, the default budget, and a counted fake measurement."""
    monkeypatch.setenv("D2L_BUILD_DIR", str(tmp_path))
    monkeypatch.setenv("D2L_PROFILE", "cpu")
    monkeypatch.delenv(budget.BUDGET_ENV, raising=False)
    calls = []

    def fake_measure(name, settings):
        calls.append(name)
        return speed(100.0)

    monkeypatch.setattr(budget, "measure", fake_measure)
    return calls


def test_the_table_is_kept_when_it_fits():
    fast = {"googlenet": speed(10_000)}
    assert size(GOOGLENET, 510, fast) == TABLE_IMAGES


def test_a_slow_machine_trains_on_fewer_images_within_the_budget():
    slow = {"googlenet": speed(150, 500)}
    images = size(GOOGLENET, 510, slow)
    assert images % budget.STEP == 0 and budget.MIN_IMAGES <= images < TABLE_IMAGES
    assert estimate(GOOGLENET, images, slow) <= 510 < estimate(GOOGLENET, images + budget.STEP, slow)
    # the estimate counts every epoch's training and evaluation at SPEED_MARGIN of the speed
    assert estimate(GOOGLENET, images, slow) == pytest.approx(
        3 * (images / 150 + 10_000 / 500) / budget.SPEED_MARGIN)


def test_a_very_slow_machine_stops_at_the_minimum():
    assert size(GOOGLENET, 510, {"googlenet": speed(5)}) == budget.MIN_IMAGES
    assert size(GOOGLENET, 1, {"googlenet": speed(5)}) == budget.MIN_IMAGES  # the evaluations alone are over


def test_every_network_of_a_notebook_counts():
    one = size(DENSENET, 510, {"a": speed(300)})
    two = size(DENSENET, 510, {"a": speed(300), "b": speed(300)})
    assert two < one


@pytest.mark.parametrize("raw, expected", [("", budget.DEFAULT_BUDGET), ("900", 900.0), (" OFF ", None)])
def test_the_budget_comes_from_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv(budget.BUDGET_ENV, raw)
    assert budget.training_budget() == expected


@pytest.mark.parametrize("raw", ["ten", "-5", "0", "nan"])
def test_a_bad_budget_says_what_to_set(monkeypatch, raw):
    monkeypatch.setenv(budget.BUDGET_ENV, raw)
    with pytest.raises(ValueError, match="positive number of seconds"):
        budget.training_budget()


def test_a_machine_is_measured_once_and_sized_the_same_way_after(build):
    first = section_run("googlenet").settings
    assert build == ["googlenet"]
    assert first.subset < TABLE_IMAGES and first.replace(subset=GOOGLENET.subset) == GOOGLENET
    stored = json.loads(budget.throughput_path().read_text())
    assert [json.loads(k)["network"] for k in stored] == ["googlenet"]
    assert section_run("googlenet").settings == first and build == ["googlenet"]  # read back, not measured again


def test_two_cpus_that_share_a_name_are_measured_apart(build, monkeypatch):
    """Zen 3 (AVX2) and Zen 4 (AVX-512) may both be "AMD EPYC": a build folder moved from one to
    the other measures again instead of sizing with the other CPU's speed."""
    from d2l_extras import cpu

    def kind(model, vectors):
        return lambda cpuinfo=None: {"cpu": "AMD EPYC", "family": 25, "model": model, "vectors": vectors}

    monkeypatch.setattr(cpu, "cpu_kind", kind(1, "AVX2"))
    zen3 = section_run("googlenet").settings
    monkeypatch.setattr(cpu, "cpu_kind", kind(17, "AVX-512"))
    assert section_run("googlenet").settings == zen3 and build == ["googlenet", "googlenet"]  # measured here too
    stored = [json.loads(k)["machine"] for k in json.loads(budget.throughput_path().read_text())]
    assert sorted((m["model"], m["vectors"]) for m in stored) == [(1, "AVX2"), (17, "AVX-512")]


def test_a_settings_lookup_never_measures(build):
    assert get_settings("googlenet") == GOOGLENET and get_settings("googlenet", lr=1).subset == GOOGLENET.subset
    assert build == []


def test_the_run_builds_loaders_of_its_settings(build):
    run = section_run("googlenet")
    train_iter, test_iter = run.load_data()
    assert train_iter.num_examples == run.subset and test_iter.num_examples == 10_000
    assert run.profile == "cpu" and run.sizing.settings == run.settings and run.recipe == run.settings.recipe


def test_a_named_profile_gives_the_table(build):
    assert get_settings("googlenet", "cpu") == GOOGLENET and get_settings("googlenet", "cpu", lr=1).subset == GOOGLENET.subset
    assert build == []


def test_overrides_apply_on_top_of_this_runs_settings(build):
    sized = section_run("googlenet").settings
    tuned = section_run("googlenet", lr=0.05, resize=64).settings  # a student's change: the same images as the notebook's run
    assert tuned == sized.replace(lr=0.05, resize=64) and build == ["googlenet"]


def test_a_bad_override_is_refused_before_anything_is_measured(build):
    with pytest.raises(ValueError, match="at least 28×28"):
        section_run("googlenet", resize=24)
    assert build == []


def test_budget_off_gives_the_table_without_measuring(build, monkeypatch):
    monkeypatch.setenv(budget.BUDGET_ENV, "off")
    assert section_run("googlenet").settings == GOOGLENET and build == []


def test_other_profiles_are_not_sized(build, monkeypatch):
    monkeypatch.setenv("D2L_PROFILE", "quick")
    assert section_run("googlenet").settings == SECTIONS["googlenet"].profiles["quick"] and build == []


def test_the_notebooks_line_says_a_sized_run_in_both_languages(build):
    table = settings_table("googlenet")
    images = table.settings.subset
    en, vi = table.markdown("en"), table.markdown("vi")
    assert f"{images:,} training images (to fit the time budget)" in en and "min of training" in en
    assert f"{images:,}".replace(",", ".") + " ảnh huấn luyện (cho vừa giới hạn thời gian)" in vi
    assert "phút huấn luyện" in vi and "training" not in vi and "ảnh" not in en


def test_a_table_that_fits_says_so(build, monkeypatch):
    monkeypatch.setenv(budget.BUDGET_ENV, "100000")
    table = settings_table("densenet")
    md = table.markdown("en")
    assert table.settings == DENSENET and "60,000 training images, " in md and "time budget" not in md


def test_a_notebook_with_two_networks_measures_both(build):
    section_run("batch_norm")
    assert build == list(SECTIONS["batch_norm"].models)


def test_an_unreadable_measurement_file_is_a_clear_error_and_is_kept(build):
    path = budget.throughput_path()
    path.write_text("{half a file")
    with pytest.raises(ValueError, match="delete the file to measure again"):
        section_run("googlenet").settings
    assert path.read_text() == "{half a file" and build == []


def test_the_measurement_runs_a_real_training_in_a_fresh_process():
    s = SECTIONS["batch_norm"].profiles["quick"]
    measured = budget.measure("batch_norm", s)
    assert measured.train > 0 and measured.evaluate > 0
    assert measured.measured.count("-") == 2


def test_a_failed_measurement_names_the_network_and_the_way_out():
    with pytest.raises(RuntimeError, match="(?s)measuring nonexistent's speed failed.*unknown network 'nonexistent'.*D2L_TRAINING_BUDGET=off"):
        budget.measure("nonexistent", GOOGLENET)
