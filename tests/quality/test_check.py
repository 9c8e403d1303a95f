"""check_data against planted truth (SYNTHETIC plants) and on the real forces."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import hotspots
from hotspots.quality import check_data
from hotspots.quality._coverage import (
    code_vintage_findings,
    coverage_findings,
    gap_months,
    missing_location_findings,
    month_table,
)

POINT_PLANTS = ("police_station", "hospital", "default_point")


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Three SYNTHETIC archives (two years) with every plant, read and checked."""
    from hotspots.synthetic import PLANTS, make_archive

    out = []
    for seed in (1, 2, 3):
        archive = make_archive(
            tmp_path_factory.mktemp(f"plants{seed}"),
            rng=seed,
            start="2023-01",
            end="2024-12",
            plants=PLANTS,
        )
        result = hotspots.read_policeuk(archive.root)
        violence = hotspots.select_crimes(result.crimes, "serious_violence")
        out.append((archive.truth, check_data(violence, quarantine=result)))
    return out


def _point_hits(truth, report):
    points = report.points
    hits = {}
    for plant in truth["plants"]:
        if plant["kind"] in POINT_PLANTS:
            at = points[
                (np.abs(points["x"] - plant["x"]) < 1)
                & (np.abs(points["y"] - plant["y"]) < 1)
            ]
            hits[plant["kind"]] = bool((at["flag"] != "").any())
    return hits


@pytest.mark.slow
def test_check_data_recall_and_false_alarms_on_planted_artefacts(planted):
    """Every planted artefact is found; false alarms are counted and bounded.

    A flagged point is a false alarm when it is not planted and its police.uk
    label does not name a police station, hospital, prison or court (those are
    real reporting locations the generator's background happens to use).
    """
    table = []
    for truth, report in planted:
        hits = _point_hits(truth, report)
        named = report.points["reporting_location"] != ""
        flagged = report.points["flag"] != ""
        planted_xy = {
            (round(p["x"]), round(p["y"])) for p in truth["plants"] if "x" in p
        }
        is_planted = [
            (round(x), round(y)) in planted_xy
            for x, y in zip(report.points["x"], report.points["y"], strict=True)
        ]
        false = flagged & ~named & ~np.array(is_planted)
        table.append({**hits, "false_alarms": int(false.sum()), "points": len(flagged)})
    frame = pd.DataFrame(table)
    out = Path(__file__).resolve().parents[1] / "artifacts"
    out.mkdir(exist_ok=True)
    frame.to_csv(out / "quality_recall.csv", index=False)  # the table for the notes
    assert frame[list(POINT_PLANTS)].all().all(), frame
    # at most 1 in 100 map points with crimes flagged by mistake
    assert (frame["false_alarms"] <= 0.01 * frame["points"]).all(), frame


@pytest.mark.slow
def test_check_data_finds_the_planted_gap_and_missing_shift(planted):
    for truth, report in planted:
        gap = next(p for p in truth["plants"] if p["kind"] == "month_gap")
        shift = next(p for p in truth["plants"] if p["kind"] == "missing_shift")
        found = report.findings
        gaps = found[found["check"] == "coverage_gap"]
        assert len(gaps) == 1 and gap["month"] in gaps["where"].iloc[0]
        shifts = found[
            (found["check"] == "missing_locations") & (found["severity"] == "warning")
        ]
        assert len(shifts), found
        months = [pd.Period(w.rsplit("from ", 1)[1]) for w in shifts["where"]]
        planted_month = pd.Period(shift["from"])
        assert any(abs((m - planted_month).n) <= 1 for m in months), months


def test_month_table_and_gap_months_read_a_missing_month_as_missing():
    months = pd.to_datetime(["2024-01-01"] * 40 + ["2024-03-01"] * 35)
    crimes = gpd.GeoDataFrame(
        {"month": months}, geometry=gpd.points_from_xy([0] * 75, [0] * 75), crs=27700
    )
    table = month_table(crimes, None)
    assert table["month"].astype(str).tolist() == ["2024-01", "2024-02", "2024-03"]
    assert table["total"].tolist() == [40, 0, 35]
    assert gap_months(crimes["month"]) == ["2024-02"]
    (found,) = coverage_findings(table, "X Police")
    assert found["check"] == "coverage_gap" and "2024-02" in found["where"]
    # with only a few crimes a month, an empty month can be real
    few = pd.Series(pd.to_datetime(["2024-01-01"] * 3 + ["2024-03-01"] * 2))
    assert gap_months(few) == []


