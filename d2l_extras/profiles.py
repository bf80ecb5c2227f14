"""Run profiles: how much each section trains, chosen by ``D2L_PROFILE``.

- ``quick``: CI. Seconds to a minute per notebook, still enough to catch a broken network.
- ``cpu``: a student's laptop without a GPU. Minutes per notebook, test accuracy >= 0.85.
- ``full``: the book's settings, for a GPU.

Without ``D2L_PROFILE`` the profile is ``full`` when MXNet sees a GPU, else ``cpu``.
"""
import os
from dataclasses import dataclass, fields, replace
from typing import Optional

__all__ = ["PROFILES", "SECTIONS", "Settings", "get_profile", "get_settings", "settings_table"]

ENV_VAR = "D2L_PROFILE"
PROFILES = ("quick", "cpu", "full")
TRAIN_SIZE, TEST_SIZE = 60000, 10000
LR_SCHEDULES = (None, "cosine", "warmup-cosine")  # None: a constant learning rate, as in the book
INITIALIZERS = (None, "xavier", "he")  # None: Xavier, as in the book


def check_choice(what, value, choices):
    """Raise ValueError naming the choices when ``value`` is not one of them."""
    if value not in choices:
        raise ValueError(f"{what} must be one of {choices}, got {value!r}")


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


@dataclass(frozen=True)
class Section:
    title: str
    book: Settings
    min_resize: int
    min_resize_why: str
    profiles: dict  # profile -> (Settings, why in English, why in Vietnamese)


