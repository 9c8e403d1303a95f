"""Emerging hot spot analysis: Esri's 17 patterns from a space-time cube.

Method: :doc:`/docs/methods/emerging`.

The cube of Gi* z-scores is built in ``_cube.py``; the trend test is
:func:`hotspots.mann_kendall`. Everything is vectorised over cells: no Python loop
over locations.
"""

from __future__ import annotations

import logging
import warnings
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.exceptions import HotspotsWarning
from hotspots.find._cube import analyse_cube
from hotspots.find._grid import Shape
from hotspots.find._mann_kendall import TRENDS, mann_kendall_arrays, trend_codes
from hotspots.find._patterns import (
    _NO_PATTERN,
    EMERGING_PATTERNS,
    _classify_patterns,
)
from hotspots.find._trend_variance import MIN_POOL_SERIES, POOL_SERIES
from hotspots.find._weights import Neighbours

__all__ = ["EMERGING_PATTERNS", "emerging"]

logger = logging.getLogger(__name__)

#: z-scores are rounded to this many decimals before the trend test, so values that
#: are equal up to floating-point noise count as ties.
_TIE_DECIMALS = 10
TrendTest = Literal["pooled", "hamed-rao", "mann-kendall"]
#: ``trend_test`` options and the ``mann_kendall`` correction each one uses.
TREND_TESTS: dict[str, str] = {
    "pooled": "pooled",
    "hamed-rao": "hamed-rao",
    "mann-kendall": "none",
}
_TREND_TEST_WORDS = {
    "pooled": "Mann-Kendall, variance pooled over the %d cells of most similar "
    "activity",
    "hamed-rao": "Mann-Kendall, Hamed-Rao variance from each cell's own series",
    "mann-kendall": "plain Mann-Kendall (no allowance for correlated months)",
}


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
    trend_test: TrendTest = "pooled",
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
    trend_test : {"pooled", "hamed-rao", "mann-kendall"}, default "pooled"
        Trend test on each cell's z-series. "pooled": Mann-Kendall with its
        variance inflated for correlated months by a factor estimated from the
        200 cells of most similar activity (see Notes). "hamed-rao": the factor
        from each cell's own autocorrelations (too small on 2-3 years of
        months). "mann-kendall": no allowance, as before 0.2 (and as ArcGIS
        documents); its p-values are too small, so it over-calls trends.
    time_column : str, default "month"
        Column of dates; each is counted in its calendar month.

    Returns
    -------
    GeoDataFrame
        One row per grid cell: the grid's columns (``cell_id``, ``row``, ``col``)
        plus ``n_total`` (points over all steps), ``n_hot_steps``,
        ``n_cold_steps`` (significant hot/cold bins), ``final_z`` (Gi* z in the
        last step), ``mk_z``, ``mk_p`` (two-sided), ``mk_tau`` (Mann-Kendall on
        the z-series), ``mk_variance_factor`` (the factor applied to Var(S); 1
        for "mann-kendall"), ``trend`` (categorical: decreasing, no trend,
        increasing at ``alpha``), ``pattern`` (categorical with all 17
        :data:`EMERGING_PATTERNS`, in that order) and ``geometry``.
        ``attrs["hotspots"]`` records the grid (``cell_size``, ``shape``...),
        ``period``, ``n_steps``, ``first_step``, ``last_step``, ``neighbours``,
        ``time_lag``, ``fdr``, ``alpha``, ``trend_test``, ``trend_pool_cells``
        (cells per pool; None unless "pooled"), point counts and
        ``pattern_counts``. The per-bin cube is :func:`space_time_cube`.

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

    Warns
    -----
    HotspotsWarning
        With fewer than 10 time steps (little power), or with "pooled" when fewer
        than 30 cells have a z-series that varies (the factor cannot be
        estimated; plain Mann-Kendall p-values are used instead).

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
    corrections (:func:`hotspots.mann_kendall`). Neighbouring months are
    positively correlated: with ``time_lag >= 1`` consecutive z-scores share a
    step of crimes, and crime levels drift from month to month. The textbook
    ``Var(S)`` then is too small and trends are over-called, so ``Var(S)`` is
    multiplied by a factor ``f >= 1`` (Hamed & Rao 1998). By default ("pooled")
    ``f`` is not estimated from the cell's own 24-36 values, which are too few
    (their autocorrelations are noisy and biased towards zero): cells are
    ranked by the crimes in their neighbourhood over the whole period, and each
    cell's ``f`` is ``median(S²/Var(S)) / 0.4549`` over the 200 cells nearest
    in that ranking, as an empirical null (Efron 2004; 0.4549 is the median of
    a chi-squared variable with one degree of freedom). This assumes most of
    those cells have no trend; if most busy cells share one, it is partly
    absorbed and only the steeper ones are called. On null space-time data
    (``benchmarks/sim_emerging.py``) the share of cells with a significant trend
    stays below ``alpha`` (2-4% at 0.05), where plain Mann-Kendall gave 10-27%.

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
    Hamed, K. H. & Rao, A. R. (1998). A modified Mann-Kendall trend test for
    autocorrelated data. *Journal of Hydrology* 204, 182-196.
    Efron, B. (2004). Large-scale simultaneous hypothesis testing: the choice of
    a null hypothesis. *JASA* 99(465), 96-104.

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
    if trend_test not in TREND_TESTS:
        raise ValueError(
            f"trend_test must be one of {tuple(TREND_TESTS)}; got {trend_test!r}"
        )
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
    activity = result.weights @ cube.counts.sum(axis=1)
    mk_z, mk_p, mk_tau, factor, trend, codes = trend_and_patterns(
        z, significant, activity, alpha=alpha, trend_test=trend_test
    )
    out = pd.DataFrame(cube.grid.drop(columns=cube.grid.geometry.name))
    out["n_total"] = cube.counts.sum(axis=1)
    out["n_hot_steps"] = (significant > 0).sum(axis=1)
    out["n_cold_steps"] = (significant < 0).sum(axis=1)
    out["final_z"] = z[:, -1]
    out["mk_z"] = mk_z
    out["mk_p"] = mk_p
    out["mk_tau"] = mk_tau
    out["mk_variance_factor"] = factor
    out["trend"] = pd.Categorical.from_codes(trend + 1, categories=list(TRENDS))
    out["pattern"] = pd.Categorical.from_codes(codes, categories=EMERGING_PATTERNS)
    out = gpd.GeoDataFrame(out, geometry=cube.grid.geometry, crs=cube.grid.crs)
    found = {k: int(v) for k, v in out["pattern"].value_counts().items() if v}
    pool = POOL_SERIES if trend_test == "pooled" else None
    out.attrs["hotspots"] = {
        **result.meta,
        "trend_test": trend_test,
        "trend_pool_cells": pool,
        "pattern_counts": found,
    }
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
    logger.info(
        "Trend test: %s; variance factor median %.2f (range %.2f to %.2f). "
        "Pass trend_test= to change it.",
        _TREND_TEST_WORDS[trend_test].replace("%d", str(pool)),
        float(np.median(factor)),
        float(factor.min()),
        float(factor.max()),
    )
    return out


