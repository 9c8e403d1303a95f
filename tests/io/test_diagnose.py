"""Whole-file failures are said loudly, with the file, check, sample and cause."""

from __future__ import annotations

import re
import warnings

import pytest
import shapely

from hotspots.exceptions import HotspotsWarning
from hotspots.io import read_policeuk
from tests.conftest import policeuk_row


@pytest.mark.parametrize(
    ("row", "match"),
    [
        (
            {"lon": "458600", "lat": "304500"},
            r"outside_uk.*Longitude='458600', Latitude='304500'.*eastings/northings",
        ),
        ({"crime_type": "Assault"}, r"unknown_crime_type.*'Assault'"),
        ({"lon": "", "lat": ""}, r"no_coordinates"),
    ],
    ids=["eastings_in_lonlat", "crime_type", "no_location"],
)
def test_most_rows_failing_one_check_warns(write_csv, row, match):
    rows = [policeuk_row(f"r{i}", **row) for i in range(3)] + [policeuk_row("ok")]
    with pytest.warns(HotspotsWarning, match=r"street\.csv: 3 of 4 rows \(75%\)") as w:
        result = read_policeuk(write_csv(rows))
    assert re.search(match, str(w[0].message)), w[0].message
    assert result.rows_read == len(result.crimes) + len(result.quarantine) == 4


def test_half_the_rows_or_a_filter_does_not_warn(write_csv):
    rows = [policeuk_row("a", lon="", lat=""), policeuk_row("b")]
    with warnings.catch_warnings():
        warnings.simplefilter("error", HotspotsWarning)
        read_policeuk(write_csv(rows))  # 1 of 2: not most rows
        rows = [policeuk_row(f"r{i}", crime_type="Burglary") for i in range(3)]
        result = read_policeuk(write_csv(rows), crime_types="serious_violence")
    assert len(result.quarantine) == 3  # the caller's own filter: no warning


def test_boundary_smaller_than_the_file_does_not_warn_but_a_wrong_one_does(write_csv):
    rows = [policeuk_row(f"r{i}", lon="-1.5", lat="53.0") for i in range(3)]
    rows.append(policeuk_row("in"))
    city = shapely.box(455_000, 300_000, 462_000, 308_000)  # Leicester only
    with warnings.catch_warnings():
        warnings.simplefilter("error", HotspotsWarning)
        result = read_policeuk(write_csv(rows), boundary=city)
    assert result.crimes["crime_id"].tolist() == ["in"]
    with pytest.warns(HotspotsWarning, match=r"outside_boundary.*not this file's area"):
        read_policeuk(write_csv(rows), boundary="cumbria")
