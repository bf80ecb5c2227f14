"""The sections table (d2l_extras/sections.py) is the only list of notebooks and sections,
and the course package's imports form no cycle.

The first test reads every Python file, Makefile and shell script of the repository and
every notebook's code cells, and fails on an old hand-written list or glob of notebooks or
sections: the slide build's `0[0-8]`, globs such as `[0-9][0-9]_*.ipynb`, the old `TRAINED`
and `NETS = {...}` tables, and any list, tuple, set or dict that writes out three or more
section keys or notebook names (a choice of one or two, e.g. the notebooks a test runs twice,
is not a list of the course, nor are names each bound to a name of its own, `A, V = ("01_alexnet",
"02_vgg")`). Whoever adds such a list should read the table instead.
"""
import ast
import json
import os
import re
from pathlib import Path

import pytest

from d2l_extras.sections import NOTEBOOKS, SECTIONS

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "d2l_extras"
THE_TABLE = PACKAGE / "sections.py"
SKIPPED_DIRS = {"build", "vendor", "node_modules", "__pycache__"}
OLD_FORMS = [
    (re.compile(r"\b0\[0-\d\]"), "a glob of numbered notebooks such as 0[0-8]"),
    (re.compile(r"\[0-9\](?:\[0-9\])?_?\*(?:\.ipynb)?"), "a glob of numbered notebooks such as [0-9][0-9]_*.ipynb"),
    (re.compile(r"\bTRAINED\b"), "the old TRAINED table of models.py"),
    (re.compile(r"\bNETS\s*=\s*\{"), "the old NETS table of bench.py"),
]
NAMES = set(SECTIONS) | {nb.stem for nb in NOTEBOOKS} | {f"{nb.stem}.ipynb" for nb in NOTEBOOKS}
MAX_NAMES = 2


def repository_files():
    """Python files, Makefiles, shell scripts and notebooks, outside hidden and generated folders."""
    found = [ROOT / ".ci" / "run"] if (ROOT / ".ci" / "run").is_file() else []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if not (d.startswith(".") or d in SKIPPED_DIRS or d.endswith(".egg-info")))
        found += [Path(folder) / f for f in sorted(files)
                  if f.endswith((".py", ".sh", ".ipynb")) or f == "Makefile"]
    return [p for p in found if p not in (THE_TABLE, Path(__file__).resolve())]


