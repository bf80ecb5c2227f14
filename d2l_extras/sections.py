"""The course's table of contents and facts: one record per notebook and per section.

This is the only list of the course's notebooks and sections. The profiles, the model
registry, the runner, the publishing script, the slide build, the benchmark, the comparison
notebook and the tests all read it, so adding a section or correcting a fact is one edit here.

Plain data (no MXNet import): safe to read from any tool.
"""
from dataclasses import dataclass, fields, replace
from typing import Callable, Dict, Optional, Tuple

from .language import error
from .recipe import Recipe

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
    revive_dead_classes: bool = False  # re-draw a class map found dead (see d2l_extras.dead_classes)

    def __post_init__(self):
        if self.momentum is not None and not (isinstance(self.momentum, (int, float)) and 0 <= self.momentum < 1):
            raise ValueError(f"momentum must be None or a number in [0, 1), got {self.momentum!r}")
        if not isinstance(self.revive_dead_classes, bool):
            raise ValueError(f"revive_dead_classes must be True or False, got {self.revive_dead_classes!r}")
        self.recipe  # noqa: B018 -- building the recipe checks lr_schedule and initializer, in one place

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
    source: str = "d2l 2019 course notebooks, MXNet, one V100 GPU (docs/reference.md)"


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
    profiles: Dict[str, Settings]  # profile -> settings (`quick`, `cpu`; `full` is `book`)
    book_result: Optional[BookResult] = None

    @property
    def model_module(self):
        """Module of ``d2l_extras.models`` generated from this section's notebook."""
        return self.notebook.split("_", 1)[1]

    def settings(self, profile):
        return self.book if profile == "full" else self.profiles[profile]


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
_PADDED_28 = ("course policy, not geometry: padding lets any input through, down to 1×1; the course "
              "keeps at least Fashion-MNIST's own 28×28",
              "quy ước của khóa học, không phải do hình học: phần đệm cho mọi kích thước đi qua, đến "
              "1×1; khóa học giữ ít nhất kích thước 28×28 của chính Fashion-MNIST")

