"""Officer hours from a patrol dosage, and what they cost."""

from __future__ import annotations

import numbers

from hotspots._validate import check_positive

__all__ = ["officer_hours", "patrol_cost"]

_MINUTES_PER_HOUR = 60


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1; got {value!r}")
    return int(value)


def officer_hours(
    *,
    n_places: int,
    visits_per_day: float,
    minutes_per_visit: float,
    officers: int,
    days: int,
) -> float:
    """Officer hours of a patrol dosage: places x visits x minutes x officers x days.

    Parameters
    ----------
    n_places : int
        Places patrolled (>= 1).
    visits_per_day : float
        Visits to each place per day (> 0; an average may be fractional).
    minutes_per_visit : float
        Minutes spent at the place per visit (> 0), e.g. 15 (Koper 1995).
    officers : int
        Officers on each visit (>= 1); every officer's time is counted.
    days : int
        Days the patrols ran (>= 1), e.g. 366 for every day of 2024.

    Returns
    -------
    float
        Officer hours: ``n_places x visits_per_day x minutes_per_visit / 60 x
        officers x days``. Travel between places is not counted.

    Raises
    ------
    ValueError
        If a count is not a whole number >= 1 or a rate is not > 0.

    Notes
    -----
    Every knowledge-sharing pack, demo and notebook that costs patrols from a
    planned dosage takes its hours from this function, so the same dosage always
    gives the same hours (:doc:`/docs/methods/costs`). Recorded hours (GPS, body-worn
    video, duty logs) are better than planned ones when they exist.

    Examples
    --------
    The worked example of :doc:`/docs/methods/costs`: 18 places, 3 visits a day of
    15 minutes by 2 officers, for 182 days.

    >>> from hotspots.evaluation import officer_hours
    >>> officer_hours(n_places=18, visits_per_day=3, minutes_per_visit=15,
    ...               officers=2, days=182)
    4914.0
    """
    places = _count(n_places, "n_places")
    crew = _count(officers, "officers")
    period = _count(days, "days")
    visits = check_positive(visits_per_day, "visits_per_day")
    minutes = check_positive(minutes_per_visit, "minutes_per_visit")
    return places * visits * minutes / _MINUTES_PER_HOUR * crew * period


def patrol_cost(hours: float, hourly_cost: float) -> float:
    """Cost of the patrols, GBP: officer hours x the cost of one officer hour."""
    return check_positive(hours, "officer_hours") * check_positive(
        hourly_cost, "hourly_cost"
    )
