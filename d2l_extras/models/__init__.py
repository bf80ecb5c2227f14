"""The course's networks, generated from the notebooks (see ``d2l_extras.export``).

``get_model(section)`` builds the network that the section's notebook trains.
"""
import importlib

__all__ = ["TRAINED", "get_model"]

# section -> (module generated from the notebook, how the notebook builds the trained net)
TRAINED = {
    "alexnet": ("alexnet", lambda m: m.alexnet()),
    "vgg": ("vgg", lambda m: m.vgg(m.small_conv_arch)),
    "nin": ("nin", lambda m: m.nin()),
    "googlenet": ("googlenet", lambda m: m.googlenet()),
    "batch_norm": ("batch_norm", lambda m: m.lenet_bn_concise()),
    "resnet": ("resnet", lambda m: m.resnet18(10)),
    "densenet": ("densenet", lambda m: m.densenet()),
}


def get_model(section):
    """A new, uninitialized instance of the network trained in ``section``'s notebook."""
    if section not in TRAINED:
        raise ValueError(f"unknown section {section!r}; sections: {', '.join(sorted(TRAINED))}")
    module, build = TRAINED[section]
    return build(importlib.import_module(f"{__name__}.{module}"))
