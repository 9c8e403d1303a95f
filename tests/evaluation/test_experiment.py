"""Analysis of randomised trials: planted effects, a peer library, exact counts."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from shapely.geometry import box

from hotspots.design import crossover_schedule, parallel_schedule
from hotspots.evaluation import analyse_experiment, trial_counts
from hotspots.exceptions import HotspotsWarning

IDS = [f"HS{i:02d}" for i in range(20)]


def _counts(schedule, rate, irr, seed, *, carry=1.0, delivered=None):
    """Poisson counts planted on a schedule's layout (place x slot)."""
    codes = schedule.assignment()
    rng = np.random.default_rng(seed)
    mu = np.broadcast_to(np.asarray(rate, float).reshape(-1, 1), codes.shape).copy()
    treated = codes == 1 if delivered is None else (codes == 1) & delivered
    mu[treated] *= irr
    after = np.zeros_like(codes, dtype=bool)
    after[:, 1:] = codes[:, :-1] == 1
    mu[(codes != 1) & after] *= carry
    y = rng.poisson(mu)
    slots = schedule.slots().reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "place_id": np.repeat(list(schedule.places), codes.shape[1]),
            "date": np.tile(slots["date"].to_numpy(), codes.shape[0]),
            "shift": np.tile(slots["shift"].to_numpy(), codes.shape[0]),
            "count": y.ravel(),
        }
    )
    frame["harm"] = frame["count"] * 10.0
    return frame


@pytest.fixture(scope="module")
def crossover():
    return crossover_schedule(
        IDS, start="2025-01-06", end="2025-05-05", share=0.5, seed=11
    )


@pytest.fixture(scope="module")
def planted(crossover):
    counts = _counts(crossover, np.linspace(0.2, 0.6, 20), 0.6, seed=3)
    return counts, analyse_experiment(
        counts, crossover, harm="harm", permutations=199, seed=1
    )


def test_a_planted_effect_is_recovered_and_judged(planted):
    _, result = planted
    assert result.itt.ci_low < 0.6 < result.itt.ci_high
    assert result.itt.ci_high < 1
    assert result.itt_negbin.ci_low < 0.6 < result.itt_negbin.ci_high
    assert result.itt_harm.estimate == pytest.approx(result.itt.estimate, rel=1e-9)
    assert result.randomisation.p_value == pytest.approx(1 / 200)
    assert result.carryover.ci_low < 1 < result.carryover.ci_high
    assert result.sms_level == 5
    assert result.label == "worked"
    assert "Suggested label: worked" in result.summary()
    assert str(result).startswith(result.summary())
    assert "- randomisation test: " in str(result)
    names = result.effects()["name"].tolist()
    assert names[:4] == [
        "ITT, crimes (Poisson)",
        "ITT, crimes (negative binomial)",
        "ITT, harm (Poisson)",
        "randomisation test",
    ]


def test_the_itt_equals_statsmodels_on_the_long_table(planted, crossover):
    counts, result = planted
    arms = crossover.table[["place_id", "date", "shift", "arm"]]
    frame = counts.merge(arms, on=["place_id", "date", "shift"])
    frame = frame[frame["arm"] != "washout"].assign(
        d=lambda f: (f.arm == "treatment") * 1.0
    )
    frame = frame[frame.groupby("date")["count"].transform("sum") > 0]
    fit = smf.glm(
        "count ~ d + C(place_id) + C(date)", frame, family=sm.families.Poisson()
    ).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(frame["place_id"])[0]})
    assert result.itt.details["log_irr"] == pytest.approx(fit.params["d"], abs=1e-8)
    assert result.itt.details["se"] == pytest.approx(fit.bse["d"], rel=1e-6)


def test_randomisation_p_values_are_uniform_with_no_effect():
    schedule = crossover_schedule(IDS[:8], start="2025-01-06", end="2025-02-02", seed=2)
    ps = []
    for seed in range(40):
        counts = _counts(schedule, 0.5, 1.0, seed=100 + seed)
        result = analyse_experiment(
            counts, schedule, negbin=False, permutations=49, seed=seed
        )
        ps.append(result.randomisation.p_value)
    assert stats.kstest(ps, "uniform").pvalue > 0.01


def test_carry_over_is_detected_when_planted(crossover):
    counts = _counts(crossover, 0.6, 0.6, seed=8, carry=0.6)
    result = analyse_experiment(counts, crossover, negbin=False, permutations=0)
    assert result.carryover.ci_high < 1
    assert "carry-over" in result.carryover.caveats[0]


def test_washout_days_are_left_out_of_the_itt_and_checked():
    schedule = crossover_schedule(
        IDS, start="2025-01-06", end="2025-05-05", share=0.4, washout_days=1, seed=4
    )
    assert (schedule.table["arm"] == "washout").any()
    counts = _counts(schedule, 0.5, 0.7, seed=9)
    result = analyse_experiment(counts, schedule, negbin=False, permutations=0)
    n_used = (schedule.table["arm"] != "washout").sum()
    assert result.itt.details["n_cells"] <= n_used
    assert result.carryover.method.startswith("carry-over check: washout days")


