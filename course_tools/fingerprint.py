"""What a notebook's outputs depend on, hashed: the freshness of executed notebooks.

A run's fingerprint covers what computes the outputs and nothing else:

- the notebook's code cells (prose does not change what a run computes);
- the profile and the settings of the notebook's sections;
- the code its kernel executes from the course: the modules its code cells import, and the
  modules those import, each as its syntax tree without docstrings (comments are not in the
  tree). A docstring, comment, README or docs edit, or an edit of a module no notebook
  imports (the launcher, the runner), leaves every notebook fresh; a change to code that a
  notebook runs makes it stale.
"""
import ast
import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from d2l_extras.results import REPO_ROOT
from d2l_extras.sections import SECTIONS, notebook

__all__ = ["code_hash", "computing_modules", "package_hash", "run_fingerprint", "stale_reasons"]

PACKAGE = "d2l_extras"
# The start-up modules beside the package (d2l_extras_boot): course code that kernels run too.
TOP_LEVEL_PREFIX = "d2l_extras_"


def _code_cells(path):
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def code_hash(path):
    """SHA-256 of a notebook's code cells, in order."""
    return hashlib.sha256(json.dumps(_code_cells(path)).encode()).hexdigest()


def _python_lines(source):
    """A cell's source with IPython's magics and shell escapes blanked, so that it parses."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _module_file(name, root):
    """The file of course module ``name`` (dotted) under ``root``, or None if it is not one."""
    parts = name.split(".")
    if parts[0] != PACKAGE and not parts[0].startswith(TOP_LEVEL_PREFIX):
        return None
    base = Path(root).joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(tree, module_name=None, is_package=False):
    """Dotted names of every module an AST imports, anywhere in it (inside functions too:
    they run when called). Relative imports are resolved against ``module_name``."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module_name if is_package else module_name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{node.module}" if node.module else package
            else:
                base = node.module
            names.add(base)
            # `from package import module` imports a module, not only a name
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _imports_dynamically(tree):
    """Whether a module imports by name at run time (importlib.import_module, __import__)."""
    return any(isinstance(node, ast.Call) and (
        isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"
        or isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__"))
        for node in ast.walk(tree))


def _package_modules(name, file):
    """Every module in the folder of package or module ``name`` (at ``file``)."""
    package = name if file.name == "__init__.py" else name.rpartition(".")[0]
    return {f"{package}.{p.stem}" if p.name != "__init__.py" else package
            for p in file.parent.glob("*.py")}


def _with_parents(name):
    """``a.b.c`` -> a, a.b, a.b.c: importing a module runs its packages' __init__ first."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def computing_modules(path, root=REPO_ROOT):
    """{dotted name: file} of the course's modules that notebook ``path``'s kernel runs: those
    its code cells import and, transitively, those they import."""
    pending = set()
    for source in _code_cells(path):
        try:
            tree = ast.parse(_python_lines(source))
        except SyntaxError:  # a cell that does not parse imports nothing we can see; its text is hashed
            continue
        for name in _imported_names(tree):
            pending.update(_with_parents(name))
    found = {}
    while pending:
        name = pending.pop()
        if name in found:
            continue
        file = _module_file(name, root)
        if file is None:
            continue
        found[name] = file
        tree = ast.parse(file.read_text(encoding="utf-8"))
        imported = _imported_names(tree, name, is_package=file.name == "__init__.py")
        if _imports_dynamically(tree):  # which module it loads is data: count them all
            imported |= _package_modules(name, file)
        for module in imported:
            pending.update(n for n in _with_parents(module) if n not in found)
    return dict(sorted(found.items()))


def _without_docstrings(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def _canonical(node):
    """A syntax tree as text that is the same on every Python the course supports.

    ``ast.dump`` is not: its format and the nodes' fields change between versions (3.12 added
    ``type_params`` to every function and class). Empty fields are left out, so a field that a
    newer Python adds, empty, does not change the text."""
    if isinstance(node, ast.AST):
        fields = []
        for name in node._fields:
            value = getattr(node, name, None)
            if value is None or value == []:
                continue
            fields.append(f"{name}={_canonical(value)}")
        return f"{type(node).__name__}({','.join(fields)})"
    if isinstance(node, list):
        return f"[{','.join(_canonical(item) for item in node)}]"
    return repr(node)


def code_digest(file):
    """SHA-256 of what a Python file computes: its syntax tree without docstrings, line numbers
    and comments."""
    tree = _without_docstrings(ast.parse(Path(file).read_text(encoding="utf-8")))
    return hashlib.sha256(_canonical(tree).encode()).hexdigest()


def package_hash(path, root=REPO_ROOT):
    """SHA-256 of the course code that notebook ``path`` runs (see :func:`computing_modules`)."""
    digest = hashlib.sha256()
    for name, file in computing_modules(path, root).items():
        digest.update(f"{name}\0{code_digest(file)}\0".encode())
    return digest.hexdigest()


def settings_of(path, profile):
    """The settings (as dicts) of the sections a notebook reads, under ``profile``."""
    try:
        keys = notebook(Path(path).stem).sections
    except ValueError:  # a notebook outside the course (a test's): no section settings
        keys = ()
    return {key: asdict(SECTIONS[key].settings(profile)) for key in keys}


def run_fingerprint(path, profile):
    """What a notebook's outputs depend on, each part hashed, plus ``digest``: its code cells,
    the profile, the settings of its sections, the course code it runs."""
    parts = {"profile": profile, "code": code_hash(path),
             "settings": hashlib.sha256(json.dumps(settings_of(path, profile), sort_keys=True).encode()).hexdigest(),
             "package": package_hash(path)}
    parts["digest"] = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return parts


STALE_BECAUSE = {
    "profile": "it was run with profile {was!r}, not {now!r}",
    "code": "the notebook's code cells changed since",
    "settings": "the settings of its sections (d2l_extras/sections.py) changed since",
    "package": "the course code it runs (d2l_extras/) changed since",
}


def stale_reasons(record, path, profile):
    """Why an executed notebook's record does not match ``path`` run in ``profile`` now:
    a list of human-readable reasons, empty when the outputs are fresh."""
    if not record:
        return ["it has no run record (d2l_run) at all"]
    now = run_fingerprint(path, profile)
    was = record.get("fingerprint") or {}
    if was.get("digest") == now["digest"]:
        return []
    return [text.format(was=record.get("profile"), now=profile) for key, text in STALE_BECAUSE.items()
            if was.get(key) != now[key]] or ["its fingerprint differs"]
