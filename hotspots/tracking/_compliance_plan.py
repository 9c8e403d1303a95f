"""The patrol plan that delivered patrols are checked against (:class:`PatrolPlan`).

A plan says how many visits a hot spot should get each day, how long a visit
must last to count, in which local time window it must start, on which weekdays,
and optionally how many patrol hours a week were funded. The window's start and
end become UTC instants day by day here, by the same rule as the schedules of
:mod:`hotspots.design` (see docs/methods/compliance.md).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from hotspots.design._schedule_calendar import check_shifts

__all__ = ["TARGET_MEASURES", "WEEKDAYS", "PatrolPlan", "window_bounds"]

#: Weekday names in the order of Python's ``date.weekday()`` (Monday = 0).
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: What funded hours are compared with: ``"person"`` hours (each officer's time,
#: what overtime pays for) or ``"patrol"`` hours (time with anyone present).
TARGET_MEASURES = ("person", "patrol")
_FULL_NAMES = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_MINUTES_PER_DAY = 24 * 60


def _weekday(value) -> int:
    """Monday = 0 ... Sunday = 6 from a number or an English day name."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if 0 <= int(value) <= 6:
            return int(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        for number, name in enumerate(_FULL_NAMES):
            if len(text) >= 3 and name.startswith(text):
                return number
    raise ValueError(
        "days must be weekday names such as 'Mon' or 'Friday', or numbers 0 "
        f"(Monday) to 6 (Sunday); got {value!r}. Use None for every day."
    )


@dataclass(frozen=True)
class PatrolPlan:
    """What the patrol plan asks for at every hot spot.

    Parameters
    ----------
    visits_per_day : int, default 1
        Qualifying visits a hot spot needs on a plan day for that day to comply.
    min_visit_minutes : float, default 15.0
        Shortest visit that counts, in minutes (the UK trials asked for visits
        of about 15 minutes: Bland et al. 2021; Basford et al. 2021).
    window : tuple of two "HH:MM" strings, or None, default ("18:00", "02:00")
        Local (Europe/London unless the dosage says otherwise) time window in
        which a visit must *start*. An end at or before the start ends the next
        day, and such a window belongs to the day it opens: a visit at 01:00 on
        Tuesday counts for Monday. None = the whole day, 00:00 to 24:00.
    days : sequence of weekdays, or None, default None
        Weekdays the plan covers, as names ("Mon", "friday") or numbers
        (0 = Monday); None = every day. Stored as three-letter names.
    target_hours : float, optional
        Funded hours per hot spot per (full) week; None = no funded target.
    target_measure : {"person", "patrol"}, default "person"
        What the funded hours are compared with: person hours (officer time;
        two officers for an hour use two funded hours) or patrol hours (time
        with at least one unit present).

    Raises
    ------
    ValueError
        If a value is out of range; the message says what is allowed.

    Examples
    --------
    >>> plan = PatrolPlan(days=["fri", "Saturday"], target_hours=3)
    >>> for part in plan.describe().split("; "):
    ...     print(part)
    1 visit of at least 15 minutes starting 18:00-02:00, on Fri, Sat
    3 funded person hours per hot spot per week
    """

    visits_per_day: int = 1
    min_visit_minutes: float = 15.0
    window: tuple[str, str] | None = ("18:00", "02:00")
    days: tuple[str, ...] | None = None
    target_hours: float | None = None
    target_measure: str = "person"

    def __post_init__(self) -> None:
        visits = self.visits_per_day
        if (
            not isinstance(visits, numbers.Integral)
            or isinstance(visits, bool)
            or visits < 1
        ):
            raise ValueError(
                f"visits_per_day must be a whole number of at least 1; got {visits!r}."
            )
        minutes = self.min_visit_minutes
        if (
            not isinstance(minutes, numbers.Real)
            or isinstance(minutes, bool)
            or not math.isfinite(minutes)
            or minutes < 0
        ):
            raise ValueError(
                "min_visit_minutes must be a number of minutes >= 0 (e.g. 15.0); "
                f"got {minutes!r}."
            )
        object.__setattr__(self, "visits_per_day", int(visits))
        object.__setattr__(self, "min_visit_minutes", float(minutes))
        object.__setattr__(self, "window", _check_window(self.window))
        object.__setattr__(self, "days", _check_days(self.days))
        target = self.target_hours
        if target is not None and (
            not isinstance(target, numbers.Real)
            or isinstance(target, bool)
            or not math.isfinite(target)
            or target <= 0
        ):
            raise ValueError(
                "target_hours must be None or the funded hours per hot spot per "
                f"week, a number > 0; got {target!r}."
            )
        if target is not None:
            object.__setattr__(self, "target_hours", float(target))
        if self.target_measure not in TARGET_MEASURES:
            raise ValueError(
                f"target_measure must be one of {TARGET_MEASURES}; got "
                f"{self.target_measure!r}."
            )

    @property
    def window_minutes(self) -> tuple[int, int]:
        """Window start and end in minutes after local midnight (end > start)."""
        if self.window is None:
            return (0, _MINUTES_PER_DAY)
        ((_, start, end),) = check_shifts({"window": self.window})
        return (start, end)

    @property
    def weekdays(self) -> tuple[int, ...]:
        """Plan weekdays as numbers, Monday = 0."""
        names = WEEKDAYS if self.days is None else self.days
        return tuple(WEEKDAYS.index(name) for name in names)

    def describe(self) -> str:
        """One line saying what the plan asks for."""
        visits = "visit" if self.visits_per_day == 1 else "visits"
        text = (
            f"{self.visits_per_day} {visits} of at least "
            f"{self.min_visit_minutes:g} minutes"
        )
        if self.window is not None:
            text += f" starting {self.window[0]}-{self.window[1]}"
        text += ", every day" if self.days is None else f", on {', '.join(self.days)}"
        if self.target_hours is not None:
            text += (
                f"; {self.target_hours:g} funded {self.target_measure} hours per "
                "hot spot per week"
            )
        return text

    def as_rules(self) -> dict:
        """Return the plan as plain values for a result's ``rules``."""
        return {
            "visits_per_day": self.visits_per_day,
            "min_visit_minutes": self.min_visit_minutes,
            "window": self.window,
            "days": self.days,
            "target_hours": self.target_hours,
            "target_measure": self.target_measure,
        }


def _check_window(window) -> tuple[str, str] | None:
    if window is None:
        return None
    if isinstance(window, str) or not hasattr(window, "__len__") or len(window) != 2:
        raise ValueError(
            "window must be None or a pair of local times ('HH:MM', 'HH:MM'), "
            f"e.g. ('18:00', '02:00'); got {window!r}."
        )
    try:
        check_shifts({"window": tuple(window)})
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"window must be a pair ('HH:MM', 'HH:MM') of local times; got "
            f"{window!r} ({err})"
        ) from err
    return (str(window[0]), str(window[1]))


def _check_days(days) -> tuple[str, ...] | None:
    if days is None:
        return None
    values = [days] if isinstance(days, str | numbers.Integral) else list(days)
    if not values:
        raise ValueError(
            "days is empty: give weekdays such as ['Fri', 'Sat'], or None."
        )
    numbers_ = sorted({_weekday(value) for value in values})
    return tuple(WEEKDAYS[n] for n in numbers_)


def window_bounds(
    dates: pd.DatetimeIndex, window_minutes: tuple[int, int], timezone: str
) -> tuple[np.ndarray, np.ndarray]:
    """Open and close of each local date's window as int64 ns since epoch (UTC).

    ``dates`` are naive local midnights. Wall-clock times are made instants as
    :mod:`hotspots.design` does: a time in the hour skipped in spring moves on
    to the first valid instant; a time in the hour repeated in autumn is its
    first (summer time) occurrence.
    """
    zone = ZoneInfo(timezone)
    start, end = window_minutes

    def instants(offset: int) -> np.ndarray:
        naive = dates + pd.to_timedelta(offset, unit="min")
        local = naive.tz_localize(
            zone, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
        )
        return local.tz_convert("UTC").as_unit("ns").asi8

    return instants(start), instants(end)