# The book's settings (d2l v0.17, MXNet) in `full`; see shared reference figures.
SECTIONS = {
    "alexnet": Section(
        "AlexNet", Settings(0.01, 10, 128, 224), 68,
        "the 11×11 stride-4 convolution and three 3×3 stride-2 max poolings need at least 68×68",
        {"quick": (Settings(0.05, 1, 32, 68, 12800, 1000, floor=0.4),
                   "CI: smallest input, 12,800 images in batches of 32 (400 updates: without batch "
                   "normalization AlexNet needs a few hundred updates to leave its starting plateau), lr 0.05",
                   "CI: ảnh nhỏ nhất, 12.800 ảnh, batch 32 (400 lần cập nhật: không có chuẩn hóa theo batch, "
                   "AlexNet cần vài trăm lần cập nhật để rời vùng bằng phẳng ban đầu), tốc độ học 0,05"),
         "cpu": (Settings(0.05, 2, 64, 68, lr_schedule="cosine", initializer="he"),
                 "CPU: 68×68 instead of 224×224 (11× fewer pixels), 2 epochs, batch 64 and lr 0.05 for more "
                 "and larger updates, decayed along a cosine. He initialization: with Xavier the activations "
                 "shrink through the 11×11 first layer and AlexNet spends hundreds of updates on a plateau",
                 "CPU: ảnh 68×68 thay vì 224×224 (ít hơn 11 lần điểm ảnh), 2 epoch, batch 64 và tốc độ học "
                 "0,05 để có nhiều bước cập nhật lớn hơn, giảm theo cosin. Khởi tạo He: với Xavier các giá trị "
                 "kích hoạt nhỏ đi sau tầng 11×11 đầu tiên và AlexNet đứng yên trong hàng trăm lần cập nhật")}),
    "vgg": Section(
        "VGG-11 (ratio 4)", Settings(0.05, 10, 128, 224), 32,
        "five 2×2 stride-2 max poolings halve the input five times: 32×32 gives 1×1",
        {"quick": (Settings(0.1, 1, 64, 32, 25600, 1000, floor=0.25),
                   "CI: 32×32, 25,600 images in batches of 64 (400 updates), lr 0.1",
                   "CI: ảnh 32×32, 25.600 ảnh, batch 64 (400 lần cập nhật), tốc độ học 0,1"),
         "cpu": (Settings(0.1, 3, 64, 32, lr_schedule="cosine"),
                 "CPU: 32×32 instead of 224×224 (49× fewer pixels), batch 64, lr 0.1 decayed along a "
                 "cosine, 3 epochs",
                 "CPU: ảnh 32×32 thay vì 224×224 (ít hơn 49 lần điểm ảnh), batch 64, tốc độ học 0,1 giảm "
                 "theo cosin, 3 epoch")}),
    "nin": Section(
        "NiN", Settings(0.1, 10, 128, 224), 68,
        "the 11×11 stride-4 convolution and three 3×3 stride-2 max poolings need at least 68×68",
        {"quick": (Settings(0.1, 1, 64, 68, 25600, 1000, floor=0.2),
                   "CI: smallest input, 25,600 images in batches of 64 (400 updates: NiN stays on its "
                   "starting plateau for hundreds of updates)",
                   "CI: ảnh nhỏ nhất, 25.600 ảnh, batch 64 (400 lần cập nhật: NiN ở lại vùng bằng phẳng "
                   "ban đầu trong hàng trăm lần cập nhật)"),
         "cpu": (Settings(0.05, 4, 64, 68, lr_schedule="warmup-cosine", initializer="he"),
                 "CPU: 68×68 instead of 224×224, batch 64, 4 epochs. He initialization: with Xavier the "
                 "activations shrink about 4× per NiN block, so the ReLU class maps start near 0 and the loss "
                 "stays at ln 10 for epochs. lr 0.05, raised from 0 over the first tenth of the updates (full "
                 "steps at once can kill a ReLU class map for good), then decayed along a cosine",
                 "CPU: ảnh 68×68 thay vì 224×224, batch 64, 4 epoch. Khởi tạo He: với Xavier các giá trị kích "
                 "hoạt nhỏ đi khoảng 4 lần sau mỗi khối NiN, nên các bản đồ lớp sau ReLU bắt đầu gần 0 và mất "
                 "mát đứng ở ln 10 trong nhiều epoch. Tốc độ học 0,05, tăng dần từ 0 trong một phần mười số lần "
                 "cập nhật đầu (bước đầy đủ ngay từ đầu có thể làm chết hẳn một bản đồ lớp sau ReLU), rồi giảm "
                 "theo cosin")}),
    "googlenet": Section(
        "GoogLeNet", Settings(0.1, 10, 128, 96), 28,
        "the stem and four stride-2 max poolings need at least 28×28",
        {"quick": (Settings(0.1, 1, 32, 32, 16000, 1000, floor=0.2),
                   "CI: 32×32, 16,000 images in batches of 32 (500 updates)",
                   "CI: ảnh 32×32, 16.000 ảnh, batch 32 (500 lần cập nhật)"),
         "cpu": (Settings(0.1, 3, 32, 32, 40000, lr_schedule="cosine", initializer="he"),
                 "CPU: 32×32 instead of 96×96 (9× fewer pixels), 40,000 images, batch 32 (more updates), "
                 "3 epochs, lr decayed along a cosine, He initialization (without batch normalization, "
                 "Xavier leaves the 22 layers on a plateau for the first few hundred updates)",
                 "CPU: ảnh 32×32 thay vì 96×96 (ít hơn 9 lần điểm ảnh), 40.000 ảnh, batch 32 (nhiều lần "
                 "cập nhật hơn), 3 epoch, tốc độ học giảm theo cosin, khởi tạo He (không có chuẩn hóa theo "
                 "batch, Xavier để 22 tầng đứng yên trong vài trăm lần cập nhật đầu)")}),
    "batch_norm": Section(
        "LeNet with batch normalization", Settings(1.0, 10, 256, 28), 28,
        "LeNet is built for 28×28 Fashion-MNIST images",
        {"quick": (Settings(1.0, 1, 128, 28, 10240, 2000, floor=0.55),
                   "CI: 10,240 images in batches of 128, 1 epoch",
                   "CI: 10.240 ảnh, batch 128, 1 epoch"),
         "cpu": (Settings(1.0, 3, 128, 28, lr_schedule="cosine"),
                 "CPU: 3 epochs instead of 10, batch 128 (twice the updates per epoch), lr decayed along "
                 "a cosine (a constant lr of 1.0 leaves the test accuracy swinging from epoch to epoch)",
                 "CPU: 3 epoch thay vì 10, batch 128 (gấp đôi số lần cập nhật mỗi epoch), tốc độ học giảm "
                 "theo cosin (tốc độ học 1,0 không đổi làm độ chính xác kiểm tra dao động giữa các epoch)")}),
    "resnet": Section(
        "ResNet-18", Settings(0.05, 10, 256, 96), 28,
        "the stride-2 stem, max pooling and three downsampling stages need at least 28×28",
        {"quick": (Settings(0.05, 1, 64, 32, 5120, 1000, floor=0.5),
                   "CI: 32×32, 5,120 images in batches of 64, 1 epoch",
                   "CI: ảnh 32×32, 5.120 ảnh, batch 64, 1 epoch"),
         "cpu": (Settings(0.05, 2, 64, 32, 40000, lr_schedule="cosine"),
                 "CPU: 32×32 instead of 96×96, 40,000 images, batch 64 (more updates per epoch), lr "
                 "decayed along a cosine",
                 "CPU: ảnh 32×32 thay vì 96×96, 40.000 ảnh, batch 64 (nhiều lần cập nhật hơn mỗi epoch), "
                 "tốc độ học giảm theo cosin")}),
    "densenet": Section(
        "DenseNet", Settings(0.1, 10, 256, 96), 32,
        "the stride-2 stem, max pooling and three transition layers need at least 32×32",
        {"quick": (Settings(0.1, 1, 64, 32, 5120, 1000, floor=0.5),
                   "CI: 32×32, 5,120 images in batches of 64, 1 epoch",
                   "CI: ảnh 32×32, 5.120 ảnh, batch 64, 1 epoch"),
         "cpu": (Settings(0.1, 3, 64, 32, lr_schedule="cosine"),
                 "CPU: 32×32 instead of 96×96, batch 64, 3 epochs, lr decayed along a cosine",
                 "CPU: ảnh 32×32 thay vì 96×96, batch 64, 3 epoch, tốc độ học giảm theo cosin")}),
}


