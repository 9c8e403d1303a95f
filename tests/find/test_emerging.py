"""Tests for hotspots.emerging and hotspots.mann_kendall (METHODS.md §4)."""

from __future__ import annotations

import itertools
import logging
from collections import Counter

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import hotspots
from hotspots import EMERGING_PATTERNS, emerging, mann_kendall
from hotspots.exceptions import CRSError, HotspotsWarning, SchemaError
from hotspots.find._grid import assign_cells, make_grid
from hotspots.find._patterns import _classify_patterns, _classify_series

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------- Mann-Kendall


def test_mann_kendall_matches_oracle_4_1():
    result = mann_kendall([1, 3, 2, 5, 4, 6])
    assert result.s == 11
    assert result.var_s == pytest.approx(28.333333, abs=1e-6)
    assert result.z == pytest.approx(1.878673, abs=1e-6)
    assert result.p_value == pytest.approx(0.060289, abs=1e-6)
    assert result.tau == pytest.approx(0.733333, abs=1e-6)
    assert result.trend == "no trend"
    assert mann_kendall([1, 3, 2, 5, 4, 6], alpha=0.1).trend == "increasing"
    assert mann_kendall([6, 4, 5, 2, 3, 1], alpha=0.1).trend == "decreasing"


def _brute_force_mk(y):
    y = list(y)
    t = len(y)
    s = sum(np.sign(y[j] - y[i]) for i in range(t) for j in range(i + 1, t))
    ties = sum(g * (g - 1) * (2 * g + 5) for g in Counter(y).values())
    var = (t * (t - 1) * (2 * t + 5) - ties) / 18
    z = 0.0 if s == 0 or var == 0 else (s - np.sign(s)) / np.sqrt(var)
    return s, var, z


def test_mann_kendall_ties_match_brute_force():
    rng = np.random.default_rng(7)
    series = rng.integers(0, 4, size=(200, 12)).astype(float)  # many ties
    vectorised = mann_kendall(series)
    for k, row in enumerate(series):
        s, var, z = _brute_force_mk(row)
        assert vectorised.s[k] == s
        assert vectorised.var_s[k] == pytest.approx(var)
        assert vectorised.z[k] == pytest.approx(z)
        one = mann_kendall(row)
        assert (one.s, one.z, one.trend) == (s, pytest.approx(z), vectorised.trend[k])


def test_mann_kendall_all_tied_has_no_trend():
    result = mann_kendall([2.0, 2.0, 2.0, 2.0])
    assert (result.s, result.var_s, result.z, result.p_value) == (0, 0, 0, 1)
    assert result.trend == "no trend"


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([1.0, 2.0], "at least 3"),
        ([1.0, np.nan, 2.0], "missing"),
        (np.ones((2, 2, 3)), "2-D"),
    ],
    ids=["two-values", "nan", "3-d"],
)
def test_mann_kendall_errors(values, match):
    with pytest.raises(ValueError, match=match):
        mann_kendall(values)


# ------------------------------------------------------ pattern rules (pure)

_SYMBOL = {"H": 1, ".": 0, "C": -1}


def _sig(text: str) -> np.ndarray:
    return np.array([_SYMBOL[c] for c in text])


