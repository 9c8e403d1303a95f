"""Start-up: ``import hotspots`` and ``hotspots --help`` load no heavy library.

Every command-line call pays for importing the package, so the packages' names
are imported when first used (``hotspots._lazy``) and the verbs import their
libraries when they run. These tests check which modules are loaded, in a fresh
process; the times are measured by ``benchmarks/bench_startup.py``, not here.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import click
import pytest

import hotspots
from hotspots.cli import main

#: Libraries that take a noticeable time to import: loaded only by the code using them.
HEAVY = (
    "geopandas",
    "scipy.stats",
    "statsmodels",
    "sklearn",
    "folium",
    "matplotlib",
    "pyarrow",
    "esda",
    "libpysal",
)

#: The packages whose public names are imported when first used.
PACKAGES = (
    "hotspots",
    "hotspots.io",
    "hotspots.quality",
    "hotspots.find",
    "hotspots.target",
    "hotspots.design",
    "hotspots.tracking",
    "hotspots.evaluation",
    "hotspots.forces",
    "hotspots.national",
    "hotspots.evidence",
    "hotspots.maps",
    "hotspots.synthetic",
    "hotspots.pack",
    "hotspots.cli",
)

_REPORT = (
    "import atexit, json, sys\n"
    "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))\n"
)


def _modules_after(code: str) -> set[str]:
    """Run ``code`` in a fresh Python; the modules loaded when it exits."""
    proc = subprocess.run(
        [sys.executable, "-c", _REPORT + code],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return [name for name in HEAVY if name in modules]


def test_import_hotspots_loads_no_heavy_library():
    modules = _modules_after("import hotspots")
    assert not _heavy(modules)
    assert "hotspots.find" not in modules  # not even the layers


@pytest.mark.parametrize("verb", ["", *sorted(main.commands)])
def test_help_loads_no_heavy_library(verb):
    """``python -m hotspots [verb] --help`` builds the parsers only."""
    args = [verb, "--help"] if verb else ["--help"]
    modules = _modules_after(
        f"import runpy\nsys.argv = ['hotspots', *{args!r}]\n"
        "runpy.run_module('hotspots', run_name='__main__')\n"
    )
    assert "click" in modules  # the command ran
    assert not _heavy(modules), verb or "hotspots"


#: Subcommands of the command groups (``hotspots national top``...).
SUBCOMMANDS = sorted(
    (name, sub)
    for name, command in main.commands.items()
    if isinstance(command, click.Group)
    for sub in command.commands
)


def test_the_national_subcommands_are_listed():
    assert {("national", v) for v in ("counts", "top", "by-force")} <= set(SUBCOMMANDS)


@pytest.mark.parametrize(("group", "verb"), SUBCOMMANDS)
def test_subcommand_help_loads_no_heavy_library(group, verb):
    """``python -m hotspots national top --help`` builds the parsers only."""
    args = [group, verb, "--help"]
    modules = _modules_after(
        f"import runpy\nsys.argv = ['hotspots', *{args!r}]\n"
        "runpy.run_module('hotspots', run_name='__main__')\n"
    )
    assert "click" in modules
    assert not _heavy(modules), f"{group} {verb}"


def test_first_use_imports_what_the_name_needs():
    modules = _modules_after("import hotspots\nhotspots.select_places")
    assert "geopandas" in modules and "hotspots.target._select" in modules
    assert "folium" not in modules and "statsmodels" not in modules


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves(package):
    module = importlib.import_module(package)
    for name in module.__all__:
        getattr(module, name)  # imports the module holding it
    assert set(module.__all__) <= set(dir(module))


@pytest.mark.parametrize("package", PACKAGES[1:-1])
def test_top_level_names_are_the_layers_names(package):
    module = importlib.import_module(package)
    shared = set(module.__all__) & set(hotspots.__all__)
    for name in shared:
        assert getattr(hotspots, name) is getattr(module, name), (package, name)


def test_from_hotspots_import_every_name():
    namespace: dict = {}
    exec("from hotspots import *", namespace)
    assert set(hotspots.__all__) <= set(namespace)
    from hotspots import gistar, select_places

    assert gistar is hotspots.find.gistar
    assert select_places is hotspots.target.select_places


def test_dir_lists_the_public_names():
    assert set(hotspots.__all__) <= set(dir(hotspots))
    assert "__all__" in dir(hotspots)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'not_a_verb'"):
        _ = hotspots.not_a_verb
    with pytest.raises(ImportError):
        from hotspots.find import not_a_verb  # noqa: F401


def test_a_subpackage_is_an_attribute_after_a_bare_import():
    """``import hotspots`` then ``hotspots.quality.check_data``, as notebooks do."""
    code = (
        "import hotspots\n"
        "assert hotspots.quality.check_data is hotspots.quality._check.check_data\n"
        "assert hotspots.evidence.place_result.__name__ == 'place_result'\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
