"""Re-cut the real police.uk sample shipped in data/raw from the shared source files.

Usage (from the project root, with ../shared beside it)::

    .venv/bin/python data/cut_real_sample.py [--shared ../shared/data/real]

Writes, deterministically (same input -> same bytes):

- ``data/raw/policeuk_leicestershire_serious_violence_2023_2024.zip``: Leicestershire
  Police street-level rows of the crime types "Violence and sexual offences",
  "Robbery" and "Possession of weapons", 2023-01..2024-12, in the original police.uk
  layout, one member per month ``YYYY-MM/YYYY-MM-leicestershire-street.csv``
  (values verbatim, rows in source order);
- ``data/raw/lsoa_2011_leicestershire.geojson.gz``: the 611 Leicestershire 2011 LSOA
  outlines (copied unchanged);
- ``data/raw/PROVENANCE.md``: publisher, licence, attribution, method, counts and
  sha256 of both files.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import shutil
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SOURCE = "policeuk_street_leicestershire_2023_2024.csv.gz"
LSOA = "lsoa_2011_bsc_leicestershire.geojson.gz"
SAMPLE = "policeuk_leicestershire_serious_violence_2023_2024.zip"
LSOA_OUT = "lsoa_2011_leicestershire.geojson.gz"
TYPES = ("Violence and sexual offences", "Robbery", "Possession of weapons")
# A fixed timestamp for every ZIP member keeps the archive byte-identical across runs.
ZIP_TIME = (2025, 1, 1, 0, 0, 0)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cut(shared: Path, raw: Path) -> dict:
    with gzip.open(shared / SOURCE, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        type_col = header.index("Crime type")
        month_col = header.index("Month")
        by_month: dict[str, list[list[str]]] = {}
        n_source = 0
        for row in reader:
            n_source += 1
            if row[type_col] in TYPES:
                by_month.setdefault(row[month_col], []).append(row)
    counts = Counter()
    no_location = 0
    raw.mkdir(parents=True, exist_ok=True)
    target = raw / SAMPLE
    with zipfile.ZipFile(
        target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9
    ) as z:
        for month in sorted(by_month):
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(by_month[month])
            for row in by_month[month]:
                counts[row[type_col]] += 1
                no_location += row[header.index("Longitude")] == ""
            info = zipfile.ZipInfo(
                f"{month}/{month}-leicestershire-street.csv", ZIP_TIME
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, buf.getvalue().encode("utf-8"), compresslevel=9)
    shutil.copyfile(shared / LSOA, raw / LSOA_OUT)
    return {
        "n_source": n_source,
        "months": sorted(by_month),
        "counts": counts,
        "no_location": no_location,
    }


PROVENANCE = """# Real data shipped with hotspots: provenance

Both files are **real, openly licensed public-sector data** (Crown copyright), re-used under
the **Open Government Licence v3.0**. Attribution, required wherever they are shown or
redistributed:

> Contains public sector information licensed under the Open Government Licence v3.0.
> Street-level crime: police.uk (Home Office / Leicestershire Police). Boundaries: Office for
> National Statistics. Contains OS data © Crown copyright and database right.

They are cut by `data/cut_real_sample.py` from the project's shared copy of the source files
(run it to re-cut; same input gives the same bytes).

## `{sample}`

* **Publisher:** police.uk street-level crime data (Home Office; Leicestershire Police),
  monthly "street" CSVs, months {first} .. {last}.
* **Obtained:** the unmodified police.uk monthly files for Leicestershire, 2023-01 .. 2024-12,
  as concatenated in the shared source file `{source}` ({n_source:,} rows, all crime types).
* **Cut:** rows whose `Crime type` is one of {types} (the open-data proxy for serious
  violence, see `hotspots.definitions`), all values kept verbatim as text, source row order;
  written back into the police.uk bulk-archive layout, one ZIP member per month
  (`YYYY-MM/YYYY-MM-leicestershire-street.csv`, "\\n" line ends, deflate).
* **Rows:** {n_rows:,} ({by_type}); {no_location:,} rows have no location (police.uk "No
  Location"; the ingest quarantines them as `no_coordinates`).
* **sha256:** `{sha_sample}`

## `{lsoa}`

* **Publisher:** Office for National Statistics, *Lower Layer Super Output Areas (December
  2011) Boundaries Super Generalised Clipped (BSC) EW V3*, WGS84 longitude/latitude.
* **Cut:** the 611 LSOAs of the Leicestershire police force area (properties `LSOA11CD`,
  `LSOA11NM`, `BNG_E`, `BNG_N`, `LONG`, `LAT`, `force`), copied unchanged from the shared
  source `{lsoa_source}`.
* **Note:** police.uk files from 2023 use 2021 LSOA codes; these outlines are 2011 LSOAs, so
  join crimes to them by point-in-polygon, not by code.
* **sha256:** `{sha_lsoa}`
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared", type=Path, default=ROOT.parent.parent / "shared/data/real"
    )
    args = parser.parse_args()
    raw = ROOT / "raw"
    info = cut(args.shared, raw)
    text = PROVENANCE.format(
        sample=SAMPLE,
        lsoa=LSOA_OUT,
        source=SOURCE,
        lsoa_source=LSOA,
        first=info["months"][0],
        last=info["months"][-1],
        n_source=info["n_source"],
        types=", ".join(f'"{t}"' for t in TYPES),
        n_rows=sum(info["counts"].values()),
        by_type=", ".join(f"{t}: {info['counts'][t]:,}" for t in TYPES),
        no_location=info["no_location"],
        sha_sample=sha256(raw / SAMPLE),
        sha_lsoa=sha256(raw / LSOA_OUT),
    )
    (raw / "PROVENANCE.md").write_text(text, encoding="utf-8")
    print(
        f"wrote {raw / SAMPLE} ({(raw / SAMPLE).stat().st_size:,} bytes), "
        f"{sum(info['counts'].values()):,} rows; {raw / LSOA_OUT}; PROVENANCE.md"
    )


if __name__ == "__main__":
    main()
