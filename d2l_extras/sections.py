"""The course's table of contents and facts: one record per notebook and per section.

This is the only list of the course's notebooks and sections. The profiles, the model
registry, the runner, the publishing script, the slide build, the benchmark, the comparison
notebook and the tests all read it, so adding a section or correcting a fact is one edit here.

Plain data (no MXNet import): safe to read from any tool.
"""
from dataclasses import dataclass, fields, replace
from typing import Callable, Dict, Optional, Tuple

from .language import error
from .recipe import INITIALIZERS, LR_SCHEDULES, Recipe, check_choice

__all__ = ["Settings", "BookResult", "Section", "Notebook", "SECTIONS", "NOTEBOOKS", "TRAIN_SIZE",
           "TEST_SIZE", "section", "notebook", "notebook_paths"]

TRAIN_SIZE, TEST_SIZE = 60000, 10000


@dataclass(frozen=True)
class Settings:
    """Training settings of one section under one profile."""

    lr: float
    num_epochs: int
    batch_size: int
    resize: int
    subset: Optional[int] = None       # training images used (None: all 60,000)
    test_subset: Optional[int] = None  # test images used (None: all 10,000)
    floor: Optional[float] = None      # test accuracy the notebook asserts (CI)
    lr_schedule: Optional[str] = None  # None (constant), "cosine" or "warmup-cosine" (training.lr_scheduler)
    initializer: Optional[str] = None  # None (Xavier) or "he" (see training.make_initializer)
    momentum: Optional[float] = None   # SGD momentum; None: plain SGD, as in the book
    revive_dead_classes: bool = False  # re-draw a class map found dead (see d2l_extras.revive)

    def __post_init__(self):
        check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        check_choice("initializer", self.initializer, INITIALIZERS)
        if self.momentum is not None and not (isinstance(self.momentum, (int, float)) and 0 <= self.momentum < 1):
            raise ValueError(f"momentum must be None or a number in [0, 1), got {self.momentum!r}")
        if not isinstance(self.revive_dead_classes, bool):
            raise ValueError(f"revive_dead_classes must be True or False, got {self.revive_dead_classes!r}")

    @property
    def recipe(self):
        """The training choices of these settings, for ``fit(..., recipe=s.recipe)``."""
        params = {"momentum": self.momentum} if self.momentum else None
        return Recipe(lr_schedule=self.lr_schedule, initializer=self.initializer, optimizer_params=params,
                      revive_dead_classes=self.revive_dead_classes)

    def replace(self, **changes):
        """A copy with ``changes`` (unknown names are an error that lists the known ones)."""
        unknown = set(changes) - {f.name for f in fields(Settings)}
        if unknown:
            raise error(ValueError, "thiết lập không có: {unknown}; các thiết lập: {known}",
                        "unknown setting(s) {unknown}; settings: {known}",
                        unknown=sorted(unknown), known=[f.name for f in fields(Settings)])
        return replace(self, **changes)


@dataclass(frozen=True)
class BookResult:
    """A result the book's authors published for a section (MXNet, one V100 GPU, book settings)."""

    train_loss: float
    train_acc: float
    test_acc: float
    examples_per_sec: float
    source: str = "d2l 2019 course notebooks, MXNet, one V100 GPU (shared/reference.md)"


@dataclass(frozen=True)
class Section:
    """One lecture section: its notebook, networks, the book's settings and the profiles'."""

    key: str
    notebook: str                # stem of its notebook in notebooks/
    title: str                   # the trained network, in English
    title_vi: str
    models: Dict[str, Callable]  # result name -> builder(module generated from the notebook); first: the section's network
    parameters: Dict[str, int]   # result name -> parameter count at the book's input size (BN running statistics included)
    book: Settings               # the book's settings, the `full` profile
    smallest_input: int          # smallest square input that reaches the output layer (measured: tests/test_models.py)
    min_resize: int              # smallest input the course lets a run use
    min_resize_why: Tuple[str, str]  # (English, Vietnamese)
    profiles: Dict[str, Tuple[Settings, str, str]]  # profile -> (settings, why in English, in Vietnamese)
    book_result: Optional[BookResult] = None

    @property
    def model_module(self):
        """Module of ``d2l_extras.models`` generated from this section's notebook."""
        return self.notebook.split("_", 1)[1]

    def settings(self, profile):
        return self.book if profile == "full" else self.profiles[profile][0]


@dataclass(frozen=True)
class Notebook:
    """One notebook of the course, in reading order."""

    stem: str
    title: str
    title_vi: str
    sections: Tuple[str, ...] = ()  # sections whose settings or results the notebook reads