def trend_and_patterns(
    z: np.ndarray,
    significant: np.ndarray,
    activity: np.ndarray,
    *,
    alpha: float,
    trend_test: str,
) -> tuple[np.ndarray, ...]:
    """Trend test and pattern per cell: the array core of :func:`emerging`.

    ``z``, ``significant``: cells × steps; ``activity``: per cell, ranks the cells
    for the "pooled" test. Returns ``(mk_z, mk_p, mk_tau, variance_factor,
    trend, pattern_code)`` with ``trend`` −1/0/+1 and ``pattern_code`` an index
    into :data:`EMERGING_PATTERNS`.
    """
    _, _, mk_z, mk_p, mk_tau, factor = mann_kendall_arrays(
        np.round(z, _TIE_DECIMALS),
        correction=TREND_TESTS[trend_test],
        activity=activity,
    )
    if trend_test == "pooled":
        varying = int((np.ptp(np.round(z, _TIE_DECIMALS), axis=1) > 0).sum())
        if varying < MIN_POOL_SERIES:
            warnings.warn(
                f"only {varying} cells have a z-series that varies, fewer than "
                f"the {MIN_POOL_SERIES} needed to estimate the allowance for "
                "correlated months; trends use plain Mann-Kendall p-values, which "
                "are too small. Use a larger area or trend_test='hamed-rao'.",
                HotspotsWarning,
                stacklevel=3,
            )
    trend = trend_codes(mk_z, mk_p, alpha)
    return mk_z, mk_p, mk_tau, factor, trend, _classify_patterns(significant, trend)
