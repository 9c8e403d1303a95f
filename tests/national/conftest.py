"""A small SYNTHETIC national dataset, in the layout hotspots.io.ingest_national writes.

``out/crimes/force=<slug>/year=<YYYY>/part-<i>.parquet`` with ``force`` (the force's
name, as read_policeuk keeps it; the folder gives the slug), ``month``, ``crime_type``,
``lsoa_code``, ``x``, ``y`` (metres, EPSG:27700) and a WKB ``geometry``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

FORCES = {
    "derbyshire": ("Derbyshire Constabulary", (430_000, 360_000)),
    "leicestershire": ("Leicestershire Police", (458_000, 304_000)),
    "nottinghamshire": ("Nottinghamshire Police", (457_000, 340_000)),
}
TYPES = (
    "Violence and sexual offences",
    "Robbery",
    "Possession of weapons",
    "Burglary",
    "Anti-social behaviour",
)


def synthetic_rows(seed: int = 5, per_force: int = 3000) -> pd.DataFrame:
    """SYNTHETIC crimes: each force a spread of points and one dense cluster."""
    rng = np.random.default_rng(seed)
    frames = []
    for slug, (name, (cx, cy)) in FORCES.items():
        n_spread = per_force * 4 // 5
        x = np.concatenate(
            [
                rng.uniform(cx - 4000, cx + 4000, n_spread),
                rng.normal(cx, 120, per_force - n_spread),
            ]
        )
        y = np.concatenate(
            [
                rng.uniform(cy - 4000, cy + 4000, n_spread),
                rng.normal(cy, 120, per_force - n_spread),
            ]
        )
        month = pd.period_range("2023-01", "2024-12", freq="M").astype(str)
        frames.append(
            pd.DataFrame(
                {
                    "slug": slug,
                    "force": name,
                    "month": rng.choice(month, per_force),
                    "crime_type": rng.choice(TYPES, per_force),
                    "lsoa_code": rng.choice(
                        [f"E0100{i:04d}" for i in range(12)], per_force
                    ),
                    "x": np.round(x),
                    "y": np.round(y),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def write_dataset(root, rows: pd.DataFrame, month_type: str = "timestamp") -> None:
    """Write ``rows`` as the national dataset under ``root`` (two parts per folder).

    As :func:`hotspots.io.ingest_national` writes it: parts named in ``_ledger.json``
    (:func:`hotspots.io.open_national` reads only those), ``force`` and
    ``crime_type`` dictionary-encoded. A stray part not in the ledger (left by an
    interrupted run) must be ignored.
    """
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq
    import shapely

    parts = []
    for (slug, year), part in rows.groupby([rows["slug"], rows["month"].str[:4]]):
        folder = root / "crimes" / f"force={slug}" / f"year={year}"
        folder.mkdir(parents=True)
        month = (
            pa.array(part["month"])
            if month_type == "string"
            else pa.array(pd.to_datetime(part["month"]).to_numpy(), pa.timestamp("ns"))
        )
        table = pa.table(
            {
                "force": pa.array(part["force"]).dictionary_encode(),
                "month": month,
                "crime_type": pa.array(part["crime_type"]).dictionary_encode(),
                "lsoa_code": part["lsoa_code"].to_numpy(),
                "x": part["x"].to_numpy(),
                "y": part["y"].to_numpy(),
                "geometry": shapely.to_wkb(shapely.points(part["x"], part["y"])),
            }
        )
        half = table.num_rows // 2
        pq.write_table(table.slice(0, half), folder / "part-0.parquet")
        pq.write_table(table.slice(half), folder / "part-1.parquet")
        pq.write_table(table, folder / "part-9.parquet")  # uncommitted: ignored
        prefix = f"crimes/force={slug}/year={year}"
        parts += [f"{prefix}/part-0.parquet", f"{prefix}/part-1.parquet"]
    ledger = {
        "version": 1,
        "commits": 1,
        "seen": {},
        "files": {"SYNTHETIC": {"parts": parts}},
    }
    (root / "_ledger.json").write_text(json.dumps(ledger), encoding="utf-8")


@pytest.fixture(scope="session")
def national_rows() -> pd.DataFrame:
    return synthetic_rows()


@pytest.fixture(scope="session", params=["timestamp", "string"])
def national(request, tmp_path_factory, national_rows):
    """The dataset folder, with ``month`` as a timestamp or as ``YYYY-MM`` text."""
    out = tmp_path_factory.mktemp(f"national-{request.param}")
    write_dataset(out, national_rows, request.param)
    return out


#: SYNTHETIC recording artefacts planted in a small archive: a hospital's map point
#: in Derbyshire (its label names it) and an unlabelled custody-like point in
#: Leicestershire (crimes piled on one point, nearly all awaiting court).
PLANTS = (
    {
        "slug": "derbyshire",
        "location": "On or near Hospital",
        "per_month": 30,
        "outcome": "Under investigation",
    },
    {
        "slug": "leicestershire",
        "location": "On or near Keyham Close",
        "per_month": 14,
        "outcome": "Awaiting court outcome",
    },
)


def plant_points(root, plants=PLANTS) -> list[dict]:
    """Add piles of SYNTHETIC violence on one map point to each month's files.

    The point is the first row's of the force's first file (so inside the force);
    returns each plant with its ``Longitude``/``Latitude`` text and rows added.
    """
    import hashlib

    done = []
    for plant in plants:
        files = sorted(root.glob(f"*/*-{plant['slug']}-street.csv"))
        first = pd.read_csv(files[0], dtype=str, keep_default_na=False).iloc[0]
        added = 0
        for path in files:
            rows = pd.read_csv(path, dtype=str, keep_default_na=False)
            month = rows["Month"].iloc[0]
            extra = pd.DataFrame([first] * plant["per_month"]).assign(
                Month=month,
                Location=plant["location"],
                **{
                    "Crime type": "Violence and sexual offences",
                    "Last outcome category": plant["outcome"],
                    "Crime ID": [
                        hashlib.sha256(f"{path.name}{i}".encode()).hexdigest()
                        for i in range(plant["per_month"])
                    ],
                },
            )
            pd.concat([rows, extra]).to_csv(path, index=False)
            added += len(extra)
        done.append(
            {**plant, "lon": first["Longitude"], "lat": first["Latitude"], "n": added}
        )
    return done


def build_artefact_dataset(root):
    """Write a SYNTHETIC national dataset with planted recording artefacts.

    Built as a user would: :func:`hotspots.synthetic.make_national_archive` (three
    forces, 12 months), the plants added to its CSV files, then
    :func:`hotspots.io.ingest_national`. Returns ``(dataset folder, plants)``.
    """
    import warnings

    from hotspots.io import ingest_national
    from hotspots.synthetic import make_national_archive

    archive = make_national_archive(
        root / "archive",
        forces=list(FORCES),
        months=12,
        start="2023-01",
        rows_per_year=1_000_000,
        rng=11,
        fault_rates={"malformed_row": 0.0},  # so the plants can be added by pandas
    )
    plants = plant_points(archive.root)
    with warnings.catch_warnings():  # rows set aside by design (no coordinates)
        warnings.simplefilter("ignore")
        ingest_national(archive.root, root / "dataset", progress=False)
    return root / "dataset", plants


@pytest.fixture(scope="session")
def artefact_dataset(tmp_path_factory):
    """The dataset of :func:`build_artefact_dataset` and its plants."""
    return build_artefact_dataset(tmp_path_factory.mktemp("artefacts"))
