"""Place x month panels: :func:`panel` and the checks shared by the estimators."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._validate import EDGE_NUDGE_M, check_projected
from hotspots.exceptions import CRSError, SchemaError

__all__ = ["check_panel", "panel", "post_indicator", "to_month"]

logger = logging.getLogger(__name__)


def to_month(value, name: str = "treatment_start") -> pd.Timestamp:
    """Parse a date or "YYYY-MM" string to the first of its month."""
    try:
        return pd.Timestamp(value).to_period("M").to_timestamp()
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"{name} must be a date or a 'YYYY-MM' string; got {value!r}"
        ) from err


def post_indicator(months: pd.Series, treatment_start) -> pd.Series:
    """1 for months on or after ``treatment_start``, else 0."""
    return (months >= to_month(treatment_start)).astype(int)


def check_panel(
    panel: pd.DataFrame, *, id_column: str = "place_id", treated: bool = True
) -> pd.DataFrame:
    """Return a copy of ``panel`` after checking its columns (SchemaError if not)."""
    needed = [id_column, "month", "count"] + (["treated"] if treated else [])
    missing = [c for c in needed if c not in panel.columns]
    if missing:
        raise SchemaError(
            f"panel is missing column(s) {missing}; columns present: "
            f"{list(panel.columns)}. Build it with hotspots.panel() and "
            "add a boolean 'treated' column per place."
        )
    data = pd.DataFrame(panel).copy()
    data["month"] = pd.to_datetime(data["month"]).dt.to_period("M").dt.to_timestamp()
    if data["count"].isna().any() or (data["count"] < 0).any():
        raise SchemaError("panel['count'] must be counts >= 0 with no missing values.")
    if treated:
        data["treated"] = data["treated"].astype(bool)
        varying = data.groupby(id_column)["treated"].nunique()
        if (varying > 1).any():
            bad = varying[varying > 1].index.tolist()[:5]
            raise SchemaError(
                f"'treated' must be constant within each place; it varies for {bad}. "
                "Mark places, not months; the post period comes from treatment_start."
            )
        n_treated = data.loc[data["treated"], id_column].nunique()
        n_other = data.loc[~data["treated"], id_column].nunique()
        if n_treated == 0 or n_other == 0:
            raise ValueError(
                f"need treated and comparison places; found {n_treated} treated and "
                f"{n_other} comparison. Set panel['treated'] per place."
            )
    return data


def _months(values) -> pd.DatetimeIndex:
    out = pd.DatetimeIndex(pd.to_datetime(list(values))).to_period("M")
    return out.to_timestamp().unique().sort_values()


def _one_place_each(joined: gpd.GeoDataFrame, polys: gpd.GeoDataFrame):
    """Keep one place per point: the one to its north-east, else the first."""
    repeated = joined.index.duplicated(keep=False)
    if not repeated.any():
        return joined
    geoms = polys.geometry.to_numpy()[joined["_order"].to_numpy()]
    x = joined.geometry.x.to_numpy() + EDGE_NUDGE_M
    y = joined.geometry.y.to_numpy() + EDGE_NUDGE_M
    north_east = np.zeros(len(joined), dtype=bool)
    north_east[repeated] = shapely.contains_xy(
        geoms[repeated], x[repeated], y[repeated]
    )
    ranked = joined.assign(_ne=~north_east).sort_values(
        ["_ne", "_order"], kind="stable"
    )
    return ranked[~ranked.index.duplicated(keep="first")].drop(columns="_ne")


def panel(
    crimes: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    *,
    months: Sequence | None = None,
    id_column: str = "place_id",
    weights: str | None = None,
) -> pd.DataFrame:
    """Count crimes per place polygon per month, zeros included.

    Parameters
    ----------
    crimes : GeoDataFrame
        Points with a ``month`` column (first of month), e.g. from
        :func:`hotspots.read_policeuk` and :func:`hotspots.select_crimes`.
    places : GeoDataFrame
        Place polygons with a unique ``id_column``, in the same projected CRS.
        Extra columns (such as a boolean ``treated``) are copied to every row.
    months : sequence of dates or "YYYY-MM" strings, optional
        The months of the panel. None = every month from the first to the last
        month in ``crimes`` (logged).
    id_column : str, default "place_id"
        Column of ``places`` naming each place.
    weights : str, optional
        Column of ``crimes`` whose sum is the count (e.g. ``artefact_weight``
        when crimes at flagged map points are down-weighted); None counts rows.

    Returns
    -------
    DataFrame
        One row per place and month: ``id_column``, ``month``, ``count`` (whole
        crimes, or the sum of ``weights``) and the other non-geometry columns of
        ``places``, sorted by place then month.

    Raises
    ------
    CRSError
        If either frame is not in metres or they use different CRSs.
    SchemaError
        If a column is missing or ``id_column`` is not unique.

    Notes
    -----
    A spatial join (``intersects``): a point on the edge of a place counts in
    it; a point on the shared edge of two places is counted once, in the place
    to its north-east (the one holding the point moved a millionth of a metre
    north and east), or the first in ``places`` order when neither does: the
    edge rule of :func:`hotspots.count_points`. Crimes outside ``months`` are
    ignored.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import Point, box
    >>> from hotspots.evaluation import panel
    >>> places = gpd.GeoDataFrame({"place_id": ["A"]}, geometry=[box(0, 0, 10, 10)],
    ...                           crs=27700)
    >>> crimes = gpd.GeoDataFrame({"month": pd.to_datetime(["2024-01-01"] * 2)},
    ...                           geometry=[Point(5, 5), Point(50, 50)], crs=27700)
    >>> panel(crimes, places, months=["2024-01", "2024-02"])["count"].tolist()
    [1, 0]
    """
    check_projected(crimes, name="crimes")
    check_projected(places, name="places")
    if crimes.crs != places.crs:
        raise CRSError(
            f"crimes ({crimes.crs.to_string()}) and places "
            f"({places.crs.to_string()}) use different CRSs. Reproject one with "
            "to_crs()."
        )
    if "month" not in crimes.columns:
        raise SchemaError(
            f"crimes have no 'month' column; columns present: {list(crimes.columns)}."
        )
    if id_column not in places.columns:
        raise SchemaError(
            f"places have no {id_column!r} column; columns present: "
            f"{list(places.columns)}. Pass id_column=."
        )
    if places[id_column].duplicated().any():
        dupes = places.loc[places[id_column].duplicated(), id_column].tolist()[:5]
        raise SchemaError(f"places[{id_column!r}] must be unique; repeated: {dupes}")
    if months is None:
        month_index = _months([crimes["month"].min(), crimes["month"].max()])
        month_index = pd.date_range(month_index[0], month_index[-1], freq="MS")
        logger.info(
            "Panel months set to %s .. %s (the span of crimes). Pass months= to "
            "override.",
            month_index[0].strftime("%Y-%m"),
            month_index[-1].strftime("%Y-%m"),
        )
    else:
        month_index = _months(months)
    if weights is not None and weights not in crimes.columns:
        raise SchemaError(
            f"crimes have no {weights!r} column of weights; columns present: "
            f"{list(crimes.columns)}."
        )
    points = gpd.GeoDataFrame(
        {
            "month": crimes["month"].dt.to_period("M").dt.to_timestamp().to_numpy(),
            "_w": 1.0 if weights is None else crimes[weights].to_numpy(dtype=float),
        },
        geometry=crimes.geometry.to_numpy(),
        crs=crimes.crs,
    )
    points = points[points["month"].isin(month_index)]
    polys = gpd.GeoDataFrame(
        {id_column: places[id_column].to_numpy(), "_order": np.arange(len(places))},
        geometry=places.geometry.to_numpy(),
        crs=places.crs,
    )
    joined = gpd.sjoin(points, polys, how="inner", predicate="intersects")
    joined = _one_place_each(joined, polys)
    counts = joined.groupby([id_column, "month"])["_w"].sum()
    full = pd.MultiIndex.from_product(
        [places[id_column].to_numpy(), month_index], names=[id_column, "month"]
    )
    out = counts.reindex(full, fill_value=0).rename("count").reset_index()
    if weights is None:
        out["count"] = out["count"].round().astype(np.int64)
    extra = pd.DataFrame(places.drop(columns=places.geometry.name))
    return out.merge(extra, on=id_column, how="left", validate="many_to_one")
