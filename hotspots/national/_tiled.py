"""Gi* and kernel density over tiles with halos, in-process or on Dask.

:func:`tiled` gives the same cells and values as :func:`hotspots.gistar` and
:func:`hotspots.kde` (exact mode) over the same points, computed tile by tile so that
no piece of work needs the whole grid (:doc:`/docs/methods/scale`).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from hotspots.exceptions import HotspotsWarning
from hotspots.national._dask import ClientLike, dask_client, map_tasks
from hotspots.national._tiled_tasks import gistar_tile, kde_tile, tile_cells_frame
from hotspots.national._tiles import GridSpec, Tile, grid_spec, spread, tiles

__all__ = ["DEFAULT_TILE_CELLS", "tiled"]

logger = logging.getLogger(__name__)

#: Tiles are this many cells a side unless ``tile_size`` is given (37.5 km at 150 m).
DEFAULT_TILE_CELLS = 250
_M2_PER_KM2 = 1e6


def _gistar_part(part: tuple[Tile, np.ndarray, np.ndarray], **common: Any):
    tile, cells, values = part
    return gistar_tile(tile, cells=cells, values=values, **common)


def _kde_part(part: tuple[Tile, np.ndarray, np.ndarray, Any], **common: Any):
    tile, px, py, w = part
    return kde_tile(tile, px=px, py=py, weights=w, **common)


def _points(crimes, weights: str | None):
    import shapely

    from hotspots._validate import check_projected, check_weights

    check_projected(crimes, "crimes")
    geoms = crimes.geometry.values
    if len(crimes) and not (shapely.get_type_id(geoms) == 0).all():
        raise ValueError("crimes must all be Point geometries; use .centroid first.")
    xy = shapely.get_coordinates(geoms)
    return xy[:, 0], xy[:, 1], check_weights(crimes, weights)


def _tile_cells(tile_size: float | None, spec: GridSpec) -> int:
    if tile_size is None:
        logger.info(
            "Tiles set automatically to %d cells a side (%.0f m). Pass tile_size= "
            "(metres) to override.",
            DEFAULT_TILE_CELLS,
            DEFAULT_TILE_CELLS * spec.size,
        )
        return DEFAULT_TILE_CELLS
    if not tile_size > 0:
        raise ValueError(f"tile_size must be > 0 metres; got {tile_size!r}")
    return max(1, math.ceil(tile_size / spec.size - 1e-9))


def _gistar_halo(neighbours: Any, halo: float | None, size: float) -> int:
    if isinstance(neighbours, str):
        if neighbours not in ("queen", "rook"):
            raise ValueError(
                f"neighbours must be 'queen', 'rook' or a distance in metres; "
                f"got {neighbours!r}"
            )
        need = 1
    else:
        distance = float(neighbours)
        if not np.isfinite(distance) or distance <= 0:
            raise ValueError(
                f"neighbours distance must be > 0 metres; got {neighbours!r}"
            )
        need = math.ceil(distance * (1 + 1e-9) / size)
    if halo is None:
        return need
    given = math.ceil(halo / size - 1e-9)
    if given < need:
        raise ValueError(
            f"halo={halo:g} m is narrower than the Gi* neighbourhood ({need} cells, "
            f"{need * size:g} m): cells near tile edges would miss neighbours. Leave "
            "halo=None to have it set from neighbours=."
        )
    return given


def _tiled_gistar(crimes, spec, tile_list, n_tiles_x, n_tiles_y, opts, client, run):
    neighbours = opts.pop("neighbours", "queen")
    fdr = opts.pop("fdr", True)
    weights = opts.pop("weights", None)
    halo_cells = _gistar_halo(neighbours, opts.pop("halo"), spec.size)
    px, py, w = _points(crimes, weights)
    cell = spec.assign(px, py)
    inside = cell >= 0
    occupied, inverse = np.unique(cell[inside], return_inverse=True)
    counts = np.bincount(inverse, minlength=len(occupied)).astype(np.int64)
    sums = (
        np.bincount(inverse, weights=w[inside], minlength=len(occupied))
        if w is not None
        else counts.astype(float)
    )
    hist_values, hist_counts = np.unique(
        np.concatenate([sums, [0.0]]), return_counts=True
    )
    hist_counts[np.searchsorted(hist_values, 0.0)] += spec.n - len(occupied) - 1
    row, col = np.divmod(occupied, spec.ncol)
    t, item = spread(
        col + 0.5, row + 0.5, run["tile_cells"], halo_cells, n_tiles_x, n_tiles_y
    )
    bounds = np.searchsorted(t, np.arange(len(tile_list) + 1))
    parts = [
        (tile, occupied[item[a:b]], sums[item[a:b]])
        for tile, a, b in zip(tile_list, bounds[:-1], bounds[1:], strict=True)
    ]
    common = {
        "spec": spec,
        "halo_cells": halo_cells,
        "neighbours": neighbours,
        "hist_values": hist_values,
        "hist_counts": hist_counts,
    }
    results, info = map_tasks(
        _gistar_part,
        parts,
        client=client,
        progress=run["progress"],
        desc="Gi* tiles",
        common=common,
    )
    z = np.full(spec.n, np.nan)
    off = np.zeros(spec.n, dtype=np.int64)
    for ids, zt, ot in results:
        z[ids], off[ids] = zt, ot
    from scipy import stats  # here: scipy.stats takes ~0.5 s to import

    from hotspots.find._gistar import (
        HOTSPOT_CLASSES,
        NOT_TESTABLE,
        _bins,
        benjamini_hochberg,
    )

    untestable = (off == 0) | (off >= spec.n - 1)
    _check_testable(untestable, off, neighbours)
    z[untestable] = np.nan
    p = 2.0 * stats.norm.sf(np.abs(z))
    p_fdr = benjamini_hochberg(p)
    bins = _bins(z, p_fdr if fdr else p)
    out = tile_cells_frame(spec, 0, spec.nrow, 0, spec.ncol, crimes.crs)
    full_counts = np.zeros(spec.n, dtype=np.int64)
    full_counts[occupied] = counts
    out["n"] = full_counts
    if w is not None:
        out["weighted_n"] = np.zeros(spec.n)
        out.loc[occupied, "weighted_n"] = sums
    out["gi_z"], out["p_value"], out["p_fdr"], out["gi_bin"] = z, p, p_fdr, bins
    codes = np.where(untestable, len(HOTSPOT_CLASSES), 3 - bins)
    import pandas as pd

    out["hotspot_class"] = pd.Categorical.from_codes(
        codes, categories=[*HOTSPOT_CLASSES.values(), NOT_TESTABLE]
    )
    meta = {
        "value": "weighted_n" if w is not None else "n",
        "neighbours": neighbours,
        "fdr": fdr,
        "halo_cells": halo_cells,
        "n_hot": int((bins > 0).sum()),
        "n_cold": int((bins < 0).sum()),
        "n_islands": int((off == 0).sum()),
        "n_not_testable": int(untestable.sum()),
    }
    return out, meta, info, int((~inside).sum())


def _check_testable(untestable: np.ndarray, off: np.ndarray, neighbours: Any) -> None:
    if not untestable.any():
        return
    if untestable.all():
        raise ValueError(
            f"no cell can be tested with neighbours={neighbours!r}: each has no "
            "neighbour, or every cell is its neighbour. Use 'queen' or a distance "
            "band of at least the cell size."
        )
    warnings.warn(
        f"{int(untestable.sum())} of {len(off)} cells cannot be tested with "
        f"neighbours={neighbours!r} ({int((off == 0).sum())} have no neighbour): "
        "they get no z-score and the class 'not testable', as in hotspots.gistar.",
        HotspotsWarning,
        stacklevel=4,
    )


def _tiled_kde(crimes, spec, tile_list, n_tiles_x, n_tiles_y, opts, client, run):
    from hotspots._validate import check_positive
    from hotspots.find._kde import auto_bandwidth
    from hotspots.find._kde_arrays import kernel_support

    kernel = opts.pop("kernel", "quartic")
    if kernel not in ("quartic", "gaussian"):
        raise ValueError(f"kernel must be 'quartic' or 'gaussian'; got {kernel!r}")
    bandwidth = opts.pop("bandwidth", None)
    px, py, w = _points(crimes, opts.pop("weights", None))
    if bandwidth is None:
        h = max(auto_bandwidth(px, py, w), spec.size)
        logger.info("Bandwidth set automatically to %.0f m (as hotspots.kde).", h)
    else:
        h = check_positive(bandwidth, "bandwidth")
        if h < spec.size:
            warnings.warn(
                f"bandwidth {h:.0f} m is smaller than the cell size {spec.size:.0f} m: "
                "the surface will be isolated spikes. Use a bandwidth of at least the "
                "cell size (typically 2-4 times it).",
                HotspotsWarning,
                stacklevel=4,
            )
    reach = kernel_support(h, kernel)
    halo = opts.pop("halo")
    if halo is not None and halo < reach:
        raise ValueError(
            f"halo={halo:g} m is narrower than the kernel's support ({reach:g} m): "
            "cells near tile edges would miss events. Leave halo=None."
        )
    reach = reach if halo is None else float(halo)
    step = run["tile_cells"] * spec.size
    t, item = spread(
        px - spec.x0, py - spec.y0, step, reach * (1 + 1e-9), n_tiles_x, n_tiles_y
    )
    bounds = np.searchsorted(t, np.arange(len(tile_list) + 1))
    parts = [
        (tile, px[item[a:b]], py[item[a:b]], None if w is None else w[item[a:b]])
        for tile, a, b in zip(tile_list, bounds[:-1], bounds[1:], strict=True)
    ]
    common = {"spec": spec, "bandwidth": h, "kernel": kernel}
    results, info = map_tasks(
        _kde_part,
        parts,
        client=client,
        progress=run["progress"],
        desc="KDE tiles",
        common=common,
    )
    density = np.zeros(spec.n)
    for ids, d in results:
        density[ids] = d
    out = tile_cells_frame(spec, 0, spec.nrow, 0, spec.ncol, crimes.crs)
    out["kde"] = density * _M2_PER_KM2
    meta = {"bandwidth": h, "kernel": kernel, "method": "exact", "halo_m": reach}
    return out, meta, info, 0


def tiled(
    func: Literal["gistar", "kde"],
    crimes,
    *,
    cell_size: float | None = None,
    tile_size: float | None = None,
    halo: float | None = None,
    client: ClientLike = None,
    local_cluster: bool | Mapping[str, Any] = False,
    progress: bool = True,
    **kwargs: Any,
):
    """Return Gi* or kernel density on a grid, computed tile by tile with halos.

    The grid is the one :func:`hotspots.make_grid` puts over the points; it is cut
    into square tiles, each computed on its core cells plus a halo as wide as the
    statistic's reach, and only the core cells are kept. Gi* uses the whole grid's
    ``n``, mean and standard deviation (one pass over all cells first) and applies
    Benjamini-Hochberg over all cells after the tiles are back, so the result is
    the untiled one (:doc:`/docs/methods/scale`).

    Parameters
    ----------
    func : {"gistar", "kde"}
        The statistic: :func:`hotspots.gistar` on counts per cell (keywords
        ``neighbours``, ``fdr``, ``weights``) or :func:`hotspots.kde` in exact mode
        (keywords ``bandwidth``, ``kernel``, ``weights``).
    crimes : GeoDataFrame
        Point events in a projected CRS in metres.
    cell_size : float, optional
        Metres; None chooses it as :func:`hotspots.make_grid` does (logged).
    tile_size : float, optional
        Side of a tile in metres, rounded up to whole cells; None = 250 cells
        (logged). Any size works, including tiles smaller than the halo.
    halo : float, optional
        Metres beyond a tile's core that it sees. None (recommended) sets it from
        the statistic: one cell for queen/rook, the band for a distance band, the
        kernel's support for KDE (the bandwidth for quartic; 8 bandwidths for the
        Gaussian, the cut-off of exact mode, beyond which the kernel is below
        ``exp(-32)`` ≈ 1.3e-14 of its peak). A narrower halo is refused.
    client : distributed.Client or str, optional
        Run the tiles on this Dask cluster (a client, or a scheduler address such
        as ``"tcp://scheduler:8786"``). None runs in this process.
    local_cluster : bool or mapping, default False
        True starts a ``distributed.LocalCluster`` (a mapping: its arguments) for
        this call and closes it after.
    progress : bool, default True
        Show a progress bar over tiles.
    **kwargs
        Settings of the statistic, listed under ``func``. Gi* permutations are
        not available tiled (one set of random draws is shared by all cells).

    Returns
    -------
    GeoDataFrame
        Every cell of the grid (``cell_id``, ``row``, ``col``, ``geometry``) with,
        for Gi*, ``n`` (and ``weighted_n``), ``gi_z``, ``p_value``, ``p_fdr``,
        ``gi_bin``, ``hotspot_class``; for KDE, ``kde`` (events per km²).
        ``attrs["hotspots"]`` records the settings, ``tile_cells``, ``n_tiles``,
        the halo, and where it ran (``path``, ``n_tasks``, ``dashboard``).

    Raises
    ------
    ValueError
        If ``func`` is unknown, a keyword is not one of its settings, the halo is
        narrower than needed, or as :func:`hotspots.gistar` / :func:`hotspots.kde`.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> rng = np.random.default_rng(1)
    >>> xy = np.vstack([rng.uniform(0, 5000, (500, 2)), rng.normal(2500, 60, (80, 2))])
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy.T), crs=27700)
    >>> cells = tiled("gistar", pts, cell_size=250, tile_size=1000, progress=False)
    >>> cells.attrs["hotspots"]["n_tiles"], cells.loc[cells["gi_z"].idxmax(), "gi_bin"]
    (25, np.int64(3))
    >>> from hotspots.find import gistar
    >>> whole = gistar(pts, cell_size=250)
    >>> float(np.nanmax(np.abs(cells["gi_z"] - whole["gi_z"])))  # tiled == untiled
    0.0
    """
    allowed = {
        "gistar": {"neighbours", "fdr", "weights"},
        "kde": {"bandwidth", "kernel", "weights"},
    }
    if func not in allowed:
        raise ValueError(f"func must be 'gistar' or 'kde'; got {func!r}")
    unknown = set(kwargs) - allowed[func]
    if unknown:
        raise ValueError(
            f"tiled({func!r}) does not take {sorted(unknown)}; its settings are "
            f"{sorted(allowed[func])}."
        )
    from hotspots._validate import check_projected

    check_projected(crimes, "crimes")
    px, py, _ = _points(crimes, None)
    spec = grid_spec(px, py, cell_size)
    tile_cells = _tile_cells(tile_size, spec)
    tile_list = tiles(spec, tile_cells)
    n_tiles_x = math.ceil(spec.ncol / tile_cells)
    n_tiles_y = math.ceil(spec.nrow / tile_cells)
    run = {"tile_cells": tile_cells, "progress": progress}
    opts = {**kwargs, "halo": halo}
    compute = _tiled_gistar if func == "gistar" else _tiled_kde
    with dask_client(client, local_cluster) as dask:
        out, meta, info, outside = compute(
            crimes, spec, tile_list, n_tiles_x, n_tiles_y, opts, dask, run
        )
    if outside:
        warnings.warn(
            f"{outside:,} of {len(crimes):,} points fall in no cell of the grid and "
            "are not counted.",
            HotspotsWarning,
            stacklevel=2,
        )
    out.attrs["hotspots"] = {
        "cell_size": spec.size,
        "cell_size_auto": spec.auto,
        "cell_size_rule": spec.rule,
        "shape": "square",
        "origin": (spec.x0, spec.y0),
        **meta,
        "tile_cells": tile_cells,
        "n_tiles": len(tile_list),
        **info,
    }
    logger.info(
        "Tiled %s on %d cells in %d tiles of %d cells a side (%s).",
        func,
        spec.n,
        len(tile_list),
        tile_cells,
        info["path"],
    )
    return out
