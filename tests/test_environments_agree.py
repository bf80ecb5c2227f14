"""The reference environment (.venv: Python 3.8-3.11, NumPy 1.23.5) and the modern one
(.venv-3.13: Python 3.13, NumPy 2) train the same: one seeded ``fit`` of LeNet-BN gives the
same per-epoch history in both, within 1e-6."""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_VENV = ROOT / ".venv"
# The second environment: PYTHON=python3.13 VENV=.venv-3.13 make setup (D2L_MODERN_VENV overrides)
MODERN_VENV = Path(os.environ.get("D2L_MODERN_VENV", ROOT / ".venv-3.13"))
TOLERANCE = 1e-6

# LeNet-BN of notebook 05 (d2l_extras.models), quick profile's batch size, input and rate,
# 2 epochs on 2,048 training and 1,000 test images: about 20 s in each environment.
TRAIN = """
import json, os, sys
os.environ["D2L_PROFILE"] = "quick"
import d2l_extras as dx, d2l_extras_boot, numpy
from mxnet import npx
npx.set_np()
from d2l_extras.models import get_model
s = dx.get_settings("batch_norm")
dx.set_seed(0)
net = get_model("batch_norm")
train_iter, test_iter = dx.load_data_fashion_mnist(s.batch_size, resize=s.resize, subset=2048,
                                                   test_subset=1000, seed=0)
history = dx.fit(net, train_iter, test_iter, 2, s.lr, [npx.cpu()], callbacks=[])
keys = ("train_loss", "train_acc", "test_acc")
print(json.dumps({"python": sys.version.split()[0], "numpy": numpy.__version__,
                  "supplied": list(d2l_extras_boot.supplied_numpy_names()),
                  "history": [{k: r[k] for k in keys} for r in history.records]}))
"""


def train_in(venv):
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("D2L_CHECKPOINT", "PYTHON"))}
    env["OMP_NUM_THREADS"] = os.environ.get("OMP_NUM_THREADS", "2")  # the same in both
    out = subprocess.run([str(python), "-c", TRAIN], capture_output=True, text=True, cwd=ROOT,
                         env=env, timeout=300)
    assert out.returncode == 0, f"{python}: {out.stderr[-3000:]}"
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_reference_and_modern_environments_give_the_same_history():
    for venv, how in ((REFERENCE_VENV, "make setup"),
                      (MODERN_VENV, "PYTHON=python3.13 VENV=.venv-3.13 make setup")):
        if not (venv / "bin" / "python").exists():
            pytest.skip(f"{venv.name} is absent: build it with `{how}` to compare the two environments")
    reference, modern = train_in(REFERENCE_VENV), train_in(MODERN_VENV)
    assert reference["numpy"] != modern["numpy"], "both environments have the same NumPy: nothing compared"
    assert len(reference["history"]) == len(modern["history"]) == 2
    worst = max(abs(a[k] - b[k]) for a, b in zip(reference["history"], modern["history"]) for k in a)
    print(f"Python {reference['python']} + NumPy {reference['numpy']} vs Python {modern['python']} + "
          f"NumPy {modern['numpy']} ({len(modern['supplied'])} names supplied): "
          f"largest difference of the per-epoch history {worst:.3g}")
    assert worst <= TOLERANCE, (reference["history"], modern["history"])


FINGERPRINTS = """
import json
from course_tools.fingerprint import package_hash
from d2l_extras.results import REPO_ROOT
from d2l_extras.sections import notebook_paths
print(json.dumps({p.name: package_hash(p) for p in notebook_paths(REPO_ROOT / "notebooks")}))
"""


def test_both_environments_fingerprint_the_course_alike():
    """The committed outputs are fresh or stale on every Python alike: the fingerprint hashes
    syntax trees in a form that does not change between Python versions."""
    for venv, how in ((REFERENCE_VENV, "make setup"),
                      (MODERN_VENV, "PYTHON=python3.13 VENV=.venv-3.13 make setup")):
        if not (venv / "bin" / "python").exists():
            pytest.skip(f"{venv.name} is absent: build it with `{how}` to compare the two environments")
    found = {}
    for venv in (REFERENCE_VENV, MODERN_VENV):
        out = subprocess.run([str(venv / "bin" / "python"), "-c", FINGERPRINTS], capture_output=True,
                             text=True, cwd=ROOT, timeout=120)
        assert out.returncode == 0, f"{venv.name}: {out.stderr[-3000:]}"
        found[venv.name] = json.loads(out.stdout.strip().splitlines()[-1])
    reference, modern = found.values()
    assert len(reference) == 10
    differ = sorted(name for name in reference if reference[name] != modern.get(name))
    assert not differ, f"the course code's fingerprint differs between the two Pythons for {differ}"
