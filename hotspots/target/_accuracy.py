"""How well predicted places capture later crime: hit rate, PAI, PEI and RRI.

The scalar formulas (:func:`hit_rate`, :func:`pai`, :func:`pei`, :func:`rri`) follow
:doc:`/docs/methods/accuracy`; :func:`accuracy` applies them, and PEI*
(:func:`hotspots.pei_star`), to predicted places and a later period's crimes.
"""

from __future__ import annotations

import logging
import math
import numbers
from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._validate import check_projected
from hotspots.exceptions import CRSError
from hotspots.find._grid import assign_cells
from hotspots.target._accuracy_checks import check_areas, few_crimes_caveats
from hotspots.target._pei_star import pei_star

__all__ = ["Accuracy", "accuracy", "hit_rate", "max_capture", "pai", "pei", "rri"]

logger = logging.getLogger(__name__)

_M2_PER_KM2 = 1e6
#: Relative tolerance when checking that a flagged area fits in the study area.
_AREA_TOLERANCE = 1e-9


def _check_count(value, name: str) -> float:
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a count >= 0; got {value!r}")
    return float(value)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.nan


def hit_rate(n: float, n_total: float) -> float:
    """Return the hit rate ``n / N``: the share of crimes inside the flagged area.

    Parameters
    ----------
    n : float
        Crimes inside the flagged area (test period).
    n_total : float
        Crimes in the whole study area (test period); 0 gives NaN.

    Examples
    --------
    >>> hit_rate(40, 200)
    0.2
    """
    n, n_total = _check_count(n, "n"), _check_count(n_total, "n_total")
    if n > n_total:
        raise ValueError(
            f"n ({n:g}) cannot exceed n_total ({n_total:g}): the flagged area is part "
            "of the study area. Count both in the same period and area."
        )
    return _ratio(n, n_total)


def pai(n: float, n_total: float, area: float, study_area: float) -> float:
    """Return the Predictive Accuracy Index ``(n/N) / (a/A)``.

    Parameters
    ----------
    n, n_total : float
        Crimes inside the flagged area and in the whole study area (test period).
    area, study_area : float
        Flagged area ``a`` and study area ``A``, in the same unit (e.g. km²).

    Notes
    -----
    Chainey, Tompson & Uhlig (2008). PAI > 1: the flagged area holds more crime
    than its share of the area. PAI grows as ``a`` shrinks, so always report
    ``a/A`` with it (:doc:`/docs/methods/accuracy`).

    Examples
    --------
    >>> round(pai(40, 200, 1.0, 50.0), 6)
    10.0
    """
    rate = hit_rate(n, n_total)
    if not (np.isfinite(area) and np.isfinite(study_area)) or area <= 0:
        raise ValueError(f"area must be > 0; got {area!r}")
    if study_area <= 0 or area > study_area * (1 + _AREA_TOLERANCE):
        raise ValueError(
            f"study_area ({study_area!r}) must be > 0 and at least the flagged area "
            f"({area!r}); give both in the same unit."
        )
    return rate / (area / study_area)


def pei(n: float, n_star: float) -> float:
    """Return the Predictive Efficiency Index ``n / n*`` (= PAI / PAI_max).

    Parameters
    ----------
    n : float
        Crimes inside the flagged area (test period).
    n_star : float
        The most crimes any set of cells of the same total area could have held in
        the test period (:func:`max_capture`); 0 gives NaN.

    Notes
    -----
    Hunt (2016), as recorded in :doc:`/docs/methods/accuracy` (attribution not
    re-checked). 1 = as good as a perfect forecast of the same size.

    Examples
    --------
    >>> round(pei(40, 55), 6)
    0.727273
    """
    n, n_star = _check_count(n, "n"), _check_count(n_star, "n_star")
    if n > n_star * (1 + _AREA_TOLERANCE):
        raise ValueError(
            f"n ({n:g}) cannot exceed n_star ({n_star:g}), the best possible capture "
            "with the same area; count both on the same grid and period."
        )
    return _ratio(n, n_star)


def rri(n: float, n_total: float, n_fit: float, n_total_fit: float) -> float:
    """Return the Recapture Rate Index ``(n2/n1) / (N2/N1)``.

    Parameters
    ----------
    n, n_total : float
        Crimes in the flagged area and in the study area, test period (n2, N2).
    n_fit, n_total_fit : float
        The same for the period the places were chosen on (n1, N1). ``n_fit = 0``
        gives NaN (undefined).

    Notes
    -----
    Levine (2008). Near 1: the places recapture the same share of crime as
    before; below 1: they cooled relative to the whole area (e.g. regression to
    the mean after choosing places on a high year).

    Examples
    --------
    >>> round(rri(30, 180, 40, 200), 6)
    0.833333
    """
    rate2, rate1 = hit_rate(n, n_total), hit_rate(n_fit, n_total_fit)
    return _ratio(rate2, rate1) if rate1 > 0 else math.nan


