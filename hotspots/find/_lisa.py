"""The machinery behind :func:`hotspots.local_moran`: cells, weights, esda, checks.

Cells and the column to test (points counted, or polygons as given), binary
neighbours without the cell itself (the same neighbours as Gi*, minus the diagonal),
the call to esda's ``Moran_Local`` that leaves numpy's global random state alone, the
conditional-permutation z-score and the checks that explain untestable cells and
permutation counts too small for FDR control.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely

from hotspots._validate import as_rng, check_projected
from hotspots.exceptions import HotspotsWarning
from hotspots.find._gistar import cells_to_test as gistar_cells
from hotspots.find._grid import Shape
from hotspots.find._weights import (
    Neighbours,
    _band_reaching_every_cell,
    spatial_weights,
)

__all__ = [
    "CLUSTER_NOT_TESTABLE",
    "cells_to_test",
    "conditional_z",
    "esda_moran_local",
    "esda_seed",
    "lisa_weights",
    "untestable_cells",
    "warn_if_resolution_binds",
]

#: Class of a cell local Moran's I cannot test (no neighbour, or every other cell a
#: neighbour); its quadrant is 0 and its I, z and p-values are NaN.
CLUSTER_NOT_TESTABLE = "Not testable"
_SEED_BOUND = 2**31 - 1  # esda's numba kernels take an integer seed


def cells_to_test(
    data: gpd.GeoDataFrame,
    value: str | None,
    *,
    grid: gpd.GeoDataFrame | None,
    cell_size: float | None,
    shape: Shape,
    boundary,
    weights: str | None,
) -> tuple[gpd.GeoDataFrame, str]:
    """As gistar's ``cells_to_test``, and polygons must be in metres too.

    Raises
    ------
    CRSError
        If the data are not in a projected CRS in metres.
    ValueError
        If polygons are given without ``value``, or the column is missing.
    """
    is_point = shapely.get_type_id(data.geometry.values) == 0
    if not (len(data) and is_point.all()):
        check_projected(data, "data")
    return gistar_cells(
        data,
        value,
        grid=grid,
        cell_size=cell_size,
        shape=shape,
        boundary=boundary,
        weights=weights,
    )


def lisa_weights(cells: gpd.GeoDataFrame, neighbours: Neighbours) -> sp.csr_matrix:
    """Binary neighbour matrix of the cells *without* the cell itself (``w_ii = 0``).

    The same neighbours as :func:`hotspots.gistar` uses (queen, rook or a distance
    band in metres), minus the diagonal: local and global Moran's I compare a cell
    with its neighbours, not with itself. Row-standardise it (esda's
    ``transformation="r"``) before use.
    """
    w = spatial_weights(cells, neighbours).tocsr()
    w.setdiag(0)
    w.eliminate_zeros()
    return w


def untestable_cells(
    cells: gpd.GeoDataFrame, w: sp.csr_matrix, neighbours: Neighbours
) -> np.ndarray:
    """Mask of cells with no neighbour or every other cell a neighbour; warn/refuse."""
    n = len(cells)
    k = np.diff(w.indptr)
    islands, whole = k == 0, k >= n - 1
    bad = islands | whole
    if not bad.any():
        return bad
    setting = f"neighbours={neighbours!r}" + (
        "" if isinstance(neighbours, str) else " m"
    )
    if bad.all():
        band = _band_reaching_every_cell(cells)
        raise ValueError(
            f"no cell can be tested with {setting}: every cell has either no "
            "neighbour or every other cell as a neighbour, so local Moran's I has "
            f"nothing to compare. Use neighbours={band:g} (metres, the shortest band "
            "that reaches a neighbour of every cell) or 'queen'."
        )
    warnings.warn(
        f"{int(islands.sum())} of {n} cells have no neighbour and {int(whole.sum())} "
        f"have every other cell as a neighbour with {setting}; they are not "
        f"testable (class {CLUSTER_NOT_TESTABLE!r}). A band of at least "
        f"{_band_reaching_every_cell(cells):g} m gives every cell a neighbour.",
        HotspotsWarning,
        stacklevel=3,
    )
    return bad


def conditional_z(z: np.ndarray, w_row: sp.csr_matrix) -> np.ndarray:
    """Standardised local Moran's I under the conditional-permutation null.

    With cell i's value held fixed and its neighbours drawn without replacement
    from the other ``N = n - 1`` standardised values (mean ``m_i``, population
    variance ``v_i``), the lag ``L_i = Σ_j w_ij z_j`` has mean ``m_i Σ_j w_ij`` and
    variance ``v_i (N Σ w² − (Σ w)²) / (N − 1)``; the z of ``I_i ∝ z_i L_i`` is
    ``sign(z_i) (L_i − E L_i) / SD L_i``: the analytic counterpart of esda's
    ``z_sim``.
    """
    n = len(z)
    big_n = n - 1
    lag = w_row @ z
    w_sum = np.asarray(w_row.sum(axis=1)).ravel()
    w_sq = np.asarray(w_row.multiply(w_row).sum(axis=1)).ravel()
    mean_other = -z / big_n
    var_other = (np.sum(z**2) - z**2) / big_n - mean_other**2
    var_lag = var_other * (big_n * w_sq - w_sum**2) / (big_n - 1)
    out = np.full(n, np.nan)
    ok = var_lag > 1e-12
    out[ok] = np.sign(z[ok]) * (lag[ok] - mean_other[ok] * w_sum[ok])
    out[ok] /= np.sqrt(var_lag[ok])
    return out


def esda_moran_local(x, graph, permutations: int, seed: int):
    """Run esda's ``Moran_Local`` (row-standardised), leaving numpy's global state.

    esda seeds numpy's legacy global generator with ``seed``; the state is restored
    afterwards so that calling :func:`local_moran` changes no other code's draws.
    """
    from esda.moran import Moran_Local

    state = np.random.get_state()  # noqa: NPY002 - restore what esda reseeds
    try:
        with warnings.catch_warnings():
            # esda announces that its default alternative ("directed", the folded
            # one-sided p) will change; we document and use it as it is.
            warnings.filterwarnings(
                "ignore",
                message="The alternative hypothesis",
                category=DeprecationWarning,
            )
            return Moran_Local(
                x,
                graph,
                transformation="r",
                permutations=permutations,
                seed=seed,
                keep_simulations=False,
                n_jobs=1,
            )
    finally:
        np.random.set_state(state)  # noqa: NPY002


def warn_if_resolution_binds(
    p_two: np.ndarray,
    p_fdr: np.ndarray,
    moran_z: np.ndarray,
    permutations: int,
    alpha: float,
) -> None:
    """Warn when FDR calls no cell only because the permutations were too few.

    Cells at the smallest two-sided p that ``permutations`` allow (``2/(R + 1)``)
    are checked with the normal approximation of their ``moran_z``: if
    Benjamini-Hochberg on those finer p-values would call ``j`` of them
    significant, the warning gives the permutations that would let it.
    """
    from scipy import stats

    floor = 2.0 / (permutations + 1)
    at_floor = p_two <= floor * (1 + 1e-9)
    if not at_floor.any() or (p_fdr < alpha).any():
        return
    m = int(np.isfinite(p_two).sum())
    finer = np.sort(2.0 * stats.norm.sf(np.abs(moran_z[at_floor])))
    passing = np.flatnonzero(finer <= alpha * np.arange(1, len(finer) + 1) / m)
    if not len(passing):
        return
    j = int(passing.max()) + 1
    needed = int(np.ceil(2 * m / (alpha * j)))
    warnings.warn(
        f"{int(at_floor.sum())} cells reach the smallest two-sided p that "
        f"{permutations} permutations allow ({floor:.4f}), too coarse for false "
        f"discovery rate control over {m} cells: no cell is significant, although "
        f"the normal approximation calls {j} of them. Use permutations={needed} or "
        "more, or fdr=False.",
        HotspotsWarning,
        stacklevel=3,
    )


def esda_seed(rng) -> int:
    if rng is not None and not isinstance(rng, np.random.Generator):
        as_rng(rng)  # validates the type, with the package's message
        return int(rng)
    return int(as_rng(rng).integers(_SEED_BOUND))
