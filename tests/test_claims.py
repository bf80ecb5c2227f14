"""Every number stated in the notebooks' prose, checked against the value it repeats.

One row per claim and language: the notebook, a fragment of its prose with the number left
as a slot, and where the number comes from: a committed output of a notebook cell (the
`cpu`-profile run), the profiles' settings (`d2l_extras.sections` or `d2l_extras.profiles`),
the reference figures (`docs/reference.md`, the book's and the papers' figures with their
sources) or a computation from those. The slot is filled with the source's value, written as each language writes numbers
(12,800 / 12.800, 0.89 / 0,89), and the fragment must appear in a prose cell of that
language. Change a setting or an output and the rows that repeat it fail, naming the
sentence to correct.

Numbers a code cell prints need no row: they come from code. Fast: no training, no model is
built; outputs are read from the committed notebooks.
"""
import json
import math
import re
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
REFERENCE = ROOT / "docs" / "reference.md"
TRAIN_SIZE, TEST_SIZE = 60000, 10000


# ----------------------------------------------------------------- reading the sources

@lru_cache(maxsize=None)
def notebook(stem):
    return json.loads((NOTEBOOKS / f"{stem}.ipynb").read_text(encoding="utf-8"))


def cell(stem, cell_id):
    for c in notebook(stem)["cells"]:
        if c.get("id") == cell_id:
            return c
    raise LookupError(f"{stem}: no cell {cell_id!r} (the claim's source cell was removed or renamed)")


def output_text(stem, cell_id):
    """The text a code cell printed or returned in the committed notebook."""
    parts = []
    for out in cell(stem, cell_id).get("outputs", []):
        if out.get("metadata", {}).get("lang", "en") != "en":
            continue  # the course's outputs come in both languages: numbers are read from the English
        if "text" in out:
            parts.append("".join(out["text"]))
        parts.extend("".join(v) for k, v in out.get("data", {}).items() if k == "text/plain")
    text = "".join(parts)
    if not text:
        raise LookupError(f"{stem} cell {cell_id} has no committed output")
    return text


def number(text):
    return float(text.replace(",", "")) if "." in text else int(text.replace(",", ""))


def out(stem, cell_id, pattern, group=1):
    """A number in a cell's committed output (the first match of ``pattern``)."""
    text = output_text(stem, cell_id)
    match = re.search(pattern, text)
    if match is None:
        raise LookupError(f"{stem} cell {cell_id}: {pattern!r} not in its output:\n{text}")
    return number(match.group(group))


def frame_value(stem, cell_id, row, column):
    """A cell of a table a code cell displayed as HTML (``dx.frame``), as written there."""
    html = "".join("".join(o["data"]["text/html"]) for o in cell(stem, cell_id).get("outputs", [])
                   if o.get("metadata", {}).get("lang", "en") == "en" and "text/html" in o.get("data", {}))
    text = lambda fragment: re.sub(r"<[^>]+>", "", fragment).strip()
    head = re.search(r"<thead>.*?<tr>(.*?)</tr>", html, re.S)
    columns = [text(c) for c in re.findall(r"<th[^>]*>.*?</th>", head.group(1), re.S)][1:]
    for tr in re.findall(r"<tr>(.*?)</tr>", html[html.index("<tbody"):], re.S):
        cells = [text(c) for c in re.findall(r"<t[hd][^>]*>.*?</t[hd]>", tr, re.S)]
        if cells[0] == row:
            return number(cells[1 + columns.index(column)])
    raise LookupError(f"{stem} cell {cell_id}: no row {row!r} in its table")


def code(stem, cell_id, pattern):
    """A number in a code cell's source (a constant the notebook sets)."""
    match = re.search(pattern, "".join(cell(stem, cell_id)["source"]))
    assert match is not None, (stem, cell_id, pattern)
    return number(match.group(1))


@lru_cache(maxsize=None)
def sections():
    try:
        from d2l_extras.sections import SECTIONS
    except ImportError:  # before the sections module: the profiles held the table
        from d2l_extras.profiles import SECTIONS
    return SECTIONS


def setting(section, profile, name):
    """A setting of ``section`` in ``profile``; subset None means all training images."""
    sec = sections()[section]
    s = sec.book if profile == "full" else sec.profiles[profile]
    value = getattr(s, name)
    return {"subset": TRAIN_SIZE, "test_subset": TEST_SIZE}.get(name, value) if value is None else value


def same_setting(section, profiles, name):
    """One value shared by several profiles (a sentence naming them together)."""
    values = {setting(section, p, name) for p in profiles}
    assert len(values) == 1, f"{section}: {name} differs between {profiles}: {values}"
    return values.pop()


def min_resize(section):
    return sections()[section].min_resize


@lru_cache(maxsize=None)
def reference_text():
    return REFERENCE.read_text(encoding="utf-8")


def ref_row(table_start, model):
    """The cells of ``model``'s row in the reference table that follows ``table_start``."""
    text = reference_text()
    block = text[text.index(table_start):]
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == model:
            return cells
    raise LookupError(f"reference.md: no row {model!r} after {table_start!r}")


def ref_result(model, column):
    """A published result (train loss, train acc, test acc, examples/s) of reference.md."""
    return number(ref_row("## Published results", model)[1 + column])


def ref_imagenet(model):
    match = re.search(rf"{re.escape(model)} ([\d,]+)", reference_text())
    return number(match.group(1))


# ----------------------------------------------------------------- writing the numbers

def thousands(lang):
    return (lambda v: f"{v:,}".replace(",", ".")) if lang == "vi" else (lambda v: f"{v:,}")


def fmt_int(v, lang):
    return thousands(lang)(int(v))


def fmt_dec(digits):
    def fmt(v, lang):
        text = f"{v:.{digits}f}"
        return text.replace(".", ",") if lang == "vi" else text
    return fmt


def fmt_plain(v, lang):
    return f"{v:g}".replace(".", ",") if lang == "vi" else f"{v:g}"


WORDS = {"vi": {3: "ba", 8: "tám", 10: "mười", 20: "hai mươi"},
         "en": {3: "three", 8: "eight", 10: "tenth", 20: "twentieth"}}


def fmt_word(v, lang):
    return WORDS[lang][int(v)]


def fmt_choice(choices):
    """A word chosen by the source (a key of ``choices[lang]``): a claim that is not a number."""
    return lambda v, lang: choices[lang][v]


def fmt_and(v, lang):
    """Several numbers of one decimal: 1.0 and 0.1 / 1,0 cũng như 0,1."""
    return (" cũng như " if lang == "vi" else " and ").join(fmt_dec(1)(x, lang) for x in v)


