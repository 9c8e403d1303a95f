"""Named places, and what to do with crimes at flagged map points.

An analyst recognises a place by its street names, not by ``E458700N304500``.
:func:`describe_places` gives every place or cell its busiest police.uk location
labels, the share of its crimes on one map point, its LSOA name and any data-quality
flag. :func:`handle_artefacts` applies the choice of what to do with crimes at
flagged points (exclude, down-weight, flag or nothing).
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._validate import EDGE_NUDGE_M
from hotspots.exceptions import HotspotsWarning
from hotspots.quality._report import QualityReport

__all__ = [
    "ARTEFACT_ACTIONS",
    "PLACE_NAME_COLUMNS",
    "ArtefactAction",
    "describe_places",
    "handle_artefacts",
    "short_label",
    "warn_flagged",
]

logger = logging.getLogger(__name__)

#: The type of a verb's ``artefacts=`` argument: one of :data:`ARTEFACT_ACTIONS`.
ArtefactAction = Literal["exclude", "downweight", "flag", "off"]
#: What a verb can do with crimes at flagged map points: leave them out, give each
#: the weight that brings its point down to its neighbourhood baseline, keep them
#: and say so, or do nothing.
ARTEFACT_ACTIONS: tuple[str, ...] = ("exclude", "downweight", "flag", "off")
#: Columns :func:`describe_places` adds.
PLACE_NAME_COLUMNS = (
    "top_locations",
    "busiest_point_share",
    "lsoa_name",
    "quality_flag",
    "flagged_share",
)
_PREFIX = re.compile(r"^\s*on or near\s*", re.IGNORECASE)
_TOP = 3


def short_label(label: str | None) -> str:
    """Shorten a police.uk location label as places are named: no "On or near ".

    Parameters
    ----------
    label : str or None
        A police.uk ``location`` label, e.g. "On or near Granby Street".

    Returns
    -------
    str
        The label without its "On or near " prefix; "(no street name)" when
        nothing is left (or ``label`` is empty or None).

    Examples
    --------
    >>> short_label("On or near Granby Street")
    'Granby Street'
    >>> short_label("On or near ")
    '(no street name)'
    """
    text = _PREFIX.sub("", str(label or "")).strip()
    return text or "(no street name)"


def describe_places(
    places: gpd.GeoDataFrame,
    crimes: gpd.GeoDataFrame,
    *,
    report: QualityReport | None = None,
    rows: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    """Add what an analyst needs to recognise each place (or cell).

    Parameters
    ----------
    places : GeoDataFrame
        Polygons (patrol places, hot cells), same CRS as ``crimes``.
    crimes : GeoDataFrame
        The crimes the places were scored on, with ``location`` and ``lsoa_name``
        (police.uk) when present.
    report : QualityReport, optional
        Data-quality checks of ``crimes`` (:func:`check_data`); None = no flags.
    rows : numpy.ndarray, optional
        Which rows of ``places`` to describe (positions); None = all. Others get
        empty values (for large grids, describe only the hot cells).

    Returns
    -------
    GeoDataFrame
        ``places`` with :data:`PLACE_NAME_COLUMNS` added: ``top_locations`` (the
        three commonest labels with counts, e.g. "East Gates (151); Fox Lane
        (45)"), ``busiest_point_share`` (share of the place's crimes on its
        busiest map point, 0-1), ``lsoa_name`` (commonest), ``quality_flag``
        (flags of map points inside, with their crimes; "" when none) and
        ``flagged_share`` (share of the place's crimes at flagged points).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> crimes = gpd.GeoDataFrame(
    ...     {"location": ["On or near Granby Street"] * 3 + ["On or near Hospital"]},
    ...     geometry=[Point(5, 5)] * 3 + [Point(7, 7)], crs=27700)
    >>> places = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10)], crs=27700)
    >>> describe_places(places, crimes)["top_locations"].iloc[0]
    'Granby Street (3); Hospital (1)'
    """
    out = places.copy()
    n = len(out)
    columns = {
        "top_locations": np.full(n, "", dtype=object),
        "busiest_point_share": np.full(n, np.nan),
        "lsoa_name": np.full(n, "", dtype=object),
        "quality_flag": np.full(n, "", dtype=object),
        "flagged_share": np.zeros(n),
    }
    chosen = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    if len(chosen) and len(crimes):
        geoms = out.geometry.to_numpy()[chosen]
        tree = shapely.STRtree(geoms)
        pts = crimes.geometry.to_numpy()
        crime_idx, place_pos = tree.query(pts, predicate="intersects")
        # a crime on a shared edge belongs to one place: the one to its north-east
        # (the edge rule of hotspots.count_points), else the first found
        nx = crimes.geometry.x.to_numpy()[crime_idx] + EDGE_NUDGE_M
        ny = crimes.geometry.y.to_numpy()[crime_idx] + EDGE_NUDGE_M
        behind = ~shapely.contains_xy(geoms[place_pos], nx, ny)
        order = np.lexsort((behind, crime_idx))
        crime_idx, place_pos = crime_idx[order], place_pos[order]
        first = ~pd.Series(crime_idx).duplicated().to_numpy()
        crime_idx, place_pos = crime_idx[first], place_pos[first]
        x = np.round(crimes.geometry.x.to_numpy(dtype=float), 1)[crime_idx]
        y = np.round(crimes.geometry.y.to_numpy(dtype=float), 1)[crime_idx]
        table = pd.DataFrame(
            {
                "place": chosen[place_pos],
                "point": pd.factorize(pd.MultiIndex.from_arrays([x, y]))[0],
                "location": _column(crimes, "location", crime_idx),
                "lsoa_name": _column(crimes, "lsoa_name", crime_idx),
                "flag": (
                    report.point_flags(crimes.iloc[crime_idx])
                    if report is not None
                    else ""
                ),
            }
        )
        _fill(columns, table)
    for name, values in columns.items():
        out[name] = values
    if "geometry" in out.columns and out.geometry.name == "geometry":
        out = out[[c for c in out.columns if c != "geometry"] + ["geometry"]]
    return out


def _column(crimes, name: str, index: np.ndarray) -> np.ndarray:
    if name not in crimes.columns:
        return np.full(len(index), "", dtype=object)
    return crimes[name].astype("string").fillna("").to_numpy(dtype=object)[index]


def _fill(columns: dict, table: pd.DataFrame) -> None:
    for place, rows in table.groupby("place", sort=False):
        total = len(rows)
        labels = (  # most crimes first; ties in alphabetical order
            rows["location"]
            .map(short_label)
            .value_counts()
            .sort_index()
            .sort_values(ascending=False, kind="stable")
        )
        columns["top_locations"][place] = "; ".join(
            f"{label} ({k})" for label, k in labels.head(_TOP).items()
        )
        columns["busiest_point_share"][place] = (
            rows["point"].value_counts().iloc[0] / total
        )
        names = rows["lsoa_name"][rows["lsoa_name"] != ""]
        columns["lsoa_name"][place] = (
            names.value_counts().index[0] if len(names) else ""
        )
        flagged = rows[rows["flag"] != ""]
        if len(flagged):
            columns["flagged_share"][place] = len(flagged) / total
            parts = []
            for (label, flag), k in (
                flagged.groupby(["location", "flag"]).size().sort_values().iloc[::-1]
            ).items():
                parts.append(f"{short_label(label)}: {flag} ({k} of {total} crimes)")
            columns["quality_flag"][place] = "; ".join(parts)


def handle_artefacts(
    crimes: gpd.GeoDataFrame,
    report: QualityReport,
    action: ArtefactAction,
    *,
    verb: str,
) -> tuple[gpd.GeoDataFrame, str | None, dict]:
    """Apply ``action`` to crimes at flagged map points.

    Parameters
    ----------
    crimes : GeoDataFrame
        The crimes a verb is about to use.
    report : QualityReport
        Data-quality checks of ``crimes``.
    action : {"exclude", "downweight", "flag", "off"}
        ``"exclude"``: drop crimes at flagged points; ``"downweight"``: keep them
        and add a column ``artefact_weight`` (1 at unflagged points, the point's
        neighbourhood baseline over its count at flagged ones), returned as the
        name of the weights column; ``"flag"``: keep them as they are (the verb
        warns when a place or hot cell it reports holds them); ``"off"``: keep
        them and record nothing.
    verb : str
        Name of the calling verb, for the log and the warning.

    Returns
    -------
    crimes : GeoDataFrame
        The crimes to use (a new frame).
    weights : str or None
        ``"artefact_weight"`` with ``"downweight"``, else None.
    record : dict
        What was done, for ``attrs["hotspots"]`` and a pack manifest:
        ``artefacts`` (the action), ``n_flagged_points``,
        ``n_artefact_crimes`` and ``flagged_points`` (labels with counts).

    Raises
    ------
    ValueError
        If ``action`` is not one of :data:`ARTEFACT_ACTIONS`.
    """
    if action not in ARTEFACT_ACTIONS:
        raise ValueError(f"artefacts must be one of {ARTEFACT_ACTIONS}; got {action!r}")
    record: dict = {"artefacts": action}
    if action == "off":
        return crimes, None, record
    flags = report.point_flags(crimes)
    at_flagged = flags != ""
    points = report.points[report.points["flag"] != ""]
    listed = [
        f"{short_label(row.location)} (E{row.x:.0f} N{row.y:.0f}, {row.n} crimes)"
        for row in points.itertuples()
    ]
    record.update(
        n_flagged_points=len(points),
        n_artefact_crimes=int(at_flagged.sum()),
        flagged_points=listed,
    )
    if not at_flagged.any():
        return crimes, None, record
    if action == "exclude":
        warnings.warn(
            f"{verb}: left out {int(at_flagged.sum()):,} crimes at {len(points)} map "
            "point(s) flagged as likely recording artefacts (e.g. "
            f"{'; '.join(listed[:3])}). Check what is at these points; pass "
            "artefacts='flag' to keep them.",
            HotspotsWarning,
            stacklevel=3,
        )
        return crimes[~at_flagged].copy(), None, record
    if action == "downweight":
        out = crimes.copy()
        out["artefact_weight"] = report.point_weights(crimes)
        warnings.warn(
            f"{verb}: {int(at_flagged.sum()):,} crimes at {len(points)} map point(s) "
            "flagged as likely recording artefacts are weighted down to their "
            f"neighbourhood baseline (e.g. {'; '.join(listed[:3])}).",
            HotspotsWarning,
            stacklevel=3,
        )
        return out, "artefact_weight", record
    return crimes, None, record


def warn_flagged(frame: pd.DataFrame, what: str, *, verb: str) -> None:
    """Warn when rows of ``frame`` (places or hot cells) hold flagged map points.

    The warning a verb gives with ``artefacts="flag"``: the crimes at flagged map
    points were kept, and some of the places or cells it reports hold them.

    Parameters
    ----------
    frame : pandas.DataFrame or GeoDataFrame
        The places or cells reported, with ``quality_flag`` ("" when a row holds
        no flagged point), as :func:`describe_places` adds it.
    what : str
        What the rows are, in the plural, for the message ("places", "hot cells").
    verb : str
        Name of the calling verb, for the message.

    Warns
    -----
    HotspotsWarning
        When any row's ``quality_flag`` is not "", naming up to three.
    """
    flagged = frame[frame["quality_flag"] != ""]
    if flagged.empty:
        return
    examples = "; ".join(flagged["quality_flag"].head(3))
    warnings.warn(
        f"{verb}: {len(flagged)} {what} hold crimes at map points flagged as likely "
        f"recording artefacts ({examples}). Check what is at those points; pass "
        "artefacts='exclude' to leave their crimes out.",
        HotspotsWarning,
        stacklevel=3,
    )
