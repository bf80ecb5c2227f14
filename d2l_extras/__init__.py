"""Shared helpers of the Modern CNN course: devices, data, profiles, training, summaries, figures.

Import this package before MXNet (``import d2l_extras`` first) so that MXNet uses every
core it is given and, on NumPy >= 1.24, finds the NumPy names it reads
(``d2l_extras_boot``); the course's virtual environment also does this at start-up.
"""
import d2l_extras_boot as _boot

_boot.start()  # must run before mxnet is imported

from .callbacks import Callback
from .checkpoint import CheckpointError, CheckpointMismatchError, Checkpoints, latest_checkpoint
from .data import (DatasetError, TEXT_LABELS, ArrayLoader, get_fashion_mnist_labels,
                   load_data_fashion_mnist, read_fashion_mnist)
from .device import describe_devices, get_devices, num_gpus, try_all_gpus, try_gpu
from .display import Display, LivePlot, ProgressBar, use_inline_figures
from .language import frame, say, table
from .profiles import (PROFILES, SectionRun, Settings, get_profile, get_settings, say_run, section_run,
                       settings_overview, settings_table)
from .recipe import Recipe
from .sections import NOTEBOOKS, SECTIONS
from .results import book_comparison, build_dir, load_results, save_result
from .summary import LayerSummary, count_parameters, layer_summary
from .training import History, TrainingDivergedError, evaluate_accuracy, fit, make_initializer, set_seed

from .speedups.threads import serial_main_thread

use_inline_figures()  # a notebook's first figure shows under its own cell, not the next one
# A large asnumpy() in a notebook cell would otherwise leave an OpenMP team in the main thread
# and slow every training after it (d2l_extras.speedups.threads); MXNet's operators keep every core.
serial_main_thread()

__all__ = [
    "Callback", "CheckpointError", "CheckpointMismatchError", "Checkpoints", "latest_checkpoint",
    "DatasetError", "TEXT_LABELS", "ArrayLoader", "get_fashion_mnist_labels",
    "load_data_fashion_mnist", "read_fashion_mnist",
    "describe_devices", "get_devices", "num_gpus", "try_all_gpus", "try_gpu",
    "Display", "LivePlot", "ProgressBar", "frame", "say", "say_run", "table",
    "PROFILES", "SectionRun", "Settings", "get_profile", "get_settings", "section_run", "settings_overview", "settings_table", "Recipe", "NOTEBOOKS", "SECTIONS",
    "book_comparison", "build_dir", "load_results", "save_result",
    "LayerSummary", "count_parameters", "layer_summary",
    "History", "TrainingDivergedError", "evaluate_accuracy", "fit", "make_initializer", "set_seed",
]
