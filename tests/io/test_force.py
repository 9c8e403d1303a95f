import pandas as pd
import pytest

from hotspots.exceptions import HotspotsWarning, SchemaError
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


# ---------------------------------------------------------------- case 04
CASE_04 = """URN,OffenceDate,HOCode,X,Y,Street
EX/0001/24,03/01/2024 22:15,8N,458610,304490,INVENTED ROAD
EX/0002/24,04/01/2024 01:40,8N,458630,304470,INVENTED ROAD
EX/0003/24,06/01/2024 23:05,34B,458590,304510,EXAMPLE STREET
EX/0004/24,09/01/2024 02:30,8N,0,0,NOT GEOCODED
EX/0005/24,11/01/2024 21:10,10A,0,0,NOT GEOCODED
EX/0006/24,12/01/2024 00:20,8N,,,NO LOCATION
EX/0007/24,14/01/2024 19:45,8N,459120,305010,SAMPLE LANE
EX/0008/24,15/01/2024 23:55,5D,458600,304480,INVENTED ROAD
"""
CASE_04_MAP = """columns:
  crime_id: URN
  date: OffenceDate
  offence_code: HOCode
  easting: X
  northing: Y
  location: Street
"""


def test_read_force_extract_sets_aside_zero_zero_placeholders(tmp_path):
    (tmp_path / "extract.csv").write_text(CASE_04)
    (tmp_path / "column_map.yaml").write_text(CASE_04_MAP)
    result = read_force_extract(
        tmp_path / "extract.csv", tmp_path / "column_map.yaml", force="Examplecity"
    )
    q = result.quarantine.frame.set_index("row")
    assert q["reason_code"].to_dict() == {
        4: "placeholder_coordinates",
        5: "placeholder_coordinates",
        6: "no_coordinates",
    }
    assert "(0, 0)" in q.loc[4, "reason"]
    assert result.rows_read == 8 == len(result.crimes) + len(result.quarantine)
    # Nothing is left at the origin to stretch a grid across the country.
    minx, miny, maxx, maxy = result.crimes.total_bounds
    assert (minx, miny, maxx, maxy) == (458_590, 304_470, 459_120, 305_010)
    assert pd.isna(result.by_force()["far_outside_area"]).all()  # unknown force


@pytest.mark.parametrize(
    ("x", "y"),
    [("0", "0"), ("0", "304500"), ("458600", "0"), ("999999", "999999"), ("-1", "-1")],
)
def test_read_force_extract_placeholder_eastings_northings(tmp_path, x, y):
    path = tmp_path / "x.csv"
    path.write_text(
        f"ref,when,code,x,y\nA,2024-03-01 10:00,8N,458600,304500\n"
        f"B,2024-03-01 10:00,8N,{x},{y}\n"
    )
    mapping = {
        "crime_id": "ref",
        "date": "when",
        "offence_code": "code",
        "easting": "x",
        "northing": "y",
    }
    result = read_force_extract(path, mapping, force="Leicestershire Police")
    assert result.crimes["crime_id"].tolist() == ["A"]
    assert result.quarantine.frame["reason_code"].tolist() == [
        "placeholder_coordinates"
    ]


def test_read_force_extract_placeholder_lonlat_and_whole_file_warning(tmp_path):
    path = tmp_path / "geocoded.csv"
    path.write_text(
        "ref,when,type,lon,lat\nA,2024-03-01 10:00,Robbery,0,0\n"
        "B,2024-03-01 10:00,Robbery,0.0,0.0\nC,2024-03-01 10:00,Robbery,-1.13,52.63\n"
    )
    mapping = {
        "crime_id": "ref",
        "date": "when",
        "crime_type": "type",
        "longitude": "lon",
        "latitude": "lat",
    }
    with pytest.warns(
        HotspotsWarning,
        match=r"geocoded\.csv: 2 of 3 rows.*placeholder_coordinates.*lon='0', lat='0'",
    ):
        result = read_force_extract(path, mapping, force="Leicestershire Police")
    assert result.crimes["crime_id"].tolist() == ["C"]


def test_read_force_extract_whole_file_of_unreadable_dates_warns(tmp_path):
    path = tmp_path / "us_dates.csv"
    path.write_text(
        "ref,when,code,x,y\nA,03-13-2024 10:00,8N,458600,304500\n"
        "B,03-14-2024 10:00,8N,458600,304500\n"
    )
    mapping = {
        "crime_id": "ref",
        "date": "when",
        "offence_code": "code",
        "easting": "x",
        "northing": "y",
    }
    with pytest.warns(
        HotspotsWarning,
        match=r"us_dates\.csv.*unparseable_date.*'03-13-2024.*date_format",
    ):
        read_force_extract(path, mapping, force="Leicestershire Police")


def test_read_force_extract_old_crime_type_names(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text(
        "ref,when,type,lon,lat\nA,2013-03-01 10:00,Violent crime,-1.13,52.63\n"
        "B,2013-03-01 10:00,Robbery,-1.13,52.63\n"
    )
    mapping = {
        "crime_id": "ref",
        "date": "when",
        "crime_type": "type",
        "longitude": "lon",
        "latitude": "lat",
    }
    result = read_force_extract(path, mapping, force="Leicestershire Police")
    crimes = result.crimes
    assert crimes["crime_type"].tolist() == ["Violence and sexual offences", "Robbery"]
    assert crimes["crime_type_published"].tolist() == ["Violent crime", "Robbery"]
    assert "Crime type: 1 row(s) an older police.uk name" in str(result)
