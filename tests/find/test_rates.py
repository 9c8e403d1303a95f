import hashlib
import importlib.util
import logging
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.exceptions import CRSError, HotspotsWarning, SchemaError
from hotspots.find._gistar import gistar, gistar_arrays
from hotspots.find._rates import eb_global, eb_spatial, rates
from hotspots.find._weights import spatial_weights

ROOT = Path(__file__).resolve().parents[2]
POPULATION_CUT = ROOT / "data" / "raw" / "lsoa_2011_population_leicestershire.csv"
COLUMNS_ADDED = ["n", "rate", "rate_prior", "eb_weight", "rate_eb", "rate_note"]


def strip(n_areas, populations, *, ids=None):
    """A row of 100 m squares with populations (ids 'a', 'b', ...)."""
    ids = ids or [chr(ord("a") + k) for k in range(n_areas)]
    return gpd.GeoDataFrame(
        {"lsoa_code": ids, "population": populations},
        geometry=[shapely.box(k * 100, 0, k * 100 + 100, 100) for k in range(n_areas)],
        crs=27700,
    )


def points_in(areas, counts, rng=None):
    """Points inside each area's square, ``counts[k]`` in area k."""
    rng = rng or np.random.default_rng(0)
    x, y = [], []
    for k, c in enumerate(counts):
        x += list(k * 100 + rng.uniform(5, 95, c))
        y += list(rng.uniform(5, 95, c))
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=areas.crs)


def patchwork(rng, n_side=8):
    """Irregular polygons (a jittered lattice) with populations and counts."""
    xs = np.cumsum(rng.uniform(60, 140, n_side + 1))
    ys = np.cumsum(rng.uniform(60, 140, n_side + 1))
    boxes = [
        shapely.box(xs[c], ys[r], xs[c + 1], ys[r + 1])
        for r in range(n_side)
        for c in range(n_side)
    ]
    n = len(boxes)
    population = rng.integers(200, 4000, n)
    counts = rng.poisson(population * rng.gamma(4, 0.004 / 4, n))
    areas = gpd.GeoDataFrame(
        {"lsoa_code": [f"E{k:03d}" for k in range(n)], "population": population},
        geometry=boxes,
        crs=27700,
    )
    return areas, counts


def test_eb_global_matches_hand_computed_marshall():
    # three areas: 3 crimes / 1000, 2 / 1500, 2 / 50 residents
    e = np.array([3.0, 2.0, 2.0])
    b = np.array([1000.0, 1500.0, 50.0])
    m = 7 / 2550  # prior mean: all crimes over all residents
    r = e / b
    s2 = (1000 * (r[0] - m) ** 2 + 1500 * (r[1] - m) ** 2 + 50 * (r[2] - m) ** 2) / 2550
    v = s2 - m / (2550 / 3)  # minus the mean over the average population
    assert v > 0
    weight = v / (v + m / b)
    expected = m + weight * (r - m)
    got_weight, got, got_m, got_v = eb_global(e, b)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    np.testing.assert_allclose(got_weight, weight, rtol=1e-14)
    assert got_m == pytest.approx(m, rel=1e-15)
    assert got_v == pytest.approx(v, rel=1e-14)
    areas = strip(3, [1000, 1500, 50])
    out = rates(points_in(areas, [3, 2, 2]), areas, per=1000)
    np.testing.assert_allclose(out["rate_eb"], expected * 1000, rtol=1e-14)
    np.testing.assert_allclose(out["rate"], r * 1000, rtol=1e-14)
    assert out.attrs["hotspots"]["prior_mean"] == pytest.approx(m * 1000)


def test_eb_global_floors_negative_prior_variance_at_zero():
    # equal rates everywhere: the moment estimate is negative, every area gets m
    e, b = np.array([10.0, 20.0, 5.0]), np.array([1000.0, 2000.0, 500.0])
    weight, smoothed, m, v = eb_global(e, b)
    assert v == 0.0
    np.testing.assert_array_equal(weight, 0.0)
    np.testing.assert_allclose(smoothed, m)
    # no crimes at all: rate 0 everywhere, no 0/0
    weight, smoothed, m, v = eb_global(np.zeros(3), b)
    assert m == 0 and (smoothed == 0).all() and (weight == 0).all()