def code_of(path):
    """(place, text, is Python) of each piece of code in `path`: a notebook's code cells one by one."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return [(f"cell {i}", "".join(c["source"]) if isinstance(c["source"], list) else c["source"], True)
                for i, c in enumerate(cells) if c["cell_type"] == "code"]
    return [("", path.read_text(encoding="utf-8"), path.suffix == ".py")]


def written_out_lists(source):
    """Line and names of each literal list/tuple/set/dict naming more than MAX_NAMES sections or
    notebooks; None for source that does not parse (the caller then reads it line by line)."""
    source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    # `A, V, N = ("01_alexnet", "02_vgg", "03_nin")`: a short name for each, not a list
    aliases = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Assign)
               and isinstance(node.targets[0], (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List))
               and len(node.targets[0].elts) == len(node.value.elts)}
    found = []
    for node in ast.walk(tree):
        if id(node) in aliases:
            continue
        items = node.keys if isinstance(node, ast.Dict) else node.elts if isinstance(
            node, (ast.List, ast.Tuple, ast.Set)) else []
        names = {i.value for i in items if isinstance(i, ast.Constant) and i.value in NAMES}
        if len(names) > MAX_NAMES:
            found.append((node.lineno, sorted(names)))
    return found


def test_the_sections_table_is_the_only_list_of_notebooks_and_sections():
    files = repository_files()
    assert ROOT / "slides" / "build.py" in files and ROOT / "Makefile" in files
    assert any(p.suffix == ".ipynb" for p in files)
    problems = []
    for path in files:
        rel = path.relative_to(ROOT)
        for place, text, is_python in code_of(path):
            where = f"{rel} {place}".strip()
            for pattern, what in OLD_FORMS:
                for m in pattern.finditer(text):
                    line = text.count("\n", 0, m.start()) + 1
                    problems.append(f"{where} line {line}: {what} ({m.group(0)!r})")
            lists = written_out_lists(text) if is_python else None
            if lists is not None:
                for line, names in lists:
                    problems.append(f"{where} line {line}: a written-out list of {names}")
            else:
                for line_no, line in enumerate(text.splitlines(), 1):
                    names = set(re.findall(r"[\w.]+", line)) & NAMES
                    if len(names) > MAX_NAMES:
                        problems.append(f"{where} line {line_no}: a written-out list of {sorted(names)}")
    assert not problems, ("lists of notebooks or sections outside d2l_extras/sections.py; read "
                          "SECTIONS, NOTEBOOKS or notebook_paths() instead:\n  " + "\n  ".join(problems))


def test_the_check_finds_the_old_forms():
    """The test above would see each old form (it reads the table's names, not a copy)."""
    samples = ['NOTEBOOK_GLOB = "0[0-8]_*.ipynb"', 'glob("[0-9][0-9]_*.ipynb")', 'glob("[0-9]*.ipynb")',
               "from .models import TRAINED", 'NETS = {"a": "b"}']
    for sample in samples:
        assert any(p.search(sample) for p, _ in OLD_FORMS), sample
    keys = list(SECTIONS)
    assert written_out_lists(f"SECTIONS = {keys[:3]!r}")
    assert written_out_lists(f"x = {{{keys[0]!r}: 1, {keys[1]!r}: 2, {keys[2]!r}: 3}}")
    assert written_out_lists(repr(tuple(f"{nb.stem}.ipynb" for nb in NOTEBOOKS[:3])))
    assert not written_out_lists(f"pick = {keys[:2]!r}")
    assert not written_out_lists("for key in SECTIONS: pass")
    assert not written_out_lists(f"A, B, C = {keys[:3]!r}")
    assert written_out_lists("def broken(:") is None


# ----------------------------------------------------------------- imports of the package
def package_modules():
    """Dotted name -> path of every module of d2l_extras."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports_of(name, path, modules, top_level_only):
    """The package modules that module `name` imports (all of them, or those run at import time)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    if top_level_only:  # also what runs at import time inside if/try blocks
        nodes = [n for stmt in tree.body for n in ast.walk(stmt)
                 if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        for cls in (s for s in tree.body if isinstance(s, ast.ClassDef)):
            nodes += [n for stmt in cls.body if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                      for n in ast.walk(stmt)]
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import d2l_extras.models.vgg as v` and the like
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(top_level_only):
    modules = package_modules()
    return {name: imports_of(name, path, modules, top_level_only) for name, path in modules.items()}


def find_cycle(graph):
    """One import cycle as a list of modules, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def reachable(graph, start):
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize("top_level_only", [True, False], ids=["at-import", "anywhere"])
def test_the_package_imports_have_no_cycle(top_level_only):
    """No cycle among the imports run at import time, nor among all imports (those inside
    functions included), except through the package itself (`d2l_extras`, which imports
    every module to re-export it)."""
    graph = import_graph(top_level_only)
    assert "d2l_extras.training" in graph and "d2l_extras.sections" in graph["d2l_extras.models"]
    graph = {name: deps - {"d2l_extras"} for name, deps in graph.items() if name != "d2l_extras"}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_training_does_not_import_profiles():
    """Training follows a Recipe; profiles choose one. The arrow points from profiles to training."""
    graph = import_graph(top_level_only=False)
    behind = reachable(graph, "d2l_extras.training")
    assert "d2l_extras.profiles" not in behind, sorted(behind)
    assert "d2l_extras" not in behind, "training imports the whole package (and with it the profiles)"


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
