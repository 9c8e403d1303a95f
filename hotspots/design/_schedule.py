"""The :class:`Schedule` of a randomised patrol trial, and how rules build one."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from hotspots.design._schedule_blocks import parallel_plan
from hotspots.design._schedule_calendar import (
    Calendar,
    check_shifts,
    make_calendar,
    resolve_seed,
)
from hotspots.design._schedule_rounding import crossover_plan

__all__ = ["ARMS", "COLUMNS", "Schedule", "build", "freeze", "plain"]

logger = logging.getLogger(__name__)

#: The table's columns, in order.
COLUMNS = ["place_id", "date", "shift", "period", "arm", "block", "start", "end"]
#: Arm names by code: 1 treatment, 0 control, -1 washout.
ARMS = {1: "treatment", 0: "control", -1: "washout"}
_ARM_NAMES = np.array(["washout", "control", "treatment"], dtype=object)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def freeze(value):
    """Return a read-only copy: mappings become read-only mappings, lists tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def plain(value):
    """Undo :func:`freeze` for JSON: dicts and lists."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _read_only(arms: np.ndarray) -> np.ndarray:
    if arms.flags.writeable:
        arms.flags.writeable = False
    return arms


@dataclass(frozen=True, eq=False, repr=False)
class Schedule:
    """A randomised patrol schedule: which places get patrol in which slot.

    Built by :func:`crossover_schedule`, :func:`parallel_schedule` or
    :func:`read_schedule`; never changed once made (:meth:`redraw` returns a new
    one).

    Attributes
    ----------
    table : DataFrame
        One row per place and slot, sorted by ``date``, ``shift`` (in order of
        start time) and ``place_id``: ``place_id`` (str), ``date``
        (datetime64[ns], the local date at midnight, tz-naive), ``shift`` (str;
        ``"day"`` without shifts), ``period`` (int, the assignment period from 0;
        always 0 in a parallel design), ``arm`` (``"treatment"``, ``"control"``
        or ``"washout"``), ``block`` (str; ``""`` unless the parallel design was
        blocked), ``start`` and ``end`` (the patrol window, tz-aware
        Europe/London timestamps; a day runs 00:00 to the next 00:00, 23 or 25
        hours long on the clock-change days). Built on first use.
    design : {"crossover", "parallel"}
        The design.
    places : tuple of str
        Place ids in input order (the rows of :meth:`assignment`).
    rules : Mapping
        Read-only record of every argument used, the automatic choices and the
        ``seed``: the schedule is drawn again exactly from these. Empty for a
        schedule read from a CSV without its JSON sidecar.
    """

    design: Literal["crossover", "parallel"]
    places: tuple[str, ...]
    rules: Mapping[str, Any]
    _arms: np.ndarray
    _calendar: Calendar
    _periods: np.ndarray
    _blocks: tuple[str, ...]
    _draw: Callable[[int], np.ndarray] | None = None
    _locations: tuple | None = None

    def __repr__(self) -> str:
        seed = self.rules.get("seed", "unknown")
        treated = float((self._arms == 1).mean()) if self._arms.size else 0.0
        return (
            f"Schedule(design={self.design!r}, places={len(self.places)}, "
            f"slots={self._calendar.n_slots}, seed={seed}, "
            f"treated share={treated:.3f})"
        )

    @functools.cached_property
    def table(self) -> pd.DataFrame:
        """One row per place and slot (see the class's Attributes)."""
        calendar = self._calendar
        n_places, n_slots = len(self.places), calendar.n_slots
        ids = np.asarray(self.places, dtype=object)
        order = np.argsort(np.asarray(self.places, dtype=str), kind="stable")
        slot = np.repeat(np.arange(n_slots), n_places)
        place = np.tile(order, n_slots)
        return pd.DataFrame(
            {
                "place_id": ids[place],
                "date": calendar.slot_dates[slot],
                "shift": np.asarray(calendar.shift_names, dtype=object)[
                    calendar.slot_shift[slot]
                ],
                "period": self._periods[slot].astype(np.int64),
                "arm": _ARM_NAMES[self._arms[place, slot] + 1],
                "block": np.asarray(self._blocks, dtype=object)[place],
                "start": calendar.starts[slot],
                "end": calendar.ends[slot],
            }
        )

    def assignment(self) -> np.ndarray:
        """Arms as a read-only int8 array, shape (n_places, n_slots).

        Returns
        -------
        numpy.ndarray
            1 treatment, 0 control, -1 washout; rows in :attr:`places` order,
            columns in :meth:`slots` order. Cheap: no table is built.
        """
        return self._arms

    def slots(self) -> pd.DataFrame:
        """Return the slots in the column order of :meth:`assignment`.

        Returns
        -------
        DataFrame
            One row per slot in time order: ``date`` (datetime64[ns]), ``shift``,
            ``period``, ``start`` and ``end`` (Europe/London).
        """
        calendar = self._calendar
        return pd.DataFrame(
            {
                "date": calendar.slot_dates,
                "shift": np.asarray(calendar.shift_names, dtype=object)[
                    calendar.slot_shift
                ],
                "period": self._periods.astype(np.int64),
                "start": calendar.starts,
                "end": calendar.ends,
            }
        )

    def summary(self) -> pd.DataFrame:
        """Per place: slots in each arm, the treated share, treated slots by weekday.

        Returns
        -------
        DataFrame
            One row per place in :attr:`places` order: ``place_id``, ``slots``,
            ``treated``, ``control``, ``washout`` (counts of slots),
            ``treated_share`` (treated / slots), and ``treated_mon`` ...
            ``treated_sun`` (treated slots on each weekday).
        """
        arms = self._arms
        treated = arms == 1
        out = pd.DataFrame(
            {
                "place_id": list(self.places),
                "slots": arms.shape[1],
                "treated": treated.sum(axis=1),
                "control": (arms == 0).sum(axis=1),
                "washout": (arms == -1).sum(axis=1),
            }
        )
        out["treated_share"] = out["treated"] / max(arms.shape[1], 1)
        weekday = self._calendar.weekday()
        for day, name in enumerate(_WEEKDAYS):
            out[f"treated_{name}"] = treated[:, weekday == day].sum(axis=1)
        return out

    def redraw(self, seed: int | None) -> Schedule:
        """Draw the same rules again with another seed.

        This is what randomisation inference re-draws: only the arms change, so
        it is fast (a few milliseconds for 20 places over a year of days).

        Parameters
        ----------
        seed : int or None
            The new seed (a whole number >= 0); None draws one from OS entropy
            (logged and recorded).

        Returns
        -------
        Schedule

        Raises
        ------
        ValueError
            If the schedule has no rules (read from a CSV without its sidecar), or
            the new draw leaves a place without control days (washout).
        """
        if self._draw is None or not self.rules:
            raise ValueError(
                "this schedule has no rules (it was read from a CSV without its "
                "JSON sidecar), so it cannot be re-drawn. Put the .json file that "
                "to_csv wrote next to the CSV and read it again with read_schedule."
            )
        value, auto = resolve_seed(seed)
        rules = {**self.rules, "seed": value, "seed_auto": auto}
        return replace(
            self, rules=MappingProxyType(rules), _arms=_read_only(self._draw(value))
        )

    def to_csv(self, path: str | Path) -> Path:
        """Write the table as CSV and the design, places and rules as JSON beside it.

        Parameters
        ----------
        path : str or Path
            The CSV file. The sidecar is ``path.with_suffix(".json")``.

        Returns
        -------
        Path
            The CSV path. Dates are ISO (``2025-01-06``), ``start`` and ``end``
            ISO timestamps with their UTC offset (``2025-03-31T18:00:00+01:00``).
        """
        from hotspots.design._schedule_io import write_csv

        return write_csv(self, Path(path))

    def to_ical(
        self, path: str | Path, *, summary: str = "Hot spot patrol: {place_id}"
    ) -> Path:
        """Write the treatment slots as an iCalendar (RFC 5545) file.

        Parameters
        ----------
        path : str or Path
            The ``.ics`` file to write.
        summary : str, default "Hot spot patrol: {place_id}"
            Title of each event; ``{place_id}``, ``{date}`` (ISO), ``{shift}``
            and ``{design}`` are filled in.

        Returns
        -------
        Path
            The file written: one VEVENT per treatment slot, times in
            Europe/London with a VTIMEZONE (all-day events without shifts),
            deterministic UIDs (a re-import updates rather than duplicates), and
            GEO (WGS84) when the places had geometry.

        Raises
        ------
        ValueError
            If ``summary`` names a field other than those above.
        """
        from hotspots.design._ical import write_ical

        return write_ical(self, Path(path), summary=summary)


def build(
    design: str,
    places: tuple[str, ...],
    rules: dict,
    locations: tuple | None = None,
) -> Schedule:
    """Draw a schedule from checked rules (the seed is in the rules)."""
    calendar = make_calendar(
        dt.date.fromisoformat(rules["start"]),
        dt.date.fromisoformat(rules["end"]),
        check_shifts(rules["shifts"]),
    )
    draw: Callable[[int], np.ndarray]
    if design == "crossover":
        crossover = crossover_plan(places, rules, calendar)
        periods, blocks, draw = (
            crossover.period_of_slot,
            ("",) * len(places),
            crossover.draw,
        )
    else:
        parallel = parallel_plan(places, rules, calendar.n_slots)
        periods = np.zeros(calendar.n_slots, dtype=np.int64)
        blocks, draw = parallel.labels, parallel.draw
    return Schedule(
        design=design,  # type: ignore[arg-type]
        places=places,
        rules=freeze(rules),
        _arms=_read_only(draw(int(rules["seed"]))),
        _calendar=calendar,
        _periods=periods,
        _blocks=blocks,
        _draw=draw,
        _locations=locations,
    )
