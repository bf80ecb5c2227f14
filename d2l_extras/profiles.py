"""Run profiles: how much each section trains, chosen by ``D2L_PROFILE``.

- ``quick``: CI. Seconds to a minute per notebook, still enough to catch a broken network.
- ``cpu``: a student's laptop without a GPU. Minutes per notebook, test accuracy >= 0.85.
  A notebook's own settings under ``cpu`` are sized to the machine's training budget
  (``d2l_extras.budget``).
- ``full``: the book's settings, for a GPU.

Without ``D2L_PROFILE`` the profile is ``full`` when MXNet sees a GPU, else ``cpu``.
"""
import os
from dataclasses import dataclass
from typing import Optional

from .data import load_data_fashion_mnist
from .language import error, number, say, show, text, ShownPerLanguage
from .sections import SECTIONS, TEST_SIZE, TRAIN_SIZE, Settings, section as _section

__all__ = ["PROFILES", "Settings", "SectionRun", "get_profile", "get_settings", "section_run", "settings_table", "settings_overview", "say_run"]

ENV_VAR = "D2L_PROFILE"
PROFILES = ("quick", "cpu", "full")


def get_profile(profile=None):
    """The run profile: the argument, else ``D2L_PROFILE``, else full with a GPU and cpu without."""
    profile = (profile or os.environ.get(ENV_VAR, "")).strip().lower()
    if not profile or profile == "auto":
        from .device import num_gpus

        return "full" if num_gpus() > 0 else "cpu"
    if profile not in PROFILES:
        raise error(ValueError, "{env}={profile!r} không phải một cấu hình; hãy chọn một trong: {choices} "
                    "(hoặc để trống để tự chọn)", "{env}={profile!r} is not a profile; choose one of: {choices} "
                    "(or leave it unset for automatic)", env=ENV_VAR, profile=profile, choices=", ".join(PROFILES))
    return profile


def get_settings(section, profile=None, **overrides):
    """The settings table's row of ``section`` under ``profile`` (default: this run's profile),
    with optional overrides (``resize=96``): a lookup, never sized or measured.

    A notebook trains with ``section_run(section)``, which sizes them to this machine.
    Raises ValueError for an input size the section's network cannot take.
    """
    sec = _section(section)
    return _checked(sec, sec.settings(get_profile(profile)).replace(**overrides))


def _checked(sec, settings):
    """``settings`` if the section's network takes their input size, else a ValueError that says why."""
    if settings.resize < sec.min_resize:
        why_en, why_vi = sec.min_resize_why
        raise error(ValueError,
                    "{title_vi} cần đầu vào ít nhất {n}×{n} ({why_vi}); nhận resize={got}. Hãy dùng resize >= {n}.",
                    "{title} needs inputs of at least {n}×{n} ({why_en}); got resize={got}. Use resize >= {n}.",
                    title=sec.title, title_vi=sec.title_vi, n=sec.min_resize, why_vi=why_vi, why_en=why_en, got=settings.resize)
    return settings


def section_run(section, profile=None, **overrides):
    """This notebook's training run of ``section``, resolved once: a :class:`SectionRun`.

    The profile is ``profile``, else ``get_profile()``. Under ``cpu`` with no profile named,
    the settings are the table's sized to this machine's training budget
    (``d2l_extras.budget``: the first run on a machine measures its speed, in 10-35 s);
    ``overrides`` apply on top.
    """
    sec = _section(section)
    resolved = get_profile(profile)
    table = sec.settings(resolved)
    settings = _checked(sec, table.replace(**overrides))  # checked before anything is measured
    sizing = None
    if profile is None and resolved == "cpu":
        from . import budget  # measures with a training run in a fresh process: only when sizing

        if budget.training_budget() is not None:
            sizing = budget.sizing(section, table)
            settings = sizing.settings.replace(**overrides)
    return SectionRun(section, resolved, settings, sizing)


@dataclass(frozen=True)
class SectionRun(ShownPerLanguage):
    """One notebook's training run: its section, profile and settings, and how they were sized.

    A notebook shows it as its settings table; ``run.load_data(device)`` builds its loaders and
    ``run.num_epochs``, ``run.lr``, ``run.recipe`` are what ``fit`` takes.
    """

    section: str
    profile: str
    settings: Settings
    sizing: Optional[object] = None  # budget.Sizing under `cpu`, else None

    lr = property(lambda self: self.settings.lr)
    num_epochs = property(lambda self: self.settings.num_epochs)
    batch_size = property(lambda self: self.settings.batch_size)
    resize = property(lambda self: self.settings.resize)
    subset = property(lambda self: self.settings.subset)
    test_subset = property(lambda self: self.settings.test_subset)
    floor = property(lambda self: self.settings.floor)
    recipe = property(lambda self: self.settings.recipe)

    def load_data(self, device=None):
        """The training and test loaders of this run (its batch size, input size and images)."""
        return load_data_fashion_mnist(self.batch_size, resize=self.resize, subset=self.subset,
                                       test_subset=self.test_subset, device=device)

    def table(self):
        """The book's settings beside this run's, and a line of how this run trains."""
        return SettingsTable(self.section, self.profile, self.settings, self.sizing)

    def render(self, lang):
        return self.table().render(lang)

    def __repr__(self):
        return repr(self.table())


# (English, Vietnamese) words for each learning-rate schedule in the line under a settings table
SCHEDULE_WORDS = {None: ("constant learning rate", "tốc độ học không đổi"),
                  "cosine": ("learning rate decayed along a cosine", "tốc độ học giảm theo cosin"),
                  "warmup-cosine": ("learning rate warmed up, then decayed along a cosine",
                                    "tốc độ học khởi động rồi giảm theo cosin")}


