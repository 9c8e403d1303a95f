import zipfile

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.exceptions import HotspotsWarning, InputFileError, SchemaError
from hotspots.io import read_policeuk
from hotspots.io._policeuk import force_matches
from hotspots.io._schema import BNG, CRIME_TYPES, OUTPUT_COLUMNS
from tests.conftest import HEADER, policeuk_row


def conserved(result):
    return result.rows_read == len(result.crimes) + len(result.quarantine)


def test_read_policeuk_columns_types_and_crs(write_csv):
    path = write_csv([policeuk_row("a1"), policeuk_row("a2", crime_type="Robbery")])
    result = read_policeuk(path)
    crimes = result.crimes
    assert list(crimes.columns) == list(OUTPUT_COLUMNS)
    assert crimes.crs.to_string() == BNG
    assert str(crimes["month"].dtype) == "datetime64[ns]"
    assert crimes["month"].iloc[0] == pd.Timestamp("2024-06-01")
    assert list(crimes["crime_type"].cat.categories) == list(CRIME_TYPES)
    assert isinstance(crimes["force"].dtype, pd.CategoricalDtype)
    assert crimes["row"].tolist() == [1, 2]
    assert crimes["source"].astype(str).tolist() == [path.name] * 2
    assert conserved(result) and result.rows_read == 2


def test_read_policeuk_projects_to_bng_like_pyproj(write_csv):
    # Leicester Clock Tower, about (-1.13359, 52.63650) -> BNG ~ (458,950, 304,500)
    path = write_csv([policeuk_row(lon="-1.133590", lat="52.636500")])
    x, y = read_policeuk(path).crimes.geometry.iloc[0].coords[0]
    assert 458_500 < x < 459_500 and 304_000 < y < 305_000


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (policeuk_row(lon="", lat=""), "no_coordinates"),
        (policeuk_row(lon="abc", lat="52.6"), "bad_coordinates"),
        (policeuk_row(lon="52.634000", lat="-1.131000"), "outside_uk"),
        (policeuk_row(lon="2.35", lat="48.85"), "outside_uk"),
        (policeuk_row(lon="0", lat="0"), "placeholder_coordinates"),
        (policeuk_row(month="2024-13"), "unparseable_month"),
        (policeuk_row(month="06/03/2024"), "unparseable_month"),
        (policeuk_row(crime_type="Knife crime"), "unknown_crime_type"),
    ],
    ids=["blank", "text", "swapped", "paris", "zero", "month13", "ambiguous", "type"],
)
def test_read_policeuk_quarantines_bad_rows(write_csv, row, code):
    result = read_policeuk(write_csv([policeuk_row("ok"), row]))
    assert len(result.crimes) == 1
    assert result.quarantine.frame["reason_code"].tolist() == [code]
    assert result.quarantine.frame["row"].tolist() == [2]
    assert conserved(result)


def test_read_policeuk_swapped_coordinates_reason_says_swapped(write_csv):
    path = write_csv([policeuk_row(lon="52.634000", lat="-1.131000")])
    with pytest.warns(HotspotsWarning, match=r"1 of 1 rows.*outside_uk.*swapped"):
        result = read_policeuk(path)
    assert "swapped" in result.quarantine.frame["reason"].iloc[0]


def test_read_policeuk_quarantines_duplicate_crime_id_keeps_first(write_csv):
    rows = [
        policeuk_row("x"),
        policeuk_row("y"),
        policeuk_row("x", location="On or near B"),
    ]
    result = read_policeuk(write_csv(rows))
    assert result.crimes["row"].tolist() == [1, 2]
    q = result.quarantine.frame
    assert q["reason_code"].tolist() == ["duplicate_crime_id"] and q[
        "row"
    ].tolist() == [3]


def test_read_policeuk_blank_crime_id_is_not_a_duplicate(write_csv):
    rows = [policeuk_row("", crime_type="Anti-social behaviour")] * 3
    result = read_policeuk(write_csv(rows))
    assert len(result.crimes) == 3


def test_read_policeuk_malformed_row_kept_in_quarantine_with_text(write_csv):
    rows = [policeuk_row("a"), policeuk_row("b") + ",extra", policeuk_row("c")]
    result = read_policeuk(write_csv(rows))
    q = result.quarantine.frame
    assert q["reason_code"].tolist() == ["malformed_row"]
    assert q["row"].tolist() == [2]
    assert q["raw_text"].iloc[0].endswith(",extra")
    assert result.crimes["row"].tolist() == [1, 3]
    assert conserved(result)