@pytest.mark.parametrize(
    ("series", "trend", "expected"),
    [
        (".........H", "no trend", "new hot spot"),
        ("CC.......H", "increasing", "new hot spot"),  # new wins over oscillating
        ("........HH", "no trend", "consecutive hot spot"),
        ("..HHHHHHHH", "increasing", "consecutive hot spot"),  # 80% < 90%
        ("H......HHH", "no trend", "sporadic hot spot"),  # hot before the run
        ("HHHHHHHHHH", "increasing", "intensifying hot spot"),
        (".HHHHHHHHH", "increasing", "intensifying hot spot"),  # exactly 90%
        ("HHHHHHHHHH", "no trend", "persistent hot spot"),
        ("HHHHHHHHH.", "no trend", "persistent hot spot"),  # final step not needed
        ("HHHHHHHHHH", "decreasing", "diminishing hot spot"),
        ("H.H.H....H", "no trend", "sporadic hot spot"),
        ("C.H......H", "no trend", "oscillating hot spot"),
        ("HHHHHHHHH.", "decreasing", "historical hot spot"),
        ("HHHHHHHHH.", "increasing", "historical hot spot"),
        ("HHHHHHHH..", "decreasing", "no pattern detected"),  # 80%, final not hot
        (".........C", "no trend", "new cold spot"),
        ("........CC", "no trend", "consecutive cold spot"),
        ("CCCCCCCCCC", "decreasing", "intensifying cold spot"),
        ("CCCCCCCCCC", "no trend", "persistent cold spot"),
        ("CCCCCCCCCC", "increasing", "diminishing cold spot"),
        ("C..C.....C", "no trend", "sporadic cold spot"),
        ("H..C.....C", "no trend", "oscillating cold spot"),
        ("CCCCCCCCC.", "increasing", "historical cold spot"),
        ("HHHHHHHHHC", "no trend", "persistent hot spot"),  # mostly hot decides first
        ("..........", "increasing", "no pattern detected"),
        ("H.........", "no trend", "no pattern detected"),
    ],
)
def test_classify_series_follows_esri_rules(series, trend, expected):
    assert _classify_series(_sig(series), trend) == expected


def _reference_pattern(sig, trend: int) -> str:
    """The rules written out one by one from Esri's wording (loop, not vectorised)."""
    for side, this, grows in (("hot", 1, trend), ("cold", -1, -trend)):
        steps = [s == this for s in sig]
        if sum(steps) >= 0.9 * len(sig) - 1e-9:
            if steps[-1] and grows == 1:
                return f"intensifying {side} spot"
            if steps[-1] and grows == -1:
                return f"diminishing {side} spot"
            if grows == 0:
                return f"persistent {side} spot"
            return f"historical {side} spot"
    for side, this, other in (("hot", 1, -1), ("cold", -1, 1)):
        if sig[-1] != this:
            continue
        run = len(list(itertools.takewhile(lambda s, v=this: s == v, reversed(sig))))
        before = list(sig[: len(sig) - run])
        if this not in before:
            return f"{'new' if run == 1 else 'consecutive'} {side} spot"
        if other in before:
            return f"oscillating {side} spot"
        return f"sporadic {side} spot"
    return "no pattern detected"


def test_classify_patterns_matches_rule_by_rule_reference():
    rng = np.random.default_rng(3)
    for n_steps in (3, 5, 10, 12, 20):
        for weights in ([0.1, 0.3, 0.6], [0.05, 0.15, 0.8], [0.4, 0.4, 0.2]):
            sig = rng.choice([-1, 0, 1], size=(300, n_steps), p=weights)
            trend = rng.choice([-1, 0, 1], size=300)
            codes = _classify_patterns(sig, trend)
            expected = [
                _reference_pattern(list(s), t) for s, t in zip(sig, trend, strict=True)
            ]
            assert [EMERGING_PATTERNS[c] for c in codes] == expected


def test_emerging_patterns_are_the_17_categories_in_order():
    assert len(EMERGING_PATTERNS) == len(set(EMERGING_PATTERNS)) == 17
    assert EMERGING_PATTERNS[0] == "new hot spot"
    assert EMERGING_PATTERNS[8] == "new cold spot"
    assert EMERGING_PATTERNS[-1] == "no pattern detected"


# ------------------------------------------------------ emerging on a tiny cube

MONTHS = pd.date_range("2023-01-01", periods=12, freq="MS")
PLANTED = (4, 4)  # row, col of the planted cell in a 10 x 10 grid of 100 m cells