def get_profile(profile=None):
    """The run profile: the argument, else ``D2L_PROFILE``, else full with a GPU and cpu without."""
    profile = (profile or os.environ.get(ENV_VAR, "")).strip().lower()
    if not profile or profile == "auto":
        from .device import num_gpus

        return "full" if num_gpus() > 0 else "cpu"
    if profile not in PROFILES:
        raise ValueError(f"{ENV_VAR}={profile!r} is not a profile; choose one of: {', '.join(PROFILES)} "
                         "(or leave it unset for automatic)")
    return profile


def _section(section):
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}; sections: {', '.join(sorted(SECTIONS))}")
    return SECTIONS[section]


def get_settings(section, profile=None, **overrides):
    """Settings of ``section`` under ``profile``, with optional overrides (``resize=96``).

    Raises ValueError for an input size the section's network cannot take.
    """
    sec = _section(section)
    profile = get_profile(profile)
    settings = sec.book if profile == "full" else sec.profiles[profile][0]
    unknown = set(overrides) - {f.name for f in fields(Settings)}
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)}; settings: {[f.name for f in fields(Settings)]}")
    settings = replace(settings, **overrides)
    check_choice("lr_schedule", settings.lr_schedule, LR_SCHEDULES)
    check_choice("initializer", settings.initializer, INITIALIZERS)
    if settings.resize < sec.min_resize:
        raise ValueError(
            f"{sec.title} needs inputs of at least {sec.min_resize}×{sec.min_resize} ({sec.min_resize_why}); "
            f"got resize={settings.resize}. Use resize >= {sec.min_resize}."
        )
    return settings


class SettingsTable:
    """The book's settings beside this run's, shown as a Markdown table in notebooks."""

    COLUMNS = (("lr", "lr"), ("lr_schedule", "lr schedule"), ("initializer", "init"),
               ("num_epochs", "epochs"), ("batch_size", "batch"), ("resize", "resize"),
               ("subset", "train images"), ("test_subset", "test images"))

    def __init__(self, section, profile):
        self.section, self.profile = _section(section), profile
        self.settings = get_settings(section, profile)

    def _cells(self, s):
        full = {"subset": TRAIN_SIZE, "test_subset": TEST_SIZE}

        def cell(key):
            value = getattr(s, key)
            if key in full:
                return f"{value or full[key]:,}"
            if key == "lr_schedule":
                return value or "constant"
            if key == "initializer":
                return {"he": "He"}.get(value, "Xavier")
            return f"{value:g}"

        return [cell(k) for k, _ in self.COLUMNS]

    def _rows(self):
        rows = [("book (full)", self._cells(self.section.book))]
        if self.profile != "full":
            rows.append((f"{self.profile} (this run)", self._cells(self.settings)))
        return rows

    def _why(self):
        """The reason for this run's settings: (English, Vietnamese)."""
        if self.profile == "full":
            return "This run uses the book's settings.", "Lần chạy này dùng thiết lập của sách."
        _, en, vi = self.section.profiles[self.profile]
        return f"{en}.", f"{vi}."

    def _repr_markdown_(self):
        head = "| profile | " + " | ".join(h for _, h in self.COLUMNS) + " |"
        sep = "|---" * (len(self.COLUMNS) + 1) + "|"
        body = ["| " + name + " | " + " | ".join(cells) + " |" for name, cells in self._rows()]
        # Marked by language: each language's slide deck hides the other's sentence.
        en, vi = self._why()
        why = f'<span lang="en">{en}</span><br><span lang="vi">{vi}</span>'
        return "\n".join([head, sep, *body, "", why])

    def __repr__(self):
        lines = [f"{name:<16}" + "  ".join(f"{h}={c}" for (_, h), c in zip(self.COLUMNS, cells))
                 for name, cells in self._rows()]
        return "\n".join(lines + list(self._why()))


def settings_table(section, profile=None):
    """A table of the book's settings and the current profile's, with the reason for each change."""
    return SettingsTable(section, get_profile(profile))
