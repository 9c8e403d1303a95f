"""Derive the police force area outlines that ``hotspots.io.force_area`` ships.

Reads the 43 police force areas of England and Wales that the shared real-data
folder holds (2011 LSOA outlines, ONS "Super Generalised Clipped", dissolved by
force: ``police_force_areas_2011_lsoa_dissolved.geojson.gz``), and writes
``hotspots/data/force_areas.geojson.gz``:

* joined to ``hotspots/data/forces.csv`` on the Home Office area name, so each
  outline carries the police.uk ``slug`` and ``name`` and the ``area_name``;
* reprojected to British National Grid (EPSG:27700) and snapped to a 1 m grid with
  ``shapely.set_precision`` (validity kept), so readers need no reprojection;
* sorted by slug, written as compact GeoJSON and gzipped with mtime 0, so the same
  input gives the same bytes.

Run from the repository root when ``../shared`` is present (re-runnable)::

    python data/make_force_areas.py [--source PATH/police_force_areas_2011_lsoa_dissolved.geojson.gz]

It prints what it read and wrote, with counts, size and sha256.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = (
    ROOT.parent
    / "shared"
    / "data"
    / "real"
    / "police_force_areas_2011_lsoa_dissolved.geojson.gz"
)
FORCES = ROOT / "hotspots" / "data" / "forces.csv"
OUT = ROOT / "hotspots" / "data" / "force_areas.geojson.gz"
GRID_M = 1.0  # snap vertices to whole metres


def derive(source: Path) -> gpd.GeoDataFrame:
    """Return one row per force area: slug, name, area_name, geometry (EPSG:27700)."""
    areas = gpd.read_file(io.BytesIO(gzip.decompress(source.read_bytes())))
    forces = pd.read_csv(FORCES, dtype=str, keep_default_na=False)
    forces = forces[forces["area_name"] != ""]
    missing = set(forces["area_name"]) ^ set(areas["force"])
    if missing:
        raise SystemExit(
            f"area names differ between forces.csv and {source.name}: {missing}"
        )
    out = forces[["slug", "name", "area_name"]].merge(
        areas[["force", "geometry"]], left_on="area_name", right_on="force"
    )
    out = gpd.GeoDataFrame(
        out.drop(columns="force"), geometry="geometry", crs=areas.crs
    )
    out = out.to_crs(27700)
    out["geometry"] = shapely.set_precision(out.geometry.values, GRID_M)
    if not out.is_valid.all():
        raise SystemExit("an outline became invalid after snapping")
    return out.sort_values("slug", ignore_index=True)


def to_bytes(frame: gpd.GeoDataFrame) -> bytes:
    """Compact GeoJSON (EPSG:27700 named in the crs member), gzipped with mtime 0."""
    features = [
        {
            "type": "Feature",
            "properties": {k: rec[k] for k in ("slug", "name", "area_name")},
            "geometry": shapely.geometry.mapping(rec["geometry"]),
        }
        for rec in frame.to_dict("records")
    ]
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": features,
    }
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args()
    frame = derive(args.source)
    data = to_bytes(frame)
    OUT.write_bytes(data)
    n_vertices = int(shapely.get_num_coordinates(frame.geometry.values).sum())
    print(
        f"read  {args.source} ({hashlib.sha256(args.source.read_bytes()).hexdigest()})"
    )
    print(
        f"wrote {OUT.relative_to(ROOT)}: {len(frame)} areas, {n_vertices:,} vertices, "
        f"{len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()}"
    )


if __name__ == "__main__":
    main()
