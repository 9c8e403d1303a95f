"""Crimes counted into a trial's place-by-slot table (:func:`trial_counts`)."""

from __future__ import annotations

import logging
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.exceptions import HotspotsWarning

__all__ = ["trial_counts", "trial_matrices"]

logger = logging.getLogger(__name__)

KEYS = ["place_id", "date", "shift"]


def _slot_dates(times: pd.Series, window: tuple[str, str]) -> pd.Series:
    """Date of the slot whose patrol window holds each time (NaT outside it)."""
    start = pd.Timedelta(f"{window[0]}:00")
    end = (
        pd.Timedelta(f"{window[1]}:00")
        if window[1] != "24:00"
        else pd.Timedelta(1, "D")
    )
    day = times.dt.normalize()
    clock = times - day
    if end > start:
        inside = (clock >= start) & (clock < end)
        return day.where(inside)
    after_start = clock >= start
    before_end = clock < end
    return day.where(after_start, (day - pd.Timedelta(1, "D")).where(before_end))


def trial_counts(
    crimes, places, schedule, *, weights: str | None = None
) -> pd.DataFrame:
    """Count crimes into every place and slot of a trial schedule.

    Parameters
    ----------
    crimes : GeoDataFrame
        Crimes with exact offence dates in a ``date`` column (local time;
        :func:`hotspots.read_force_extract` gives one), projected CRS in metres.
    places : GeoDataFrame
        The trial's places: ``place_id`` and polygon ``geometry`` in the
        crimes' CRS (e.g. :func:`hotspots.select_places`).
    schedule : hotspots.design.Schedule
        The trial's schedule.
    weights : str, optional
        Column of harm weights; adds a ``harm`` column (sum of weights).

    Returns
    -------
    DataFrame
        The schedule's table (``place_id``, ``date``, ``shift``, ``arm`` ...)
        with ``count`` (and ``harm``): one row per place and slot, zeros kept.

    Raises
    ------
    ValueError
        If the crimes have months only (police.uk data): a day or shift trial
        cannot be analysed from them.

    Notes
    -----
    A crime on the shared edge of two places counts once, in the place with
    the lowest ``place_id``. Crimes outside every place, outside the trial's
    dates or outside the patrol windows of a shift schedule are not counted
    (the numbers are logged).
    """
    if "date" not in crimes.columns:
        raise ValueError(
            "crimes have no 'date' column: a trial by day or shift needs exact "
            "offence dates. police.uk gives months only; read the force's own "
            "extract with hotspots.read_force_extract."
        )
    dates = pd.to_datetime(crimes["date"])
    if dates.dt.tz is not None:
        dates = dates.dt.tz_convert("Europe/London").dt.tz_localize(None)
    if (
        len(dates)
        and (dates.dt.day == 1).all()
        and (dates.dt.normalize() == dates).all()
    ):
        raise ValueError(
            "every crime date is the first of a month at midnight: these look like "
            "police.uk months, not offence dates. A day or shift trial needs the "
            "force's own extract (hotspots.read_force_extract)."
        )
    if places.crs != crimes.crs:
        raise ValueError(
            f"places (CRS {places.crs}) and crimes (CRS {crimes.crs}) differ: "
            "reproject one with .to_crs()"
        )
    points = gpd.GeoDataFrame(
        {"_date": dates.to_numpy()}, geometry=crimes.geometry.to_numpy(), crs=crimes.crs
    )
    if weights is not None:
        points["_w"] = pd.to_numeric(crimes[weights], errors="coerce").to_numpy()
    joined = gpd.sjoin(
        points, places[["place_id", "geometry"]], how="inner", predicate="intersects"
    )
    joined = joined.sort_values("place_id", kind="stable")
    joined = joined[~joined.index.duplicated(keep="first")]
    table = schedule.table[[*KEYS, "arm"]].copy()
    windows = dict(schedule.rules.get("shifts") or {"day": ("00:00", "24:00")})
    parts = []
    for shift, window in windows.items():
        slot = _slot_dates(joined["_date"], tuple(window))
        parts.append(joined.assign(date=slot, shift=shift).dropna(subset=["date"]))
    hits = pd.concat(parts) if parts else joined.iloc[:0]
    agg = {"count": ("_date", "size")}
    if weights is not None:
        agg["harm"] = ("_w", "sum")
    summed = hits.groupby(KEYS).agg(**agg).reset_index()
    out = table.merge(summed, on=KEYS, how="left")
    out["count"] = out["count"].fillna(0).astype(int)
    if weights is not None:
        out["harm"] = out["harm"].fillna(0.0)
    counted = int(out["count"].sum())
    logger.info(
        "trial_counts: %d crimes, %d in the places, %d in the trial's slots",
        len(crimes),
        joined.shape[0],
        counted,
    )
    return out


def trial_matrices(counts: pd.DataFrame, schedule, outcome: str):
    """Return counts and arms as (places x slots) arrays in the schedule's order.

    Returns ``y`` (float), ``codes`` (int8: 1 treatment, 0 control, -1
    washout) and the slots frame. Place-slots missing from ``counts`` count as
    zero, with a warning saying how many.
    """
    if outcome not in counts.columns:
        raise ValueError(f"counts have no {outcome!r} column; columns: {list(counts)}")
    missing = [k for k in ("place_id", "date") if k not in counts.columns]
    if missing:
        raise ValueError(f"counts need columns {missing} (see trial_counts)")
    data = counts.copy()
    if "shift" not in data.columns:
        data["shift"] = "day"
    data["date"] = pd.to_datetime(data["date"]).dt.normalize()
    data["place_id"] = data["place_id"].astype(str)
    values = pd.to_numeric(data[outcome], errors="coerce")
    if values.isna().any() or (values < 0).any():
        raise ValueError(f"{outcome} must be numbers of zero or more")
    slots = schedule.slots().reset_index(drop=True)
    slot_index = pd.MultiIndex.from_frame(slots[["date", "shift"]])
    known = data["place_id"].isin(list(schedule.places)) & pd.MultiIndex.from_frame(
        data[["date", "shift"]]
    ).isin(slot_index)
    if not known.all():
        warnings.warn(
            f"{int((~known).sum())} rows of counts ({float(values[~known].sum()):g} "
            f"{outcome}) name a place or slot that is not in the schedule and are "
            "left out (e.g. place "
            f"{data.loc[~known, 'place_id'].iloc[0]!r} on "
            f"{data.loc[~known, 'date'].iloc[0]:%Y-%m-%d}). Check the place ids and "
            "the trial's dates.",
            HotspotsWarning,
            stacklevel=3,
        )
    wide = (
        data.assign(_v=values)
        .pivot_table(
            index="place_id", columns=["date", "shift"], values="_v", aggfunc="sum"
        )
        .reindex(index=list(schedule.places), columns=slot_index)
    )
    n_missing = int(wide.isna().to_numpy().sum())
    if n_missing:
        warnings.warn(
            f"{n_missing} place-slots of the schedule have no row in counts; they "
            "are counted as zero crimes. Build counts with trial_counts to keep "
            "every place and slot.",
            HotspotsWarning,
            stacklevel=3,
        )
    y = wide.fillna(0.0).to_numpy(dtype=float)
    return y, np.asarray(schedule.assignment(), dtype=np.int8), slots
