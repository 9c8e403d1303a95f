"""The inputs of a schedule checked at the boundary, and its calendar of slots.

A *slot* is one patrol window: a local date and a shift. The calendar lists the
slots in time order (by date, then by the shift's start time) with their
time-zone-aware start and end, correct across the BST/GMT clock changes.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import numbers
import re
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from hotspots.exceptions import SchemaError

__all__ = [
    "DAY_SHIFT",
    "TIMEZONE",
    "Calendar",
    "check_date",
    "check_dates",
    "check_share",
    "check_shifts",
    "make_calendar",
    "read_places",
    "resolve_seed",
]

logger = logging.getLogger(__name__)

#: Local time of every date and patrol window (zoneinfo key).
TIMEZONE = "Europe/London"
TZ = ZoneInfo(TIMEZONE)
#: Name of the one slot of a day when no shifts are given (window 00:00-24:00).
DAY_SHIFT = "day"
#: Seeds drawn from OS entropy have this many bits (short enough to quote).
SEED_BITS = 32
#: ``share`` is used as the nearest fraction with at most this denominator.
MAX_DENOMINATOR = 1000
_MINUTES_PER_DAY = 24 * 60
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def read_places(places) -> tuple[tuple[str, ...], pd.DataFrame | None]:
    """Place ids in input order, and the frame they came from (None for a list).

    Raises
    ------
    TypeError
        If ``places`` is a single string or an id is not a string.
    ValueError
        If there are no places, or an id is empty or repeated.
    """
    frame = None
    if isinstance(places, pd.DataFrame):
        if "place_id" not in places.columns:
            raise SchemaError(
                f"places has no 'place_id' column; columns are {list(places.columns)}."
                " Pass the output of hotspots.select_places, or a list of place ids."
            )
        frame = places
        ids = list(places["place_id"])
    elif isinstance(places, str) or not isinstance(
        places, Sequence | pd.Series | np.ndarray
    ):
        raise TypeError(
            "places must be a list of place ids (strings) or a frame with a "
            f"'place_id' column; got {type(places).__name__}."
        )
    else:
        ids = list(places)
    if not ids:
        raise ValueError("places is empty; a schedule needs at least one place.")
    for i, value in enumerate(ids):
        if not isinstance(value, str):
            raise TypeError(
                f"place ids must be strings; got {value!r} "
                f"({type(value).__name__}) at position {i}. Convert them first, "
                "e.g. [str(x) for x in ids]."
            )
    empty = [i for i, value in enumerate(ids) if not value.strip()]
    if empty:
        raise ValueError(
            f"place ids must not be empty; positions {empty[:10]} are empty or "
            "blank. Give every place an id."
        )
    repeated = sorted(x for x, n in Counter(ids).items() if n > 1)
    if repeated:
        raise ValueError(
            f"place ids must be unique; {len(repeated)} repeated: {repeated[:10]}. "
            "Drop the duplicate rows or rename the places."
        )
    return tuple(str(x) for x in ids), frame


def place_locations(frame: pd.DataFrame | None) -> tuple | None:
    """WGS84 (lat, lon) of each place's centre, or None without geometry or CRS."""
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        return None
    try:
        geometry = frame.geometry
    except AttributeError:  # no active geometry column
        return None
    if geometry.crs is None:
        logger.info("places have no CRS: the calendar will carry no GEO positions.")
        return None
    valid = ~(geometry.isna() | geometry.is_empty)
    centres = geometry.copy()
    if valid.any():
        kept = geometry[valid]
        centre = kept.centroid if kept.crs.is_projected else kept.representative_point()
        centres[valid] = centre
    wgs84 = centres.to_crs(4326)
    return tuple(
        (round(float(p.y), 6), round(float(p.x), 6)) if ok else None
        for p, ok in zip(wgs84, valid, strict=True)
    )


