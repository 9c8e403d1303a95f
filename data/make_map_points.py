"""Cut the small Leicestershire tables that the synthetic-data generator ships.

Reads one real police.uk street-level extract for Leicestershire Police (the 24
monthly files of 2023-2024 concatenated, values kept as published) and writes two
package-data tables to ``hotspots/data/``:

``leicestershire_map_points.csv.gz``
    The distinct anonymisation map points ("snap points") in the extract that lie in
    the force area: one row per distinct ``Longitude``/``Latitude`` pair with the
    ``Location`` text, ``LSOA code`` and ``LSOA name`` published with it most often
    (ties: the alphabetically first combination). Points are kept when that LSOA name
    starts with one of the nine local authorities of Leicestershire and Rutland; the
    extract also holds a few points elsewhere in England (crimes recorded by the force
    but located outside it), which are dropped. Sorted by latitude, longitude. No
    crime counts are kept.
``leicestershire_crime_mix.csv``
    Rows per crime type and ``Last outcome category``, by year, plus the number of
    rows with no location. The generator takes its volumes and outcome shares from it.

Run from the repository root (re-runnable; the same input gives the same bytes)::

    python data/make_map_points.py --source PATH/policeuk_street_leicestershire_2023_2024.csv.gz

It prints what it read and wrote, with row counts and sha256 hashes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
from pathlib import Path

import pandas as pd

OUT_DIR = Path(__file__).resolve().parent.parent / "hotspots" / "data"
MAP_POINTS_NAME = "leicestershire_map_points.csv.gz"
CRIME_MIX_NAME = "leicestershire_crime_mix.csv"
POINT_COLUMNS = ["Longitude", "Latitude", "Location", "LSOA code", "LSOA name"]
OUT_POINT_COLUMNS = ["longitude", "latitude", "location", "lsoa_code", "lsoa_name"]
YEARS = ("2023", "2024")
#: Local authorities of the Leicestershire Police force area (LSOA name prefixes).
FORCE_AREA_AUTHORITIES = (
    "Blaby",
    "Charnwood",
    "Harborough",
    "Hinckley and Bosworth",
    "Leicester",
    "Melton",
    "North West Leicestershire",
    "Oadby and Wigston",
    "Rutland",
)


def cut_map_points(frame: pd.DataFrame) -> pd.DataFrame:
    """Return one row per distinct map point, with its most frequent labels."""
    located = frame[frame["Longitude"] != ""]
    combos = located.groupby(POINT_COLUMNS, sort=False).size().rename("n").reset_index()
    combos = combos.sort_values(
        ["Longitude", "Latitude", "n", "Location", "LSOA code"],
        ascending=[True, True, False, True, True],
        kind="mergesort",
    )
    points = combos.drop_duplicates(["Longitude", "Latitude"], keep="first")
    authority = points["LSOA name"].str.replace(r" \d{3}[A-Z]$", "", regex=True)
    points = points[authority.isin(FORCE_AREA_AUTHORITIES)]
    points = points[POINT_COLUMNS].copy()
    order = points["Latitude"].astype(float), points["Longitude"].astype(float)
    points = points.assign(_lat=order[0].to_numpy(), _lon=order[1].to_numpy())
    points = points.sort_values(["_lat", "_lon"], kind="mergesort")
    points = points.drop(columns=["_lat", "_lon"])
    points.columns = OUT_POINT_COLUMNS
    return points.reset_index(drop=True)


def cut_crime_mix(frame: pd.DataFrame) -> pd.DataFrame:
    """Return rows per crime type and outcome, by year, with no-location counts."""
    year = frame["Month"].str[:4]
    keys = ["Crime type", "Last outcome category"]
    out = frame.groupby(keys).size().rename("n_total").reset_index()
    for y in YEARS:
        n = frame[year == y].groupby(keys).size().rename(f"n_{y}")
        out = out.merge(n.reset_index(), on=keys, how="left")
    no_loc = (
        frame[frame["Longitude"] == ""].groupby(keys).size().rename("n_no_location")
    )
    out = out.merge(no_loc.reset_index(), on=keys, how="left")
    count_cols = [f"n_{y}" for y in YEARS] + ["n_no_location"]
    out[count_cols] = out[count_cols].fillna(0).astype("int64")
    out = out.rename(
        columns={"Crime type": "crime_type", "Last outcome category": "last_outcome"}
    )
    out = out[["crime_type", "last_outcome", *count_cols]]
    return out.sort_values(["crime_type", "last_outcome"]).reset_index(drop=True)


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _gzip_bytes(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> None:
    """Read the real extract, write both tables and report what was done."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="police.uk CSV(.gz)")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)

    frame = pd.read_csv(args.source, dtype=str, keep_default_na=False)
    print(f"read {len(frame):,} rows from {args.source.name}")
    forces = sorted(frame["Falls within"].unique())
    print(f"forces: {forces}; months {frame['Month'].min()}..{frame['Month'].max()}")

    points = cut_map_points(frame)
    mix = cut_crime_mix(frame)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    outputs = {
        MAP_POINTS_NAME: _gzip_bytes(_csv_bytes(points)),
        CRIME_MIX_NAME: _csv_bytes(mix),
    }
    for name, data in outputs.items():
        (args.out_dir / name).write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        print(f"wrote {name}: {len(data):,} bytes, sha256 {digest}")
    n_located = int((frame["Longitude"] != "").sum())
    print(
        f"{MAP_POINTS_NAME}: {len(points):,} map points from {n_located:,} located rows"
    )
    print(f"{CRIME_MIX_NAME}: {len(mix):,} crime type x outcome rows")


if __name__ == "__main__":
    main()
