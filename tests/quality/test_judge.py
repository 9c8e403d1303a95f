"""judge_points, the map-point rule on counts per point, against hand counts."""

import math

import numpy as np
import pandas as pd
import pytest

from hotspots.quality import check_data, judge_points, map_points
from hotspots.quality._points import custody_counts, custody_signature
from tests.quality.test_points import MONTHS, crimes_at

HOSPITAL = "reporting location (hospital)"
SINGLE = "single-point concentration"


def three_points() -> pd.DataFrame:
    """A hospital pile, a quiet street and a small police station.

    A-B 300 m and A-C 450 m are within 500 m; B-C is sqrt(300**2 + 450**2) = 541 m,
    outside, so B and C each have A as their only neighbour.
    """
    return pd.DataFrame(
        {
            "x": [0.0, 300.0, 0.0],
            "y": [0.0, 0.0, 450.0],
            "n": [60, 3, 6],
            "n_months": [12, 3, 6],
            "location": [
                "On or near Hospital",
                "On or near High Street",
                "On or near Police Station",
            ],
            "point_id": [7, 8, 9],
        }
    )


def test_three_points_by_hand():
    points = three_points()
    points.attrs["source"] = "hand"
    judged = judge_points(points, n_months=12)
    # A: neighbours B (3) and C (6) -> baseline 4.5; ratio 60 / 4.5; share 60 / 69.
    # B and C: A (60) is the only neighbour -> baseline 60.
    assert judged["baseline"].tolist() == [4.5, 60.0, 60.0]
    assert judged["n_neighbours"].tolist() == [2, 1, 1]
    assert judged["ratio"].to_numpy() == pytest.approx([60 / 4.5, 3 / 60, 6 / 60])
    assert judged["share"].to_numpy() == pytest.approx([60 / 69, 3 / 63, 6 / 66])
    # A: ratio >= 4, share >= 0.35, 60 >= max(10, 2 * 12) crimes, 12 >= 0.75 * 12
    # months -> single point. Labels are named from max(5, 0.5 * 12) = 6 crimes: A
    # (60) and C (6, exactly the floor) are; B's street label is not a premises.
    assert judged["single_point"].tolist() == [True, False, False]
    assert judged["reporting_location"].tolist() == [
        "hospital",
        "",
        "police station or custody",
    ]
    assert judged["custody_signature"].tolist() == [False, False, False]
    assert judged["flag"].tolist() == [
        f"{HOSPITAL}; {SINGLE}",
        "",
        "reporting location (police station or custody)",
    ]
    # A is brought down to its baseline: 4.5 / 60. C is flagged but already below
    # its baseline (60 / 6 > 1), so its weight stays 1; B is not flagged.
    assert judged["weight"].tolist() == pytest.approx([4.5 / 60, 1.0, 1.0])
    # no outcomes: nothing tested, overall share unknown
    assert judged["justice_share"].isna().all()
    assert math.isnan(judged.attrs["overall_justice"])
    # same rows, same order, other columns and attrs kept, input untouched
    assert judged["point_id"].tolist() == [7, 8, 9]
    assert judged.attrs["source"] == "hand"
    assert list(points.columns) == ["x", "y", "n", "n_months", "location", "point_id"]


def test_docstring_case_weight_is_three_sixtieths():
    points = three_points().iloc[:2]
    judged = judge_points(points, n_months=12)
    # A's only neighbour is B (3 crimes): baseline 3, weight 3 / 60 = 0.05
    assert judged["flag"].tolist() == [f"{HOSPITAL}; {SINGLE}", ""]
    assert judged["weight"].tolist() == pytest.approx([0.05, 1.0])


def test_with_few_months_only_labels_are_judged():
    judged = judge_points(three_points(), n_months=4)
    # under 6 months: no single-point flag; label floor max(5, 0.5 * 4) = 5
    assert judged["single_point"].tolist() == [False, False, False]
    assert judged["flag"].tolist() == [
        HOSPITAL,
        "",
        "reporting location (police station or custody)",
    ]
    assert judged["weight"].tolist() == pytest.approx([4.5 / 60, 1.0, 1.0])


