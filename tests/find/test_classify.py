"""Tests for hotspots.classify_hotspots (sfhotspot's hotspot_classify, METHODS §3)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from statsmodels.stats.multitest import multipletests

from hotspots import CLASSIFY_CATEGORIES, classify_hotspots
from hotspots.exceptions import CRSError, HotspotsWarning, SchemaError
from hotspots.find._classify import _adjust_rows, _classify_periods, auto_period_months
from hotspots.find._grid import make_grid

PARAMS = {"hotspot_prop": 0.1, "persistent_prop": 0.8, "recent_prop": 0.2}


def _flags(text: str):
    return np.array([c == "H" for c in text]), np.array([c == "C" for c in text])


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        ("HHHHHHHH..", "persistent hot spot"),  # 80% of periods
        ("........HH", "emerging hot spot"),
        ("HHH.......", "former hot spot"),
        (".......H..", "former hot spot"),  # the period just before the recent two
        ("H.......H.", "intermittent hot spot"),
        ("CCCCCCCCCC", "persistent cold spot"),
        ("........C.", "emerging cold spot"),
        ("C.........", "former cold spot"),
        ("C.......C.", "intermittent cold spot"),
        ("HHH.....CC", "mixed hot/cold spot"),
        ("..........", "no pattern"),
    ],
)
def test_classify_periods_rules(series, expected):
    hot, cold = _flags(series)
    code = _classify_periods(hot, cold, 2, **PARAMS)[0]
    assert CLASSIFY_CATEGORIES[code] == expected


def _holm(p):
    """R's p.adjust(method = "holm"): pmin(1, cummax((m - i + 1) * p[o]))[ro]."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, (m - rank) * p[i])
        out[i] = min(1.0, running)
    return out


def test_holm_adjustment_matches_reference_and_statsmodels():
    p = np.random.default_rng(4).uniform(0, 0.2, size=(50, 8))
    np.testing.assert_allclose(_adjust_rows(p, "holm"), [_holm(row) for row in p])
    for row in p[:2]:  # statsmodels is slow per call here; two rows suffice
        np.testing.assert_allclose(
            _adjust_rows(row[None, :], "holm")[0], multipletests(row, method="holm")[1]
        )
    np.testing.assert_allclose(_adjust_rows(p, "bonferroni"), np.minimum(p * 8, 1))


@pytest.mark.parametrize(
    ("span_days", "months"), [(700, 1), (1065, 3), (3000, 3), (5000, 12), (9000, 30)]
)
def test_auto_period_follows_sfhotspot_rule(span_days, months):
    assert auto_period_months(span_days, 300) == months


AREA = gpd.GeoSeries([shapely.box(1, 1, 1999, 1999)], crs=27700)  # 20 x 20 cells
MONTHS = pd.date_range("2023-01-01", periods=10, freq="MS")
#: 3 x 3 blocks of cells (lower-left row, col) hot in the given months.
BLOCKS = {
    "persistent hot spot": ((2, 2), range(10)),
    "emerging hot spot": ((2, 14), (8, 9)),
    "former hot spot": ((14, 2), range(6)),
    "intermittent hot spot": ((14, 14), (1, 9)),
}


def _block_points(seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    grid = make_grid(boundary=AREA, cell_size=100)
    rows, cols = grid["row"].to_numpy(), grid["col"].to_numpy()
    counts = rng.poisson(2, size=(len(grid), len(MONTHS)))
    for (r0, c0), months in BLOCKS.values():
        block = (rows >= r0) & (rows < r0 + 3) & (cols >= c0) & (cols < c0 + 3)
        counts[np.ix_(block, list(months))] += 15
    cell, step = np.nonzero(counts)
    reps = counts[cell, step]
    return gpd.GeoDataFrame(
        {"month": np.repeat(MONTHS[step], reps)},
        geometry=gpd.points_from_xy(
            np.repeat(cols[cell] * 100 + 50.0, reps),
            np.repeat(rows[cell] * 100 + 50.0, reps),
        ),
        crs=27700,
    )


def test_classify_hotspots_finds_planted_blocks():
    cells = classify_hotspots(_block_points(), boundary=AREA, cell_size=100)
    for expected, ((r0, c0), _) in BLOCKS.items():
        centre = cells[(cells["row"] == r0 + 1) & (cells["col"] == c0 + 1)].iloc[0]
        assert centre["hotspot_category"] == expected
    meta = cells.attrs["hotspots"]
    assert meta["period_months"] == 1 and meta["period_auto"] is True
    assert meta["n_periods"] == 10 and meta["n_recent"] == 2
    assert meta["p_adjust"] == "holm"


def test_classify_hotspots_output_columns():
    points = _block_points()
    before = points.copy()
    cells = classify_hotspots(points, boundary=AREA, cell_size=100, period="month")
    pd.testing.assert_frame_equal(points, before)
    assert list(cells.columns) == [
        "cell_id",
        "row",
        "col",
        "n_total",
        "n_hot_periods",
        "n_cold_periods",
        "recent_hot_share",
        "recent_cold_share",
        "older_hot_share",
        "older_cold_share",
        "hotspot_category",
        "geometry",
    ]
    assert list(cells["hotspot_category"].cat.categories) == list(CLASSIFY_CATEGORIES)
    assert cells["n_total"].sum() == len(points)


def test_classify_hotspots_warns_when_no_period_is_recent():
    with pytest.warns(HotspotsWarning, match="recent_prop"):
        classify_hotspots(
            _block_points(), boundary=AREA, cell_size=100, recent_prop=0.05
        )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"hotspot_prop": 1.2}, ValueError, "hotspot_prop"),
        ({"p_adjust": "BH"}, ValueError, "p_adjust"),
        ({"period": "fortnight"}, ValueError, "period must be"),
        ({"period": 12}, ValueError, "at least 2"),
    ],
    ids=["proportion", "p_adjust", "period-name", "one-period"],
)
def test_classify_hotspots_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        classify_hotspots(_block_points(), cell_size=100, **kwargs)


def test_classify_hotspots_input_errors():
    points = _block_points()
    with pytest.raises(SchemaError, match="time_column="):
        classify_hotspots(points.drop(columns="month"), cell_size=100)
    with pytest.raises(CRSError, match="to_crs"):
        classify_hotspots(points.to_crs(4326), cell_size=100)