def test_rates_match_esda_empirical_bayes():
    from esda.smoothing import Empirical_Bayes

    areas, counts = patchwork(np.random.default_rng(3))
    out = rates(points_in_patchwork(areas, counts), areas, per=1)
    assert out.attrs["hotspots"]["prior_variance"] > 0
    expected = Empirical_Bayes(counts, areas["population"].to_numpy()).r.ravel()
    np.testing.assert_allclose(out["rate_eb"], expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("neighbours", ["queen", "rook", 150.0], ids=str)
def test_rates_match_esda_spatial_empirical_bayes(neighbours):
    from esda.smoothing import Spatial_Empirical_Bayes
    from libpysal.weights import DistanceBand, Queen, Rook

    areas, counts = patchwork(np.random.default_rng(8))
    out = rates(
        points_in_patchwork(areas, counts),
        areas,
        per=1,
        smoothing="spatial_empirical_bayes",
        neighbours=neighbours,
    )
    # esda's windows built independently by libpysal
    if neighbours == "queen":
        w = Queen.from_dataframe(areas, use_index=False)
    elif neighbours == "rook":
        w = Rook.from_dataframe(areas, use_index=False)
    else:
        centres = np.column_stack([areas.centroid.x, areas.centroid.y])
        w = DistanceBand(centres, threshold=neighbours, binary=True)
    w.id_order = list(range(len(areas)))  # align esda with the rows
    expected = Spatial_Empirical_Bayes(
        counts, areas["population"].to_numpy(), w
    ).r.ravel()
    np.testing.assert_allclose(out["rate_eb"], expected, rtol=1e-12, atol=0)


def points_in_patchwork(areas, counts):
    rng = np.random.default_rng(1)
    x, y = [], []
    for geom, c in zip(areas.geometry, counts, strict=True):
        minx, miny, maxx, maxy = geom.bounds
        x += list(rng.uniform(minx + 1, maxx - 1, c))
        y += list(rng.uniform(miny + 1, maxy - 1, c))
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=areas.crs)


def test_eb_spatial_matches_hand_computed_window():
    # areas in a row, windows {0,1}, {0,1,2}, {1,2} (self included)
    e = np.array([2.0, 6.0, 1.0])
    b = np.array([1000.0, 1200.0, 100.0])
    w = spatial_weights(strip(3, b), "rook")
    _, smoothed, m = eb_spatial(e, b, w)
    r = e / b
    m1 = 9 / 2300  # the middle area's window: all three
    v1 = (b * (r - m1) ** 2).sum() / 2300 - m1 / (2300 / 3)
    assert m[1] == pytest.approx(m1, rel=1e-15)
    w1 = max(v1, 0) / (max(v1, 0) + m1 / 1200)
    assert smoothed[1] == pytest.approx(m1 + w1 * (r[1] - m1), rel=1e-14)
    m2 = 7 / 1300
    assert m[2] == pytest.approx(m2, rel=1e-15)


def test_rates_shrink_small_population_extreme_rate_towards_the_mean():
    populations = [1500, 1600, 1400, 1550, 1450, 60]
    counts = [3, 4, 2, 3, 5, 3]  # the last: 3 crimes among 60 residents, 50 per 1000
    areas = strip(6, populations)
    out = rates(points_in(areas, counts), areas)
    m = out["rate_prior"].iloc[0]
    small = out.iloc[-1]
    assert small["rate"] == pytest.approx(50.0)
    assert abs(small["rate_eb"] - m) < 0.5 * abs(small["rate"] - m)  # 50 -> 15.4
    assert small["eb_weight"] == out["eb_weight"].min()
    big = out.iloc[:-1]
    # large areas keep most of their own rate; shrinkage orders by population
    assert (big["eb_weight"] > small["eb_weight"]).all()
    order = np.argsort(populations)
    assert (np.diff(out["eb_weight"].to_numpy()[order]) >= 0).all()


