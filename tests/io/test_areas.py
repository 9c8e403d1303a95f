"""Police force areas, boundaries by force name, and rows far outside their force."""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspots.exceptions import CRSError, InputFileError
from hotspots.io import (
    FAR_OUTSIDE_KM,
    FORCES,
    force_area,
    outside_force_area,
    read_boundary,
    read_policeuk,
)
from hotspots.io._areas import force_polygon
from tests.conftest import policeuk_row

LEICESTER = shapely.Point(458_600, 304_500)  # city centre, BNG metres
DATA = Path(str(resources.files("hotspots.data")))


def test_force_area_leicester_city_centre_is_in_leicestershire():
    area = force_area("leicestershire")
    assert list(area.columns) == ["slug", "name", "area_name", "geometry"]
    assert len(area) == 1 and area.crs.to_epsg() == 27700
    assert area.loc[0, "name"] == "Leicestershire Police"
    assert area.loc[0, "area_name"] == "Leicestershire"
    assert area.geometry.iloc[0].contains(LEICESTER)
    assert not force_area("derbyshire").geometry.iloc[0].contains(LEICESTER)
    # Leicestershire and Rutland: about 2,540 km2.
    assert 2_300e6 < area.geometry.iloc[0].area < 2_800e6


def test_force_area_every_territorial_force_has_an_outline():
    shipped = FORCES[FORCES["outline_shipped"]]
    areas = [force_area(slug) for slug in shipped["slug"]]
    total = sum(a.geometry.iloc[0].area for a in areas)
    assert len(areas) == 43
    assert 148_000e6 < total < 154_000e6  # England and Wales: about 151,000 km2
    assert force_area("London, City of").geometry.iloc[0].area < 5e6


@pytest.mark.parametrize(
    ("force", "match"),
    [
        ("btp", "railways"),
        ("Police Service of Northern Ireland", "ships no outline"),
        ("Leicstershire", "Closest: 'Leicestershire Police'"),
    ],
)
def test_force_area_errors(force, match):
    with pytest.raises(ValueError, match=match) as info:
        force_area(force)
    assert "read_boundary" in str(info.value) or "FORCES" in str(info.value)


def test_force_areas_file_is_small_and_matches_its_readme():
    path = DATA / "force_areas.geojson.gz"
    assert path.stat().st_size < 500_000
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert digest in readme


def test_read_boundary_accepts_a_force_name():
    area = read_boundary("Leicestershire Police")
    assert area.crs.to_epsg() == 27700 and area.geometry.iloc[0].contains(LEICESTER)
    with pytest.raises(InputFileError, match=r"no such boundary.*name of a police"):
        read_boundary("Leicestershire Polic.geojson")


def test_force_polygon_helper_for_other_layers():
    polygon = force_polygon("leicestershire")
    assert isinstance(polygon, shapely.Geometry) and polygon.contains(LEICESTER)


def test_read_policeuk_boundary_by_force_name(write_csv):
    rows = [policeuk_row("in"), policeuk_row("out", lon="-1.476", lat="53.381")]
    result = read_policeuk(write_csv(rows), boundary="leicestershire")
    assert result.crimes["crime_id"].tolist() == ["in"]
    assert result.quarantine.frame["reason_code"].tolist() == ["outside_boundary"]
    with pytest.raises(ValueError, match="names no police force"):
        read_policeuk(write_csv(rows), boundary="Leicestershire.geojson")


# ---------------------------------------------------------------- far outside
def _crimes(points, forces, crs=27700):
    return gpd.GeoDataFrame({"force": forces}, geometry=points, crs=crs)


def test_outside_force_area_known_distances():
    crimes = _crimes(
        [
            LEICESTER,
            shapely.Point(530_000, 180_000),  # central London
            shapely.Point(530_000, 180_000),
            shapely.Point(),  # no location
            LEICESTER,
        ],
        [
            "Leicestershire Police",
            "Leicestershire Police",
            "British Transport Police",
            "Leicestershire Police",
            "Examplecity Police",
        ],
    )
    metres = outside_force_area(crimes)
    assert metres.iloc[0] == 0
    # London lies about 100 km south-east of the Leicestershire boundary.
    assert 80_000 < metres.iloc[1] < 130_000
    assert np.isnan(metres.iloc[2:]).all()
    assert metres.attrs["hotspots"] == {"km": FAR_OUTSIDE_KM, "n_far": 1}
    assert outside_force_area(crimes.to_crs(4326)).iloc[1] == pytest.approx(
        metres.iloc[1], abs=1
    )


