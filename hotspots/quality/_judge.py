"""``judge_points``: the map-point artefact rule, on counts per point.

One function decides which map points are likely recording artefacts, with which
words, and how far their crimes are weighted down. :func:`check_data` calls it on
the points of a set of crimes in pandas; :mod:`hotspots.national` calls it on
counts per point aggregated in pyarrow over the national dataset. So the two can
never disagree on the rule.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from hotspots.quality._points import (
    POINT_RADIUS_M,
    POINT_RATIO,
    REPORTING_KEYWORDS,
    custody_counts,
    outcome_kinds,
    point_baselines,
    reporting_location_flags,
    single_point_flags,
)

__all__ = ["judge_points"]

#: Columns :func:`judge_points` needs in ``points``.
_NEEDED = ("x", "y", "n", "n_months", "location")


def _outcome_counts(
    points: pd.DataFrame, outcomes: pd.DataFrame | None
) -> tuple[np.ndarray, np.ndarray]:
    """Crimes with a justice outcome and with a known outcome, per row of points."""
    if outcomes is None or outcomes.empty:
        return np.zeros(len(points)), np.zeros(len(points))
    missing = {"x", "y", "last_outcome_category", "n"} - set(outcomes.columns)
    if missing:
        raise ValueError(
            f"outcomes lacks {sorted(missing)}: pass one row per map point and "
            "outcome with x, y, last_outcome_category and n (crimes)."
        )
    keys = pd.MultiIndex.from_frame(points[["x", "y"]].astype(float))
    at = keys.get_indexer(pd.MultiIndex.from_frame(outcomes[["x", "y"]].astype(float)))
    known, justice = outcome_kinds(outcomes["last_outcome_category"])
    n = outcomes["n"].to_numpy(dtype=float)
    use = known & (at >= 0)  # outcomes at points not in ``points`` are ignored
    return (
        np.bincount(at[use], weights=(n * justice)[use], minlength=len(points)),
        np.bincount(at[use], weights=n[use], minlength=len(points)),
    )


def _flag_words(points: pd.DataFrame) -> list[str]:
    return [
        "; ".join(
            part
            for part in (
                f"reporting location ({kind})" if kind else "",
                "single-point concentration" if single else "",
                "custody signature" if custody else "",
            )
            if part
        )
        for kind, single, custody in zip(
            points["reporting_location"].to_numpy(dtype=object),
            points["single_point"],
            points["custody_signature"],
            strict=True,
        )
    ]


def judge_points(
    points: pd.DataFrame,
    *,
    n_months: int,
    outcomes: pd.DataFrame | None = None,
    radius: float = POINT_RADIUS_M,
    ratio: float = POINT_RATIO,
    keywords: Mapping[str, str] = REPORTING_KEYWORDS,
) -> pd.DataFrame:
    """Flag map points that are likely recording artefacts, from counts per point.

    The rule of :func:`check_data` (single-point concentration, reporting
    location, custody signature), its words and its down-weight, on a tidy table
    of counts: one row per map point of one set of crimes (e.g. one force's).

    Parameters
    ----------
    points : pandas.DataFrame
        Shape (p, k), one row per map point, with ``x``, ``y`` (metres, projected
        CRS; rounded to 0.1 m as :func:`map_points` keys points, unique per row),
        ``n`` (crimes), ``n_months`` (months with at least one crime) and
        ``location`` (the point's commonest police.uk label, "" when none).
        Other columns (``point_id``, ``lsoa_name``, a force...) are kept as they
        are, and so is ``attrs``.
    n_months : int
        Months with data in the whole set (not only at these points): the
        persistence and the volume floors are judged against it.
    outcomes : pandas.DataFrame, optional
        Shape (m, 4): ``x``, ``y`` (a point's), ``last_outcome_category``
        (police.uk; missing or "" = unknown) and ``n`` (crimes), e.g. one row per
        point and outcome, or one row per crime with ``n`` = 1. Rows at points
        not in ``points`` are ignored. None = no outcomes: no point has the
        custody signature.
    radius : float, default 500
        Metres: the neighbourhood a point is compared with.
    ratio : float, default 4
        A point is out of line at this many times the mean of the three busiest
        other points in its neighbourhood.
    keywords : mapping, default :data:`REPORTING_KEYWORDS`
        Reporting-location kind -> regular expression matched against the label.

    Returns
    -------
    pandas.DataFrame
        A copy of ``points``, same rows and order, with these columns added:
        ``baseline`` (mean crimes of the three busiest other points within
        ``radius``), ``n_neighbours``, ``ratio`` (``n`` over the baseline floored
        at 1), ``share`` (of all crimes within ``radius``, 0-1),
        ``single_point`` (bool), ``reporting_location`` (kind, "" when none),
        ``justice_share`` (share of crimes with a suspect charged or before a
        court; NaN when not tested), ``custody_signature`` (bool), ``flag`` (the
        words, e.g. "reporting location (hospital); single-point concentration";
        "" when not flagged) and ``weight`` (down-weight that brings a flagged
        point to its neighbourhood baseline, ``min(1, max(baseline, 1) / n)``;
        1 when not flagged). ``attrs["overall_justice"]`` is the share of crimes
        with a justice outcome over all points (NaN without outcomes).

    Raises
    ------
    ValueError
        If ``points`` or ``outcomes`` lacks a column it needs.

    Examples
    --------
    >>> import pandas as pd
    >>> points = pd.DataFrame({"x": [0.0, 300.0], "y": [0.0, 0.0], "n": [60, 3],
    ...     "n_months": [12, 3], "location": ["On or near Hospital", "High St"]})
    >>> judged = judge_points(points, n_months=12)
    >>> judged["flag"].tolist()
    ['reporting location (hospital); single-point concentration', '']
    >>> judged["weight"].round(3).tolist()
    [0.05, 1.0]
    """
    missing = [c for c in _NEEDED if c not in points.columns]
    if missing:
        raise ValueError(
            f"points lacks {missing}: pass one row per map point with x, y, n, "
            "n_months and location (map_points gives them from crimes)."
        )
    out = point_baselines(points, radius=radius)
    out["single_point"] = single_point_flags(out, n_months=n_months, ratio=ratio)
    out["reporting_location"] = reporting_location_flags(
        out, n_months=n_months, keywords=keywords
    )
    share, custody, overall = custody_counts(
        *_outcome_counts(out, outcomes), n_months=n_months
    )
    out["justice_share"] = share
    out["custody_signature"] = custody
    out["flag"] = _flag_words(out)
    flagged = out["flag"] != ""
    out["weight"] = np.where(
        flagged, np.minimum(1.0, np.maximum(out["baseline"], 1.0) / out["n"]), 1.0
    )
    out.attrs["overall_justice"] = overall
    return out
