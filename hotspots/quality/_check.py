"""``check_data``: every data-quality check on a set of crimes, in one call."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots._validate import check_projected
from hotspots.quality._coverage import (
    code_vintage_findings,
    coverage_findings,
    duplicate_findings,
    missing_location_findings,
    month_table,
)
from hotspots.quality._judge import judge_points
from hotspots.quality._points import (
    POINT_MIN_CRIMES,
    POINT_MIN_MONTH_SHARE,
    POINT_MIN_MONTHS,
    POINT_MIN_PER_MONTH,
    POINT_NEIGHBOURS,
    POINT_RADIUS_M,
    POINT_RATIO,
    REPORTING_KEYWORDS,
    map_points,
)
from hotspots.quality._report import FINDING_COLUMNS, SEVERITIES, QualityReport, finding

__all__ = ["check_data"]

logger = logging.getLogger(__name__)


def _quarantine_frame(quarantine) -> pd.DataFrame | None:
    """Return the quarantine frame of an IngestResult, a Quarantine or a frame."""
    if quarantine is None:
        return None
    frame = getattr(getattr(quarantine, "quarantine", quarantine), "frame", quarantine)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            "quarantine must be an IngestResult, its .quarantine or a DataFrame; got "
            f"{type(quarantine).__name__}"
        )
    return frame


def _no_location(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """Rows set aside for having no coordinates, with month and crime type."""
    if frame is None:
        return None
    rows = frame[frame["reason_code"] == "no_coordinates"]
    month = rows.get("month_text", rows.get("Month"))
    kind = rows.get("Crime type", pd.Series("", index=rows.index))
    force = rows.get("force_text", pd.Series("", index=rows.index))
    return pd.DataFrame(
        {
            "month": pd.to_datetime(month, format="%Y-%m", errors="coerce"),
            "crime_type": kind.astype(str).to_numpy(),
            "force": force.astype(str).to_numpy(),
        }
    )


def _outcomes(crimes: gpd.GeoDataFrame) -> pd.DataFrame | None:
    """Each crime's map point (x, y to 0.1 m, as map_points keys them) and outcome."""
    if "last_outcome_category" not in crimes.columns:
        return None
    return pd.DataFrame(
        {
            "x": np.round(crimes.geometry.x.to_numpy(dtype=float), 1),
            "y": np.round(crimes.geometry.y.to_numpy(dtype=float), 1),
            "last_outcome_category": crimes["last_outcome_category"].to_numpy(),
            "n": 1,
        }
    )


def _point_findings(
    points: pd.DataFrame, n_months: int, overall_justice: float
) -> list[dict]:
    found = []
    for row in points[points["flag"] != ""].itertuples():
        name = row.location or "(no label)"
        where = f"map point '{name}' (E{row.x:.0f} N{row.y:.0f}, {row.lsoa_name})"
        share = f"{row.n_months} of {n_months} months"
        parts = []
        if row.reporting_location:
            parts.append(f"its label names a {row.reporting_location}")
        if row.single_point:
            near = (
                f"{row.ratio:.1f} times the mean of the {POINT_NEIGHBOURS} busiest "
                f"other points within {POINT_RADIUS_M:.0f} m ({row.baseline:.1f})"
                if row.baseline >= 1
                else f"while no other point within {POINT_RADIUS_M:.0f} m averages "
                "one crime"
            )
            parts.append(
                f"{row.n:,} crimes, {near}, and {row.share:.0%} of all crimes within "
                f"{POINT_RADIUS_M:.0f} m, in {share}"
            )
        else:
            parts.append(
                f"{row.n:,} crimes in {share} ({row.ratio:.1f} times its "
                "neighbourhood baseline)"
            )
        if row.custody_signature:
            parts.append(
                f"{row.justice_share:.0%} of its crimes end with a suspect charged or "
                f"before a court (all points: {overall_justice:.0%}), as at a custody "
                "suite or prison"
            )
        check = (
            "reporting_location"
            if row.reporting_location
            else "single_point"
            if row.single_point
            else "custody_signature"
        )
        found.append(
            finding(
                "warning",
                check,
                where,
                "; ".join(parts),
                "look at what is at this point (police station, custody suite, "
                "hospital, prison, court, or a default location for unplaced "
                "crimes) before sending patrols: select_places leaves it out by "
                "default (artefacts='exclude'); pass artefacts='flag' to keep it.",
                n=row.n,
                x=row.x,
                y=row.y,
            )
        )
    return found