def _tiny_points(planted: np.ndarray, *, months=MONTHS, seed: int = 1):
    """Poisson(3) background per cell and month plus ``planted[t]`` in one cell."""
    rng = np.random.default_rng(seed)
    grid = make_grid(boundary=_AREA, cell_size=100)
    rows, cols = grid["row"].to_numpy(), grid["col"].to_numpy()
    counts = rng.poisson(3, size=(len(grid), len(months)))
    counts[(rows == PLANTED[0]) & (cols == PLANTED[1])] += np.asarray(planted, int)
    cell, step = np.nonzero(counts)
    reps = counts[cell, step]
    x = np.repeat(cols[cell] * 100 + 50.0, reps)
    y = np.repeat(rows[cell] * 100 + 50.0, reps)
    return gpd.GeoDataFrame(
        {"month": np.repeat(months[step], reps)},
        geometry=gpd.points_from_xy(x, y),
        crs=27700,
    )


_AREA = gpd.GeoSeries([shapely.box(1, 1, 999, 999)], crs=27700)


def _planted_row(cells):
    return cells.loc[(cells["row"] == PLANTED[0]) & (cells["col"] == PLANTED[1])].iloc[
        0
    ]


@pytest.mark.parametrize(
    ("planted", "expected"),
    [
        ([0] * 11 + [40], "new hot spot"),
        ([0] * 8 + [40] * 4, "consecutive hot spot"),
        ([40] * 12, "persistent hot spot"),
        ([80 + 3 * t for t in range(12)], "intensifying hot spot"),
        ([130 - 4 * t for t in range(12)], "diminishing hot spot"),
        # Falls so far that the final step is no longer hot: historical.
        ([100 - 4 * t for t in range(12)], "historical hot spot"),
    ],
    ids=[
        "new",
        "consecutive",
        "persistent",
        "intensifying",
        "diminishing",
        "historical",
    ],
)
def test_emerging_finds_planted_pattern(planted, expected):
    points = _tiny_points(np.array(planted))
    cells = emerging(points, boundary=_AREA, cell_size=100)
    assert _planted_row(cells)["pattern"] == expected
    far = cells[
        (cells["row"] - PLANTED[0]).abs().ge(3) | (cells["col"] - 4).abs().ge(3)
    ]
    assert (far["pattern"] == "no pattern detected").mean() > 0.9


def test_emerging_output_columns_and_attrs():
    points = _tiny_points(np.array([0] * 11 + [40]))
    before = points.copy()
    cells = emerging(points, boundary=_AREA, cell_size=100)
    pd.testing.assert_frame_equal(points, before)
    assert list(cells.columns) == [
        "cell_id", "row", "col", "n_total", "n_hot_steps", "n_cold_steps",
        "final_z", "mk_z", "mk_p", "mk_tau", "mk_variance_factor", "trend",
        "pattern", "geometry",
    ]  # fmt: skip
    assert list(cells["pattern"].cat.categories) == list(EMERGING_PATTERNS)
    assert list(cells["trend"].cat.categories) == [
        "decreasing",
        "no trend",
        "increasing",
    ]
    assert cells["n_total"].sum() == len(points)
    meta = cells.attrs["hotspots"]
    assert meta["period"] == "month" and meta["n_steps"] == 12
    assert (meta["first_step"], meta["last_step"]) == ("2023-01", "2023-12")
    assert meta["time_lag"] == 1 and meta["fdr"] is True and meta["alpha"] == 0.05
    assert meta["cell_size"] == 100 and meta["neighbours"] == "queen"
    assert (meta["trend_test"], meta["trend_pool_cells"]) == ("pooled", 200)
    assert (cells["mk_variance_factor"] >= 1).all()
    assert meta["pattern_counts"]["new hot spot"] >= 1
    assert hotspots.emerging is emerging