_GEOMETRY_68 = ("the 11×11 stride-4 convolution and three 3×3 stride-2 max poolings leave a 1×1 map "
                "from 67×67 up, and nothing below",
                "tầng tích chập 11×11 sải bước 4 và ba tầng gộp cực đại 3×3 sải bước 2 còn lại ánh xạ "
                "đặc trưng 1×1 từ 67×67 trở lên, và không còn gì nếu nhỏ hơn")

# The book's settings (d2l v0.17, MXNet) are the `full` profile; figures: shared/reference.md.
SECTIONS = {
    "alexnet": Section(
        "alexnet", "01_alexnet", "AlexNet", "AlexNet",
        {"alexnet": lambda m: m.alexnet()}, {"alexnet": 46_764_746},
        Settings(0.01, 10, 128, 224), 67, 67, _GEOMETRY_68,
        {"quick": (Settings(0.05, 1, 32, 68, 12800, 1000, floor=0.4),
                   "CI: 68×68 input, 12,800 images in batches of 32 (400 updates: without batch "
                   "normalization AlexNet needs a few hundred updates to leave its starting plateau), lr 0.05",
                   "CI: ảnh 68×68, 12.800 ảnh, batch 32 (400 lần cập nhật: không có chuẩn hóa theo batch, "
                   "AlexNet cần vài trăm lần cập nhật để rời vùng bằng phẳng ban đầu), tốc độ học 0,05"),
         "cpu": (Settings(0.005, 2, 64, 68, lr_schedule="cosine", initializer="he", momentum=0.9),
                 "CPU: 68×68 instead of 224×224 (11× fewer pixels), 2 epochs, batch 64 for more updates. "
                 "SGD with momentum 0.9 and lr 0.005, decayed along a cosine: on average the step of plain SGD "
                 "at lr 0.05, but steadier (seeds 0, 1, 2: test accuracy 0.886–0.888 against 0.876–0.879 "
                 "with plain SGD). He initialization: with Xavier the activations shrink through the 11×11 "
                 "first layer and AlexNet spends hundreds of updates on a plateau",
                 "CPU: ảnh 68×68 thay vì 224×224 (ít hơn 11 lần điểm ảnh), 2 epoch, batch 64 để có nhiều lần "
                 "cập nhật hơn. SGD với động lượng 0,9 và tốc độ học 0,005, giảm theo cosin: bước trung bình "
                 "bằng bước của SGD thường với tốc độ học 0,05 nhưng ổn định hơn (hạt giống 0, 1, 2: độ chính "
                 "xác kiểm tra 0,886–0,888 so với 0,876–0,879 với SGD thường). Khởi tạo He: với Xavier các "
                 "giá trị kích hoạt nhỏ đi sau tầng 11×11 đầu tiên và AlexNet đứng yên trong hàng trăm lần "
                 "cập nhật")},
        BookResult(0.329, 0.880, 0.891, 14579)),
    "vgg": Section(
        "vgg", "02_vgg", "VGG-11 (ratio 4)", "VGG-11 (tỷ lệ 4)",
        {"vgg": lambda m: m.vgg(m.small_conv_arch)}, {"vgg": 43_093_322},
        Settings(0.05, 10, 128, 224), 32, 32,
        ("five 2×2 stride-2 max poolings halve the input five times: 32×32 gives 1×1",
         "năm tầng gộp cực đại 2×2 sải bước 2 chia đôi ảnh năm lần: 32×32 còn 1×1"),
        {"quick": (Settings(0.1, 1, 64, 32, 25600, 1000, floor=0.25),
                   "CI: 32×32, 25,600 images in batches of 64 (400 updates), lr 0.1",
                   "CI: ảnh 32×32, 25.600 ảnh, batch 64 (400 lần cập nhật), tốc độ học 0,1"),
         "cpu": (Settings(0.01, 3, 64, 32, lr_schedule="cosine", initializer="he", momentum=0.9),
                 "CPU: 32×32 instead of 224×224 (49× fewer pixels), batch 64, 3 epochs. SGD with momentum "
                 "0.9 and lr 0.01, decayed along a cosine: on average the step of plain SGD at lr 0.1, but "
                 "steadier (seed 1: test accuracy 0.901 against 0.868 with plain SGD). He initialization, as "
                 "for the other deep networks without batch normalization (plain SGD, seed 0: 0.885 against "
                 "0.856 with the book's Xavier)",
                 "CPU: ảnh 32×32 thay vì 224×224 (ít hơn 49 lần điểm ảnh), batch 64, 3 epoch. SGD với động "
                 "lượng 0,9 và tốc độ học 0,01, giảm theo cosin: bước trung bình bằng bước của SGD thường với "
                 "tốc độ học 0,1 nhưng ổn định hơn (hạt giống 1: độ chính xác kiểm tra 0,901 so với 0,868 với "
                 "SGD thường). Khởi tạo He, như các mạng sâu khác không có chuẩn hóa theo batch (SGD thường, "
                 "hạt giống 0: 0,885 so với 0,856 với khởi tạo Xavier của sách)")},
        BookResult(0.177, 0.935, 0.925, 9350)),
    "nin": Section(
        "nin", "03_nin", "NiN", "NiN",
        {"nin": lambda m: m.nin()}, {"nin": 1_992_166},
        Settings(0.1, 10, 128, 224), 67, 67, _GEOMETRY_68,
        {"quick": (Settings(0.1, 1, 64, 68, 25600, 1000, floor=0.2),
                   "CI: 68×68 input, 25,600 images in batches of 64 (400 updates: NiN stays on its "
                   "starting plateau for hundreds of updates)",
                   "CI: ảnh 68×68, 25.600 ảnh, batch 64 (400 lần cập nhật: NiN ở lại vùng bằng phẳng "
                   "ban đầu trong hàng trăm lần cập nhật)"),
         "cpu": (Settings(0.005, 4, 64, 68, lr_schedule="warmup-cosine", initializer="he", momentum=0.9,
                          revive_dead_classes=True),
                 "CPU: 68×68 instead of 224×224, batch 64, 4 epochs. SGD with momentum 0.9 and lr 0.005 (on "
                 "average the step of plain SGD at lr 0.05; Intel Xeon, seed 0, before the re-drawing below: test "
                 "accuracy 0.890 against 0.880 with plain SGD), raised from 0 over the first tenth of the updates "
                 "(full steps at once can kill a ReLU class map), then decayed along a cosine. He "
                 "initialization: with Xavier the activations shrink about 3× per NiN block, so the ReLU class maps start near 0 and the loss "
                 "stays at ln 10 for epochs. Every 100 updates, a class map whose average output is under a "
                 "tenth of the average map's, or that was positive on at most a tenth of its own class's "
                 "images, is drawn again (`revive_dead_classes`, after ReDo): such a ReLU map learns nothing "
                 "from its class, which is never predicted (Intel Xeon, first condition: seed 1, test "
                 "accuracy 0.882 against 0.763 without; seed 2, 0.882 against 0.815. AMD EPYC, seed 0: 0.888 "
                 "with the second condition, 0.816 without)",
                 "CPU: ảnh 68×68 thay vì 224×224, batch 64, 4 epoch. SGD với động lượng 0,9 và tốc độ học "
                 "0,005 (bước trung bình bằng bước của SGD thường với tốc độ học 0,05; máy Intel Xeon, hạt giống 0, "
                 "trước khi có việc khởi tạo lại dưới đây: độ chính xác kiểm tra 0,890 so với 0,880 với SGD "
                 "thường), "
                 "tăng dần từ 0 trong một phần mười số lần cập nhật đầu (bước đầy đủ ngay từ đầu có thể làm "
                 "chết một ánh xạ lớp sau ReLU), rồi giảm "
                 "theo cosin. Khởi tạo He: với Xavier các giá trị kích hoạt nhỏ đi khoảng 3 lần sau mỗi khối "
                 "NiN, nên các ánh xạ lớp sau ReLU bắt đầu gần 0 và mất mát đứng ở ln 10 trong nhiều epoch. "
                 "Cứ sau 100 lần cập nhật, ánh xạ lớp nào có đầu ra trung bình dưới một phần mười mức trung "
                 "bình của các ánh xạ, hoặc chỉ dương với không quá một phần mười số ảnh của chính lớp đó, sẽ "
                 "được khởi tạo lại (`revive_dead_classes`, theo ReDo): ánh xạ sau ReLU như vậy không học được "
                 "gì từ lớp của nó, và lớp đó không bao giờ được dự đoán (máy Intel Xeon, điều kiện thứ nhất: "
                 "hạt giống 1, độ chính xác kiểm tra 0,882 so với 0,763 khi không có; hạt giống 2, 0,882 so "
                 "với 0,815. Máy AMD EPYC, hạt giống 0: 0,888 với điều kiện thứ hai, 0,816 khi không có)")}),
    "googlenet": Section(
        "googlenet", "04_googlenet", "GoogLeNet", "GoogLeNet",
        {"googlenet": lambda m: m.googlenet()}, {"googlenet": 5_977_530},
        Settings(0.1, 10, 128, 96), 1, 28,
        ("course policy, not geometry: padding lets any input through (down to 1×1), but below 28×28 "
         "the last Inception blocks see only zero padding around a single pixel",
         "quy ước của khóa học, không phải do hình học: phần đệm cho mọi kích thước đi qua (đến 1×1), "
         "nhưng dưới 28×28 các khối Inception cuối chỉ thấy phần đệm số 0 quanh một điểm ảnh"),
        {"quick": (Settings(0.1, 1, 32, 32, 16000, 1000, floor=0.2),
                   "CI: 32×32, 16,000 images in batches of 32 (500 updates)",
                   "CI: ảnh 32×32, 16.000 ảnh, batch 32 (500 lần cập nhật)"),
         "cpu": (Settings(0.01, 3, 32, 32, lr_schedule="cosine", initializer="he", momentum=0.9),
                 "CPU: 32×32 instead of 96×96 (9× fewer pixels), batch 32 (more updates), 3 epochs. SGD "
                 "with momentum 0.9 and lr 0.01, decayed along a cosine: on average the step of plain SGD at "
                 "lr 0.1, but steadier (40,000 images, seed 0: test accuracy 0.882 against 0.878 with plain "
                 "SGD). He initialization (without batch normalization, Xavier leaves the 22 layers on a "
                 "plateau for the first few hundred updates)",
                 "CPU: ảnh 32×32 thay vì 96×96 (ít hơn 9 lần điểm ảnh), batch 32 (nhiều lần cập nhật hơn), "
                 "3 epoch. SGD với động lượng 0,9 và tốc độ học 0,01, giảm theo cosin: bước trung bình bằng "
                 "bước của SGD thường với tốc độ học 0,1 nhưng ổn định hơn (40.000 ảnh, hạt giống 0: độ chính "
                 "xác kiểm tra 0,882 so với 0,878 với SGD thường). Khởi tạo He (không có chuẩn hóa theo "
                 "batch, Xavier để 22 tầng đứng yên trong vài trăm lần cập nhật đầu)")}),
    "batch_norm": Section(
        "batch_norm", "05_batch_norm", "LeNet with batch normalization", "LeNet với chuẩn hóa theo batch",
        {"batch_norm": lambda m: m.lenet_bn_concise(), "batch_norm_scratch": lambda m: m.lenet_bn()},
        {"batch_norm": 45_330, "batch_norm_scratch": 44_878},
        Settings(1.0, 10, 256, 28), 16, 28,
        ("course policy: Fashion-MNIST images are 28×28 and LeNet is built for them (16×16 is the "
         "smallest input that passes)",
         "quy ước của khóa học: ảnh Fashion-MNIST có kích thước 28×28 và LeNet được thiết kế cho chúng "
         "(16×16 là kích thước nhỏ nhất đi qua được)"),
        {"quick": (Settings(1.0, 1, 128, 28, 10240, 2000, floor=0.55),
                   "CI: 10,240 images in batches of 128, 1 epoch",
                   "CI: 10.240 ảnh, batch 128, 1 epoch"),
         "cpu": (Settings(1.0, 3, 128, 28, lr_schedule="cosine"),
                 "CPU: 3 epochs instead of 10, batch 128 (twice the updates per epoch), lr decayed along "
                 "a cosine (a constant lr of 1.0 leaves the test accuracy swinging from epoch to epoch)",
                 "CPU: 3 epoch thay vì 10, batch 128 (gấp đôi số lần cập nhật mỗi epoch), tốc độ học giảm "
                 "theo cosin (tốc độ học 1,0 không đổi làm độ chính xác kiểm tra dao động giữa các epoch)")}),
    "resnet": Section(
        "resnet", "06_resnet", "ResNet-18", "ResNet-18",
        {"resnet": lambda m: m.resnet18(10)}, {"resnet": 11_186_186},
        Settings(0.05, 10, 256, 96), 1, 28,
        ("course policy, not geometry: padding lets any input through (down to 1×1), but below 28×28 "
         "the last stage sees only zero padding around a single pixel",
         "quy ước của khóa học, không phải do hình học: phần đệm cho mọi kích thước đi qua (đến 1×1), "
         "nhưng dưới 28×28 tầng cuối chỉ thấy phần đệm số 0 quanh một điểm ảnh"),
        {"quick": (Settings(0.05, 1, 64, 32, 5120, 1000, floor=0.5),
                   "CI: 32×32, 5,120 images in batches of 64, 1 epoch",
                   "CI: ảnh 32×32, 5.120 ảnh, batch 64, 1 epoch"),
         "cpu": (Settings(0.05, 2, 64, 32, 40000, lr_schedule="cosine"),
                 "CPU: 32×32 instead of 96×96, 40,000 images, batch 64 (more updates per epoch), lr "
                 "decayed along a cosine",
                 "CPU: ảnh 32×32 thay vì 96×96, 40.000 ảnh, batch 64 (nhiều lần cập nhật hơn mỗi epoch), "
                 "tốc độ học giảm theo cosin")},
        BookResult(0.011, 0.997, 0.894, 12521)),
    "densenet": Section(
        "densenet", "07_densenet", "DenseNet", "DenseNet",
        {"densenet": lambda m: m.densenet()}, {"densenet": 764_834},
        Settings(0.1, 10, 256, 96), 29, 29,
        ("the stride-2 stem, the max pooling and three transition layers (2×2 average pooling, no "
         "padding) leave a 1×1 map from 29×29 up",
         "phần đầu sải bước 2, tầng gộp cực đại và ba tầng chuyển tiếp (gộp trung bình 2×2, không "
         "đệm) còn lại ánh xạ đặc trưng 1×1 từ 29×29 trở lên"),
        {"quick": (Settings(0.1, 1, 64, 32, 5120, 1000, floor=0.5),
                   "CI: 32×32, 5,120 images in batches of 64, 1 epoch",
                   "CI: ảnh 32×32, 5.120 ảnh, batch 64, 1 epoch"),
         "cpu": (Settings(0.1, 3, 64, 32, lr_schedule="cosine"),
                 "CPU: 32×32 instead of 96×96, batch 64, 3 epochs, lr decayed along a cosine",
                 "CPU: ảnh 32×32 thay vì 96×96, batch 64, 3 epoch, tốc độ học giảm theo cosin")}),
}

