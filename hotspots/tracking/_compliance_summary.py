"""Per-place summaries and overall totals of :func:`compliance`.

Split from :mod:`hotspots.tracking._compliance`: the rank-order table of hot
spots (with how predictable their visit times are) and the totals the words
are made from.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from hotspots.tracking._compliance_plan import PatrolPlan
from hotspots.tracking._compliance_words import (
    MEETS_PLAN_SHARE,
    MIN_TIMING_VISITS,
    MIN_TIMING_WINDOW_HOURS,
    PREDICTABLE_SHARE,
)

__all__ = ["overall_totals", "place_summary", "place_visits"]

logger = logging.getLogger(__name__)
_NS_PER_MINUTE = 60_000_000_000


def _utc_ns(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_integer_dtype(values):
        return values.to_numpy(dtype=np.int64)
    return pd.to_datetime(values, utc=True).dt.as_unit("ns").array.asi8


def place_visits(visits: pd.DataFrame, rules: dict) -> pd.DataFrame:
    """Visits to each place: units' visits that overlap in time made one spell.

    Two officers with their own radios walking together are two units, and
    their two dosage visits one visit to the place; spells that touch (one
    unit arrives as another leaves) are one visit too. A spell of one unit's
    visit keeps its minutes; a merged spell lasts from its first start to its
    last end. Repeats of a visit counted in several overlapping shifts
    (a dosage by shift) are dropped first.
    """
    columns = ["place_id", "start", "end", "minutes", "units", "unit_visits"]
    if visits.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
        empty["place_id"] = empty["place_id"].astype(object)
        empty["start"] = pd.to_datetime(empty["start"], utc=True).dt.as_unit("ns")
        empty["end"] = pd.to_datetime(empty["end"], utc=True).dt.as_unit("ns")
        return empty
    key = [c for c in ("unit", "place_id", "start", "end") if c in visits.columns]
    if rules.get("by") == "shift" and len(key) == 4:
        logger.info(
            "dosage is by shift: each visit is checked once, and hours are the "
            "table's, which leave out time outside every shift."
        )
        visits = visits.drop_duplicates(key)
    start = _utc_ns(visits["start"])
    minutes = visits["minutes"].to_numpy(dtype=float)
    if "end" in visits.columns:
        end = _utc_ns(visits["end"])
    else:
        end = start + np.round(minutes * _NS_PER_MINUTE).astype(np.int64)
    frame = pd.DataFrame(
        {
            "place_id": visits["place_id"].to_numpy(),
            "_s": start,
            "_e": end,
            "minutes": minutes,
            "unit": visits["unit"].to_numpy() if "unit" in visits.columns else 0,
        }
    ).sort_values(["place_id", "_s", "_e"], kind="stable")
    reach = frame.groupby("place_id", sort=False)["_e"].cummax()
    before = reach.groupby(frame["place_id"], sort=False).shift(1)
    new = before.isna().to_numpy() | (frame["_s"].to_numpy() > before.to_numpy())
    frame["_spell"] = np.cumsum(new)
    spells = frame.groupby("_spell", sort=True).agg(
        place_id=("place_id", "first"),
        _s=("_s", "min"),
        _e=("_e", "max"),
        minutes=("minutes", "first"),
        units=("unit", "nunique"),
        unit_visits=("unit", "size"),
    )
    merged = spells["unit_visits"].to_numpy() > 1
    length = (spells["_e"] - spells["_s"]).to_numpy() / _NS_PER_MINUTE
    spells["minutes"] = np.where(merged, length, spells["minutes"].to_numpy())
    spells["start"] = pd.to_datetime(spells["_s"], utc=True).dt.as_unit("ns")
    spells["end"] = pd.to_datetime(spells["_e"], utc=True).dt.as_unit("ns")
    return spells[columns].reset_index(drop=True)


def _timing(
    qualifying: pd.DataFrame, places: list, timezone: str, window_start: int
) -> pd.DataFrame:
    """Per place: qualifying visits, their most common local start hour and share.

    Ties go to the hour that comes first in the window (18:00 before 01:00 in
    an 18:00-02:00 window).
    """
    rows = []
    hours = (
        pd.DatetimeIndex(pd.to_datetime(qualifying["_start_ns"].to_numpy(), utc=True))
        .tz_convert(timezone)
        .hour
    )
    by_place = pd.Series(np.asarray(hours), index=qualifying["place_id"].to_numpy())
    groups = dict(list(by_place.groupby(level=0))) if len(by_place) else {}
    for place in places:
        values = groups.get(place)
        if values is None:
            rows.append((place, 0, np.nan, np.nan))
            continue
        n = len(values)
        counts = values.value_counts()
        order = (counts.index.to_numpy() - window_start // 60) % 24
        counts = counts.iloc[np.argsort(order, kind="stable")]
        share = counts.max() / n if n >= MIN_TIMING_VISITS else np.nan
        rows.append((place, n, float(counts.idxmax()), share))
    return pd.DataFrame(
        rows, columns=["place_id", "timing_visits", "top_hour", "top_hour_share"]
    )


def place_summary(out, visits, good, places, plan, timezone) -> pd.DataFrame:
    """One row per hot spot in rank order (columns in :class:`Compliance`)."""
    sums = out.groupby("place_id", sort=False)[
        ["days", "days_compliant", "qualifying_visits", "patrol_hours", "person_hours"]
    ].sum()
    sums = sums.reindex(places)
    frame = sums.reset_index().rename(columns={"index": "place_id"})
    frame.insert(1, "rank", np.arange(1, len(places) + 1))
    days = frame["days"].where(frame["days"] > 0)
    frame["share_compliant"] = frame["days_compliant"] / days
    frame["meets_plan"] = frame["share_compliant"] >= MEETS_PLAN_SHARE
    frame["visits"] = (
        visits.groupby("place_id").size().reindex(places, fill_value=0).to_numpy()
    )
    target = out.groupby("place_id", sort=False)["target_hours"].sum(min_count=1)
    frame["target_hours"] = target.reindex(places).to_numpy()
    frame["hours_share"] = frame[f"{plan.target_measure}_hours"] / frame["target_hours"]
    timing = _timing(good, places, timezone, plan.window_minutes[0])
    frame["top_hour"] = timing["top_hour"].to_numpy()
    frame["top_hour_share"] = timing["top_hour_share"].to_numpy()
    judged = frame["top_hour_share"].notna() & (
        _window_hours(plan) >= MIN_TIMING_WINDOW_HOURS
    )
    frame["predictable"] = judged & (frame["top_hour_share"] >= PREDICTABLE_SHARE)
    columns = [
        "place_id", "rank", "days", "days_compliant", "share_compliant",
        "meets_plan", "visits", "qualifying_visits", "patrol_hours",
        "person_hours", "target_hours", "hours_share", "top_hour",
        "top_hour_share", "predictable",
    ]  # fmt: skip
    return frame[columns]


def _window_hours(plan: PatrolPlan) -> int:
    start, end = plan.window_minutes
    return math.ceil((end - start) / 60)


def overall_totals(out, per_place, visits, plan) -> dict:
    """Totals over hot spots and periods: :attr:`Compliance.overall`."""
    place_days = int(out["days"].sum())
    compliant = int(out["days_compliant"].sum())
    target = float(out["target_hours"].sum()) if plan.target_hours else None
    delivered = float(out[f"{plan.target_measure}_hours"].sum())
    window_hours = _window_hours(plan)
    judged = per_place[per_place["top_hour_share"].notna()]
    if window_hours < MIN_TIMING_WINDOW_HOURS:
        judged = judged.iloc[0:0]
    in_window = visits["in_window"].to_numpy()
    return {
        "places": len(per_place),
        "place_days": place_days,
        "place_days_compliant": compliant,
        "share_place_days_compliant": compliant / place_days
        if place_days
        else math.nan,
        "places_meeting_plan": int(per_place["meets_plan"].sum()),
        "visits": len(visits),
        "qualifying_visits": int(visits["qualifies"].sum()),
        "visits_outside_window": int((~in_window).sum()),
        "visits_too_short": int((in_window & ~visits["long_enough"].to_numpy()).sum()),
        "patrol_hours": float(out["patrol_hours"].sum()),
        "person_hours": float(out["person_hours"].sum()),
        "target_hours": target,
        "hours_delivered": delivered,
        "hours_share": delivered / target if target else None,
        "places_never_visited": list(
            per_place.loc[per_place["visits"] == 0, "place_id"]
        ),
        "places_without_qualifying_visit": list(
            per_place.loc[per_place["qualifying_visits"] == 0, "place_id"]
        ),
        "timing_window_hours": window_hours,
        "timing_places_judged": len(judged),
        "timing_places_predictable": list(
            judged.loc[judged["top_hour_share"] >= PREDICTABLE_SHARE, "place_id"]
        ),
        "timing_median_top_hour_share": (
            float(judged["top_hour_share"].median()) if len(judged) else math.nan
        ),
    }
