"""Build a College of Policing knowledge-sharing pack, atomically and reproducibly.

A pack is a folder (and a zip of it) holding ``index.html`` (one self-contained
page: summary, maps, charts as inline SVG, tables), ``data/`` (the numbers of
every figure and table), ``methods.md`` and ``manifest.json`` (inputs with
SHA-256, package versions, the recipe with its random seed, outputs with
SHA-256). Rebuilding from the manifest gives the same bytes.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hotspots._atomic import atomic_path
from hotspots.pack._manifest import (
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    dumps,
    file_record,
    package_versions,
    read_manifest,
)
from hotspots.pack._recipe import PackRecipe

__all__ = ["Pack", "Rebuild", "build_pack", "rebuild_pack"]

logger = logging.getLogger(__name__)

#: Fixed timestamp of every zip entry (the earliest a zip can hold), so the zip
#: of a rebuilt pack is identical.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: Significant digits of numbers written to the pack's CSV files.
_CSV_FLOAT = "%.10g"


@dataclass(frozen=True)
class Pack:
    """A built pack.

    Attributes
    ----------
    root : Path
        The pack folder.
    zip_path : Path or None
        The zip of the folder, if written.
    manifest : dict
        The manifest written to ``root / "manifest.json"``.
    glance : dict of str
        The page's first screen as plain text (what was done, effect,
        randomisation test, displacement, cost per crime prevented, study
        quality, suggested practice bank label).
    """

    root: Path
    zip_path: Path | None
    manifest: dict[str, Any]
    glance: dict[str, str]

    @property
    def index(self) -> Path:
        """The pack's page, ``index.html``."""
        return self.root / "index.html"

    def __str__(self) -> str:
        outputs = self.manifest["outputs"]
        size = sum(o["bytes"] for o in outputs)
        text = f"Pack at {self.root} ({len(outputs)} files, {size / 1e6:.1f} MB)"
        text += f"; zip {self.zip_path}" if self.zip_path else ""
        return "\n".join([text, *(f"  {k}: {v}" for k, v in self.glance.items())])


@dataclass(frozen=True)
class Rebuild:
    """Result of :func:`rebuild_pack`: which outputs came out identical.

    Attributes
    ----------
    pack : Pack
        The rebuilt pack.
    compared : DataFrame
        One row per output: ``path``, ``expected`` and ``actual`` SHA-256,
        ``identical`` (bool); outputs missing on either side have ``None``.
    packages_differ : dict
        Package -> (manifest version, installed version) where they differ.
    """

    pack: Pack
    compared: pd.DataFrame
    packages_differ: dict[str, tuple[str, str]]

    @property
    def identical(self) -> bool:
        """True when every output matches the manifest byte for byte."""
        return bool(self.compared["identical"].all())

    def __str__(self) -> str:
        same = int(self.compared["identical"].sum())
        text = f"Rebuilt {same} of {len(self.compared)} outputs identical"
        if not self.identical:
            bad = self.compared.loc[~self.compared["identical"], "path"].tolist()
            text += f"; different: {', '.join(bad)}"
        if self.packages_differ:
            text += "; package versions differ: " + ", ".join(
                f"{k} {a} -> {b}" for k, (a, b) in self.packages_differ.items()
            )
        return text


def _assets_ready() -> bool:
    """Whether every pinned offline-map asset is in the cache with its checksum."""
    from hotspots.maps.assets import verify

    return not verify()


def _resolve(path: str, base: Path | None) -> Path:
    """Return an input path as given, else relative to ``base``."""
    given = Path(path)
    if given.exists() or base is None or given.is_absolute():
        return given
    return base / given


def _inputs(recipe: PackRecipe, base: Path | None) -> dict[str, Path]:
    paths = {role: _resolve(str(p), base) for role, p in recipe.input_paths().items()}
    missing = [f"{role}: {p}" for role, p in paths.items() if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            "pack input(s) not found: " + "; ".join(missing) + ". Check the paths "
            "in the recipe (relative paths are read from the working folder)."
        )
    return paths