def max_capture(cell_counts: np.ndarray, n_cells: float) -> float:
    """Return ``n*``: the crimes held by the busiest ``n_cells`` cells.

    A fractional ``n_cells`` adds that fraction of the next busiest cell.

    Examples
    --------
    >>> max_capture([5, 1, 9, 3], 2)
    14.0
    >>> max_capture([5, 1, 9, 3], 2.5)
    15.5
    """
    counts = np.sort(np.asarray(cell_counts, dtype=float))[::-1]
    whole = min(len(counts), math.floor(n_cells))
    total = counts[:whole].sum()
    if whole < len(counts):
        total += (n_cells - whole) * counts[whole]
    return float(total)


@dataclass(frozen=True)
class Accuracy:
    """Accuracy of predicted places against a later period's crimes.

    Attributes
    ----------
    hit_rate, pai, pei, pei_star, rri : float
        See :func:`hit_rate`, :func:`pai`, :func:`pei`, :func:`hotspots.pei_star`,
        :func:`rri`; NaN when undefined or not computed (``pei`` and ``pei_star``
        need a grid, ``rri`` the fitting period's crimes).
    area_share : float
        ``a / A``: always read PAI with it.
    n, n_total : int
        Test-period crimes in the places and in the study area.
    n_star : float
        Best possible capture with the same area (NaN without a grid).
    n_fit, n_total_fit : int or None
        Fitting-period crimes in the places and in the study area.
    area_km2, study_area_km2 : float
        ``a`` and ``A``.
    caveats : tuple of str
        E.g. few test crimes, RRI undefined.
    """

    hit_rate: float
    pai: float
    pei: float
    pei_star: float
    rri: float
    area_share: float
    n: int
    n_total: int
    n_star: float
    n_fit: int | None
    n_total_fit: int | None
    area_km2: float
    study_area_km2: float
    caveats: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """Return the result as one tidy row (caveats joined by "; ")."""
        row = asdict(self)
        row["caveats"] = "; ".join(self.caveats)
        return pd.DataFrame([row])

    def __str__(self) -> str:
        text = (
            f"hit rate {self.hit_rate:.3f} ({self.n:,} of {self.n_total:,} crimes) on "
            f"{100 * self.area_share:.3g}% of the area: PAI {self.pai:.2f}, "
            f"PEI {self.pei:.3f}, RRI {self.rri:.3f}"
        )
        if self.caveats:
            text += f"; {len(self.caveats)} caveat(s): " + "; ".join(self.caveats)
        return text


def _area_geometry(study_area, crs):
    if isinstance(study_area, gpd.GeoDataFrame | gpd.GeoSeries):
        if study_area.crs is None or study_area.crs != crs:
            raise CRSError(
                f"study_area ({study_area.crs}) and crimes ({crs}) use different "
                "CRSs. Reproject one with to_crs()."
            )
        return study_area.geometry.union_all()
    return study_area


class _Counter:
    """Counts crimes in the places and the study area, by grid or by geometry."""

    def __init__(self, places, grid, area_geom):
        self.grid, self.area_geom = grid, area_geom
        if grid is not None:
            centres = places.geometry.representative_point()
            cells = assign_cells(grid, centres.x.to_numpy(), centres.y.to_numpy())
            area = grid.geometry.values[np.maximum(cells, 0)].area
            if (cells < 0).any() or not np.allclose(area, places.area, rtol=1e-6):
                raise ValueError(
                    "places are not cells of grid (some centres fall outside it, or "
                    "areas differ). Pass the grid the places were chosen on, or "
                    "grid=None to skip PEI."
                )
            self.cells = np.unique(cells)
        self.union = places.geometry.union_all()
        shapely.prepare(self.union)

    def count(self, crimes) -> tuple[int, int, np.ndarray | None]:
        x, y = crimes.geometry.x.to_numpy(), crimes.geometry.y.to_numpy()
        inside = np.ones(len(crimes), dtype=bool)
        if self.area_geom is not None:
            inside = shapely.intersects_xy(self.area_geom, x, y)
        if self.grid is None:
            hits = shapely.intersects_xy(self.union, x, y) & inside
            return int(hits.sum()), int(inside.sum()), None
        cell = assign_cells(self.grid, x, y)
        if self.area_geom is None:
            inside = cell >= 0
        counts = np.bincount(cell[inside & (cell >= 0)], minlength=len(self.grid))
        return int(counts[self.cells].sum()), int(inside.sum()), counts