def test_per_protocol_uses_the_patrol_received(crossover):
    codes = crossover.assignment()
    rng = np.random.default_rng(5)
    delivered = rng.random(codes.shape) < 0.75
    counts = _counts(crossover, 0.6, 0.5, seed=6, delivered=delivered)
    minutes = np.where((codes == 1) & delivered, 16.0, 0.0)
    dosage = counts[["place_id", "date", "shift"]].assign(minutes=minutes.ravel())
    result = analyse_experiment(
        counts, crossover, dosage=dosage, negbin=False, permutations=0
    )
    share = ((codes == 1) & delivered).sum() / (codes == 1).sum()
    assert result.compliance["delivered_share"] == pytest.approx(share)
    assert result.compliance["contaminated_share"] == 0
    assert abs(math.log(result.per_protocol.estimate / 0.5)) < abs(
        math.log(result.itt.estimate / 0.5)
    )
    assert "not randomised" in result.per_protocol.caveats[0]


def test_per_protocol_by_shift_speaks_of_place_shifts():
    schedule = crossover_schedule(
        IDS,
        start="2025-01-06",
        end="2025-03-02",
        share=0.5,
        shifts={"early": ("07:00", "15:00"), "late": ("18:00", "02:00")},
        seed=2,
    )
    codes = schedule.assignment()
    counts = _counts(schedule, 0.6, 0.5, seed=3)
    minutes = np.where(codes == 1, 20.0, 0.0)
    dosage = counts[["place_id", "date", "shift"]].assign(minutes=minutes.ravel())
    result = analyse_experiment(
        counts, schedule, dosage=dosage, negbin=False, permutations=0
    )
    assert result.per_protocol.interpretation.endswith("place-shifts")
    assert result.itt.interpretation.endswith("place-shifts")


def test_a_parallel_trial_in_matched_pairs():
    places = pd.DataFrame({"place_id": IDS, "n": np.arange(20, 0, -1)})
    schedule = parallel_schedule(
        places, start="2025-01-06", end="2025-06-29", blocking="pairs", seed=7
    )
    rates = np.repeat(np.linspace(0.8, 0.2, 10), 2)
    counts = _counts(schedule, rates, 0.6, seed=12)
    result = analyse_experiment(counts, schedule, negbin=False, permutations=99, seed=3)
    assert "block and day" in result.itt.method
    assert "cluster-robust SE by block (pair), t(9)" in result.itt.method
    assert result.itt.ci_low < 0.6 < result.itt.ci_high
    assert result.randomisation.p_value <= 0.05


def test_missing_rows_are_counted_as_zero_with_a_warning(crossover):
    counts = _counts(crossover, 0.4, 1.0, seed=1).iloc[5:]
    with pytest.warns(HotspotsWarning, match="5 place-slots"):
        analyse_experiment(counts, crossover, negbin=False, permutations=0)


def test_rows_outside_the_schedule_are_left_out_with_a_warning(crossover):
    counts = _counts(crossover, 0.4, 1.0, seed=1)
    extra = counts.iloc[:2].assign(place_id="ELSEWHERE", count=3)
    with pytest.warns(HotspotsWarning, match="2 rows of counts .6 count. name a place"):
        analyse_experiment(
            pd.concat([counts, extra]), crossover, negbin=False, permutations=0
        )


def _places():
    return gpd.GeoDataFrame(
        {"place_id": ["A", "B"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
        crs=27700,
    )


def test_trial_counts_puts_each_crime_in_its_place_and_patrol_window():
    schedule = crossover_schedule(
        ["A", "B"],
        start="2025-03-28",
        end="2025-04-03",
        shifts={"night": ("20:00", "04:00")},
        balance=None,
        seed=1,
    )
    crimes = gpd.GeoDataFrame(
        {
            "date": pd.to_datetime(
                [
                    "2025-03-29 21:00",  # night of the 29th
                    "2025-03-30 01:30",  # after midnight: still the 29th's night
                    "2025-03-30 12:00",  # daytime: outside the window
                    "2025-03-30 23:00",  # on the shared edge x = 100: place A
                    "2025-05-01 22:00",  # after the trial
                ]
            )
        },
        geometry=gpd.points_from_xy([50, 150, 50, 100, 50], [50, 50, 50, 50, 50]),
        crs=27700,
    )
    counts = trial_counts(crimes, _places(), schedule)
    assert len(counts) == len(schedule.table)
    got = counts[counts["count"] > 0].set_index(["place_id", "date"])["count"]
    assert got.to_dict() == {
        ("A", pd.Timestamp("2025-03-29")): 1,
        ("B", pd.Timestamp("2025-03-29")): 1,
        ("A", pd.Timestamp("2025-03-30")): 1,
    }


def test_trial_counts_refuses_police_uk_months():
    schedule = crossover_schedule(
        ["A", "B"], start="2025-01-06", end="2025-01-19", seed=1
    )
    crimes = gpd.GeoDataFrame(
        {"date": pd.to_datetime(["2025-01-01", "2025-02-01"])},
        geometry=gpd.points_from_xy([50, 150], [50, 50]),
        crs=27700,
    )
    with pytest.raises(ValueError, match=r"police\.uk months"):
        trial_counts(crimes, _places(), schedule)
    with pytest.raises(ValueError, match="read_force_extract"):
        trial_counts(crimes.drop(columns="date"), _places(), schedule)
