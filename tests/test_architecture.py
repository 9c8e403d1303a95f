"""The package's layout: layers, the import contract, names and module sizes.

These tests keep the house readable as it grows: each step of the analyst's
workflow is one subpackage, lower layers never import higher ones, no public
name shadows a module, modules stay small, and everything public is documented.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import hotspots

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hotspots"
MAX_MODULE_LINES = 400

#: The public API of release 0.1 (``hotspots.__all__`` and the subpackages'
#: ``__all__``). Every name must keep importing from the same place, except that
#: the evaluation subpackage is now ``hotspots.evaluation`` (``hotspots.evaluate``
#: is, as before, the function).
API_0_1 = {
    "hotspots": (
        "CLASSIFY_CATEGORIES DEFINITIONS EMERGING_PATTERNS POLICEUK_CAVEATS Accuracy "
        "CRSError Concentration CostBenefit Effect Evaluation HarmTable HotspotsError "
        "HotspotsWarning IngestResult InputFileError InterruptedTimeSeries MannKendall "
        "Matched Quarantine SchemaError __version__ accuracy auto_bandwidth "
        "auto_cell_size backtest backtest_summary break_even_reduction "
        "candidate_places choose_comparisons classify_hotspots concentration "
        "cost_benefit count_points crimes_prevented did dual_kde emerging evaluate "
        "find_hotspots gistar harm_weights hit_rate home_office_unit_costs its kde "
        "load_harm_table make_grid mann_kendall maryland_sms pai panel pei "
        "plot_backtest plot_its randomisation_test read_boundary read_force_extract "
        "read_policeuk relative_effect_size rings rri select_crimes select_places "
        "set_log_level simulate_studies space_time_cube summarise_studies "
        "unit_cost_table wdq"
    ),
    "hotspots.io": (
        "REASONS IngestResult Quarantine read_boundary read_force_extract read_policeuk"
    ),
    "hotspots.evaluation": (
        "POLICEUK_CAVEATS SMS_FLAGS UNIT_COST_COLUMNS CostBenefit Effect Evaluation "
        "InterruptedTimeSeries Matched break_even_reduction candidate_places "
        "choose_comparisons cost_benefit crimes_prevented did evaluate "
        "home_office_unit_costs its maryland_sms panel plot_its randomisation_test "
        "relative_effect_size rings simulate_panel simulate_studies summarise_studies "
        "unit_cost_table wdq"
    ),
    "hotspots.maps": (
        "DEFAULT_TILES GI_COLOURS base_map cells_map change_map crimes_map gistar_map "
        "places_map rings_map save to_html"
    ),
    "hotspots.pack": (
        "PRACTICE_BANK_LABELS Pack PackRecipe Rebuild build_pack practice_bank_label "
        "read_manifest rebuild_pack sha256_file"
    ),
    "hotspots.synthetic": (
        "SyntheticArchive load_truth make_archive patrol_counterfactual patrol_places"
    ),
}

#: Modules that every layer may use and that import no layer, and the aliases of
#: 0.1 module paths (imported by the package's __init__ only).
BASE_MODULES = {
    "exceptions",
    "_validate",
    "_log",
    "_atomic",
    "_version",
    "_compat",
    "_safe",
    "_lazy",
}


def _contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["contracts"]


def _layer_names() -> list[str]:
    (layers,) = [c for c in _contracts() if c["type"] == "layers"]
    names = []
    for entry in layers["layers"]:
        names += [part.strip() for part in entry.split("|")]
    return names


def _all_modules() -> list[str]:
    names = ["hotspots"]
    for info in pkgutil.walk_packages(hotspots.__path__, prefix="hotspots."):
        if info.name.endswith("__main__"):
            continue  # running it would start the CLI
        names.append(info.name)
    return names


@pytest.mark.parametrize("package", sorted(API_0_1))
def test_every_name_of_release_0_1_still_imports(package):
    module = importlib.import_module(package)
    missing = [n for n in API_0_1[package].split() if not hasattr(module, n)]
    assert not missing, f"{package} lost {missing}"
    for name in API_0_1[package].split():
        assert name in module.__all__ or name == "__version__", (package, name)


def test_evaluate_is_the_function_and_evaluation_the_subpackage():
    import hotspots.evaluation as evaluation

    assert inspect.isfunction(hotspots.evaluate)
    assert inspect.ismodule(evaluation)
    assert evaluation.evaluate is hotspots.evaluate


def test_no_public_name_shadows_a_module():
    """``import hotspots.x as m`` must give a module, never a function of that name."""
    clashes = []
    public_modules = set()
    for name in _all_modules():
        module = importlib.import_module(name)
        if hasattr(module, "__path__"):
            subs = {info.name for info in pkgutil.iter_modules(module.__path__)}
            for attr in getattr(module, "__all__", ()):
                if attr in subs:
                    clashes.append(f"{name}.{attr}")
        leaf = name.rsplit(".", 1)[-1]
        if not leaf.startswith("_"):
            public_modules.add(leaf)
    exported = set()
    for name in _all_modules():
        module = importlib.import_module(name)
        exported |= {
            attr
            for attr in getattr(module, "__all__", ())
            if callable(getattr(module, attr, None))
        }
    clashes += sorted(public_modules & exported)
    assert not clashes, f"public names that are also module names: {clashes}"


@pytest.mark.parametrize(
    "name", [m for m in _all_modules() if not m.rsplit(".", 1)[-1].startswith("_")]
)
def test_import_as_gives_the_module(name):
    module = importlib.import_module(name)
    parent, _, leaf = name.rpartition(".")
    if parent:
        assert inspect.ismodule(getattr(importlib.import_module(parent), leaf))
    assert inspect.ismodule(module)


def test_implementation_modules_are_private():
    """Only packages, the CLI entry and a few documented modules are public."""
    allowed = {
        "hotspots.exceptions",
        "hotspots.demo",
        "hotspots.maps.assets",  # `python -m hotspots.maps.assets fetch`
        "hotspots.data",  # bundled data files
    }
    public = []
    for name in _all_modules():
        module = importlib.import_module(name)
        leaf = name.rsplit(".", 1)[-1]
        is_package = hasattr(module, "__path__")
        if not leaf.startswith("_") and not is_package and name not in allowed:
            public.append(name)
    assert not public, f"make these private (leading underscore): {public}"


def test_every_subpackage_and_module_sits_in_a_layer_or_the_base():
    layers = set(_layer_names())
    loose = []
    for info in pkgutil.iter_modules(hotspots.__path__):
        name = f"hotspots.{info.name}"
        if name not in layers and info.name not in BASE_MODULES | {"data", "__main__"}:
            loose.append(name)
    assert not loose, (
        f"{loose} belong to no layer: put them in a layer's subpackage or add them "
        "to the contract in pyproject.toml ([tool.importlinter])"
    )


def test_layers_are_in_the_analysts_order():
    assert _layer_names() == [
        "hotspots.cli",
        "hotspots.pack",
        "hotspots.maps",
        "hotspots.evidence",
        "hotspots.forces",
        "hotspots.national",
        "hotspots.evaluation",
        "hotspots.tracking",
        "hotspots.target",
        "hotspots.design",
        "hotspots.find",
        "hotspots.quality",
        "hotspots.synthetic",
        "hotspots.demo",
        "hotspots.io",
    ]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail(
            "lint-imports (import-linter) is not installed: pip install -e .[dev]"
        )
    return subprocess.run(
        [exe, "--no-cache"], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_import_contract_is_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_import_contract_catches_a_lower_layer_importing_a_higher_one(tmp_path):
    """The contract can fail: a copy of the package where find imports maps."""
    copy = tmp_path / "hotspots"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (copy / "find" / "_bad.py").write_text("import hotspots.maps\n")
    env_path = f"{tmp_path}"
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe is not None
    result = subprocess.run(
        [exe, "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": env_path, "PATH": str(Path(sys.executable).parent)},
    )
    assert result.returncode != 0
    assert "hotspots.find._bad -> hotspots.maps" in result.stdout


def test_modules_stay_under_400_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these by concept (STYLE 2.1): {long}"


def _documented_names() -> set[str]:
    names = set()
    for page in (ROOT / "docs" / "api").glob("*.md"):
        text = page.read_text(encoding="utf-8")
        module = None
        for line in text.splitlines():
            if m := re.match(r"\.\. currentmodule:: (\S+)", line):
                module = m.group(1)
            elif module and (m := re.match(r"   ([A-Za-z_][\w.]*)$", line)):
                names.add(f"{module}.{m.group(1)}")
    return names


@pytest.mark.parametrize(
    "package",
    [
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
        "hotspots.pack",
        "hotspots.synthetic",
        "hotspots.demo",
    ],
)
def test_every_public_name_has_a_page_in_the_api_reference(package):
    documented = _documented_names()
    module = importlib.import_module(package)
    missing = [
        name
        for name in module.__all__
        if name != "__version__"
        and f"{package}.{name}" not in documented
        and f"hotspots.{name}" not in documented
    ]
    assert not missing, f"add to docs/api/: {package} {missing}"


def test_no_reference_to_an_outside_methods_file():
    """Methods are cited by the project's own pages, not a file users do not have."""
    outside = re.compile(r"METHODS(\.md| §| section| \d| oracle)")
    hits = []
    for path in [
        *PACKAGE.rglob("*.py"),
        *(ROOT / "notebooks").glob("*.ipynb"),
        *(ROOT / "docs").rglob("*.md"),
        ROOT / "README.md",
    ]:
        if outside.search(path.read_text(encoding="utf-8")):
            hits.append(str(path.relative_to(ROOT)))
    assert not hits, f"cite docs/methods/ pages instead in {hits}"


