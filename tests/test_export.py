"""The models in d2l_extras/models/ are exactly the notebooks' `export` cells."""
import pytest

from d2l_extras import export
from d2l_extras.models import TRAINED, get_model


def test_generated_models_are_up_to_date():
    stale = [str(p.name) for p, src in export.targets().items()
             if not p.exists() or p.read_text(encoding="utf-8") != src]
    assert not stale, f"run `make export`: out of date with their notebooks: {stale}"


@pytest.mark.parametrize("section", sorted(TRAINED))
def test_every_trained_network_can_be_built(section):
    module = TRAINED[section][0]
    if not (export.MODELS / f"{module}.py").exists():
        pytest.fail(f"d2l_extras/models/{module}.py is missing: its notebook has no `export` cells yet")
    assert get_model(section) is not None


def test_unknown_section():
    with pytest.raises(ValueError, match="sections: alexnet"):
        get_model("lenet")
