"""Schedules as iCalendar files, parsed back with icalendar itself."""

import datetime as dt

import geopandas as gpd
import icalendar
import pyproj
import pytest
import shapely

from hotspots.design import crossover_schedule, parallel_schedule

EVENING = {"evening": ("18:00", "23:00")}


def parse(path):
    return icalendar.Calendar.from_ical(path.read_bytes())


def rows(schedule):
    table = schedule.table
    return table[table["arm"] == "treatment"]


@pytest.mark.parametrize(
    ("start", "end", "change"),
    [
        ("2025-03-24", "2025-04-06", "2025-03-30"),
        ("2025-10-20", "2025-11-02", "2025-10-26"),
    ],
    ids=["spring forward", "fall back"],
)
def test_to_ical_local_times_across_the_clock_changes(tmp_path, start, end, change):
    schedule = crossover_schedule(
        ["A", "B"], start=start, end=end, shifts=EVENING, washout_days=0, seed=3
    )
    cal = parse(schedule.to_ical(tmp_path / "t.ics"))
    events = cal.events
    assert len(events) == len(rows(schedule)) == 14  # one of two places a day
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/London"]
    change = dt.date.fromisoformat(change)
    offsets = set()
    for event in events:
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        start_time, end_time = event.start, event.end
        assert (start_time.hour, start_time.minute, end_time.hour) == (18, 0, 23)
        before = start_time.date() < change
        summer = change.month == 3
        expected = dt.timedelta(hours=1 if before != summer else 0)
        assert start_time.utcoffset() == expected
        offsets.add(start_time.utcoffset())
    assert offsets == {dt.timedelta(0), dt.timedelta(hours=1)}


def test_to_ical_one_event_per_treatment_row(tmp_path):
    schedule = crossover_schedule(
        ["A", "B", "C"],
        start="2025-01-06",
        end="2025-02-02",
        washout_days=1,
        shifts={"early": ("07:00", "15:00"), "late": ("22:00", "06:00")},
        seed=5,
    )
    events = parse(schedule.to_ical(tmp_path / "t.ics")).events
    treated = rows(schedule)
    assert len(events) == len(treated)
    got = {(str(e["LOCATION"]), e.start.date(), e.start.hour) for e in events}
    want = {(r.place_id, r.date.date(), r.start.hour) for r in treated.itertuples()}
    assert got == want
    for event in events:
        assert "crossover" in str(event["DESCRIPTION"])
        assert "seed 5" in str(event["DESCRIPTION"])
        if event.start.hour == 22:  # crosses midnight: ends 06:00 the next day
            assert event.end.date() == event.start.date() + dt.timedelta(days=1)
            assert event.end.hour == 6


def test_to_ical_all_day_events_without_shifts(tmp_path):
    schedule = parallel_schedule(
        ["A", "B"], start="2025-01-06", end="2025-01-12", seed=1
    )
    path = schedule.to_ical(tmp_path / "t.ics")
    assert "DTSTART;VALUE=DATE:" in path.read_text()
    events = parse(path).events
    assert len(events) == 7  # one treated place, seven days
    for event in events:
        assert type(event.start) is dt.date
        assert event.end - event.start == dt.timedelta(days=1)


def test_to_ical_uids_are_deterministic(tmp_path):
    schedule = crossover_schedule(
        ["A", "B"], start="2025-01-06", end="2025-01-19", seed=2
    )
    first = [str(e["UID"]) for e in parse(schedule.to_ical(tmp_path / "a.ics")).events]
    again = [str(e["UID"]) for e in parse(schedule.to_ical(tmp_path / "b.ics")).events]
    assert first == again and len(set(first)) == len(first)
    other = schedule.redraw(3)
    third = [str(e["UID"]) for e in parse(other.to_ical(tmp_path / "c.ics")).events]
    assert not set(third) & set(first)


def test_to_ical_escapes_text_from_the_data(tmp_path):
    odd = "Corner, of King St; by the\nclock \\ tower"
    schedule = crossover_schedule(
        [odd, "B"], start="2025-01-06", end="2025-01-12", balance=None, seed=1
    )
    path = schedule.to_ical(tmp_path / "t.ics", summary="Patrol {place_id} ({date})")
    text = path.read_text()
    assert "Corner\\, of King St\\; by the\\nclock \\\\ tower" in text.replace(
        "\r\n ", ""
    )
    events = [e for e in parse(path).events if str(e["LOCATION"]) == odd]
    assert events
    assert str(events[0]["SUMMARY"]) == f"Patrol {odd} ({events[0].start.isoformat()})"


def test_to_ical_geo_from_the_place_geometry(tmp_path):
    cells = [
        shapely.box(458000, 304000, 458150, 304150),
        shapely.box(459000, 305000, 459150, 305150),
    ]
    places = gpd.GeoDataFrame(
        {"place_id": ["A", "B"], "n": [5, 3]}, geometry=cells, crs=27700
    )
    schedule = parallel_schedule(places, start="2025-01-06", end="2025-01-07", seed=1)
    events = parse(schedule.to_ical(tmp_path / "t.ics")).events
    to_wgs84 = pyproj.Transformer.from_crs(27700, 4326, always_xy=True)
    for event in events:
        place = str(event["LOCATION"])
        cell = cells[0 if place == "A" else 1]
        lon, lat = to_wgs84.transform(cell.centroid.x, cell.centroid.y)
        geo = event["GEO"]
        assert geo.latitude == pytest.approx(lat, abs=1e-5)
        assert geo.longitude == pytest.approx(lon, abs=1e-5)
    no_geometry = crossover_schedule(
        ["A", "B"], start="2025-01-06", end="2025-01-12", seed=1
    )
    assert all(
        "GEO" not in e for e in parse(no_geometry.to_ical(tmp_path / "n.ics")).events
    )


def test_to_ical_refuses_an_unknown_summary_field(tmp_path):
    schedule = crossover_schedule(
        ["A", "B"], start="2025-01-06", end="2025-01-12", seed=1
    )
    with pytest.raises(ValueError, match=r"officer.*\{place_id\}"):
        schedule.to_ical(tmp_path / "t.ics", summary="{officer} at {place_id}")