def test_rates_zero_population_is_set_aside_with_a_reason():
    areas = strip(5, [1000, 0, 1200, np.nan, 900])
    crimes = points_in(areas, [4, 7, 3, 2, 5])
    with pytest.warns(HotspotsWarning, match="2 of 5 areas have no residents") as rec:
        out = rates(crimes, areas)
    assert "holding 9 crimes" in str(rec[0].message)
    assert "rate_note" in str(rec[0].message)
    assert out["n"].tolist() == [4, 7, 3, 2, 5]  # every area kept, every crime counted
    assert out["rate_note"].tolist() == [
        "",
        "no rate: no residents",
        "",
        "no rate: population missing",
        "",
    ]
    assert out.loc[[1, 3], ["rate", "rate_eb"]].isna().all().all()
    # the prior is built from the populated areas only
    _, smoothed, _, _ = eb_global(np.array([4.0, 3, 5]), np.array([1000.0, 1200, 900]))
    np.testing.assert_allclose(out.loc[[0, 2, 4], "rate_eb"], smoothed * 1000)
    assert out.attrs["hotspots"]["n_no_population"] == 2
    with pytest.raises(ValueError, match="no area has residents"):
        rates(crimes, strip(5, [0] * 5))
    with pytest.raises(SchemaError, match="negative"):
        rates(crimes, strip(5, [1000, -5, 1, 1, 1]))


def test_rates_count_by_location_and_by_code():
    areas = strip(3, [1000, 1000, 1000], ids=["E01000001", "E01000002", "E01000003"])
    crimes = points_in(areas, [2, 1, 3])
    crimes["lsoa_code"] = ["E01000001"] * 2 + ["E01000002"] + ["E01000003"] * 3
    outside = gpd.GeoDataFrame(
        {"lsoa_code": ["E01099999"]}, geometry=[shapely.Point(900, 50)], crs=27700
    )
    crimes = pd.concat([crimes, outside], ignore_index=True)
    with pytest.warns(HotspotsWarning, match="1 of 7 crimes are not counted"):
        by_location = rates(crimes, areas, smoothing=None)
    assert by_location["n"].tolist() == [2, 1, 3]
    assert list(by_location.columns[-3:]) == ["n", "rate", "rate_note"]
    with pytest.warns(HotspotsWarning, match="2021 LSOA codes") as rec:
        by_code = rates(crimes, areas, count_by="code")
    assert "E01099999" in str(rec[0].message)
    assert by_code["n"].tolist() == [2, 1, 3]
    assert by_code.attrs["hotspots"]["n_not_counted"] == 1
    with pytest.raises(ValueError, match="count_by must be"):
        rates(crimes, areas, count_by="lsoa")
    with pytest.raises(SchemaError, match="count_by='location'"):
        rates(crimes.drop(columns="lsoa_code"), areas, count_by="code")


def test_rates_point_on_a_shared_edge_is_counted_once():
    areas = strip(2, [1000, 1000])
    crimes = gpd.GeoDataFrame(geometry=[shapely.Point(100, 50)], crs=27700)
    out = rates(crimes, areas, smoothing=None)
    assert out["n"].tolist() == [1, 0]  # the first area in areas' order


def test_rates_output_columns_and_record(caplog):
    areas = strip(3, [1000, 1500, 50])
    with caplog.at_level(logging.INFO, logger="hotspots.find"):
        out = rates(points_in(areas, [3, 2, 2]), areas, per=100_000)
    assert list(out.columns) == ["lsoa_code", "population", "geometry", *COLUMNS_ADDED]
    record = out.attrs["hotspots"]
    assert record["smoothing"] == "empirical_bayes"
    assert record["per"] == 100_000
    assert record["count_by"] == "location"
    assert record["n_crimes"] == record["n_counted"] == 7
    assert "global empirical Bayes" in record["method"]
    assert "Rates per 100,000 residents in 3 areas" in caplog.text
    assert areas.columns.tolist() == ["lsoa_code", "population", "geometry"]


def test_rates_errors_say_what_to_do():
    areas = strip(3, [1000, 1500, 50])
    crimes = points_in(areas, [3, 2, 2])
    with pytest.raises(SchemaError, match="merge"):
        rates(crimes, areas.drop(columns="population"))
    with pytest.raises(SchemaError, match="id_column="):
        rates(crimes, areas, id_column="LSOA21CD")
    with pytest.raises(SchemaError, match="repeats"):
        rates(crimes, areas.assign(lsoa_code=["a", "a", "b"]))
    with pytest.raises(ValueError, match="smoothing must be one of"):
        rates(crimes, areas, smoothing="bayes")
    with pytest.raises(ValueError, match="per must be > 0"):
        rates(crimes, areas, per=0)
    with pytest.raises(CRSError, match="to_crs"):
        rates(crimes.to_crs(3857), areas)
    with pytest.raises(CRSError, match="to_crs"):
        rates(crimes, areas.to_crs(4326))
    far = gpd.GeoDataFrame(geometry=[shapely.Point(5000, 5000)], crs=27700)
    with pytest.raises(ValueError, match="do not overlap"):
        rates(far, areas)


