"""Choose patrol places: the top-N grid cells by a hotspot score, kept apart.

A greedy rule turns a hotspot surface (counts, harm, kernel density or Gi* z) into a
short list of micro-places, so that one busy square does not take five slots. The
places report the crimes and harm they held in the selection period and their share
of all crime (the "law of crime concentration" figure); :func:`concentration`
summarises that concentration over the whole grid.
"""

from __future__ import annotations

import logging
import numbers
import warnings
from typing import Literal

import geopandas as gpd
import numpy as np
import shapely

from hotspots._validate import check_positive, check_projected
from hotspots.design import Plan
from hotspots.exceptions import HotspotsWarning
from hotspots.find._gistar import gistar
from hotspots.find._grid import _boundary_geometry, count_points
from hotspots.find._kde import kde
from hotspots.find._weights import Neighbours
from hotspots.quality import (
    ArtefactAction,
    QualityReport,
    check_data,
    describe_places,
    handle_artefacts,
    warn_flagged,
)
from hotspots.target._greedy import greedy_select, place_grid
from hotspots.target._select_power import plan_power

__all__ = ["DEFAULT_N_PLACES", "SCORES", "select_places"]

logger = logging.getLogger(__name__)

Score = Literal["count", "harm", "kde", "gistar"]
#: The surfaces a place can be scored by.
SCORES: tuple[str, ...] = ("count", "harm", "kde", "gistar")
#: Patrol places chosen when ``n_places`` is not given (Leicestershire's Grip list).
DEFAULT_N_PLACES = 18
#: Default minimum separation between place centres, in cell sizes (300 m at 150 m).
_SEPARATION_CELLS = 2
_M2_PER_KM2 = 1e6


def _scores(cells, crimes, score, weights, bandwidth, neighbours) -> np.ndarray:
    if score == "count":
        column = "weighted_n" if weights else "n"  # weights: artefacts down-weighted
        return cells[column].to_numpy(dtype=float)
    if score == "harm":
        return cells["weighted_n"].to_numpy(dtype=float)
    if score == "kde":
        surface = kde(crimes, grid=cells, bandwidth=bandwidth, weights=weights)
        return surface["kde"].to_numpy(dtype=float)
    value = "weighted_n" if weights else "n"
    return gistar(cells, value=value, neighbours=neighbours, progress=False)[
        "gi_z"
    ].to_numpy(dtype=float)


def _area_limit(max_area, max_area_share, study_km2) -> float | None:
    if max_area is not None and max_area_share is not None:
        raise ValueError(
            "give max_area (km²) or max_area_share (share of the study area), not both."
        )
    if max_area is not None:
        return check_positive(max_area, "max_area")
    if max_area_share is not None:
        share = check_positive(max_area_share, "max_area_share")
        if share > 1:
            raise ValueError(
                f"max_area_share is a share of the study area, in (0, 1]; got {share}. "
                "For an area in km² pass max_area= instead."
            )
        return share * study_km2
    return None