def test_a_lone_flagged_point_is_weighted_to_one_crime():
    points = pd.DataFrame(
        {
            "x": [0.0, 5000.0],
            "y": [0.0, 0.0],
            "n": [20, 40],
            "n_months": [12, 12],
            "location": ["On or near HMP Leicester", "On or near Granby Street"],
        }
    )
    judged = judge_points(points, n_months=12)
    # no neighbours within 500 m: baseline 0 (floored at 1 crime), share 1.
    # The prison's 20 crimes are under 2 * 12 = 24, so it is not a single point;
    # the street's 40 are, and it has crimes in every month.
    assert judged["baseline"].tolist() == [0.0, 0.0]
    assert judged["ratio"].tolist() == [20.0, 40.0]
    assert judged["flag"].tolist() == ["reporting location (prison)", SINGLE]
    assert judged["weight"].tolist() == pytest.approx([1 / 20, 1 / 40])


@pytest.mark.parametrize("column", ["x", "n", "n_months", "location"])
def test_missing_column_says_what_to_pass(column):
    points = three_points().drop(columns=column)
    with pytest.raises(ValueError, match=rf"lacks \['{column}'\].*map_points"):
        judge_points(points, n_months=12)


def test_outcomes_missing_column_says_what_to_pass():
    outcomes = pd.DataFrame({"x": [0.0], "y": [0.0], "n": [1]})
    with pytest.raises(ValueError, match=r"last_outcome_category.*one row per"):
        judge_points(three_points(), n_months=12, outcomes=outcomes)


def custody_crimes():
    """test_points' binomial case: 20 street points and one custody-like point."""
    street = crimes_at([(i * 100, 0, 3, f"s{i}") for i in range(20)])
    custody = crimes_at([(5000, 0, 4, "On or near Euston Street")], outcome="")
    custody["last_outcome_category"] = ["Court result unavailable"] * 40 + [
        "Unable to prosecute suspect"
    ] * 8
    hospital = crimes_at([(950, 50, 5, "On or near Hospital")])
    return street, custody, hospital


def test_custody_counts_agrees_with_custody_signature():
    street, custody, _ = custody_crimes()
    crimes = pd.concat([street, custody], ignore_index=True)
    points = map_points(crimes)
    signature = custody_signature(crimes, points, n_months=12)
    # counts per point by hand: the custody point 40 of 48, each street 0 of 36
    custody_row = points["location"] == "On or near Euston Street"
    hits = np.where(custody_row, 40.0, 0.0)
    totals = np.where(custody_row, 48.0, 36.0)
    share, flagged, overall = custody_counts(hits, totals, n_months=12)
    assert overall == pytest.approx(40 / (20 * 36 + 48))
    assert overall == pytest.approx(signature.attrs["overall"])
    assert share == pytest.approx(signature.to_numpy(), nan_ok=True)
    assert flagged.tolist() == signature.attrs["flagged"].tolist()
    assert flagged.tolist() == custody_row.tolist()
    assert share[custody_row.to_numpy()] == pytest.approx([40 / 48])
    # all 21 points hold at least max(10, 12) crimes with an outcome: all tested
    assert not np.isnan(share).any()
    # the share floor: 9 of 18 (exactly 0.5, and far above 3 * 9 / 738) is flagged,
    # 8 of 18 (0.44) is not, though both are far from chance
    at = custody_row.to_numpy()
    hits[at], totals[at] = 9, 18
    share, flagged, overall = custody_counts(hits, totals, n_months=12)
    assert overall == pytest.approx(9 / 738)
    assert share[at] == pytest.approx([0.5])
    assert flagged.tolist() == custody_row.tolist()
    hits[at] = 8
    assert not custody_counts(hits, totals, n_months=12)[1].any()
    # under max(10, n_months) crimes with an outcome a point is not tested
    hits[at], totals[at] = 9, 9
    share, flagged, _ = custody_counts(hits, totals, n_months=12)
    assert np.isnan(share[at]).all()
    assert not flagged.any()


