"""Planted patrol visits of SYNTHETIC pings: windows, visit times and the truth table.

Private helpers of :func:`hotspots.synthetic.simulate_pings`. Times are int64
nanoseconds since the epoch, UTC; calendar days are local days in Europe/London.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

__all__ = [
    "LEG_SPARE_PINGS",
    "NS",
    "TIMEZONE",
    "TRAVEL_SPEED",
    "check_dates",
    "day_edges",
    "localize",
    "minutes_to_pings",
    "parse_window",
    "plan_visits",
    "truth_table",
    "window_bounds",
]

#: Local time zone of the patrol window and of calendar days.
TIMEZONE = "Europe/London"
#: Nanoseconds in a second.
NS = 1_000_000_000
#: Speed of a unit driving between places and background points, m/s (36 km/h).
TRAVEL_SPEED = 10.0
#: Pings to spare on every drive between places, beyond its driving time: the
#: unit is seen outside between two visits even if one of those pings drops out.
LEG_SPARE_PINGS = 3
_MINUTES_PER_DAY = 24 * 60
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def check_dates(start, end) -> tuple[dt.date, dt.date]:
    """Return ``start`` and ``end`` as local dates, refusing an end before the start."""
    dates = []
    for value, name in ((start, "start"), (end, "end")):
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"{name} must be a date such as '2025-03-24'; got {value!r}."
            ) from err
        if stamp is pd.NaT or stamp != stamp.normalize():
            raise ValueError(
                f"{name} must be a date without a time of day, such as '2025-03-24'; "
                f"got {value!r}."
            )
        dates.append(stamp.date())
    if dates[1] < dates[0]:
        raise ValueError(
            f"end ({dates[1]}) is before start ({dates[0]}); both dates are "
            "inclusive. Swap them or fix the dates."
        )
    return dates[0], dates[1]


def parse_window(window) -> tuple[int, int]:
    """Return the window as (open, close) minutes after the local midnight it opens.

    ``close <= open`` in the text means the window ends the next day; ``None``
    is the whole local day (00:00 to the next midnight).
    """
    if window is None:
        return 0, _MINUTES_PER_DAY
    if isinstance(window, str) or len(window) != 2:
        raise ValueError(
            "window must be a pair ('HH:MM', 'HH:MM') of local times, e.g. "
            f"('18:00', '02:00'), or None for the whole day; got {window!r}."
        )
    minutes = []
    for text in window:
        match = _HHMM.match(text) if isinstance(text, str) else None
        if match is None or (match[1] == "24" and match[2] != "00"):
            raise ValueError(
                f"window times must be 'HH:MM' (00:00 to 24:00); got {text!r}."
            )
        minutes.append(int(match[1]) * 60 + int(match[2]))
    open_, close = minutes
    if close <= open_:
        close += _MINUTES_PER_DAY  # crosses midnight into the next day
    return open_, close


def localize(naive: pd.DatetimeIndex) -> np.ndarray:
    """Local wall-clock times to int64 ns UTC.

    A time in the hour the clocks skip (late March) moves forward to 02:00 BST;
    a time in the hour that repeats (late October) is its first, BST, occurrence
    (as :mod:`hotspots.design` reads patrol windows).
    """
    local = naive.tz_localize(
        TIMEZONE, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
    )
    return local.as_unit("ns").asi8


def window_bounds(
    first: dt.date, last: dt.date, window: tuple[int, int]
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Local dates from ``first`` to ``last`` and each day's window open and close.

    Open and close are int64 ns UTC; arithmetic in UTC gives a night across a
    clock change its true length (one hour more or less).
    """
    dates = pd.date_range(first, last, freq="D")
    open_ = localize(dates + pd.to_timedelta(window[0], unit="min"))
    close = localize(dates + pd.to_timedelta(window[1], unit="min"))
    return dates, open_, close


def day_edges(first: dt.date, last: dt.date) -> np.ndarray:
    """Local midnights from ``first`` to the day after ``last``, int64 ns UTC."""
    return localize(pd.date_range(first, last + dt.timedelta(days=1), freq="D"))


