"""The array core of dosage: credits, visits and per place-slot sums.

One bucket of pings (whole units, sorted by unit then time) goes in; small
results come out: the visits, and per place-slot sums of person-time, pings,
distinct units and the union of credited time. Nothing here looks at CRSs or
time zones (see ``_dosage.py`` for the adapter and the rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hotspots.tracking._dosage_places import PlaceIndex
from hotspots.tracking._dosage_slots import Slots

__all__ = ["Accumulator", "credits", "union_length", "union_segments"]

#: Credit of a unit's only ping: with one ping there is no interval to measure.
LONE_PING_SECONDS = 0.0
#: Merge the stored union segments once they pass this many (memory stays flat).
COMPACT_SEGMENTS = 2_000_000


def unit_starts(units) -> np.ndarray:
    """Return the first row of every unit in a sorted bucket, and ``len(units)``.

    ``units`` is an array or a Series (a Series of Arrow strings is compared
    without converting it to Python strings).
    """
    if isinstance(units, pd.Series):
        change = np.flatnonzero(units.ne(units.shift()).to_numpy(dtype=bool)[1:]) + 1
    else:
        change = np.flatnonzero(units[1:] != units[:-1]) + 1
    return np.concatenate([[0], change, [len(units)]]).astype(np.int64)


def take_units(units, rows: np.ndarray) -> np.ndarray:
    """Return the unit ids at ``rows`` as an object array of str."""
    if isinstance(units, pd.Series):
        return units.iloc[rows].astype(str).to_numpy(dtype=object)
    return np.asarray(units)[rows].astype(str).astype(object)


def credits(
    time: np.ndarray, starts: np.ndarray, rows: np.ndarray, max_gap: int
) -> np.ndarray:
    """Return the credited nanoseconds of the pings at ``rows``.

    Parameters
    ----------
    time : ndarray of int64, shape (n,)
        Ping times, ns UTC, sorted by unit then time.
    starts : ndarray of int64
        First row of each unit and ``n`` (see :func:`unit_starts`).
    rows : ndarray of int64
        The pings to credit.
    max_gap : int
        Longest interval credited, ns.

    Returns
    -------
    ndarray of int64, shape (len(rows),)
        The time to the unit's next ping when that is at most ``max_gap``;
        otherwise (a longer gap, or the unit's last ping) the unit's median
        interval between pings, capped at ``max_gap`` (a unit with one ping:
        ``LONE_PING_SECONDS``). A median of an even number of intervals is
        rounded down to whole nanoseconds.
    """
    unit = np.searchsorted(starts, rows, side="right") - 1
    last = starts[unit + 1] - 1
    has_next = rows < last
    gap = np.where(has_next, time[np.minimum(rows + 1, len(time) - 1)] - time[rows], 0)
    ok = has_next & (gap <= max_gap)
    out = np.where(ok, gap, 0).astype(np.int64)
    need = ~ok
    if need.any():
        fallback = {}
        for u in np.unique(unit[need]).tolist():
            lo, hi = int(starts[u]), int(starts[u + 1])
            if hi - lo < 2:
                fallback[u] = round(LONE_PING_SECONDS * 1e9)
            else:
                gaps = np.sort(np.diff(time[lo:hi]))
                mid = (len(gaps) - 1) // 2
                median = (int(gaps[mid]) + int(gaps[len(gaps) // 2])) // 2
                fallback[u] = min(median, max_gap)
        out[need] = [fallback[u] for u in unit[need].tolist()]
    return out


def union_segments(
    key: np.ndarray, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge intervals ``[start, end)`` that overlap or touch, within each key.

    A sweep: +1 at each start, -1 at each end, sorted by key and time (starts
    first at equal times, so touching intervals merge); a merged segment runs
    from where the running count rises above zero to where it falls back.
    Intervals of zero length are dropped.
    """
    keep = end > start
    key, start, end = key[keep], start[keep], end[keep]
    if not len(key):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    k = np.concatenate([key, key])
    t = np.concatenate([start, end])
    d = np.concatenate([np.ones(len(key), np.int64), -np.ones(len(key), np.int64)])
    order = np.lexsort((-d, t, k))
    k, t, d = k[order], t[order], d[order]
    cover = np.cumsum(d)
    before = np.concatenate([[0], cover[:-1]])
    rise = (cover > 0) & (before == 0)
    fall = (cover == 0) & (before > 0)
    return k[rise], t[rise], t[fall]


def union_length(n_keys: int, key, start, end) -> np.ndarray:
    """Return the length of the union of each key's intervals (int64 ns)."""
    k, s, e = union_segments(key, start, end)
    out = np.zeros(n_keys, dtype=np.int64)
    np.add.at(out, k, e - s)
    return out


@dataclass
class Accumulator:
    """Running sums over buckets for ``n_places`` places and a set of slots.

    Per place-slot (key ``place * n_slots + slot``): person-nanoseconds (credit
    x officers), pings, distinct units, visits counted, and the union segments
    of credited time, merged per bucket and again at the end.
    """

    slots: Slots
    n_places: int
    max_gap: int
    person: np.ndarray = field(init=False)
    pings: np.ndarray = field(init=False)
    units: np.ndarray = field(init=False)
    visits: np.ndarray = field(init=False)
    segments: list = field(init=False, default_factory=list)
    visit_parts: list = field(init=False, default_factory=list)
    n_segments: int = field(init=False, default=0)
    pings_in_places: int = field(init=False, default=0)
    visits_found: int = field(init=False, default=0)
    visits_counted: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        size = self.n_places * self.slots.n_slots
        self.person = np.zeros(size, dtype=np.int64)
        self.pings = np.zeros(size, dtype=np.int64)
        self.units = np.zeros(size, dtype=np.int64)
        self.visits = np.zeros(size, dtype=np.int64)

    def add_bucket(self, unit, time, x, y, officers, index: PlaceIndex) -> None:
        """Add one bucket: arrays of equal length, sorted by unit then time.

        ``unit`` holds unit ids, ``time`` int64 ns UTC, ``x``/``y`` metres,
        ``officers`` whole numbers >= 1.
        """
        starts = unit_starts(unit)
        check_order(time, starts)
        ping, place = index.pairs(x, y)
        if not len(ping):
            return
        self.pings_in_places += int(np.count_nonzero(np.diff(ping))) + 1
        credit = credits(time, starts, ping, self.max_gap)
        begin = time[ping]
        people = officers[ping].astype(np.int64)
        self._add_pings(place, begin, begin + credit, people)
        self._add_visits(unit, starts, ping, place, begin, credit, people)

    def _add_pings(self, place, begin, finish, people) -> None:
        """Person-time and pings per place-slot, from each ping's own interval."""
        size = self.n_places * self.slots.n_slots
        row, slot, lo, hi, holds = self.slots.split(begin, finish)
        key = place[row] * self.slots.n_slots + slot
        # exact: every weight and every sum is a whole number below 2**53
        person = np.bincount(key, weights=(hi - lo) * people[row], minlength=size)
        self.person += person.astype(np.int64)
        self.pings += np.bincount(key[holds], minlength=size)

    def _add_visits(self, unit, starts, ping, place, begin, credit, people) -> None:
        """Visits, and the union and distinct units of credited time, per slot.

        Within a visit each ping's interval ends where the next one's begins,
        so a visit's span is exactly the union of its pings' intervals: unions
        and units are taken over the few visit spans, not the many pings.
        """
        n_slots = self.slots.n_slots
        order = np.argsort(place.astype(np.int32), kind="stable")  # pings stay sorted
        p, i, t = ping[order], place[order], begin[order]
        unit_of = np.searchsorted(starts, p, side="right") - 1
        new = np.ones(len(p), dtype=bool)
        new[1:] = (
            (i[1:] != i[:-1])
            | (p[1:] != p[:-1] + 1)
            | (unit_of[1:] != unit_of[:-1])
            | (np.diff(t) > self.max_gap)
        )
        first = np.flatnonzero(new)
        last = np.concatenate([first[1:], [len(p)]]) - 1
        where, who = i[first], unit_of[first]
        start, end = t[first], t[last] + credit[order][last]
        row, slot, lo, hi, _ = self.slots.split(start, end)
        key = where[row] * n_slots + slot
        seen = np.unique(key * (len(starts) - 1) + who[row])
        self.units += np.bincount(seen // (len(starts) - 1), minlength=len(self.units))
        self.segments.append(union_segments(key, lo, hi))
        self.n_segments += len(self.segments[-1][0])
        if self.n_segments > COMPACT_SEGMENTS:
            self.segments = [union_segments(*self._stacked())]
            self.n_segments = len(self.segments[0][0])
        row, slot = self.slots.counted_slots(start, end)
        self.visits_found += len(first)
        self.visits_counted += (
            int(np.count_nonzero(np.diff(row))) + 1 if len(row) else 0
        )
        self.visits += np.bincount(
            where[row] * n_slots + slot, minlength=len(self.visits)
        )
        self.visit_parts.append(
            {
                "unit": take_units(unit, p[first][row]),
                "place": where[row],
                "start": start[row],
                "end": end[row],
                "slot": slot,
                "credit": np.add.reduceat(credit[order], first)[row],
                "pings": (last - first + 1)[row],
                "officers": np.maximum.reduceat(people[order], first)[row],
            }
        )

    def _stacked(self):
        return tuple(
            np.concatenate(parts) for parts in zip(*self.segments, strict=True)
        )

    def patrol(self) -> np.ndarray:
        """Union of credited time per place-slot, int64 ns."""
        size = self.n_places * self.slots.n_slots
        if not self.segments:
            return np.zeros(size, dtype=np.int64)
        return union_length(size, *self._stacked())


def check_order(time: np.ndarray, starts: np.ndarray) -> None:
    """Raise ValueError unless times rise strictly within every unit."""
    step = np.diff(time)
    same = np.ones(len(step), dtype=bool)
    same[starts[1:-1] - 1] = False
    bad = same & (step <= 0)
    if bad.any():
        raise ValueError(
            f"{int(bad.sum())} pings are not in time order within their unit (or "
            "repeat an instant). Pass a Pings from read_pings or Pings.from_frame, "
            "which sort the pings and set repeats aside."
        )
