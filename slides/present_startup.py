"""Run when a slideshow's kernel starts: the notebook's hidden cells, where the notebook has them.

RISE shows, and so runs, only the cells on slides: a code cell kept off the slides (a helper
that the book's code on a slide calls, a `ci` cell that records a training) would never run,
and the slide that needs it would fail with a NameError. slides/present.py copies those cells'
code into the present notebook's metadata (``d2l_present``: ``setup``, run when the kernel
starts; ``before``, run just before the slide cell they precede) and writes a kernel
(``modern-cnn-present``) that runs this file first. The notebook is found from the kernel's
session (JPY_SESSION_NAME, set by Jupyter Server for the notebook the kernel belongs to).
"""
import json
import os
import sys
from pathlib import Path


def _session_notebook():
    """The notebook this kernel was started for, or None."""
    name = os.environ.get("JPY_SESSION_NAME")
    if not name:
        return None
    for path in (Path(name), Path.cwd() / Path(name).name):
        if path.suffix == ".ipynb" and path.is_file():
            return path
    return None


def _report_on_first_cell(shell, message):
    """Print ``message`` under the first cell the presenter runs (at start-up, the kernel's
    standard error goes to the server's terminal, where nobody looks during a talk)."""
    def report(*_):
        shell.events.unregister("pre_run_cell", report)
        print(message, file=sys.stderr)

    shell.events.register("pre_run_cell", report)


def _print_now(message):
    print(message, file=sys.stderr)


def _source(code):
    return "".join(code) if isinstance(code, list) else code  # nbformat splits lines


def _run_hidden(shell, cells, name, report):
    """Run hidden cells in ``shell``'s namespace; on a failure ``report`` it and run none after
    it. Returns whether all ran."""
    for source in map(_source, cells):
        result = shell.run_cell(source, store_history=False)
        if not result.success:
            error = result.error_in_exec or result.error_before_exec
            report(f"present: a hidden cell of {name} failed ({type(error).__name__}: {error}); the "
                   f"slides after it may fail too. The cell:\n{source}")
            return False
    return True


class HiddenCells:
    """Runs a present notebook's hidden cells where the notebook has them: ``setup`` now, each
    group of ``before`` just before the slide cell it precedes (IPython's pre_run_cell event,
    matched by the cell's code; an edited cell runs none)."""

    def __init__(self, shell, record, name):
        self.shell, self.name = shell, name
        self.before = [(_source(shown), hidden) for shown, hidden in record.get("before", [])]
        self.running = False

    def pre_run_cell(self, info):
        if self.running:  # the hidden cells' own runs
            return
        code = getattr(info, "raw_cell", "") or ""
        matches = [i for i, (shown, _) in enumerate(self.before) if shown == code]
        if not matches:
            return
        upto = matches[0]
        groups, self.before = self.before[:upto + 1], self.before[upto + 1:]
        self.running = True
        try:
            for _, hidden in groups:  # skipped slides' hidden cells first, in order
                if not _run_hidden(self.shell, hidden, self.name, _print_now):  # under this cell
                    break
        finally:
            self.running = False


def run_hidden_setup(shell):
    """Run the present notebook's set-up cells now and arrange for its other hidden cells to run
    before the slide cells that follow them."""
    path = _session_notebook()
    if path is None:
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("d2l_present", {})
    except (OSError, ValueError) as err:
        _report_on_first_cell(shell, f"present: the hidden cells of {path} could not be read: {err}")
        return None
    hidden = HiddenCells(shell, record, path.name)
    if record.get("before"):
        shell.events.register("pre_run_cell", hidden.pre_run_cell)
    hidden.running = True
    try:
        _run_hidden(shell, record.get("setup", []), path.name, lambda message: _report_on_first_cell(shell, message))
    finally:
        hidden.running = False
    return hidden


if __name__ == "present_startup":  # run by the kernel (runpy, with this name)
    from IPython import get_ipython

    run_hidden_setup(get_ipython())
