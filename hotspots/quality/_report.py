"""The result of the data-quality checks: a table of findings and the map points."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["CHECKS", "FINDING_COLUMNS", "SEVERITIES", "QualityReport", "finding"]

#: Columns of :attr:`QualityReport.findings`, in order.
FINDING_COLUMNS = ("severity", "check", "where", "x", "y", "n", "evidence", "action")
#: Severities, most serious first: "warning" (a result may mislead unless you act),
#: "note" (worth knowing, and saying in a report).
SEVERITIES = ("warning", "note")
#: The checks, with what each looks for.
CHECKS: dict[str, str] = {
    "single_point": "a map point far busier than its neighbourhood, month after month",
    "reporting_location": (
        "a point labelled as a police station, hospital, prison or court"
    ),
    "custody_signature": (
        "a point whose crimes nearly all end with a suspect charged or before a "
        "court, as at a custody suite or a prison"
    ),
    "outside_area": "located rows far outside the area of the force that recorded them",
    "coverage_gap": "a month inside the span with no rows at all",
    "implausible_month": "a month whose total is far from the force's usual total",
    "missing_locations": "rows without a location, and whether their share shifts",
    "code_vintage": "2011 and 2021 LSOA codes in one series",
    "duplicate_ids": "Crime IDs repeated as published",
}


def finding(
    severity: str,
    check: str,
    where: str,
    evidence: str,
    action: str,
    *,
    n: float = math.nan,
    x: float = math.nan,
    y: float = math.nan,
) -> dict:
    """One row of the findings table (checked: known severity and check)."""
    if severity not in SEVERITIES or check not in CHECKS:
        raise ValueError(f"unknown severity or check: {severity!r}, {check!r}")
    return {
        "severity": severity,
        "check": check,
        "where": where,
        "x": float(x),
        "y": float(y),
        "n": float(n),
        "evidence": evidence,
        "action": action,
    }


@dataclass(frozen=True)
class QualityReport:
    """What the data-quality checks found (:func:`hotspots.quality.check_data`).

    Attributes
    ----------
    findings : pandas.DataFrame
        One row per finding, most serious first, columns :data:`FINDING_COLUMNS`:
        ``severity`` ("warning" or "note"), ``check`` (a key of :data:`CHECKS`),
        ``where`` (a map point, a month, a force or a crime type, in words),
        ``x``, ``y`` (metres, EPSG:27700 for map points; NaN otherwise), ``n``
        (rows concerned), ``evidence`` (the numbers behind it) and ``action``
        (what to do).
    points : pandas.DataFrame
        Every map point: ``point_id``, ``x``, ``y``, ``n``, ``n_months``,
        ``location``, ``lsoa_name``, ``baseline``, ``n_neighbours``, ``ratio``,
        ``single_point`` (bool), ``reporting_location`` (kind or ""),
        ``justice_share`` (share of its crimes with a suspect charged or before a
        court; NaN when not tested), ``custody_signature`` (bool), ``flag``
        (words, "" when not flagged) and ``weight`` (the down-weight that brings
        a flagged point to its neighbourhood baseline; 1 elsewhere).
    months : pandas.DataFrame
        One row per month of the span: ``month``, ``located``, ``no_location``,
        ``total``, ``no_location_share``.
    settings : dict
        Thresholds and counts the checks used (recorded like other automatic
        choices).
    crs : object
        CRS of ``x`` and ``y``.
    """

    findings: pd.DataFrame
    points: pd.DataFrame
    months: pd.DataFrame
    settings: dict = field(default_factory=dict)
    crs: object = None

    @property
    def flagged_points(self) -> gpd.GeoDataFrame:
        """The flagged map points as a GeoDataFrame (a map layer), busiest first."""
        flagged = self.points[self.points["flag"] != ""]
        return gpd.GeoDataFrame(
            flagged.reset_index(drop=True),
            geometry=gpd.points_from_xy(flagged["x"], flagged["y"]),
            crs=self.crs,
        )

    @property
    def n_warnings(self) -> int:
        """Number of findings of severity "warning"."""
        return int((self.findings["severity"] == "warning").sum())

    def to_frame(self) -> pd.DataFrame:
        """Return the findings table (a copy)."""
        return self.findings.copy()

    def summary(self, *, top: int = 8) -> str:
        """Summarise: counts by check, then the ``top`` most serious findings."""
        if self.findings.empty:
            return "Data-quality checks: nothing found."
        counts = self.findings.groupby(["severity", "check"], sort=False).size()
        lines = [
            f"Data-quality checks: {self.n_warnings} warning(s), "
            f"{len(self.findings) - self.n_warnings} note(s)."
        ]
        for (severity, check), k in counts.items():
            lines.append(f"  {k:>4}  {severity:<7} {check}: {CHECKS[check]}")
        lines.append("Most serious:")
        for row in self.findings.head(top).itertuples():
            lines.append(f"  - [{row.severity}] {row.where}: {row.evidence}")
            lines.append(f"      what to do: {row.action}")
        if len(self.findings) > top:
            lines.append(
                f"  ... and {len(self.findings) - top} more (report.findings)."
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def point_weights(self, crimes: gpd.GeoDataFrame) -> np.ndarray:
        """Return the down-weight of each crime's map point (1 at unflagged points)."""
        keys = _keys(crimes)
        table = pd.Series(
            self.points["weight"].to_numpy(),
            index=pd.MultiIndex.from_arrays(
                [self.points["x"].to_numpy(), self.points["y"].to_numpy()]
            ),
        )
        return table.reindex(keys).fillna(1.0).to_numpy(dtype=float)

    def point_flags(self, crimes: gpd.GeoDataFrame) -> np.ndarray:
        """Return the flag of each crime's map point ("" at unflagged points)."""
        keys = _keys(crimes)
        table = pd.Series(
            self.points["flag"].to_numpy(),
            index=pd.MultiIndex.from_arrays(
                [self.points["x"].to_numpy(), self.points["y"].to_numpy()]
            ),
        )
        return table.reindex(keys).fillna("").to_numpy(dtype=object)


def _keys(crimes: gpd.GeoDataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays(
        [
            np.round(crimes.geometry.x.to_numpy(dtype=float), 1),
            np.round(crimes.geometry.y.to_numpy(dtype=float), 1),
        ]
    )
