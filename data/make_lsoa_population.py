"""Cut the 2011 Census population of the 611 Leicestershire LSOAs from the shared table.

Reads ``lsoa_2011_population_area.csv.gz`` of the real-data folder beside the
repository (``../shared/data/real`` by default; see its PROVENANCE.md: ONS 2011
Census usual residents per 2011 LSOA, with the police force area of each LSOA) and
writes ``data/raw/lsoa_2011_population_leicestershire.csv``: the rows whose force is
Leicestershire, the columns below, sorted by LSOA code, UTF-8, LF line ends
(same input -> same bytes). The population denominators of
:func:`hotspots.find.rates` on the shipped outlines
``data/raw/lsoa_2011_leicestershire.geojson.gz`` (the same 611 LSOAs).

Run from the repository root (re-runnable)::

    .venv/bin/python data/make_lsoa_population.py [--source-dir PATH]

It prints the rows, the total population and the sha256 of source and cut, for
``data/raw/PROVENANCE.md``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE_DIR = ROOT.parent / "shared" / "data" / "real"
SOURCE = "lsoa_2011_population_area.csv.gz"
OUT = ROOT / "data" / "raw" / "lsoa_2011_population_leicestershire.csv"
FORCE = "Leicestershire"
COLUMNS = (
    "lsoa_code",
    "lsoa_name",
    "local_authority_code",
    "local_authority_name",
    "population",
    "population_households",
    "population_communal",
    "households",
    "hectares",
)
EXPECTED_ROWS = 611
EXPECTED_POPULATION = 1_017_697  # the source's own check for the force area


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cut(source: Path, out: Path) -> dict:
    with gzip.open(source, "rt", encoding="utf-8", newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["force"] == FORCE]
    rows.sort(key=lambda row: row["lsoa_code"])
    total = sum(int(row["population"]) for row in rows)
    if len(rows) != EXPECTED_ROWS or total != EXPECTED_POPULATION:
        raise SystemExit(
            f"expected {EXPECTED_ROWS} LSOAs and {EXPECTED_POPULATION:,} residents; "
            f"got {len(rows)} and {total:,}: is {source} the right file?"
        )
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([row[c] for c in COLUMNS] for row in rows)
    return {"rows": len(rows), "population": total}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", type=Path, default=DEFAULT_SOURCE_DIR)
    args = parser.parse_args(argv)
    source = args.source_dir / SOURCE
    if not source.is_file():
        raise SystemExit(f"{source} not found: pass --source-dir, the real-data folder")
    summary = cut(source, OUT)
    print(f"read  {source.name}  sha256 {sha256(source)}")
    print(
        f"wrote {OUT.relative_to(ROOT)}: {summary['rows']} LSOAs, "
        f"{summary['population']:,} residents, {OUT.stat().st_size:,} bytes, "
        f"sha256 {sha256(OUT)}"
    )


if __name__ == "__main__":
    main()
