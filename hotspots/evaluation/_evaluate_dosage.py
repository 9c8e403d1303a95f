"""Tracked patrol in an evaluation: the ``dosage=`` of :func:`evaluate`.

:func:`evaluate` estimates the effect of patrols with comparison places; when the
patrols were also tracked (:func:`hotspots.tracking.dosage`, from radio or
body-worn-camera location pings) it can relate each treated place's monthly
crimes to the patrol hours it actually received. That association
(:func:`hotspots.tracking.dose_response`) is not randomised: patrols go where
crime is, so it is reported beside the effect, never instead of it.
"""

from __future__ import annotations

import logging

import pandas as pd

from hotspots.exceptions import SchemaError
from hotspots.tracking._dosage_result import Dosage
from hotspots.tracking._dose_response import DoseResponse, dose_response

__all__ = ["check_dosage", "evaluation_dose_response", "tracked_months"]

logger = logging.getLogger(__name__)

#: Columns a monthly dosage frame (``Dosage.by_month()``) needs.
_MONTHLY_COLUMNS = ("place_id", "month", "patrol_minutes")


def _as_text_ids(dosage: Dosage | pd.DataFrame) -> Dosage | pd.DataFrame:
    """Return ``dosage`` with its place ids as text, as :func:`evaluate` holds them."""
    if isinstance(dosage, pd.DataFrame):
        return dosage.assign(place_id=dosage["place_id"].astype(str))
    if all(isinstance(p, str) for p in dosage.places):
        return dosage
    return Dosage(
        table=dosage.table.assign(place_id=dosage.table["place_id"].astype(str)),
        visits=dosage.visits.assign(place_id=dosage.visits["place_id"].astype(str)),
        rules=dosage.rules,
        places=tuple(str(p) for p in dosage.places),
    )


def tracked_months(dosage: Dosage | pd.DataFrame) -> pd.DatetimeIndex:
    """Calendar months wholly inside a dosage's tracked dates.

    Parameters
    ----------
    dosage : Dosage or DataFrame
        A :class:`~hotspots.tracking.Dosage` (its table's first and last local
        dates) or its ``by_month()`` frame (every month in it counts as
        tracked, as :func:`hotspots.tracking.dose_response` reads it).

    Returns
    -------
    DatetimeIndex
        First days of the months, sorted; empty when no month is whole.

    Raises
    ------
    TypeError
        If ``dosage`` is neither.
    SchemaError
        If a frame lacks ``place_id``, ``month`` or ``patrol_minutes``.
    """
    if isinstance(dosage, Dosage):
        dates = pd.to_datetime(dosage.table["date"])
        if dates.empty:
            return pd.DatetimeIndex([])
        first, last = dates.min(), dates.max()
        starts = pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")
        whole = [m for m in starts if m >= first and m + pd.offsets.MonthEnd(0) <= last]
        return pd.DatetimeIndex(whole)
    if isinstance(dosage, pd.DataFrame):
        missing = [c for c in _MONTHLY_COLUMNS if c not in dosage.columns]
        if missing:
            raise SchemaError(
                f"dosage frame lacks columns {missing}; columns present: "
                f"{list(dosage.columns)}. Pass a Dosage or Dosage.by_month()."
            )
        months = pd.to_datetime(dosage["month"]).dt.to_period("M").dt.to_timestamp()
        return pd.DatetimeIndex(sorted(months.unique()))
    raise TypeError(
        "dosage must be a Dosage (from hotspots.tracking.dosage) or its by_month() "
        f"frame; got {type(dosage).__name__}."
    )


def check_dosage(
    dosage: Dosage | pd.DataFrame | None, months: pd.DatetimeIndex, place_ids
) -> Dosage | pd.DataFrame | None:
    """Check the ``dosage=`` of :func:`evaluate` before any model is fitted.

    The dose-response it adds is :func:`hotspots.tracking.dose_response` of the
    treated places' monthly crimes on their tracked patrol hours (months wholly
    tracked only); patrol hours were not randomised, so it is an association.

    Parameters
    ----------
    dosage : Dosage, DataFrame or None
        As :func:`evaluate` takes it; None is returned as it is.
    months : DatetimeIndex
        The evaluation's months (first days).
    place_ids : sequence of str
        The treated places' ids.

    Returns
    -------
    Dosage, DataFrame or None
        ``dosage`` with its place ids as text.

    Raises
    ------
    TypeError, SchemaError
        As :func:`tracked_months`.
    ValueError
        If no whole tracked month is among ``months``, or no tracked place is a
        treated place; the message says what was found.
    """
    if dosage is None:
        return None
    tracked = tracked_months(dosage)
    dosage = _as_text_ids(dosage)
    inside = tracked[tracked.isin(months)]
    if inside.empty:
        span = (
            f"{tracked.min():%Y-%m} to {tracked.max():%Y-%m}"
            if len(tracked)
            else "no whole calendar month"
        )
        raise ValueError(
            f"dosage tracks {span}, and no whole month of it is among the "
            f"evaluated months ({months.min():%Y-%m} to {months.max():%Y-%m}); "
            "pass a dosage of the evaluated period, or leave dosage out."
        )
    tracked_ids = (
        set(dosage["place_id"])
        if isinstance(dosage, pd.DataFrame)
        else set(dosage.places)
    )
    treated = {str(p) for p in place_ids}
    if not tracked_ids & treated:
        raise ValueError(
            f"none of the dosage's {len(tracked_ids)} place ids (e.g. "
            f"{sorted(tracked_ids)[:3]}) is a treated place (e.g. "
            f"{sorted(treated)[:3]}); compute the dosage at the treated places with "
            "the same id_column."
        )
    return dosage


def evaluation_dose_response(
    dosage: Dosage | pd.DataFrame | None, treated_rows: pd.DataFrame
) -> DoseResponse | None:
    """Monthly crimes at the treated places against their tracked patrol hours.

    Parameters
    ----------
    dosage : Dosage, DataFrame or None
        Checked by :func:`check_dosage`; None returns None.
    treated_rows : DataFrame
        The evaluation's place x month panel of the treated places:
        ``place_id``, ``month``, ``count``.

    Returns
    -------
    DoseResponse or None
        :func:`hotspots.tracking.dose_response` with ``outcome="count"``: the
        incidence rate ratio per 10 patrol hours a month, place and month
        fixed effects, errors clustered by place, and its caveats (patrol
        hours were not randomised).
    """
    if dosage is None:
        return None
    data = treated_rows[["place_id", "month", "count"]]
    return dose_response(data, dosage, outcome="count")
