"""sfhotspot's hot-spot classification over periods (:doc:`/docs/methods/classify`).

Persistent, emerging, former and intermittent hot and cold spots from the share of
periods in which each cell is a significant Gi* hot or cold spot, following
``hotspot_classify()`` in the sfhotspot R package, which credits Chainey (2020).
For Esri's 17-category emerging hot spot analysis see :func:`hotspots.emerging`.
"""

from __future__ import annotations

import logging
import math
import warnings
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import stats

from hotspots.exceptions import HotspotsWarning
from hotspots.find._cube import build_cube, month_numbers
from hotspots.find._gistar import gistar_arrays
from hotspots.find._grid import Shape
from hotspots.find._weights import Neighbours, spatial_weights

__all__ = ["CLASSIFY_CATEGORIES", "classify_hotspots"]

logger = logging.getLogger(__name__)

#: Categories in the order of their rules (hot, cold), then mixed and no pattern.
CLASSIFY_CATEGORIES: tuple[str, ...] = (
    *(
        f"{kind} {side} spot"
        for side in ("hot", "cold")
        for kind in ("persistent", "emerging", "former", "intermittent")
    ),
    "mixed hot/cold spot",
    "no pattern",
)
_PERSISTENT, _EMERGING, _FORMER, _INTERMITTENT = 0, 1, 2, 3
_COLD = 4
_MIXED, _NO_PATTERN = 8, 9
#: sfhotspot's automatic period: time spans (days) up to which each period is used.
_SPAN_TWO_YEARS = 366 * 2  # sfhotspot: 28-day periods; months here
_SPAN_TEN_YEARS = 3653  # quarters
_SPAN_TWENTY_YEARS = 3653 * 2  # years; longer spans are cut into 10 periods
_LONG_SPAN_PERIODS = 10
_PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_P_ADJUST = ("holm", "bonferroni", "none")


