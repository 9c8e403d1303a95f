"""Patrol dosage at hot spots from radio and body-worn-camera location pings."""

from __future__ import annotations

import datetime as dt
import logging
import math
import numbers
import time as clock
from collections.abc import Mapping
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from hotspots.design._schedule_calendar import check_dates, check_shifts, shifts_rule
from hotspots.tracking._dosage_core import LONE_PING_SECONDS, Accumulator
from hotspots.tracking._dosage_places import (
    PlaceIndex,
    check_places,
    warn_no_overlap,
)
from hotspots.tracking._dosage_result import TABLE_COLUMNS, VISIT_COLUMNS, Dosage
from hotspots.tracking._dosage_slots import Slots, make_slots

__all__ = ["DEFAULT_BUFFER_M", "DEFAULT_MAX_GAP_S", "dosage"]

logger = logging.getLogger(__name__)

#: Metres added round each hot spot for GPS jitter (see the tracking methods page).
DEFAULT_BUFFER_M = 10.0
#: Longest interval between two pings credited as presence, seconds.
DEFAULT_MAX_GAP_S = 300.0
_NS = 1_000_000_000
_NS_PER_MINUTE = 60 * _NS


def dosage(
    pings,
    places,
    *,
    id_column: str = "place_id",
    by: Literal["day", "shift"] = "day",
    shifts: Mapping[str, tuple[str, str]] | None = None,
    buffer: float = DEFAULT_BUFFER_M,
    max_gap: float = DEFAULT_MAX_GAP_S,
    timezone: str = "Europe/London",
    start=None,
    end=None,
) -> Dosage:
    """Patrol minutes, person-minutes and visits per hot spot and day (or shift).

    Parameters
    ----------
    pings : Pings or DataFrame
        Location pings from :func:`read_pings`, or a frame with ``unit``,
        ``time`` (tz-aware, or int64 ns UTC), ``x``, ``y`` (EPSG:27700 metres)
        and optional ``officers`` (wrapped with ``Pings.from_frame``, which sets
        bad rows aside). Read bucket by bucket, so memory does not grow with
        the number of pings.
    places : GeoDataFrame
        Hot-spot polygons in EPSG:27700 metres with a unique ``id_column``.
    id_column : str, default "place_id"
        Column of place ids.
    by : {"day", "shift"}, default "day"
        Count per local date, or per date and shift (needs ``shifts``).
    shifts : mapping, optional
        Named local windows, e.g. ``{"late": ("18:00", "02:00")}`` (as in
        ``hotspots.design``); an end at or before the start ends the next day.
        Time outside every shift is not counted.
    buffer : float, default 10
        Metres added round every polygon for GPS jitter (0: the polygon itself).
    max_gap : float, default 300
        Longest interval between a unit's pings credited as presence, seconds.
    timezone : str, default "Europe/London"
        Zone of the local dates and shift windows.
    start, end : date-like, optional
        First and last local dates counted (inclusive). None: the dates of the
        first and last ping (logged).

    Returns
    -------
    Dosage
        ``table`` (one row per place and date [and shift], zeros included),
        ``visits``, ``rules``, ``places``; ``for_experiment()`` and
        ``by_month()``.

    Raises
    ------
    TypeError
        If ``pings`` or ``places`` is of the wrong kind.
    ValueError
        If an option is out of range, ``by`` and ``shifts`` disagree, the time
        zone is unknown, pings are out of order, or there are no pings and no
        ``start`` and ``end``.
    CRSError, SchemaError
        If ``places`` is not in EPSG:27700 metres or its ids are not unique.

    Notes
    -----
    *Credit.* Each ping of a unit is credited with the time to that unit's next
    ping, if that is at most ``max_gap``; otherwise (a longer gap, or the
    unit's last ping) with the unit's median interval between pings, capped at
    ``max_gap`` (zero for a unit with a single ping). The credited interval
    ``[t, t + credit)`` belongs to every place whose buffered polygon holds the
    ping (edge included), so overlapping places are each credited.

    *Visits.* A visit of a unit to a place is a maximal run of the unit's
    consecutive pings inside the place with no gap longer than ``max_gap``: a
    ping outside, or a longer gap, ends it. It starts at its first ping, ends
    at its last ping plus that ping's credit, and lasts the sum of the credits.
    It is counted in the day (shift) it starts in; one starting outside every
    shift counts in the first shift its time reaches.

    *Days and shifts.* Local wall-clock days and windows, held as UTC instants,
    so a day is 23 or 25 hours when the clocks change and a patrol across the
    change has its true length. A credited interval crossing midnight or a
    shift edge is split between them.

    *Sums.* ``person_minutes`` adds every unit's credited minutes times its
    officers; ``patrol_minutes`` is the length of the union of all units'
    credited intervals (minutes with at least one unit present).

    Koper (1995) found the deterrent effect of a patrol stop in a hot spot grew
    with its length up to about 10-15 minutes; visit lengths here are what a
    plan of such stops is checked against.

    References
    ----------
    Koper, C. S. (1995). Just enough police presence: reducing crime and
    disorderly behavior by optimizing patrol time in crime hot spots. *Justice
    Quarterly*, 12(4), 649-672.

    Sherman, L. W. (2013). The rise of evidence-based policing: targeting,
    testing, and tracking. *Crime and Justice*, 42(1), 377-451.

    Examples
    --------
    >>> result = dosage(pings, places)  # doctest: +SKIP
    >>> result.for_experiment().head()  # doctest: +SKIP
    """
    buffer, max_gap, zone = _check_options(buffer, max_gap, timezone)
    parsed = _check_by(by, shifts)
    ids, geoms = check_places(places, id_column, buffer)
    pings = _as_pings(pings, timezone)
    first, last, auto = _period(pings, start, end, zone)
    logger.info(
        "Dosage: places buffered by %g m for GPS jitter; gaps between pings up to "
        "%g s credited as presence; %s local days %s to %s (%s). Pass buffer=, "
        "max_gap=, start= or end= to change them.",
        buffer,
        max_gap,
        timezone,
        first,
        last,
        "from the pings" if auto else "as given",
    )
    slots = make_slots(first, last, parsed, timezone)
    acc = Accumulator(slots, len(ids), round(max_gap * _NS))
    index = PlaceIndex.build(geoms)
    n_read, n_buckets, began = 0, 0, clock.perf_counter()
    extent = np.array([np.inf, np.inf, -np.inf, -np.inf])
    for bucket in pings.iter_buckets():
        if not len(bucket):
            continue
        x = bucket["x"].to_numpy(dtype=np.float64)
        y = bucket["y"].to_numpy(dtype=np.float64)
        acc.add_bucket(
            bucket["unit"], _as_ns(bucket["time"]), x, y, _officers(bucket), index
        )
        extent = np.r_[
            np.minimum(extent[:2], (x.min(), y.min())),
            np.maximum(extent[2:], (x.max(), y.max())),
        ]
        n_read += len(bucket)
        n_buckets += 1
    logger.debug(
        "Dosage: %d pings in %d buckets, %.2f s",
        n_read,
        n_buckets,
        clock.perf_counter() - began,
    )
    rules = _rules(
        id_column, by, shifts, buffer, max_gap, timezone, first, last, start, end
    )
    rules.update(
        pings_read=n_read,
        pings_in_places=acc.pings_in_places,
        visits_found=acc.visits_found,
        visits_not_counted=acc.visits_found - acc.visits_counted,
    )
    if n_read and not acc.pings_in_places:
        warn_no_overlap(n_read, extent, geoms, buffer)
    if rules["visits_not_counted"]:
        logger.info(
            "%d visits fall outside every counted %s (before %s, after %s, or "
            "outside the shifts) and are left out of the table and visits.",
            rules["visits_not_counted"],
            "shift" if by == "shift" else "day",
            first,
            last,
        )
    return Dosage(
        table=_table(acc, ids, slots, by),
        visits=_visits(acc, ids, slots, by),
        rules=rules,
        places=ids,
    )