def check_data(
    crimes: gpd.GeoDataFrame,
    *,
    quarantine=None,
    radius: float = POINT_RADIUS_M,
    ratio: float = POINT_RATIO,
    keywords: Mapping[str, str] = REPORTING_KEYWORDS,
    far_outside_km: float | None = None,
) -> QualityReport:
    """Run every data-quality check on crimes before any hot spot is shown.

    Parameters
    ----------
    crimes : GeoDataFrame
        Located crimes, e.g. ``IngestResult.crimes``, in a projected CRS in metres
        (British National Grid for police.uk), with ``month`` and, when present,
        ``location``, ``lsoa_code``, ``lsoa_name``, ``crime_type`` and ``force``.
    quarantine : IngestResult, Quarantine or DataFrame, optional
        The rows the reader set aside (``IngestResult`` itself is fine). Needed for
        the missing-location and duplicate-ID checks and to tell a month with no
        located crime from a month with no file.
    radius : float, default 500
        Metres: the neighbourhood a map point is compared with.
    ratio : float, default 4
        A map point is out of line at this many times the mean of the three
        busiest other points in its neighbourhood (and with at least 35% of all
        crimes within the radius).
    keywords : mapping, default :data:`REPORTING_KEYWORDS`
        Reporting-location kind -> regular expression matched against police.uk
        location labels.
    far_outside_km : float, optional
        Distance beyond the recording force's area from which located rows are
        reported; None = the reader's default (5 km). Needs a ``force`` column.

    Returns
    -------
    QualityReport
        ``findings`` (a tidy table, most serious first), ``points`` (every map
        point with its baseline and flag), ``months`` and the ``settings`` used.
        ``str()`` gives a summary.

    Raises
    ------
    CRSError
        If ``crimes`` is not in a projected CRS in metres.
    ValueError
        If ``crimes`` is empty.

    See Also
    --------
    judge_points : The map-point rule alone (flags, words, down-weight), on counts
        per map point; ``points`` is its result on :func:`map_points`.

    Notes
    -----
    The checks, their thresholds and sources are on the methods page
    :doc:`/docs/methods/data-quality`. In short: a **single-point
    concentration** is a map point with at least ``ratio`` times the mean of the
    three busiest other points within ``radius`` and 35% of all crimes within it,
    at least 2 crimes a month on average (10 in all) and crimes in at least 75% of
    the months (judged only with 6 months or more); the **custody signature** is a
    point where at least half the crimes (and three times the share over all
    points) end with a suspect charged or before a court; a **reporting
    location** is a point whose police.uk label names a police station, custody
    suite, hospital, prison or court; **coverage gaps** are months inside the span
    with no rows at all; **implausible months** have under half or over twice the
    median month's rows; a **shift in missing locations** is the largest change in
    the share without coordinates over any month, when significant after a
    Bonferroni correction and at least 1.5 times and 1 point; **code vintages**
    are LSOA codes that exist only in the 2021 set; **duplicate IDs** are Crime
    IDs repeated as published.

    Examples
    --------
    >>> from hotspots.demo import load_real_sample
    >>> result = load_real_sample(start="2024-01", end="2024-12")
    >>> report = check_data(result.crimes, quarantine=result)
    >>> "Hospital" in " ".join(report.flagged_points["location"])
    True
    """
    check_projected(crimes, "crimes")
    if len(crimes) == 0:
        raise ValueError("crimes is empty: there is nothing to check.")
    frame = _quarantine_frame(quarantine)
    no_location = _no_location(frame)
    if no_location is not None and "crime_type" in crimes.columns:
        # compare like with like: only the crime types being checked
        kinds = set(crimes["crime_type"].astype(str))
        no_location = no_location[no_location["crime_type"].isin(kinds)]
    months = month_table(crimes, no_location)
    n_months = max(int((months["total"] > 0).sum()), 1)  # months with data
    points = judge_points(
        map_points(crimes),
        n_months=n_months,
        outcomes=_outcomes(crimes),
        radius=radius,
        ratio=ratio,
        keywords=keywords,
    )
    overall_justice = points.attrs.pop("overall_justice")
    flagged = points["flag"] != ""
    forces = (
        sorted(set(crimes["force"].astype(str))) if "force" in crimes.columns else []
    )
    label = forces[0] if len(forces) == 1 else "all forces"
    found = _point_findings(points, n_months, overall_justice)
    if n_months < POINT_MIN_MONTHS:
        found.append(
            finding(
                "note",
                "single_point",
                f"{label}: map points",
                f"only {n_months} month(s) of data: too few to tell a persistent "
                "single-point concentration from a busy spell, so map points were "
                "judged by their labels only",
                f"check at least {POINT_MIN_MONTHS} months to judge map points by "
                "their behaviour.",
            )
        )
    found += _outside_findings(crimes, far_outside_km)
    if len(forces) > 1:
        for force in forces:
            mine = crimes[crimes["force"].astype(str) == force]
            theirs = (
                None
                if no_location is None
                else no_location[no_location["force"] == force]
            )
            found += coverage_findings(month_table(mine, theirs), force)
    else:
        found += coverage_findings(months, label)
    found += missing_location_findings(crimes, no_location, label)
    found += code_vintage_findings(crimes, label)
    found += duplicate_findings(frame)
    table = pd.DataFrame(found, columns=list(FINDING_COLUMNS))
    if len(table):
        order = table["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
        table = (
            table.assign(_o=order, _n=-table["n"].fillna(0))
            .sort_values(["_o", "_n"], kind="stable")
            .drop(columns=["_o", "_n"])
            .reset_index(drop=True)
        )
    report = QualityReport(
        findings=table,
        points=points,
        months=months,
        settings={
            "radius": float(radius),
            "ratio": float(ratio),
            "neighbours": POINT_NEIGHBOURS,
            "min_per_month": POINT_MIN_PER_MONTH,
            "min_crimes": POINT_MIN_CRIMES,
            "min_month_share": POINT_MIN_MONTH_SHARE,
            "n_months": n_months,
            "n_points": len(points),
            "n_flagged_points": int(flagged.sum()),
            "n_crimes_at_flagged_points": int(points.loc[flagged, "n"].sum()),
        },
        crs=crimes.crs,
    )
    logger.info(
        "Data-quality checks: %d warning(s), %d note(s); %d map point(s) flagged "
        "(%d crimes).",
        report.n_warnings,
        len(table) - report.n_warnings,
        report.settings["n_flagged_points"],
        report.settings["n_crimes_at_flagged_points"],
    )
    return report


def _outside_findings(crimes: gpd.GeoDataFrame, km: float | None) -> list[dict]:
    """Located rows far outside the area of the force that recorded them."""
    try:
        from hotspots.io import FAR_OUTSIDE_KM, outside_force_area
    except ImportError:  # pragma: no cover - the read layer provides both
        return []
    if "force" not in crimes.columns:
        return []
    km = FAR_OUTSIDE_KM if km is None else km
    distance = outside_force_area(crimes)
    far = distance > km * 1000
    found = []
    for force, rows in crimes[far.to_numpy()].groupby(
        crimes.loc[far.to_numpy(), "force"].astype(str), sort=True
    ):
        furthest = float(distance[far].loc[rows.index].max()) / 1000
        found.append(
            finding(
                "warning",
                "outside_area",
                f"{force}: {len(rows):,} located rows",
                f"{len(rows):,} rows lie more than {km:g} km outside the force's "
                f"area (furthest {furthest:,.0f} km); a grid over all points would "
                "span them",
                f"pass boundary='{force}' (a force's name or slug gives its area) "
                "to ingest, find and select, so these rows neither shape the grid "
                "nor count as crimes in the area.",
                n=len(rows),
            )
        )
    return found
