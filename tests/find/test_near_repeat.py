import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspots.exceptions import CRSError, HotspotsWarning, SchemaError
from hotspots.find._knox import SAME_LOCATION_M, close_pairs
from hotspots.find._near_repeat import NearRepeat, near_repeat

DAY0 = pd.Timestamp("2024-01-01")


def events_from(xy, days, *, column="date", crs=27700):
    xy = np.asarray(xy, dtype=float)
    dates = DAY0 + pd.to_timedelta(np.asarray(days, dtype=float), unit="D")
    return gpd.GeoDataFrame(
        {column: dates}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs
    )


def brute_force_table(xy, t, distance_breaks, time_breaks):
    """All n(n-1)/2 pairs, no tree: the reference pair count."""
    n = len(t)
    i, j = np.triu_indices(n, k=1)
    d = np.hypot(*(xy[i] - xy[j]).T)
    dt = np.abs(t[i] - t[j])
    s = np.searchsorted(distance_breaks, d, side="right") - 1
    k = np.searchsorted(time_breaks, dt, side="right") - 1
    ok = (s >= 0) & (s < len(distance_breaks) - 1) & (k >= 0)
    ok &= k < len(time_breaks) - 1
    table = np.zeros((len(distance_breaks) - 1, len(time_breaks) - 1), dtype=int)
    np.add.at(table, (s[ok], k[ok]), 1)
    return table


# Six events (x, y in metres; day after 2024-01-01). B happens at 23:00 on day 3:
# times of day are dropped, differences are between calendar dates.
HAND_XY = [(0, 0), (0, 0), (50, 0), (150, 0), (1000, 0), (0, 120)]
HAND_DAYS = [0, 3 + 23 / 24, 10, 1, 2, 20]
#      A       B        C         D          E           F
# All 15 pairs, distance (m) and days apart, with bands (0, 100, 200) m and
# (0, 7, 14) days, intervals [a, b) as NearRepeat's default:
#   A-B   0    3  -> same location, [0, 7)
#   A-C  50   10  -> (0, 100),      [7, 14)
#   A-D 150    1  -> [100, 200),    [0, 7)
#   A-E 1000   2  -> beyond 200 m: not counted
#   A-F 120   20  -> [100, 200), 20 days: beyond 14, not counted
#   B-C  50    7  -> (0, 100),      [7, 14)   (7 days is the left edge of [7, 14))
#   B-D 150    2  -> [100, 200),    [0, 7)
#   B-E 1000   1  -> not counted
#   B-F 120   17  -> not counted (time)
#   C-D 100    9  -> [100, 200),    [7, 14)   (100 m is the left edge of [100, 200))
#   C-E 950    8  -> not counted
#   C-F 130   10  -> [100, 200),    [7, 14)   (√(50² + 120²) = 130)
#   D-E 850    1  -> not counted
#   D-F 192.1 19  -> not counted (time)
#   E-F 1007.2 18 -> not counted
# Ten pairs lie within 200 m (every pair but those with E).
HAND_OBSERVED = [[1, 0], [0, 2], [2, 2]]


def test_near_repeat_matches_hand_computed_knox_table():
    events = events_from(HAND_XY, HAND_DAYS)
    result = near_repeat(
        events,
        distance_bands=(0, 100, 200),
        time_bands=(0, 7, 14),
        permutations=99,
        rng=1,
        progress=False,
    )
    assert isinstance(result, NearRepeat)
    observed = result.table("observed")
    assert observed.to_numpy().tolist() == HAND_OBSERVED
    assert list(observed.index) == ["same location", "(0, 100) m", "[100, 200) m"]
    assert list(observed.columns) == ["[0, 7) days", "[7, 14) days"]
    assert result.n_close_pairs == 10
    assert result.n_events == 6
    assert result.time_bands_auto is False


def test_near_repeat_kdtree_counts_equal_brute_force_pairs():
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 1500, (400, 2))
    xy[:60] = xy[60:120]  # repeats at the same points, as police.uk snapping gives
    days = rng.integers(0, 120, 400)
    events = events_from(xy, days)
    bands, times = (0, 100, 200, 300, 400), (0, 7, 14, 21, 28)
    result = near_repeat(
        events,
        distance_bands=bands,
        time_bands=times,
        permutations=99,
        rng=3,
        progress=False,
    )
    breaks = np.array([0, SAME_LOCATION_M, 100, 200, 300, 400])
    reference = brute_force_table(xy, days, breaks, np.array(times, dtype=float))
    np.testing.assert_array_equal(result.observed.to_numpy(), reference)
    # the permutations too: the same shuffles through the O(n²) count
    shuffles = np.random.default_rng(3)
    for simulated in result.simulated[:5]:
        permuted = days[shuffles.permutation(len(days))]
        np.testing.assert_array_equal(
            simulated, brute_force_table(xy, permuted, breaks, np.array(times, float))
        )
    i, j, d = close_pairs(xy[:, 0], xy[:, 1], 400.0)
    every = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    assert len(i) == int((np.triu(every < 400, k=1)).sum())
    np.testing.assert_allclose(d, every[i, j])


