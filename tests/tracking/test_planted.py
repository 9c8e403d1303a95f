"""Planted patrol visits come back out of read_pings and dosage.

SYNTHETIC pings from :func:`hotspots.synthetic.simulate_pings` are written as a
raw CSV export, read with ``read_pings`` and measured with ``dosage`` at its
defaults (10 m buffer, 5-minute max_gap). The stated tolerance, from the
generator's Notes: a visit's minutes are within one ping interval of the
planted minutes (a visit that loses its first ping starts one interval late; one
that loses the ping after it ends one interval late). Per place and day, that is

* patrol and person minutes within ``visits x ping interval`` (person minutes
  times the officers) on at least 99% of place-days, and within twice that on
  all of them (two pings lost in a row at an edge);
* visits and units equal on at least 99% of place-days;
* every planted visit found once: same unit and place, start within one ping.

The planted-vs-computed summary is written to tests/artifacts/tracking_planted.csv
(and printed with ``pytest -s``).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from hotspots.synthetic import simulate_pings
from hotspots.tracking._dosage import dosage
from hotspots.tracking._pings import read_pings

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
#: Share of place-days that must agree within one ping interval per visit.
AGREE = 0.99
MEASURES = ("patrol_minutes", "person_minutes", "visits", "units")


def _places() -> gpd.GeoDataFrame:
    """Five hot spots 300-900 m apart in central Leicester, one a triangle."""
    shapes = [
        box(458_000, 302_000, 458_150, 302_150),
        box(458_450, 302_000, 458_600, 302_150),  # 300 m from the first
        Polygon([(459_200, 302_500), (459_400, 302_500), (459_200, 302_700)]),
        box(460_000, 303_000, 460_150, 303_150),
        box(460_900, 302_200, 461_050, 302_350),
    ]
    return gpd.GeoDataFrame(
        {"place_id": [f"H{i}" for i in range(len(shapes))]}, geometry=shapes, crs=27700
    )


SCENARIOS = {
    # two weeks across the October change; 3 units, each place once a night
    "october": {
        "start": "2024-10-21",
        "end": "2024-11-03",
        "units": 3,
        "seed": 7,
    },
    # the March change; drawn visit lengths, twice a night, radios off between
    # visits, a window from 22:00 to 04:00 so many visits cross midnight
    "march": {
        "start": "2025-03-26",
        "end": "2025-04-02",
        "units": 2,
        "visits_per_day": 2,
        "visit_minutes": (8.0, 20.0),
        "window": ("22:00", "04:00"),
        "background": False,
        "officers": 1,
        "seed": 11,
    },
    # pings every 10 s, heavier dropout and jitter, whole-day duty
    "dense": {
        "start": "2024-06-10",
        "end": "2024-06-13",
        "units": 2,
        "window": None,
        "visits_per_day": 3,
        "ping_seconds": 10,
        "dropout": 0.05,
        "jitter": 8.0,
        "seed": 3,
    },
}


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def measured(request, tmp_path_factory):
    sim = simulate_pings(_places(), **SCENARIOS[request.param])
    path = sim.write_csv(tmp_path_factory.mktemp("planted") / "pings.csv")
    pings = read_pings(path)
    dose = dosage(
        pings, sim.places, start=sim.rules["start"], end=sim.rules["last_day"]
    )
    return request.param, sim, pings, dose


def _joined(sim, dose) -> pd.DataFrame:
    keys = ["place_id", "date"]
    return sim.truth_table.merge(
        dose.table, on=keys, how="outer", suffixes=("_planted", "_computed")
    ).fillna(0)


def _tolerance(sim, joined: pd.DataFrame) -> dict[str, np.ndarray]:
    """Allowed difference per place-day: one ping interval per visit."""
    ping = sim.rules["ping_seconds"] / 60
    visits = np.maximum(joined["visits_planted"], joined["visits_computed"])
    return {
        "patrol_minutes": visits * ping,
        "person_minutes": visits * ping * sim.rules["officers"],
        "visits": np.zeros(len(joined)),
        "units": np.zeros(len(joined)),
    }


def planted_summary(name: str, sim, dose) -> pd.DataFrame:
    """Planted against computed: totals and place-days within tolerance."""
    joined = _joined(sim, dose)
    allowed = _tolerance(sim, joined)
    rows = []
    for measure in MEASURES:
        planted = joined[f"{measure}_planted"]
        diff = (joined[f"{measure}_computed"] - planted).abs()
        rows.append(
            {
                "scenario": name,
                "measure": measure,
                "place_days": len(joined),
                "planted": round(float(planted.sum()), 1),
                "computed": round(float(joined[f"{measure}_computed"].sum()), 1),
                "within_tolerance": round(
                    float((diff <= allowed[measure] + 1e-6).mean()), 4
                ),
                "within_twice": round(
                    float((diff <= 2 * allowed[measure] + 1e-6).mean()), 4
                ),
                "max_abs_diff": round(float(diff.max()), 3),
                "tolerance": (
                    "equal"
                    if measure in ("visits", "units")
                    else f"visits x {sim.rules['ping_seconds']} s"
                    + (" x officers" if measure == "person_minutes" else "")
                ),
            }
        )
    return pd.DataFrame(rows)


def test_planted_pings_are_all_kept(measured):
    _, sim, pings, _ = measured
    assert pings.rows_read == len(sim.frame) == pings.rows_kept
    assert len(pings.quarantine) == 0


def test_planted_minutes_within_one_ping_interval_per_visit(measured):
    _, sim, _, dose = measured
    joined = _joined(sim, dose)
    allowed = _tolerance(sim, joined)
    for measure in ("patrol_minutes", "person_minutes"):
        diff = (joined[f"{measure}_computed"] - joined[f"{measure}_planted"]).abs()
        assert (diff <= allowed[measure] + 1e-6).mean() >= AGREE, measure
        assert (diff <= 2 * allowed[measure] + 1e-6).all(), joined[
            diff > allowed[measure]
        ]
    total = joined["patrol_minutes_planted"].sum()
    assert joined["patrol_minutes_computed"].sum() == pytest.approx(total, rel=0.01)


def test_planted_visits_and_units_equal_on_99_percent_of_place_days(measured):
    _, sim, _, dose = measured
    joined = _joined(sim, dose)
    assert len(joined) == len(sim.truth_table) == len(dose.table)
    for measure in ("visits", "units"):
        same = joined[f"{measure}_computed"] == joined[f"{measure}_planted"]
        assert same.mean() >= AGREE, joined.loc[~same]
    assert dose.table["visits"].sum() == len(sim.truth)


def test_planted_visits_are_found_one_for_one(measured):
    _, sim, _, dose = measured
    ping = pd.Timedelta(seconds=sim.rules["ping_seconds"])
    found = dose.visits.sort_values("start")
    truth = sim.truth.sort_values("start")
    pairs = pd.merge_asof(
        truth,
        found,
        on="start",
        by=["unit", "place_id"],
        direction="forward",
        tolerance=ping,
        suffixes=("", "_found"),
    )
    assert pairs["minutes_found"].notna().mean() >= AGREE
    matched = pairs.dropna(subset=["minutes_found"])
    assert (
        matched["minutes_found"] - matched["minutes"]
    ).abs().max() <= 2 * ping / pd.Timedelta(minutes=1)
    assert (matched["date_found"] == matched["date"]).all()
    assert (matched["officers_found"] == matched["officers"]).all()


def test_planted_by_shift_counts_every_visit_in_its_window(measured):
    name, sim, pings, dose = measured
    window = SCENARIOS[name].get("window", ("18:00", "02:00")) or ("00:00", "00:00")
    shifts = dosage(
        pings,
        sim.places,
        by="shift",
        shifts={"patrol": window},
        start=sim.rules["start"],
        end=sim.rules["end"],
    )
    opens = pd.Timedelta(window[0] + ":00")
    wall = sim.truth["start"].dt.tz_convert("Europe/London").dt.tz_localize(None)
    truth = sim.truth.assign(opened=(wall - opens).dt.date)  # wall-clock arithmetic
    planted = truth.groupby(["place_id", "opened"]).size()
    computed = shifts.table.set_index(["place_id", "date"])["visits"]
    planted = planted.reindex(computed.index, fill_value=0)
    assert (planted == computed).mean() >= AGREE
    assert shifts.table["patrol_minutes"].sum() == pytest.approx(
        dose.table["patrol_minutes"].sum(), rel=1e-9
    )


def test_planted_summary_table(measured):
    name, sim, _, dose = measured
    summary = planted_summary(name, sim, dose)
    assert (summary["within_tolerance"] >= AGREE).all(), summary
    assert (
        (summary["within_twice"] == 1.0)
        .loc[summary["measure"].str.endswith("minutes")]
        .all()
    )
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / "tracking_planted.csv"
    previous = pd.read_csv(out) if out.exists() else pd.DataFrame()
    if len(previous) and "scenario" in previous:
        previous = previous[previous["scenario"] != name]
    pd.concat([previous, summary], ignore_index=True).to_csv(out, index=False)
    print(f"\n{summary.to_string(index=False)}")  # noqa: T201
