"""Outputs in the reader's language: each output the course writes comes once per language,
marked in its metadata, and a one-language notebook's kernel writes its language only."""
import json
import os

import pytest

from d2l_extras import data, language
from d2l_extras.language import keep_language, number, output_languages, text


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    monkeypatch.delenv("D2L_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    language._notebook_language.cache_clear()


@pytest.mark.parametrize("value, langs", [("", ("vi", "en")), ("vi", ("vi",)), ("en", ("en",)),
                                          ("vi,en", ("vi", "en")), (" EN ", ("en",)), ("both", ("vi", "en"))])
def test_languages_from_the_environment(monkeypatch, value, langs):
    monkeypatch.setenv("D2L_LANG", value)
    assert output_languages() == langs


def test_an_unknown_language_is_refused(monkeypatch):
    monkeypatch.setenv("D2L_LANG", "fr")
    with pytest.raises(ValueError, match="D2L_LANG='fr'.*vi, en or vi,en"):
        output_languages()


def test_a_one_language_notebook_sets_its_kernels_language(monkeypatch, tmp_path):
    nb = tmp_path / "05.ipynb"
    nb.write_text(json.dumps({"cells": [], "metadata": {"d2l_lang": "vi"}}), encoding="utf-8")
    monkeypatch.setenv("JPY_SESSION_NAME", str(nb))
    assert output_languages() == ("vi",)
    monkeypatch.setenv("D2L_LANG", "en")  # the environment wins
    assert output_languages() == ("en",)


def test_a_bilingual_or_missing_notebook_gives_both(monkeypatch, tmp_path):
    nb = tmp_path / "05.ipynb"
    nb.write_text(json.dumps({"cells": [], "metadata": {}}), encoding="utf-8")
    monkeypatch.setenv("JPY_SESSION_NAME", str(nb))
    assert output_languages() == ("vi", "en")
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "gone.ipynb"))
    assert output_languages() == ("vi", "en")


def test_numbers_as_each_language_writes_them():
    assert number(3609.4, ",.1f", "en") == "3,609.4"
    assert number(3609.4, ",.1f", "vi") == "3.609,4"
    assert number(0.05, "g", "vi") == "0,05"
    assert number(60000, ",", "vi") == "60.000"


def test_every_label_has_a_vietnamese_form():
    for english, vietnamese in language.VI.items():
        assert vietnamese and text(english, "vi") == vietnamese and text(english, "en") == english


def test_keep_language_drops_only_the_other_languages_outputs():
    nb = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "stream", "text": "shared"},
        {"output_type": "display_data", "metadata": {"lang": "vi"}, "data": {"text/plain": "vi"}},
        {"output_type": "display_data", "metadata": {"lang": "en"}, "data": {"text/plain": "en"}}]},
        {"cell_type": "markdown", "source": "x"}]}
    kept = keep_language(nb, "vi")["cells"][0]["outputs"]
    assert [o.get("text") or o["data"]["text/plain"] for o in kept] == ["shared", "vi"]


def test_history_line_in_each_language():
    from d2l_extras.training import History

    h = History("cpu(0)", [{"epoch": 1, "train_loss": 0.2841, "train_acc": 0.8983, "test_acc": 0.8871,
                            "examples_per_sec": 3609.4, "train_seconds": 10.0, "train_examples": 36094}])
    assert str(h) == "loss 0.284, train acc 0.898, test acc 0.887\n3,609.4 examples/sec on cpu(0)"
    assert h.describe("vi") == ("mất mát 0,284; độ chính xác huấn luyện 0,898; độ chính xác kiểm tra 0,887\n"
                                "3.609,4 mẫu mỗi giây trên cpu(0)")


def test_settings_table_in_each_language():
    from d2l_extras.profiles import settings_table

    table = settings_table("resnet", "cpu")
    vi, en = table.markdown("vi"), table.markdown("en")
    assert en.startswith("| profile | lr | momentum | lr schedule |") and "book (full)" in en
    assert vi.startswith("| cấu hình | tốc độ học | động lượng | định thời tốc độ học |") and "sách (full)" in vi
    for word in ("profile", "schedule", "book", "train images", "this run"):
        assert word not in vi
    assert "60.000" in vi and "60,000" in en
    assert table._repr_markdown_() == en


