"""Gi* on cells that cannot be tested: islands, too-short and too-long bands.

Case 06 is rebuilt in code: 20 touching LSOA-like squares plus one detached square
with a high count (an island), and a 250 m grid tested with a 100 m band.
"""

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.exceptions import HotspotsWarning
from hotspots.find._gistar import (
    HOTSPOT_CLASSES,
    NOT_TESTABLE,
    benjamini_hochberg,
    gistar,
    gistar_arrays,
)
from hotspots.find._weights import spatial_weights

#: The shared failing case (../shared/cases); its test skips where absent.
CASE_06 = Path(__file__).parents[2].parent / "shared" / "cases" / "06_gistar_islands"
#: Counts of case 06's areas A00..A20 (A20 is the detached one).
CASE_06_COUNTS = [4, 8, 10, 7, 7, 6, 5, 6, 6, 5, 10, 4, 11, 7, 6, 4, 9, 8, 9, 9, 30]


def case_06_areas():
    polys = [
        shapely.box(
            457000 + c * 600, 303000 + r * 600, 457600 + c * 600, 303600 + r * 600
        )
        for r in range(4)
        for c in range(5)
    ]
    polys.append(shapely.box(462000, 303000, 462600, 303600))  # 1.4 km away
    return gpd.GeoDataFrame(
        {"area": [f"A{i:02d}" for i in range(21)], "n": CASE_06_COUNTS},
        geometry=polys,
        crs=27700,
    )


def case_06_points():
    rng = np.random.default_rng(11)
    xy = np.vstack(
        [
            rng.uniform([457000, 303000], [460000, 306000], (600, 2)),
            rng.normal([458500, 304500], 40, (60, 2)),
        ]
    )
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy.T), crs=27700)


@pytest.mark.parametrize("permutations", [0, 999], ids=["analytic", "permutation"])
def test_gistar_island_is_not_testable_on_both_paths(permutations):
    areas = case_06_areas()
    with pytest.warns(HotspotsWarning, match="1 of 21 cells have no neighbour"):
        out = gistar(areas, value="n", permutations=permutations, rng=1, progress=False)
    island = out.iloc[-1]
    assert np.isnan(island["gi_z"]) and np.isnan(island["p_value"])
    assert np.isnan(island["p_fdr"])
    assert island["gi_bin"] == 0
    assert island["hotspot_class"] == NOT_TESTABLE
    if permutations:
        assert np.isnan(island["p_sim"])
    meta = out.attrs["hotspots"]
    assert meta["n_islands"] == 1 and meta["n_not_testable"] == 1
    assert meta["n_hot"] == 0  # the island was "99% hot" analytically before
    # the other cells keep Gi* with the island in the mean and SD, and their FDR
    # counts 20 tests, not 21
    z = gistar_arrays(areas["n"].to_numpy(float), spatial_weights(areas, "queen"))
    np.testing.assert_allclose(out["gi_z"].iloc[:20], z[:20])
    p = out["p_sim_two_sided" if permutations else "p_value"].to_numpy()
    np.testing.assert_allclose(out["p_fdr"].iloc[:20], benjamini_hochberg(p[:20]))
    assert np.isfinite(out["gi_z"].iloc[:20]).all()


@pytest.mark.skipif(
    not (CASE_06 / "areas.geojson").is_file(), reason="../shared/cases is not present"
)
def test_gistar_case_06_file_island_is_not_testable_on_both_paths():
    areas = gpd.read_file(CASE_06 / "areas.geojson")
    assert areas["n"].tolist() == CASE_06_COUNTS  # the file is the rebuilt case
    for permutations in (0, 999):
        with pytest.warns(HotspotsWarning, match="1 of 21 cells have no neighbour"):
            out = gistar(
                areas, value="n", permutations=permutations, rng=1, progress=False
            )
        assert out["hotspot_class"].iloc[-1] == NOT_TESTABLE
        assert np.isnan(out["p_fdr"].iloc[-1])
        assert out.attrs["hotspots"]["n_islands"] == 1
        assert out.attrs["hotspots"]["n_hot"] == 0


def test_gistar_island_warning_names_a_band_that_reaches_it():
    with pytest.warns(HotspotsWarning, match=r"neighbours=2600 reaches every cell"):
        gistar(case_06_areas(), value="n", progress=False)


def test_gistar_band_shorter_than_cell_spacing_is_refused_with_the_band_needed():
    with pytest.raises(ValueError, match=r"no cell has a neighbour.*neighbours=250"):
        gistar(case_06_points(), cell_size=250, neighbours=100.0, progress=False)
    cells = gistar(case_06_points(), cell_size=250, neighbours=250.0, progress=False)
    assert cells.attrs["hotspots"]["n_islands"] == 0


