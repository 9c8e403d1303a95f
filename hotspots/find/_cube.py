"""The space-time cube: counts and Gi* z-scores for every grid cell and time step.

:func:`space_time_cube` returns the cube as a tidy table for plotting;
:func:`hotspots.emerging` classifies it. The helpers here (time steps from a month
column, counts per cell and step, space-time weights, Gi* for every bin) are shared
with :func:`hotspots.classify_hotspots`.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from hotspots._validate import check_projected
from hotspots.exceptions import CRSError, HotspotsWarning, SchemaError
from hotspots.find._gistar import benjamini_hochberg, gistar_arrays
from hotspots.find._grid import Shape, assign_cells, make_grid
from hotspots.find._weights import Neighbours, spatial_weights
from hotspots.quality import gap_months

__all__ = ["space_time_cube", "space_time_weights"]

logger = logging.getLogger(__name__)

#: Upper bound on non-zeros in one block of space-time weight rows (memory bound).
_MAX_BLOCK_NONZEROS = 20_000_000
#: Mann-Kendall needs 3 values; below this many steps it has little power (warned).
_MIN_STEPS = 3
_FEW_STEPS = 10
_PERIOD_MONTHS = {"month": 1, "quarter": 3}


@dataclass(frozen=True)
class Cube:
    """Counts of points per grid cell and time step."""

    grid: gpd.GeoDataFrame
    starts: pd.DatetimeIndex  # first month of each step
    step_months: int  # months per step (the last step may be shorter)
    counts: np.ndarray  # (cells, steps), int64
    n_points: int  # points given
    n_outside: int  # points in no cell (outside the grid or boundary)
    n_dropped: int  # points in leading months that do not fill a whole step

    @property
    def n_steps(self) -> int:
        """Number of time steps."""
        return self.counts.shape[1]


def month_numbers(points: gpd.GeoDataFrame, time_column: str) -> np.ndarray:
    """Return each point's month as ``12·year + month − 1`` (checked)."""
    if time_column not in points.columns:
        raise SchemaError(
            f"points have no {time_column!r} column; found {list(points.columns)}. "
            "Read police.uk data with hotspots.read_policeuk(), or pass "
            "time_column= naming a column of dates."
        )
    times = points[time_column]
    if not pd.api.types.is_datetime64_any_dtype(times):
        raise SchemaError(
            f"column {time_column!r} must hold dates (datetime64); found dtype "
            f"{times.dtype}. Convert it with pd.to_datetime(points[{time_column!r}])."
        )
    if times.isna().any():
        raise SchemaError(
            f"column {time_column!r} has {int(times.isna().sum())} missing date(s); "
            "drop or fix those rows first."
        )
    return (times.dt.year * 12 + times.dt.month - 1).to_numpy(dtype=np.int64)


