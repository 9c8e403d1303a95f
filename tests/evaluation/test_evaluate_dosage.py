"""``evaluate(dosage=...)``: the treated places' crimes against tracked patrol hours.

Crimes: three 150 m places in Leicester over a uniform background, 2022-2024,
with a planted 30% fall from 2024. Dosage: SYNTHETIC pings at the three places in
October and November 2024 (and a hand-made monthly frame).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from hotspots.evaluation import evaluate
from hotspots.evaluation._evaluate_dosage import check_dosage, tracked_months
from hotspots.exceptions import SchemaError
from hotspots.synthetic import simulate_pings
from hotspots.tracking import Pings, dosage, dose_response

X0, Y0 = 458_000, 302_000  # central Leicester, EPSG:27700
CORNERS = [(0, 0), (1500, 0), (0, 1500)]
MONTHS = pd.date_range("2022-01-01", periods=36, freq="MS")


def _design(seed=5, ids=("A", "B", "C")):
    rng = np.random.default_rng(seed)
    places = gpd.GeoDataFrame(
        {"place_id": list(ids)},
        geometry=[box(X0 + x, Y0 + y, X0 + x + 150, Y0 + y + 150) for x, y in CORNERS],
        crs=27700,
    )
    xs, ys, ms = [], [], []
    for k, month in enumerate(MONTHS):
        n = rng.poisson(200)
        xs.extend(X0 + rng.uniform(-1500, 3000, n))
        ys.extend(Y0 + rng.uniform(-1500, 3000, n))
        ms.extend([month] * n)
        for x, y in CORNERS:
            extra = rng.poisson(8 * (0.7 if k >= 24 else 1.0))
            xs.extend(X0 + x + rng.uniform(0, 150, extra))
            ys.extend(Y0 + y + rng.uniform(0, 150, extra))
            ms.extend([month] * extra)
    crimes = gpd.GeoDataFrame(
        {"month": pd.to_datetime(ms)},
        geometry=[Point(x, y) for x, y in zip(xs, ys, strict=True)],
        crs=27700,
    )
    return crimes, places


def _evaluate(crimes, places, **options):
    return evaluate(
        crimes,
        places,
        treatment_start="2024-01",
        comparisons_k=2,
        permutations=19,
        rng=1,
        progress=False,
        artefacts="off",
        **options,
    )


@pytest.fixture(scope="module")
def design():
    return _design()


@pytest.fixture(scope="module")
def tracked(design):
    """Dosage from SYNTHETIC pings, 1 October to 30 November 2024."""
    _, places = design
    sim = simulate_pings(
        places,
        start="2024-10-01",
        end="2024-11-30",
        units=2,
        visit_minutes=(5.0, 30.0),
        ping_seconds=60,
        background=False,
        seed=3,
    )
    pings = Pings.from_frame(sim.frame)
    return dosage(pings, places, end="2024-11-30")


@pytest.fixture(scope="module")
def with_dosage(design, tracked):
    crimes, places = design
    return _evaluate(crimes, places, dosage=tracked)


def _treated_panel(evaluation):
    data = evaluation.matched.panel
    return data.loc[data["treated"].astype(bool), ["place_id", "month", "count"]]


def test_evaluate_dosage_matches_dose_response_run_directly(with_dosage, tracked):
    found = with_dosage.dose_response
    direct = dose_response(_treated_panel(with_dosage), tracked)
    assert found is not None
    assert found.rules["months"] == ["2024-10", "2024-11"]
    assert found.n_places == 3
    assert found.estimate == pytest.approx(direct.estimate, rel=1e-12)
    assert (found.ci_low, found.ci_high) == pytest.approx(
        (direct.ci_low, direct.ci_high), rel=1e-12
    )
    pd.testing.assert_frame_equal(found.table, direct.table)
    # the table holds the tracked hours and the evaluation's own counts
    hours = tracked.by_month().groupby("place_id")["patrol_minutes"].sum() / 60
    assert found.table.groupby("place_id")["patrol_hours"].sum().to_dict() == (
        pytest.approx(hours.to_dict())
    )


def test_evaluate_dosage_is_shown_with_its_caveat(with_dosage):
    text = str(with_dosage)
    assert "Tracked patrol (an association, not randomised):" in text
    assert "Dose-response" in text
    assert "not randomised" in text.split("Tracked patrol")[1]


def test_evaluate_dosage_leaves_the_effects_alone(design, with_dosage):
    crimes, places = design
    plain = _evaluate(crimes, places)
    assert plain.dose_response is None
    assert "Tracked patrol" not in str(plain)
    pd.testing.assert_frame_equal(plain.to_frame(), with_dosage.to_frame())


def test_evaluate_dosage_takes_a_monthly_frame(design, with_dosage):
    crimes, places = design
    frame = pd.DataFrame(
        {
            "place_id": ["A", "B", "C"] * 3,
            "month": np.repeat(pd.to_datetime(["2024-03", "2024-04", "2024-05"]), 3),
            "patrol_minutes": [600.0, 120, 0, 300, 900, 60, 0, 240, 720],
        }
    )
    result = _evaluate(crimes, places, dosage=frame)
    direct = dose_response(_treated_panel(with_dosage), frame)
    assert result.dose_response.rules["dosage_from_frame"] is True
    assert result.dose_response.rules["months"] == ["2024-03", "2024-04", "2024-05"]
    assert result.dose_response.estimate == pytest.approx(direct.estimate, rel=1e-12)


def test_evaluate_dosage_reads_numeric_place_ids_as_text():
    crimes, places = _design(ids=(1, 2, 3))
    frame = pd.DataFrame(
        {
            "place_id": [1, 2, 3, 1, 2, 3],
            "month": np.repeat(pd.to_datetime(["2024-03", "2024-04"]), 3),
            "patrol_minutes": [600.0, 120, 0, 300, 900, 60],
        }
    )
    checked = check_dosage(frame, MONTHS, places["place_id"].astype(str))
    assert checked["place_id"].tolist() == ["1", "2", "3"] * 2
    result = _evaluate(crimes, places, dosage=frame)
    assert result.dose_response.n_obs == 6


def test_tracked_months_are_whole_months_only(tracked):
    months = tracked_months(tracked)
    assert [f"{m:%Y-%m}" for m in months] == ["2024-10", "2024-11"]
    cut = dosage(
        tracked_pings_frame(),
        _design()[1],
        start="2024-10-05",
        end="2024-11-30",
    )
    assert [f"{m:%Y-%m}" for m in tracked_months(cut)] == ["2024-11"]


def tracked_pings_frame():
    """Two pings of one unit in place A, in EPSG:27700 metres."""
    return pd.DataFrame(
        {
            "unit": ["U1", "U1"],
            "time": pd.to_datetime(["2024-10-10 19:00", "2024-10-10 19:01"], utc=True),
            "x": [X0 + 50.0, X0 + 60.0],
            "y": [Y0 + 50.0, Y0 + 60.0],
        }
    )


def test_evaluate_dosage_outside_the_months_is_refused_early(design):
    crimes, places = design
    frame = pd.DataFrame(
        {"place_id": ["A"], "month": ["2026-01-01"], "patrol_minutes": [60.0]}
    )
    with pytest.raises(ValueError, match="pass a dosage of the evaluated period"):
        _evaluate(crimes, places, dosage=frame)


def test_evaluate_dosage_of_other_places_is_refused(design):
    crimes, places = design
    frame = pd.DataFrame(
        {"place_id": ["X", "Y"], "month": ["2024-03-01"] * 2, "patrol_minutes": 60.0}
    )
    with pytest.raises(ValueError, match="at the treated places with the same"):
        _evaluate(crimes, places, dosage=frame)


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        ([1, 2, 3], TypeError, "Dosage .from hotspots.tracking.dosage"),
        (pd.DataFrame({"place_id": ["A"]}), SchemaError, r"lacks columns \['month'"),
    ],
    ids=["list", "frame-without-columns"],
)
def test_evaluate_dosage_of_the_wrong_kind_is_refused(design, bad, error, match):
    crimes, places = design
    with pytest.raises(error, match=match):
        _evaluate(crimes, places, dosage=bad)