def test_read_policeuk_filters_are_quarantined_as_filters(write_csv):
    rows = [
        policeuk_row("a", month="2024-05"),
        policeuk_row("b", month="2024-06"),
        policeuk_row("c", crime_type="Burglary"),
        policeuk_row("d", force="Derbyshire Constabulary"),
    ]
    result = read_policeuk(
        write_csv(rows),
        start="2024-06",
        end="2024-06",
        crime_types="serious_violence",
        forces=["leicestershire"],
    )
    q = result.quarantine.frame.set_index("row")
    assert q.loc[1, "reason_code"] == "month_out_of_range"
    assert q.loc[3, "reason_code"] == "crime_type_not_requested"
    assert q.loc[4, "reason_code"] == "force_not_requested"
    assert q["is_filter"].all()
    assert result.crimes["crime_id"].tolist() == ["b"]
    counts = result.by_reason()
    assert counts["is_filter"].all() and counts["n"].sum() == 3


def test_read_policeuk_boundary(write_csv):
    rows = [policeuk_row("in"), policeuk_row("out", lon="-1.5", lat="53.0")]
    box = shapely.box(450_000, 300_000, 470_000, 310_000)
    result = read_policeuk(write_csv(rows), boundary=box)
    assert result.crimes["crime_id"].tolist() == ["in"]
    assert result.quarantine.frame["reason_code"].tolist() == ["outside_boundary"]


def test_read_policeuk_boundary_geodataframe_is_reprojected(write_csv):
    import geopandas as gpd

    rows = [policeuk_row("in"), policeuk_row("out", lon="-1.5", lat="53.0")]
    area = gpd.GeoDataFrame(geometry=[shapely.box(-1.2, 52.6, -1.0, 52.7)], crs=4326)
    result = read_policeuk(write_csv(rows), boundary=area)
    assert result.crimes["crime_id"].tolist() == ["in"]


def test_read_policeuk_folder_and_zip_agree(tmp_path):
    months = ["2024-05", "2024-06", "2024-07"]
    archive = tmp_path / "archive"
    zpath = tmp_path / "download.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        for i, m in enumerate(months):
            text = "\n".join([HEADER, policeuk_row(f"id{i}", month=m), ""])
            member = f"{m}/{m}-leicestershire-street.csv"
            (archive / m).mkdir(parents=True)
            (archive / member).write_text(text)
            z.writestr(member, text)
            z.writestr(f"{m}/{m}-leicestershire-outcomes.csv", "ignored")
    from_dir = read_policeuk(archive, start="2024-06")
    from_zip = read_policeuk(zpath, start="2024-06")
    assert from_dir.crimes["crime_id"].tolist() == ["id1", "id2"]
    assert from_zip.crimes["crime_id"].tolist() == ["id1", "id2"]
    kinds = sorted(f.kind for f in from_zip.skipped_files)
    assert kinds == ["month", "not_street", "not_street", "not_street"]
    assert [f.kind for f in from_dir.skipped_files].count("month") == 1
    assert "1 outside the months asked for" in str(from_zip)
    assert from_zip.crimes["source"].astype(str).iloc[0] == (
        "download.zip!2024-06/2024-06-leicestershire-street.csv"
    )


def test_read_policeuk_archive_skips_other_forces_by_file(tmp_path):
    for slug, force in [
        ("leicestershire", "Leicestershire Police"),
        ("derbyshire", "Derbyshire Constabulary"),
    ]:
        folder = tmp_path / "2024-06"
        folder.mkdir(exist_ok=True)
        (folder / f"2024-06-{slug}-street.csv").write_text(
            "\n".join([HEADER, policeuk_row(slug, force=force), ""])
        )
    result = read_policeuk(tmp_path, forces=["Derbyshire Constabulary"])
    assert result.crimes["crime_id"].tolist() == ["derbyshire"]
    assert result.rows_read == 1


def test_read_policeuk_missing_column_error_names_file_and_columns(write_csv):
    header = HEADER.replace("Crime type", "Offence")
    path = write_csv([policeuk_row()], header=header)
    with pytest.raises(
        SchemaError,
        match=r"street\.csv, line 1.*Crime type.*read_force_extract",
    ):
        read_policeuk(path)