def test_judge_points_outcomes_give_the_custody_signature():
    street, custody, _ = custody_crimes()
    crimes = pd.concat([street, custody], ignore_index=True)
    points = map_points(crimes)
    outcomes = pd.DataFrame(
        {
            "x": [5000.0, 5000.0] + [i * 100.0 for i in range(20)],
            "y": 0.0,
            "last_outcome_category": ["Court result unavailable"]
            + ["Unable to prosecute suspect"] * 21,
            "n": [40, 8] + [36] * 20,
        }
    )
    judged = judge_points(points, n_months=12, outcomes=outcomes)
    signature = custody_signature(crimes, points, n_months=12)
    assert judged["custody_signature"].tolist() == signature.attrs["flagged"].tolist()
    assert judged["justice_share"].to_numpy() == pytest.approx(
        signature.to_numpy(), nan_ok=True
    )
    assert judged.attrs["overall_justice"] == pytest.approx(40 / 768)
    # 48 crimes, no other point within 500 m, all 12 months: a single point too
    at = judged["location"] == "On or near Euston Street"
    assert judged.loc[at, "flag"].tolist() == [f"{SINGLE}; custody signature"]
    assert judged.loc[at, "weight"].tolist() == pytest.approx([1 / 48])
    assert (judged.loc[~at, "flag"] == "").all()


def test_check_data_flags_what_judge_points_flags_on_its_counts():
    # plus a lone police station with 6 crimes in 6 months: exactly the label
    # floor max(5, 0.5 * 12), so it is flagged only if the 12 months are counted
    station = crimes_at([(8000, 0, 1, "On or near Police Station")], MONTHS[:6])
    crimes = pd.concat([*custody_crimes(), station], ignore_index=True)
    report = check_data(crimes)
    # counts per point straight from the rows (not through map_points)
    rows = pd.DataFrame(
        {
            "x": crimes.geometry.x.round(1),
            "y": crimes.geometry.y.round(1),
            "month": crimes["month"],
            "location": crimes["location"],
            "last_outcome_category": crimes["last_outcome_category"],
        }
    )
    by_point = rows.groupby(["x", "y"], as_index=False)
    counts = by_point.agg(
        n=("month", "size"),
        n_months=("month", "nunique"),
        location=("location", "first"),  # one label per point here
    )
    outcomes = rows.groupby(["x", "y", "last_outcome_category"], as_index=False).agg(
        n=("month", "size")
    )
    judged = judge_points(counts, n_months=12, outcomes=outcomes)

    def flagged(frame):
        hit = frame[frame["flag"] != ""]
        return sorted(
            zip(hit["x"], hit["y"], hit["flag"], hit["weight"].round(9), strict=True)
        )

    # by hand: the hospital (60 crimes; its street neighbours hold 36 each, so it
    # is weighted to 36 / 60), the custody point (single point, weight 1 / 48) and
    # the station (no neighbour: baseline floored at 1 crime, weight 1 / 6)
    assert flagged(judged) == [
        (950.0, 50.0, HOSPITAL, 0.6),
        (5000.0, 0.0, f"{SINGLE}; custody signature", round(1 / 48, 9)),
        (8000.0, 0.0, "reporting location (police station or custody)", 0.166666667),
    ]
    assert flagged(report.points) == flagged(judged)
    assert report.settings["n_months"] == 12
    assert report.settings["n_flagged_points"] == 3
    assert report.settings["n_crimes_at_flagged_points"] == 60 + 48 + 6
    warned = report.findings[report.findings["severity"] == "warning"]
    assert sorted(zip(warned["x"], warned["y"], strict=True)) == [
        (950.0, 50.0),
        (5000.0, 0.0),
        (8000.0, 0.0),
    ]