def fmt_text(v, lang):
    return v


def fmt_title(v, lang):
    """A network's title as the English outputs print it, written in ``lang``."""
    from d2l_extras.sections import SECTIONS

    return {s.title: s.title_vi for s in SECTIONS.values()}.get(v, v) if lang == "vi" else v


# ----------------------------------------------------------------- the claims

def claim(stem, vi, en, source, fmt=fmt_int, where=""):
    """Two rows (VI, EN): prose fragments with slots {0}, {1}, ... filled from ``source()``."""
    return [pytest.param(stem, lang, text, source, fmt, where, id=f"{stem}-{lang}-{text[:40]}")
            for lang, text in (("vi", vi), ("en", en)) if text is not None]


A, V, N, G, B, R, D = ("01_alexnet", "02_vgg", "03_nin", "04_googlenet", "05_batch_norm",
                       "06_resnet", "07_densenet")
ALEX_TOTAL = lambda: out(A, "cell-24", r"Total parameters: ([\d,]+)")
ALEX_MACS = lambda: out(A, "cell-24", r"Multiply-accumulates per example: ([\d,]+)")
ALEX_DENSE = lambda: out(A, "cell-24", r"Dense\s+\(1, 4096\)\s+([\d,]+)")
VGG_TOTAL = lambda: out(V, "cell-25", r"Total parameters: ([\d,]+)")
VGG_MACS = lambda: out(V, "cell-25", r"Multiply-accumulates per example: ([\d,]+)")
VGG_DENSE = lambda: out(V, "cell-25", r"Dense\s+\(1, 4096\)\s+([\d,]+)")
GOOG_TOTAL = lambda: out(G, "e79ba637", r"Total parameters: ([\d,]+)")
RES_TOTAL = lambda: out(R, "05d04db5", r"Total parameters: ([\d,]+)")
DENSE_TOTAL = lambda: out(D, "82bb0cd0", r"Total parameters: ([\d,]+)")


# the last column (the section's run) of the comparison table's row, not the training's final line
CPU_ACC_ROW = r"(?m)^test acc +\S+ +([\d.]+)"


def cpu_acc(section):
    """The `cpu` run's test accuracy of ``section``, from its notebook's comparison table."""
    def read():
        stem = sections()[section].notebook
        for c in notebook(stem)["cells"]:
            if c["cell_type"] == "code" and c.get("outputs"):
                match = re.search(CPU_ACC_ROW, output_text(stem, c["id"]))
                if match:
                    return number(match.group(1))
        raise LookupError(f"{stem}: no comparison table with a test acc row in its committed outputs")
    return read


def cpu_acc_range():
    """(lowest, highest) `cpu` test accuracy over every section."""
    values = [cpu_acc(key)() for key in sections()]
    return min(values), max(values)


def book(section, *names):
    return lambda: tuple(setting(section, "full", n) for n in names)


def short_name(section):
    """A section's network as 00's profile table names it: its title's first word (VGG-11 -> VGG)."""
    return re.split(r"[- ]", sections()[section].title)[0]


def cpu_fewer_images():
    """The sections whose `cpu` table trains on part of the training set, as 00's profile table names them."""
    return ", ".join(short_name(k) for k in sections() if setting(k, "cpu", "subset") < TRAIN_SIZE)


def training_speed(stem, cell_id):
    """Examples per second of a training's last line, to units."""
    return round(out(stem, cell_id, r"([\d.,]+) examples/sec"))


def stalled_without_bn():
    """Learning rates at which 05's LeNet without BN keeps its first loss (exercise 1): dropped by under 0.2."""
    rows = re.findall(r"no BN, lr ([\d.]+)\s+loss: first minibatch ([\d.]+), mean of the last 5 ([\d.]+)",
                      output_text(B, "ex05-1-code"))
    assert rows, "05 exercise 1: no 'no BN' rows in its output"
    return [float(lr) for lr, first, last in rows if float(first) - float(last) < 0.2]


def gamma_beta_moved():
    """'far' when some γ or β of 05's exercise 3 ended 0.5 or more from its start (1, 0), else 'near'."""
    text = output_text(B, "ex05-3-code")
    ranges = re.findall(r"γ from (-?[\d.]+) to (-?[\d.]+) .*?β from (-?[\d.]+) to (-?[\d.]+)", text)
    assert ranges, "05 exercise 3: no γ/β ranges in its output"
    gap = max(max(abs(float(g0) - 1), abs(float(g1) - 1), abs(float(b0)), abs(float(b1)))
              for g0, g1, b0, b1 in ranges)
    return "far" if gap >= 0.5 else "near"


MOVED = {"vi": {"far": "một số đã đi xa", "near": "chúng chỉ đi xa"},
         "en": {"far": "some of them are already far", "near": "they move only a little"}}


def better_time_predictor():
    """The column of 08's table whose rank correlation with the training time is higher (exercise 2)."""
    text = output_text("08_comparison", "ex08-2-code")
    params = out("08_comparison", "ex08-2-code", r"parameters ([\d.]+)")
    macs = out("08_comparison", "ex08-2-code", r"multiply-adds ([\d.]+)")
    assert text and params != macs, text
    return "macs" if macs > params else "params"


def compute_rate_leaders():
    """The three networks 08's exercise 4 ranks first by achieved compute rate (its printed order)."""
    texts = ["".join(o.get("text") or o.get("data", {}).get("text/plain", ""))
             for o in cell("08_comparison", "ex08-4-code").get("outputs", [])
             if o.get("metadata", {}).get("lang", "en") == "en"]
    names = [m.group(1) for m in (re.match(r"(\S.*?)\s{2,}[\d.]+\s*$", t) for t in texts) if m]
    assert len(names) >= 3, texts
    return tuple(names[:3])


COLUMNS = {"vi": {"macs": "phép nhân-cộng", "params": "tham số"}, "en": {"macs": "multiply-add", "params": "parameter"}}
def macs_at_68_range():
    """(lowest, highest) ratio of multiply-adds at 68×68 (08 exercise 3) to this run's (08 table), for the
    networks the sentence names (read from the sentence, each one trained at 32×32 in this run)."""
    sentence = "".join(cell("08_comparison", "ex08-3-answer-en")["source"])
    names = re.split(r", | and ", re.search(r"at 68×68 (.+?) need", sentence).group(1))
    ratios = []
    for name in names:
        match = re.search(rf"({re.escape(name)}\S*)\s+this profile\s+32×32\s+->\s+68×68:\s+([\d.]+) M",
                          output_text("08_comparison", "ex08-3-code"))
        assert match, f"08 exercise 3: {name} at 32×32 -> 68×68 not in its output"
        ratios.append(float(match.group(2)) / frame_value("08_comparison", "14051ccf", match.group(1), "MACs (M)"))
    return round(min(ratios), 1), round(max(ratios), 1)


