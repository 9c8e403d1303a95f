"""National ingest: the same rules as read_policeuk, rows conserved, incremental."""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import pandas as pd
import pyarrow.dataset as ds
import pytest

import hotspots.io._national as national_module
from hotspots.exceptions import HotspotsWarning
from hotspots.io import ingest_national, open_national, read_policeuk
from hotspots.synthetic import make_archive
from tests.conftest import HEADER, policeuk_row

# Synthetic archives carry no-location rows and planted bad rows: the summary
# warning is expected; tests of the warning itself say so with pytest.warns.
pytestmark = pytest.mark.filterwarnings("ignore::hotspots.exceptions.HotspotsWarning")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A SYNTHETIC Leicestershire archive, 14 months, folder and ZIP."""
    root = tmp_path_factory.mktemp("national") / "arch"
    return make_archive(
        root, start="2023-01", end="2024-02", scale=0.05, zip_archive=True
    )


def _kept(out) -> pd.DataFrame:
    table = open_national(out, columns=["source", "row", "crime_id", "crime_type"])
    frame = table.to_table().to_pandas().astype(str)
    return frame.sort_values(["source", "row"], ignore_index=True)


def _aside(out) -> pd.DataFrame:
    q = open_national(out, table="quarantine", columns=["source", "row", "reason_code"])
    frame = q.to_table().to_pandas().astype(str)
    return frame.sort_values(["source", "row"], ignore_index=True)


def _write(root, name, rows, header=HEADER):
    path = root / name[:7] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_national_matches_read_policeuk(archive, tmp_path):
    result = read_policeuk(archive.root)
    done = ingest_national(
        archive.root, tmp_path / "ds", batch_rows=700, progress=False
    )
    want = result.crimes[["source", "row", "crime_id", "crime_type"]].astype(str)
    want = want.sort_values(["source", "row"], ignore_index=True)
    pd.testing.assert_frame_equal(_kept(tmp_path / "ds"), want)
    q = result.quarantine.frame[["source", "row", "reason_code"]].astype(str)
    q = q.sort_values(["source", "row"], ignore_index=True)
    pd.testing.assert_frame_equal(_aside(tmp_path / "ds"), q)
    assert done.by_reason == result.by_reason().set_index("reason_code")["n"].to_dict()


def test_national_conserves_rows_per_file_and_in_total(archive, tmp_path):
    done = ingest_national(
        archive.root, tmp_path / "ds", batch_rows=900, progress=False
    )
    assert done.rows_read == archive.n_rows == done.rows_kept + done.rows_set_aside
    ledger = json.loads((tmp_path / "ds" / "_ledger.json").read_text())
    for entry in ledger["files"].values():
        assert entry["rows_in"] == entry["kept"] + entry["aside"]
        assert entry["aside"] == sum(entry["by_reason"].values())
    assert sum(e["kept"] for e in ledger["files"].values()) == done.rows_kept
    assert open_national(tmp_path / "ds").count_rows() == done.rows_kept
    assert open_national(tmp_path / "ds", table="quarantine").count_rows() == (
        done.rows_set_aside
    )


def test_national_rerun_with_nothing_new_does_nothing(archive, tmp_path, caplog):
    out = tmp_path / "ds"
    first = ingest_national(archive.root, out, progress=False)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    with caplog.at_level("INFO", logger="hotspots.io._national"):
        again = ingest_national(archive.root, out, progress=False)
    assert again.files_new == 0 and again.files_skipped == first.files_new
    assert again.rows_read == 0
    assert "Nothing new" in caplog.text
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def test_national_incremental_reads_only_the_new_month(archive, tmp_path):
    part = tmp_path / "arch"
    shutil.copytree(archive.root, part)
    shutil.rmtree(part / "2024-02")
    out = tmp_path / "ds"
    first = ingest_national(part, out, progress=False)
    shutil.copytree(archive.root / "2024-02", part / "2024-02")
    second = ingest_national(part, out, progress=False)
    new = read_policeuk(archive.root / "2024-02")
    assert second.files_new == 1 and second.files_skipped == first.files_new
    assert second.months == ("2024-02",)
    assert second.rows_read == new.rows_read
    assert open_national(out).count_rows() == first.rows_kept + second.rows_kept
    whole = ingest_national(archive.root, tmp_path / "whole", progress=False)
    pd.testing.assert_frame_equal(_kept(out), _kept(tmp_path / "whole"))
    assert second.rows_kept + first.rows_kept == whole.rows_kept


def test_national_resumes_after_a_crash_without_duplicates(
    archive, tmp_path, monkeypatch
):
    real = national_module.write_batch
    calls = []

    def crash_after_writing(*args, **kwargs):
        written = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 3:  # parts of batch 3 on disk, ledger not yet written
            raise KeyboardInterrupt
        return written

    monkeypatch.setattr(national_module, "write_batch", crash_after_writing)
    out = tmp_path / "ds"
    with pytest.raises(KeyboardInterrupt):
        ingest_national(archive.root, out, batch_rows=1, progress=False)
    monkeypatch.setattr(national_module, "write_batch", real)
    resumed = ingest_national(archive.root, out, batch_rows=1, progress=False)
    assert resumed.files_skipped == 2
    whole = ingest_national(archive.root, tmp_path / "whole", progress=False)
    pd.testing.assert_frame_equal(_kept(out), _kept(tmp_path / "whole"))
    pd.testing.assert_frame_equal(_aside(out), _aside(tmp_path / "whole"))
    assert not _kept(out).duplicated(["source", "row"]).any()
    assert open_national(out).count_rows() == whole.rows_kept


def test_national_duplicate_ids_across_batches_like_read_policeuk(tmp_path):
    root = tmp_path / "arch"
    _write(
        root,
        "2024-05-leicestershire-street.csv",
        [
            policeuk_row("x", month="2024-05"),
            policeuk_row("z", month="2024-05", lon="", lat=""),
            policeuk_row("", month="2024-05"),
        ],
    )
    _write(
        root,
        "2024-06-leicestershire-street.csv",
        [
            policeuk_row("x"),  # seen in May: set aside
            policeuk_row("z"),  # May's was set aside (no location): kept
            policeuk_row("y"),
            policeuk_row("y"),  # repeated within the file
            policeuk_row(""),  # blank IDs never repeat
        ],
    )
    result = read_policeuk(root)
    done = ingest_national(root, tmp_path / "ds", batch_rows=1, progress=False)
    q = result.quarantine.frame[["source", "row", "reason_code"]].astype(str)
    pd.testing.assert_frame_equal(
        _aside(tmp_path / "ds"), q.sort_values(["source", "row"], ignore_index=True)
    )
    assert done.by_reason == {"no_coordinates": 1, "duplicate_crime_id": 2}
    assert sorted(_kept(tmp_path / "ds")["crime_id"]) == ["", "", "x", "y", "z"]


def test_national_reads_the_zip_like_the_folder(archive, tmp_path):
    ingest_national(archive.zip_path, tmp_path / "z", progress=False)
    ingest_national(archive.root, tmp_path / "f", progress=False)
    zipped, folder = _kept(tmp_path / "z"), _kept(tmp_path / "f")
    assert zipped["source"].str.contains("!").all()
    pd.testing.assert_frame_equal(
        zipped.drop(columns="source"), folder.drop(columns="source")
    )
    z = json.loads((tmp_path / "z" / "_ledger.json").read_text())["files"]
    f = json.loads((tmp_path / "f" / "_ledger.json").read_text())["files"]
    assert z.keys() == f.keys()
    assert [z[k]["sha256"] for k in z] == [f[k]["sha256"] for k in z]


def test_national_quarantines_bad_rows_and_lists_bad_files(tmp_path):
    root = tmp_path / "arch"
    _write(
        root,
        "2024-06-leicestershire-street.csv",
        [
            policeuk_row("a"),
            policeuk_row("b") + ",extra",
            policeuk_row("c", lon="", lat=""),
            policeuk_row("d", month="2024-13"),
        ],
    )
    _write(root, "2024-06-leicestershire-outcomes.csv", ["x,y"], header="a,b")
    _write(root, "2024-06-derbyshire-street.csv", ["1,2"], header="Name,Value")
    (root / "README.txt").write_text("not data\n")
    with pytest.warns(HotspotsWarning) as record:
        done = ingest_national(root, tmp_path / "ds", progress=False)
    messages = " ".join(str(w.message) for w in record)
    assert "derbyshire-street.csv was not read" in messages
    assert "set aside" in messages
    assert done.files_failed == ("arch/2024-06/2024-06-derbyshire-street.csv",)
    assert [s.kind for s in done.skipped_files] == ["not_street"]
    aside = _aside(tmp_path / "ds").set_index("row")["reason_code"].to_dict()
    assert aside == {
        "2": "malformed_row",
        "3": "no_coordinates",
        "4": "unparseable_month",
    }
    ledger = json.loads((tmp_path / "ds" / "_ledger.json").read_text())["files"]
    failed = ledger["2024-06/2024-06-derbyshire-street.csv"]
    assert failed["status"] == "failed" and "required column" in failed["error"]
    assert done.rows_read == 4 and done.rows_kept == 1


def test_open_national_filters_by_force_and_year(tmp_path):
    root = tmp_path / "arch"
    _write(root, "2023-12-leicestershire-street.csv", [policeuk_row("a", "2023-12")])
    _write(root, "2024-01-leicestershire-street.csv", [policeuk_row("b", "2024-01")])
    derby = policeuk_row("c", "2024-01", force="Derbyshire Constabulary")
    _write(root, "2024-01-derbyshire-street.csv", [derby])
    out = tmp_path / "ds"
    ingest_national(root, out, progress=False)
    where = (ds.field("force_slug") == "leicestershire") & (ds.field("year") == 2024)
    table = open_national(out, filter=where).to_table()
    assert table.column("crime_id").to_pylist() == ["b"]
    years = open_national(out, columns=["crime_id", "year"]).to_table().to_pandas()
    assert dict(zip(years["crime_id"], years["year"], strict=True)) == {
        "a": 2023,
        "b": 2024,
        "c": 2024,
    }
    part = next((out / "crimes" / "force=derbyshire").rglob("*.parquet"))
    frame = gpd.read_parquet(part)
    assert frame.crs.to_epsg() == 27700
    assert frame.geometry.x.iloc[0] == pytest.approx(frame["x"].iloc[0])
    assert str(frame["force"].iloc[0]) == "Derbyshire Constabulary"


def _same_results(a, b):
    pd.testing.assert_frame_equal(a.crimes, b.crimes)
    pd.testing.assert_frame_equal(a.quarantine.frame, b.quarantine.frame)
    for name in ("sources", "respelled", "far_outside"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.rows_read == b.rows_read and a.skipped_files == b.skipped_files


def test_read_policeuk_in_batches_equals_one_batch(archive, tmp_path, monkeypatch):
    root = tmp_path / "arch"
    shutil.copytree(archive.root, root)
    _write(
        root,
        "2022-12-leicestershire-street.csv",
        [
            policeuk_row("old", "Dec-22", crime_type="Violent crime"),
            policeuk_row("dup", "2022-12"),
            policeuk_row("ctl", "2022-12", location="On or near \x01 Street"),
            policeuk_row("bad", "2022-12") + ",extra",
        ],
    )
    _write(root, "2023-01-leicestershire-street.csv", [policeuk_row("dup", "2023-01")])
    whole = read_policeuk(root)
    monkeypatch.setattr("hotspots.io._policeuk.BATCH_ROWS", 1)
    batched = read_policeuk(root)
    _same_results(batched, whole)
    assert "crime_type_published" in batched.crimes.columns
    q = batched.quarantine.frame
    repeat = q[q["Crime ID"] == "dup"]
    assert repeat["reason_code"].tolist() == ["duplicate_crime_id"]
    assert set(q["reason_code"]) >= {"malformed_row", "duplicate_crime_id"}


def test_national_reads_old_crime_type_names_like_read_policeuk(tmp_path):
    root = tmp_path / "arch"
    old = policeuk_row("p", "2013-04", crime_type="Public disorder and weapons")
    _write(root, "2013-04-leicestershire-street.csv", [old])
    _write(root, "2013-06-leicestershire-street.csv", [policeuk_row("q", "2013-06")])
    with pytest.warns(HotspotsWarning, match="split into"):
        done = ingest_national(root, tmp_path / "ds", batch_rows=1, progress=False)
    assert done.rows_kept == 2
    table = open_national(tmp_path / "ds").to_table().to_pandas()
    published = dict(zip(table["crime_id"], table["crime_type_published"], strict=True))
    assert published["p"] == "Public disorder and weapons"
    assert set(table["crime_type"].astype(str)) == {
        "Public order",
        "Violence and sexual offences",
    }