def test_outside_force_area_errors():
    with pytest.raises(ValueError, match="'force' column"):
        outside_force_area(gpd.GeoDataFrame(geometry=[LEICESTER], crs=27700))
    with pytest.raises(CRSError, match="set_crs"):
        outside_force_area(_crimes([LEICESTER], ["Leicestershire Police"], crs=None))
    with pytest.raises(ValueError, match="km must be >= 0"):
        outside_force_area(_crimes([LEICESTER], ["Leicestershire Police"]), km=-1)


def test_read_policeuk_reports_far_rows_and_keeps_them(write_csv):
    rows = [
        policeuk_row("in"),
        policeuk_row("sheffield", lon="-1.476", lat="53.381"),  # ~50 km away
    ]
    result = read_policeuk(write_csv(rows))
    assert len(result.crimes) == 2  # real records: kept
    by_force = result.by_force().set_index("force")
    assert by_force.loc["Leicestershire Police", "far_outside_area"] == 1
    text = str(result)
    assert re.search(
        r"1 located row\(s\) lie more than 5 km outside Leicestershire Police's force "
        r"area \(furthest \d+ km\); pass boundary='leicestershire'",
        text,
    )


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "force", "expected"),
    [
        (
            "policeuk_street_leicestershire_2023_2024.csv.gz",
            "Leicestershire Police",
            1_028,
        ),
        (
            "policeuk_street_derbyshire_2023_2024.csv.gz",
            "Derbyshire Constabulary",
            1_123,
        ),
        (
            "policeuk_street_west_yorkshire_2016_2018_july.csv.gz",
            "West Yorkshire Police",
            19,
        ),
    ],
    ids=["leicestershire", "derbyshire", "west_yorkshire"],
)
def test_far_outside_counts_on_real_files(shared_real, name, force, expected):
    result = read_policeuk(shared_real / name)
    counts = result.by_force().set_index("force")["far_outside_area"]
    assert abs(counts[force] - expected) <= 0.05 * expected
    located = outside_force_area(result.crimes)
    assert located.notna().all()
    # Most rows lie inside their own force's area.
    assert (located == 0).mean() > 0.98


@pytest.mark.parametrize("slug", ["metropolitan", "leicestershire", "dyfed-powys"])
def test_interior_squares_shortcut_equals_the_outline_distance(slug):
    # Points in squares wholly inside the area skip the outline: the distances must
    # be exactly those of the full test, on square edges and corners too.
    from hotspots.io import _areas

    area = _areas._areas().loc[slug, "geometry"]
    x0, y0, x1, y1 = area.bounds
    rng = np.random.default_rng(7)
    x = rng.uniform(x0 - 3_000, x1 + 3_000, 20_000)
    y = rng.uniform(y0 - 3_000, y1 + 3_000, 20_000)
    step = _areas._INTERIOR_M
    x[:2_000] = x0 + step * np.round((x[:2_000] - x0) / step)  # on square edges
    y[:1_000] = y0 + step * np.round((y[:1_000] - y0) / step)  # and corners
    with _areas._GEOS_LOCK:
        fast = _areas._slug_distance(slug, x, y)
        full = _areas._distance(area, x, y)
    np.testing.assert_array_equal(fast, full)
    assert (fast == 0).mean() > 0.3 and (fast > 0).any()


def test_outlines_read_without_gdal_equal_geopandas_read_file():
    import gzip
    import io

    import pandas as pd

    from hotspots.io._areas import _read_areas

    raw = gzip.decompress((DATA / "force_areas.geojson.gz").read_bytes())
    expected = gpd.read_file(io.BytesIO(raw))
    got = _read_areas()
    assert got.crs == expected.crs
    pd.testing.assert_frame_equal(
        got.drop(columns="geometry").reset_index(drop=True),
        expected.drop(columns="geometry"),
    )
    assert shapely.equals_exact(got.geometry.values, expected.geometry.values, 0).all()
