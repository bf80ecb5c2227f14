"""Where a run writes what it produced: executed notebooks, per-section results, tables.

The build folder is ``D2L_BUILD_DIR`` or ``build/`` at the top of the repository.
"""
import json
import os
import tempfile
from pathlib import Path

__all__ = ["build_dir", "save_result", "load_results", "atomic_write_text"]

REPO_ROOT = Path(__file__).resolve().parent.parent


def build_dir():
    """The build folder (created on demand by writers, not here)."""
    return Path(os.environ.get("D2L_BUILD_DIR") or REPO_ROOT / "build")


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename,
    so that a reader (or a rerun after a kill) never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def save_result(section, history, profile, settings=None, summary=None, name=None):
    """Write one trained network's figures to ``build/results/<name or section>.json``, atomically."""
    folder = build_dir() / "results"
    folder.mkdir(parents=True, exist_ok=True)
    final = history.final
    result = {
        "section": section, "name": name or section, "profile": profile,
        "settings": dict(vars(settings)) if settings is not None else None,
        "parameters": summary.total if summary is not None else None,
        "macs": summary.macs if summary is not None else None,
        "test_acc": final["test_acc"], "train_acc": final["train_acc"], "train_loss": final["train_loss"],
        "examples_per_sec": history.examples_per_sec, "train_seconds": history.train_seconds,
        "epochs": len(history), "devices": history.devices,
    }
    path = folder / f"{name or section}.json"
    atomic_write_text(path, json.dumps(result, indent=1))
    return path


def load_results(folder=None):
    """``{name: result}`` of every result in ``folder`` (default: the build folder's results/)."""
    folder = Path(folder) if folder is not None else build_dir() / "results"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}
