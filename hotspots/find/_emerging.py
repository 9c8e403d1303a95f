"""Emerging hot spot analysis: Esri's 17 patterns from a space-time cube.

Method: :doc:`/docs/methods/emerging`.

The cube of Gi* z-scores is built in ``_cube.py``; the trend test is
:func:`hotspots.mann_kendall`. Everything is vectorised over cells: no Python loop
over locations.
"""

from __future__ import annotations

import logging
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.find._cube import analyse_cube
from hotspots.find._grid import Shape
from hotspots.find._mann_kendall import TRENDS, mann_kendall_arrays, trend_codes
from hotspots.find._weights import Neighbours

__all__ = ["EMERGING_PATTERNS", "emerging"]

logger = logging.getLogger(__name__)

#: Esri's categories, hot then cold, in the order of their rules, then no pattern.
EMERGING_PATTERNS: tuple[str, ...] = (
    *(
        f"{kind} {side} spot"
        for side in ("hot", "cold")
        for kind in (
            "new",
            "consecutive",
            "intensifying",
            "persistent",
            "diminishing",
            "sporadic",
            "oscillating",
            "historical",
        )
    ),
    "no pattern detected",
)
# Rule numbers (index into EMERGING_PATTERNS; add _COLD for the cold version).
_NEW, _CONSECUTIVE, _INTENSIFYING, _PERSISTENT = 0, 1, 2, 3
_DIMINISHING, _SPORADIC, _OSCILLATING, _HISTORICAL = 4, 5, 6, 7
_COLD = 8
_NO_PATTERN = 16
#: Esri's "ninety percent of the time-step intervals".
_MOSTLY_SHARE = 0.9
#: z-scores are rounded to this many decimals before the trend test, so values that
#: are equal up to floating-point noise count as ties.
_TIE_DECIMALS = 10