def auto_period_months(span_days: float, n_months: int) -> int:
    """Months per period by sfhotspot's rule for a span of ``span_days``.

    sfhotspot uses 28-day periods for spans up to 2 years, 91-day periods up to 10
    years, years up to 20 years and a tenth of the span beyond. Monthly data cannot
    form 28-day periods, so spans up to 2 years use months.

    Examples
    --------
    >>> auto_period_months(1065, 36)
    3
    """
    if span_days <= _SPAN_TWO_YEARS:
        return 1
    if span_days <= _SPAN_TEN_YEARS:
        return 3
    if span_days <= _SPAN_TWENTY_YEARS:
        return 12
    return max(1, n_months // _LONG_SPAN_PERIODS)


def _adjust_rows(p: np.ndarray, method: str) -> np.ndarray:
    """Adjust each row's p-values (one cell's periods) for multiple testing."""
    m = p.shape[1]
    if method == "none":
        return p.copy()
    if method == "bonferroni":
        return np.minimum(p * m, 1.0)
    order = np.argsort(p, axis=1)  # Holm step-down
    ranked = np.take_along_axis(p, order, axis=1) * (m - np.arange(m))
    adjusted = np.minimum(np.maximum.accumulate(ranked, axis=1), 1.0)
    out = np.empty_like(p)
    np.put_along_axis(out, order, adjusted, axis=1)
    return out


def classify_hotspots(
    points: gpd.GeoDataFrame,
    *,
    grid: gpd.GeoDataFrame | None = None,
    cell_size: float | None = None,
    shape: Shape = "square",
    boundary=None,
    period: Literal["auto", "month", "quarter", "year"] | int = "auto",
    neighbours: Neighbours = "queen",
    hotspot_prop: float = 0.1,
    persistent_prop: float = 0.8,
    recent_prop: float = 0.2,
    critical_p: float = 0.05,
    p_adjust: Literal["holm", "bonferroni", "none"] = "holm",
    time_column: str = "month",
) -> gpd.GeoDataFrame:
    """Classify cells as persistent, emerging, former or intermittent hot/cold spots.

    Parameters
    ----------
    points : GeoDataFrame
        Point events in a projected CRS in metres, with a month column.
    grid, cell_size, shape, boundary
        The grid, as for :func:`hotspots.emerging` (cell size in metres; None =
        automatic and logged).
    period : {"auto", "month", "quarter", "year"} or int, default "auto"
        Length of each period (an int is a number of months). Periods start at the
        first month; the last may be shorter. "auto" follows sfhotspot's rule by
        the span of the data (see :func:`auto_period_months`) and logs the choice.
    neighbours : "queen", "rook" or float, default "queen"
        Gi* neighbours, cell included (sfhotspot: adjacent cells, ``cell_size·√2``).
    hotspot_prop : float, default 0.1
        Minimum share of periods significant for any hot/cold category.
    persistent_prop : float, default 0.8
        Minimum share of all periods significant for a persistent spot.
    recent_prop : float, default 0.2
        Share of periods (rounded down, at least 1) treated as recent.
    critical_p : float, default 0.05
        A period is significant when its adjusted p is below this.
    p_adjust : {"holm", "bonferroni", "none"}, default "holm"
        Adjustment of each cell's p-values across its periods.
    time_column : str, default "month"
        Column of dates; each is counted in its calendar month.

    Returns
    -------
    GeoDataFrame
        One row per cell: the grid's columns plus ``n_total``, ``n_hot_periods``,
        ``n_cold_periods``, ``recent_hot_share``, ``recent_cold_share``,
        ``older_hot_share``, ``older_cold_share`` and ``hotspot_category``
        (categorical, the 10 :data:`CLASSIFY_CATEGORIES` in that order), then
        ``geometry``. ``attrs["hotspots"]`` records the grid, ``period_months``,
        ``period_auto``, ``n_periods``, ``n_recent``, the thresholds and counts per
        category.

    Raises
    ------
    CRSError, SchemaError
        As for :func:`hotspots.emerging`.
    ValueError
        If there are fewer than 2 periods, or a proportion is not in (0, 1).

    Notes
    -----
    For each period, Gi* is computed on that period's counts alone (its own mean
    and SD; binary weights with the cell included) with a two-sided normal p.
    Each cell's p-values across periods are then adjusted (Holm by default: in
    sfhotspot ``p_adjust_method = NULL`` is passed to R's ``p.adjust``, whose
    default is Holm, with no adjustment across cells — our reading of sfhotspot's
    source). A period is a significant hot (cold) period when the adjusted p <
    ``critical_p`` and z > 0 (z < 0). With ``prop`` the share of all periods
    significant, ``recent`` the share of the last ``floor(recent_prop·T)``
    periods and ``older`` the share of the earlier ones, the first matching rule
    is used (the same for cold):

    - *persistent*: ``prop >= persistent_prop``;
    - *emerging*: ``older < hotspot_prop`` and ``recent >= recent_prop``;
    - *former*: ``older >= hotspot_prop`` and ``recent < hotspot_prop``;
    - *intermittent*: ``prop >= hotspot_prop``;
    - *mixed hot/cold spot*: a cell with both a hot and a cold category;
    - *no pattern*: none of these.

    sfhotspot's source sums ``recent_periods + 1`` periods for the recent share
    but divides by ``recent_periods``; we use exactly the recent periods. Its
    labels are written "hotspot"; ours "hot spot", as elsewhere in the package.

    References
    ----------
    Ashby, M. P. J. sfhotspot: Hot-Spot Analysis with Simple Features (R package,
    v1.1.0), ``hotspot_classify()``. Its DESCRIPTION credits the classification
    to Chainey, S. (2020), Esri Press, ISBN 1-58948-584-X.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> months = pd.date_range("2022-01-01", periods=36, freq="MS")
    >>> xy = np.vstack([rng.uniform(0, 4000, (7200, 2)),
    ...                 rng.normal(2000, 150, (720, 2))])  # a lasting cluster
    >>> pts = gpd.GeoDataFrame(
    ...     {"month": months[rng.integers(0, 36, 7920)]},
    ...     geometry=gpd.points_from_xy(*xy.T), crs=27700)
    >>> cells = classify_hotspots(pts, cell_size=250)
    >>> cells.loc[cells["n_total"].idxmax(), "hotspot_category"]
    'persistent hot spot'
    """
    for name, value in [
        ("hotspot_prop", hotspot_prop),
        ("persistent_prop", persistent_prop),
        ("recent_prop", recent_prop),
        ("critical_p", critical_p),
    ]:
        if not 0 < value < 1:
            raise ValueError(f"{name} must be between 0 and 1; got {value!r}")
    if p_adjust not in _P_ADJUST:
        raise ValueError(f"p_adjust must be one of {_P_ADJUST}; got {p_adjust!r}")
    step_months, auto = _resolve_period(points, period, time_column)
    cube = build_cube(
        points,
        grid=grid,
        cell_size=cell_size,
        shape=shape,
        boundary=boundary,
        step_months=step_months,
        align="start",
        time_column=time_column,
    )
    n_periods = cube.n_steps
    if n_periods < 2:
        raise ValueError(
            f"only {n_periods} period of {step_months} month(s): the classification "
            "compares recent with earlier periods, so it needs at least 2. Use a "
            "shorter period= or more months of data."
        )
    n_recent = math.floor(recent_prop * n_periods)
    if n_recent < 1 or n_periods - n_recent < 1:
        n_recent = 1
        warnings.warn(
            f"recent_prop={recent_prop} of {n_periods} periods rounds to no recent "
            "period; the final period is treated as recent. Pass a larger "
            "recent_prop or a shorter period=.",
            HotspotsWarning,
            stacklevel=2,
        )
    w = spatial_weights(cube.grid, neighbours)
    z = np.zeros(cube.counts.shape)
    for t in range(n_periods):  # loop over periods, vectorised over cells
        x = cube.counts[:, t]
        if x.min() == x.max():
            warnings.warn(
                f"every cell has {x.min()} points in the period starting "
                f"{cube.starts[t]:%Y-%m}, so no cell can be significant in it. "
                "Use a longer period= or check the data.",
                HotspotsWarning,
                stacklevel=2,
            )
            continue
        z[:, t] = gistar_arrays(x, w)
    p = _adjust_rows(2.0 * stats.norm.sf(np.abs(z)), p_adjust)
    hot = (p < critical_p) & (z > 0)
    cold = (p < critical_p) & (z < 0)
    category = _classify_periods(
        hot,
        cold,
        n_recent,
        hotspot_prop=hotspot_prop,
        persistent_prop=persistent_prop,
        recent_prop=recent_prop,
    )
    older = slice(0, n_periods - n_recent)
    recent = slice(n_periods - n_recent, n_periods)
    geometry_name = cube.grid.geometry.name
    out = pd.DataFrame(cube.grid.drop(columns=geometry_name))
    out["n_total"] = cube.counts.sum(axis=1)
    out["n_hot_periods"] = hot.sum(axis=1)
    out["n_cold_periods"] = cold.sum(axis=1)
    out["recent_hot_share"] = hot[:, recent].mean(axis=1)
    out["recent_cold_share"] = cold[:, recent].mean(axis=1)
    out["older_hot_share"] = hot[:, older].mean(axis=1)
    out["older_cold_share"] = cold[:, older].mean(axis=1)
    out["hotspot_category"] = pd.Categorical.from_codes(
        category, categories=CLASSIFY_CATEGORIES
    )
    result = gpd.GeoDataFrame(out, geometry=cube.grid.geometry, crs=cube.grid.crs)
    found = {
        k: int(v) for k, v in result["hotspot_category"].value_counts().items() if v
    }
    result.attrs["hotspots"] = {
        **cube.grid.attrs.get("hotspots", {}),
        "period_months": step_months,
        "period_auto": auto,
        "n_periods": n_periods,
        "first_period": f"{cube.starts[0]:%Y-%m}",
        "n_recent": n_recent,
        "hotspot_prop": hotspot_prop,
        "persistent_prop": persistent_prop,
        "recent_prop": recent_prop,
        "critical_p": critical_p,
        "p_adjust": p_adjust,
        "neighbours": neighbours,
        "n_points": cube.n_points,
        "n_outside": cube.n_outside,
        "category_counts": found,
    }
    logger.info("Hot-spot classification over %d periods: %s.", n_periods, found)
    return result


def _classify_periods(
    hot: np.ndarray,
    cold: np.ndarray,
    n_recent: int,
    *,
    hotspot_prop: float,
    persistent_prop: float,
    recent_prop: float,
) -> np.ndarray:
    """Category code (index into :data:`CLASSIFY_CATEGORIES`) for each row.

    ``hot``, ``cold``: cells × periods, True where the period is a significant
    hot (cold) spot; the last ``n_recent`` periods are recent.
    """
    hot, cold = np.atleast_2d(hot), np.atleast_2d(cold)
    n_periods = hot.shape[1]
    codes = []
    for sig in (hot, cold):
        prop = sig.mean(axis=1)
        recent = sig[:, n_periods - n_recent :].mean(axis=1)
        older = sig[:, : n_periods - n_recent].mean(axis=1)
        codes.append(
            np.select(
                [
                    prop >= persistent_prop,
                    (older < hotspot_prop) & (recent >= recent_prop),
                    (older >= hotspot_prop) & (recent < hotspot_prop),
                    prop >= hotspot_prop,
                ],
                [_PERSISTENT, _EMERGING, _FORMER, _INTERMITTENT],
                _NO_PATTERN,
            )
        )
    hot_code, cold_code = codes
    return np.select(
        [
            (hot_code != _NO_PATTERN) & (cold_code != _NO_PATTERN),
            hot_code != _NO_PATTERN,
            cold_code != _NO_PATTERN,
        ],
        [_MIXED, hot_code, cold_code + _COLD],
        _NO_PATTERN,
    )


def _resolve_period(points, period, time_column: str) -> tuple[int, bool]:
    if isinstance(period, str):
        if period == "auto":
            months = month_numbers(points, time_column)
            times = points[time_column]
            span = (times.max() - times.min()).days
            size = auto_period_months(span, int(months.max() - months.min() + 1))
            logger.info(
                "Period set automatically to %d month(s) (sfhotspot's rule for a "
                "span of %d days). Pass period= to override.",
                size,
                span,
            )
            return size, True
        if period in _PERIOD_MONTHS:
            return _PERIOD_MONTHS[period], False
    elif not isinstance(period, bool) and int(period) == period and period >= 1:
        return int(period), False
    raise ValueError(
        "period must be 'auto', 'month', 'quarter', 'year' or a whole number of "
        f"months >= 1; got {period!r}"
    )
