"""d2l_extras_boot, the start-up: the NumPy names restored for mxnet 1.9.1, the import hook, threads."""
import builtins
import math
import subprocess
import sys
import types

import numpy as np
import pytest

import d2l_extras_boot as boot

NUMPY_2_REMOVED = {"PZERO", "NZERO", "PINF", "NINF", "NAN", "NaN", "Inf", "alltrue", "sometrue",
                   "round_", "product", "msort", "compat"}
NUMPY_124_REMOVED = {"int", "float", "complex", "object", "str"}  # np.bool came back in NumPy 2


def numpy_version():
    return tuple(int(p) for p in np.__version__.split(".")[:2])


def check_replacement(ns, name):
    """``ns.<name>`` behaves as NumPy documents its replacement (checked against real NumPy)."""
    value = getattr(ns, name)
    a = np.array([[True, False], [True, True]])
    x = np.array([[3.0, -1.25], [0.5, 2.5], [-7.0, 1.0]])
    if name in ("bool", "int", "float", "complex", "object", "str"):
        assert value is getattr(builtins, name)
    elif name == "PZERO":
        assert value == 0.0 and math.copysign(1.0, value) == 1.0
    elif name == "NZERO":
        assert value == 0.0 and math.copysign(1.0, value) == -1.0
    elif name in ("PINF", "Inf"):
        assert value == np.inf
    elif name == "NINF":
        assert value == -np.inf
    elif name in ("NAN", "NaN"):
        assert math.isnan(value)
    elif name in ("alltrue", "sometrue"):
        ref = np.all if name == "alltrue" else np.any
        assert value(a) == ref(a)
        assert np.array_equal(value(a, axis=0), ref(a, axis=0))
        assert np.array_equal(value(a, axis=1), ref(a, axis=1))
    elif name == "round_":
        y = np.array([1.234, -2.345, 0.5, 1.5, 2.5])
        assert np.array_equal(value(y, 2), np.round(y, 2))
        assert np.array_equal(value(y), np.round(y))  # halves to even, as np.round
    elif name == "product":
        assert value(x) == np.prod(x)
        assert np.array_equal(value(x, axis=0), np.prod(x, axis=0))
    elif name == "msort":
        assert np.array_equal(value(x), np.sort(x, axis=0))
    elif name == "compat":
        assert value.basestring is str
    elif name in boot.FINANCIAL:
        with pytest.raises(RuntimeError, match=f"numpy_financial.*{name}|{name}.*numpy_financial"):
            value(0.05, [-100.0, 60.0, 60.0])
    else:
        raise AssertionError(f"no check for {name}")


def fake_numpy():
    """A NumPy without any of the removed names: the layer must supply every one."""
    fake = types.ModuleType("fake_numpy")
    for name in ("all", "any", "round", "prod", "sort", "inf", "nan"):
        setattr(fake, name, getattr(np, name))
    return fake


@pytest.mark.parametrize("name", sorted(boot.NUMPY_REPLACEMENTS))
def test_each_supplied_name_is_numpys_documented_replacement(name):
    fake = fake_numpy()
    assert name in boot.restore_numpy_names(fake)
    assert name in boot.supplied_numpy_names(fake)
    check_replacement(fake, name)


@pytest.mark.parametrize("name", sorted(boot.NUMPY_REPLACEMENTS))
def test_the_real_numpy_has_each_name_as_documented(name):
    """After start-up (the venv's hook, or conftest), the name mxnet reads is there and right."""
    import mxnet  # noqa: F401  (the start-up hook restores the names just before it)

    supplied = boot.supplied_numpy_names()
    if name in supplied:
        check_replacement(np, name)
    elif numpy_version() < (1, 24):
        check_replacement(np, name)  # NumPy's own (deprecated) name behaves as its replacement
    else:
        pytest.skip(f"NumPy {np.__version__} has its own np.{name}")


def test_nothing_is_changed_where_numpy_has_the_names():
    fake = fake_numpy()
    for name in boot.NUMPY_REPLACEMENTS:
        setattr(fake, name, object())
    before = dict(vars(fake))
    assert boot.restore_numpy_names(fake) == ()
    assert dict(vars(fake)) == before
    assert boot.supplied_numpy_names(fake) == {}


def test_supplied_names_follow_the_numpy_version():
    import mxnet  # noqa: F401  (the start-up hook runs before it)

    supplied = set(boot.supplied_numpy_names())
    if numpy_version() < (1, 24):
        assert supplied == set(), "nothing may change on NumPy 1.23.5"
    elif numpy_version() < (2, 0):
        assert NUMPY_124_REMOVED | {"bool"} <= supplied
    else:
        assert NUMPY_124_REMOVED | NUMPY_2_REMOVED | set(boot.FINANCIAL) == supplied


@pytest.mark.slow  # a new Python that imports mxnet
def test_a_fresh_python_of_this_environment_imports_mxnet_with_the_names():
    """The hook of set-up (or ``import d2l_extras``) runs before ``import mxnet``."""
    code = ("import d2l_extras, mxnet, numpy, d2l_extras_boot as b; "
            "print(mxnet.__version__, numpy.__version__, sorted(b.supplied_numpy_names()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("1.9.1 " + np.__version__)


@pytest.mark.slow  # a new Python that imports mxnet
def test_the_hook_waits_for_mxnet_and_removes_itself():
    code = ("import sys, d2l_extras_boot as b; b.start(); "
            "hooks = [f for f in sys.meta_path if type(f).__name__ == '_BeforeMXNet']; "
            "print(len(hooks), 'numpy' in sys.modules); import mxnet; "
            "print(sum(type(f).__name__ == '_BeforeMXNet' for f in sys.meta_path))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "False", "0"]


def test_numpy_2_scalars_print_as_mxnet_needs_them():
    """mxnet passes operator parameters as str(); NumPy 2's 'np.int64(32)' would be rejected."""
    import mxnet  # noqa: F401  (the start-up hook runs before it)

    assert str([np.int64(0), np.int64(32)]) == "[0, 32]"
    if numpy_version() < (2, 0):
        assert np.get_printoptions()["legacy"] is False, "nothing may change on NumPy 1"


def test_scalar_printing_is_switched_only_on_numpy_2():
    calls = []
    for version, switched in (("1.23.5", False), ("2.2.6", True)):
        fake = types.ModuleType("fake_numpy")
        fake.__version__ = version
        fake.get_printoptions = lambda: {"legacy": False}
        fake.set_printoptions = lambda **kw: calls.append(kw)
        assert boot.restore_scalar_repr(fake) is switched
    assert calls == [{"legacy": "1.25"}]