def test_gistar_band_leaving_some_cells_alone_warns_with_the_band_needed():
    polys = [
        shapely.box(x, y, x + 100, y + 100)
        for x in range(0, 300, 100)
        for y in range(0, 300, 100)
    ]
    polys.append(shapely.box(1000, 0, 1100, 100))  # 800 m from the nearest centre
    cells = gpd.GeoDataFrame(
        {"n": [1, 2, 9, 3, 1, 0, 2, 1, 4, 7]}, geometry=polys, crs=27700
    )
    with pytest.warns(HotspotsWarning, match=r"1 of 10 .* at least 800 m"):
        out = gistar(cells, value="n", neighbours=150.0, progress=False)
    assert out["hotspot_class"].iloc[-1] == NOT_TESTABLE
    assert np.isfinite(out["gi_z"].iloc[:-1]).all()


def test_gistar_polygons_that_touch_nothing_are_refused():
    polys = [shapely.box(i * 1000, 0, i * 1000 + 500, 500) for i in range(6)]
    cells = gpd.GeoDataFrame({"n": [1, 2, 3, 4, 5, 30]}, geometry=polys, crs=27700)
    with pytest.raises(ValueError, match=r"do not touch.*neighbours=1000"):
        gistar(cells, value="n", progress=False)


def line_of_cells(n, counts):
    polys = [shapely.box(i * 100, 0, i * 100 + 100, 100) for i in range(n)]
    return gpd.GeoDataFrame({"n": counts}, geometry=polys, crs=27700)


def test_gistar_band_covering_everything_is_refused_or_flagged():
    cells = line_of_cells(7, [0, 1, 5, 9, 2, 0, 1])
    with pytest.raises(ValueError, match="every cell neighbours every other"):
        gistar(cells, value="n", neighbours=1e6, progress=False)
    # from the middle cell a 300 m band reaches all 7 cells: 0/0 there
    for permutations in (0, 99):
        with pytest.warns(HotspotsWarning, match="whole study area"):
            out = gistar(
                cells,
                value="n",
                neighbours=300.0,
                permutations=permutations,
                rng=1,
                progress=False,
            )
        assert out["hotspot_class"].iloc[3] == NOT_TESTABLE
        assert np.isnan(out["gi_z"].iloc[3])
        assert out.attrs["hotspots"]["n_not_testable"] == 1


def test_gistar_wide_band_permutations_finish_and_are_seeded():
    # 30 cells, a band reaching up to 20 neighbours: drawing 20 of 29 without
    # replacement by rejection would almost never finish
    cells = line_of_cells(30, np.arange(30) % 7)
    runs = [
        gistar(
            cells, value="n", neighbours=1000.0, permutations=99, rng=3, progress=False
        )
        for _ in range(2)
    ]
    p = runs[0]["p_sim"].to_numpy()
    assert np.isfinite(p).all() and (p >= 0.01).all() and (p <= 0.5).all()
    np.testing.assert_array_equal(p, runs[1]["p_sim"].to_numpy())


def test_benjamini_hochberg_leaves_untested_cells_out():
    p = np.array([0.01, np.nan, 0.04, 0.03])
    adjusted = benjamini_hochberg(p)
    assert np.isnan(adjusted[1])
    np.testing.assert_allclose(adjusted[[0, 2, 3]], benjamini_hochberg(p[[0, 2, 3]]))
    assert np.isnan(benjamini_hochberg(np.array([np.nan]))).all()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=4, max_size=9),
    st.lists(st.booleans(), min_size=9, max_size=9),
    st.sampled_from(["queen", "rook", 90.0, 150.0, 250.0, 2000.0]),
)
def test_gistar_is_honest_on_small_maps_with_islands(counts, detached, neighbours):
    # a row of touching cells; some moved far away (islands for contiguity)
    polys = [
        shapely.box(i * 100 + 5000 * d, 0, i * 100 + 100 + 5000 * d, 100)
        for i, d in zip(range(len(counts)), detached, strict=False)
    ]
    cells = gpd.GeoDataFrame({"n": counts}, geometry=polys, crs=27700)
    outputs = []
    for permutations in (0, 19):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.simplefilter("ignore", HotspotsWarning)
            try:
                out = gistar(
                    cells,
                    value="n",
                    neighbours=neighbours,
                    permutations=permutations,
                    fdr=False,
                    rng=0,
                    progress=False,
                )
            except ValueError as err:
                assert any(
                    words in str(err)
                    for words in (
                        "same value",
                        "no cell has a neighbour",
                        "every other",
                    )
                ), str(err)
                return
        outputs.append(out)
        testable = out["hotspot_class"] != NOT_TESTABLE
        assert np.isfinite(out.loc[testable, "gi_z"]).all()
        assert out.loc[~testable, "gi_z"].isna().all()
        assert (out.loc[~testable, "gi_bin"] == 0).all()
        assert set(out.loc[testable, "hotspot_class"]) <= set(HOTSPOT_CLASSES.values())
    np.testing.assert_array_equal(outputs[0]["gi_z"].isna(), outputs[1]["p_sim"].isna())
