"""The :class:`Dosage` result: patrol time per place and day (or shift)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["TABLE_COLUMNS", "VISIT_COLUMNS", "Dosage"]

#: Columns of ``Dosage.table`` (``shift`` only when counted by shift).
TABLE_COLUMNS = [
    "place_id",
    "date",
    "shift",
    "patrol_minutes",
    "person_minutes",
    "visits",
    "units",
    "pings",
]
#: Columns of ``Dosage.visits`` (``shift`` only when counted by shift).
VISIT_COLUMNS = [
    "unit",
    "place_id",
    "start",
    "end",
    "date",
    "shift",
    "minutes",
    "pings",
    "officers",
]


@dataclass(frozen=True, eq=False)
class Dosage:
    """Patrol dosage at hot spots measured from location pings.

    Built by :func:`dosage`. See its docstring, and the methods page on
    tracking, for the rules.

    Attributes
    ----------
    table : DataFrame
        One row per place and local date (and shift, with ``by="shift"``) from
        the first to the last date, zeros included, sorted by ``date``,
        ``shift`` (by start time) and place order: ``place_id``, ``date``
        (``datetime.date``, local), [``shift``], ``patrol_minutes`` (float:
        minutes with at least one unit present, the union of the units' credited
        time), ``person_minutes`` (float: credited minutes x officers, summed
        over units), ``visits`` (int: visits counted in the row), ``units``
        (int: distinct units present), ``pings`` (int: pings inside the place
        in the row's window).
    visits : DataFrame
        One row per visit (per shift it counts in): ``unit`` (str),
        ``place_id``, ``start`` and ``end`` (datetime64[ns, UTC]; ``end`` is the
        last ping plus its credit), ``date`` (local date of the row it counts
        in: the date it starts by day), [``shift``], ``minutes`` (float: sum of
        its pings' credits), ``pings`` (int), ``officers`` (int: most officers
        on any of its pings). Sorted by ``place_id`` order, ``start``, ``unit``.
    rules : dict
        Settings used (``buffer``, ``max_gap``, ``timezone``, ``by``,
        ``shifts``, ``start``, ``end`` and whether they were automatic) and
        counts (pings read, inside places, visits left out).
    places : tuple
        Place ids in input order.
    """

    table: pd.DataFrame
    visits: pd.DataFrame
    rules: dict[str, Any]
    places: tuple

    @property
    def by_shift(self) -> bool:
        """True when counted by shift."""
        return self.rules.get("by") == "shift"

    def for_experiment(self) -> pd.DataFrame:
        """Patrol minutes per place and slot, as ``analyse_experiment`` takes them.

        Returns
        -------
        DataFrame
            ``place_id``, ``date`` (``datetime.date``), [``shift``], ``minutes``
            (= ``patrol_minutes``: minutes with at least one unit present).
        """
        keys = ["place_id", "date", "shift"] if self.by_shift else ["place_id", "date"]
        out = self.table[[*keys, "patrol_minutes"]].rename(
            columns={"patrol_minutes": "minutes"}
        )
        return out.reset_index(drop=True)

    def by_month(self) -> pd.DataFrame:
        """Patrol and person minutes and visits per place and calendar month.

        Sums the table's rows (all shifts of a date; time in overlapping shifts
        is counted once per shift).

        Returns
        -------
        DataFrame
            ``place_id``, ``month`` (Timestamp of the first of the month),
            ``patrol_minutes``, ``person_minutes``, ``visits``; places in input
            order within each month.
        """
        frame = self.table.assign(
            month=pd.to_datetime(self.table["date"])
            .dt.to_period("M")
            .dt.to_timestamp(),
            _order=self.table["place_id"].map(
                {place: i for i, place in enumerate(self.places)}
            ),
        )
        sums = (
            frame.groupby(["month", "_order"], sort=True)[
                ["patrol_minutes", "person_minutes", "visits"]
            ]
            .sum()
            .reset_index()
        )
        sums.insert(0, "place_id", [self.places[i] for i in sums["_order"]])
        return sums.drop(columns="_order")[
            ["place_id", "month", "patrol_minutes", "person_minutes", "visits"]
        ]

    def __str__(self) -> str:
        table = self.table
        n_dates = table["date"].nunique()
        slot = "place-shifts" if self.by_shift else "place-days"
        patrolled = (table["patrol_minutes"] > 0).mean() if len(table) else 0.0
        dates = (
            f"{table['date'].min()} to {table['date'].max()}" if len(table) else "none"
        )
        n_units = self.visits["unit"].nunique()
        return (
            f"Dosage by {self.rules.get('by', 'day')}: {len(self.places)} places x "
            f"{n_dates} days ({dates}); {len(self.visits):,} visits by {n_units} "
            f"units; {table['patrol_minutes'].sum() / 60:,.1f} patrol hours "
            f"({table['person_minutes'].sum() / 60:,.1f} person-hours); "
            f"{patrolled:.0%} of {slot} patrolled. Buffer "
            f"{self.rules.get('buffer', float('nan')):g} m, max gap "
            f"{self.rules.get('max_gap', float('nan')):g} s."
        )
