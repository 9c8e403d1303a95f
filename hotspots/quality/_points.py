"""Map points: where police.uk puts crimes, and points that hold too many of them.

police.uk moves every crime to the nearest of a fixed list of anonymised map points,
so crimes pile up on points. Most piles are real (a busy street, a night-time
economy), but some are recording artefacts: crimes reported at a police station or
custody suite, assaults in a hospital's emergency department, offences in a prison,
or a force's default location for an address it could not place. Those are not
places officers can patrol. This module finds them two ways: by the point's
behaviour (:func:`single_point_flags`) and by its police.uk label
(:func:`reporting_location_flags`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import cKDTree

__all__ = [
    "CUSTODY_ALPHA",
    "CUSTODY_MIN_RATIO",
    "CUSTODY_MIN_SHARE",
    "JUSTICE_OUTCOMES",
    "POINT_MIN_CRIMES",
    "POINT_MIN_MONTHS",
    "POINT_MIN_MONTH_SHARE",
    "POINT_MIN_PER_MONTH",
    "POINT_MIN_SHARE",
    "POINT_NEIGHBOURS",
    "POINT_RADIUS_M",
    "POINT_RATIO",
    "REPORTING_KEYWORDS",
    "REPORTING_MIN_PER_MONTH",
    "custody_counts",
    "custody_signature",
    "map_points",
    "outcome_kinds",
    "point_baselines",
    "reporting_location_flags",
    "single_point_flags",
]

#: Metres: the neighbourhood a point is compared with.
POINT_RADIUS_M = 500.0
#: How many of the busiest other points in the neighbourhood make the baseline.
POINT_NEIGHBOURS = 3
#: A point is out of line when it holds this many times the baseline or more ...
POINT_RATIO = 4.0
#: ... and at least this share of all crimes within the radius (itself included).
POINT_MIN_SHARE = 0.35
#: ... and at least this many crimes a month on average over the data's months ...
POINT_MIN_PER_MONTH = 2.0
#: ... and at least this many crimes in all ...
POINT_MIN_CRIMES = 10
#: ... in at least this share of the months (persistent, not one busy month).
POINT_MIN_MONTH_SHARE = 0.75
#: With fewer months of data than this, persistence cannot be judged and the
#: behaviour check is not run (the label check still is).
POINT_MIN_MONTHS = 6
#: A named reporting location is reported when it holds at least this many crimes a
#: month on average (and at least 5 in all).
REPORTING_MIN_PER_MONTH = 0.5
#: police.uk outcomes that mean a suspect was charged or dealt with by a court or an
#: out-of-court disposal: a crime recorded where the suspect already was (a custody
#: suite, a prison) almost always ends this way, a street crime rarely does.
JUSTICE_OUTCOMES = (
    r"awaiting court|court result|court case|charged|defendant|"
    r"offender (?:sent|fined|given|ordered|deprived|otherwise)"
)
#: A point has the custody signature when at least this share of its crimes ...
CUSTODY_MIN_SHARE = 0.5
#: ... and this many times the share over all points end that way, with a one-sided
#: binomial p below this (Bonferroni over the points tested).
CUSTODY_MIN_RATIO = 3.0
CUSTODY_ALPHA = 0.001

#: Kinds of reporting location and the police.uk location labels that name them.
#: police.uk labels points at notable premises with the kind of premises ("On or near
#: Police Station", "On or near Hospital", "On or near Prison"); a label that ends
#: with the premises ("Glenfield Hospital", "HMP Leicester") counts too, a street
#: named after one ("Hospital Lane", "Infirmary Close") does not. Patterns are
#: case-insensitive regular expressions applied to the label without "On or near ".
#: Edit a copy and pass it as ``keywords=`` to add local names (e.g. a custody
#: suite's street).
REPORTING_KEYWORDS: Mapping[str, str] = {
    "police station or custody": (
        r"^police station$|\bpolice (?:station|headquarters|hq)$|\bcustody(?: suite)?$"
    ),
    "hospital": r"^hospital$|\s(?:hospital|infirmary)$",
    "prison": r"^prison$|\sprison$|^hmp\b|\byoung offenders? institution$",
    "court": r"\b(?:magistrates'?|crown|county|law) courts?$|^court ?house$",
}

_PREFIX = re.compile(r"^\s*on or near\s*", re.IGNORECASE)


def _label(text: str) -> str:
    return _PREFIX.sub("", str(text or "")).strip()


def map_points(crimes: gpd.GeoDataFrame, *, time_column: str = "month") -> pd.DataFrame:
    """One row per distinct location (map point) with its crimes and months.

    Parameters
    ----------
    crimes : GeoDataFrame
        Point events in a projected CRS in metres; ``location`` (police.uk label),
        ``lsoa_name`` and ``time_column`` are used when present.
    time_column : str, default "month"
        Column of dates; each crime counts in its calendar month.

    Returns
    -------
    DataFrame
        Sorted by ``n`` (most first): ``point_id`` (0..), ``x``, ``y`` (metres,
        rounded to 0.1 m: police.uk points repeat exactly), ``n``,
        ``n_months`` (months with at least one crime), ``location`` (most
        common label), ``lsoa_name`` (most common), and ``row_point``: an array,
        in the attrs, mapping each crime (by position) to its ``point_id``.
    """
    x = np.round(crimes.geometry.x.to_numpy(dtype=float), 1)
    y = np.round(crimes.geometry.y.to_numpy(dtype=float), 1)
    keys = pd.MultiIndex.from_arrays([x, y])
    codes, uniques = pd.factorize(keys)
    frame = pd.DataFrame({"point": codes})
    if time_column in crimes.columns:
        months = pd.to_datetime(crimes[time_column]).dt.to_period("M")
        frame["month"] = months.to_numpy()
    for column in ("location", "lsoa_name"):
        frame[column] = (
            crimes[column].astype("string").fillna("").to_numpy()
            if column in crimes.columns
            else ""
        )
    grouped = frame.groupby("point", sort=False)
    points = pd.DataFrame(
        {
            "x": uniques.get_level_values(0),
            "y": uniques.get_level_values(1),
            "n": grouped.size().reindex(range(len(uniques))).to_numpy(),
        }
    )
    points["n_months"] = (
        grouped["month"].nunique().reindex(range(len(uniques))).to_numpy()
        if "month" in frame
        else 0
    )
    for column in ("location", "lsoa_name"):
        top = (
            frame.groupby(["point", column], sort=False)
            .size()
            .reset_index(name="k")
            .sort_values(["point", "k", column], ascending=[True, False, True])
            .drop_duplicates("point")
            .set_index("point")[column]
        )
        points[column] = top.reindex(range(len(uniques))).fillna("").to_numpy()
    points["point_id"] = np.arange(len(points))
    order = np.lexsort((points["point_id"].to_numpy(), -points["n"].to_numpy()))
    points = points.iloc[order].reset_index(drop=True)
    points.attrs["row_point"] = codes
    return points[["point_id", "x", "y", "n", "n_months", "location", "lsoa_name"]]


def point_baselines(
    points: pd.DataFrame,
    *,
    radius: float = POINT_RADIUS_M,
    neighbours: int = POINT_NEIGHBOURS,
) -> pd.DataFrame:
    """Compare each point with the busiest other points around it.

    Returns ``points`` with ``baseline`` (mean crimes of the ``neighbours``
    busiest other points within ``radius`` metres; 0 when there are none),
    ``n_neighbours`` (other points within the radius), ``ratio`` (``n`` over the
    baseline, the baseline floored at 1 crime) and ``share`` (``n`` over all
    crimes within the radius, the point's own included).
    """
    xy = points[["x", "y"]].to_numpy(dtype=float)
    n = points["n"].to_numpy(dtype=float)
    baseline = np.zeros(len(points))
    around = np.zeros(len(points))
    count = np.zeros(len(points), dtype=np.int64)
    if len(points):
        tree = cKDTree(xy)
        for i, others in enumerate(tree.query_ball_point(xy, radius)):
            values = n[[j for j in others if j != i]]
            count[i] = len(values)
            if len(values):
                top = np.sort(values)[-neighbours:]
                baseline[i] = top.mean()
                around[i] = values.sum()
    out = points.copy()
    out["baseline"] = baseline
    out["n_neighbours"] = count
    out["ratio"] = n / np.maximum(baseline, 1.0)
    out["share"] = n / np.maximum(n + around, 1.0)
    return out


def single_point_flags(
    points: pd.DataFrame,
    *,
    n_months: int,
    ratio: float = POINT_RATIO,
    min_share: float = POINT_MIN_SHARE,
    min_per_month: float = POINT_MIN_PER_MONTH,
    min_crimes: int = POINT_MIN_CRIMES,
    min_month_share: float = POINT_MIN_MONTH_SHARE,
) -> np.ndarray:
    """Flag points far busier than their neighbourhood, month after month.

    ``points`` comes from :func:`point_baselines`. A point is flagged when its
    crimes are at least ``ratio`` times the baseline and ``min_share`` of all
    crimes within the radius, at least
    ``max(min_crimes, min_per_month * n_months)``, and it has crimes in at least
    ``min_month_share`` of the ``n_months`` months. With fewer than
    :data:`POINT_MIN_MONTHS` months no point is flagged (persistence cannot be
    judged).
    """
    n = points["n"].to_numpy(dtype=float)
    if n_months < POINT_MIN_MONTHS:
        return np.zeros(len(points), dtype=bool)
    floor = max(float(min_crimes), min_per_month * max(n_months, 1))
    persistent = points["n_months"].to_numpy() >= min_month_share * max(n_months, 1)
    out_of_line = (points["ratio"].to_numpy() >= ratio) & (
        points["share"].to_numpy() >= min_share
    )
    return out_of_line & (n >= floor) & persistent


def reporting_location_flags(
    points: pd.DataFrame,
    *,
    n_months: int,
    keywords: Mapping[str, str] = REPORTING_KEYWORDS,
    min_per_month: float = REPORTING_MIN_PER_MONTH,
) -> pd.Series:
    """Name the kind of reporting location each point's label shows ("" if none).

    Only points with at least ``max(5, min_per_month * n_months)`` crimes are
    named: a police station with two crimes in two years changes no map.
    """
    labels = points["location"].map(_label)
    kind = pd.Series("", index=points.index, dtype=object)
    for name, pattern in keywords.items():
        hit = labels.str.contains(pattern, case=False, regex=True) & (kind == "")
        kind[hit] = name
    floor = max(5.0, min_per_month * max(n_months, 1))
    kind[points["n"].to_numpy(dtype=float) < floor] = ""
    return kind


def outcome_kinds(categories: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Which outcomes are known, and which of those are :data:`JUSTICE_OUTCOMES`.

    Parameters
    ----------
    categories : pandas.Series
        police.uk ``last_outcome_category`` values, shape (m,); missing or "" is an
        unknown outcome.

    Returns
    -------
    known, justice : numpy.ndarray
        Boolean arrays of shape (m,).
    """
    outcome = categories.astype("string").fillna("")
    justice = outcome.str.contains(JUSTICE_OUTCOMES, case=False, regex=True)
    return (outcome != "").to_numpy(), justice.to_numpy(dtype=bool)


def custody_counts(
    hits: np.ndarray,
    totals: np.ndarray,
    *,
    n_months: int,
    min_share: float = CUSTODY_MIN_SHARE,
    min_ratio: float = CUSTODY_MIN_RATIO,
    alpha: float = CUSTODY_ALPHA,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Judge the custody signature from counts per point (custody_signature's rule).

    Parameters
    ----------
    hits, totals : numpy.ndarray
        Per point, shape (p,): crimes whose outcome is one of
        :data:`JUSTICE_OUTCOMES`, and crimes with a known outcome.
    n_months, min_share, min_ratio, alpha
        As :func:`custody_signature`.

    Returns
    -------
    share : numpy.ndarray
        Shape (p,): ``hits / totals`` (NaN where not tested).
    flagged : numpy.ndarray
        Shape (p,), bool.
    overall : float
        ``hits.sum() / totals.sum()``; NaN when no outcome is known (then nothing
        is tested).
    """
    hits = np.asarray(hits, dtype=float)
    totals = np.asarray(totals, dtype=float)
    share = np.full(len(totals), np.nan)
    flagged = np.zeros(len(totals), dtype=bool)
    if totals.sum() <= 0:
        return share, flagged, math.nan
    overall = hits.sum() / totals.sum()
    tested = totals >= max(10.0, float(n_months))
    share = np.where(tested, hits / np.maximum(totals, 1), np.nan)
    n_tested = max(int(tested.sum()), 1)
    p = stats.binom.sf(hits - 1, totals, min(overall, 1.0))
    flagged = (
        tested
        & (share >= min_share)
        & (share >= min_ratio * overall)
        & (p < alpha / n_tested)
    )
    return share, flagged, float(overall)


def custody_signature(
    crimes: gpd.GeoDataFrame,
    points: pd.DataFrame,
    *,
    n_months: int,
    min_share: float = CUSTODY_MIN_SHARE,
    min_ratio: float = CUSTODY_MIN_RATIO,
    alpha: float = CUSTODY_ALPHA,
) -> pd.Series:
    """Share of each point's crimes with a suspect charged or before a court.

    Returns the share (NaN where not tested) with ``attrs["flagged"]``, a boolean
    array: points with at least ``max(10, n_months)`` crimes whose share is at
    least ``min_share`` and ``min_ratio`` times the share over all points, with a
    one-sided binomial p below ``alpha`` divided by the number of points tested.
    Needs ``last_outcome_category`` (police.uk); without it nothing is flagged.
    The rule itself is :func:`custody_counts`, on counts per point.
    """
    share = pd.Series(np.nan, index=points.index)
    share.attrs["flagged"] = np.zeros(len(points), dtype=bool)
    share.attrs["overall"] = math.nan
    if "last_outcome_category" not in crimes.columns or "row_point" not in points.attrs:
        return share
    known, justice = outcome_kinds(crimes["last_outcome_category"])
    codes = points.attrs["row_point"]
    hits = np.bincount(codes[known], weights=justice[known], minlength=len(points))
    totals = np.bincount(codes[known], minlength=len(points)).astype(float)
    position = points["point_id"].to_numpy()
    values, flagged, overall = custody_counts(
        hits[position],
        totals[position],
        n_months=n_months,
        min_share=min_share,
        min_ratio=min_ratio,
        alpha=alpha,
    )
    if math.isnan(overall):
        return share
    share[:] = values
    share.attrs["flagged"] = flagged
    share.attrs["overall"] = overall
    return share
