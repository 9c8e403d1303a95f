"""The committed manifest of pinned web assets (``assets.json``), read once."""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MANIFEST_PATH", "Asset", "Manifest", "load_manifest"]

#: The committed list of pinned assets.
MANIFEST_PATH = Path(__file__).with_name("assets.json")


@dataclass(frozen=True)
class Asset:
    """One pinned file: where it comes from and what it must hash to."""

    name: str
    package: str
    version: str
    path: str
    sha256: str
    #: End of the address folium's template loads the file from; None for files
    #: referenced from inside a style sheet (fonts, images).
    serves: str | None = None

    @property
    def spec(self) -> str:
        """The npm package specification, ``package@version``."""
        return f"{self.package}@{self.version}"


@dataclass(frozen=True)
class Manifest:
    """The pinned assets, and the folium references that are dropped offline."""

    folium: str
    assets: tuple[Asset, ...]
    dropped: dict[str, str]

    def serving(self, url: str) -> Asset | None:
        """Return the asset that replaces ``url`` (None if none does)."""
        for asset in self.assets:
            if asset.serves and url.endswith(asset.serves):
                return asset
        return None

    def dropped_reason(self, url: str) -> str | None:
        """Return why ``url`` is left out of offline maps (None if it is not)."""
        for suffix, reason in self.dropped.items():
            if url.endswith(suffix):
                return reason
        return None

    def find(self, package: str, version: str, path: str) -> Asset | None:
        """Return the asset with this package, version and path, if pinned."""
        for asset in self.assets:
            if (asset.package, asset.version, asset.path) == (package, version, path):
                return asset
        return None


@functools.cache
def _load_manifest(path: Path) -> Manifest:
    data = json.loads(path.read_text(encoding="utf-8"))
    assets = tuple(
        Asset(
            name=row["name"],
            package=row["package"],
            version=row["version"],
            path=row["path"],
            sha256=row["sha256"].lower(),
            serves=row.get("serves"),
        )
        for row in data["assets"]
    )
    dropped = {row["serves"]: row["reason"] for row in data.get("dropped", [])}
    return Manifest(folium=data.get("folium", ""), assets=assets, dropped=dropped)


def load_manifest(path: str | os.PathLike | None = None) -> Manifest:
    """Read the asset manifest (default: ``assets.json`` beside this module).

    Examples
    --------
    >>> manifest = load_manifest()
    >>> manifest.serving("https://example.org/npm/leaflet@1.9.3/dist/leaflet.js").name
    'leaflet'
    """
    return _load_manifest(Path(path) if path is not None else MANIFEST_PATH)