def test_emerging_trend_test_keeps_plain_mann_kendall_reachable(caplog):
    points = _tiny_points(np.array([80 + 3 * t for t in range(12)]))
    with caplog.at_level(logging.INFO, logger="hotspots.find._emerging"):
        pooled = emerging(points, boundary=_AREA, cell_size=100)
    assert "variance pooled over the 200 cells" in caplog.text
    plain = emerging(points, boundary=_AREA, cell_size=100, trend_test="mann-kendall")
    assert plain.attrs["hotspots"]["trend_test"] == "mann-kendall"
    assert plain.attrs["hotspots"]["trend_pool_cells"] is None
    assert (plain["mk_variance_factor"] == 1).all()
    expected = mann_kendall(np.round(_cube_z(points), 10))
    np.testing.assert_allclose(plain["mk_p"], expected.p_value)
    # The allowance only widens Var(S): p-values never fall, and S is unchanged.
    assert (pooled["mk_p"] >= plain["mk_p"] - 1e-12).all()
    np.testing.assert_allclose(pooled["mk_tau"], plain["mk_tau"])
    hamed_rao = emerging(points, boundary=_AREA, cell_size=100, trend_test="hamed-rao")
    assert hamed_rao.attrs["hotspots"]["trend_test"] == "hamed-rao"


def _cube_z(points):
    cube = hotspots.space_time_cube(points, boundary=_AREA, cell_size=100)
    return cube.pivot(index="cell_id", columns="step", values="gi_z").to_numpy()


def test_emerging_rejects_unknown_trend_test():
    with pytest.raises(ValueError, match="'pooled', 'hamed-rao', 'mann-kendall'"):
        emerging(_tiny_points(np.zeros(12)), cell_size=100, trend_test="yue-wang")


def test_emerging_warns_when_too_few_cells_to_pool():
    small = gpd.GeoSeries([shapely.box(301, 301, 799, 799)], crs=27700)  # 5 x 5
    points = _tiny_points(np.array([0] * 11 + [40]))
    with pytest.warns(HotspotsWarning, match="too small"):
        cells = emerging(points, boundary=small, cell_size=100)
    assert (cells["mk_variance_factor"] == 1).all()


def test_emerging_rejects_missing_month_column():
    points = _tiny_points(np.zeros(12)).drop(columns="month")
    with pytest.raises(SchemaError, match="time_column="):
        emerging(points, cell_size=100)


def test_emerging_rejects_geographic_crs():
    points = _tiny_points(np.zeros(12)).to_crs(4326)
    with pytest.raises(CRSError, match="to_crs"):
        emerging(points, cell_size=100)


def test_emerging_needs_three_time_steps():
    points = _tiny_points(np.zeros(2), months=MONTHS[:2])
    with pytest.raises(ValueError, match="at least 3"):
        emerging(points, cell_size=100)


def test_emerging_warns_with_few_time_steps():
    points = _tiny_points(np.zeros(5), months=MONTHS[:5])
    with pytest.warns(HotspotsWarning, match="little power"):
        emerging(points, cell_size=100)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"period": "week"}, "period must be"),
        ({"time_lag": -1}, "time_lag"),
        ({"time_lag": 1.5}, "time_lag"),
        ({"alpha": 1.5}, "alpha"),
    ],
    ids=["period", "negative-lag", "fractional-lag", "alpha"],
)
def test_emerging_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        emerging(_tiny_points(np.zeros(12)), cell_size=100, **kwargs)


# ------------------------------------------- planted truth (synthetic archive)

#: Metres: a cell whose centre is further than this from every planted centre is
#: "away" from the planted hotspots (4x the largest planted spread, 200 m).
AWAY_M = 2_000
MOSTLY_HOT = {"persistent hot spot", "intensifying hot spot", "diminishing hot spot"}
EMERGENCE = {"new hot spot", "consecutive hot spot"}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    from hotspots.synthetic import load_truth, make_archive

    archive = make_archive(
        tmp_path_factory.mktemp("synthetic"), rng=20240601, scale=0.5
    )
    crimes = hotspots.read_policeuk(archive.root).crimes
    violence = hotspots.select_crimes(crimes, "serious_violence")
    return violence, load_truth(archive.root)["hotspots"]


