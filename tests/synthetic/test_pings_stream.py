"""The force-sized SYNTHETIC ping export written chunk by chunk."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box

from hotspots.synthetic import write_pings_csv

TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("stream") / "pings.csv"
    places = write_pings_csv(path, 20_000, units=30, seed=3, chunk_rows=3_000)
    return path, places, pd.read_csv(path)


def test_write_pings_csv_writes_exactly_n_rows_in_the_export_layout(written):
    path, _, frame = written
    assert len(frame) == 20_000
    assert path.read_text().startswith(
        "unit,time,longitude,latitude,officers,synthetic\n"
    )
    assert frame["synthetic"].all()
    assert frame["unit"].str.fullmatch(r"SYN-R\d{3}").all()
    assert frame["officers"].isin([1, 2]).all()
    times = pd.to_datetime(frame["time"], format="ISO8601", utc=True)
    assert times.is_monotonic_increasing  # units interleaved in time order
    assert frame["time"].str[0:10].min() == "2024-01-01"


def test_write_pings_csv_same_seed_same_file(tmp_path, written):
    path, _, _ = written
    again = tmp_path / "again.csv"
    write_pings_csv(again, 20_000, units=30, seed=3, chunk_rows=7_000)
    assert again.read_bytes() == path.read_bytes()  # chunking does not matter
    other = tmp_path / "other.csv"
    write_pings_csv(other, 20_000, units=30, seed=4, chunk_rows=7_000)
    assert other.read_bytes() != path.read_bytes()


def test_write_pings_csv_default_places_are_18_squares_in_central_leicester(written):
    _, places, _ = written
    assert len(places) == 18 and places["place_id"].is_unique
    assert places.crs.to_epsg() == 27700
    assert np.allclose(places.area, 150 * 150)
    minx, miny, maxx, maxy = places.total_bounds
    assert minx >= 458_000 and maxx <= 462_000 and miny >= 302_000 and maxy <= 306_000
    gaps = places.geometry.apply(
        lambda g: places.geometry.distance(g).nlargest(17).min()
    )
    assert (gaps >= 150).all()
    assert places.attrs["synthetic"] is True


def test_write_pings_csv_most_pings_are_outside_the_hot_spots(written):
    _, places, frame = written
    fixed = frame["longitude"] != 0
    x, y = TO_BNG.transform(frame["longitude"][fixed], frame["latitude"][fixed])
    zone = shapely.union_all(places.buffer(10).to_numpy())
    inside = shapely.contains_xy(zone, x, y).mean()
    assert 0.005 < inside < 0.2


def test_write_pings_csv_pings_every_30_seconds_per_radio(written):
    _, _, frame = written
    times = pd.to_datetime(frame["time"], format="ISO8601", utc=True)
    steps = times.groupby(frame["unit"]).diff().dt.total_seconds().dropna()
    assert steps.median() == 30
    assert (steps >= 0).all()


def test_write_pings_csv_gzip(tmp_path):
    path = tmp_path / "pings.csv.gz"
    write_pings_csv(path, 500, units=3, seed=1)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    assert len(pd.read_csv(path)) == 500


def test_write_pings_csv_uses_the_places_given(tmp_path):
    places = gpd.GeoDataFrame(
        {"place_id": ["X"]},
        geometry=[box(460_000, 304_000, 460_100, 304_100)],
        crs=27700,
    )
    used = write_pings_csv(tmp_path / "p.csv", 100, places=places, units=3)
    assert used["place_id"].tolist() == ["X"]
    with pytest.raises(ValueError, match="EPSG:27700"):
        write_pings_csv(tmp_path / "q.csv", 100, places=places.to_crs(32630), units=3)


@pytest.mark.parametrize(
    "kwargs",
    [{"n_rows": 0}, {"units": 2}, {"chunk_rows": 0}],
    ids=["rows", "units", "chunk"],
)
def test_write_pings_csv_refuses_bad_sizes(tmp_path, kwargs):
    options = {"n_rows": 10, **kwargs}
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        write_pings_csv(tmp_path / "p.csv", **options)
