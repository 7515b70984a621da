"""The registry every extension kind uses: found by import, lazy by name, in a stated order."""

from __future__ import annotations

import sys

import pytest

from pipeline.core.errors import UserError
from pipeline.core.registry import Registry


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package ``plugins_pkg`` with three modules registering into ``plugins_pkg.REG``."""
    root = tmp_path / "plugins_pkg"
    root.mkdir()
    (root / "__init__.py").write_text(
        "from pipeline.core.registry import Registry\nREG = Registry('rule', package='plugins_pkg')\n"
    )
    (root / "b_second.py").write_text("from plugins_pkg import REG\nREG.add('b', 2)\n")
    (root / "a_first.py").write_text("from plugins_pkg import REG\nREG.add('a', 1)\nREG.add('late', 9, order=200)\n")
    (root / "c_early.py").write_text(
        "from plugins_pkg import REG\n@REG.register('c', order=5)\ndef c():\n    return 3\n"
    )
    (root / "_private.py").write_text("raise RuntimeError('never imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    for name in [m for m in sys.modules if m.startswith("plugins_pkg")]:
        del sys.modules[name]


def test_modules_of_the_package_register_their_entries_in_a_stated_order(package):
    from plugins_pkg import REG

    assert REG.names() == ("c", "a", "b", "late")  # order 5, then modules by name, then order 200
    assert REG.get("b") == 2
    assert REG.get("c")() == 3
    assert "a" in REG and "z" not in REG


def test_an_unknown_name_is_one_line_naming_the_key_and_the_known_names(package):
    from plugins_pkg import REG

    with pytest.raises(UserError) as e:
        REG.get("bb", "params.yaml: quality.rules")
    assert str(e.value) == "params.yaml: quality.rules: unknown rule 'bb' (nearest: b); known: c, a, b, late"


def test_lazy_entries_import_their_module_only_when_asked_for(monkeypatch, tmp_path):
    (tmp_path / "heavy_mod.py").write_text("LOADED = True\nclass Engine:\n    name = 'heavy'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg: Registry[type] = Registry("engine", lazy={"heavy": "heavy_mod:Engine"})
    reg.add("local", object)
    assert reg.names() == ("local", "heavy")
    assert "heavy_mod" not in sys.modules
    assert reg.get("heavy").name == "heavy"
    assert "heavy_mod" in sys.modules
    del sys.modules["heavy_mod"]


def test_a_name_registered_twice_is_refused():
    reg: Registry[int] = Registry("detector")
    reg.add("phone", 1)
    with pytest.raises(ValueError, match="detector 'phone' is registered twice"):
        reg.add("phone", 2)


def test_with_module_each_subpackage_that_has_it_registers(tmp_path, monkeypatch):
    root = tmp_path / "stages_pkg"
    for sub, body in [
        ("b_stage", "REG.add('b', 2, order=1)"),
        ("a_stage", "REG.add('a', 1, order=2)"),
        ("c_none", None),
    ]:
        (root / sub).mkdir(parents=True)
        (root / sub / "__init__.py").write_text("")
        if body:
            (root / sub / "contract.py").write_text(f"from stages_pkg import REG\n{body}\n")
        else:
            (root / sub / "other.py").write_text("raise RuntimeError('never imported')\n")
    (root / "__init__.py").write_text(
        "from pipeline.core.registry import Registry\n"
        "REG = Registry('stage', package='stages_pkg', module='contract')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from stages_pkg import REG

    assert REG.names() == ("b", "a")
    for name in [m for m in sys.modules if m.startswith("stages_pkg")]:
        del sys.modules[name]