def _write_zip(folder: Path, target: Path) -> None:
    """Zip ``folder`` with sorted entries and fixed times and permissions."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        for path in files:
            name = f"{target.stem}/{path.relative_to(folder).as_posix()}"
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), compresslevel=6)


def _swap_in(built: Path, out: Path) -> None:
    """Replace ``out`` by ``built`` with two renames; the old pack is removed last."""
    if not out.exists():
        built.rename(out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    out.rename(old)
    try:
        built.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file; give a folder for the pack.")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST_NAME).is_file():
        raise FileExistsError(
            f"{out} exists and is not a pack (no {MANIFEST_NAME}); choose an empty "
            "or new folder so nothing of yours is overwritten."
        )


def build_pack(
    out: str | os.PathLike,
    recipe: PackRecipe | None = None,
    *,
    zip_archive: bool = True,
    interactive_map: bool = True,
    _base: Path | None = None,
    _after_write: Callable[[Path], None] | None = None,
    **fields: Any,
) -> Pack:
    """Run the analysis in a recipe and write the knowledge-sharing pack.

    Parameters
    ----------
    out : str or PathLike
        Pack folder. An existing pack there is replaced only once the new one
        is complete; a folder that is not a pack is never overwritten.
    recipe : PackRecipe, optional
        Inputs and parameters. Instead, pass the recipe's fields as keywords
        (``crimes=``, ``places=``, ``treatment_start=``, ``title=``, ``area=``
        and any of :class:`PackRecipe`'s options).
    zip_archive : bool, default True
        Also write ``<out>.zip`` beside the folder (one top folder inside).
    interactive_map : bool, default True
        Embed the interactive, offline Leaflet map (a few MB). False = the
        static SVG map only. Without the cached map assets (see
        :mod:`hotspots.maps.assets`) the pack falls back to the static map with
        a warning, and the manifest records it.

    Returns
    -------
    Pack

    Raises
    ------
    FileNotFoundError
        If an input is missing.
    FileExistsError
        If ``out`` is a file or a non-empty folder that is not a pack.
    ValueError
        From the recipe's checks or the evaluation (e.g. months that do not
        reach both sides of ``treatment_start``).

    Notes
    -----
    The pack is written to a temporary folder beside ``out`` and renamed into
    place when complete, so an interrupted build leaves the previous pack as
    it was. Nothing in the outputs depends on the time, the machine or the
    output folder: the same inputs, recipe and package versions give the same
    bytes (:func:`rebuild_pack` checks this).

    Examples
    --------
    >>> from hotspots.pack import build_pack
    >>> pack = build_pack(  # doctest: +SKIP
    ...     "data/processed/pack", crimes="crimes.parquet",
    ...     places="places.geojson", treatment_start="2024-01",
    ...     title="Hot spot patrols", area="Leicestershire")
    >>> print(pack.glance["label"])  # doctest: +SKIP
    worked: a level-4 comparison design estimates 23% fewer crimes ...
    """
    from hotspots.pack._analysis import run_analysis, write_data
    from hotspots.pack._implementation import methods_with_patrols
    from hotspots.pack._page import render_page

    if recipe is None:
        recipe = PackRecipe(**fields)
    elif fields:
        raise TypeError("pass either a recipe or its fields as keywords, not both.")
    out = Path(out)
    _check_target(out)
    if interactive_map and not _assets_ready():
        warnings.warn(
            "the web assets that offline maps embed are not in the cache (run "
            "`python -m hotspots.maps.assets fetch`, which needs npm); this pack "
            "shows the static map only and its manifest records that.",
            stacklevel=2,
        )
        interactive_map = False
    inputs = _inputs(recipe, _base)
    records = []
    for role, path in inputs.items():
        record = file_record(path, name=recipe.input_name(role))
        record.update(role=role, name=path.name)
        records.append(record)
    out.parent.mkdir(parents=True, exist_ok=True)
    building = Path(
        tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".building", dir=out.parent)
    )
    umask = os.umask(0)
    os.umask(umask)
    building.chmod(0o777 & ~umask)  # mkdtemp makes 0700; use the usual mode
    try:
        analysis = run_analysis(recipe, inputs)
        write_data(building / "data", analysis, recipe)
        (building / "methods.md").write_text(
            methods_with_patrols(recipe, analysis), encoding="utf-8"
        )
        page, glance = render_page(
            analysis, recipe, records, interactive_map=interactive_map
        )
        (building / "index.html").write_text(page, encoding="utf-8")
        outputs = [
            file_record(p, name=p.relative_to(building).as_posix())
            for p in sorted(building.rglob("*"))
            if p.is_file()
        ]
        manifest = {
            "format": MANIFEST_FORMAT,
            "recipe": recipe.to_dict(),
            "inputs": records,
            "outputs": outputs,
            "packages": package_versions(),
            "options": {"interactive_map": interactive_map},
        }
        (building / MANIFEST_NAME).write_text(dumps(manifest), encoding="utf-8")
        if _after_write is not None:  # test hook: simulate an interruption
            _after_write(building)
        _swap_in(building, out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    zip_path = None
    if zip_archive:
        zip_path = out.with_name(out.name + ".zip")
        _write_zip(out, zip_path)
    pack = Pack(root=out, zip_path=zip_path, manifest=manifest, glance=glance)
    logger.info("%s", pack)
    return pack


def rebuild_pack(
    manifest: str | os.PathLike, out: str | os.PathLike | None = None
) -> Rebuild:
    """Rebuild a pack from its manifest and compare every output byte for byte.

    Parameters
    ----------
    manifest : str or PathLike
        A pack's ``manifest.json`` or the pack folder.
    out : str or PathLike, optional
        Where to build. None = a new temporary folder (its path is in the
        result).

    Returns
    -------
    Rebuild
        The rebuilt pack and an output-by-output comparison.

    Raises
    ------
    ValueError
        If an input's SHA-256 differs from the manifest's (the inputs changed,
        so the pack cannot be reproduced from them).

    Notes
    -----
    Input paths are read as recorded, or else relative to the manifest's
    folder's parent (a pack kept beside its inputs). Different package versions
    may change the last digits of some numbers; the result lists them.
    """
    source = Path(manifest)
    record = read_manifest(source)
    folder = source if source.is_dir() else source.parent
    recipe = PackRecipe.from_dict(record["recipe"])
    inputs = _inputs(recipe, folder.parent)
    changed = []
    for entry in record["inputs"]:
        path = inputs[entry["role"]]
        if file_record(path, name=entry["path"])["sha256"] != entry["sha256"]:
            changed.append(f"{entry['role']} ({path.name})")
    if changed:
        raise ValueError(
            "input(s) differ from the manifest's SHA-256: "
            + ", ".join(changed)
            + "; the pack cannot be reproduced from these files."
        )
    installed = package_versions(record["packages"].keys() - {"python"})
    installed["python"] = package_versions(())["python"]
    differ = {
        k: (v, installed.get(k, "not installed"))
        for k, v in sorted(record["packages"].items())
        if installed.get(k) != v
    }
    if differ:
        warnings.warn(
            "package versions differ from the manifest's ("
            + ", ".join(f"{k} {a} -> {b}" for k, (a, b) in differ.items())
            + "); some outputs may differ in their last digits.",
            stacklevel=2,
        )
    target = (
        Path(out)
        if out is not None
        else Path(tempfile.mkdtemp(prefix="pack-rebuild-")) / folder.name
    )
    options = record.get("options", {})
    pack = build_pack(
        target,
        recipe,
        zip_archive=False,
        interactive_map=bool(options.get("interactive_map", True)),
        _base=folder.parent,
    )
    expected = {o["path"]: o["sha256"] for o in record["outputs"]}
    actual = {o["path"]: o["sha256"] for o in pack.manifest["outputs"]}
    rows = [
        {
            "path": path,
            "expected": expected.get(path),
            "actual": actual.get(path),
            "identical": expected.get(path) == actual.get(path),
        }
        for path in sorted(expected.keys() | actual.keys())
    ]
    return Rebuild(pack=pack, compared=pd.DataFrame(rows), packages_differ=differ)