@pytest.mark.slow
@pytest.mark.parametrize("env, langs", [({}, ["vi", "en"]), ({"D2L_LANG": "vi"}, ["vi"])])
def test_a_kernel_writes_each_training_output_once_per_language(tmp_path, env, langs):
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    code = """import d2l_extras as dx
from mxnet import np, npx, gluon
from mxnet.gluon import nn
npx.set_np()
dx.set_seed(0)
X, y = np.random.uniform(size=(64, 1, 8, 8)), np.array([i % 10 for i in range(64)])
data = gluon.data.DataLoader(gluon.data.ArrayDataset(X, y), batch_size=16)
net = nn.Sequential()
net.add(nn.Flatten(), nn.Dense(10))
history = dx.fit(net, data, data, 1, 0.1)  # the default callbacks: the live plot
dx.book_comparison(dx.section_run('resnet', 'quick'), history)"""
    nb = new_notebook(cells=[new_code_cell(code)])
    kernel_env = {k: v for k, v in os.environ.items() if k not in ("D2L_LANG", "JPY_SESSION_NAME")}
    NotebookClient(nb, timeout=300, kernel_name="python3").execute(env=dict(kernel_env, **env))
    outputs = nb.cells[0].outputs
    marked = [(o.get("metadata", {}).get("lang"), sorted(o.get("data", {}))) for o in outputs]
    assert [lang for lang, mimes in marked if "image/png" in mimes] == langs  # the live plot
    plain = [(lang, "".join(o["data"]["text/plain"])) for (lang, _), o in zip(marked, outputs)
             if "image/png" not in o.get("data", {}) and "text/plain" in o.get("data", {})
             and "OMP_NUM_THREADS" not in "".join(o["data"]["text/plain"])]  # fit's note on a busy machine
    assert [lang for lang, _ in plain] == langs * 2  # the final line, the comparison with the book
    for lang, shown in plain:
        assert ("test acc" in shown) == (lang == "en") and "test_acc" not in shown
        assert ("độ chính xác kiểm tra" in shown) == (lang == "vi")
    assert not [o for o in outputs if o.get("output_type") == "stream" and "test acc" in "".join(o.get("text", ""))]


def test_layer_summary_in_each_language():
    from mxnet import npx
    from mxnet.gluon import nn

    from d2l_extras.summary import layer_summary

    npx.set_np()
    net = nn.Sequential()
    net.add(nn.Conv2D(6, kernel_size=5), nn.Flatten(), nn.Dense(1000))
    summary = layer_summary(net, (1, 1, 28, 28))
    en, vi = summary.describe("en"), summary.describe("vi")
    assert str(summary) == en and "Total parameters: 3,457,156 (trainable: 3,457,156)" in en
    assert "Tổng số tham số: 3.457.156 (huấn luyện được: 3.457.156)" in vi
    assert vi.splitlines()[1].split() == ["Tầng", "Kích", "thước", "đầu", "ra", "Tham", "số"]
    assert [line.split()[0] for line in vi.splitlines()[3:6]] == ["Conv2D", "Flatten", "Dense"]


@pytest.fixture
def shown(monkeypatch):
    """What language.show displays: [(lang, object)], in order."""
    out = []
    monkeypatch.setattr(language, "show", lambda render, display_id=False: out.extend(
        (lang, render(lang)) for lang in output_languages()))
    return out


def test_an_error_speaks_the_readers_language(monkeypatch, shown):
    err = language.error(ValueError, "cần {n:,} ảnh", "needs {n:,} images", n=1280)
    assert err.texts == {"vi": "cần 1.280 ảnh", "en": "needs 1,280 images"}
    assert str(err) == "cần 1.280 ảnh\nneeds 1,280 images"  # a bilingual notebook's traceback
    monkeypatch.setenv("D2L_LANG", "en")
    assert str(language.error(KeyError, "khóa", "key").args[0]) == "key"
    monkeypatch.delenv("D2L_LANG")
    language.say(err)  # each language's sentence as that language's output
    language.say(ValueError("plain"))  # an exception of someone else: its message in both
    assert [(lang, repr(o)) for lang, o in shown] == [
        ("vi", "cần 1.280 ảnh"), ("en", "needs 1,280 images"), ("vi", "plain"), ("en", "plain")]
    with pytest.raises(TypeError, match="one exception"):
        language.say("chỉ một câu")


def test_course_errors_come_in_both_languages():
    import d2l_extras as dx
    from d2l_extras.models.vgg import check_conv_arch

    for call, vi, en in [
        (lambda: dx.get_settings("alexnet", resize=64), "cần đầu vào ít nhất 67×67", "needs inputs of at least 67×67"),
        (lambda: dx.get_devices("gpu:7"), "yêu cầu gpu:7 nhưng máy này", "asks for gpu:7 but this machine"),
        (lambda: dx.get_profile("fast"), "không phải một cấu hình", "is not a profile"),
        (lambda: check_conv_arch(((1, 64),) * 6, 32), "conv_arch có 6 khối", "conv_arch has 6 blocks"),
        (lambda: dx.layer_summary(check_conv_arch, ()), "input_shape phải là", "input_shape must be"),
    ]:
        with pytest.raises(ValueError) as info:
            call()
        assert vi in info.value.texts["vi"] and en in info.value.texts["en"], info.value.texts
        assert en not in info.value.texts["vi"] and vi not in info.value.texts["en"]