def build_cube(
    points: gpd.GeoDataFrame,
    *,
    grid: gpd.GeoDataFrame | None,
    cell_size: float | None,
    shape: Shape,
    boundary,
    step_months: int,
    align: Literal["start", "end"],
    time_column: str,
) -> Cube:
    """Count points per cell and time step of ``step_months`` months.

    Steps run over every month from the first to the last month in the data,
    including months without points. ``align="end"`` makes the last step end at the
    last month and drops leading months that do not fill a step (ArcGIS-style
    end-time alignment); ``align="start"`` starts at the first month and lets the
    last step be shorter (as sfhotspot does).
    """
    check_projected(points, "points")
    if len(points) == 0:
        raise ValueError("points is empty: there is nothing to count.")
    if not points.geometry.geom_type.isin(["Point"]).all():
        raise ValueError(
            "points must all be Point geometries; found "
            f"{sorted(points.geometry.geom_type.unique())}. Use .centroid for polygons."
        )
    months = month_numbers(points, time_column)
    missing = gap_months(points[time_column])
    if missing:
        raise ValueError(
            f"no crimes at all in {len(missing)} month(s) inside the span "
            f"({', '.join(missing[:6])}): with this many crimes a month that is a "
            "missing file, not zero crime, and a space-time cube would read it as "
            "zero. Analyse a span without the gap (filter the months), or get the "
            "missing file."
        )
    if grid is None:
        grid = make_grid(points, cell_size=cell_size, shape=shape, boundary=boundary)
    elif grid.crs != points.crs:
        raise CRSError(
            f"points ({points.crs}) and grid ({grid.crs}) use different CRSs. "
            "Reproject one with to_crs()."
        )
    first, last = int(months.min()), int(months.max())
    n_months = last - first + 1
    lead = n_months % step_months if align == "end" else 0
    n_steps = -(-(n_months - lead) // step_months)  # ceiling division
    step = (months - first - lead) // step_months
    cells = assign_cells(
        grid, points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    )
    keep = (cells >= 0) & (step >= 0)
    n_cells = len(grid)
    counts = np.bincount(
        cells[keep] * n_steps + step[keep], minlength=n_cells * n_steps
    ).reshape(n_cells, n_steps)
    start_months = first + lead + step_months * np.arange(n_steps)
    starts = pd.DatetimeIndex(
        pd.to_datetime(
            {"year": start_months // 12, "month": start_months % 12 + 1, "day": 1}
        )
    )
    n_outside = int((cells < 0).sum())
    n_dropped = int(((cells >= 0) & (step < 0)).sum())
    if n_outside:
        logger.info("%d point(s) fall outside the grid's cells.", n_outside)
    if n_dropped:
        logger.info(
            "%d point(s) in the first %d month(s) are left out: those months do not "
            "fill a whole %d-month step ending at the last month.",
            n_dropped,
            lead,
            step_months,
        )
    return Cube(
        grid=grid,
        starts=starts,
        step_months=step_months,
        counts=counts.astype(np.int64),
        n_points=len(points),
        n_outside=n_outside,
        n_dropped=n_dropped,
    )


def lag_matrix(n_steps: int, time_lag: int) -> sp.csr_matrix:
    """``L[t, s] = 1`` when ``0 <= t − s <= time_lag`` (this step and earlier ones)."""
    offsets = list(range(0, -min(time_lag, n_steps - 1) - 1, -1))
    return sp.diags(
        [np.ones(n_steps - abs(k)) for k in offsets],
        offsets,  # type: ignore[arg-type]
        shape=(n_steps, n_steps),
        format="csr",
    )


def space_time_weights(w: sp.spmatrix, n_steps: int, time_lag: int) -> sp.csr_matrix:
    """Space-time weights for bins ordered step-major (bin ``t·n + i``).

    ``kron(L, W)``: bin (t, i) neighbours bin (s, j) when ``w_ij = 1`` and ``s`` is
    ``t`` or one of the ``time_lag`` steps before it (ArcGIS's neighbourhood time
    step). The diagonal of ``w`` carries over, so every bin includes itself.
    """
    return sp.kron(lag_matrix(n_steps, time_lag), sp.csr_matrix(w), format="csr")


def cube_gistar(counts: np.ndarray, w: sp.spmatrix, time_lag: int) -> np.ndarray:
    """Gi* z-score for every bin of a cube (cells × steps) with space-time weights.

    The mean and standard deviation are over all bins of the cube (as ArcGIS
    does). Equal to ``gistar_arrays(x, space_time_weights(w, T, time_lag))`` with
    ``x`` the counts in step-major order, but built a block of steps at a time so
    the full weights matrix never has to sit in memory.
    """
    n_cells, n_steps = counts.shape
    x = np.asarray(counts, dtype=float).T.ravel()
    w = sp.csr_matrix(w, dtype=float)
    lags = lag_matrix(n_steps, time_lag)
    per_step = max(1, w.nnz * (min(time_lag, n_steps - 1) + 1))
    block = max(1, _MAX_BLOCK_NONZEROS // per_step)
    z = np.empty(n_cells * n_steps)
    for first in range(0, n_steps, block):
        stop = min(first + block, n_steps)
        rows = sp.kron(lags[first:stop], w, format="csr")
        z[first * n_cells : stop * n_cells] = gistar_arrays(x, rows)
    return z.reshape(n_steps, n_cells).T


@dataclass(frozen=True)
class CubeResult:
    """A cube with Gi* z, p-values and significance for every bin."""

    cube: Cube
    z: np.ndarray  # (cells, steps)
    p_value: np.ndarray
    p_fdr: np.ndarray
    significant: np.ndarray  # -1 cold, 0, +1 hot
    meta: dict
    weights: sp.csr_matrix  # spatial weights of the grid's cells


def bin_significance(
    counts: np.ndarray, w: sp.spmatrix, time_lag: int, alpha: float, fdr: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gi* z, two-sided p, BH-adjusted p and -1/0/+1 significance for every bin.

    The array core of :func:`analyse_cube` (counts: cells × steps); significance is
    judged on the adjusted p when ``fdr`` is true.
    """
    z = cube_gistar(counts, w, time_lag)
    p = 2.0 * stats.norm.sf(np.abs(z))
    p_fdr = benjamini_hochberg(p.ravel()).reshape(p.shape)
    significant = (np.sign(z) * ((p_fdr if fdr else p) < alpha)).astype(np.int8)
    return z, p, p_fdr, significant


def analyse_cube(
    points: gpd.GeoDataFrame,
    *,
    grid: gpd.GeoDataFrame | None,
    cell_size: float | None,
    shape: Shape,
    boundary,
    period: str,
    neighbours: Neighbours,
    time_lag: int,
    alpha: float,
    fdr: bool,
    time_column: str,
) -> CubeResult:
    """Build the cube and test every bin (shared by space_time_cube and emerging)."""
    if period not in _PERIOD_MONTHS:
        raise ValueError(f"period must be 'month' or 'quarter'; got {period!r}")
    if isinstance(time_lag, bool) or int(time_lag) != time_lag or time_lag < 0:
        raise ValueError(f"time_lag must be a whole number >= 0; got {time_lag!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1; got {alpha!r}")
    cube = build_cube(
        points,
        grid=grid,
        cell_size=cell_size,
        shape=shape,
        boundary=boundary,
        step_months=_PERIOD_MONTHS[period],
        align="end",
        time_column=time_column,
    )
    span = f"{cube.starts[0]:%Y-%m} to {cube.starts[-1]:%Y-%m}"
    if cube.n_steps < _MIN_STEPS:
        raise ValueError(
            f"only {cube.n_steps} time step(s) of one {period} ({span}); emerging hot "
            f"spot analysis needs at least {_MIN_STEPS} for the trend test. Use more "
            "months of data (two to three years is the sensible minimum) or "
            "period='month'."
        )
    if cube.n_steps < _FEW_STEPS:
        warnings.warn(
            f"only {cube.n_steps} time steps ({span}): the Mann-Kendall trend test has "
            "little power, so intensifying/diminishing patterns will rarely show. "
            "Use two to three years of monthly data.",
            HotspotsWarning,
            stacklevel=3,
        )
    if cube.counts.min() == cube.counts.max():
        raise ValueError(
            f"every bin of the cube holds {cube.counts.min()} points, so Gi* is "
            "undefined. Check the points fall inside the grid or boundary."
        )
    w = spatial_weights(cube.grid, neighbours)
    z, p, p_fdr, significant = bin_significance(
        cube.counts, w, int(time_lag), alpha, fdr
    )
    meta = {
        **cube.grid.attrs.get("hotspots", {}),
        "period": period,
        "n_steps": cube.n_steps,
        "first_step": f"{cube.starts[0]:%Y-%m}",
        "last_step": f"{cube.starts[-1]:%Y-%m}",
        "neighbours": neighbours,
        "time_lag": int(time_lag),
        "fdr": fdr,
        "alpha": alpha,
        "n_points": cube.n_points,
        "n_outside": cube.n_outside,
        "n_dropped": cube.n_dropped,
    }
    logger.debug("Cube: %d cells x %d steps.", *cube.counts.shape)
    return CubeResult(cube, z, p, p_fdr, significant, meta, w)


def space_time_cube(
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
) -> pd.DataFrame:
    """Return the space-time cube: counts, Gi* z and significance per cell and step.

    This is the cube that :func:`hotspots.emerging` classifies, as a tidy table
    for plotting a step or a cell's series.

    Parameters
    ----------
    points, grid, cell_size, shape, boundary
        The points (projected, metres, with a month column) and the grid, as for
        :func:`hotspots.emerging`.
    period, neighbours, time_lag, alpha, fdr, time_column
        As for :func:`hotspots.emerging` (``period`` "month" or "quarter";
        ``time_lag`` previous steps in each bin's neighbourhood).

    Returns
    -------
    DataFrame
        One row per cell and time step (sorted by ``cell_id`` then ``step``):
        ``cell_id``, ``step`` (0 = first), ``period_start`` (first month of the
        step), ``n`` (points), ``gi_z`` (space-time Gi* z-score), ``p_value``
        (two-sided normal p), ``p_fdr`` (Benjamini-Hochberg adjusted over all bins)
        and ``significant`` (+1 hot, −1 cold, 0 not significant at ``alpha``, on
        ``p_fdr`` when ``fdr`` else ``p_value``). ``attrs["hotspots"]`` as for
        :func:`hotspots.emerging`. Join to the grid on ``cell_id`` to map a step.

    Raises
    ------
    CRSError, SchemaError, ValueError
        As for :func:`hotspots.emerging`.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> months = pd.date_range("2023-01-01", periods=12, freq="MS")
    >>> pts = gpd.GeoDataFrame(
    ...     {"month": months[rng.integers(0, 12, 600)]},
    ...     geometry=gpd.points_from_xy(*rng.uniform(0, 1000, (2, 600))), crs=27700)
    >>> cube = space_time_cube(pts, cell_size=200)
    >>> list(cube.columns)
    ['cell_id', 'step', 'period_start', 'n', 'gi_z', 'p_value', 'p_fdr', 'significant']
    >>> len(cube) == 25 * 12
    True
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
    cube = result.cube
    n_cells, n_steps = cube.counts.shape
    out = pd.DataFrame(
        {
            "cell_id": np.repeat(cube.grid["cell_id"].to_numpy(), n_steps),
            "step": np.tile(np.arange(n_steps), n_cells),
            "period_start": np.tile(cube.starts.to_numpy(), n_cells),
            "n": cube.counts.ravel(),
            "gi_z": result.z.ravel(),
            "p_value": result.p_value.ravel(),
            "p_fdr": result.p_fdr.ravel(),
            "significant": result.significant.ravel(),
        }
    )
    out.attrs["hotspots"] = result.meta
    return out