def check_date(value, name: str) -> dt.date:
    """Return a local calendar date from a string, date or Timestamp."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"{name} must be a date such as '2025-01-06'; got {value!r}."
        ) from err
    if stamp is pd.NaT:
        raise ValueError(f"{name} must be a date such as '2025-01-06'; got {value!r}.")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(TZ).tz_localize(None)
    if stamp != stamp.normalize():
        raise ValueError(
            f"{name} must be a date without a time of day; got {value!r}. "
            "Give the first (or last) day of the trial, e.g. '2025-01-06'."
        )
    return stamp.date()


def check_dates(start, end) -> tuple[dt.date, dt.date]:
    """Return ``start`` and ``end`` as dates, refusing an end before the start."""
    first, last = check_date(start, "start"), check_date(end, "end")
    if last < first:
        raise ValueError(
            f"end ({last}) is before start ({first}); both dates are inclusive. "
            "Swap them or fix the dates."
        )
    return first, last


def check_share(share) -> Fraction:
    """``share`` as an exact fraction (denominator <= 1000), strictly in (0, 1)."""
    value = float(share) if isinstance(share, numbers.Real) else math.nan
    if isinstance(share, bool) or not math.isfinite(value) or not 0 < value < 1:
        raise ValueError(
            f"share must be a number between 0 and 1 (exclusive), the proportion of "
            f"places (or periods) treated; got {share!r}."
        )
    fraction = Fraction(value).limit_denominator(MAX_DENOMINATOR)
    if not 0 < fraction < 1:
        raise ValueError(f"share is too close to 0 or 1 to use; got {share!r}.")
    if abs(float(fraction) - value) > 1e-12:
        logger.info(
            "share %r used as the fraction %s (%.6f): the design's counts are exact "
            "fractions. Pass share=%s to silence this.",
            share,
            fraction,
            float(fraction),
            float(fraction),
        )
    return fraction


def resolve_seed(seed) -> tuple[int, bool]:
    """Return the seed to use, and whether it was drawn (OS entropy) for the user."""
    if seed is None:
        drawn = secrets.randbits(SEED_BITS)
        logger.info(
            "Seed drawn from OS entropy: %d. It is recorded in schedule.rules['seed'];"
            " pass seed=%d to draw the same schedule again.",
            drawn,
            drawn,
        )
        return drawn, True
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(
            f"seed must be None or a whole number >= 0 (it is recorded so the "
            f"schedule can be drawn again); got {seed!r}."
        )
    return int(seed), False


def _minutes(text, name: str, *, end: bool) -> int:
    match = _HHMM.match(text) if isinstance(text, str) else None
    if match is None or (match[1] == "24" and (match[2] != "00" or not end)):
        raise ValueError(
            f"shift {name!r}: times must be 'HH:MM' (00:00 to 23:59, or 24:00 as an "
            f"end); got {text!r}."
        )
    return int(match[1]) * 60 + int(match[2])


def check_shifts(shifts) -> tuple[tuple[str, int, int], ...]:
    """``(name, start, end)`` minutes after midnight, ordered by start time.

    ``end <= start`` means the window ends the next day (an equal start and end
    is a 24-hour window). No shifts gives one slot, ``"day"``, 00:00 to 24:00.
    """
    if shifts is None:
        return ((DAY_SHIFT, 0, _MINUTES_PER_DAY),)
    if not isinstance(shifts, Mapping) or not shifts:
        raise TypeError(
            "shifts must be None or a mapping of shift name to ('HH:MM', 'HH:MM') "
            f"patrol window, e.g. {{'late': ('18:00', '02:00')}}; got {shifts!r}."
        )
    parsed = []
    for name, window in shifts.items():
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"shift names must be non-empty strings; got {name!r}.")
        if isinstance(window, str) or len(window) != 2:
            raise ValueError(
                f"shift {name!r}: the window must be a pair ('HH:MM', 'HH:MM'); "
                f"got {window!r}."
            )
        start = _minutes(window[0], name, end=False)
        end = _minutes(window[1], name, end=True)
        if end <= start:
            end += _MINUTES_PER_DAY  # crosses midnight into the next day
        parsed.append((name, start, end))
    return tuple(sorted(parsed, key=lambda item: item[1]))


@dataclass(frozen=True)
class Calendar:
    """The slots of a trial in time order (private; built by :func:`make_calendar`).

    ``days`` holds each date once; ``slot_day`` and ``slot_shift`` index each
    slot's date in ``days`` and its shift in ``shift_names``; ``starts`` and
    ``ends`` are the windows in Europe/London time.
    """

    days: np.ndarray
    slot_day: np.ndarray
    slot_shift: np.ndarray
    shift_names: tuple[str, ...]
    starts: pd.DatetimeIndex
    ends: pd.DatetimeIndex
    all_day: bool

    @property
    def n_slots(self) -> int:
        """Number of slots."""
        return len(self.slot_day)

    @property
    def slot_dates(self) -> np.ndarray:
        """Local date of every slot (datetime64[ns])."""
        return self.days[self.slot_day]

    def weekday(self) -> np.ndarray:
        """Weekday of every slot, Monday 0 to Sunday 6."""
        return (
            (self.slot_dates.astype("datetime64[D]").astype(np.int64) + 3) % 7
        ).astype(np.int64)

    def minutes(self) -> tuple[np.ndarray, np.ndarray]:
        """Local wall-clock start and end of every slot, minutes since 1970."""
        starts = self.starts.tz_localize(None).as_unit("ns").asi8 // 60_000_000_000
        ends = self.ends.tz_localize(None).as_unit("ns").asi8 // 60_000_000_000
        return starts, ends


def localise(naive: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Local wall-clock times as Europe/London timestamps.

    A time in the hour the clocks skip (late March) moves forward to 02:00 BST;
    a time in the hour that repeats (late October) is its first, BST, occurrence.
    """
    return naive.tz_localize(
        TZ, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
    ).as_unit("ns")


def make_calendar(
    start: dt.date, end: dt.date, shifts: tuple[tuple[str, int, int], ...]
) -> Calendar:
    """Every (date, shift) slot from ``start`` to ``end`` inclusive, in time order."""
    days = pd.date_range(start, end, freq="D").as_unit("ns")
    n_days, n_shifts = len(days), len(shifts)
    slot_day = np.repeat(np.arange(n_days), n_shifts)
    slot_shift = np.tile(np.arange(n_shifts), n_days)
    first = np.array([s[1] for s in shifts], dtype=np.int64)[slot_shift]
    last = np.array([s[2] for s in shifts], dtype=np.int64)[slot_shift]
    base = days[slot_day]
    starts = localise(base + pd.to_timedelta(first, unit="min"))
    ends = localise(base + pd.to_timedelta(last, unit="min"))
    all_day = shifts == ((DAY_SHIFT, 0, _MINUTES_PER_DAY),)
    return Calendar(
        days=days.to_numpy(),
        slot_day=slot_day,
        slot_shift=slot_shift,
        shift_names=tuple(s[0] for s in shifts),
        starts=starts,
        ends=ends,
        all_day=all_day,
    )


def shifts_rule(shifts) -> dict[str, tuple[str, str]] | None:
    """Return the ``shifts`` argument as recorded in the rules (times as given)."""
    if shifts is None:
        return None
    return {str(name): (str(w[0]), str(w[1])) for name, w in shifts.items()}
