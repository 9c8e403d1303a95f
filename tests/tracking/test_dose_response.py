"""Dose-response: the join rules, statsmodels as oracle, and a planted dose effect."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from hotspots.exceptions import SchemaError
from hotspots.tracking._dose_response import DoseResponse, dose_response


@dataclass
class MonthlyDosage:
    """A Dosage as dose_response reads it: tracked dates, places and by_month()."""

    table: pd.DataFrame
    places: tuple
    monthly: pd.DataFrame

    def by_month(self) -> pd.DataFrame:
        return self.monthly.copy()


def monthly_dosage(places, first, last, monthly) -> MonthlyDosage:
    dates = [d.date() for d in pd.date_range(first, last, freq="D")]
    table = pd.DataFrame({"place_id": places[0], "date": dates})
    return MonthlyDosage(table=table, places=tuple(places), monthly=monthly)


def planted(n_places, months, beta, seed, hours_scale=20.0):
    """Crimes ~ Poisson(place x month x exp(beta * hours / 10)); hours at random."""
    rng = np.random.default_rng(seed)
    places = [f"P{i:02d}" for i in range(n_places)]
    level = rng.gamma(3.0, 1.5, size=n_places)
    season = np.exp(0.3 * np.sin(np.arange(len(months))))
    hours = rng.uniform(0, hours_scale, size=(n_places, len(months)))
    mu = level[:, None] * season[None, :] * np.exp(beta * hours / 10.0)
    counts = rng.poisson(mu)
    panel = pd.DataFrame(
        {
            "place_id": np.repeat(places, len(months)),
            "month": np.tile(months, n_places),
            "count": counts.ravel(),
        }
    )
    monthly = pd.DataFrame(
        {
            "place_id": np.repeat(places, len(months)),
            "month": np.tile(months, n_places),
            "patrol_minutes": 60.0 * hours.ravel(),
        }
    )
    return places, panel, monthly


def test_dose_response_equals_statsmodels_and_follows_the_join_rules(caplog):
    months = pd.date_range("2025-01-01", periods=6, freq="MS")
    places, panel, monthly = planted(8, months, beta=-0.15, seed=4)
    panel.loc[
        panel["count"].groupby(panel["place_id"]).transform("sum") == 0, "count"
    ] = 1
    # Missing dosage rows inside the tracked months count as zero minutes.
    gone = (monthly["place_id"] == "P03") & (monthly["month"] == months[2])
    monthly = monthly[~gone]
    # Outside the tracked months (Dec 2024), a partly tracked month (Jul 2025)
    # and an untracked place are dropped.
    extra = pd.DataFrame(
        {
            "place_id": ["P00", "P01", "Z"],
            "month": pd.to_datetime(["2024-12-01", "2025-07-01", "2025-02-01"]),
            "count": [5, 7, 9],
        }
    )
    dosage = monthly_dosage(places, "2025-01-01", "2025-07-15", monthly)
    with caplog.at_level(logging.INFO, logger="hotspots"):
        result = dose_response(pd.concat([panel, extra]), dosage, per_hours=10.0)
    assert "2 outside the tracked months" in caplog.text
    assert "1 of places the dosage did not track" in caplog.text
    assert "1 with no dosage row counted as 0 minutes" in caplog.text
    assert result.rules["months_partly_tracked"] == ["2025-07"]
    assert result.rules["places_not_tracked"] == ["Z"]
    assert result.rules["place_months_zero_filled"] == 1
    table = result.table
    assert list(table.columns) == [
        "place_id", "month", "count", "patrol_minutes", "patrol_hours",
    ]  # fmt: skip
    assert len(table) == 48
    row = table[(table["place_id"] == "P03") & (table["month"] == months[2])]
    assert row["patrol_minutes"].item() == 0.0

    # The oracle: statsmodels' Poisson GLM with place and month dummies and
    # errors clustered by place, on the expected join built separately.
    expected = panel.merge(monthly, on=["place_id", "month"], how="left").fillna(
        {"patrol_minutes": 0.0}
    )
    expected["dose"] = expected["patrol_minutes"] / 60.0 / 10.0
    model = smf.glm(
        "count ~ dose + C(place_id) + C(month)", expected, family=sm.families.Poisson()
    ).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(expected["place_id"])[0]}
    )
    assert result.beta == pytest.approx(model.params["dose"], abs=1e-6)
    assert result.se == pytest.approx(model.bse["dose"], rel=1e-6)
    assert result.estimate == pytest.approx(math.exp(model.params["dose"]), rel=1e-6)
    assert result.n_places == 8 and result.n_months == 6 and result.n_obs == 48
    assert result.ci_low < result.estimate < result.ci_high
    assert any("reverse causation" in c for c in result.caveats)
    assert any("Only 8 places" in c for c in result.caveats)
    assert result.to_frame()["estimate"].item() == result.estimate
    assert "per 10 patrol hours a month" in str(result)


def test_dose_response_recovers_a_planted_dose_effect():
    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    truth = math.log(0.85)  # 15% fewer crimes per 10 patrol hours a month
    estimates = []
    for seed in range(4):
        places, panel, monthly = planted(60, months, beta=truth, seed=seed)
        dosage = monthly_dosage(places, "2024-01-01", "2025-12-31", monthly)
        result = dose_response(panel, dosage)
        assert isinstance(result, DoseResponse)
        assert abs(result.beta - truth) < 3.5 * result.se
        estimates.append(result.beta)
    assert np.mean(estimates) == pytest.approx(truth, abs=0.02)
    # per_hours rescales the ratio: 20 hours is the 10-hour ratio squared.
    twenty = dose_response(panel, dosage, per_hours=20.0)
    assert twenty.estimate == pytest.approx(result.estimate**2, rel=1e-6)


def test_dose_response_accepts_a_monthly_frame_and_flags_little_variation():
    months = pd.date_range("2025-01-01", periods=12, freq="MS")
    _, panel, monthly = planted(40, months, beta=0.0, seed=9)
    level = monthly.groupby("place_id")["patrol_minutes"].transform("mean")
    monthly = monthly.assign(patrol_minutes=level + 0.01 * monthly["patrol_minutes"])
    result = dose_response(panel, monthly)
    assert result.rules["dosage_from_frame"]
    assert any("vary mostly between places" in c for c in result.caveats)
    assert not any(c.startswith("Only 40 places") for c in result.caveats)
    assert not any("whole tracked month" in c for c in result.caveats)  # 12 months
    short = monthly[monthly["month"] < months[2]]
    few = dose_response(panel[panel["month"] < months[2]], short)
    assert any(c.startswith("Only 2 whole tracked month(s)") for c in few.caveats)


def test_dose_response_errors_say_what_to_do():
    months = pd.date_range("2025-01-01", periods=3, freq="MS")
    places, panel, monthly = planted(4, months, beta=0.0, seed=1)
    dosage = monthly_dosage(places, "2025-01-01", "2025-03-31", monthly)
    with pytest.raises(SchemaError, match="place_id"):
        dose_response(panel.rename(columns={"place_id": "id"}), dosage)
    with pytest.raises(SchemaError, match="outcome="):
        dose_response(panel, dosage, outcome="harm")
    with pytest.raises(ValueError, match=">= 0"):
        dose_response(panel.assign(count=-1), dosage)
    with pytest.raises(SchemaError, match="repeated"):
        dose_response(pd.concat([panel, panel]), dosage)
    with pytest.raises(ValueError, match="per_hours"):
        dose_response(panel, dosage, per_hours=0)
    with pytest.raises(TypeError, match="Dosage"):
        dose_response(panel, [1, 2])
    later = monthly_dosage(places, "2026-01-01", "2026-03-31", monthly)
    with pytest.raises(ValueError, match="tracked months"):
        dose_response(panel, later)
    none = dose_response(panel.assign(count=0), dosage)
    assert math.isnan(none.estimate) and "not estimable" in str(none)