def plan_visits(
    rng: np.random.Generator,
    *,
    open_ns: int,
    close_ns: int,
    phase_s: int,
    ping_s: int,
    durations_s: np.ndarray,
    legs_m: np.ndarray,
) -> np.ndarray:
    """Start times (int64 ns UTC) of one unit's visits on one day, in visiting order.

    ``durations_s`` are whole ping intervals; ``legs_m`` are the straight-line
    distances of the ``len(durations_s) + 1`` legs: base to the first place,
    between places, last place to base. Each leg gets its driving time at
    :data:`TRAVEL_SPEED` rounded up to whole pings, plus :data:`LEG_SPARE_PINGS`;
    the window's slack is shared among the gaps at random (a flat Dirichlet),
    and each start moves back onto the unit's ping grid (``open + phase + k *
    ping``).

    Raises
    ------
    ValueError
        If the visits and their travel do not fit in the window.
    """
    travel = (np.ceil(legs_m / TRAVEL_SPEED / ping_s) + LEG_SPARE_PINGS) * ping_s
    window_s = (close_ns - open_ns) / NS - ping_s - phase_s
    needed = float(durations_s.sum() + travel.sum())
    slack = window_s - needed
    if slack < 0:
        raise ValueError(
            f"the planted visits do not fit the patrol window: each unit needs "
            f"{needed / 3600:.1f} h on some days ({len(durations_s)} visits plus "
            f"driving between places) but the window is "
            f"{(close_ns - open_ns) / NS / 3600:.1f} h long. Use fewer places or "
            "visits_per_day, shorter visit_minutes, or a longer window."
        )
    gaps = rng.dirichlet(np.ones(len(durations_s) + 1)) * slack + travel
    starts_s = (
        np.cumsum(gaps[:-1]) + np.concatenate([[0.0], np.cumsum(durations_s)])[:-1]
    )
    grid = np.floor(starts_s / ping_s).astype(np.int64) * ping_s
    # moving back by less than a ping keeps every gap longer than its driving time
    return open_ns + (phase_s + grid) * NS


def _by_day(
    starts: np.ndarray, ends: np.ndarray, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Split intervals shorter than a day at local midnights.

    Returns the day index of each piece and its length in ns (two pieces per
    interval; the second is zero unless the interval crosses midnight).
    """
    day = np.searchsorted(edges, starts, side="right") - 1
    cut = np.minimum(ends, edges[np.minimum(day + 1, len(edges) - 1)])
    first = cut - starts
    second = np.maximum(ends - cut, 0)
    return np.concatenate([day, day + 1]), np.concatenate([first, second])


def _union(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge overlapping intervals (minutes with at least one unit present)."""
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    reach = np.maximum.accumulate(e)
    new = np.ones(len(s), dtype=bool)
    new[1:] = s[1:] > reach[:-1]
    groups = np.cumsum(new) - 1
    merged_end = np.zeros(int(new.sum()), dtype=np.int64)
    np.maximum.at(merged_end, groups, e)
    return s[new], merged_end


def truth_table(
    truth: pd.DataFrame, place_ids: list[str], first: dt.date, last: dt.date
) -> pd.DataFrame:
    """Planted minutes and visits per place and local day, zeros included.

    ``truth`` holds one row per planted visit with ``unit``, ``place_id``,
    ``start_ns``, ``end_ns`` (int64 ns UTC) and ``officers``. A visit is
    counted on the local day it starts; its minutes are split at midnight.
    """
    edges = day_edges(first, last)
    n_days = len(edges) - 1
    dates = [first + dt.timedelta(days=i) for i in range(n_days)]
    shape = (len(place_ids), n_days + 1)  # one spare day for pieces past the end
    patrol, person = np.zeros(shape), np.zeros(shape)
    visits = np.zeros(shape, dtype=np.int64)
    units: list[list[set]] = [[set() for _ in range(shape[1])] for _ in place_ids]
    index = {p: i for i, p in enumerate(place_ids)}
    place = truth["place_id"].map(index).to_numpy(dtype=np.int64)
    starts = truth["start_ns"].to_numpy(dtype=np.int64)
    ends = truth["end_ns"].to_numpy(dtype=np.int64)
    day = np.searchsorted(edges, starts, side="right") - 1
    np.add.at(visits, (place, day), 1)
    days, lengths = _by_day(starts, ends, edges)
    places2 = np.concatenate([place, place])
    weights = np.tile(truth["officers"].to_numpy(dtype=float), 2)
    np.add.at(person, (places2, days), lengths / (60 * NS) * weights)
    unit_ids = np.tile(truth["unit"].to_numpy(dtype=object), 2)
    for p, d, u, n in zip(places2, days, unit_ids, lengths, strict=True):
        if n > 0:
            units[p][d].add(u)
    for p in range(len(place_ids)):
        mine = place == p
        if not mine.any():
            continue
        s, e = _union(starts[mine], ends[mine])
        d, n = _by_day(s, e, edges)
        np.add.at(patrol[p], d, n / (60 * NS))
    table = pd.DataFrame(
        {
            "place_id": np.repeat(np.asarray(place_ids, dtype=object), n_days),
            "date": dates * len(place_ids),
            "patrol_minutes": patrol[:, :n_days].ravel(),
            "person_minutes": person[:, :n_days].ravel(),
            "visits": visits[:, :n_days].ravel(),
            "units": [len(u) for row in units for u in row[:n_days]],
        }
    )
    return table


def minutes_to_pings(minutes: np.ndarray, ping_s: int) -> np.ndarray:
    """Visit lengths as whole ping intervals (at least one), in seconds."""
    pings = np.maximum(np.rint(np.asarray(minutes) * 60 / ping_s), 1)
    return (pings * ping_s).astype(np.int64)