def test_every_methods_page_names_tests_that_exist():
    """Each page's "Checked by" section names real tests (file::function)."""
    cited = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
    problems = []
    for page in sorted((ROOT / "docs" / "methods").glob("*.md")):
        if page.name == "index.md":
            continue
        text = page.read_text(encoding="utf-8")
        if "## Checked by" not in text:
            problems.append(f"{page.name}: no 'Checked by' section")
        found = cited.findall(text)
        if not found:
            problems.append(f"{page.name}: names no test")
        for file, name in found:
            source = ROOT / file
            if not source.is_file() or f"def {name}(" not in source.read_text(
                encoding="utf-8"
            ):
                problems.append(f"{page.name}: {file}::{name} does not exist")
    assert not problems, problems


def test_methods_links_point_at_pages_that_exist():
    pattern = re.compile(r"docs/methods/([\w-]+)")
    missing = []
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "notebooks").glob("*.ipynb")]:
        for page in pattern.findall(path.read_text(encoding="utf-8")):
            if not (ROOT / "docs" / "methods" / f"{page}.md").is_file():
                missing.append((str(path.relative_to(ROOT)), page))
    assert not missing, missing


def test_cli_has_one_module_per_verb():
    from hotspots.cli import main

    modules = {info.name for info in pkgutil.iter_modules([str(PACKAGE / "cli")])}
    for name, command in main.commands.items():
        module = inspect.getmodule(command.callback)
        assert module is not None
        leaf = module.__name__.rsplit(".", 1)[-1]
        assert leaf in modules, (name, module.__name__)
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        assert len(defs) <= 3, f"{module.__name__}: one verb per module"


def _old_paths() -> list[str]:
    from hotspots._compat import OLD_MODULES

    return sorted(OLD_MODULES)


@pytest.mark.parametrize("old", _old_paths())
def test_module_paths_of_release_0_1_still_import_with_a_warning(old):
    module = importlib.import_module(old)
    names = dir(module)
    assert names, f"{old} forwards no names"
    for name in names:
        with pytest.warns(DeprecationWarning, match=old.replace(".", r"\.")):
            value = getattr(module, name)
        assert value is not None


def test_importing_an_old_path_leaves_the_function_of_the_same_name():
    for old in ("hotspots.gistar", "hotspots.kde", "hotspots.evaluate"):
        importlib.import_module(old)
    with pytest.warns(DeprecationWarning):
        from hotspots.evaluate import panel  # noqa: F401
    assert inspect.isfunction(hotspots.gistar)
    assert inspect.isfunction(hotspots.kde)
    assert inspect.isfunction(hotspots.evaluate)