_ALL = tuple(SECTIONS)

NOTEBOOKS = (
    Notebook("00_getting_started", "How to run the course: profiles, devices, data",
             "Cách chạy khóa học: cấu hình chạy, thiết bị, dữ liệu", _ALL),
    Notebook("01_alexnet", "Deep convolutional networks (AlexNet)",
             "Mạng nơ-ron tích chập sâu (AlexNet)", ("alexnet",)),
    Notebook("02_vgg", "Networks using blocks (VGG)", "Mạng sử dụng khối (VGG)", ("vgg",)),
    Notebook("03_nin", "Network in network (NiN)", "Mạng trong mạng (NiN)", ("nin",)),
    Notebook("04_googlenet", "Networks with parallel concatenations (GoogLeNet)",
             "Mạng nối song song (GoogLeNet)", ("googlenet",)),
    Notebook("05_batch_norm", "Batch normalization", "Chuẩn hóa theo batch", ("batch_norm",)),
    Notebook("06_resnet", "Residual networks (ResNet)", "Mạng phần dư (ResNet)", ("resnet",)),
    Notebook("07_densenet", "Densely connected networks (DenseNet)",
             "Mạng tích chập kết nối dày đặc (DenseNet)", ("densenet",)),
    Notebook("08_comparison", "All seven networks side by side", "So sánh bảy mạng", _ALL),
    Notebook("09_data_parallel", "Data-parallel training on several devices and machines",
             "Huấn luyện song song dữ liệu trên nhiều thiết bị và nhiều máy", ("resnet",)),
)


