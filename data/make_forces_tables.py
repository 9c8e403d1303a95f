"""Derive the force tables that ``hotspots.forces`` ships, from the real source files.

Reads two files of the real-data folder beside the repository (``../shared/data/real``
by default; see its PROVENANCE.md):

``prc_force_offence_quarter_2017_18.csv.gz``
    Home Office police recorded crime by police force area, offence code and
    quarter, 2017/18. Read with ``hotspots.forces.read_recorded_crime`` (which sets
    aside the non-geographic fraud bodies) and added up with
    ``hotspots.forces.serious_violence`` into the groups of
    ``SERIOUS_VIOLENCE_GROUPS``.
``lsoa_2011_population_area.csv.gz``
    2011 Census usual residents per LSOA with its police force area; summed by force.

and writes, each to ``data/raw/`` (the canonical copy, with PROVENANCE.md) and a
byte-identical copy to ``hotspots/data/`` (package data, read at run time):

``home_office_recorded_crime_by_force_2017_18.csv``
    ``force_slug``, ``force``, ``financial_year``, ``quarter``, ``group``,
    ``count``: 44 forces (43 territorial + British Transport Police) x 4 quarters x
    7 groups.
``force_populations_2011.csv``
    ``force_slug``, ``force``, ``area_name``, ``population``: the 43 territorial
    forces.

CSV with LF line ends, UTF-8, rows sorted: the same input gives the same bytes.
Run from the repository root (re-runnable)::

    python data/make_forces_tables.py [--source-dir PATH]

It prints what it read and wrote, with row counts, totals and sha256 hashes.
"""

from __future__ import annotations

import argparse
import hashlib
import warnings
from pathlib import Path

import pandas as pd

from hotspots.exceptions import HotspotsWarning
from hotspots.forces import read_recorded_crime, serious_violence
from hotspots.io import FORCES, resolve_force

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE_DIR = ROOT.parent / "shared" / "data" / "real"
RECORDED_SOURCE = "prc_force_offence_quarter_2017_18.csv.gz"
POPULATION_SOURCE = "lsoa_2011_population_area.csv.gz"
RECORDED_OUT = "home_office_recorded_crime_by_force_2017_18.csv"
POPULATION_OUT = "force_populations_2011.csv"
OUT_DIRS = (ROOT / "data" / "raw", ROOT / "hotspots" / "data")


def derive_recorded(source: Path) -> pd.DataFrame:
    """Return force x quarter x group counts from the Home Office table."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HotspotsWarning)  # fraud bodies, reported below
        recorded = read_recorded_crime(source)
    record = recorded.attrs["hotspots"]
    print(
        f"  {record['rows_in']:,} rows: kept {record['rows_kept']:,}, set aside "
        f"{record['rows_set_aside']} {record['set_aside_by_name']}; "
        f"{record['negative_rows']} negative counts kept "
        f"(total {record['negative_total']})"
    )
    groups = serious_violence(recorded)
    return groups[
        ["force_slug", "force", "financial_year", "quarter", "group", "count"]
    ]


def derive_populations(source: Path) -> pd.DataFrame:
    """Return the 2011 usual resident population of each police force area."""
    lsoa = pd.read_csv(source, dtype={"force": str}, keep_default_na=False)
    sums = lsoa.groupby("force", as_index=False)["population"].sum()
    sums["force_slug"] = sums["force"].map(resolve_force)
    names = FORCES.set_index("slug")["name"]
    out = pd.DataFrame(
        {
            "force_slug": sums["force_slug"],
            "force": sums["force_slug"].map(names),
            "area_name": sums["force"],
            "population": sums["population"].astype("int64"),
        }
    )
    print(
        f"  {len(lsoa):,} LSOAs, {out['population'].sum():,} residents in "
        f"{len(out)} force areas"
    )
    return out.sort_values("force_slug", ignore_index=True)


def to_bytes(frame: pd.DataFrame) -> bytes:
    """CSV, UTF-8, LF line ends, no index."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", type=Path, default=DEFAULT_SOURCE_DIR)
    args = parser.parse_args()
    outputs = {}
    for name, derive, out in (
        (RECORDED_SOURCE, derive_recorded, RECORDED_OUT),
        (POPULATION_SOURCE, derive_populations, POPULATION_OUT),
    ):
        source = args.source_dir / name
        print(
            f"read  {name} (sha256 {hashlib.sha256(source.read_bytes()).hexdigest()})"
        )
        outputs[out] = to_bytes(derive(source))
    for out, data in outputs.items():
        for folder in OUT_DIRS:
            (folder / out).write_bytes(data)
        print(
            f"wrote {out} to data/raw and hotspots/data: {len(data):,} bytes, "
            f"sha256 {hashlib.sha256(data).hexdigest()}"
        )


if __name__ == "__main__":
    main()
