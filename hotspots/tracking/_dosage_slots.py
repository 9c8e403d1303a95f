"""The local days (or shifts) dosage is counted in, as UTC edges.

A *slot* is a local date and a shift (``"day"`` when counting by day: 00:00 to
the next 00:00). Each shift's windows over the dates are kept as one sorted
array of UTC nanosecond edges ``[-inf, S0, T0, S1, T1, ..., +inf]``: segment
``j`` runs from edge ``j`` to edge ``j + 1``, and the odd segments are the
windows (``2k + 1`` is date ``k``). A time interval is cut at the edges with
``searchsorted``; the pieces in even segments lie outside every window of that
shift and are not counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

__all__ = ["Slots", "make_slots"]

_NS_PER_MINUTE = 60_000_000_000
_LOW = np.iinfo(np.int64).min
_HIGH = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Slots:
    """Dates and shifts of a dosage count, with each shift's UTC window edges.

    Slot ``k * n_shifts + s`` is date ``k`` and shift ``s`` (shifts in order of
    start time), the order of the dosage table.
    """

    dates: tuple[dt.date, ...]
    shifts: tuple[str, ...]
    edges: tuple[np.ndarray, ...]

    @property
    def n_slots(self) -> int:
        """Number of slots (dates x shifts)."""
        return len(self.dates) * len(self.shifts)

    def split(
        self, start: np.ndarray, end: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Cut intervals ``[start, end)`` (int64 ns UTC) at the slot edges.

        Returns ``row`` (the interval each piece comes from), ``slot``, the
        piece's ``start`` and ``end``, and ``holds_start`` (True for the piece
        containing the interval's own start). Only pieces inside a window are
        returned; an interval of zero length gives one piece of zero length in
        the window holding its instant, if any. With overlapping shifts a piece
        of time is returned once for each shift that holds it.
        """
        parts = [self._split_shift(s, start, end) for s in range(len(self.shifts))]
        row, slot, lo, hi, first = (np.concatenate(p) for p in zip(*parts, strict=True))
        return row, slot, lo, hi, first

    def _split_shift(self, shift: int, start: np.ndarray, end: np.ndarray):
        edges = self.edges[shift]
        first_seg = np.searchsorted(edges, start, side="right") - 1
        last_seg = np.maximum(np.searchsorted(edges, end, side="left") - 1, first_seg)
        count = last_seg - first_seg + 1
        row = np.repeat(np.arange(len(start)), count)
        offset = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
        seg = first_seg[row] + offset
        lo = np.maximum(start[row], edges[seg])
        hi = np.minimum(end[row], edges[seg + 1])
        point = start[row] == end[row]
        keep = (seg % 2 == 1) & ((hi > lo) | point)
        row, seg, lo, hi = row[keep], seg[keep], lo[keep], hi[keep]
        slot = (seg // 2) * len(self.shifts) + shift
        return row, slot, lo, hi, lo == start[row]

    def counted_slots(
        self, start: np.ndarray, end: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the slot (or slots) each visit ``[start, end)`` is counted in.

        A visit counts in the slot holding its start; if it starts outside every
        shift, in the first slot its time reaches. When shifts overlap, every
        slot it enters at that same first instant counts it. Returns ``row``
        (visit) and ``slot``; visits that reach no slot are left out.
        """
        n = len(start)
        entries = np.full((len(self.shifts), n), _HIGH, dtype=np.int64)
        slots = np.full((len(self.shifts), n), -1, dtype=np.int64)
        for shift, edges in enumerate(self.edges):
            seg = np.searchsorted(edges, start, side="right") - 1
            inside = seg % 2 == 1
            nxt = np.minimum(seg + 1, len(edges) - 2)
            reach = ~inside & (nxt % 2 == 1) & (edges[nxt] < end)
            window = np.where(inside, seg, nxt)
            ok = inside | reach
            entries[shift] = np.where(inside, start, np.where(reach, edges[nxt], _HIGH))
            slots[shift] = np.where(ok, (window // 2) * len(self.shifts) + shift, -1)
        first = entries.min(axis=0)
        chosen = (entries == first[None, :]) & (slots >= 0)
        shift_idx, row = np.nonzero(chosen)
        order = np.lexsort((shift_idx, row))
        return row[order], slots[shift_idx, row][order]

    def frame(self) -> pd.DataFrame:
        """``date`` and ``shift`` of every slot, in slot order."""
        return pd.DataFrame(
            {
                "date": np.repeat(np.array(self.dates, dtype=object), len(self.shifts)),
                "shift": np.tile(np.array(self.shifts, dtype=object), len(self.dates)),
            }
        )


def _local(naive: pd.DatetimeIndex, zone: ZoneInfo) -> np.ndarray:
    """Wall-clock times in ``zone`` as int64 ns UTC.

    A time the clocks skip moves forward to the first valid instant; a time
    that repeats is its first occurrence (summer time in the UK).
    """
    aware = naive.tz_localize(
        zone, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
    )
    return aware.as_unit("ns").asi8


def make_slots(
    first: dt.date,
    last: dt.date,
    shifts: tuple[tuple[str, int, int], ...],
    timezone: str,
) -> Slots:
    """Slots for every date from ``first`` to ``last`` (inclusive) and shift.

    ``shifts`` is the output of ``hotspots.design`` ``check_shifts``: ``(name,
    start, end)`` in minutes after local midnight, ``end`` past 1440 when the
    window ends the next day. Windows are local wall-clock times in
    ``timezone``, so a day is 23 or 25 hours long when the clocks change.
    """
    zone = ZoneInfo(timezone)
    days = pd.date_range(first, last, freq="D")
    edges = []
    for _, open_minute, close_minute in shifts:
        opens = _local(days + pd.Timedelta(minutes=open_minute), zone)
        closes = _local(days + pd.Timedelta(minutes=close_minute), zone)
        inner = np.empty(2 * len(days), dtype=np.int64)
        inner[0::2], inner[1::2] = opens, closes
        inner = np.maximum.accumulate(inner)  # a skipped hour cannot reverse time
        edges.append(np.concatenate([[_LOW], inner, [_HIGH]]))
    return Slots(
        dates=tuple(d.date() for d in days),
        shifts=tuple(s[0] for s in shifts),
        edges=tuple(edges),
    )
