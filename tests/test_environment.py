"""pyproject.toml and environment.yml must list the same packages."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from PyPI names.
CONDA_NAME = {"pyyaml": "pyyaml"}


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower()


def _pyproject():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_name(s) for s in data["dependencies"]}
    dev = {_name(s) for s in data["optional-dependencies"]["dev"]}
    return runtime, dev


def test_environment_yml_lists_the_same_packages_as_pyproject():
    runtime, dev = _pyproject()
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(s) for s in env["dependencies"] if isinstance(s, str)} - {
        "python",
        "pip",
    }
    expected = {CONDA_NAME.get(n, n) for n in runtime | dev}
    assert conda == expected, (
        f"only in environment.yml: {sorted(conda - expected)}; "
        f"only in pyproject.toml: {sorted(expected - conda)}"
    )


def test_environment_yml_pins_match_pyproject():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = data["dependencies"] + data["optional-dependencies"]["dev"]
    pins = {_name(s): s.replace(" ", "")[len(_name(s)) :] for s in specs}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    for spec in env["dependencies"]:
        if not isinstance(spec, str) or _name(spec) in {"python", "pip"}:
            continue
        assert spec.replace(" ", "")[len(_name(spec)) :] == pins[_name(spec)], spec


def test_python_requirement():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert data["requires-python"] == ">=3.11"
