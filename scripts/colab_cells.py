"""Give every lecture notebook its Colab set-up cell (first cell), made from the course's
public address in pyproject.toml ([project.urls] Repository), the only place it is written.

    python scripts/colab_cells.py            # insert or update the cell in notebooks/*.ipynb
    python scripts/colab_cells.py --badges   # print Colab/Binder badges (Markdown) for every notebook

The cell does nothing outside Colab. In Colab (Python 3.12, NumPy 2 preinstalled) it installs
the course package from its public address and then, through d2l_extras_boot.setup_colab() (course_tools.install),
mxnet (or mxnet-cu1xx where nvidia-smi answers) and d2l, without their dependencies, so NumPy
is never downgraded and no runtime restart is needed. Each notebook is re-read from disk and
written back at once (others may be editing notebooks at the same time); the cell is tagged
`colab` and has slide type `skip`, so the decks never show it.
"""
import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CELL_ID = "colab-setup"
TAG = "colab"
# D2L_COURSE_SOURCE: install the course from elsewhere (the tests' Colab stand-in: the checkout)
TEMPLATE = """\
# Google Colab only: installs MXNet 1.9.1 and the course, keeps Colab's NumPy, no restart needed.
import importlib.util, os, subprocess, sys
if 'google.colab' in sys.modules or 'COLAB_RELEASE_TAG' in os.environ:
    if importlib.util.find_spec('d2l_extras_boot') is None:
        subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps',
                        os.environ.get('D2L_COURSE_SOURCE', 'git+{repository}')], check=True)
    import d2l_extras_boot; d2l_extras_boot.setup_colab()"""


def repository():
    """The course's public address, from pyproject.toml."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^Repository\s*=\s*"([^"]+)"', text, re.M)
    if not match:
        raise ValueError("pyproject.toml has no [project.urls] Repository = \"...\"")
    return match.group(1).rstrip("/")


def cell_source():
    return TEMPLATE.format(repository=repository())


def notebook_paths():
    """The lecture notebooks, from the course's table (d2l_extras.sections.NOTEBOOKS)."""
    sys.path.insert(0, str(ROOT))
    from d2l_extras.sections import notebook_paths as course_notebooks

    return course_notebooks(ROOT / "notebooks")


def badges():
    """Markdown: one 'Open in Colab' badge per notebook and one Binder badge."""
    repo = repository()
    owner_name = repo.split("github.com/", 1)[1]
    lines = [f"[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/{owner_name}/HEAD"
             "?urlpath=lab/tree/notebooks)", ""]
    for path in notebook_paths():
        lines.append(f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
                     f"(https://colab.research.google.com/github/{owner_name}/blob/main/notebooks/{path.name})"
                     f" `{path.name}`")
    return "\n".join(lines)


def add_cell(path):
    """Insert (or bring up to date) the Colab cell at index 0 of one notebook, in one quick write."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)  # fresh from disk, written back at once
    source = cell_source()
    first = nb.cells[0] if nb.cells else None
    if first is not None and TAG in first.metadata.get("tags", []):
        if first.source == source:
            return "unchanged"
        first.source = source
        action = "updated"
    else:
        cell = nbformat.v4.new_code_cell(source)
        cell.id = CELL_ID
        cell.metadata = {"slideshow": {"slide_type": "skip"}, "tags": [TAG]}
        nb.cells.insert(0, cell)
        action = "inserted"
    nbformat.write(nb, str(path))
    return action


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--badges", action="store_true", help="print the README badges and stop")
    ap.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    args = ap.parse_args(argv)
    if args.badges:
        print(badges())
        return 0
    for path in args.notebooks or notebook_paths():
        print(f"{path.name}: {add_cell(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