def test_near_repeat_expectation_matches_knox_closed_form():
    # Permuting times among events: E[count] = N_space * N_time / N_all pairs.
    rng = np.random.default_rng(11)
    n = 80
    xy = rng.uniform(0, 800, (n, 2))
    days = rng.integers(0, 60, n)
    events = events_from(xy, days)
    result = near_repeat(
        events,
        distance_bands=(0, 200, 400),
        time_bands=(0, 7, 14),
        permutations=999,
        rng=5,
        progress=False,
    )
    i, j = np.triu_indices(n, k=1)
    d = np.hypot(*(xy[i] - xy[j]).T)
    dt = np.abs(days[i] - days[j])
    n_space = np.array([(d < 1e-3).sum(), ((d >= 1e-3) & (d < 200)).sum()])
    n_space = np.append(n_space, ((d >= 200) & (d < 400)).sum())
    n_time = np.array([(dt < 7).sum(), ((dt >= 7) & (dt < 14)).sum()])
    exact = np.outer(n_space, n_time) / len(i)
    sd = result.simulated.std(axis=0)
    error = np.abs(result.expected.to_numpy() - exact)
    assert (error <= 4 * sd / np.sqrt(999) + 1e-9).all()


def planted(rng, n_background=600, n_sources=150, side=5000.0):
    xy = rng.uniform(0, side, (n_background, 2))
    days = rng.integers(0, 365, n_background)
    source = rng.choice(n_background, n_sources, replace=False)
    angle = rng.uniform(0, 2 * np.pi, n_sources)
    radius = rng.uniform(10, 90, n_sources)
    follower = xy[source] + np.column_stack(
        [radius * np.cos(angle), radius * np.sin(angle)]
    )
    later = days[source] + rng.integers(1, 7, n_sources)
    return np.vstack([xy, follower]), np.concatenate([days, later])


def test_near_repeat_recovers_planted_near_repeats():
    xy, days = planted(np.random.default_rng(2024))
    result = near_repeat(events_from(xy, days), permutations=199, rng=1, progress=False)
    ratio, p = result.knox_ratio, result.p_value
    assert ratio.loc["(0, 100) m", "[0, 7) days"] > 3
    assert p.loc["(0, 100) m", "[0, 7) days"] <= 0.01
    # away from the planted band nothing stands out much
    far = ratio.loc[
        ["[200, 300) m", "[300, 400) m"], ["[14, 21) days", "[21, 28) days"]
    ]
    assert (far.to_numpy() < 1.6).all()


def test_near_repeat_null_pattern_flags_no_more_than_nominal_share():
    # space and time independent: each near cell is "significant" at 5% by chance
    rng = np.random.default_rng(99)
    p_values = []
    for _ in range(20):
        xy = rng.uniform(0, 3000, (300, 2))
        days = rng.integers(0, 200, 300)
        result = near_repeat(
            events_from(xy, days), permutations=99, rng=rng, progress=False
        )
        p_values.append(result.p_value.drop(index="same location").to_numpy())
    share = (np.concatenate(p_values) <= 0.05).mean()
    assert share <= 0.09  # 320 tests: nominal 5% plus three binomial s.e.


def police_uk_months(n=30):
    rng = np.random.default_rng(4)
    months = pd.to_datetime(
        [f"2024-{m:02d}-01" for m in rng.integers(1, 13, n)], format="%Y-%m-%d"
    )
    xy = rng.uniform(0, 2000, (n, 2))
    return gpd.GeoDataFrame(
        {"month": months}, geometry=gpd.points_from_xy(*xy.T), crs=27700
    )


def test_near_repeat_refuses_day_bands_on_police_uk_months():
    events = police_uk_months()
    with pytest.raises(SchemaError, match="month of each crime only") as err:
        near_repeat(events, progress=False)
    assert "unit='month'" in str(err.value)
    with pytest.raises(SchemaError, match="unit='month'"):
        near_repeat(events, time="month", progress=False)
    dated = events.rename(columns={"month": "date"})  # months posing as dates
    with pytest.raises(SchemaError, match="1st of a month"):
        near_repeat(dated, progress=False)