class SettingsTable(ShownPerLanguage):
    """The book's settings beside this run's, and one line of how this run trains, shown as
    Markdown in notebooks."""

    COLUMNS = (("lr", "lr"), ("momentum", "momentum"), ("lr_schedule", "lr schedule"), ("initializer", "init"),
               ("num_epochs", "epochs"), ("batch_size", "batch"), ("resize", "resize"),
               ("subset", "train images"), ("test_subset", "test images"))

    def __init__(self, section, profile, settings, sizing=None):
        self.section, self.profile = _section(section), profile
        self.settings, self.sizing = settings, sizing

    def _cells(self, s, lang="en"):
        full = {"subset": TRAIN_SIZE, "test_subset": TEST_SIZE}

        def cell(key):
            value = getattr(s, key)
            if key in full:
                return number(value or full[key], ",", lang)
            if key == "lr_schedule":
                return text(value or "constant", lang)
            if key == "initializer":
                return {"he": "He"}.get(value, "Xavier")
            if key == "momentum":
                return number(value or 0, "g", lang)  # None: plain SGD
            return number(value, "g", lang)

        return [cell(k) for k, _ in self.COLUMNS]

    def _rows(self, lang="en"):
        rows = [(text("book (full)", lang), self._cells(self.section.book, lang))]
        if self.profile != "full":
            rows.append((f"{self.profile} ({text('this run', lang)})", self._cells(self.settings, lang)))
        return rows

    def why(self, lang="en"):
        """One line, in ``lang``, of how this run trains: input, images, epochs, optimizer,
        schedule, initialization and, sized to this machine, the expected time. Why each
        differs from the book is on the reference page the lesson links to."""
        if self.profile == "full":
            return text("This run uses the book's settings.", lang)
        s, vi = self.settings, lang == "vi"
        images = number(s.subset or TRAIN_SIZE, ",", lang)
        images = f"{images} ảnh huấn luyện" if vi else f"{images} training images"
        if self.sizing is not None and self.sizing.sized:
            images += " (cho vừa giới hạn thời gian)" if vi else " (to fit the time budget)"
        parts = [f"ảnh {s.resize}×{s.resize}, {images}, {s.num_epochs} epoch" if vi else
                 f"{s.resize}×{s.resize} images, {images}, {s.num_epochs} epoch{'s' * (s.num_epochs != 1)}"]
        if s.momentum:
            parts.append(f"SGD với động lượng {number(s.momentum, 'g', lang)}" if vi else
                         f"SGD with momentum {number(s.momentum, 'g', lang)}")
        else:
            parts.append("SGD thường" if vi else "plain SGD")
        parts.append(SCHEDULE_WORDS[s.lr_schedule][vi])
        if s.initializer == "he":
            parts.append("khởi tạo He" if vi else "He initialization")
        if s.revive_dead_classes:
            parts.append("ánh xạ lớp chết được khởi tạo lại" if vi else "dead class maps drawn again")
        line = f"**{text('this run', lang).capitalize()}:** " + ", ".join(parts)
        if self.sizing is not None:
            minutes = max(1, round(self.sizing.seconds(s.subset or TRAIN_SIZE) / 60))
            line += f"; khoảng {minutes} phút huấn luyện" if vi else f"; about {minutes} min of training"
        return line + "."

    def markdown(self, lang="en"):
        """The table and the line of how this run trains, in ``lang``, as Markdown."""
        head = f"| {text('profile', lang)} | " + " | ".join(text(h, lang) for _, h in self.COLUMNS) + " |"
        sep = "|---" * (len(self.COLUMNS) + 1) + "|"
        body = ["| " + name + " | " + " | ".join(cells) + " |" for name, cells in self._rows(lang)]
        return "\n".join([head, sep, *body, "", self.why(lang)])

    def render(self, lang):
        from IPython.display import Markdown

        return Markdown(self.markdown(lang))  # one table per language

    def _repr_markdown_(self):
        return self.markdown("en")

    def __repr__(self):
        lines = [f"{name:<16}" + "  ".join(f"{h}={c}" for (_, h), c in zip(self.COLUMNS, cells))
                 for name, cells in self._rows()]
        return "\n".join(lines + [self.why()])


class SettingsOverview(ShownPerLanguage):
    """Every section's settings under one profile, a row per section (Markdown, per language)."""

    def __init__(self, profile):
        self.profile = profile
        self.rows = {key: SettingsTable(key, profile, get_settings(key, profile)) for key in SECTIONS}

    def markdown(self, lang="en"):
        head = f"| {text('section', lang)} | " + " | ".join(text(h, lang) for _, h in SettingsTable.COLUMNS) + " |"
        sep = "|---" * (len(SettingsTable.COLUMNS) + 1) + "|"
        body = [f"| {t.section.title_vi if lang == 'vi' else t.section.title} | " + " | ".join(t._cells(t.settings, lang))
                + " |" for t in self.rows.values()]
        return "\n".join([head, sep, *body])

    def render(self, lang):
        from IPython.display import Markdown

        return Markdown(self.markdown(lang))  # one table per language

    def __repr__(self):
        return self.markdown("en")


def settings_overview(profile=None):
    """The settings of every section under ``profile`` (default: this run's)."""
    return SettingsOverview(get_profile(profile))


def settings_table(section, profile=None):
    """A table of the book's settings and this run's (or ``profile``'s), and a line of how this run trains."""
    return section_run(section, profile).table()


def say_run(profile, devices):
    """The notebooks' first line: the run profile and the devices training uses."""
    from .device import describe_devices

    say("cấu hình {profile}, huấn luyện trên {devices}", "profile {profile}, training on {devices}",
        profile=profile, devices=describe_devices(devices))
