"""Run when a slideshow's kernel starts: the notebook's hidden set-up cells.

RISE shows, and so runs, only the cells on slides: a code cell kept off the slides (a helper
that the book's code on a slide calls) would never run, and the slide that needs it would
fail with a NameError. slides/present.py copies those cells' code into the present
notebook's metadata (``d2l_present.setup``) and writes a kernel (``modern-cnn-present``)
that runs this file first. The notebook is found from the kernel's session
(JPY_SESSION_NAME, set by Jupyter Server for the notebook the kernel belongs to).
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


def run_hidden_setup(shell):
    """Run the present notebook's hidden set-up cells in ``shell``'s namespace, in order. A
    failure is reported, with its cell, under the first cell the presenter runs."""
    path = _session_notebook()
    if path is None:
        return
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("d2l_present", {}).get("setup", [])
    except (OSError, ValueError) as err:
        _report_on_first_cell(shell, f"present: the hidden set-up of {path} could not be read: {err}")
        return
    for source in cells:
        source = "".join(source) if isinstance(source, list) else source  # nbformat splits lines
        result = shell.run_cell(source, store_history=False)
        if not result.success:
            error = result.error_in_exec or result.error_before_exec
            _report_on_first_cell(shell, f"present: a hidden set-up cell of {path.name} failed "
                                         f"({type(error).__name__}: {error}); the slides after it may "
                                         f"fail too. The cell:\n{source}")
            return


if __name__ == "present_startup":  # run by the kernel (runpy, with this name)
    from IPython import get_ipython

    run_hidden_setup(get_ipython())