def _check_options(buffer, max_gap, timezone) -> tuple[float, float, ZoneInfo]:
    if (
        isinstance(buffer, bool)
        or not isinstance(buffer, numbers.Real)
        or not math.isfinite(buffer)
        or buffer < 0
    ):
        raise ValueError(
            f"buffer must be a number of metres >= 0 (0 keeps the polygons as "
            f"they are); got {buffer!r}."
        )
    if (
        isinstance(max_gap, bool)
        or not isinstance(max_gap, numbers.Real)
        or not math.isfinite(max_gap)
        or max_gap <= 0
    ):
        raise ValueError(
            f"max_gap must be a number of seconds > 0 (the longest interval between "
            f"pings credited as presence, e.g. 300); got {max_gap!r}."
        )
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as err:
        raise ValueError(
            f"timezone must be an IANA time zone name such as 'Europe/London'; "
            f"got {timezone!r}."
        ) from err
    return float(buffer), float(max_gap), zone


def _check_by(by, shifts) -> tuple[tuple[str, int, int], ...]:
    if by == "day":
        if shifts is not None:
            raise ValueError(
                "shifts were given but by='day' counts whole days; pass by='shift' "
                "to count each shift, or drop shifts."
            )
        return check_shifts(None)
    if by == "shift":
        if shifts is None:
            raise ValueError(
                "by='shift' needs shifts, e.g. shifts={'late': ('18:00', '02:00')}."
            )
        return check_shifts(shifts)
    raise ValueError(f"by must be 'day' or 'shift'; got {by!r}.")


def _as_pings(pings, timezone: str):
    if hasattr(pings, "iter_buckets"):
        return pings
    if isinstance(pings, pd.DataFrame):
        from hotspots.tracking._pings import Pings

        return Pings.from_frame(pings, timezone=timezone)
    raise TypeError(
        "pings must be a Pings (from read_pings) or a DataFrame with unit, time, x, "
        f"y columns; got {type(pings).__name__}."
    )


