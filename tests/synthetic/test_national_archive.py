"""The synthetic national police.uk archive: layout, volumes, places, faults."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.io import POLICEUK_COLUMNS, read_policeuk
from hotspots.synthetic import SyntheticNationalArchive, make_national_archive
from hotspots.synthetic._national_rows import area_polygon, force_table
from hotspots.synthetic._places import CONTEXT_LABEL

FORCES = ["leicestershire", "city-of-london", "dyfed-powys", "btp"]
RATES = {"duplicate_crime_id": 2e-3, "malformed_row": 1e-3, "no_coordinates": 0.03}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> SyntheticNationalArchive:
    root = tmp_path_factory.mktemp("national") / "uk"
    return make_national_archive(
        root,
        forces=FORCES,
        months=3,
        start="2023-11",
        rows_per_year=3_000_000,
        rng=7,
        zip=True,
        fault_rates=RATES,
    )


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip")


def test_layout_header_and_label(archive):
    months = ["2023-11", "2023-12", "2024-01"]
    assert archive.months == tuple(months)
    assert archive.forces == tuple(s for s in force_table()["slug"] if s in FORCES)
    expected = {
        archive.root / m / f"{m}-{slug}-street.csv" for m in months for slug in FORCES
    }
    assert set(archive.files) == expected
    assert all(path.is_file() for path in archive.files)
    assert (archive.root / "README.txt").read_text().startswith("SYNTHETIC")
    assert archive.truth["synthetic"] is True
    for path in archive.files:
        with path.open(newline="", encoding="utf-8") as handle:
            assert tuple(next(csv.reader(handle))) == POLICEUK_COLUMNS
    frame = _read(archive.files[0])
    assert set(frame["Context"]) == {CONTEXT_LABEL}
    assert "SYNTHETIC" in CONTEXT_LABEL.upper()
    names = dict(zip(force_table()["slug"], force_table()["name"], strict=True))
    slug = archive.files[0].name[len("2023-11-") : -len("-street.csv")]
    assert set(frame["Falls within"]) == set(frame["Reported by"]) == {names[slug]}
    asb = frame["Crime type"] == "Anti-social behaviour"
    assert (frame.loc[asb, "Crime ID"] == "").all()
    assert frame.loc[~asb, "Crime ID"].str.fullmatch("[0-9a-f]{64}").all()
    with zipfile.ZipFile(archive.zip_path) as bundle:
        members = set(bundle.namelist())
    assert {str(p.relative_to(archive.root)) for p in archive.files} <= members


def test_rows_per_force_and_file_sum_to_the_total(archive):
    truth = archive.truth
    assert sum(truth["rows_per_force"].values()) == archive.rows == truth["rows"]
    assert sum(f["rows"] for f in truth["files"].values()) == archive.rows
    assert sum(truth["rows_per_crime_type"].values()) == archive.rows
    lines = sum(len(p.read_bytes().splitlines()) - 1 for p in archive.files)
    assert lines == archive.rows
    # 4 forces' share of 3M a year for 3 months
    share = force_table().set_index("slug").loc[FORCES, "share"].sum()
    assert archive.rows == round(3_000_000 * 3 / 12 * share)
    per = truth["rows_per_force"]
    assert per["leicestershire"] > per["dyfed-powys"] > per["city-of-london"]


def test_points_lie_inside_their_force_area(archive):
    for slug in FORCES:
        files = [p for p in archive.files if p.name.endswith(f"-{slug}-street.csv")]
        frame = pd.concat([_read(p) for p in files])
        frame = frame[frame["Longitude"] != ""]
        from pyproj import Transformer

        to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
        x, y = to_bng.transform(frame["Longitude"].astype(float), frame["Latitude"])
        area = shapely.buffer(area_polygon(slug), 1.0)  # 6-decimal rounding
        assert shapely.contains_xy(area, np.asarray(x), np.asarray(y)).all(), slug
        assert frame["LSOA code"].str.fullmatch(r"[EW]01\d{6}").all()


def test_faults_are_planted_at_the_recorded_counts(archive):
    faults = archive.truth["faults"]
    assert all(n > 0 for n in faults.values()), faults
    no_location = 0
    for path in archive.files:
        frame = _read(path)  # malformed rows are skipped here
        no_location += int((frame["Location"] == "No Location").sum())
        record = archive.truth["files"][str(path.relative_to(archive.root))]
        text = path.read_text(encoding="utf-8")
        assert text.count(f"{CONTEXT_LABEL},extra field\n") == record["malformed_row"]
        assert (
            int(
                frame["Crime ID"].ne("").sum()
                - frame["Crime ID"].replace("", np.nan).dropna().nunique()
            )
            == record["duplicate_crime_id"]
        )
    assert no_location == faults["no_coordinates"]


def test_read_policeuk_conserves_rows_and_finds_the_faults(archive):
    result = read_policeuk(archive.root)
    assert result.rows_read == archive.rows
    assert len(result.crimes) + len(result.quarantine) == archive.rows
    counts = result.quarantine.counts().set_index("reason_code")["n"].to_dict()
    assert counts == {k: v for k, v in archive.truth["faults"].items() if v}
    assert (result.crimes["context"] == CONTEXT_LABEL).all()


def test_same_seed_same_bytes(tmp_path):
    def make(name, rng):
        return make_national_archive(
            tmp_path / name, forces=["kent", "surrey"], months=2, rows_per_year=600_000,
            rng=rng,
        )  # fmt: skip

    first, second, other = make("a", 11), make("b", 11), make("c", 12)
    for a, b in zip(first.files, second.files, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert first.files[0].read_bytes() != other.files[0].read_bytes()
    assert first.truth["faults"] == second.truth["faults"]
    again = make("a", 11)  # re-writing a synthetic archive replaces it
    assert again.files[0].read_bytes() == first.files[0].read_bytes()


def test_refuses_a_folder_that_is_not_a_synthetic_archive(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a synthetic national archive"):
        make_national_archive(tmp_path, forces=1, months=1, rows_per_year=12_000)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"forces": 0}, ValueError, "forces must be from 1 to 44"),
        ({"forces": ["atlantis"]}, ValueError, "unknown"),
        ({"forces": "kent"}, TypeError, "iterable of slugs"),
        ({"start": "2024-13"}, ValueError, "YYYY-MM"),
        ({"months": 0}, ValueError, "months must be"),
        ({"rows_per_year": 0}, ValueError, "rows_per_year"),
        ({"fault_rates": {"typo": 0.1}}, ValueError, "fault_rates keys"),
        ({"fault_rates": {"malformed_row": 0.9}}, ValueError, r"\[0, 0.5\)"),
    ],
)
def test_bad_arguments_say_what_to_do(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        make_national_archive(tmp_path / "x", **kwargs)


def test_every_force_by_default_with_btp_share(tmp_path):
    archive = make_national_archive(tmp_path / "uk", months=1, rows_per_year=240_000)
    assert len(archive.forces) == 44 and "btp" in archive.forces
    assert "northern-ireland" not in archive.forces
    assert abs(archive.truth["rows_per_force"]["btp"] - archive.rows * 0.01) <= 1
    text = io.StringIO(archive.files[0].read_text(encoding="utf-8"))
    assert next(csv.reader(text))[0] == "Crime ID"
