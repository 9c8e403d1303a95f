"""A schedule's treatment slots as an iCalendar (RFC 5545) file."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import string
from pathlib import Path

import numpy as np
from icalendar import Calendar, Event

from hotspots._atomic import atomic_path
from hotspots._version import __version__

__all__ = ["write_ical"]

logger = logging.getLogger(__name__)

#: Fields a ``summary`` template may use.
SUMMARY_FIELDS = ("place_id", "date", "shift", "design")
#: PRODID of the calendars written (RFC 5545 section 3.7.3).
PRODID = f"-//hotspots//patrol schedule {__version__}//EN"
#: Domain part of every UID (RFC 5545 section 3.8.4.7).
UID_DOMAIN = "hotspots.schedule"


def _check_template(summary: str) -> None:
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(summary) if f is not None]
    except ValueError as err:
        raise ValueError(f"summary is not a valid template: {err}") from err
    unknown = sorted({n for n in names if n not in SUMMARY_FIELDS})
    if unknown:
        raise ValueError(
            f"summary may use {['{' + f + '}' for f in SUMMARY_FIELDS]}; it names "
            f"{unknown}. Fix the template, e.g. 'Hot spot patrol: {{place_id}}'."
        )


def uid(design: str, seed, place: str, date: str, shift: str) -> str:
    """Return a UID that is the same every time the same slot is written."""
    key = "\x1f".join([design, str(seed), place, date, shift]).encode("utf-8")
    return f"{hashlib.sha256(key).hexdigest()[:32]}@{UID_DOMAIN}"


def write_ical(schedule, path: Path, *, summary: str) -> Path:
    """Write one VEVENT per treatment slot of ``schedule`` to ``path``."""
    _check_template(summary)
    calendar = schedule._calendar
    seed = schedule.rules.get("seed", "unknown")
    design = schedule.design
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Hot spot patrols ({design} trial, seed {seed})")
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    places, slots = np.nonzero(schedule.assignment() == 1)
    order = np.lexsort((places, slots))
    dates = calendar.slot_dates.astype("datetime64[D]").astype(str)
    for p, s in zip(places[order], slots[order], strict=True):
        place, date = schedule.places[p], dates[s]
        shift = calendar.shift_names[calendar.slot_shift[s]]
        start, end = calendar.starts[s], calendar.ends[s]
        event = Event()
        event.add("uid", uid(design, seed, place, date, shift))
        event.add("dtstamp", stamp)
        if calendar.all_day:
            event.add("dtstart", start.date())
            event.add("dtend", end.date())
        else:
            event.add("dtstart", start.to_pydatetime())
            event.add("dtend", end.to_pydatetime())
        event.add(
            "summary",
            summary.format(place_id=place, date=date, shift=shift, design=design),
        )
        event.add(
            "description",
            f"Randomised {design} trial of hot spot patrols, seed {seed}. Patrol "
            f"{place} on {date}"
            + ("" if calendar.all_day else f", {shift} shift")
            + f". Schedule made with hotspots {__version__}.",
        )
        event.add("location", place)
        if schedule._locations is not None and schedule._locations[p] is not None:
            lat, lon = schedule._locations[p]
            event.add("geo", (float(lat), float(lon)))
        event.add("categories", ["Hot spot patrol"])
        cal.add_component(event)
    if not calendar.all_day and calendar.n_slots:
        first = calendar.starts[0].date()
        last = calendar.ends[-1].date()
        cal.add_missing_timezones(
            first_date=dt.date(first.year - 1, 1, 1),
            last_date=dt.date(last.year + 2, 1, 1),
        )
    with atomic_path(path) as tmp:
        tmp.write_bytes(cal.to_ical())
    logger.info("%d patrol events written to %s.", len(order), path)
    return path
