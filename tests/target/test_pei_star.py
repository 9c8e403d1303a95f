import itertools
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspots import pai, pei, pei_star
from hotspots.find._grid import make_grid
from hotspots.target._accuracy import accuracy, max_capture

# A 3 x 3 grid of equal cells, test-period crimes in cells 0 to 8:
#     5 0 2
#     7 1 3
#     0 4 2          N = 24 crimes in 9 cells
GRID_COUNTS = [5, 0, 2, 7, 1, 3, 0, 4, 2]


def test_pei_star_hand_worked_example():
    # The forecast flags cells 0, 2 and 4 (k = 3): n = 5 + 2 + 1 = 8.
    # The 3 busiest cells hold 7 + 5 + 4 = 16 = n*, so PEI* = 8 / 16 = 0.5.
    assert pei_star(GRID_COUNTS, [0, 2, 4]) == 0.5
    # The same through the NIJ form PAI / PAI*, both on 3 of 9 cells:
    # PAI = (8/24) / (3/9) = 1.0 and PAI* = (16/24) / (3/9) = 2.0.
    assert pai(8, 24, 3, 9) == pytest.approx(1.0)
    assert pai(16, 24, 3, 9) == pytest.approx(2.0)
    # Flagging the busiest cells 3, 0 and 7 is a perfect forecast.
    assert pei_star(GRID_COUNTS, [3, 0, 7]) == 1.0
    # A mask says the same as positions.
    mask = np.zeros(9, dtype=bool)
    mask[[0, 2, 4]] = True
    assert pei_star(GRID_COUNTS, mask) == 0.5


def test_pei_star_ties_at_the_kth_cell_do_not_change_n_star():
    # k = 5 flags cells 0, 2, 4, 5, 8: n = 5 + 2 + 1 + 3 + 2 = 13. The fifth
    # busiest place is a tie between cells 2 and 8 (2 crimes each); either gives
    # n* = 7 + 5 + 4 + 3 + 2 = 21.
    assert pei_star(GRID_COUNTS, [0, 2, 4, 5, 8]) == pytest.approx(13 / 21)
    # Swapping the two tied cells leaves PEI* where it was.
    assert pei_star(GRID_COUNTS, [0, 2, 4, 5, 8]) == pei_star(
        GRID_COUNTS, [0, 4, 5, 8, 2]
    )
    assert pei_star(GRID_COUNTS, [3, 0, 7, 5, 2]) == 1.0
    assert pei_star(GRID_COUNTS, [3, 0, 7, 5, 8]) == 1.0


def test_pei_star_matches_brute_force_over_all_k_cell_subsets():
    rng = np.random.default_rng(15)
    for _ in range(40):
        counts = rng.poisson(rng.uniform(0.3, 3), size=rng.integers(1, 9))
        cells = range(len(counts))
        for k in range(1, len(counts) + 1):
            subsets = list(itertools.combinations(cells, k))
            n_star = max(counts[list(s)].sum() for s in subsets)
            for flagged in subsets:
                n = counts[list(flagged)].sum()
                got = pei_star(counts, list(flagged))
                if n_star == 0:
                    assert math.isnan(got)
                else:
                    assert got == pytest.approx(n / n_star, abs=1e-12)


def test_pei_star_equals_pei_on_whole_cells_of_one_size():
    rng = np.random.default_rng(4)
    for _ in range(200):
        counts = rng.poisson(2, size=30)
        k = int(rng.integers(1, 31))
        flagged = rng.choice(30, size=k, replace=False)
        expected = pei(counts[flagged].sum(), max_capture(counts, k))
        assert pei_star(counts, flagged) == pytest.approx(expected, nan_ok=True)


def test_pei_star_counts_cells_whatever_their_counts_are_weighted_by():
    # harm weights instead of counts: still the best k cells' total
    harm = [0.5, 12.0, 3.25, 0.0]
    assert pei_star(harm, [2]) == pytest.approx(3.25 / 12.0)
    assert pei_star(harm, [0, 2]) == pytest.approx(3.75 / 15.25)


def test_pei_star_is_nan_when_the_study_area_had_no_crime():
    assert math.isnan(pei_star([0, 0, 0], [1]))


@pytest.mark.parametrize(
    ("counts", "flagged", "match"),
    [
        (GRID_COUNTS, [], "selects no cells"),
        (GRID_COUNTS, np.zeros(9, dtype=bool), "selects no cells"),
        (GRID_COUNTS, [0, 0], "more than once"),
        (GRID_COUNTS, [9], "are not cells"),
        (GRID_COUNTS, [-1], "are not cells"),
        (GRID_COUNTS, [0.5], "boolean mask over the cells or integer"),
        (GRID_COUNTS, np.ones((3, 3), dtype=bool), r"one value per cell, shape \(9,\)"),
        ([[1, 2], [3, 4]], [0], r"shape \(n_cells,\)"),
        ([1, -2, 3], [0], "counts >= 0"),
        ([1, np.nan], [0], "counts >= 0"),
    ],
    ids=[
        "empty",
        "empty-mask",
        "repeat",
        "past-end",
        "negative-position",
        "float-position",
        "mask-shape",
        "2d-counts",
        "negative-count",
        "nan-count",
    ],
)
def test_pei_star_rejects_bad_input(counts, flagged, match):
    with pytest.raises(ValueError, match=match):
        pei_star(counts, flagged)


def test_accuracy_reports_pei_star_of_the_places_cells():
    grid = make_grid(
        boundary=gpd.GeoSeries([shapely.box(0, 0, 300, 300)], crs=27700),
        cell_size=100,
    )
    assert len(grid) == len(GRID_COUNTS)
    centres = grid.geometry.centroid
    crimes = gpd.GeoDataFrame(
        geometry=[
            centres.iloc[cell]
            for cell, count in enumerate(GRID_COUNTS)
            for _ in range(count)
        ],
        crs=27700,
    )
    result = accuracy(grid.iloc[[0, 2, 4]], crimes, grid=grid)
    # the worked example above, through geometry: n = 8 of 24, n* = 16
    assert (result.n, result.n_total, result.n_star) == (8, 24, 16)
    assert result.pai == pytest.approx(1.0)
    assert result.pei_star == pytest.approx(0.5)
    assert result.pei == pytest.approx(0.5)  # cells of one size: PEI* = PEI
    by_polygon = accuracy(grid.iloc[[0, 2, 4]], crimes, study_area=0.09)
    assert math.isnan(by_polygon.pei_star)  # no grid, no cells to rank