def emerging(
    points: gpd.GeoDataFrame,
    *,
    grid: gpd.GeoDataFrame | None = None,
    cell_size: float | None = None,
    shape: Shape = "square",
    boundary=None,
    period: Literal["month", "quarter"] = "month",
    neighbours: Neighbours = "queen",
    time_lag: int = 1,
    alpha: float = 0.05,
    fdr: bool = True,
    time_column: str = "month",
) -> gpd.GeoDataFrame:
    """Classify grid cells into Esri's emerging hot spot patterns.

    Builds a space-time cube (cells × time steps), computes Gi* for every bin with
    space-time neighbours, tests each cell's series of z-scores for a trend
    (Mann-Kendall) and assigns one of 17 patterns (:data:`EMERGING_PATTERNS`).

    Parameters
    ----------
    points : GeoDataFrame
        Point events in a projected CRS in metres, with a month column (police.uk
        data from :func:`hotspots.read_policeuk`).
    grid : GeoDataFrame, optional
        A grid from :func:`hotspots.make_grid`; None makes one from ``cell_size``,
        ``shape`` and ``boundary``.
    cell_size : float, optional
        Metres; None chooses it automatically (logged; see
        :func:`hotspots.auto_cell_size`).
    shape : {"square", "hex"}, default "square"
        Cell shape when the grid is made here.
    boundary : GeoDataFrame, GeoSeries or shapely geometry, optional
        Study area: cells outside it are dropped. Recommended: empty cells outside
        the area lower the cube mean and make everything inside look hotter.
    period : {"month", "quarter"}, default "month"
        Time step. Steps cover every month from the first to the last in the data,
        empty months included. Quarters are 3-month blocks ending at the last
        month; leading months that do not fill a block are left out (logged).
    neighbours : "queen", "rook" or float, default "queen"
        Spatial neighbours (cell itself always included); a number is a distance
        band in metres.
    time_lag : int, default 1
        Number of previous time steps whose spatial neighbourhood also counts
        (ArcGIS's "neighborhood time step"); 0 gives purely spatial Gi* per step.
    alpha : float, default 0.05
        Significance level for hot/cold bins and for the Mann-Kendall trend.
    fdr : bool, default True
        Judge bins on Benjamini-Hochberg adjusted p-values over all bins of the
        cube (as current ArcGIS Pro does); False uses unadjusted p-values.
    time_column : str, default "month"
        Column of dates; each is counted in its calendar month.

    Returns
    -------
    GeoDataFrame
        One row per grid cell: the grid's columns (``cell_id``, ``row``, ``col``)
        plus ``n_total`` (points over all steps), ``n_hot_steps``,
        ``n_cold_steps`` (significant hot/cold bins), ``final_z`` (Gi* z in the
        last step), ``mk_z``, ``mk_p`` (two-sided), ``mk_tau`` (Mann-Kendall on
        the z-series), ``trend`` (categorical: decreasing, no trend, increasing at
        ``alpha``), ``pattern`` (categorical with all 17
        :data:`EMERGING_PATTERNS`, in that order) and ``geometry``.
        ``attrs["hotspots"]`` records the grid (``cell_size``, ``shape``...),
        ``period``, ``n_steps``, ``first_step``, ``last_step``, ``neighbours``,
        ``time_lag``, ``fdr``, ``alpha``, point counts and ``pattern_counts``.
        The per-bin cube is :func:`space_time_cube`.

    Raises
    ------
    CRSError
        If the points have no CRS or a geographic one (reproject with
        ``to_crs(27700)``), or differ from the grid's.
    SchemaError
        If the month column is missing, not dates, or has missing values.
    ValueError
        If there are fewer than 3 time steps, every bin holds the same count, or
        an argument is out of range.

    Notes
    -----
    **Gi* per bin.** The bins are ordered step-major and the space-time weights
    are ``kron(L, W)`` with ``W`` the binary spatial weights (``w_ii = 1``) and
    ``L[t, s] = 1`` for ``0 <= t − s <= time_lag``: a bin's neighbours are its
    spatial neighbours in the same step and in the ``time_lag`` previous steps,
    itself included. Mean and standard deviation run over all bins of the cube
    (as ArcGIS does), so a bin is hot relative to the whole cube, not its own
    step. p-values are two-sided normal; with ``fdr`` they are adjusted with
    Benjamini-Hochberg over all bins (Esri, "How Emerging Hot Spot Analysis
    works"). Significant hot = adjusted p < ``alpha`` and z > 0.

    **Trend.** Mann-Kendall on each cell's z-series, with tie and continuity
    corrections (:func:`hotspots.mann_kendall`; whether Esri applies the
    continuity correction is unverified). With ``time_lag >= 1`` consecutive
    z-scores share a step of data, and crime counts are serially correlated, so
    the test's p-values are too small: on synthetic data with no planted trend
    away from the emerging hotspot, many more cells were classed intensifying
    with ``time_lag=1`` than with ``time_lag=0``. Treat intensifying and
    diminishing patterns as leads to check against the counts.

    **Patterns** (hot versions; cold ones swap hot and cold, and increasing and
    decreasing). "Mostly hot" = hot in at least 90% of the steps.

    - *new*: hot in the final step and in no earlier step.
    - *consecutive*: one uninterrupted run of at least 2 hot steps ending at the
      final step, never hot before the run, not mostly hot.
    - *intensifying*: mostly hot, hot in the final step, significant increasing
      trend.
    - *persistent*: mostly hot, no significant trend (the final step need not be
      hot).
    - *diminishing*: mostly hot, hot in the final step, significant decreasing
      trend.
    - *sporadic*: hot in the final step, not mostly hot, hot on and off before
      (not new or consecutive), never significantly cold.
    - *oscillating*: as sporadic, but significantly cold in some earlier step.
    - *historical*: mostly hot, not hot in the final step, with a significant
      trend (without one it is persistent).
    - *no pattern detected*: none of the above.

    Where rules overlap (only when a cell is hot in some steps and cold in
    others), "mostly hot" or "mostly cold" decides first, then the sign of the
    final step; a cell hot in the final step but never hot before is *new* even
    if it was cold before. These rules follow Esri's wording, not the open-source
    ports (sfdep's sporadic omits the final-step condition and its intensifying
    counts cold bins towards the 90%).

    References
    ----------
    Esri. How Emerging Hot Spot Analysis works. ArcGIS Pro documentation.
    Getis, A. & Ord, J. K. (1992). *Geographical Analysis* 24(3), 189-206.
    Mann, H. B. (1945). *Econometrica* 13(3), 245-259.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> months = pd.date_range("2022-01-01", periods=24, freq="MS")
    >>> xy = rng.uniform(0, 2000, (4800, 2))
    >>> month = months[rng.integers(0, 24, 4800)]
    >>> new = np.full((60, 2), 1050.0)   # a cluster in the last month only
    >>> pts = gpd.GeoDataFrame(
    ...     {"month": np.concatenate([month, [months[-1]] * 60])},
    ...     geometry=gpd.points_from_xy(*np.vstack([xy, new]).T), crs=27700)
    >>> cells = emerging(pts, cell_size=200)
    >>> cells.loc[cells["n_total"].idxmax(), "pattern"]
    'new hot spot'
    """
    result = analyse_cube(
        points,
        grid=grid,
        cell_size=cell_size,
        shape=shape,
        boundary=boundary,
        period=period,
        neighbours=neighbours,
        time_lag=time_lag,
        alpha=alpha,
        fdr=fdr,
        time_column=time_column,
    )
    cube, z, significant = result.cube, result.z, result.significant
    _, _, mk_z, mk_p, mk_tau = mann_kendall_arrays(np.round(z, _TIE_DECIMALS))
    trend = trend_codes(mk_z, mk_p, alpha)
    codes = _classify_patterns(significant, trend)
    out = pd.DataFrame(cube.grid.drop(columns=cube.grid.geometry.name))
    out["n_total"] = cube.counts.sum(axis=1)
    out["n_hot_steps"] = (significant > 0).sum(axis=1)
    out["n_cold_steps"] = (significant < 0).sum(axis=1)
    out["final_z"] = z[:, -1]
    out["mk_z"] = mk_z
    out["mk_p"] = mk_p
    out["mk_tau"] = mk_tau
    out["trend"] = pd.Categorical.from_codes(trend + 1, categories=list(TRENDS))
    out["pattern"] = pd.Categorical.from_codes(codes, categories=EMERGING_PATTERNS)
    out = gpd.GeoDataFrame(out, geometry=cube.grid.geometry, crs=cube.grid.crs)
    found = {k: int(v) for k, v in out["pattern"].value_counts().items() if v}
    out.attrs["hotspots"] = {**result.meta, "pattern_counts": found}
    summary = ", ".join(
        f"{v} {k}" for k, v in found.items() if k != EMERGING_PATTERNS[_NO_PATTERN]
    )
    logger.info(
        "Emerging hot spot analysis on %d cells x %d %ss (%s to %s): %s.",
        len(out),
        cube.n_steps,
        period,
        result.meta["first_step"],
        result.meta["last_step"],
        summary or "no patterns detected",
    )
    return out


