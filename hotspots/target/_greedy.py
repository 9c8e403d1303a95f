"""Selection primitives: the place grid and the greedy top-N kept apart."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np

from hotspots.exceptions import CRSError
from hotspots.find._grid import make_grid

__all__ = ["PLACE_CELL_SIZE", "greedy_select", "place_grid"]

logger = logging.getLogger(__name__)

#: Metres: the micro-place cell used when no cell size is given (a few street
#: segments; above the ~100-150 m at which police.uk snap points dominate).
PLACE_CELL_SIZE = 150.0


def place_grid(
    crimes: gpd.GeoDataFrame,
    *,
    grid: gpd.GeoDataFrame | None = None,
    cell_size: float | None = None,
    boundary=None,
) -> gpd.GeoDataFrame:
    """Return the grid places are drawn from: ``grid``, or square cells of 150 m.

    Unlike :func:`hotspots.make_grid`, a missing ``cell_size`` means
    :data:`PLACE_CELL_SIZE` (micro-places), not 1/50 of the extent; the choice is
    logged and recorded as ``cell_size_auto``.
    """
    if grid is not None:
        if grid.crs != crimes.crs:
            raise CRSError(
                f"crimes ({crimes.crs}) and grid ({grid.crs}) use different CRSs. "
                "Reproject one with to_crs()."
            )
        return grid
    auto = cell_size is None
    if auto:
        cell_size = PLACE_CELL_SIZE
        logger.info(
            "Place cell size set to %.0f m (micro-places). Pass cell_size= to "
            "override.",
            PLACE_CELL_SIZE,
        )
    out = make_grid(crimes, cell_size=cell_size, boundary=boundary)
    out.attrs["hotspots"]["cell_size_auto"] = auto
    return out


def greedy_select(
    score: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    *,
    n_places: int,
    min_separation: float = 0.0,
    eligible: np.ndarray | None = None,
    area: np.ndarray | None = None,
    max_area: float | None = None,
) -> np.ndarray:
    """Return the positions of the chosen cells, best first (the array core).

    Candidates are the eligible cells with a finite score > 0, ranked by score
    (highest first) and, for equal scores, by position (lowest first). Walk down
    the ranking: take a candidate unless its centre is closer than
    ``min_separation`` to a place already taken, or its ``area`` would push the
    total above ``max_area``; stop at ``n_places``.

    Examples
    --------
    >>> import numpy as np
    >>> greedy_select(np.array([9.0, 10.0, 9.0]), np.array([0.0, 150, 300]),
    ...               np.zeros(3), n_places=2, min_separation=200).tolist()
    [1]
    """
    score = np.asarray(score, dtype=float)
    ok = np.isfinite(score) & (score > 0)
    if eligible is not None:
        ok &= np.asarray(eligible, dtype=bool)
    candidates = np.flatnonzero(ok)
    # lexsort: last key is primary -> score descending, then position ascending.
    candidates = candidates[np.lexsort((candidates, -score[candidates]))]
    if min_separation <= 0 and (max_area is None or area is None):
        return candidates[:n_places].astype(np.int64)
    chosen: list[int] = []
    used = 0.0
    for i in candidates:
        if len(chosen) == n_places:
            break
        if chosen and min_separation > 0:
            gap = np.hypot(x[chosen] - x[i], y[chosen] - y[i]).min()
            if gap < min_separation:
                continue
        if max_area is not None and area is not None:
            if used + area[i] > max_area * (1 + 1e-12):
                continue
            used += area[i]
        chosen.append(int(i))
    return np.asarray(chosen, dtype=np.int64)
