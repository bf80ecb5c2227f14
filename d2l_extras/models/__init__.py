"""The course's networks, generated from the notebooks (see ``course_tools.export``).

``get_model(name)`` builds a network that a section's notebook trains: ``name`` is a
section key (its main network) or a result name of ``d2l_extras.sections.SECTIONS``
(e.g. ``'batch_norm_scratch'``).
"""
import importlib

from ..sections import SECTIONS

__all__ = ["MODEL_NAMES", "get_model"]

# result name -> section, in the order of the sections table
MODEL_NAMES = {name: key for key, sec in SECTIONS.items() for name in sec.models}


def get_model(name):
    """A new, uninitialized instance of the network ``name``."""
    if name not in MODEL_NAMES:
        raise ValueError(f"unknown network {name!r}; networks: {', '.join(MODEL_NAMES)}")
    sec = SECTIONS[MODEL_NAMES[name]]
    return sec.models[name](importlib.import_module(f"{__name__}.{sec.model_module}"))
