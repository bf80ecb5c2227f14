"""How a network is trained, apart from how long and how fast: the ``Recipe`` that ``fit`` takes.

Plain data, no MXNet: the sections table (``sections``) and the profiles build recipes,
``training.fit`` follows them, and neither has to import the other.
"""
from dataclasses import dataclass, field
from typing import Optional

__all__ = ["LR_SCHEDULES", "INITIALIZERS", "Recipe", "check_choice"]

LR_SCHEDULES = (None, "cosine", "warmup-cosine")  # None: a constant learning rate, as in the book
INITIALIZERS = (None, "xavier", "he")  # None: Xavier, as in the book
# Fields added later, described only when not at their default, so that the identities of
# trainings that do not use them stay as they were.
_NAMED_WHEN_CHANGED = ("revive_dead_classes", "kvstore", "cpu_speedups")


def check_choice(what, value, choices):
    """Raise ValueError naming the choices when ``value`` is not one of them."""
    if value not in choices:
        raise ValueError(f"{what} must be one of {choices}, got {value!r}")


@dataclass(frozen=True)
class Recipe:
    """The training choices of a run; the defaults are the book's ``train_ch6``.

    optimizer, optimizer_params : passed to ``gluon.Trainer`` (``learning_rate`` comes from lr)
    lr_schedule : None (constant), 'cosine' or 'warmup-cosine' (see ``training.lr_scheduler``)
    initializer : None or 'xavier' (the book's), 'he', an ``mxnet.init.Initializer``, or
        False to keep the network's current parameters
    loss : a ``gluon.loss.Loss``; None is softmax cross-entropy
    hybridize : hybridize the network's HybridBlocks for speed
    seed : seeds initialization, dropout and the shuffling of each epoch
    revive_dead_classes : every 100 updates, re-draw the last layer's weights of any class
        whose average output fell under a tenth of the average class's, or whose output was
        positive on at most a tenth of its own class's images (a ReLU class map that died,
        went dormant, or died on its own class, as NiN's can; see ``d2l_extras.dead_classes``)
    kvstore : how the gradients of several devices are summed: 'device' (on this machine),
        'local', or across machines 'dist_sync' / 'dist_async' or a KVStore made by
        ``mx.kv.create`` (see ``training.Parallel`` and ``course_tools.launch``)
    cpu_speedups : while ``fit`` trains, use the CPU speed-ups of ``d2l_extras.speedups``
        (the same function, floating-point sums in another order)
    """

    optimizer: str = "sgd"
    optimizer_params: Optional[dict] = field(default=None, hash=False)
    lr_schedule: Optional[str] = None
    initializer: object = None
    loss: object = None
    hybridize: bool = True
    seed: int = 0
    revive_dead_classes: bool = False
    kvstore: object = field(default="device", compare=False)
    cpu_speedups: bool = True

    def __post_init__(self):
        check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        if isinstance(self.initializer, str) or self.initializer is None:
            check_choice("initializer", self.initializer, INITIALIZERS)

    def describe(self):
        """A JSON-able description (names the objects it holds by class and repr)."""
        out = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name in _NAMED_WHEN_CHANGED and value == self.__dataclass_fields__[name].default:
                continue
            ok = value is None or isinstance(value, (str, int, float, bool, dict))
            out[name] = value if ok else f"{type(value).__name__}: {value!r}"
        return out