def accuracy(
    places: gpd.GeoDataFrame,
    crimes: gpd.GeoDataFrame,
    *,
    study_area=None,
    grid: gpd.GeoDataFrame | None = None,
    fit_crimes: gpd.GeoDataFrame | None = None,
) -> Accuracy:
    """Return hit rate, PAI, PEI, PEI* and RRI of predicted places on later crimes.

    Parameters
    ----------
    places : GeoDataFrame
        Predicted places (polygons), e.g. from :func:`hotspots.select_places`;
        overlaps are counted once.
    crimes : GeoDataFrame
        Point events of the test period, same projected CRS.
    study_area : GeoDataFrame, GeoSeries, shapely geometry or float, optional
        ``A``: a polygon (crimes outside it are not counted in ``N``) or an area in
        km² (all crimes count). None = the area of ``grid``'s cells.
    grid : GeoDataFrame, optional
        The grid the places are cells of (:func:`hotspots.make_grid`); needed for
        PEI and PEI*. Crimes are then counted by cell, so ``n ≤ n*`` holds exactly.
    fit_crimes : GeoDataFrame, optional
        Crimes of the period the places were chosen on; needed for RRI.

    Returns
    -------
    Accuracy
        ``hit_rate``, ``pai``, ``pei``, ``pei_star``, ``rri``, ``area_share``, ``n``,
        ``n_total``, ``n_star`` and caveats; ``.to_frame()`` gives one row.

    Raises
    ------
    CRSError
        If the inputs are not in the same projected CRS in metres.
    ValueError
        If there is no study area (or it is not > 0), the places have no area
        (points, lines) or are not cells of ``grid``.

    Notes
    -----
    Formulas in :doc:`/docs/methods/accuracy`: ``HR = n/N``, ``PAI = (n/N)/(a/A)``,
    ``PEI = n/n*`` with ``n*`` the test-period crimes in the busiest ``a / cell area``
    cells (:func:`max_capture`), ``RRI = (n2/n1)/(N2/N1)``. Choose the places before
    looking at the test period and report HR, PAI and PEI with ``a/A``. PEI* is
    :func:`hotspots.pei_star` of the places' cells; on a grid's equal cells it equals
    PEI.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> places = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 100)], crs=27700)
    >>> crimes = gpd.GeoDataFrame(
    ...     geometry=[shapely.Point(50, 50)] * 2 + [shapely.Point(550, 50)] * 8,
    ...     crs=27700)
    >>> result = accuracy(places, crimes, study_area=shapely.box(0, 0, 1000, 100))
    >>> round(result.hit_rate, 3), round(result.pai, 3)
    (0.2, 2.0)
    """
    check_projected(places, "places")
    check_projected(crimes, "crimes")
    for other, name in ((grid, "grid"), (fit_crimes, "fit_crimes")):
        if other is not None and other.crs != crimes.crs:
            raise CRSError(
                f"{name} ({other.crs}) and crimes ({crimes.crs}) use different CRSs. "
                "Reproject one with to_crs()."
            )
    if places.crs != crimes.crs:
        raise CRSError(
            f"places ({places.crs}) and crimes ({crimes.crs}) use different CRSs. "
            "Reproject one with to_crs()."
        )
    if len(places) == 0:
        raise ValueError("places is empty: there is no flagged area to assess.")
    area_geom = None
    if study_area is None:
        if grid is None:
            raise ValueError(
                "give the study area A: study_area= (a polygon, or an area in km²) or "
                "grid= (its cells are the study area)."
            )
        study_km2 = float(grid.area.sum()) / _M2_PER_KM2
    elif isinstance(study_area, numbers.Real):
        study_km2 = float(study_area)
    else:
        area_geom = _area_geometry(study_area, crimes.crs)
        shapely.prepare(area_geom)
        study_km2 = area_geom.area / _M2_PER_KM2
    counter = _Counter(places, grid, area_geom)
    area_km2 = counter.union.area / _M2_PER_KM2
    check_areas(area_km2, study_km2)
    n, n_total, counts = counter.count(crimes)
    caveats = []
    n_star = math.nan
    if counts is not None:
        cell_km2 = float(grid.area.iloc[0]) / _M2_PER_KM2  # type: ignore[union-attr]
        n_star = max_capture(counts, area_km2 / cell_km2)
    n_fit = n_total_fit = None
    rri_value = math.nan
    if fit_crimes is not None:
        n_fit, n_total_fit, _ = counter.count(fit_crimes)
        rri_value = rri(n, n_total, n_fit, n_total_fit)
        if n_fit == 0:
            caveats.append("no fitting-period crimes in the places: RRI undefined")
    caveats += few_crimes_caveats(n_total)
    return Accuracy(
        hit_rate=hit_rate(n, n_total),
        pai=pai(n, n_total, area_km2, study_km2),
        pei=pei(n, n_star) if counts is not None else math.nan,
        pei_star=pei_star(counts, counter.cells) if counts is not None else math.nan,
        rri=rri_value,
        area_share=area_km2 / study_km2,
        n=n,
        n_total=n_total,
        n_star=n_star,
        n_fit=n_fit,
        n_total_fit=n_total_fit,
        area_km2=area_km2,
        study_area_km2=study_km2,
        caveats=tuple(caveats),
    )
