"""Patrol dosage from location pings: hand-checked edge cases of every rule."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.exceptions import CRSError, HotspotsWarning, SchemaError
from hotspots.tracking._dosage import dosage
from hotspots.tracking._pings import read_pings

LONDON = "Europe/London"
# "a" and "b" overlap in x 530050-530100; "c" is a kilometre east.
A_ONLY = (530020.0, 180050.0)
A_AND_B = (530075.0, 180050.0)
B_ONLY = (530130.0, 180050.0)
OUTSIDE = (530500.0, 180500.0)


@pytest.fixture
def places():
    return gpd.GeoDataFrame(
        {"place_id": ["a", "b", "c"]},
        geometry=[
            shapely.box(530000, 180000, 530100, 180100),
            shapely.box(530050, 180000, 530150, 180100),
            shapely.box(531000, 180000, 531100, 180100),
        ],
        crs=27700,
    )


def track(unit, first, minutes, where, officers=1):
    """Pings of one unit at ``first`` (local time) + each of ``minutes``."""
    base = pd.Timestamp(first, tz=LONDON)
    where = [where] * len(minutes) if isinstance(where[0], float) else where
    return pd.DataFrame(
        {
            "unit": unit,
            "time": [base + pd.Timedelta(minutes=m) for m in minutes],
            "x": [w[0] for w in where],
            "y": [w[1] for w in where],
            "officers": officers,
        }
    )


def row(result, place, date, shift=None):
    table = result.table
    mask = (table["place_id"] == place) & (table["date"] == dt.date.fromisoformat(date))
    if shift is not None:
        mask &= table["shift"] == shift
    (index,) = np.flatnonzero(mask)
    return table.iloc[index]


def test_dosage_single_ping_inside_is_a_visit_of_one_credit(places):
    frame = track("u1", "2025-01-06 10:00", [0, 1, 3], [OUTSIDE, A_ONLY, OUTSIDE])
    result = dosage(frame, places)
    got = row(result, "a", "2025-01-06")
    assert got["patrol_minutes"] == pytest.approx(2.0)  # 10:01 to the next ping
    assert (got["visits"], got["pings"], got["units"]) == (1, 1, 1)
    (visit,) = result.visits.itertuples()
    assert visit.minutes == pytest.approx(2.0)
    assert visit.start == pd.Timestamp("2025-01-06 10:01", tz="UTC")
    assert visit.end == pd.Timestamp("2025-01-06 10:03", tz="UTC")


def test_dosage_lone_ping_of_a_unit_is_a_visit_of_zero_minutes(places):
    result = dosage(track("u1", "2025-01-06 10:00", [0], A_ONLY), places)
    got = row(result, "a", "2025-01-06")
    assert got["patrol_minutes"] == 0.0
    assert (got["visits"], got["pings"], got["units"]) == (1, 1, 1)
    assert result.visits["minutes"].tolist() == [0.0]
    assert result.rules["lone_ping_seconds"] == 0.0


def test_dosage_gap_shorter_and_longer_than_max_gap(places):
    # gaps 1, 1, 4, 10, 1 minutes; median 1; the 10-minute gap ends a visit
    frame = track("u1", "2025-01-06 10:00", [0, 1, 2, 6, 16, 17], A_ONLY)
    result = dosage(frame, places, max_gap=300)
    visits = result.visits
    assert visits["minutes"].tolist() == pytest.approx([7.0, 2.0])
    assert visits["pings"].tolist() == [4, 2]
    assert visits["end"].tolist() == [
        pd.Timestamp("2025-01-06 10:07", tz="UTC"),
        pd.Timestamp("2025-01-06 10:18", tz="UTC"),
    ]
    got = row(result, "a", "2025-01-06")
    assert got["patrol_minutes"] == pytest.approx(9.0)
    assert got["visits"] == 2
    # with max_gap=600 s the 10-minute gap is credited and joins the visits
    longer = dosage(frame, places, max_gap=600).visits
    assert longer["minutes"].tolist() == pytest.approx([18.0])


def test_dosage_leaving_and_re_entering_makes_two_visits(places):
    where = [A_ONLY, A_ONLY, OUTSIDE, A_ONLY, A_ONLY]
    result = dosage(track("u1", "2025-01-06 10:00", [0, 1, 2, 3, 4], where), places)
    assert result.visits["minutes"].tolist() == pytest.approx([2.0, 2.0])
    got = row(result, "a", "2025-01-06")
    assert (got["visits"], got["pings"]) == (2, 4)
    assert got["patrol_minutes"] == pytest.approx(4.0)


def test_dosage_visit_crossing_midnight_is_split_and_counted_on_its_start_day(
    places,
):
    # pings each minute 23:57:30 to 00:02:30: credited 23:57:30 to 00:03:30
    frame = track("u1", "2025-01-06 23:57:30", range(6), A_ONLY)
    result = dosage(frame, places)
    first, second = row(result, "a", "2025-01-06"), row(result, "a", "2025-01-07")
    assert first["patrol_minutes"] == pytest.approx(2.5)
    assert second["patrol_minutes"] == pytest.approx(3.5)
    assert first["person_minutes"] == pytest.approx(2.5)
    assert (first["visits"], second["visits"]) == (1, 0)
    assert (first["pings"], second["pings"]) == (3, 3)
    assert (first["units"], second["units"]) == (1, 1)
    (visit,) = result.visits.itertuples()
    assert visit.date == dt.date(2025, 1, 6)
    assert visit.minutes == pytest.approx(6.0)


@pytest.mark.parametrize(
    ("day", "first_utc", "hours"),
    [
        # 00:30 GMT to 03:30 BST: clocks go forward, 2 hours on the clock of UTC
        ("2025-03-30", "2025-03-30 00:30", 2),
        # 00:30 BST to 03:30 GMT: clocks go back, 4 hours
        ("2025-10-26", "2025-10-25 23:30", 4),
    ],
    ids=["forward", "back"],
)
def test_dosage_patrol_across_a_clock_change_has_its_true_length(
    places, day, first_utc, hours
):
    base = pd.Timestamp(first_utc, tz="UTC")
    times = [base + pd.Timedelta(minutes=m) for m in range(60 * hours)]
    frame = pd.DataFrame({"unit": "u1", "time": times, "x": 530020.0, "y": 180050.0})
    result = dosage(frame, places)
    assert result.table["date"].unique().tolist() == [dt.date.fromisoformat(day)]
    got = row(result, "a", day)
    assert got["patrol_minutes"] == pytest.approx(60 * hours)
    (visit,) = result.visits.itertuples()
    local = visit.end.tz_convert(LONDON)
    assert (local.hour, local.minute) == (3, 30)
    assert visit.start.tz_convert(LONDON).strftime("%H:%M") == "00:30"


@pytest.mark.parametrize(
    ("day", "hours"), [("2025-03-30", 23), ("2025-10-26", 25), ("2025-06-01", 24)]
)
def test_dosage_local_day_has_23_or_25_hours(places, day, hours):
    midnight = pd.Timestamp(day, tz=LONDON)
    n = hours * 12
    times = [midnight + pd.Timedelta(minutes=5 * k) for k in range(n + 1)]
    frame = pd.DataFrame({"unit": "u1", "time": times, "x": 530020.0, "y": 180050.0})
    end = midnight.date() + dt.timedelta(days=1)
    result = dosage(frame, places, start=day, end=end)
    assert row(result, "a", day)["patrol_minutes"] == pytest.approx(60 * hours)
    assert row(result, "a", str(end))["pings"] == 1


@pytest.mark.parametrize("chunk_rows", [1_000_000, 5], ids=["one-bucket", "split"])
def test_dosage_two_units_together_union_and_sum(places, tmp_path, chunk_rows):
    frame = pd.concat(
        [
            track("u1", "2025-01-06 10:00", range(10), A_ONLY, officers=2),
            track("u2", "2025-01-06 10:05", range(10), A_ONLY, officers=1),
        ]
    )
    path = tmp_path / "pings.csv"
    frame.assign(time=frame["time"].map(pd.Timestamp.isoformat)).rename(
        columns={"x": "easting", "y": "northing"}
    ).to_csv(path, index=False)
    pings = read_pings(path, chunk_rows=chunk_rows, workdir=tmp_path)
    assert len(list(pings.iter_buckets())) == (1 if chunk_rows > 100 else 2)
    result = dosage(pings, places)
    got = row(result, "a", "2025-01-06")
    assert got["patrol_minutes"] == pytest.approx(15.0)  # 10:00 to 10:15
    assert got["person_minutes"] == pytest.approx(10 * 2 + 10 * 1)
    assert (got["visits"], got["units"], got["pings"]) == (2, 2, 20)
    assert result.visits[["unit", "officers"]].values.tolist() == [
        ["u1", 2],
        ["u2", 1],
    ]


def test_dosage_unit_in_two_overlapping_places_credits_both(places):
    result = dosage(track("u1", "2025-01-06 10:00", range(5), A_AND_B), places)
    for place in ("a", "b"):
        assert row(result, place, "2025-01-06")["patrol_minutes"] == pytest.approx(5)
    assert row(result, "c", "2025-01-06")["patrol_minutes"] == 0.0
    assert sorted(result.visits["place_id"]) == ["a", "b"]
    # walking from a through the overlap into b: a visit to each
    walk = [A_ONLY, A_AND_B, B_ONLY, B_ONLY]
    result = dosage(track("u1", "2025-01-06 10:00", range(4), walk), places)
    assert row(result, "a", "2025-01-06")["patrol_minutes"] == pytest.approx(2)
    assert row(result, "b", "2025-01-06")["patrol_minutes"] == pytest.approx(3)


def test_dosage_buffer_counts_gps_jitter(places):
    # 8 m north of place a's edge (and west of b), then far away
    frame = track("u1", "2025-01-06 10:00", [0, 1], [(530020.0, 180108.0), OUTSIDE])
    with_buffer = dosage(frame, places, buffer=10.0)
    assert row(with_buffer, "a", "2025-01-06")["patrol_minutes"] == pytest.approx(1)
    assert with_buffer.rules["buffer"] == 10.0
    with pytest.warns(HotspotsWarning, match="patrolled them in this period"):
        without = dosage(frame, places, buffer=0.0)
    assert row(without, "a", "2025-01-06")["patrol_minutes"] == 0.0
    assert len(without.visits) == 0
    far = track("u1", "2025-01-06 10:00", [0, 1], [(530020.0, 180112.0), OUTSIDE])
    with pytest.warns(HotspotsWarning, match="None of the 2 pings"):
        assert row(dosage(far, places), "a", "2025-01-06")["pings"] == 0


def test_dosage_by_shift_crossing_midnight(places):
    frame = pd.concat(
        [
            track("u1", "2025-01-07 01:50", range(20), A_ONLY),  # late of the 6th
            track("u2", "2025-01-07 17:55", range(10), A_ONLY),  # starts before 18:00
            track("u3", "2025-01-07 12:00", range(10), A_ONLY),  # outside every shift
        ]
    )
    late = {"late": ("18:00", "02:00")}
    result = dosage(frame, places, by="shift", shifts=late, start="2025-01-06")
    first = row(result, "a", "2025-01-06", "late")
    assert first["patrol_minutes"] == pytest.approx(10.0)  # 01:50 to 02:00
    assert (first["visits"], first["pings"]) == (1, 10)
    second = row(result, "a", "2025-01-07", "late")
    assert second["patrol_minutes"] == pytest.approx(5.0)  # 18:00 to 18:05
    assert (second["visits"], second["pings"]) == (1, 5)
    assert list(result.table.columns) == [
        "place_id",
        "date",
        "shift",
        "patrol_minutes",
        "person_minutes",
        "visits",
        "units",
        "pings",
    ]
    visits = result.visits
    assert visits["unit"].tolist() == ["u1", "u2"]
    assert visits["date"].tolist() == [dt.date(2025, 1, 6), dt.date(2025, 1, 7)]
    assert visits["shift"].tolist() == ["late", "late"]
    assert visits["minutes"].tolist() == pytest.approx([20.0, 10.0])  # whole visits
    assert result.rules["visits_not_counted"] == 1


def test_dosage_has_zero_rows_for_place_days_without_patrol(places):
    frame = track("u1", "2025-01-07 10:00", range(3), A_ONLY)
    result = dosage(frame, places, start="2025-01-05", end="2025-01-09")
    table = result.table
    assert len(table) == 3 * 5
    assert table["place_id"].tolist()[:3] == ["a", "b", "c"]
    assert table["date"].tolist()[::3] == [dt.date(2025, 1, d) for d in range(5, 10)]
    patrolled = table[table["patrol_minutes"] > 0]
    assert patrolled[["place_id", "date"]].values.tolist() == [
        ["a", dt.date(2025, 1, 7)]
    ]
    zeros = table.drop(patrolled.index)
    assert (zeros[["patrol_minutes", "person_minutes"]] == 0).all().all()
    assert (zeros[["visits", "units", "pings"]] == 0).all().all()
    assert table[["visits", "units", "pings"]].dtypes.tolist() == [np.int64] * 3


def test_dosage_without_pings_needs_dates(places):
    empty = pd.DataFrame(
        {
            "unit": pd.Series([], dtype=str),
            "time": pd.Series([], dtype=np.int64),
            "x": pd.Series([], dtype=float),
            "y": pd.Series([], dtype=float),
        }
    )
    with pytest.raises(ValueError, match="pass start= and end="):
        dosage(empty, places)
    result = dosage(empty, places, start="2025-01-01", end="2025-01-02")
    assert len(result.table) == 6
    assert result.table["patrol_minutes"].sum() == 0.0
    assert len(result.visits) == 0
    assert list(result.visits.columns) == [
        "unit",
        "place_id",
        "start",
        "end",
        "date",
        "minutes",
        "pings",
        "officers",
    ]


def test_dosage_for_experiment_and_by_month(places):
    frame = pd.concat(
        [
            track("u1", "2025-01-31 23:58", range(4), A_ONLY, officers=2),
            track("u2", "2025-02-03 09:00", range(5), B_ONLY),
        ]
    )
    result = dosage(frame, places)
    experiment = result.for_experiment()
    assert list(experiment.columns) == ["place_id", "date", "minutes"]
    assert len(experiment) == 3 * 4
    assert experiment["minutes"].sum() == pytest.approx(9.0)
    monthly = result.by_month()
    assert list(monthly.columns) == [
        "place_id",
        "month",
        "patrol_minutes",
        "person_minutes",
        "visits",
    ]
    a = monthly[monthly["place_id"] == "a"].set_index("month")
    assert a.loc[pd.Timestamp("2025-01-01"), "patrol_minutes"] == pytest.approx(2)
    assert a.loc[pd.Timestamp("2025-02-01"), "patrol_minutes"] == pytest.approx(2)
    assert a.loc[pd.Timestamp("2025-02-01"), "person_minutes"] == pytest.approx(4)
    assert a.loc[pd.Timestamp("2025-01-01"), "visits"] == 1
    assert a.loc[pd.Timestamp("2025-02-01"), "visits"] == 0
    shifts = dosage(frame, places, by="shift", shifts={"early": ("07:00", "15:00")})
    assert list(shifts.for_experiment().columns) == [
        "place_id",
        "date",
        "shift",
        "minutes",
    ]
    assert shifts.for_experiment()["minutes"].sum() == pytest.approx(5.0)


def test_dosage_for_experiment_fits_the_trial_analysis(places):
    from hotspots.design import crossover_schedule
    from hotspots.evaluation._trial_counts import trial_matrices

    frame = track("u1", "2025-01-07 10:00", range(12), A_ONLY)
    result = dosage(frame, places, start="2025-01-06", end="2025-01-19")
    schedule = crossover_schedule(
        ["a", "b", "c"], start="2025-01-06", end="2025-01-19", seed=1
    )
    doses = result.for_experiment().rename(columns={"minutes": "_minutes"})
    dose, _, _ = trial_matrices(doses, schedule, "_minutes")
    assert dose.shape == (3, 14)
    assert dose[0, 1] == pytest.approx(12.0)
    assert dose.sum() == pytest.approx(12.0)


def test_dosage_rules_and_summary(places):
    frame = track("u1", "2025-01-06 10:00", range(15), A_ONLY, officers=2)
    result = dosage(frame, places)
    rules = result.rules
    assert rules["buffer"] == 10.0 and rules["buffer_auto"] is True
    assert rules["max_gap"] == 300.0 and rules["timezone"] == LONDON
    assert (rules["start"], rules["end"], rules["start_auto"]) == (
        "2025-01-06",
        "2025-01-06",
        True,
    )
    assert rules["pings_read"] == 15 and rules["pings_in_places"] == 15
    assert result.places == ("a", "b", "c")
    text = str(result)
    assert "3 places x 1 days" in text and "1 visits by 1 units" in text
    assert "0.2 patrol hours (0.5 person-hours)" in text
    assert "33% of place-days patrolled" in text


def test_dosage_accepts_int64_and_aware_times(places):
    frame = track("u1", "2025-01-06 10:00", range(5), A_ONLY)
    ns = frame["time"].dt.tz_convert("UTC").dt.as_unit("ns").astype("int64")
    as_ns = frame.assign(time=ns)
    first, second = dosage(frame, places), dosage(as_ns, places)
    pd.testing.assert_frame_equal(first.table, second.table)


def test_dosage_errors_say_what_to_do(places):
    frame = track("u1", "2025-01-06 10:00", range(3), A_ONLY)
    with pytest.raises(CRSError, match=r"to_crs\(27700\)"):
        dosage(frame, places.to_crs(3857))
    with pytest.raises(SchemaError, match="unique"):
        dosage(frame, places.assign(place_id=["a", "a", "c"]))
    with pytest.raises(SchemaError, match="id_column="):
        dosage(frame, places, id_column="name")
    with pytest.raises(ValueError, match="by='shift' needs shifts"):
        dosage(frame, places, by="shift")
    with pytest.raises(ValueError, match="pass by='shift'"):
        dosage(frame, places, shifts={"late": ("18:00", "02:00")})
    with pytest.raises(ValueError, match="buffer must be"):
        dosage(frame, places, buffer=-1)
    with pytest.raises(ValueError, match="max_gap must be"):
        dosage(frame, places, max_gap=0)
    with pytest.raises(ValueError, match="IANA"):
        dosage(frame, places, timezone="Mars/Olympus")
    with pytest.raises(TypeError, match="GeoDataFrame"):
        dosage(frame, pd.DataFrame(places.drop(columns="geometry")))
    with pytest.raises(TypeError, match="Pings"):
        dosage([1, 2], places)


def test_place_index_matches_shapely_on_every_pair():
    from hotspots.tracking._dosage_places import PlaceIndex, check_places

    rng = np.random.default_rng(5)
    cx, cy = rng.uniform(520000, 522000, 60), rng.uniform(170000, 172000, 60)
    half = rng.uniform(5, 150, 60)
    shapes = list(shapely.box(cx - half, cy - half, cx + half, cy + half))
    shapes[0] = shapely.Point(521000, 171000).buffer(300)  # a big round place
    places = gpd.GeoDataFrame({"place_id": range(60)}, geometry=shapes, crs=27700)
    _, geoms = check_places(places, "place_id", 10.0)
    x = rng.uniform(519500, 522500, 20_000)
    y = rng.uniform(169500, 172500, 20_000)
    ping, place = PlaceIndex.build(geoms).pairs(x, y)
    points = shapely.points(x, y)
    want = [
        (i, j)
        for j, geom in enumerate(geoms)
        for i in np.flatnonzero(shapely.intersects(geom, points))
    ]
    assert sorted(zip(ping.tolist(), place.tolist(), strict=True)) == sorted(want)
    assert np.all(np.diff(ping) >= 0)


def test_dosage_warns_when_no_ping_falls_in_any_place(places):
    """Kind 05: pings and places that never meet give all zeros, never silently."""
    far = (451000.0, 304000.0)  # Leicester, while the places are in London
    frame = track("u1", "2025-01-06 10:00", range(5), far)
    with pytest.warns(HotspotsWarning, match="None of the 5 pings") as caught:
        result = dosage(frame, places)
    assert result.table["patrol_minutes"].sum() == 0.0
    message = str(caught[0].message)
    assert "km apart" in message
    assert "451,000" in message and "529,990" in message  # buffered by 10 m
    # pings in the same area that miss the places: a different hint
    near = track("u1", "2025-01-06 10:00", range(5), OUTSIDE)
    with pytest.warns(HotspotsWarning, match="patrolled them in this period"):
        dosage(near, places)
    # one ping inside: no warning (pytest turns HotspotsWarning into errors)
    dosage(track("u1", "2025-01-06 10:00", [0, 1], [OUTSIDE, A_ONLY]), places)