def test_near_repeat_month_bands_on_police_uk_months(caplog):
    events = police_uk_months(60)
    with caplog.at_level(logging.INFO, logger="hotspots.find._near_repeat"):
        result = near_repeat(
            events,
            time="month",
            unit="month",
            distance_bands=(0, 500, 1000),
            permutations=99,
            rng=1,
            progress=False,
        )
    assert result.time_bands == (0, 1, 2, 3)
    assert result.time_bands_auto
    assert list(result.observed.columns) == [
        "[0, 1) months",
        "[1, 2) months",
        "[2, 3) months",
    ]
    assert "Time bands set automatically to 0, 1, 2, 3 months" in caplog.text
    # same calendar month = 0 months apart, whatever the day
    months = events["month"].dt.year * 12 + events["month"].dt.month
    xy = np.column_stack([events.geometry.x, events.geometry.y])
    reference = brute_force_table(
        xy,
        months.to_numpy(),
        np.array([0, SAME_LOCATION_M, 500, 1000]),
        np.array([0, 1, 2, 3.0]),
    )
    np.testing.assert_array_equal(result.observed.to_numpy(), reference)


def test_near_repeat_open_last_time_band_counts_every_close_pair():
    xy, days = planted(np.random.default_rng(5), n_background=200, n_sources=20)
    result = near_repeat(
        events_from(xy, days),
        time_bands=(0, 7, np.inf),
        permutations=99,
        rng=1,
        progress=False,
    )
    assert result.observed.columns[-1] == "[7, inf) days"
    assert result.observed.to_numpy().sum() == result.n_close_pairs
    # every permutation keeps the number of close pairs
    assert (result.simulated.sum(axis=(1, 2)) == result.n_close_pairs).all()


def test_near_repeat_summary_and_tidy_frame():
    events = events_from(HAND_XY, HAND_DAYS)
    result = near_repeat(
        events,
        distance_bands=(0, 100, 200),
        time_bands=(0, 7, 14),
        permutations=99,
        rng=1,
        progress=False,
    )
    text = str(result)
    assert text.startswith(
        "Knox test: 6 events, 10 pairs within 200 m, 99 permutations"
    )
    assert "same location" in text
    tidy = result.to_frame()
    assert list(tidy.columns) == [
        "distance_band",
        "time_band",
        "observed",
        "expected",
        "knox_ratio",
        "p_value",
    ]
    assert len(tidy) == 6
    assert tidy["observed"].sum() == 7
    p = result.p_value.to_numpy()
    assert ((p > 0) & (p <= 1)).all()
    assert (p >= 1 / 100).all()
    with pytest.raises(ValueError, match="statistic must be one of"):
        result.table("z")


def test_near_repeat_errors_say_what_to_do():
    events = events_from(HAND_XY, HAND_DAYS)
    with pytest.raises(CRSError, match="to_crs"):
        near_repeat(events.to_crs(4326), progress=False)
    with pytest.raises(ValueError, match="increasing break points"):
        near_repeat(events, distance_bands=(0, 200, 100), progress=False)
    with pytest.raises(ValueError, match="all finite"):
        near_repeat(events, distance_bands=(0, 100, np.inf), progress=False)
    with pytest.raises(ValueError, match="whole number >= 1"):
        near_repeat(events, permutations=0, progress=False)
    with pytest.raises(HotspotsWarning, match="use 999"):
        near_repeat(events, permutations=19, progress=False)
    with pytest.raises(SchemaError, match=r"pd\.to_datetime"):
        near_repeat(events.assign(date=events["date"].astype(str)), progress=False)
    missing = events.assign(date=events["date"].where(events.index != 2))
    with pytest.raises(SchemaError, match="missing for 1 of 6"):
        near_repeat(missing, progress=False)
    with pytest.raises(SchemaError, match="time= the column"):
        near_repeat(events, time="offence_date", progress=False)
    with pytest.raises(ValueError, match="at least 2"):
        near_repeat(events.iloc[:1], progress=False)


def test_near_repeat_few_permutations_warn():
    events = events_from(HAND_XY, HAND_DAYS)
    with pytest.warns(HotspotsWarning, match="smallest possible p-value is 0.050"):
        result = near_repeat(events, permutations=19, rng=1, progress=False)
    assert result.permutations == 19


def test_near_repeat_on_real_leicestershire_robbery_months():
    from hotspots.demo import load_real_sample

    crimes = load_real_sample().crimes
    robbery = crimes[crimes["crime_type"] == "Robbery"]
    with pytest.raises(SchemaError, match="unit='month'"):
        near_repeat(robbery, progress=False)
    result = near_repeat(
        robbery, time="month", unit="month", permutations=99, rng=1, progress=False
    )
    assert result.n_events == 1_635
    assert result.knox_ratio.loc["same location", "[0, 1) months"] == pytest.approx(
        1.43, abs=0.005
    )
    assert result.p_value.loc["same location", "[0, 1) months"] == 0.01
    later = result.p_value[["[1, 2) months", "[2, 3) months"]]
    assert (later.to_numpy() > 0.05).all()
