"""Compliance with a patrol plan on hand-made visits whose answers are known."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from hotspots.exceptions import SchemaError
from hotspots.tracking._compliance import Compliance, compliance
from hotspots.tracking._compliance_plan import PatrolPlan, window_bounds


@dataclass
class FakeDosage:
    """The attributes of a Dosage that compliance and the plots read."""

    table: pd.DataFrame
    visits: pd.DataFrame
    places: tuple = ()
    rules: dict = field(default_factory=lambda: {"timezone": "Europe/London"})

    def by_month(self) -> pd.DataFrame:
        frame = self.table.assign(month=pd.to_datetime(self.table["date"]))
        frame["month"] = frame["month"].dt.to_period("M").dt.to_timestamp()
        cols = ["patrol_minutes", "person_minutes", "visits"]
        return frame.groupby(["place_id", "month"], as_index=False)[cols].sum()


def make_dosage(visits, places, first, last, officers=2) -> FakeDosage:
    """A Dosage from visits (place_id, UTC start, minutes[, unit]).

    The table credits each visit's minutes to the local day it starts.
    """
    columns = ["place_id", "start", "minutes", "unit"]
    frame = pd.DataFrame([(*v, "u1")[:4] for v in visits], columns=columns)
    frame["start"] = pd.to_datetime(frame["start"], utc=True).dt.as_unit("ns")
    frame["end"] = frame["start"] + pd.to_timedelta(frame["minutes"], unit="min")
    local = frame["start"].dt.tz_convert("Europe/London")
    frame["date"] = [d.date() for d in local]
    frame["officers"], frame["pings"] = officers, 10
    dates = [d.date() for d in pd.date_range(first, last, freq="D")]
    index = pd.MultiIndex.from_product([places, dates], names=["place_id", "date"])
    grouped = frame.groupby(["place_id", "date"])["minutes"]
    minutes = grouped.sum().reindex(index, fill_value=0.0).astype(float)
    table = pd.DataFrame(
        {
            "patrol_minutes": minutes,
            "person_minutes": officers * minutes,
            "visits": grouped.size().reindex(index, fill_value=0),
        }
    ).reset_index()
    return FakeDosage(table=table, visits=frame, places=tuple(places))


#: Two weeks across the autumn clock change (Sunday 26 October 2025, 02:00 BST
#: becomes 01:00 GMT). Times are UTC; BST = UTC+1 until then.
AUTUMN = [
    ("A", "2025-10-20T18:00Z", 20.0),  # Mon 19:00 BST: Monday qualifies
    ("A", "2025-10-22T00:00Z", 16.0),  # Wed 01:00 BST: counts for Tuesday
    ("A", "2025-10-21T16:30Z", 30.0),  # Tue 17:30 BST: before the window
    ("A", "2025-10-22T19:00Z", 14.9),  # Wed 20:00 BST: 14.9 minutes, too short
    ("A", "2025-10-23T17:30Z", 15.0),  # Thu 18:30 BST: exactly 15 minutes
    ("B", "2025-10-26T01:30Z", 20.0),  # Sun 01:30 GMT, the repeated hour: Saturday
    ("B", "2025-10-26T02:10Z", 20.0),  # Sun 02:10 GMT: after the window closed
    ("B", "2025-11-02T19:00Z", 20.0),  # last day: its window runs past the data
    ("B", "2025-10-20T00:30Z", 20.0),  # Mon 01:30 BST: Sunday 19th, before the data
]


def autumn(**plan) -> Compliance:
    dosage = make_dosage(AUTUMN, ["A", "B", "C"], "2025-10-20", "2025-11-02")
    return compliance(dosage, PatrolPlan(**plan))


def test_compliance_hand_made_weeks_across_the_autumn_clock_change():
    result = autumn(target_hours=2.0)
    table = result.table.set_index(["place_id", "week"])
    week1, week2 = dt.date(2025, 10, 20), dt.date(2025, 10, 27)
    assert list(result.table.columns) == [
        "place_id", "week", "days", "days_compliant", "share_compliant",
        "qualifying_visits", "patrol_hours", "person_hours", "target_hours",
        "hours_share",
    ]  # fmt: skip
    # Sunday 2 November is left out: its 18:00-02:00 window ends after the data.
    assert result.rules["days_cut"] == ["2025-11-02"]
    assert table["days"].tolist() == [7, 6] * 3
    assert table.loc[("A", week1), "days_compliant"] == 3  # Mon, Tue (01:00 Wed), Thu
    assert table.loc[("A", week1), "qualifying_visits"] == 3
    assert table.loc[("A", week1), "share_compliant"] == pytest.approx(3 / 7)
    assert table.loc[("B", week1), "days_compliant"] == 1  # Saturday, via 01:30 GMT
    assert table.loc[("B", week2), "days_compliant"] == 0
    assert table.loc[("C", week1), "days_compliant"] == 0
    a_minutes = 20 + 16 + 30 + 14.9 + 15
    assert table.loc[("A", week1), "patrol_hours"] == pytest.approx(a_minutes / 60)
    assert table.loc[("A", week1), "person_hours"] == pytest.approx(2 * a_minutes / 60)
    assert table.loc[("A", week1), "target_hours"] == pytest.approx(2.0)
    assert table.loc[("A", week1), "hours_share"] == pytest.approx(a_minutes / 60)

    visits = result.visits.set_index("start")
    tuesday = visits.loc[pd.Timestamp("2025-10-22T00:00Z")]
    assert tuesday["plan_date"] == dt.date(2025, 10, 21) and tuesday["qualifies"]
    short = visits.loc[pd.Timestamp("2025-10-22T19:00Z")]
    assert short["in_window"] and not short["long_enough"] and not short["qualifies"]
    repeated_hour = visits.loc[pd.Timestamp("2025-10-26T01:30Z")]
    assert repeated_hour["plan_date"] == dt.date(2025, 10, 25)
    assert repeated_hour["qualifies"]
    assert not visits.loc[pd.Timestamp("2025-10-26T02:10Z"), "in_window"]
    last_day = visits.loc[pd.Timestamp("2025-11-02T19:00Z")]
    assert last_day["in_window"] and not last_day["qualifies"]
    before = visits.loc[pd.Timestamp("2025-10-20T00:30Z")]
    assert before["plan_date"] == dt.date(2025, 10, 19) and not before["qualifies"]

    overall = result.overall
    assert overall["place_days"] == 39 and overall["place_days_compliant"] == 4
    assert overall["places_never_visited"] == ["C"]
    assert overall["places_without_qualifying_visit"] == ["C"]
    assert overall["target_hours"] == pytest.approx(12.0)
    assert overall["hours_delivered"] == pytest.approx(2 * (a_minutes + 80) / 60)
    assert overall["visits_too_short"] == 1
    assert list(result.places["place_id"]) == ["A", "B", "C"]
    assert result.places["rank"].tolist() == [1, 2, 3]
    assert "C" in result.words[3] and "never visited" in result.words[3]


def test_window_has_its_true_length_on_clock_change_nights():
    days = pd.DatetimeIndex(["2025-03-29", "2025-10-25", "2025-10-27"]).as_unit("ns")
    opens, closes = window_bounds(days, (18 * 60, 26 * 60), "Europe/London")
    assert ((closes - opens) / 3.6e12).tolist() == [7.0, 9.0, 8.0]


def test_compliance_spring_forward_night_closes_at_0100_utc():
    visits = [
        ("A", "2025-03-30T01:10Z", 20.0),  # 02:10 BST: the window closed at 02:00
        ("B", "2025-03-30T00:50Z", 20.0),  # 00:50 GMT: inside Saturday's window
    ]
    dosage = make_dosage(visits, ["A", "B"], "2025-03-24", "2025-03-30")
    result = compliance(dosage, PatrolPlan())
    days = result.days.set_index(["place_id", "date"])["compliant"]
    assert not days[("A", dt.date(2025, 3, 29))]
    assert days[("B", dt.date(2025, 3, 29))]


def test_whole_day_plan_on_chosen_weekdays_and_more_visits_per_day():
    visits = [
        ("A", "2025-10-24T09:00Z", 15.0),  # Friday
        ("A", "2025-10-24T13:00Z", 15.0),  # Friday again: two visits
        ("A", "2025-10-25T09:00Z", 15.0),  # Saturday: only one
        ("A", "2025-10-21T09:00Z", 60.0),  # Tuesday: not a plan day
    ]
    dosage = make_dosage(visits, ["A"], "2025-10-20", "2025-10-26")
    plan = PatrolPlan(visits_per_day=2, window=None, days=["Fri", "sat"])
    result = compliance(dosage, plan)
    row = result.table.iloc[0]
    assert row["days"] == 2 and row["days_compliant"] == 1
    assert row["qualifying_visits"] == 3
    assert result.rules["days_cut"] == []


def test_words_follow_the_numbers():
    result = autumn(target_hours=2.0)
    overall = dict(result.overall, places=18, places_meeting_plan=12)
    from hotspots.tracking._compliance_words import describe_compliance

    words = describe_compliance(overall, result.plan)
    assert (
        words[0]
        == "12 of 18 hot spots met the plan on at least 80% of their plan days."
    )
    assert (
        describe_compliance(dict(overall, places_meeting_plan=13), result.plan)[0]
        != words[0]
    )
    hours = describe_compliance(
        dict(overall, hours_delivered=120.0, target_hours=180.0, hours_share=2 / 3),
        result.plan,
    )[2]
    assert hours == "Patrols delivered 120 of 180 funded person hours (67%)."
    assert describe_compliance(dict(overall, places_never_visited=[]), result.plan)[
        3
    ] == ("Every hot spot was visited at least once.")
    # Changing the data changes the words: another qualifying visit for B.
    more = make_dosage(
        [*AUTUMN, ("B", "2025-10-27T19:00Z", 25.0)],
        ["A", "B", "C"],
        "2025-10-20",
        "2025-11-02",
    )
    again = compliance(more, PatrolPlan(target_hours=2.0))
    assert again.overall["place_days_compliant"] == 5
    assert again.words[1] != result.words[1]
    assert again.words[1].startswith("13% of 39 place-days (5)")
    no_target = autumn()
    assert no_target.overall["target_hours"] is None
    assert "no funded hours" in no_target.words[2]


def test_overlapping_units_make_one_visit_to_the_place():
    visits = [
        ("A", "2025-10-20T18:00Z", 10.0, "u1"),  # two officers with two radios:
        ("A", "2025-10-20T18:08Z", 12.0, "u2"),  # one 20-minute visit, 18:00-18:20
        ("A", "2025-10-21T18:00Z", 15.0, "u1"),  # together for 15 minutes:
        ("A", "2025-10-21T18:00Z", 15.0, "u2"),  # one visit, not two
        ("A", "2025-10-21T20:00Z", 15.0, "u1"),  # a second visit that day
        ("B", "2025-10-20T18:00Z", 10.0, "u1"),  # B: 10 minutes, then another
        ("B", "2025-10-20T18:20Z", 10.0, "u2"),  # unit after a gap: two visits
    ]
    dosage = make_dosage(visits, ["A", "B"], "2025-10-20", "2025-10-26")
    result = compliance(dosage, PatrolPlan(visits_per_day=2))
    spells = result.visits
    assert spells["place_id"].tolist() == ["A", "A", "A", "B", "B"]
    assert spells["minutes"].tolist() == [20.0, 15.0, 15.0, 10.0, 10.0]
    assert spells["units"].tolist() == [2, 2, 1, 1, 1]
    assert spells["unit_visits"].tolist() == [2, 2, 1, 1, 1]
    assert spells["qualifies"].tolist() == [True, True, True, False, False]
    days = result.days.set_index(["place_id", "date"])
    assert not days.loc[("A", dt.date(2025, 10, 20)), "compliant"]  # 1 of 2
    assert days.loc[("A", dt.date(2025, 10, 21)), "compliant"]
    assert days.loc[("A", dt.date(2025, 10, 21)), "qualifying_visits"] == 2


def test_predictable_visit_times_are_flagged():
    # A: 10 visits at 19:10 BST; B: 10 visits spread over the window (a tie of
    # two per hour at 18:00 and 01:00 goes to 18:00, first in the window); C: 9.
    days = [f"2025-10-{d:02d}" for d in range(13, 23)]
    same_hour = [("A", f"{d}T18:10Z", 15.0) for d in days]
    hours = ["17", "19", "21", "23", "00", "17", "18", "20", "22", "00"]
    spread = [("B", f"{d}T{h}:10Z", 15.0) for d, h in zip(days, hours, strict=True)]
    few = [("C", f"{d}T18:10Z", 15.0) for d in days[:9]]
    dosage = make_dosage(
        [*same_hour, *spread, *few], ["A", "B", "C"], "2025-10-13", "2025-10-26"
    )
    result = compliance(dosage, PatrolPlan())
    places = result.places.set_index("place_id")
    assert places.loc["A", "top_hour"] == 19
    assert places.loc["A", "top_hour_share"] == 1.0
    assert places.loc["B", "top_hour"] == 18
    assert places.loc["B", "top_hour_share"] == pytest.approx(0.2)
    assert np.isnan(places.loc["C", "top_hour_share"])  # fewer than 10 visits
    assert places["predictable"].tolist() == [True, False, False]
    assert result.overall["timing_places_judged"] == 2
    assert result.overall["timing_places_predictable"] == ["A"]
    assert "same clock hour" in result.words[4] and "A" in result.words[4]
    short_window = compliance(dosage, PatrolPlan(window=("18:00", "20:00")))
    assert "not judged" in short_window.words[4]


def test_monthly_period_and_str():
    result = compliance(
        make_dosage(AUTUMN, ["A", "B", "C"], "2025-10-20", "2025-11-02"),
        PatrolPlan(target_hours=7.0),
        period="month",
    )
    assert list(result.table.columns[:2]) == ["place_id", "month"]
    assert result.table["month"].tolist()[:2] == [
        dt.date(2025, 10, 1),
        dt.date(2025, 11, 1),
    ]
    # 12 of October's days and 2 of November's are tracked: 1 funded hour a day.
    assert result.table["target_hours"].tolist()[:2] == pytest.approx([12.0, 2.0])
    assert "Compliance of 3 hot spots" in str(result)


def test_plan_errors_say_what_to_do():
    with pytest.raises(ValueError, match="visits_per_day"):
        PatrolPlan(visits_per_day=0)
    with pytest.raises(ValueError, match="min_visit_minutes"):
        PatrolPlan(min_visit_minutes=-1)
    with pytest.raises(ValueError, match="HH:MM"):
        PatrolPlan(window=("6pm", "2am"))
    with pytest.raises(ValueError, match="pair"):
        PatrolPlan(window="18:00-02:00")
    with pytest.raises(ValueError, match="weekday names"):
        PatrolPlan(days=["Funday"])
    with pytest.raises(ValueError, match="empty"):
        PatrolPlan(days=[])
    with pytest.raises(ValueError, match="target_hours"):
        PatrolPlan(target_hours=0)
    with pytest.raises(ValueError, match="target_measure"):
        PatrolPlan(target_measure="officer")
    plan = PatrolPlan(days=[4, "saturday", "Fri"])
    assert plan.days == ("Fri", "Sat") and plan.weekdays == (4, 5)
    assert plan.window_minutes == (18 * 60, 26 * 60)
    with pytest.raises(AttributeError):
        plan.visits_per_day = 2  # type: ignore[misc]
    dosage = make_dosage(AUTUMN, ["A"], "2025-10-20", "2025-10-26")
    with pytest.raises(TypeError, match="PatrolPlan"):
        compliance(dosage, {"visits_per_day": 1})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="period"):
        compliance(dosage, plan, period="fortnight")
    with pytest.raises(TypeError, match="Dosage"):
        compliance(pd.DataFrame(), plan)
    broken = FakeDosage(table=dosage.table.drop(columns="person_minutes"),
                        visits=dosage.visits)  # fmt: skip
    with pytest.raises(SchemaError, match="person_minutes"):
        compliance(broken, plan)
