"""``select_places(plan=)``: the smallest effect a trial at these places detects."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspots import select_places
from hotspots.design import (
    REGRESSION_CAVEAT,
    Plan,
    base_rates,
    estimate_dispersion,
    minimum_detectable_effect,
)
from hotspots.target._select_power import PLAN_SEED, _monthly_counts


@pytest.fixture(scope="module")
def crimes():
    rng = np.random.default_rng(4)
    centres = rng.uniform(500, 4500, size=(6, 2))
    months = pd.date_range("2024-01-01", periods=12, freq="MS")
    frames = []
    for k, (cx, cy) in enumerate(centres):
        n = 60 + 30 * k
        frames.append(
            pd.DataFrame(
                {
                    "x": rng.normal(cx, 20, n),
                    "y": rng.normal(cy, 20, n),
                    "month": rng.choice(months, n),
                }
            )
        )
    background = pd.DataFrame(
        {
            "x": rng.uniform(0, 5000, 300),
            "y": rng.uniform(0, 5000, 300),
            "month": rng.choice(months, 300),
        }
    )
    table = pd.concat([*frames, background], ignore_index=True)
    return gpd.GeoDataFrame(
        table[["month"]], geometry=gpd.points_from_xy(table.x, table.y), crs=27700
    )


def test_the_plan_is_simulated_with_the_places_own_rates_and_variation(crimes):
    plan = Plan("crossover", length=90)
    places = select_places(
        crimes, n_places=5, artefacts="off", plan=plan, plan_sims=200
    )
    record = places.attrs["hotspots"]["power"]
    monthly, months = _monthly_counts(places, crimes)
    assert months == 12
    assert monthly.sum(axis=1) == pytest.approx(places["n"].to_numpy())
    alpha = estimate_dispersion(monthly)
    assert record["plan"]["dispersion"] == pytest.approx(alpha)
    assert record["dispersion_auto"] is True
    expected = minimum_detectable_effect(
        Plan("crossover", length=90, dispersion=alpha),
        base_rates(places, months=12),
        n_sims=200,
        seed=PLAN_SEED,
        progress=False,
    )
    assert record["mde"] == pytest.approx(expected.mde)
    assert record["sentence"] == expected.sentence()
    assert REGRESSION_CAVEAT in record["caveats"]
    assert 0 < record["mde_reduction"] < 1


def test_a_longer_trial_detects_a_smaller_effect(crimes):
    short, long = (
        select_places(
            crimes,
            n_places=5,
            artefacts="off",
            plan=Plan("crossover", length=n),
            plan_sims=200,
        ).attrs["hotspots"]["power"]["mde"]
        for n in (30, 365)
    )
    assert long > short or math.isnan(short)


def test_without_months_the_plan_is_refused(crimes):
    with pytest.raises(ValueError, match="'month' column"):
        select_places(
            crimes.drop(columns="month"),
            n_places=3,
            artefacts="off",
            plan=Plan("crossover", length=90),
        )


def test_without_a_plan_nothing_is_simulated(crimes):
    places = select_places(crimes, n_places=3, artefacts="off")
    assert "power" not in places.attrs["hotspots"]