def _period(pings, start, end, zone: ZoneInfo) -> tuple[dt.date, dt.date, bool]:
    auto = start is None or end is None
    if auto:
        first_ping, last_ping = (
            getattr(pings, "start", None),
            getattr(pings, "end", None),
        )
        if first_ping is None or pd.isna(first_ping):
            raise ValueError(
                "there are no pings to take the dates from; pass start= and end= "
                "(local dates) to count a period without patrols."
            )
        if start is None:
            start = pd.Timestamp(first_ping).tz_convert(zone).date()
        if end is None:
            end = pd.Timestamp(last_ping).tz_convert(zone).date()
    first, last = check_dates(start, end)
    return first, last, auto


def _rules(id_column, by, shifts, buffer, max_gap, timezone, first, last, start, end):
    return {
        "id_column": id_column,
        "by": by,
        "shifts": shifts_rule(shifts),
        "buffer": buffer,
        "buffer_auto": buffer == DEFAULT_BUFFER_M,
        "max_gap": max_gap,
        "max_gap_auto": max_gap == DEFAULT_MAX_GAP_S,
        "timezone": timezone,
        "start": first.isoformat(),
        "end": last.isoformat(),
        "start_auto": start is None,
        "end_auto": end is None,
        "lone_ping_seconds": LONE_PING_SECONDS,
        "credit": (
            "time to the unit's next ping if at most max_gap, else the unit's median "
            "interval between pings capped at max_gap"
        ),
        "patrol_minutes": "union of all units' credited intervals",
        "person_minutes": "sum of credited minutes x officers",
    }


def _as_ns(times: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(times):
        if getattr(times.dt, "tz", None) is None:
            raise ValueError(
                "ping times are naive; give int64 ns UTC or tz-aware times."
            )
        return times.dt.tz_convert("UTC").dt.as_unit("ns").to_numpy().view(np.int64)
    return times.to_numpy(dtype=np.int64)


def _officers(bucket: pd.DataFrame) -> np.ndarray:
    if "officers" not in bucket.columns:
        return np.ones(len(bucket), dtype=np.int64)
    return bucket["officers"].to_numpy(dtype=np.int64)


def _table(acc: Accumulator, ids: tuple, slots: Slots, by: str) -> pd.DataFrame:
    n_places, n_slots = len(ids), slots.n_slots

    def slot_major(values: np.ndarray) -> np.ndarray:
        return values.reshape(n_places, n_slots).T.ravel()

    frame = slots.frame()
    table = pd.DataFrame(
        {
            "place_id": np.tile(np.array(ids, dtype=object), n_slots),
            "date": np.repeat(frame["date"].to_numpy(), n_places),
            "shift": np.repeat(frame["shift"].to_numpy(), n_places),
            "patrol_minutes": slot_major(acc.patrol()) / _NS_PER_MINUTE,
            "person_minutes": slot_major(acc.person) / _NS_PER_MINUTE,
            "visits": slot_major(acc.visits),
            "units": slot_major(acc.units),
            "pings": slot_major(acc.pings),
        }
    )
    columns = [c for c in TABLE_COLUMNS if by == "shift" or c != "shift"]
    return table[columns]


def _visits(acc: Accumulator, ids: tuple, slots: Slots, by: str) -> pd.DataFrame:
    columns = [c for c in VISIT_COLUMNS if by == "shift" or c != "shift"]
    parts: dict[str, Any] = {
        name: np.concatenate([p[name] for p in acc.visit_parts])
        if acc.visit_parts
        else np.empty(0, dtype=object if name == "unit" else np.int64)
        for name in ("unit", "place", "start", "end", "slot", "credit", "pings")
    }
    parts["officers"] = (
        np.concatenate([p["officers"] for p in acc.visit_parts])
        if acc.visit_parts
        else np.empty(0, dtype=np.int64)
    )
    n_shifts = len(slots.shifts)
    dates = np.array(slots.dates, dtype=object)
    names = np.array(slots.shifts, dtype=object)
    frame = pd.DataFrame(
        {
            "unit": parts["unit"].astype(str).astype(object),
            "place_id": np.array(ids, dtype=object)[parts["place"]],
            "start": pd.to_datetime(parts["start"], unit="ns", utc=True),
            "end": pd.to_datetime(parts["end"], unit="ns", utc=True),
            "date": dates[parts["slot"] // n_shifts],
            "shift": names[parts["slot"] % n_shifts],
            "minutes": parts["credit"] / _NS_PER_MINUTE,
            "pings": parts["pings"].astype(np.int64),
            "officers": parts["officers"].astype(np.int64),
            "_place": parts["place"],
            "_slot": parts["slot"],
        }
    )
    frame = frame.sort_values(["_place", "start", "unit", "_slot"], kind="stable")
    return frame[columns].reset_index(drop=True)