def test_read_policeuk_errors_on_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        read_policeuk(tmp_path / "nope.csv")
    with pytest.raises(InputFileError, match=r"no police\.uk street-level files"):
        read_policeuk(tmp_path)


def test_read_policeuk_bad_month_argument():
    with pytest.raises(ValueError, match="YYYY-MM"):
        read_policeuk("x.csv", start="2024/01")


def test_read_policeuk_unknown_crime_type_argument():
    with pytest.raises(ValueError, match="serious_violence"):
        read_policeuk("x.csv", crime_types=["Knife crime"])


def test_force_matches_slug_and_name():
    assert force_matches(["leicestershire"], "Leicestershire Police")
    assert force_matches(["West Yorkshire Police"], "west-yorkshire")
    assert force_matches(["metropolitan"], "Metropolitan Police Service")
    assert force_matches(["btp"], "British Transport Police")
    assert force_matches(["Police Service of Northern Ireland"], "northern-ireland")
    assert not force_matches(["leicestershire"], "Derbyshire Constabulary")
    # "Police" and "Service" are optional, so the Met and the PSNI stay apart.
    assert not force_matches(["metropolitan"], "Police Service of Northern Ireland")


def test_read_policeuk_unknown_force_argument_lists_suggestions(write_csv):
    with pytest.raises(ValueError, match="Closest: 'Leicestershire Police'"):
        read_policeuk(write_csv([policeuk_row()]), forces=["Leicestershir Police"])


def test_read_policeuk_bundled_real_sample_conserves_rows():
    from hotspots.demo import real_sample_path

    result = read_policeuk(real_sample_path())
    assert result.rows_read == 85_306  # data/raw/PROVENANCE.md
    assert conserved(result)
    assert (result.quarantine.frame["reason_code"] == "no_coordinates").sum() == 3_015
    assert len(result.crimes) == 85_306 - 3_015
    assert set(result.crimes["crime_type"].unique()) == {
        "Violence and sexual offences",
        "Robbery",
        "Possession of weapons",
    }
    monthly = result.by_month()
    assert len(monthly) == 24 and (monthly["rows_read"] > 2_500).all()


@pytest.mark.shared
def test_read_policeuk_shared_leicestershire_full_file(shared_real):
    result = read_policeuk(
        shared_real / "policeuk_street_leicestershire_2023_2024.csv.gz"
    )
    # Numbers from ../shared/data/real/PROVENANCE.md.
    assert result.rows_read == 217_944
    assert conserved(result)
    q = result.quarantine.frame
    assert (q["reason_code"] == "no_coordinates").sum() == 6_726
    assert (q["reason_code"] == "duplicate_crime_id").sum() == 0
    vso = result.crimes["crime_type"] == "Violence and sexual offences"
    years = result.crimes.loc[vso, "month"].dt.year.value_counts()
    assert (
        vso.sum() + (q["Crime type"] == "Violence and sexual offences").sum() == 81_604
    )
    assert years[2023] <= 40_938 and years[2024] <= 37_859


@pytest.mark.shared
def test_read_policeuk_shared_derbyshire_duplicates(shared_real):
    result = read_policeuk(shared_real / "policeuk_street_derbyshire_2023_2024.csv.gz")
    assert result.rows_read == 219_339
    assert conserved(result)
    q = result.quarantine.frame
    dup = q[q["reason_code"] == "duplicate_crime_id"]
    # Every quarantined duplicate repeats an ID that was kept.
    assert len(dup) > 0
    assert dup["Crime ID"].isin(set(result.crimes["crime_id"])).all()
    ids = result.crimes.loc[result.crimes["crime_id"] != "", "crime_id"]
    assert not ids.duplicated().any()


@pytest.mark.shared
def test_read_policeuk_shared_west_yorkshire(shared_real):
    result = read_policeuk(
        shared_real / "policeuk_street_west_yorkshire_2016_2018_july.csv.gz"
    )
    assert result.rows_read == 87_348
    assert (result.quarantine.frame["reason_code"] == "no_coordinates").sum() == 3_771
    assert np.isclose(result.crimes.geometry.x.median(), 420_000, atol=30_000)