def select_places(
    crimes: gpd.GeoDataFrame,
    *,
    n_places: int = DEFAULT_N_PLACES,
    score: Score = "count",
    grid: gpd.GeoDataFrame | None = None,
    cell_size: float | None = None,
    boundary=None,
    min_separation: float | None = None,
    max_area: float | None = None,
    max_area_share: float | None = None,
    exclude=None,
    weights: str | None = None,
    bandwidth: float | None = None,
    neighbours: Neighbours = "queen",
    artefacts: ArtefactAction = "exclude",
    quality: QualityReport | None = None,
    plan: Plan | None = None,
    plan_sims: int = 1000,
) -> gpd.GeoDataFrame:
    """Choose the top ``n_places`` grid cells by a hotspot score, kept apart.

    Parameters
    ----------
    crimes : GeoDataFrame
        Point events of the selection period (e.g. the past 12 months of serious
        violence), projected CRS in metres.
    n_places : int, default 18
        How many places to choose.
    score : {"count", "harm", "kde", "gistar"}, default "count"
        What ranks the cells: crimes per cell, harm per cell (needs ``weights``),
        kernel density at the cell centre (:func:`hotspots.kde`) or the Gi*
        z-score of the counts (:func:`hotspots.gistar`, no multiple-testing
        filter: the z ranks the cells).
    grid : GeoDataFrame, optional
        Cells from :func:`hotspots.make_grid`. None makes square cells of
        ``cell_size`` over the crimes or ``boundary``.
    cell_size : float, optional
        Metres. None = 150 m micro-places (logged, recorded as
        ``cell_size_auto``).
    boundary : GeoDataFrame, GeoSeries or shapely geometry, optional
        Study area: cells outside it are dropped, and its area is ``A`` for the
        shares. None = the area of the grid's cells.
    min_separation : float, optional
        Metres between the centres of two places; closer candidates are skipped.
        None = two cell sizes (300 m for 150 m cells: no two places touch, not
        even at a corner), logged. 0 turns the rule off.
    max_area, max_area_share : float, optional
        Cap on the total area of the places, in km² or as a share of the study
        area (give at most one). Candidates that would exceed it are skipped.
    exclude : GeoDataFrame, GeoSeries or shapely geometry, optional
        Areas where no place may be chosen (e.g. areas already treated): cells
        overlapping them (more than touching an edge) are ineligible. A bare
        shapely geometry must be in the crimes' CRS.
    weights : str, optional
        Column of harm weights (see :func:`hotspots.harm_weights`); adds the
        ``harm`` column and weights the ``kde`` and ``gistar`` scores too.
    bandwidth : float, optional
        KDE bandwidth in metres for ``score="kde"``; None = automatic (logged).
    neighbours : "queen", "rook" or float, default "queen"
        Gi* neighbourhood for ``score="gistar"``.
    artefacts : {"exclude", "downweight", "flag", "off"}, default "exclude"
        What to do with crimes at map points the data-quality checks flag as
        likely recording artefacts (police stations, custody suites, hospitals,
        prisons, courts, default locations: :func:`hotspots.quality.check_data`).
        "exclude" leaves them out of the scores (logged), "downweight" brings each
        flagged point down to its neighbourhood baseline, "flag" keeps them and
        warns, "off" skips the checks. The choice and the points are recorded.
    quality : QualityReport, optional
        Checks already run on these crimes; None = run them here.
    plan : hotspots.design.Plan, optional
        A proposed test of patrols at the chosen places (e.g.
        ``Plan("crossover", length=365)``). The smallest fall in crime it
        could detect with 80% power is simulated (``plan_sims`` trials, base
        rates from these crimes, :func:`hotspots.design.minimum_detectable_effect`),
        logged, and recorded in ``attrs["hotspots"]["power"]``.
    plan_sims : int, default 1000
        Simulated trials per step of the power search.

    Returns
    -------
    GeoDataFrame
        One row per place, best first: ``rank`` (1..), ``place_id``
        (``E{x}N{y}``, the south-west corner of the cell's bounding box in
        metres), ``cell_id``, ``row``, ``col``, ``x``, ``y`` (cell centre),
        ``score``, ``n`` (crimes in the place), ``harm`` (with ``weights``),
        ``share`` (of all crimes in the study area), ``cumulative_share``,
        ``area_km2``, then the names an analyst recognises the place by
        (:func:`hotspots.quality.describe_places`): ``top_locations``,
        ``busiest_point_share``, ``lsoa_name``, ``quality_flag``,
        ``flagged_share``; and ``geometry``. Counts leave out crimes at flagged
        map points unless ``artefacts`` is "flag" or "off". ``attrs["hotspots"]``
        records every choice (cell size, separation, area cap, exclusions,
        artefacts and the flagged points) and the totals: ``n_crimes``,
        ``share_of_crimes``, ``area_share`` (of the study area).

    Raises
    ------
    CRSError
        If the data are not in a projected CRS in metres, or grid and crimes
        differ.
    ValueError
        If there are no crimes, ``score`` is unknown, ``score="harm"`` has no
        ``weights``, or an argument is out of range.

    Warns
    -----
    HotspotsWarning
        When fewer than ``n_places`` cells qualify (too few cells with a score
        above zero, or the area cap or exclusions leave too few).

    Notes
    -----
    **The rule (greedy).** Cells with a score above zero that do not overlap
    ``exclude`` are ranked by score, highest first; equal scores are ordered by
    ``cell_id`` (lowest first: the grid numbers cells row by row from the
    south-west corner). Take the best cell; skip any later candidate whose centre
    is closer than ``min_separation`` to a place already taken, or whose area
    would push the total above the cap; repeat until ``n_places`` are taken.
    Greedy is not the best-scoring spread-out set: a cell scoring 10 between two
    cells scoring 9 is taken and blocks both. It is the rule an analyst can
    explain and repeat.

    ``share`` is the place's count over all crimes in the study area (crimes in
    no cell, e.g. outside the boundary, are not counted). Choose places on a
    past period and judge them on a later one (:func:`hotspots.accuracy`).

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> rng = np.random.default_rng(1)
    >>> xy = np.vstack([rng.uniform(0, 5000, (500, 2)), rng.normal(2500, 60, (80, 2))])
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy.T), crs=27700)
    >>> places = select_places(pts, n_places=3)
    >>> places["rank"].tolist()
    [1, 2, 3]
    """
    check_projected(crimes, "crimes")
    if len(crimes) == 0:
        raise ValueError("crimes is empty: there is nothing to choose places from.")
    if score not in SCORES:
        raise ValueError(f"score must be one of {SCORES}; got {score!r}")
    if score == "harm" and weights is None:
        raise ValueError(
            "score='harm' needs weights=, the column of harm weights; add one with "
            "hotspots.harm_weights(crimes, table)."
        )
    if not isinstance(n_places, numbers.Integral) or n_places < 1:
        raise ValueError(f"n_places must be a whole number >= 1; got {n_places!r}")
    report = quality
    if report is None and artefacts != "off":
        report = check_data(crimes)
    used, artefact_weight, record = (
        handle_artefacts(crimes, report, artefacts, verb="select_places")
        if report is not None
        else (crimes, None, {"artefacts": artefacts})
    )
    score_weights = weights
    if artefact_weight is not None:
        if weights:
            used = used.assign(_score_weight=used[weights] * used[artefact_weight])
            score_weights = "_score_weight"
        else:
            score_weights = artefact_weight
    cells = count_points(
        used,
        grid=place_grid(crimes, grid=grid, cell_size=cell_size, boundary=boundary),
        weights=score_weights,
    )
    meta = cells.attrs["hotspots"]
    size = float(meta["cell_size"])
    separation_auto = min_separation is None
    if min_separation is None:
        min_separation = _SEPARATION_CELLS * size
        logger.info(
            "Minimum separation set to %.0f m (%d cell sizes between place centres). "
            "Pass min_separation= to override (0 turns it off).",
            min_separation,
            _SEPARATION_CELLS,
        )
    elif (
        not isinstance(min_separation, numbers.Real)
        or not np.isfinite(min_separation)
        or min_separation < 0
    ):
        raise ValueError(
            f"min_separation must be >= 0 metres (0 turns it off); got "
            f"{min_separation!r}"
        )
    n_total = int(cells["n"].sum())
    if n_total == 0:
        raise ValueError(
            f"none of the {len(crimes)} crimes falls in a grid cell; check that "
            "boundary (or grid) covers them (map both)."
        )
    area_km2 = cells.area.to_numpy() / _M2_PER_KM2
    area_geom = _boundary_geometry(boundary, crimes.crs)
    study_km2 = (
        area_geom.area / _M2_PER_KM2 if area_geom is not None else area_km2.sum()
    )
    limit = _area_limit(max_area, max_area_share, study_km2)
    eligible = np.ones(len(cells), dtype=bool)
    if exclude is not None:
        blocked = _boundary_geometry(exclude, crimes.crs)
        shapely.prepare(blocked)
        geoms = cells.geometry.values
        eligible = ~(
            shapely.intersects(blocked, geoms) & ~shapely.touches(blocked, geoms)
        )
    scores = _scores(cells, used, score, score_weights, bandwidth, neighbours)
    centres = cells.geometry.centroid
    cx, cy = centres.x.to_numpy(), centres.y.to_numpy()
    chosen = greedy_select(
        scores,
        cx,
        cy,
        n_places=int(n_places),
        min_separation=float(min_separation),
        eligible=eligible,
        area=area_km2,
        max_area=limit,
    )
    if len(chosen) < n_places:
        warnings.warn(
            f"only {len(chosen)} of {n_places} places could be chosen: "
            f"{int((np.isfinite(scores) & (scores > 0) & eligible).sum())} cells "
            "have a score above zero outside the exclusions, and the separation "
            "rule or area cap removed the rest. Lower min_separation, raise the "
            "area cap, or use a longer selection period.",
            HotspotsWarning,
            stacklevel=2,
        )
    out = cells.iloc[chosen].copy()
    bounds = out.geometry.bounds
    out = out.assign(
        rank=np.arange(1, len(out) + 1),
        place_id=[
            f"E{x:.0f}N{y:.0f}" for x, y in zip(bounds.minx, bounds.miny, strict=True)
        ],
        x=cx[chosen],
        y=cy[chosen],
        score=scores[chosen],
        share=out["n"].to_numpy() / n_total,
        area_km2=area_km2[chosen],
    )
    out["cumulative_share"] = out["share"].cumsum()
    if weights:
        out = out.rename(columns={"weighted_n": "harm"})
    columns = ["rank", "place_id", "cell_id", "row", "col", "x", "y", "score", "n"]
    columns += ["harm"] if weights else []
    columns += ["share", "cumulative_share", "area_km2", "geometry"]
    out = gpd.GeoDataFrame(out[columns].reset_index(drop=True), crs=cells.crs)
    out = describe_places(out, crimes, report=report)
    if artefacts == "flag":
        warn_flagged(out, "places", verb="select_places")
    out.attrs["hotspots"] = {
        **meta,
        "score": score,
        "n_places": int(n_places),
        "n_selected": len(out),
        "min_separation": float(min_separation),
        "min_separation_auto": separation_auto,
        "max_area_km2": limit,
        "n_excluded_cells": int((~eligible).sum()),
        "ties": "equal scores ordered by cell_id, lowest first",
        "weights": weights,
        "n_crimes": n_total,
        "share_of_crimes": float(out["n"].sum() / n_total),
        "area_km2": float(out["area_km2"].sum()),
        "study_area_km2": float(study_km2),
        "area_share": float(out["area_km2"].sum() / study_km2),
        **record,
    }
    if plan is not None:
        out.attrs["hotspots"]["power"] = plan_power(out, used, plan, n_sims=plan_sims)
    logger.info(
        "%d places (%s, %.0f m apart or more) hold %.1f%% of %d crimes on %.3f%% "
        "of the study area.",
        len(out),
        score,
        min_separation,
        100 * out.attrs["hotspots"]["share_of_crimes"],
        n_total,
        100 * out.attrs["hotspots"]["area_share"],
    )
    return out
