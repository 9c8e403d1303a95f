import pandas as pd
import pytest

from hotspots.exceptions import SchemaError
from hotspots.io import read_force_extract

COLUMN_MAP = {
    "crime_id": "URN",
    "date": "OffenceDate",
    "offence_code": "HOCode",
    "easting": "X",
    "northing": "Y",
    "location": "Street",
}
EXTRACT = """URN,OffenceDate,HOCode,X,Y,Street
L1,31/01/2024 23:15,8N,458950,304500,Granby Street
L2,2024-02-03T01:30:00,34B,459010,304420,Market Street
L3,2024-02-31 10:00,8N,459010,304420,Bad date
L4,03/02/2024,XYZ,459010,304420,Unknown code
L5,03/02/2024 10:00,8N,,,No location
L1,04/02/2024 10:00,8N,458950,304500,Repeat of L1
L7,05/02/2024 10:00,8N,45895,3045000,Northing typo
"""


@pytest.fixture
def extract(tmp_path):
    path = tmp_path / "rms_extract.csv"
    path.write_text(EXTRACT)
    return path


def test_read_force_extract_known_rows(extract):
    result = read_force_extract(extract, COLUMN_MAP, force="Leicestershire Police")
    crimes = result.crimes
    assert crimes["crime_id"].tolist() == ["L1", "L2"]
    assert crimes["date"].tolist() == [
        pd.Timestamp("2024-01-31 23:15"),
        pd.Timestamp("2024-02-03 01:30"),
    ]
    assert crimes["month"].tolist() == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-02-01"),
    ]
    assert crimes["crime_type"].tolist() == ["Violence and sexual offences", "Robbery"]
    assert crimes["offence_code"].tolist() == ["8N", "34B"]
    assert crimes.geometry.iloc[0].coords[0] == (458950.0, 304500.0)
    assert crimes.crs.to_epsg() == 27700
    # Longitude/latitude are derived from the BNG coordinates.
    assert crimes["longitude"].iloc[0] == pytest.approx(
        -1.1304, abs=1e-3
    )  # pyproj: -1.13037
    q = result.quarantine.frame.set_index("row")["reason_code"].to_dict()
    assert q == {
        3: "unparseable_date",
        4: "unknown_offence_code",
        5: "no_coordinates",
        6: "duplicate_crime_id",
        7: "outside_uk",
    }
    assert result.rows_read == 7 == len(crimes) + len(result.quarantine)
    # The quarantine keeps the extract's own columns.
    assert "HOCode" in result.quarantine.frame.columns


def test_read_force_extract_from_yaml_and_lonlat(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("ref,when,type,lon,lat\nA,2024-03-01 10:00,Robbery,-1.13,52.63\n")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n  crime_id: ref\n  date: when\n  crime_type: type\n"
        "  longitude: lon\n  latitude: lat\n"
    )
    result = read_force_extract(path, mapping, force="Leicestershire Police")
    assert result.crimes["crime_type"].tolist() == ["Robbery"]
    assert 450_000 < result.crimes.geometry.x.iloc[0] < 470_000


def test_read_force_extract_missing_column_says_which_key_to_fix(extract):
    bad = dict(COLUMN_MAP, date="OffenceDateTime")
    with pytest.raises(
        SchemaError, match=r"OffenceDateTime.*Columns present.*column_map\[\"date\"\]"
    ):
        read_force_extract(extract, bad, force="Leicestershire Police")


@pytest.mark.parametrize(
    ("mapping", "match"),
    [
        ({"date": "d", "offence_code": "o"}, "easting and northing"),
        ({"date": "d", "easting": "x", "northing": "y"}, "offence_code"),
        ({"offence_code": "o", "easting": "x", "northing": "y"}, "date"),
        (
            {
                "date": "d",
                "offence_code": "o",
                "easting": "x",
                "northing": "y",
                "when": "w",
            },
            "unknown",
        ),
    ],
    ids=["no-coords", "no-offence", "no-date", "unknown-field"],
)
def test_read_force_extract_incomplete_map(extract, mapping, match):
    with pytest.raises(SchemaError, match=match):
        read_force_extract(extract, mapping, force="F")


def test_read_force_extract_needs_force_name(extract):
    with pytest.raises(SchemaError, match="force="):
        read_force_extract(extract, COLUMN_MAP)


def test_read_force_extract_month_filter(extract):
    result = read_force_extract(
        extract,
        COLUMN_MAP,
        force="Leicestershire Police",
        start="2024-02",
        end="2024-02",
    )
    # The January L1 is out of range, so the later L1 (row 6) is no longer a repeat.
    assert result.crimes["crime_id"].tolist() == ["L2", "L1"]
    q = result.quarantine.frame
    assert q.loc[q["row"] == 1, "reason_code"].item() == "month_out_of_range"
