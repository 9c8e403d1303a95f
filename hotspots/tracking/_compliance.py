"""Patrols delivered against a plan: :func:`compliance` and :class:`Compliance`.

The rules (qualifying visits, plan days, funded hours, predictable times) are
stated in docs/methods/compliance.md; :func:`compliance` applies them to a
:class:`~hotspots.tracking._dosage.Dosage` and a :class:`PatrolPlan`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspots.design._schedule_calendar import TIMEZONE
from hotspots.exceptions import SchemaError
from hotspots.tracking._compliance_plan import PatrolPlan, window_bounds
from hotspots.tracking._compliance_summary import (
    overall_totals,
    place_summary,
    place_visits,
)
from hotspots.tracking._compliance_words import (
    MEETS_PLAN_SHARE,
    MIN_TIMING_VISITS,
    MIN_TIMING_WINDOW_HOURS,
    PREDICTABLE_SHARE,
    describe_compliance,
)

__all__ = ["MINUTES_TOLERANCE", "PERIODS", "Compliance", "compliance"]

logger = logging.getLogger(__name__)

#: Periods of :attr:`Compliance.table`: weeks start on Monday, months on the 1st.
PERIODS = ("week", "month")
#: A visit this much shorter than the minimum still counts: visit minutes are
#: sums of credited seconds, and 15 minutes may add up to 14.9999999.
MINUTES_TOLERANCE = 1e-6
_TABLE_COLUMNS = ("place_id", "date", "patrol_minutes", "person_minutes")
_VISIT_COLUMNS = ("place_id", "start", "minutes")


@dataclass(frozen=True, eq=False)
class Compliance:
    """How far delivered patrols met a :class:`PatrolPlan`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per hot spot and period (week or month) overlapping the
        dosage's dates: ``place_id``, ``week`` (Monday, a ``datetime.date``; or
        ``month``, the 1st), ``days`` (plan days in the period inside the dates),
        ``days_compliant``, ``share_compliant`` (NaN without plan days),
        ``qualifying_visits``, ``patrol_hours`` (time with at least one unit
        present, any time of day), ``person_hours`` (officer time),
        ``target_hours`` (funded hours, pro rata for periods cut by the dates;
        NaN without a target) and ``hours_share`` (delivered / funded).
    places : pandas.DataFrame
        One row per hot spot in rank order (the dosage's place order):
        ``place_id``, ``rank``, ``days``, ``days_compliant``,
        ``share_compliant``, ``meets_plan``, ``visits`` (all, any length or
        time), ``qualifying_visits``, ``patrol_hours``, ``person_hours``,
        ``target_hours``, ``hours_share``, ``top_hour`` (local clock hour in
        which most qualifying visits started), ``top_hour_share`` (their share;
        NaN under :data:`MIN_TIMING_VISITS` visits) and ``predictable``.
    days : pandas.DataFrame
        One row per hot spot and plan day: ``place_id``, ``date``,
        ``qualifying_visits``, ``compliant``.
    visits : pandas.DataFrame
        One row per visit to a hot spot: a spell with at least one unit
        present, made of the dosage's visits of units (``dosage.visits``) that
        overlap in time at that place. ``place_id``, ``start``, ``end`` (UTC),
        ``minutes``, ``units`` (distinct units), ``unit_visits``,
        ``plan_date`` (the local day whose window holds the start, or None),
        ``in_window``, ``long_enough`` and ``qualifies``.
    overall : dict
        Totals the words are made from (see :func:`compliance`).
    words : tuple of str
        One sentence per rule of :func:`describe_compliance`.
    plan : PatrolPlan
        The plan checked.
    rules : dict
        Settings and dates used, including ``days_cut`` (plan days left out
        because their window runs past the tracked dates).
    period : str
        ``"week"`` or ``"month"``.
    """

    table: pd.DataFrame
    places: pd.DataFrame
    days: pd.DataFrame
    visits: pd.DataFrame
    overall: dict
    words: tuple[str, ...]
    plan: PatrolPlan
    rules: dict
    period: str

    def __str__(self) -> str:
        head = (
            f"Compliance of {self.overall['places']} hot spots with the plan "
            f"({self.plan.describe()}), {self.rules['first_date']} to "
            f"{self.rules['last_date']}:"
        )
        return "\n".join([head, *(f"- {line}" for line in self.words)])


def _read_dosage(dosage) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    table = getattr(dosage, "table", None)
    visits = getattr(dosage, "visits", None)
    if not isinstance(table, pd.DataFrame) or not isinstance(visits, pd.DataFrame):
        raise TypeError(
            "dosage must be the Dosage returned by hotspots.tracking.dosage() (with "
            f"a .table and .visits frame); got {type(dosage).__name__}."
        )
    for name, frame, needed in (
        ("table", table, _TABLE_COLUMNS),
        ("visits", visits, _VISIT_COLUMNS),
    ):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise SchemaError(
                f"dosage.{name} lacks columns {missing}; columns present: "
                f"{list(frame.columns)}. Pass the Dosage from dosage() unchanged."
            )
    if table.empty:
        raise ValueError(
            "dosage.table is empty: there are no tracked days. Check the pings' "
            "dates and the start/end given to dosage()."
        )
    return table, visits, dict(getattr(dosage, "rules", None) or {})


def _place_order(dosage, table: pd.DataFrame) -> list:
    places = getattr(dosage, "places", None)
    if places is None or len(places) == 0:
        return list(pd.unique(table["place_id"]))
    return list(places)


def _period_start(stamps: pd.DatetimeIndex, period: str) -> pd.DatetimeIndex:
    if period == "week":
        return stamps - pd.to_timedelta(stamps.day_of_week, unit="D")
    return stamps.to_period("M").to_timestamp().as_unit("ns")


def _grid_sum(frame: pd.DataFrame, keys: list, value: str | None, index) -> pd.Series:
    """Sum (or count, with ``value=None``) over ``keys``, on the full ``index``."""
    if frame.empty:
        return pd.Series(0.0, index=index)
    grouped = frame.groupby(keys)
    summed = grouped.size() if value is None else grouped[value].sum()
    return summed.reindex(index, fill_value=0).astype(float)


def compliance(dosage, plan: PatrolPlan, *, period: str = "week") -> Compliance:
    """Check delivered patrols against a plan, per hot spot and week.

    Parameters
    ----------
    dosage : Dosage
        From :func:`hotspots.tracking.dosage`: its ``table`` (one row per place
        and local day) gives the tracked dates and hours, its ``visits`` the
        visits (start in UTC, minutes), its ``rules["timezone"]`` the local
        time (Europe/London if absent).
    plan : PatrolPlan
        What was asked for.
    period : {"week", "month"}, default "week"
        Rows of :attr:`Compliance.table`: weeks (Monday to Sunday, local) or
        calendar months.

    Returns
    -------
    Compliance
        ``overall`` holds ``places``, ``place_days``, ``place_days_compliant``,
        ``share_place_days_compliant``, ``places_meeting_plan``, ``visits``,
        ``qualifying_visits``, ``visits_outside_window``, ``visits_too_short``,
        ``patrol_hours``, ``person_hours``, ``target_hours`` (None without a
        target), ``hours_delivered``, ``hours_share``, ``places_never_visited``,
        ``places_without_qualifying_visit``, ``timing_window_hours``,
        ``timing_places_judged``, ``timing_places_predictable`` and
        ``timing_median_top_hour_share``.

    Raises
    ------
    TypeError
        If ``dosage`` is not a Dosage or ``plan`` not a :class:`PatrolPlan`.
    SchemaError
        If the dosage's frames lack columns.
    ValueError
        If ``period`` is unknown or the dosage has no days.

    Notes
    -----
    A visit to a hot spot is a spell with at least one unit present: units'
    visits that overlap in time count as one (two officers with two radios
    make one visit). It qualifies when it starts inside a plan day's window
    and lasts at least ``plan.min_visit_minutes``. A window crossing
    midnight belongs to the day it opens. Windows are turned into instants
    day by day in local time, so across a clock change they have their true
    length. A plan day whose window runs past the last tracked day (an
    evening window on the last date) is left out and listed in
    ``rules["days_cut"]``: visits after the data end are not seen.
    """
    if not isinstance(plan, PatrolPlan):
        raise TypeError(
            f"plan must be a PatrolPlan, e.g. PatrolPlan(min_visit_minutes=15); got "
            f"{type(plan).__name__}."
        )
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}; got {period!r}.")
    table, visits, dosage_rules = _read_dosage(dosage)
    timezone = dosage_rules.get("timezone") or TIMEZONE
    if "timezone" not in dosage_rules:
        logger.info("dosage.rules has no timezone: local days are %s.", timezone)
    places = _place_order(dosage, table)
    local = pd.DatetimeIndex(pd.to_datetime(table["date"])).as_unit("ns")
    first, last = local.min(), local.max()
    one_day = pd.Timedelta(days=1)
    dates = pd.date_range(first - one_day, last, freq="D").as_unit("ns")
    opens, closes = window_bounds(dates, plan.window_minutes, timezone)
    edges = pd.DatetimeIndex([first, last + one_day]).as_unit("ns")
    begin, finish = window_bounds(edges, (0, 0), timezone)[0]
    in_range = np.asarray(dates >= first)
    on_weekday = np.isin(np.asarray(dates.day_of_week), plan.weekdays)
    whole = (opens >= begin) & (closes <= finish)
    plan_day = in_range & on_weekday & whole
    cut = [d.date().isoformat() for d in dates[in_range & on_weekday & ~whole]]
    if cut:
        logger.info(
            "Plan days %s left out: their window runs past the end of the tracked "
            "dates (%s), so visits after the end are not seen.",
            ", ".join(cut),
            last.date().isoformat(),
        )

    v = place_visits(visits, dosage_rules)
    start_ns = v["start"].dt.as_unit("ns").array.asi8
    slot = np.searchsorted(opens, start_ns, side="right") - 1
    safe = np.clip(slot, 0, len(dates) - 1)
    in_window = (slot >= 0) & (start_ns < closes[safe])
    long_enough = v["minutes"].to_numpy(dtype=float) >= (
        plan.min_visit_minutes - MINUTES_TOLERANCE
    )
    ours = v["place_id"].isin(places).to_numpy()
    qualifies = in_window & long_enough & plan_day[safe] & ours
    plan_ts = pd.DatetimeIndex(np.where(in_window, dates[safe], pd.NaT)).as_unit("ns")
    v["plan_date"] = [t.date() if not pd.isna(t) else None for t in plan_ts]
    v["in_window"], v["long_enough"], v["qualifies"] = in_window, long_enough, qualifies
    v["_start_ns"], v["_plan"] = start_ns, plan_ts
    good = v[qualifies]

    plan_dates = dates[plan_day]
    day_index = pd.MultiIndex.from_product([places, plan_dates], names=["p", "d"])
    day_counts = _grid_sum(good, ["place_id", "_plan"], None, day_index)
    days = pd.DataFrame(
        {
            "place_id": day_index.get_level_values(0),
            "date": [d.date() for d in day_index.get_level_values(1)],
            "qualifying_visits": day_counts.to_numpy().astype(int),
            "compliant": day_counts.to_numpy() >= plan.visits_per_day,
        }
    )

    all_dates = pd.date_range(first, last, freq="D").as_unit("ns")
    periods = pd.DatetimeIndex(pd.unique(_period_start(all_dates, period)))
    index = pd.MultiIndex.from_product([places, periods], names=["p", "t"])
    n_plan = pd.Series(_period_start(plan_dates, period)).value_counts()
    n_days = pd.Series(_period_start(all_dates, period)).value_counts()
    days_t = days.assign(
        _t=_period_start(pd.DatetimeIndex(day_index.get_level_values(1)), period)
    )
    good_t = good.assign(_t=_period_start(pd.DatetimeIndex(good["_plan"]), period))
    hours_t = table[table["place_id"].isin(places)].assign(
        _t=_period_start(local, period)[table["place_id"].isin(places).to_numpy()]
    )
    t = index.get_level_values(1)
    out = pd.DataFrame({"place_id": index.get_level_values(0)})
    out[period] = [x.date() for x in t]
    out["days"] = n_plan.reindex(t, fill_value=0).to_numpy().astype(int)
    out["days_compliant"] = (
        _grid_sum(days_t[days_t["compliant"]], ["place_id", "_t"], None, index)
        .to_numpy()
        .astype(int)
    )
    out["share_compliant"] = out["days_compliant"] / out["days"].where(out["days"] > 0)
    out["qualifying_visits"] = (
        _grid_sum(good_t, ["place_id", "_t"], None, index).to_numpy().astype(int)
    )
    for kind in ("patrol", "person"):
        minutes = _grid_sum(hours_t, ["place_id", "_t"], f"{kind}_minutes", index)
        out[f"{kind}_hours"] = minutes.to_numpy() / 60.0
    target = plan.target_hours
    calendar = n_days.reindex(t, fill_value=0).to_numpy()
    out["target_hours"] = target * calendar / 7.0 if target is not None else np.nan
    out["hours_share"] = out[f"{plan.target_measure}_hours"] / out["target_hours"]

    per_place = place_summary(out, v[ours], good, places, plan, timezone)
    overall = overall_totals(out, per_place, v[ours], plan)
    words = describe_compliance(overall, plan)
    rules = {
        **plan.as_rules(),
        "period": period,
        "timezone": timezone,
        "first_date": first.date().isoformat(),
        "last_date": last.date().isoformat(),
        "days_cut": cut,
        "minutes_tolerance": MINUTES_TOLERANCE,
        "meets_plan_share": MEETS_PLAN_SHARE,
        "predictable_share": PREDICTABLE_SHARE,
        "min_timing_visits": MIN_TIMING_VISITS,
        "min_timing_window_hours": MIN_TIMING_WINDOW_HOURS,
    }
    logger.info(
        "Compliance: %d of %d place-days met the plan (%s).",
        overall["place_days_compliant"],
        overall["place_days"],
        plan.describe(),
    )
    visits_out = v.drop(columns=["_start_ns", "_plan"])
    return Compliance(
        table=out,
        places=per_place,
        days=days,
        visits=visits_out,
        overall=overall,
        words=words,
        plan=plan,
        rules=rules,
        period=period,
    )
