"""Power and minimum detectable effects: closed forms, planted effects, coverage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hotspots.design import (
    Plan,
    base_rates,
    estimate_dispersion,
    minimum_detectable_effect,
    power,
    two_group_poisson_power,
)


def test_closed_form_two_group_poisson_power_worked_example():
    # z = |log 0.8| / sqrt(1/(100*0.8) + 1/100) = 0.22314 / 0.15 = 1.48762;
    # power = Phi(1.48762 - 1.95996) + Phi(-1.48762 - 1.95996) = 0.31833 + 0.00028
    assert two_group_poisson_power(1.0, 0.8, 100, 100) == pytest.approx(
        0.31861, abs=1e-4
    )
    assert two_group_poisson_power(1.0, 1.0, 50, 50) == pytest.approx(0.05, abs=1e-12)


@pytest.mark.parametrize("irr", [0.85, 0.7])
def test_simulated_power_of_a_two_group_comparison_matches_the_closed_form(irr):
    """200 places x 1 day, half treated: the fit is the ratio of two Poisson totals."""
    n, rate = 200, 1.5
    plan = Plan("parallel", length=1)
    result = power(
        plan, np.full(n, rate), effects=(irr,), n_sims=600, variance="model", seed=4
    )
    row = result.table.iloc[0]
    expected = two_group_poisson_power(rate, rate * irr, n / 2, n / 2)
    assert abs(row["power"] - expected) < 3 * row["mcse"] + 0.01


def test_no_effect_rejects_at_about_alpha_and_covers_the_truth():
    plan = Plan("before_after", length=12, before=24, dispersion=0.1)
    rates = np.random.default_rng(0).gamma(3.0, 1.0, size=20)
    row = power(plan, rates, effects=(1.0,), n_sims=400, seed=1).table.iloc[0]
    assert 0.02 <= row["power"] <= 0.085
    assert 0.92 <= row["coverage"] <= 0.98


def test_the_minimum_detectable_effect_has_the_target_power_on_fresh_trials():
    plan = Plan("before_after", length=12, before=24, dispersion=0.1)
    rates = np.random.default_rng(0).gamma(3.0, 1.0, size=18)
    found = minimum_detectable_effect(plan, rates, n_sims=400, seed=2)
    assert 0.6 < found.mde < 0.95
    check = power(plan, rates, effects=(found.mde,), n_sims=400, seed=99)
    assert abs(check.table["power"].iloc[0] - 0.8) < 0.06
    assert f"{found.mde_reduction:.0%}" in found.sentence()
    assert any("rejected" in c for c in found.caveats)


def test_more_places_detect_smaller_effects():
    plan = Plan("before_after", length=12, before=24)
    small = minimum_detectable_effect(plan, np.full(6, 2.0), n_sims=200, seed=3)
    large = minimum_detectable_effect(plan, np.full(40, 2.0), n_sims=200, seed=3)
    assert large.mde > small.mde  # closer to 1 = a smaller fall


def test_crossover_beats_parallel_when_months_vary():
    """Month-to-month variation cancels within a place in a crossover."""
    rates = np.full(20, 0.08)
    kwargs = {"effects": (0.7,), "n_sims": 150, "seed": 5}
    cross = power(Plan("crossover", length=180, dispersion=0.3), rates, **kwargs)
    par = power(Plan("parallel", length=180, dispersion=0.3), rates, **kwargs)
    assert cross.table["power"].iloc[0] > par.table["power"].iloc[0] + 0.2


def test_a_hopeless_plan_says_so():
    plan = Plan("crossover", length=14)
    found = minimum_detectable_effect(plan, np.full(3, 0.01), n_sims=50, seed=1)
    assert math.isnan(found.mde)
    assert any("too small" in c for c in found.caveats)


def test_base_rates_and_dispersion():
    places = pd.DataFrame({"place_id": ["a", "b"], "n": [73.05, 36.525]})
    assert base_rates(places, months=12) == pytest.approx([0.2, 0.1])
    assert base_rates(places, months=12, per="month") == pytest.approx(
        [6.0875, 3.04375]
    )
    rng = np.random.default_rng(0)
    mean = rng.gamma(4.0, 2.0, size=(400, 1))
    counts = rng.poisson(mean * rng.gamma(1 / 0.25, 0.25, size=(400, 24)))
    assert estimate_dispersion(counts) == pytest.approx(0.25, abs=0.04)
    assert estimate_dispersion(rng.poisson(np.full((400, 24), 5.0))) < 0.01


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"design": "nope", "length": 10}, "design must be one of"),
        ({"design": "before_after", "length": 10}, "needs months before"),
        (
            {"design": "parallel", "length": 10, "washout_days": 1},
            "crossover plans only",
        ),
        ({"design": "crossover", "length": 10, "share": 1.0}, "share must be"),
    ],
)
def test_plan_errors_say_what_to_do(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Plan(**kwargs)


def test_rates_errors():
    plan = Plan("crossover", length=28)
    with pytest.raises(ValueError, match="all zero"):
        power(plan, np.zeros(5), n_sims=10)
    with pytest.raises(ValueError, match="not negative"):
        power(plan, [-1.0, 2.0], n_sims=10)