def _pattern_at(cells, column, centre):
    cid = assign_cells(cells, np.array([centre["x"]]), np.array([centre["y"]]))[0]
    return str(cells.loc[cells["cell_id"] == cid, column].iloc[0])


@pytest.mark.slow
@pytest.mark.parametrize("time_lag", [0, 1])
def test_emerging_recovers_planted_truth(planted, time_lag):
    violence, truth = planted
    cells = emerging(violence, cell_size=500, time_lag=time_lag)
    by_kind = {k: [c for h in truth if h["kind"] == k for c in h["centres"]] for k in
               ("persistent", "emerging", "diminishing")}  # fmt: skip
    found = {
        k: [_pattern_at(cells, "pattern", c) for c in v] for k, v in by_kind.items()
    }
    # Persistent centres (Leicester x3, Loughborough): hot in >= 90% of months. The
    # synthetic patrol treatment (-20% from 2024-01 at the 18 busiest places, all
    # in these two centres) is a real decrease, so "diminishing" is also correct.
    recall = np.mean([p in MOSTLY_HOT for p in found["persistent"]])
    # False emergence: cells classed new/consecutive hot away from the emerging
    # centre. No other place has a planted upward change, so each one is a false
    # discovery of emergence.
    centre = by_kind["emerging"][0]
    xy = cells.geometry.centroid
    far_emerging = np.hypot(xy.x - centre["x"], xy.y - centre["y"]) > AWAY_M
    false_emergence = int((cells["pattern"].isin(EMERGENCE) & far_emerging).sum())
    false_trend = int(
        ((cells["pattern"] == "intensifying hot spot") & far_emerging).sum()
    )
    away = np.ones(len(cells), dtype=bool)
    for c in (c for v in by_kind.values() for c in v):
        away &= np.hypot(xy.x - c["x"], xy.y - c["y"]) > AWAY_M
    any_hot_away = int((cells["pattern"].str.contains("hot") & away).sum())
    logger.warning(
        "planted truth (500 m, monthly, time_lag %d, %d cells): persistent recall "
        "%.2f %s; emerging centre %s; diminishing centre %s; false emergence (new/"
        "consecutive > 2 km from the emerging centre) %d; intensifying > 2 km from "
        "it %d; any hot pattern > 2 km from every planted centre %d",
        time_lag, len(cells), recall, found["persistent"], found["emerging"],
        found["diminishing"], false_emergence, false_trend, any_hot_away,
    )  # fmt: skip
    assert recall == 1.0
    # The trend test must keep its power where a trend was planted: both centres
    # need a significant Mann-Kendall trend under the default (pooled) variance.
    assert cells.attrs["hotspots"]["trend_test"] == "pooled"
    assert found["emerging"] == ["intensifying hot spot"]
    assert found["diminishing"] == ["diminishing hot spot"]
    # 0.1% of cells (19 of ~19,000): a classifier ignoring the history, or one
    # without FDR control on the noisy background, would exceed it.
    assert false_emergence <= 0.001 * len(cells)
    # No upward change was planted more than 2 km from the emerging centre. The
    # plain Mann-Kendall test called 12 (time_lag 0) and 83 (time_lag 1) cells
    # there intensifying; allowing for correlated months brings both under 0.1%.
    assert false_trend <= 0.001 * len(cells)


@pytest.mark.slow
def test_classify_hotspots_on_planted_truth(planted):
    # classify_hotspots has no trend test: the emerging and diminishing hotspots sit
    # on towns that are hot throughout, so only the persistent centres are checked.
    violence, truth = planted
    cells = hotspots.classify_hotspots(violence, cell_size=500)
    persistent = [c for h in truth if h["kind"] == "persistent" for c in h["centres"]]
    found = [_pattern_at(cells, "hotspot_category", c) for c in persistent]
    assert found == ["persistent hot spot"] * len(persistent)
    assert cells.attrs["hotspots"]["period_months"] == 3  # 36 months -> quarters
