"""The models in d2l_extras/models/ are exactly the notebooks' `export` cells."""
import pytest

from course_tools import export
from d2l_extras.models import get_model
from d2l_extras.sections import SECTIONS


def test_generated_models_are_up_to_date():
    stale = [str(p.name) for p, src in export.targets().items()
             if not p.exists() or p.read_text(encoding="utf-8") != src]
    assert not stale, f"run `make export`: out of date with their notebooks: {stale}"


@pytest.mark.parametrize("key", list(SECTIONS))
def test_every_section_has_a_generated_module(key):
    module = SECTIONS[key].model_module
    assert (export.MODELS / f"{module}.py").exists(), (
        f"d2l_extras/models/{module}.py is missing: notebooks/{SECTIONS[key].notebook}.ipynb has no "
        "`export` cells yet")


def test_unknown_network():
    with pytest.raises(ValueError, match="networks: alexnet"):
        get_model("lenet")
