"""The pack manifest: inputs and outputs with SHA-256, package versions, recipe.

A manifest is what makes a pack checkable: anyone holding the same inputs can
rebuild the pack from it (:func:`hotspots.pack.rebuild_pack`) and compare every
output byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "MANIFEST_FORMAT",
    "MANIFEST_NAME",
    "file_record",
    "package_versions",
    "read_manifest",
    "sha256_file",
]

#: Format tag written into every manifest; bumped when the layout changes.
MANIFEST_FORMAT = "hotspots-pack/1"
#: File name of the manifest inside a pack folder.
MANIFEST_NAME = "manifest.json"
#: Distributions whose versions can change a pack's numbers or bytes.
VERSIONED_PACKAGES = (
    "hotspots",
    "numpy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "scipy",
    "statsmodels",
    "scikit-learn",
    "libpysal",
    "matplotlib",
    "folium",
    "branca",
    "jinja2",
    "pyarrow",
)


def sha256_file(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a file, read in chunks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "a.txt"
    ...     _ = p.write_bytes(b"abc")
    ...     sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def file_record(path: Path, *, name: str) -> dict[str, Any]:
    """One manifest entry: ``path`` (as given by ``name``), ``bytes``, ``sha256``."""
    return {"path": name, "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def package_versions(names: Iterable[str] = VERSIONED_PACKAGES) -> dict[str, str]:
    """Installed versions of the packages that shape a pack, plus Python's."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def dumps(manifest: Mapping[str, Any]) -> str:
    """Serialise a manifest the same way every time (sorted keys, 2-space indent)."""
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Read and check a pack manifest.

    Parameters
    ----------
    path : str or Path
        ``manifest.json``, or the pack folder holding it.

    Returns
    -------
    dict
        The manifest: ``format``, ``recipe``, ``inputs``, ``outputs``,
        ``packages``.

    Raises
    ------
    FileNotFoundError
        If there is no manifest.
    ValueError
        If the file is not a manifest this version can read.
    """
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"no pack manifest at {path}; pass the pack folder or its manifest.json."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path.name} is not valid JSON: {err}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ValueError(
            f"{path.name} is not a {MANIFEST_FORMAT} manifest (format {found!r}); "
            "rebuild the pack with this version of hotspots."
        )
    for key in ("recipe", "inputs", "outputs", "packages"):
        if key not in manifest:
            raise ValueError(f"{path.name} has no {key!r} entry; it is incomplete.")
    return manifest
