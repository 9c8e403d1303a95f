"""Space-time cube helpers shared by :func:`hotspots.emerging` and
:func:`hotspots.classify_hotspots`: time steps from a month column, counts per cell
and step, space-time weights, and Gi* for every bin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from hotspots._validate import check_projected
from hotspots.exceptions import CRSError, SchemaError
from hotspots.gistar import gistar_arrays
from hotspots.grid import Shape, assign_cells, make_grid

__all__ = ["Cube", "build_cube", "cube_gistar", "space_time_weights"]

logger = logging.getLogger(__name__)

#: Upper bound on non-zeros in one block of space-time weight rows (memory bound).
_MAX_BLOCK_NONZEROS = 20_000_000


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