def test_rates_spatial_islands_warn():
    areas = strip(3, [1000, 1500, 800])
    areas.loc[2, "geometry"] = shapely.box(1000, 0, 1100, 100)  # detached
    crimes = points_in(strip(3, [1, 1, 1]), [3, 2, 0])
    island = gpd.GeoDataFrame(geometry=[shapely.Point(1050, 50)] * 2, crs=27700)
    crimes = pd.concat([crimes, island], ignore_index=True)
    with pytest.warns(HotspotsWarning, match="1 area\\(s\\) have no neighbour"):
        out = rates(crimes, areas, smoothing="spatial_empirical_bayes")
    assert out.loc[2, "rate"] == pytest.approx(2.5)
    assert out.loc[2, "rate_eb"] == pytest.approx(out.loc[2, "rate"])  # not smoothed
    assert out.attrs["hotspots"]["n_islands"] == 1


def test_gistar_runs_on_smoothed_rates_of_polygons():
    areas, counts = patchwork(np.random.default_rng(12))
    out = rates(points_in_patchwork(areas, counts), areas)
    cells = gistar(out, value="rate_eb", neighbours="queen")
    w = spatial_weights(out, "queen")
    np.testing.assert_allclose(
        cells["gi_z"], gistar_arrays(out["rate_eb"].to_numpy(), w), rtol=1e-12
    )
    assert cells.attrs["hotspots"]["value"] == "rate_eb"
    assert cells.attrs["hotspots"]["smoothing"] == "empirical_bayes"


def load_leicestershire():
    from hotspots.demo import load_lsoa, load_real_sample

    population = pd.read_csv(POPULATION_CUT)
    areas = load_lsoa().merge(
        population, left_on="LSOA11CD", right_on="lsoa_code", validate="1:1"
    )
    crimes = load_real_sample().crimes
    return areas, crimes


def test_rates_on_real_leicestershire_lsoas():
    areas, crimes = load_leicestershire()
    assert len(areas) == 611 and areas["population"].sum() == 1_017_697
    with pytest.warns(HotspotsWarning, match="1,016 of 82,291 crimes"):
        out = rates(crimes, areas)
    assert out["n"].sum() == 81_275
    raw_top = out.nlargest(10, "rate")["lsoa_name"].tolist()
    assert raw_top[:2] == ["Leicester 041A", "Leicester 041D"]  # the city centre
    # LSOAs hold 1,026-3,889 residents and two years of violence is common, so the
    # global smoothing keeps >= 99% of every raw rate: the top ten stay as they are
    assert out["eb_weight"].min() > 0.99
    assert out.nlargest(10, "rate_eb")["lsoa_name"].tolist() == raw_top
    with pytest.warns(HotspotsWarning, match="2021 LSOA codes"):
        by_code = rates(crimes, areas, count_by="code")
    assert by_code.attrs["hotspots"]["n_not_counted"] == 9_605
    cells = gistar(out, value="rate_eb", neighbours="queen")
    assert cells.loc[cells["gi_z"].idxmax(), "lsoa_name"].startswith("Leicester 041")
    raw = gistar(out, value="rate", neighbours="queen")
    assert (cells["gi_bin"] == raw["gi_bin"]).all()
    assert cells.attrs["hotspots"]["n_hot"] == 13 and (cells["gi_bin"] == 3).sum() == 12


def test_population_cut_is_shipped_with_its_provenance():
    raw = POPULATION_CUT.read_bytes()
    provenance = (ROOT / "data" / "raw" / "PROVENANCE.md").read_text(encoding="utf-8")
    section = provenance[provenance.index(f"## `{POPULATION_CUT.name}`") :]
    sha = re.search(r"sha256:\*\* `([0-9a-f]{64})`", section)
    assert sha is not None and sha.group(1) == hashlib.sha256(raw).hexdigest()
    table = pd.read_csv(POPULATION_CUT)
    assert len(table) == 611 and table["lsoa_code"].is_unique
    assert (table["population"] > 0).all()


@pytest.mark.shared
def test_make_lsoa_population_reproduces_the_shipped_bytes(shared_real, tmp_path):
    spec = importlib.util.spec_from_file_location(
        "make_lsoa_population", ROOT / "data" / "make_lsoa_population.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "cut.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        script.cut(shared_real / script.SOURCE, out)
    assert out.read_bytes() == POPULATION_CUT.read_bytes()