def test_implausible_month_is_reported():
    totals = [100] * 11 + [30]
    months = np.repeat(pd.date_range("2023-01-01", periods=12, freq="MS"), totals)
    crimes = gpd.GeoDataFrame(
        {"month": months},
        geometry=gpd.points_from_xy(np.zeros(len(months)), np.zeros(len(months))),
        crs=27700,
    )
    found = coverage_findings(month_table(crimes, None), "X Police")
    assert [f["check"] for f in found] == ["implausible_month"]
    assert "2023-12" in found[0]["where"] and "30%" in found[0]["evidence"]


def test_missing_location_shift_by_hand():
    months = pd.date_range("2023-01-01", periods=12, freq="MS")
    located = np.repeat(months, 200)
    # 2% without a location for six months, then 10%
    missing = np.r_[np.repeat(months[:6], 4), np.repeat(months[6:], 22)]
    crimes = gpd.GeoDataFrame(
        {"month": located, "crime_type": "Robbery"},
        geometry=gpd.points_from_xy(np.zeros(len(located)), np.zeros(len(located))),
        crs=27700,
    )
    no_location = pd.DataFrame(
        {"month": missing, "crime_type": "Robbery", "force": "X Police"}
    )
    found = missing_location_findings(crimes, no_location, "X Police")
    shifts = [f for f in found if f["severity"] == "warning"]
    assert shifts and "from 2023-07" in shifts[0]["where"]
    assert "2.0% to 9.9%" in shifts[0]["evidence"]
    # a steady share raises no warning
    steady = pd.DataFrame(
        {"month": np.repeat(months, 12), "crime_type": "Robbery", "force": "X Police"}
    )
    found = missing_location_findings(crimes, steady, "X Police")
    assert all(f["severity"] == "note" for f in found)


def test_code_vintage_switch_is_dated():
    months = np.repeat(pd.date_range("2023-01-01", periods=6, freq="MS"), 10)
    codes = ["E01013636"] * 30 + ["E01035001"] * 30  # a 2021-only code from April
    crimes = gpd.GeoDataFrame(
        {"month": months, "lsoa_code": codes},
        geometry=gpd.points_from_xy(np.zeros(60), np.zeros(60)),
        crs=27700,
    )
    (found,) = code_vintage_findings(crimes, "X Police")
    assert found["severity"] == "warning" and "at 2023-04" in found["evidence"]


def test_check_data_on_the_bundled_sample_names_the_known_artefacts():
    from hotspots.demo import load_real_sample

    result = load_real_sample()
    report = check_data(result.crimes, quarantine=result)
    flagged = report.points[report.points["flag"] != ""].set_index("location")
    for label in (
        "On or near Hospital",  # Leicester Royal Infirmary (label)
        "On or near Hill View",  # a prison on an unremarkable street (behaviour)
        "On or near Euston Street",  # a custody suite (custody signature)
        "On or near Prison",
        "On or near Stocken Hall Mews",
    ):
        assert label in flagged.index, label
    assert (
        report.points.set_index("location")
        .loc["On or near Euston Street", "custody_signature"]
        .any()
    )
    # the city centre's busiest streets are not flagged
    for label in ("On or near East Gates", "On or near Granby Street"):
        assert label not in flagged.index


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "policeuk_street_leicestershire_2023_2024.csv.gz",
            ["On or near Hill View", "On or near Ocean Road", "On or near Hospital"],
        ),
        (
            "policeuk_street_derbyshire_2023_2024.csv.gz",
            ["On or near Prime Parkway", "On or near Hospital", "On or near Prison"],
        ),
        ("policeuk_street_west_yorkshire_2016_2018_july.csv.gz", ["On or near Prison"]),
    ],
)
def test_check_data_on_real_forces(shared_real, name, expected):
    result = hotspots.read_policeuk(shared_real / name)
    violence = hotspots.select_crimes(result.crimes, "serious_violence")
    report = check_data(violence, quarantine=result)
    flagged = set(report.points.loc[report.points["flag"] != "", "location"])
    assert set(expected) <= flagged
    if "west_yorkshire" in name:  # three July months two years apart
        assert (report.findings["check"] == "coverage_gap").any()
