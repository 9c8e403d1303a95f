"""SYNTHETIC trial crimes: planted counts, times in their slots, points in places."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from hotspots.design import crossover_schedule
from hotspots.evaluation import analyse_experiment, trial_counts
from hotspots.exceptions import CRSError
from hotspots.synthetic import simulate_trial_crimes

NIGHT = {"night": ("20:00", "04:00")}


def _places(n: int = 6) -> gpd.GeoDataFrame:
    """Squares, a triangle and a circle 1 km apart (BNG, Leicester)."""
    shapes = []
    for i in range(n):
        x, y = 450_000 + 1_000 * i, 300_000
        if i % 3 == 0:
            shapes.append(box(x, y, x + 150, y + 150))
        elif i % 3 == 1:
            shapes.append(Polygon([(x, y), (x + 200, y), (x, y + 200)]))
        else:
            shapes.append(Point(x, y).buffer(80))
    return gpd.GeoDataFrame(
        {"place_id": [f"P{i:02d}" for i in range(n)]}, geometry=shapes, crs=27700
    )


@pytest.fixture(scope="module")
def places():
    return _places()


@pytest.fixture(scope="module")
def night_schedule(places):
    # spans the clock change of 30 March 2025 (a night 1 hour shorter)
    return crossover_schedule(
        places,
        start="2025-03-24",
        end="2025-04-20",
        share=0.5,
        shifts=NIGHT,
        seed=3,
    )


@pytest.fixture(scope="module")
def night_crimes(places, night_schedule):
    return simulate_trial_crimes(
        places, night_schedule, rates=np.full(len(places), 2.0), effect=0.6, seed=5
    )


def test_simulate_trial_crimes_columns_and_labels(night_crimes):
    assert list(night_crimes.columns) == [
        "date",
        "month",
        "crime_type",
        "place_id_true",
        "treated_true",
        "synthetic",
        "geometry",
    ]
    assert night_crimes["date"].dtype == "datetime64[ns]"
    assert night_crimes["date"].dt.tz is None
    assert night_crimes["month"].dtype == "datetime64[ns]"
    assert (
        night_crimes["month"] == night_crimes["date"].dt.to_period("M").dt.start_time
    ).all()
    assert night_crimes["treated_true"].dtype == bool
    assert night_crimes["synthetic"].all()
    assert (night_crimes["crime_type"] == "Violence and sexual offences").all()
    assert night_crimes.crs.to_epsg() == 27700
    assert night_crimes["date"].is_monotonic_increasing
    truth = night_crimes.attrs["hotspots"]
    assert night_crimes.attrs["synthetic"] is True
    assert truth["effect"] == 0.6 and truth["seed"] == 5 and not truth["seed_auto"]
    assert truth["n_crimes"] == len(night_crimes) == np.sum(truth["counts"])


@pytest.mark.parametrize("carry_over", [1.0, 0.5], ids=["no-carry", "carry"])
def test_simulate_trial_crimes_counts_match_the_planted_expectation(carry_over):
    places = _places(10)
    schedule = crossover_schedule(
        places, start="2025-01-06", end="2025-04-27", share=0.4, seed=1
    )
    rates = np.linspace(3.0, 6.0, len(places))
    crimes = simulate_trial_crimes(
        places, schedule, rates=rates, effect=0.7, carry_over=carry_over, seed=2
    )
    truth = crimes.attrs["hotspots"]
    codes = schedule.assignment()
    after = np.zeros_like(codes, dtype=bool)
    after[:, 1:] = codes[:, :-1] == 1
    after &= codes != 1
    # known answer without month noise: rate x slots x the planted ratios
    for arm, mask, ratio in [
        ("treatment", codes == 1, 0.7),
        ("carry_over", after, carry_over),
    ]:
        assert truth["slots"][arm] == mask.sum(axis=1).tolist()
        assert np.allclose(truth["expected"][arm], rates * mask.sum(axis=1) * ratio)
    # observed counts per place and arm within 4 Poisson SDs of the expectation
    place = crimes["place_id_true"].map({p: i for i, p in enumerate(schedule.places)})
    for arm, treated in [("treatment", True), ("control", False)]:
        observed = np.bincount(
            place[crimes["treated_true"] == treated], minlength=len(places)
        )
        expected = np.asarray(truth["expected"][arm])
        assert np.all(np.abs(observed - expected) < 4 * np.sqrt(expected)), arm
    # the treated / untreated rate ratio within 3 SEs of the planted effect
    counts = np.asarray(truth["counts"])
    untreated = (codes == 0) & ~after
    treated_n, control_n = counts[codes == 1].sum(), counts[untreated].sum()
    expected_ratio = (rates[:, None] * (codes == 1)).sum() / (
        rates[:, None] * untreated
    ).sum()
    log_ratio = math.log(treated_n / control_n / expected_ratio)
    se = math.sqrt(1 / treated_n + 1 / control_n)
    assert abs(log_ratio - math.log(0.7)) < 3 * se
    carried, base = counts[after].sum(), (rates[:, None] * after).sum()
    assert abs(math.log(carried / base) - math.log(carry_over)) < 3 / math.sqrt(carried)


def test_simulate_trial_crimes_times_fall_in_their_slot_window(
    night_crimes, night_schedule, places
):
    times = night_crimes["date"]
    clock = times - times.dt.normalize()
    evening = clock >= pd.Timedelta(hours=20)
    assert (evening | (clock < pd.Timedelta(hours=4))).all()
    # the slot's date: the previous day for crimes after midnight
    slot_date = times.dt.normalize() - pd.to_timedelta((~evening).astype(int), unit="D")
    assert slot_date.min() >= pd.Timestamp("2025-03-24")
    assert slot_date.max() <= pd.Timestamp("2025-04-20")
    assert (~evening).any()  # some crimes fall after midnight
    slots = night_schedule.slots()
    column = pd.Series(range(len(slots)), index=slots["date"])
    row = pd.Series(range(len(places)), index=list(night_schedule.places))
    arms = night_schedule.assignment()[
        row[night_crimes["place_id_true"]].to_numpy(), column[slot_date].to_numpy()
    ]
    assert ((arms == 1) == night_crimes["treated_true"].to_numpy()).all()
    # the short night of the clock change: 20:00 GMT to 04:00 BST is 7 hours
    short = night_crimes[slot_date == pd.Timestamp("2025-03-29")]["date"]
    assert len(short) > 0
    assert not short.between("2025-03-30 01:00", "2025-03-30 01:59:59").any()


def test_simulate_trial_crimes_whole_days_across_the_october_clock_change(places):
    schedule = crossover_schedule(
        places, start="2025-10-20", end="2025-11-02", share=0.5, seed=4
    )
    crimes = simulate_trial_crimes(
        places, schedule, rates=np.full(len(places), 3.0), effect=0.5, seed=6
    )
    day = crimes["date"].dt.normalize()
    assert day.between("2025-10-20", "2025-11-02").all()
    row = pd.Series(range(len(places)), index=list(schedule.places))
    column = pd.Series(range(14), index=pd.date_range("2025-10-20", periods=14))
    arms = schedule.assignment()[
        row[crimes["place_id_true"]].to_numpy(), column[day].to_numpy()
    ]
    assert ((arms == 1) == crimes["treated_true"].to_numpy()).all()


def test_simulate_trial_crimes_points_fall_inside_their_place(night_crimes, places):
    shapes = places.set_index("place_id").geometry
    inside = shapely.contains(
        shapes[night_crimes["place_id_true"]].to_numpy(),
        night_crimes.geometry.to_numpy(),
    )
    assert inside.all()
    assert night_crimes.geometry.geom_type.eq("Point").all()
    # uniform: about half of each square's points in its left half
    square = night_crimes[night_crimes["place_id_true"] == "P00"]
    left = (square.geometry.x < 450_075).mean()
    assert abs(left - 0.5) < 4 * math.sqrt(0.25 / len(square))


def test_simulate_trial_crimes_same_seed_same_output_other_seed_differs(
    places, night_schedule, night_crimes
):
    rates = np.full(len(places), 2.0)
    again = simulate_trial_crimes(
        places, night_schedule, rates=rates, effect=0.6, seed=5
    )
    pd.testing.assert_frame_equal(again, night_crimes)
    assert again.attrs == night_crimes.attrs
    other = simulate_trial_crimes(
        places, night_schedule, rates=rates, effect=0.6, seed=6
    )
    assert not other["date"].equals(night_crimes["date"])


def test_simulate_trial_crimes_round_trips_through_trial_counts(
    night_crimes, night_schedule, places
):
    counts = trial_counts(night_crimes, places, night_schedule)
    assert int(counts["count"].sum()) == len(night_crimes)  # every row counted
    slots = night_schedule.slots()
    wide = counts.pivot_table(
        index="place_id", columns=["date", "shift"], values="count", aggfunc="sum"
    ).reindex(
        index=list(night_schedule.places),
        columns=pd.MultiIndex.from_frame(slots[["date", "shift"]]),
    )
    assert wide.to_numpy().tolist() == night_crimes.attrs["hotspots"]["counts"]


def test_simulate_trial_crimes_planted_effect_is_recovered(places):
    schedule = crossover_schedule(
        places, start="2025-01-06", end="2025-06-29", share=0.5, seed=8
    )
    crimes = simulate_trial_crimes(
        places,
        schedule,
        rates=np.full(len(places), 1.5),
        effect=0.7,
        dispersion=0.3,
        seed=9,
    )
    result = analyse_experiment(
        trial_counts(crimes, places, schedule),
        schedule,
        negbin=False,
        permutations=0,
        seed=1,
    )
    assert result.itt.ci_low < 0.7 < result.itt.ci_high


def test_simulate_trial_crimes_dispersion_varies_the_months(places):
    schedule = crossover_schedule(
        places, start="2025-01-06", end="2025-12-28", share=0.5, seed=8
    )
    rates = np.full(len(places), 1.0)
    flat = simulate_trial_crimes(places, schedule, rates=rates, effect=1.0, seed=1)
    noisy = simulate_trial_crimes(
        places, schedule, rates=rates, effect=1.0, dispersion=0.5, seed=1
    )
    n_slots = len(schedule.slots())
    totals = {
        name: np.sum(
            [
                frame.attrs["hotspots"]["expected"][arm]
                for arm in ("treatment", "control")
            ],
            axis=0,
        )
        for name, frame in (("flat", flat), ("noisy", noisy))
    }
    assert np.allclose(totals["flat"], n_slots)
    assert not np.allclose(totals["noisy"], n_slots)
    assert noisy.attrs["hotspots"]["dispersion"] == 0.5


def test_simulate_trial_crimes_seed_none_is_drawn_and_recorded(places, night_schedule):
    crimes = simulate_trial_crimes(
        places, night_schedule, rates=np.full(len(places), 0.5)
    )
    truth = crimes.attrs["hotspots"]
    assert truth["seed_auto"] and isinstance(truth["seed"], int)
    again = simulate_trial_crimes(
        places, night_schedule, rates=np.full(len(places), 0.5), seed=truth["seed"]
    )
    pd.testing.assert_frame_equal(again, crimes)


def test_simulate_trial_crimes_errors_say_what_to_do(places, night_schedule):
    rates = np.full(len(places), 1.0)
    with pytest.raises(ValueError, match="Pass the places the schedule"):
        simulate_trial_crimes(places.iloc[1:], night_schedule, rates=rates)
    with pytest.raises(ValueError, match="one rate per scheduled place"):
        simulate_trial_crimes(places, night_schedule, rates=rates[:2])
    with pytest.raises(ValueError, match="base_rates"):
        simulate_trial_crimes(places, night_schedule, rates=-rates)
    with pytest.raises(ValueError, match=r"effect must be a rate ratio > 0"):
        simulate_trial_crimes(places, night_schedule, rates=rates, effect=0)
    with pytest.raises(ValueError, match="carry_over"):
        simulate_trial_crimes(places, night_schedule, rates=rates, carry_over=-1)
    with pytest.raises(ValueError, match="dispersion"):
        simulate_trial_crimes(places, night_schedule, rates=rates, dispersion=-0.1)
    with pytest.raises(CRSError, match="to_crs"):
        simulate_trial_crimes(places.to_crs(4326), night_schedule, rates=rates)
    with pytest.raises(ValueError, match="buffer"):
        simulate_trial_crimes(
            places.set_geometry(places.centroid), night_schedule, rates=rates
        )
    with pytest.raises(ValueError, match="place_id"):
        simulate_trial_crimes(
            places.rename(columns={"place_id": "id"}), night_schedule, rates=rates
        )