CLAIMS = [
    # 00: data
    *claim("00_getting_started", "Fashion-MNIST gồm {0} ảnh huấn luyện và {1} ảnh kiểm tra, ảnh xám {2}×{2}",
           "Fashion-MNIST has {0} training and {1} test images, {2}×{2} greyscale",
           lambda: (out("00_getting_started", "3eae3c3d", r"\((\d+), 28, 28\)"), TEST_SIZE,
                    out("00_getting_started", "3eae3c3d", r"\(\d+, (\d+), \d+\)")),
           where="00 data cell output (60000, 28, 28); TEST_SIZE"),
    *claim("00_getting_started", "({0} MB: {1} MB ảnh huấn luyện và {2} MB ảnh kiểm tra",
           "({0} MB: {1} MB of training and {2} MB of test images",
           lambda: tuple(round(n * 28 * 28 / 1e6) for n in (TRAIN_SIZE + TEST_SIZE, TRAIN_SIZE, TEST_SIZE)),
           where="image counts × 28 × 28 bytes"),
    *claim("00_getting_started", "(`D2L_TRAINING_BUDGET`, mặc định {0} giây,", "(`D2L_TRAINING_BUDGET`, {0} s by default,",
           lambda: __import__("d2l_extras.budget").budget.DEFAULT_BUDGET, where="d2l_extras.budget.DEFAULT_BUDGET"),
    *claim("00_getting_started", "ít epoch hơn (ít ảnh hơn với {0})", "fewer epochs (fewer images for {0})",
           cpu_fewer_images, fmt=fmt_text, where="profiles: the sections whose cpu table trains on a subset"),
    # 01: AlexNet
    *claim(A, "AlexNet có số tham số gấp khoảng {0} lần", "AlexNet has about {0} times the parameters",
           lambda: round(ALEX_TOTAL() / out(A, "cell-19", r"parameters\s+([\d,]+)"), -1),
           where="01 comparison output: AlexNet / LeNet parameters, to tens"),
    *claim(A, "số phép nhân-cộng gấp hơn {0} lần LeNet", "over {0} times the multiply-adds of LeNet",
           lambda: ALEX_MACS() // out(A, "cell-19", r"multiply-adds\s+([\d,]+)") // 1000 * 1000,
           where="01 comparison output: AlexNet / LeNet multiply-adds, thousands below"),
    *claim(A, "= {0} tham số, hơn một nửa tổng số {1} tham số", "= {0} parameters, more than half of the network's {1}",
           lambda: (ALEX_DENSE(), ALEX_TOTAL()), where="01 summary output"),
    *claim(A, "Tầng kết nối đầy đủ đầu tiên nhận 256×5×5 = {0} giá trị", "takes 256×5×5 = {0} values",
           lambda: (ALEX_DENSE() - 4096) // 4096, where="01 summary: (first Dense parameters − 4096 biases) / 4096"),
    *claim(A, "Ô trên tìm được **{0}×{0}**", "The cell above finds **{0}×{0}**",
           lambda: out(A, "cell-30", r"smallest input: (\d+)×"), where="01 smallest-input output"),
    *claim(A, "Trên CPU, bài này huấn luyện ở {0}×{0}", "On a CPU this lesson trains at {0}×{0}",
           lambda: same_setting("alexnet", ("quick", "cpu"), "resize"), where="profiles: alexnet resize"),
    *claim(A, "nên mạng có {0} tham số thay vì {1}", "so the network has {0} parameters instead of {1}",
           lambda: (out(A, "cell-30", r"parameters at 68×68: ([\d,]+)"), ALEX_TOTAL()),
           where="01 outputs: parameters at 68×68 and at 224×224"),
    *claim(A, "với tốc độ học {0}, kích thước batch {1} và {2} epoch", "with learning rate {0}, batch size {1} and {2} epochs",
           book("alexnet", "lr", "batch_size", "num_epochs"), fmt=[fmt_plain, fmt_int, fmt_int],
           where="profiles: alexnet book settings"),
    *claim(A, "AlexNet đạt độ chính xác khoảng {0} trên tập kiểm tra", "AlexNet reaches about {0} test accuracy",
           lambda: ref_result("AlexNet", 2), fmt=fmt_dec(2), where="reference.md published AlexNet test acc"),
    *claim(A, "Lần chạy đã công bố của notebook này huấn luyện trên {0} trong 60.000 ảnh, cỡ {1}×{1}, trong {2} epoch",
           "The published run of this notebook trains on {0} of the 60,000 images, at {1}×{1}, for {2} epochs",
           lambda: (out(A, "cell-43", r"epochs × images\s+\S+ × \S+\s+\d+ × ([\d,]+)"),
                    out(A, "cell-43", r"input\s+\S+\s+(\d+)×"),
                    out(A, "cell-43", r"epochs × images\s+\S+ × \S+\s+(\d+) ×")),
           where="01 comparison table: this run's images, input and epochs"),
    *claim(A, "({0} ở tầng đầu tiên)", "({0} in the first one)", ALEX_DENSE, where="01 summary output"),
    *claim(A, "Mạng nhận ảnh từ {0}×{0} trở lên; trên CPU ta huấn luyện ở {1}×{1}",
           "The network accepts images from {0}×{0} up; on a CPU we train at {1}×{1}",
           lambda: (out(A, "cell-30", r"smallest input: (\d+)×"), setting("alexnet", "cpu", "resize")),
           where="01 smallest-input output; profiles: alexnet cpu resize"),
    *claim(A, "AlexNet đạt khoảng {0} độ chính xác kiểm tra trên toàn bộ tập kiểm tra",
           "AlexNet reaches about {0} test accuracy on the full test set", cpu_acc("alexnet"), fmt=fmt_dec(3),
           where="01 cpu run's comparison table"),
    *claim(A, "phóng to ảnh lên ít nhất {0}×{0}", "enlarged to at least {0}×{0}",
           lambda: out(A, "cell-30", r"smallest input: (\d+)×"), where="01 smallest-input output"),
    # 02: VGG
    *claim(V, "VGG-11 đầy đủ cần khoảng {0} tỷ phép nhân-cộng cho mỗi ảnh 224×224, gấp {1} lần AlexNet",
           "The full VGG-11 needs about {0} billion multiply-adds per 224×224 image, {1} times AlexNet",
           lambda: (VGG_MACS() / 1e9, round(VGG_MACS() / ALEX_MACS())), fmt=[fmt_dec(1), fmt_word],
           where="02 and 01 summary outputs"),
    *claim(V, "một mình nó có hơn {0} triệu tham số, tức khoảng {1}% của cả mạng",
           "alone has over {0} million parameters, about {1}% of the network",
           lambda: (VGG_DENSE() // 10**6, round(100 * VGG_DENSE() / VGG_TOTAL(), -1)), where="02 summary output"),
    *claim(V, "Số tham số chỉ giảm khoảng {0} lần", "The parameters drop only about {0}-fold",
           lambda: round(out(V, "cell-38", r"ratio\s+([\d.]+)")), where="02 ratio output"),
    *claim(V, "số phép nhân-cộng giảm gần {0} lần", "the multiply-adds drop almost {0}-fold",
           lambda: round(out(V, "cell-38", r"ratio\s+[\d.]+\s+([\d.]+)")), where="02 ratio output"),
    *claim(V, "Sách dùng tốc độ học {0}, kích thước batch {1}, ảnh {2}×{2} và {3} epoch",
           "The book uses learning rate {0}, batch size {1}, {2}×{2} images and {3} epochs",
           book("vgg", "lr", "batch_size", "resize", "num_epochs"), fmt=[fmt_plain, fmt_int, fmt_int, fmt_int],
           where="profiles: vgg book settings"),
    *claim(V, "ảnh {0}×{0} (nhỏ nhất mà năm khối chấp nhận) rẻ hơn {1} lần",
           "{0}×{0} images (the smallest five blocks accept) are {1} times cheaper",
           lambda: (setting("vgg", "cpu", "resize"), (224 // setting("vgg", "cpu", "resize")) ** 2),
           where="profiles: vgg cpu resize; (224 / resize)²"),
    *claim(V, "đạt độ chính xác khoảng {0} trên tập kiểm tra, cao hơn AlexNet ({1})",
           "reaches about {0} test accuracy, better than AlexNet ({1})",
           lambda: (ref_result("VGG-11 ratio 4", 2), ref_result("AlexNet", 2)), fmt=fmt_dec(3),
           where="reference.md published results"),
    *claim(V, "lần chạy đã công bố đạt {0} ở {1}×{1} sau {2} epoch",
           "the published run reaches {0} at {1}×{1} after {2} epochs",
           lambda: (cpu_acc("vgg")(), setting("vgg", "cpu", "resize"), setting("vgg", "cpu", "num_epochs")),
           fmt=[fmt_dec(3), fmt_int, fmt_int], where="02 cpu run's comparison table; profiles: vgg cpu"),
    *claim(V, "Lần chạy đã công bố dùng ảnh {0}×{0} thay vì {1}×{1} và {2} epoch thay vì {3}, trên {4} trong 60.000 ảnh huấn luyện",
           "The published run uses {0}×{0} images instead of {1}×{1} and {2} epochs instead of {3}, on {4} of the 60,000 training images",
           lambda: (out(V, "cell-48", r"input\s+\S+\s+(\d+)×"), setting("vgg", "full", "resize"),
                    out(V, "cell-48", r"epochs × images\s+\S+ × \S+\s+(\d+) ×"), setting("vgg", "full", "num_epochs"),
                    out(V, "cell-48", r"epochs × images\s+\S+ × \S+\s+\d+ × ([\d,]+)")),
           where="02 comparison table: this run's input, epochs and images; profiles: vgg book"),
    *claim(V, "VGG-11 (tỷ lệ 4) với {0} mẫu mỗi giây ở {1}×{1}", "VGG-11 (ratio 4) at {0} examples/s at {1}×{1}",
           lambda: (training_speed(V, "cell-44"), setting("vgg", "cpu", "resize")),
           where="02 training's last line; profiles: vgg cpu resize"),
    # 03: NiN
    *claim(N, "có rất nhiều tham số ({0} triệu ở tầng `Dense` đầu tiên của AlexNet)",
           "have very many parameters ({0} million in AlexNet's first `Dense` layer)",
           lambda: ALEX_DENSE() // 10**6, where="01 summary output"),
    *claim(N, "nhỏ hơn AlexNet hơn {0} lần", "more than {0} times smaller than AlexNet's",
           lambda: int(out(N, "cell-26", r"ratio\s+([\d.]+)") // 10 * 10), where="03 ratio output, tens below"),
    *claim(N, "NiN nhận ảnh từ {0}×{0} trở lên", "NiN accepts images from {0}×{0} up",
           lambda: out(N, "590d0f6b", r"accepts: (\d+)×"), where="03 smallest-input output"),
    *claim(N, "trên CPU, bài này huấn luyện ở {0}×{0}", "on a CPU this lesson trains at {0}×{0}",
           lambda: same_setting("nin", ("quick", "cpu"), "resize"), where="profiles: nin resize"),
    *claim(N, "Sách dùng tốc độ học {0}, kích thước batch {1}, ảnh {2}×{2} và {3} epoch",
           "The book uses learning rate {0}, batch size {1}, {2}×{2} images and {3} epochs",
           book("nin", "lr", "batch_size", "resize", "num_epochs"), fmt=[fmt_plain, fmt_int, fmt_int, fmt_int],
           where="profiles: nin book settings"),
    *claim(N, "ln 10 ≈ {0}", "ln 10 ≈ {0}",
           lambda: out(N, "cell-34", r"random guessing: ([\d.]+)"), fmt=fmt_dec(3), where="03 loss output"),
    *claim(N, "tốc độ học lớn hơn: {0} thay vì {1} của AlexNet", "a larger learning rate: {0} against AlexNet's {1}",
           lambda: (setting("nin", "full", "lr"), setting("alexnet", "full", "lr")), fmt=fmt_plain,
           where="profiles: nin and alexnet book lr"),
    *claim(N, "với chưa đến một phần {0} số tham số", "with less than a {0} of its parameters",
           lambda: int(out(N, "cell-34", r"AlexNet\s+([\d,]+)") / out(N, "cell-34", r"NiN\s+([\d,]+)")
                       // 10 * 10), fmt=fmt_word,
           where="03 table of this run beside notebook 01's AlexNet (68×68): parameter ratio, tens below"),
    *claim(N, "trên {0} ảnh kiểm tra (mỗi lớp {1} ảnh)", "on the {0} test images ({1} of each)",
           lambda: (TEST_SIZE, TEST_SIZE // 10), where="the test set: 10 balanced classes"),
    *claim(N, "NiN có ít hơn AlexNet hơn {0} lần tham số", "NiN has over {0} times fewer parameters than AlexNet",
           lambda: int(out(N, "cell-26", r"ratio\s+([\d.]+)") // 10 * 10), where="03 ratio output"),
    *claim(N, "cho {0} độ chính xác kiểm tra sau {1} epoch ở {2}×{2}", "give {0} test accuracy after {1} epochs at {2}×{2}",
           lambda: (cpu_acc("nin")(), setting("nin", "cpu", "num_epochs"), setting("nin", "cpu", "resize")),
           fmt=[fmt_dec(3), fmt_int, fmt_int], where="03 cpu run's comparison table; profiles: nin cpu"),
    # 04: GoogLeNet
    *claim(G, "(ở đây 12×12, như khi ảnh đầu vào là {0}×{0})", "(here 12×12, as for {0}×{0} input images)",
           lambda: setting("googlenet", "full", "resize"), where="profiles: googlenet book resize"),
    *claim(G, "cho ra 64 + 128 + 32 + 32 = {0} kênh", "gives 64 + 128 + 32 + 32 = {0}",
           lambda: out(G, "36111285", r"concatenated: \(1, (\d+),"), where="04 shape-check output"),
    *claim(G, "Tổng cộng **{0} tham số**, ít hơn {1} lần so với AlexNet\n({2} triệu)", None,
           lambda: (GOOG_TOTAL(), round(ALEX_TOTAL() / GOOG_TOTAL()), ALEX_TOTAL() / 1e6),
           fmt=[fmt_int, fmt_int, fmt_dec(1)], where="04 and 01 summary outputs"),
    *claim(G, None, "In all **{0} parameters**, {1} times fewer than AlexNet\n({2} million)",
           lambda: (GOOG_TOTAL(), round(ALEX_TOTAL() / GOOG_TOTAL()), ALEX_TOTAL() / 1e6),
           fmt=[fmt_int, fmt_word, fmt_dec(1)], where="04 and 01 summary outputs"),
    *claim(G, "GoogLeNet có khoảng gấp {0} số tham số của NiN ({1} so với {2})",
           "GoogLeNet has about {0} times NiN's parameters ({1} against {2})",
           lambda: (round(out(G, "e8172985", r"GoogLeNet\s+([\d,]+)") / out(G, "e8172985", r"NiN\s+([\d,]+)")),
                    out(G, "e8172985", r"GoogLeNet\s+([\d,]+)"), out(G, "e8172985", r"NiN\s+([\d,]+)")),
           fmt=[fmt_word, fmt_int, fmt_int], where="04 comparison output"),
    *claim(G, "cần khoảng gấp {0} số phép nhân-cộng của NiN", "needs about {0} times NiN's multiply-adds",
           lambda: round(out(G, "e8172985", r"GoogLeNet\s+[\d,]+\s+([\d,]+)")
                         / out(G, "e8172985", r"NiN\s+[\d,]+\s+([\d,]+)")),
           fmt=fmt_word, where="04 comparison output"),
    *claim(G, "Sách huấn luyện với tốc độ học {0}, kích thước batch {1}, {2} epoch, ảnh {3}×{3}",
           "The book trains with learning rate {0}, batch size {1}, {2} epochs, {3}×{3} images",
           book("googlenet", "lr", "batch_size", "num_epochs", "resize"), fmt=[fmt_plain, fmt_int, fmt_int, fmt_int],
           where="profiles: googlenet book settings"),
    *claim(G, "ln 10 ≈ {0}", "ln 10 ≈ {0}", lambda: math.log(10), fmt=fmt_dec(2), where="ln 10"),
    *claim(G, "192·32·25 ≈ {0} nghìn", "192·32·25 ≈ {0} thousand", lambda: round(192 * 32 * 25 / 1000),
           where="arithmetic of the block's path 3"),
    *claim(G, "192·16 + 16·32·25 ≈ {0} nghìn", "192·16 + 16·32·25 ≈ {0} thousand",
           lambda: round((192 * 16 + 16 * 32 * 25) / 1000), where="arithmetic of the block's path 3"),
    *claim(G, "{0} tham số, ít hơn AlexNet khoảng {1} lần nhưng nhiều hơn NiN khoảng {2} lần",
           "{0} parameters, about {1} times fewer than AlexNet but about {2} times more than NiN",
           lambda: (GOOG_TOTAL(), round(ALEX_TOTAL() / GOOG_TOTAL()),
                    round(GOOG_TOTAL() / out(N, "cell-22", r"Total parameters: ([\d,]+)"))),
           where="04, 01 and 03 summary outputs"),
    *claim(G, "GoogLeNet đạt {0} độ chính xác kiểm tra", "GoogLeNet reaches {0} test accuracy", cpu_acc("googlenet"),
           fmt=fmt_dec(3), where="04 cpu run's comparison table"),
    *claim(G, "{0} mẫu mỗi giây ở {1}×{1}", "{0} examples/s at {1}×{1}",
           lambda: (training_speed(G, "168ff7cb"), setting("googlenet", "cpu", "resize")),
           where="04 training's last line; profiles: googlenet cpu resize"),
    # 05: batch normalization
    *claim(B, "{0} tham số, tất cả đều huấn luyện được: {1} của chính mạng này khi bỏ các tầng `BatchNorm`",
           "{0} parameters, all trainable: the {1} of this network without its `BatchNorm` layers",
           lambda: (out(B, "012ce5ed", r"Total parameters: ([\d,]+)"),
                    out(B, "2853b9d2", r"without its BatchNorm layers: ([\d,]+)")), where="05 outputs"),
    *claim(B, "2 × (6 + 16 + 120 + 84) = {0} giá trị γ và β", "2 × (6 + 16 + 120 + 84) = {0} values of γ",
           lambda: out(B, "012ce5ed", r"Total parameters: ([\d,]+)") - out(B, "2853b9d2", r"layers: ([\d,]+)"),
           where="05 outputs: with minus without BatchNorm"),
    *claim(B, "LeNet của notebook 01 có {0} tham số", "Notebook 01's LeNet has {0} parameters",
           lambda: out(A, "cell-19", r"parameters\s+([\d,]+)"), where="01 comparison output"),
    *claim(B, "16×5×5 = 400 giá trị thay vì\n16×4×4 = {0} ở đây ({1} thay vì {2} tham số)",
           "16×5×5 = 400\nvalues instead of 16×4×4 = {0} here ({1} instead of {2} parameters)",
           lambda: (out(B, "2853b9d2", r"= (\d+) values"), 400 * 120 + 120,
                    out(B, "012ce5ed", r"Dense\s+\(1, 120\)\s+([\d,]+)")),
           where="05 outputs; 400 × 120 + 120"),
    *claim(B, "{0} tham số, trong đó {1} huấn luyện được: `nn.BatchNorm` lưu {2} giá trị",
           "{0} parameters, {1} of them trainable: `nn.BatchNorm` stores its {2} moving-average values",
           lambda: (out(B, "15d83599", r"Total parameters: ([\d,]+)"), out(B, "15d83599", r"trainable: ([\d,]+)"),
                    out(B, "15d83599", r"Total parameters: ([\d,]+)") - out(B, "15d83599", r"trainable: ([\d,]+)")),
           where="05 concise summary output"),
    *claim(B, "Sách dùng tốc độ học {0}", "The book uses learning rate {0}",
           lambda: setting("batch_norm", "full", "lr"), fmt=fmt_dec(1), where="profiles: batch_norm book lr"),
    *claim(B, "kích thước batch {0}, {1} epoch", "batch size {0}, {1} epochs",
           book("batch_norm", "batch_size", "num_epochs"), where="profiles: batch_norm book settings"),
    *claim(B, "LeNet có chuẩn hóa theo batch huấn luyện được với tốc độ học {0}",
           "LeNet with batch normalization trains with learning rate {0}",
           lambda: setting("batch_norm", "cpu", "lr"), fmt=fmt_dec(1), where="profiles: batch_norm cpu lr"),
    *claim(B, "(trung bình của chúng là {0},", "(their mean is {0},",
           lambda: out(B, "ex05-5-code", r"mean pixel of the data: ([\d.]+)"), fmt=fmt_dec(3),
           where="05 exercise 5 output: the mean pixel of the training images"),
    *claim(B, "vẫn gần mức mất mát ban đầu qua các minibatch đầu tiên ở tốc độ học {0} (bài tập 1)",
           "stays near its starting loss over the first minibatches at learning rate {0} alike (exercise 1)",
           stalled_without_bn, fmt=fmt_and, where="05 exercise 1 output: rates where LeNet without BN keeps its loss"),
    *claim(B, "sau một lần huấn luyện ngắn {0} khỏi giá trị đầu", "after a short training {0} from their start",
           gamma_beta_moved, fmt=fmt_choice(MOVED), where="05 exercise 3 output: γ and β ranges after training"),
    # 06: ResNet
    *claim(R, "{0} tham số, trong đó {1} được huấn luyện", "{0} parameters, {1} of them trainable",
           lambda: (RES_TOTAL(), out(R, "05d04db5", r"trainable: ([\d,]+)")), where="06 summary output"),
    *claim(R, "huấn luyện ở {0}×{0} (sách) hay {1}×{1} (CPU)", "trains at {0}×{0} (the book) or {1}×{1} (CPU)",
           lambda: (setting("resnet", "full", "resize"), setting("resnet", "cpu", "resize")),
           where="profiles: resnet resize"),
    *claim(R, "VGG-11 (tỷ lệ 4) có khoảng {0} triệu tham số với 11 tầng, ResNet-18 có {1} triệu",
           "VGG-11 (ratio 4) has about {0} million parameters in 11 layers, ResNet-18 has {1} million",
           lambda: (round(out(V, "cell-38", r"VGG-11 / 4\s+([\d,]+)") / 1e6), RES_TOTAL() // 10**6),
           where="02 and 06 outputs"),
    *claim(R, "512→512 có khoảng {0} triệu tham số", "512→512 has about {0} million parameters",
           lambda: (512 * 512 * 9 + 512) / 1e6, fmt=fmt_dec(1), where="512 · 512 · 9 + 512"),
    *claim(R, "huấn luyện ResNet-18 trên Fashion-MNIST ở {0}×{0} với tốc độ học {1}, {2} epoch, kích thước batch {3}",
           "trains ResNet-18 on Fashion-MNIST at {0}×{0} with learning rate {1}, {2} epochs, batch size {3}",
           book("resnet", "resize", "lr", "num_epochs", "batch_size"), fmt=[fmt_int, fmt_plain, fmt_int, fmt_int],
           where="profiles: resnet book settings"),
    *claim(R, "Khóa học vẫn từ chối ảnh nhỏ hơn {0}×{0}", "The course still refuses inputs below {0}×{0}",
           lambda: min_resize("resnet"), where="profiles: resnet min_resize"),
    *claim(R, "mất mát huấn luyện {0}, độ chính xác huấn luyện {1} và độ chính xác kiểm tra {2}",
           "a training loss of {0}, training accuracy {1} and test accuracy {2}",
           lambda: tuple(ref_result("ResNet-18", i) for i in range(3)), fmt=fmt_dec(3),
           where="reference.md published ResNet-18 results"),
    *claim(R, "khoảng {0} mẫu/giây", "about {0} examples/s", lambda: round(ref_result("ResNet-18", 3), -2),
           where="reference.md published ResNet-18 examples/s, to hundreds"),
    *claim(R, "độ chính xác kiểm tra dừng ở khoảng {0}:", "test accuracy stays around {0}:",
           lambda: ref_result("ResNet-18", 2), fmt=fmt_dec(2), where="reference.md published ResNet-18 test acc"),
    *claim(R, "quá khớp** {0} ảnh nhỏ", "overfits** {0} small images", lambda: setting("resnet", "full", "subset"),
           where="profiles: resnet book subset (all)"),
    *claim(R, "chỉ huấn luyện {0} epoch trên {1} ảnh {2}×{2}", "trains {0} epoch on {1} images at {2}×{2}",
           lambda: tuple(setting("resnet", "quick", n) for n in ("num_epochs", "subset", "resize")),
           where="profiles: resnet quick"),
    *claim(R, "Lần chạy đã công bố ({0} epoch trên {1} ảnh {2}×{2})", "The published run ({0} epochs on {1} images at {2}×{2})",
           lambda: tuple(setting("resnet", "cpu", n) for n in ("num_epochs", "subset", "resize")),
           where="profiles: resnet cpu (the published run's profile)"),
    *claim(R, "gộp trung bình toàn cục; {0} tham số", "global average pooling; {0} parameters", RES_TOTAL,
           where="06 summary output"),
    *claim(R, "dù có {0} tầng so với {1}, tức sâu hơn khoảng {2}", "with {0} layers against {1}, about {2} as deep",
           lambda: (50, 34, round(50 / 34 * 2) / 2), fmt=[fmt_int, fmt_int, fmt_choice(
               {"vi": {1.5: "một lần rưỡi", 2.0: "gấp đôi"}, "en": {1.5: "one and a half times", 2.0: "twice"}})],
           where="ResNet-50 against ResNet-34 (depth in the names), to halves"),
    # 07: DenseNet
    *claim(D, "cho đầu ra 3 + 2 × 10 = {0} kênh", "gives 3 + 2 × 10 = {0} output channels",
           lambda: out(D, "80a97c08", r"\(4, (\d+), 8, 8\)"), where="07 dense-block output"),
    *claim(D, "Số kênh qua mạng: {0}.", "Channels through the network: {0}.",
           lambda: " → ".join(re.findall(r"(?:Conv2D|DenseBlock|HybridSequential)\s+\(1, (\d+),",
                                         output_text(D, "82bb0cd0"))),
           fmt=lambda v, lang: v, where="07 summary output: channels of the stem, blocks and transitions"),
    *claim(D, "Chỉ {0} tham số ({1} được huấn luyện): ít hơn ResNet-18 ({2} triệu) khoảng {3} lần",
           "Only {0} parameters ({1} trainable): about {3} times fewer than ResNet-18 ({2} million)",
           lambda: (DENSE_TOTAL(), out(D, "82bb0cd0", r"trainable: ([\d,]+)"), RES_TOTAL() / 1e6,
                    round(RES_TOTAL() / DENSE_TOTAL())),
           fmt=[fmt_int, fmt_int, fmt_dec(1), fmt_int], where="07 and 06 summary outputs"),
    *claim(D, "Sách huấn luyện DenseNet ở {0}×{0} với tốc độ học {1}, {2} epoch, kích thước batch {3}",
           "The book trains DenseNet at {0}×{0} with learning rate {1}, {2} epochs, batch size {3}",
           book("densenet", "resize", "lr", "num_epochs", "batch_size"), fmt=[fmt_int, fmt_plain, fmt_int, fmt_int],
           where="profiles: densenet book settings"),
    *claim(D, "mạng nhận ảnh từ {0}×{0} trở lên", "the network accepts images from {0}×{0} up",
           lambda: out(D, "776d7739", r"accepts: (\d+)×"), where="07 smallest-input output"),
    *claim(D, "Trên CPU, bài này huấn luyện ở {0}×{0}", "On a CPU this lesson trains at {0}×{0}",
           lambda: same_setting("densenet", ("quick", "cpu"), "resize"), where="profiles: densenet resize"),
    *claim(D, "DenseNet có số tham số ít hơn khoảng {0} lần", "DenseNet has about {0} times fewer parameters",
           lambda: round(RES_TOTAL() / DENSE_TOTAL()), where="06 and 07 summary outputs"),
    *claim(D, "DenseNet-121 có {0} triệu tham số", "DenseNet-121 has {0} million parameters",
           lambda: round(ref_imagenet("DenseNet-121") / 1e6), where="reference.md ImageNet DenseNet-121"),
    *claim(D, "chỉ huấn luyện {0} epoch trên {1} ảnh {2}×{2}", "trains {0} epoch on {1} images at {2}×{2}",
           lambda: tuple(setting("densenet", "quick", n) for n in ("num_epochs", "subset", "resize")),
           where="profiles: densenet quick"),
    *claim(D, "DenseNet của sách có {0} tham số, ít hơn ResNet-18 khoảng {1} lần",
           "The book's DenseNet has {0} parameters, about {1} times fewer than ResNet-18",
           lambda: (DENSE_TOTAL(), round(RES_TOTAL() / DENSE_TOTAL())), where="07 and 06 summary outputs"),
    # 08: comparison (prose read, code cells untouched); the list is sorted by accuracy, so a
    # fragment carries no punctuation that would tie it to a place in the list
    *claim("08_comparison", "đều nằm giữa {0} và {1}:", "all lie between {0} and {1}:", cpu_acc_range,
           fmt=fmt_dec(3), where="the cpu run's comparison tables of 01-07"),
    *claim("08_comparison", "DenseNet {0}", "DenseNet {0}", cpu_acc("densenet"), fmt=fmt_dec(3), where="07 cpu run"),
    *claim("08_comparison", "ResNet-18 {0}", "ResNet-18 {0}", cpu_acc("resnet"), fmt=fmt_dec(3), where="06 cpu run"),
    *claim("08_comparison", "LeNet có BN {0}", "LeNet with BN {0}",
           lambda: frame_value("08_comparison", "14051ccf", "LeNet with batch normalization", "test acc"),
           fmt=fmt_dec(3), where="08 comparison table (05's concise LeNet, nn.BatchNorm)"),
    *claim("08_comparison", "VGG-11 (tỷ lệ 4) {0}", "VGG-11 (ratio 4) {0}", cpu_acc("vgg"), fmt=fmt_dec(3),
           where="02 cpu run"),
    *claim("08_comparison", "NiN {0}", "NiN {0}", cpu_acc("nin"), fmt=fmt_dec(3), where="03 cpu run"),
    *claim("08_comparison", "GoogLeNet {0}", "GoogLeNet {0}", cpu_acc("googlenet"), fmt=fmt_dec(3),
           where="04 cpu run"),
    *claim("08_comparison", "AlexNet {0}", "AlexNet {0}", cpu_acc("alexnet"), fmt=fmt_dec(3), where="01 cpu run"),
    *claim("08_comparison", "**1 epoch trên {0} ảnh** và kiểm tra trên {1} ảnh",
           "**1 epoch on {0} images** and tested on {1}",
           lambda: (code("08_comparison", "9a13faa4", r"subset=(\d+)"),
                    code("08_comparison", "9a13faa4", r"test_subset=(\d+)")), where="08 QUICK_BUDGET"),
    *claim("08_comparison", "chỉ cho mỗi mạng một epoch trên {0} ảnh", "gives each network one epoch on {0} images",
           lambda: code("08_comparison", "9a13faa4", r"subset=(\d+)"), where="08 QUICK_BUDGET"),
    *claim("08_comparison", "so với {0} triệu (ảnh 68×68) hay {1} triệu (ảnh 224×224)",
           "against AlexNet's {0} million (68×68 images) or {1} million (224×224)",
           lambda: (out(A, "cell-30", r"parameters at 68×68: ([\d,]+)") / 1e6, ALEX_TOTAL() / 1e6),
           fmt=fmt_dec(1), where="01 outputs"),
    *claim("08_comparison", "ở ảnh 224×224: {0} triệu so với {1} triệu phép nhân-cộng",
           "at 224×224: {0} million against {1} million multiply-accumulates",
           lambda: (round(out(N, "cell-22", r"Multiply-accumulates per example: ([\d,]+)") / 1e6),
                    round(ALEX_MACS() / 1e6)), where="03 and 01 summary outputs"),
    *claim("08_comparison", "với chỉ {0} nghìn tham số", "with only {0} thousand parameters",
           lambda: round(out(B, "15d83599", r"Total parameters: ([\d,]+)") / 1000), where="05 concise summary"),
    *claim("08_comparison", "{0} triệu so với {1} triệu ở ảnh 224×224", "{0} million against {1} million at 224×224",
           lambda: (RES_TOTAL() / 1e6, out(V, "cell-38", r"VGG-11 / 4\s+([\d,]+)") / 1e6),
           fmt=fmt_dec(1), where="06 and 02 outputs"),
    *claim("08_comparison", "ít tham số hơn ResNet-18 khoảng {0} lần", "about {0} times fewer parameters than ResNet-18",
           lambda: round(RES_TOTAL() / DENSE_TOTAL()), where="06 and 07 summary outputs"),
    *claim("08_comparison", "nhỏ nhất mà chúng nhận là {0}×{0})", "the smallest they accept is {0}×{0})",
           lambda: out(A, "cell-30", r"smallest input: (\d+)×"),
           where="01 smallest-input output"),
    *claim("08_comparison", "(chẳng hạn {0}×{0},", "(for instance {0}×{0},",
           lambda: setting("alexnet", "cpu", "resize"), where="profiles: alexnet cpu resize"),
    *claim("08_comparison", "trong lần chạy này cột {0} xếp tốt hơn", "in this run the {0} column ranked them better",
           better_time_predictor, fmt=fmt_choice(COLUMNS), where="08 exercise 2 output: rank correlations"),
    *claim("08_comparison", "trong lần chạy này (ở trên), {0} và {1} ở 68×68 (các tầng đầu là tích chập lớn) dẫn đầu, rồi {2},",
           "in this run (above) {0} and {1} at 68×68 (whose first layers are large convolutions) led, then {2},",
           compute_rate_leaders, fmt=fmt_title, where="08 exercise 4 output: the order of the compute rates"),
    *claim("08_comparison", "cần từ {0} đến {1} lần số phép nhân-cộng so với 32×32",
           "need {0} to {1} times the multiply-adds of the `cpu` profile's 32×32", macs_at_68_range, fmt=fmt_dec(1),
           where="08 exercise 3 output (68×68) against the comparison table's MACs (this run)"),
    *claim("08_comparison", "| AlexNet | {0}×{0} | {1} | {2} |", "| AlexNet | {0}×{0} | {1} | {2} |",
           lambda: (setting("alexnet", "full", "resize"), ref_result("AlexNet", 2), cpu_acc("alexnet")()),
           fmt=[fmt_int, fmt_dec(3), fmt_dec(3)], where="08 book table: profiles, reference.md, 01 cpu run"),
    *claim("08_comparison", "| VGG-11 (tỷ lệ 4) | {0}×{0} | {1} | {2} |", "| VGG-11 (ratio 4) | {0}×{0} | {1} | {2} |",
           lambda: (setting("vgg", "full", "resize"), ref_result("VGG-11 ratio 4", 2), cpu_acc("vgg")()),
           fmt=[fmt_int, fmt_dec(3), fmt_dec(3)], where="08 book table: profiles, reference.md, 02 cpu run"),
    *claim("08_comparison", "| ResNet-18 | {0}×{0} | {1} | {2} |", "| ResNet-18 | {0}×{0} | {1} | {2} |",
           lambda: (setting("resnet", "full", "resize"), ref_result("ResNet-18", 2), cpu_acc("resnet")()),
           fmt=[fmt_int, fmt_dec(3), fmt_dec(3)], where="08 book table: profiles, reference.md, 06 cpu run"),
    # 09: data parallelism
    *claim("09_data_parallel", "({0} của sách trong `full`, {1}\ntrong `cpu` và `quick`)",
           "(the book's {0} in `full`, {1}\nin `cpu` and `quick`)",
           lambda: (setting("resnet", "full", "batch_size"), same_setting("resnet", ("cpu", "quick"), "batch_size")),
           where="profiles: resnet batch sizes"),
    *claim("09_data_parallel", "độ chính xác huấn luyện {0}, độ chính xác kiểm tra {1}.",
           "gives training accuracy {0} but test accuracy {1}.",
           lambda: (out("09_data_parallel", "64069b88", r"train acc ([\d.]+)"),
                    out("09_data_parallel", "64069b88", r"test acc ([\d.]+)")),
           fmt=fmt_dec(3), where="09 ResNet-18 training's last line"),
    *claim("09_data_parallel", "Qua {0} bước mạng tiến bộ nhiều", "The run has only {0} steps",
           lambda: out("09_data_parallel", "98350317", r"of ([\d,]+) images") // out("09_data_parallel", "98350317", r"minibatch of (\d+) images"),
           where="09 run line: training images / minibatch (one epoch)"),
]


def prose(stem, lang):
    return ["".join(c["source"]) for c in notebook(stem)["cells"]
            if c["cell_type"] == "markdown" and f"lang-{lang}" in c.get("metadata", {}).get("tags", [])]


@pytest.mark.parametrize("stem, lang, template, source, fmt, where", CLAIMS)
def test_prose_repeats_its_source(stem, lang, template, source, fmt, where):
    values = source()
    values = values if isinstance(values, tuple) else (values,)
    fmts = fmt if isinstance(fmt, list) else [fmt] * len(values)
    expected = template.format(*(f(v, lang) for f, v in zip(fmts, values)))
    cells = prose(stem, lang)
    assert any(expected in text for text in cells), (
        f"{stem} ({lang}) should say {expected!r} (source: {where}); "
        f"the prose around it: {[t for t in cells if template.split('{')[0][:25] in t][:1]}")


def test_every_claim_names_a_notebook():
    stems = {p.stem for p in NOTEBOOKS.glob("*.ipynb")}
    assert {c.values[0] for c in CLAIMS} <= stems
