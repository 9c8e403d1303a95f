"""Dosage against a slow per-ping loop that applies the documented rules directly.

The loop shares no code with the package: local days and shift windows come from
``zoneinfo`` and ``datetime``, containment from shapely one point at a time,
credits, visits and unions from plain Python lists.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections import defaultdict
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.tracking._dosage import dosage

ZONE = ZoneInfo("Europe/London")
NS = 1_000_000_000
MINUTE = 60 * NS
FIRST, LAST = dt.date(2025, 10, 25), dt.date(2025, 10, 27)
SHIFTS = {"late": ("18:00", "02:00"), "early": ("01:00", "09:00")}
ANCHORS = [
    (530020.0, 180050.0),  # a only
    (530075.0, 180050.0),  # a and b
    (530130.0, 180050.0),  # b only
    (530020.0, 180106.0),  # 6 m outside a: inside its 10 m buffer
    (530300.0, 180300.0),  # outside
]


def brute_places():
    return gpd.GeoDataFrame(
        {"place_id": ["a", "b"]},
        geometry=[
            shapely.box(530000, 180000, 530100, 180100),
            shapely.box(530050, 180000, 530150, 180100),
        ],
        crs=27700,
    )


def random_pings(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for unit in range(int(rng.integers(1, 5))):
        n = int(rng.integers(1, 120))
        kind = rng.random(n)
        gaps = np.where(
            kind < 0.6,
            rng.integers(15, 61, n),
            np.where(kind < 0.85, rng.integers(60, 300, n), rng.integers(300, 900, n)),
        )
        gaps[rng.random(n) < 0.05] = 300  # exactly max_gap: still credited
        first = (
            pd.Timestamp("2025-10-25 08:00", tz=ZONE).value
            + int(rng.integers(0, 24 * 3600)) * NS
        )
        times = first + np.concatenate([[0], np.cumsum(gaps[:-1])]) * NS
        where = rng.integers(0, len(ANCHORS), n)
        sticky = rng.random(n) < 0.7  # stay put most of the time: longer visits
        for i in range(1, n):
            if sticky[i]:
                where[i] = where[i - 1]
        for i in range(n):
            x, y = ANCHORS[where[i]]
            rows.append((f"u{unit}", int(times[i]), x, y, int(rng.integers(1, 4))))
    return pd.DataFrame(rows, columns=["unit", "time", "x", "y", "officers"])


def windows(by: str):
    """(slot name, date, start ns, end ns) of every slot, from zoneinfo."""
    shifts = {"day": ("00:00", "24:00")} if by == "day" else SHIFTS
    out = []
    day = FIRST
    while day <= LAST:
        for name, (opens, closes) in shifts.items():
            h0, m0 = map(int, opens.split(":"))
            h1, m1 = map(int, closes.split(":"))
            begin = dt.datetime.combine(day, dt.time()) + dt.timedelta(
                hours=h0, minutes=m0
            )
            finish = dt.datetime.combine(day, dt.time()) + dt.timedelta(
                hours=h1, minutes=m1
            )
            if finish <= begin:
                finish += dt.timedelta(days=1)
            out.append((name, day, ns(begin), ns(finish)))
        day += dt.timedelta(days=1)
    return out


def ns(wall: dt.datetime) -> int:
    aware = wall.replace(tzinfo=ZONE)  # fold=0: the first of a repeated hour
    return round(aware.timestamp()) * NS


def brute(frame: pd.DataFrame, by: str, buffer: float = 10.0, max_gap: int = 300):
    polygons = {
        pid: geom.buffer(buffer) for pid, geom in zip(*brute_inputs(), strict=True)
    }
    slots = windows(by)
    intervals = []  # (unit, place, t, t + credit, officers, visit id)
    visits = []
    for unit, group in frame.sort_values(["unit", "time"]).groupby("unit"):
        t = group["time"].tolist()
        gaps = [b - a for a, b in itertools.pairwise(t)]
        fallback = min(statistics.median(gaps), max_gap * NS) if gaps else 0
        credit = [
            gaps[i] if i < len(gaps) and gaps[i] <= max_gap * NS else fallback
            for i in range(len(t))
        ]
        for pid, polygon in polygons.items():
            inside = [
                polygon.intersects(shapely.Point(x, y))
                for x, y in zip(group["x"], group["y"], strict=True)
            ]
            current = None
            for i in range(len(t)):
                joined = current is not None and i > 0 and inside[i - 1]
                if not inside[i]:
                    current = None
                    continue
                if not joined or t[i] - t[i - 1] > max_gap * NS:
                    current = len(visits)
                    visits.append([unit, pid, t[i], 0, 0.0, 0, 0])
                officers = int(group["officers"].iloc[i])
                visit = visits[current]
                visit[3] = t[i] + credit[i]
                visit[4] += credit[i] / MINUTE
                visit[5] += 1
                visit[6] = max(visit[6], officers)
                intervals.append((unit, pid, t[i], t[i] + credit[i], officers))
    cells = defaultdict(
        lambda: {"person": 0.0, "pings": 0, "units": set(), "spans": []}
    )
    for unit, pid, lo, hi, officers in intervals:
        for name, day, s, e in slots:
            cell = cells[(pid, day, name)]
            overlap = min(hi, e) - max(lo, s)
            if overlap > 0 or (lo == hi and s <= lo < e):
                cell["units"].add(unit)
            if overlap > 0:
                cell["person"] += overlap * officers / MINUTE
                cell["spans"].append((max(lo, s), min(hi, e)))
            if s <= lo < e:
                cell["pings"] += 1
    counted = []
    for unit, pid, start, end, minutes, n, officers in visits:
        entries = []
        for name, day, s, e in slots:
            if s <= start < e:
                entries.append((start, day, name))
            elif start < s < end:
                entries.append((s, day, name))
        if entries:
            first = min(entry for entry, _, _ in entries)
            for entry, day, name in entries:
                if entry == first:
                    counted.append(
                        (unit, pid, start, end, day, name, minutes, n, officers)
                    )
    return cells, counted


def brute_inputs():
    places = brute_places()
    return places["place_id"].tolist(), list(places.geometry)


def union(spans) -> float:
    total, reach = 0, None
    for lo, hi in sorted(spans):
        if reach is None or lo > reach:
            total += hi - lo
            reach = hi
        elif hi > reach:
            total += hi - reach
            reach = hi
    return total / MINUTE


def check_against_brute(frame: pd.DataFrame, by: str) -> None:
    shifts = SHIFTS if by == "shift" else None
    result = dosage(frame, brute_places(), by=by, shifts=shifts, start=FIRST, end=LAST)
    cells, counted = brute(frame, by)
    table = result.table
    names = table["shift"] if by == "shift" else pd.Series("day", index=table.index)
    visits_per_cell = defaultdict(int)
    for _, pid, _, _, day, name, *_ in counted:
        visits_per_cell[(pid, day, name)] += 1
    for i, got in enumerate(table.itertuples()):
        cell = cells.get((got.place_id, got.date, names.iloc[i]))
        want_patrol = union(cell["spans"]) if cell else 0.0
        assert got.patrol_minutes == pytest.approx(want_patrol, abs=1e-9)
        assert got.person_minutes == pytest.approx(
            cell["person"] if cell else 0.0, abs=1e-9
        )
        assert got.pings == (cell["pings"] if cell else 0)
        assert got.units == (len(cell["units"]) if cell else 0)
        key = (got.place_id, got.date, names.iloc[i])
        assert got.visits == visits_per_cell.get(key, 0)
    got_visits = result.visits
    assert len(got_visits) == len(counted)
    want = sorted(counted, key=lambda v: (v[1], v[2], v[0], v[4], v[5]))
    mine = got_visits.assign(
        slot=got_visits["shift"] if by == "shift" else "day"
    ).sort_values(["place_id", "start", "unit", "date", "slot"])
    for got, (unit, pid, start, end, day, name, minutes, n, officers) in zip(
        mine.itertuples(), want, strict=True
    ):
        assert (got.unit, got.place_id, got.date, got.slot) == (unit, pid, day, name)
        assert got.start.value == start
        assert abs(got.end.value - end) <= 1
        assert got.minutes == pytest.approx(minutes, abs=1e-9)
        assert (got.pings, got.officers) == (n, officers)


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), by=st.sampled_from(["day", "shift"]))
def test_dosage_matches_a_per_ping_brute_force(seed, by):
    check_against_brute(random_pings(seed), by)


def test_dosage_brute_force_covers_the_edge_cases():
    """The generator's pings cross midnight, the clock change and max_gap."""
    frame = pd.concat([random_pings(seed) for seed in range(20)])
    local = pd.to_datetime(frame["time"], utc=True).dt.tz_convert(ZONE)
    assert local.dt.date.nunique() >= 2
    gaps = frame.groupby("unit")["time"].diff().dropna() / NS
    assert (gaps > 300).any() and (gaps == 300).any()
    assert (
        pd.to_datetime(frame["time"], utc=True).min()
        < pd.Timestamp("2025-10-26 01:00", tz="UTC")
        < pd.to_datetime(frame["time"], utc=True).max()
    )
