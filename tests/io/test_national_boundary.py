"""National ingest with a study area: as read_policeuk, and one area per dataset."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from hotspots.cli._ingest_national import run_national
from hotspots.io import ingest_national, open_national, read_policeuk
from hotspots.synthetic import make_archive

# Synthetic archives carry no-location rows and planted bad rows, and most rows
# fall outside the study areas used here: the warnings are expected.
pytestmark = pytest.mark.filterwarnings("ignore::hotspots.exceptions.HotspotsWarning")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A SYNTHETIC Leicestershire archive, 14 months."""
    root = tmp_path_factory.mktemp("national_boundary") / "arch"
    return make_archive(root, start="2023-01", end="2024-02", scale=0.05)


@pytest.fixture(scope="module")
def west(archive):
    """A box holding the western part of the archive's points (EPSG:27700)."""
    x = read_policeuk(archive.root).crimes.geometry.x
    return box(x.min() - 10, 0, float(x.quantile(0.4)), 1_300_000)


def _rows(out, table):
    cols = ["source", "row", "reason_code" if table == "quarantine" else "crime_id"]
    frame = open_national(out, columns=cols, table=table).to_table().to_pandas()
    return frame.astype(str).sort_values(["source", "row"], ignore_index=True)


def test_national_boundary_equals_read_policeuk(archive, west, tmp_path):
    want = read_policeuk(archive.root, boundary=west)
    done = ingest_national(
        archive.root, tmp_path / "ds", boundary=west, batch_rows=700, progress=False
    )
    kept = want.crimes[["source", "row", "crime_id"]].astype(str)
    kept = kept.sort_values(["source", "row"], ignore_index=True)
    pd.testing.assert_frame_equal(_rows(tmp_path / "ds", "crimes"), kept)
    aside = want.quarantine.frame[["source", "row", "reason_code"]].astype(str)
    aside = aside.sort_values(["source", "row"], ignore_index=True)
    pd.testing.assert_frame_equal(_rows(tmp_path / "ds", "quarantine"), aside)
    n_out = int((want.quarantine.frame["reason_code"] == "outside_boundary").sum())
    assert n_out > 0 and len(want.crimes) > 0
    assert done.by_reason["outside_boundary"] == n_out
    assert done.by_reason == want.by_reason().set_index("reason_code")["n"].to_dict()
    assert done.rows_kept == len(want.crimes)


def test_national_boundary_is_recorded_and_another_refused(archive, west, tmp_path):
    out = tmp_path / "ds"
    first = ingest_national(archive.root, out, boundary=west, progress=False)
    record = json.loads((out / "_ledger.json").read_text())["boundary"]
    assert set(record) == {"wkb_sha256", "description"} and len(record["wkb_sha256"])
    assert "Polygon" in record["description"]
    # the same area, as a new object and as a GeoDataFrame in EPSG:27700: accepted
    same = gpd.GeoDataFrame(geometry=[box(*west.bounds)], crs=27700)
    again = ingest_national(archive.root, out, boundary=same, progress=False)
    assert again.files_new == 0 and again.files_skipped == first.files_new
    east = box(west.bounds[2], 0, 700_000, 1_300_000)
    for other in (east, None):
        with pytest.raises(ValueError, match="new output folder") as err:
            ingest_national(archive.root, out, boundary=other, progress=False)
        assert ("none" if other is None else "Polygon") in str(err.value)
    plain = tmp_path / "plain"
    ingest_national(archive.root, plain, progress=False)
    assert json.loads((plain / "_ledger.json").read_text())["boundary"] is None
    with pytest.raises(ValueError, match="ingested with boundary none"):
        ingest_national(archive.root, plain, boundary=west, progress=False)


def test_national_boundary_by_force_name(archive, tmp_path):
    out = tmp_path / "ds"
    want = read_policeuk(archive.root, boundary="derbyshire")  # none of its points
    done = ingest_national(archive.root, out, boundary="derbyshire", progress=False)
    assert done.by_reason == want.by_reason().set_index("reason_code")["n"].to_dict()
    assert done.rows_kept == len(want.crimes) == 0
    ledger = json.loads((out / "_ledger.json").read_text())
    assert ledger["boundary"]["description"] == "derbyshire"
    # another spelling of the same force is the same area
    again = ingest_national(archive.root, out, boundary="Derbyshire", progress=False)
    assert again.files_new == 0


def test_cli_national_boundary_reads_a_polygon_file(archive, west, tmp_path, capsys):
    area = tmp_path / "west.geojson"
    gpd.GeoDataFrame(geometry=[west], crs=27700).to_crs(4326).to_file(area)
    want = read_policeuk(archive.root, boundary=gpd.read_file(area))
    out = tmp_path / "ds"
    filters = {"forces": None, "start": None, "end": None, "crime_types": None}
    run_national(
        archive.root, out, filters, batch_rows=1000, progress=False, boundary=str(area)
    )
    n_out = int((want.quarantine.frame["reason_code"] == "outside_boundary").sum())
    printed = capsys.readouterr().out
    assert f"{n_out:,}  outside_boundary" in printed
    assert f"kept {len(want.crimes):,}," in printed
    other = tmp_path / "east.geojson"
    east = box(west.bounds[2], 0, 700_000, 1_300_000)
    gpd.GeoDataFrame(geometry=[east], crs=27700).to_file(other)
    filters = {"forces": None, "start": None, "end": None, "crime_types": None}
    with pytest.raises(SystemExit) as exit_:
        run_national(
            archive.root,
            out,
            filters,
            batch_rows=1000,
            progress=False,
            boundary=str(other),
        )
    assert exit_.value.code == 2
    assert "new output folder" in capsys.readouterr().err