# The book's settings (d2l v0.17, MXNet) are the `full` profile; the book's and papers' figures
# are in docs/reference.md. Why the `cpu` settings differ from the book's, with the evidence:
# docs/en/training-on-a-cpu.md (docs/vi/...); the `quick` settings are CI's smoke test.
SECTIONS = {
    "alexnet": Section(
        key="alexnet", notebook="01_alexnet", title="AlexNet", title_vi="AlexNet",
        models={"alexnet": lambda m: m.alexnet()},
        parameters={"alexnet": 46_764_746},
        book=Settings(lr=0.01, num_epochs=10, batch_size=128, resize=224),
        smallest_input=67, min_resize=67, min_resize_why=_GEOMETRY_68,
        profiles={
            "quick": Settings(lr=0.05, num_epochs=1, batch_size=32, resize=68, subset=12_800,
                              test_subset=1000, floor=0.4),
            "cpu": Settings(lr=0.005, num_epochs=2, batch_size=64, resize=68, lr_schedule="cosine",
                            initializer="he", momentum=0.9)},
        book_result=BookResult(train_loss=0.329, train_acc=0.880, test_acc=0.891, examples_per_sec=14_579)),
    "vgg": Section(
        key="vgg", notebook="02_vgg", title="VGG-11 (ratio 4)", title_vi="VGG-11 (tỷ lệ 4)",
        models={"vgg": lambda m: m.vgg(m.small_conv_arch)},
        parameters={"vgg": 43_093_322},
        book=Settings(lr=0.05, num_epochs=10, batch_size=128, resize=224),
        smallest_input=32, min_resize=32,
        min_resize_why=("five 2×2 stride-2 max poolings halve the input five times: 32×32 gives 1×1",
                        "năm tầng gộp cực đại 2×2 sải bước 2 chia đôi ảnh năm lần: 32×32 còn 1×1"),
        profiles={
            "quick": Settings(lr=0.1, num_epochs=1, batch_size=64, resize=32, subset=25_600,
                              test_subset=1000, floor=0.25),
            "cpu": Settings(lr=0.01, num_epochs=3, batch_size=64, resize=32, lr_schedule="cosine",
                            initializer="he", momentum=0.9)},
        book_result=BookResult(train_loss=0.177, train_acc=0.935, test_acc=0.925, examples_per_sec=9_350)),
    "nin": Section(
        key="nin", notebook="03_nin", title="NiN", title_vi="NiN",
        models={"nin": lambda m: m.nin()},
        parameters={"nin": 1_992_166},
        book=Settings(lr=0.1, num_epochs=10, batch_size=128, resize=224),
        smallest_input=67, min_resize=67, min_resize_why=_GEOMETRY_68,
        profiles={
            "quick": Settings(lr=0.1, num_epochs=1, batch_size=64, resize=68, subset=25_600,
                              test_subset=1000, floor=0.2),
            "cpu": Settings(lr=0.005, num_epochs=4, batch_size=64, resize=68, lr_schedule="warmup-cosine",
                            initializer="he", momentum=0.9, revive_dead_classes=True)}),
    "googlenet": Section(
        key="googlenet", notebook="04_googlenet", title="GoogLeNet", title_vi="GoogLeNet",
        models={"googlenet": lambda m: m.googlenet()},
        parameters={"googlenet": 5_977_530},
        book=Settings(lr=0.1, num_epochs=10, batch_size=128, resize=96),
        smallest_input=1, min_resize=28, min_resize_why=_PADDED_28,
        profiles={
            "quick": Settings(lr=0.1, num_epochs=1, batch_size=32, resize=32, subset=16_000,
                              test_subset=1000, floor=0.2),
            "cpu": Settings(lr=0.01, num_epochs=3, batch_size=32, resize=32, lr_schedule="cosine",
                            initializer="he", momentum=0.9)}),
    "batch_norm": Section(
        key="batch_norm", notebook="05_batch_norm",
        title="LeNet with batch normalization", title_vi="LeNet với chuẩn hóa theo batch",
        models={"batch_norm": lambda m: m.lenet_bn_concise(), "batch_norm_scratch": lambda m: m.lenet_bn()},
        parameters={"batch_norm": 45_330, "batch_norm_scratch": 44_878},
        book=Settings(lr=1.0, num_epochs=10, batch_size=256, resize=28),
        smallest_input=16, min_resize=28,
        min_resize_why=("course policy: Fashion-MNIST images are 28×28 and LeNet is built for them "
                        "(16×16 is the smallest input that passes)",
                        "quy ước của khóa học: ảnh Fashion-MNIST có kích thước 28×28 và LeNet được "
                        "thiết kế cho chúng (16×16 là kích thước nhỏ nhất đi qua được)"),
        profiles={
            "quick": Settings(lr=1.0, num_epochs=1, batch_size=128, resize=28, subset=10_240,
                              test_subset=2000, floor=0.55),
            "cpu": Settings(lr=1.0, num_epochs=3, batch_size=128, resize=28, lr_schedule="cosine")}),
    "resnet": Section(
        key="resnet", notebook="06_resnet", title="ResNet-18", title_vi="ResNet-18",
        models={"resnet": lambda m: m.resnet18(10)},
        parameters={"resnet": 11_186_186},
        book=Settings(lr=0.05, num_epochs=10, batch_size=256, resize=96),
        smallest_input=1, min_resize=28, min_resize_why=_PADDED_28,
        profiles={
            "quick": Settings(lr=0.05, num_epochs=1, batch_size=64, resize=32, subset=5_120,
                              test_subset=1000, floor=0.5),
            "cpu": Settings(lr=0.05, num_epochs=2, batch_size=64, resize=32, subset=40_000,
                            lr_schedule="cosine")},
        book_result=BookResult(train_loss=0.011, train_acc=0.997, test_acc=0.894, examples_per_sec=12_521)),
    "densenet": Section(
        key="densenet", notebook="07_densenet", title="DenseNet", title_vi="DenseNet",
        models={"densenet": lambda m: m.densenet()},
        parameters={"densenet": 764_834},
        book=Settings(lr=0.1, num_epochs=10, batch_size=256, resize=96),
        smallest_input=29, min_resize=29,
        min_resize_why=("the stride-2 stem, the max pooling and three transition layers (2×2 average "
                        "pooling, no padding) leave a 1×1 map from 29×29 up",
                        "phần đầu sải bước 2, tầng gộp cực đại và ba tầng chuyển tiếp (gộp trung bình "
                        "2×2, không đệm) còn lại ánh xạ đặc trưng 1×1 từ 29×29 trở lên"),
        profiles={
            "quick": Settings(lr=0.1, num_epochs=1, batch_size=64, resize=32, subset=5_120,
                              test_subset=1000, floor=0.5),
            "cpu": Settings(lr=0.1, num_epochs=3, batch_size=64, resize=32, lr_schedule="cosine")}),
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