def test_a_table_in_each_language(shown):
    language.table({"AlexNet": (46764746, 0.05), ("tỷ lệ", "ratio"): (23.47, True)}, ("parameters", "lr"),
                   corner=("đầu vào 224×224", "at 224×224"))
    (vi_lang, vi), (en_lang, en) = shown
    assert (vi_lang, en_lang) == ("vi", "en")
    assert repr(en).splitlines() == ["at 224×224  parameters    lr",
                                     "AlexNet     46,764,746  0.05",
                                     "ratio             23.5  True"]
    assert repr(vi).splitlines()[1:] == ["AlexNet          46.764.746        0,05",  # 'tốc độ học' is wide
                                         "tỷ lệ                  23,5        đúng"]
    assert repr(vi).split()[:4] == ["đầu", "vào", "224×224", "tham"]


def test_a_data_frame_in_each_language(shown):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame([{"network": "VGG-11 (ratio 4)", "parameters": 1992166, "test acc": 0.8771,
                        "source": "trained here"}]).set_index("network")
    language.frame(df, {"parameters": ",", "test acc": ".3f"}, labels={"VGG-11 (ratio 4)": "VGG-11 (tỷ lệ 4)"})
    html = {lang: styler.to_html() for lang, styler in shown}
    for words in (["tham số", "độ chính xác kiểm tra", "nguồn", "mạng", "VGG-11 (tỷ lệ 4)", "1.992.166", "0,877",
                   "huấn luyện tại đây"],):
        assert all(w in html["vi"] for w in words), html["vi"]
    assert all(w in html["en"] for w in ("parameters", "test acc", "VGG-11 (ratio 4)", "1,992,166", "0.877"))
    assert "trained here" not in html["vi"] and "parameters" not in html["vi"]


def test_a_data_frame_shown_again_is_the_same_html(shown):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"network": ["NiN", "ResNet-18"], "test acc": [0.855, 0.895]}).set_index("network")
    for frame in (df, df, df.assign(**{"test acc": [0.855, 0.896]})):
        language.frame(frame, {"test acc": ".3f"})
    html = [styler.to_html() for _, styler in shown]  # vi, en of each call
    assert html[0] == html[2] and html[1] == html[3]  # the same content: the same ids
    assert len({html[0], html[1], html[4], html[5]}) == 4  # another language or content: other ids


def test_a_sentence_describes_a_history_in_its_language(shown):
    from d2l_extras.training import History

    history = History(["cpu(0)"])
    language.say("{t}: {h}", "{t}: {h}", t="NiN", h=history)
    assert [repr(o) for _, o in shown] == ["NiN: chưa xong epoch nào", "NiN: no epoch finished"]


def test_a_sentence_writes_truth_values_and_lists_of_numbers_in_its_language(shown):
    import numpy

    template = "{same}, {ok}: {losses:.3f}; {gamma:.2f} {shape} {d:.1f}"
    language.say(template, template, same=True, ok=numpy.float32(1e-5) < 1e-4, losses=[1.1012, 0.452],
                 gamma=numpy.array([0.5, -1.0]), shape=(2, 4, 5, 5), d=numpy.array(2.5))
    assert [repr(o) for _, o in shown] == ["đúng, đúng: 1,101; 0,452; 0,50; -1,00 (2, 4, 5, 5) 2,5",
                                           "True, True: 1.101, 0.452; 0.50, -1.00 (2, 4, 5, 5) 2.5"]


def test_the_settings_overview_has_a_row_per_section_in_each_language():
    import d2l_extras as dx

    overview = dx.settings_overview("cpu")
    vi, en = overview.markdown("vi"), overview.markdown("en")
    assert len(vi.splitlines()) == len(en.splitlines()) == 2 + len(dx.SECTIONS)
    assert "| VGG-11 (tỷ lệ 4) | 0,01 | 0,9 | cosin |" in vi and "| VGG-11 (ratio 4) | 0.01 | 0.9 | cosine |" in en
    assert "| NiN | 0,005 | 0,9 | khởi động + cosin | He |" in vi and "| NiN | 0.005 | 0.9 | warmup-cosine | He |" in en
    assert "khởi động + cosin" in vi and "warmup-cosine" not in vi
    assert repr(overview) == en


@pytest.mark.parametrize("call", [
    lambda: language.pick(("áo", "shirt"), "fr"),
    lambda: data.get_fashion_mnist_labels([0], "fr"),
    lambda: language.check_lang(None),
])
def test_every_function_taking_a_language_refuses_another_the_same_way(call):
    with pytest.raises(ValueError, match=r"lang must be 'vi' or 'en', got "):
        call()