def _side_codes(
    this: np.ndarray, other: np.ndarray, trend: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hot-spot rules on ``this`` (bool, cells × steps) with ``other`` the opposite.

    ``trend`` is +1 when the clustering grows stronger in the direction of
    ``this``. Returns (mostly, final, code when mostly, code when final only).
    """
    n_steps = this.shape[1]
    n_this = this.sum(axis=1)
    final = this[:, -1]
    final_run = np.cumprod(this[:, ::-1], axis=1).sum(axis=1)
    mostly = n_this >= _MOSTLY_SHARE * n_steps - 1e-9
    mostly_code = np.select(
        [final & (trend > 0), final & (trend < 0), trend == 0],
        [_INTENSIFYING, _DIMINISHING, _PERSISTENT],
        _HISTORICAL,
    )
    one_run = n_this == final_run
    final_code = np.select(
        [one_run & (final_run == 1), one_run, ~other.any(axis=1)],
        [_NEW, _CONSECUTIVE, _SPORADIC],
        _OSCILLATING,
    )
    return mostly, final, mostly_code, final_code


def _classify_patterns(significant: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """Pattern code (index into :data:`EMERGING_PATTERNS`) for each row.

    ``significant``: cells × steps of −1/0/+1; ``trend``: −1/0/+1 per cell
    (significant Mann-Kendall trend of the z-series).
    """
    significant = np.atleast_2d(significant)
    hot, cold = significant > 0, significant < 0
    trend = np.asarray(trend)
    h_mostly, h_final, h_mostly_code, h_final_code = _side_codes(hot, cold, trend)
    c_mostly, c_final, c_mostly_code, c_final_code = _side_codes(cold, hot, -trend)
    return np.select(
        [h_mostly, c_mostly, h_final, c_final],
        [h_mostly_code, c_mostly_code + _COLD, h_final_code, c_final_code + _COLD],
        _NO_PATTERN,
    )


def _classify_series(significant, trend: str) -> str:
    """Pattern of one location: ``significant`` per step (−1/0/+1) and its trend."""
    code = np.array([TRENDS.index(trend) - 1])
    return EMERGING_PATTERNS[
        int(_classify_patterns(np.asarray([significant]), code)[0])
    ]