def section(key):
    """The record of section ``key``; a clear error lists the sections."""
    if key not in SECTIONS:
        raise error(ValueError, "không có phần {key!r}; các phần: {keys}", "unknown section {key!r}; sections: {keys}",
                    key=key, keys=", ".join(SECTIONS))
    return SECTIONS[key]


def notebook(stem):
    """The record of the notebook named ``stem`` (e.g. ``'05_batch_norm'``)."""
    for nb in NOTEBOOKS:
        if nb.stem == stem:
            return nb
    raise error(ValueError, "{stem!r} không phải một notebook của khóa học; các notebook: {stems}",
                "{stem!r} is not a notebook of the course; notebooks: {stems}",
                stem=stem, stems=", ".join(n.stem for n in NOTEBOOKS))


def notebook_paths(folder):
    """Paths of the course's notebooks in ``folder``, in reading order."""
    from pathlib import Path

    return [Path(folder) / f"{nb.stem}.ipynb" for nb in NOTEBOOKS]


def _check_table():
    # Every section belongs to a notebook of the table, and the table names no unknown section.
    stems = {nb.stem for nb in NOTEBOOKS}
    for key, sec in SECTIONS.items():
        assert sec.key == key and sec.notebook in stems, key
        assert sec.smallest_input <= sec.min_resize, key
    for nb in NOTEBOOKS:
        assert set(nb.sections) <= set(SECTIONS), nb.stem


_check_table()
