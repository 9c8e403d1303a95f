"""Anselin's local Moran's I: clusters and outliers, through esda's ``Moran_Local``.

The statistic and its conditional-permutation pseudo p-values come from esda (tested
equal to calling esda directly); this module builds the row-standardised weights
from the grid as :func:`hotspots.gistar` builds its neighbours, marks the cells that
cannot be tested, controls the false discovery rate and names each cell's class as
ArcGIS's Cluster and Outlier Analysis does (:doc:`/docs/methods/local-moran`).
"""

from __future__ import annotations

import logging
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from hotspots.exceptions import HotspotsWarning
from hotspots.find._gistar import benjamini_hochberg
from hotspots.find._grid import Shape
from hotspots.find._lisa import (
    CLUSTER_NOT_TESTABLE,
    cells_to_test,
    conditional_z,
    esda_moran_local,
    esda_seed,
    lisa_weights,
    untestable_cells,
    warn_if_resolution_binds,
)
from hotspots.find._weights import Neighbours

__all__ = ["CLUSTER_CLASSES", "CLUSTER_NOT_TESTABLE", "QUADRANTS", "local_moran"]

logger = logging.getLogger(__name__)

#: Class of a cell by esda's quadrant (1 HH, 2 LH, 3 LL, 4 HL; 0 = not significant),
#: in legend order (high values first), named as ArcGIS's Cluster and Outlier
#: Analysis names its COType classes.
CLUSTER_CLASSES: dict[int, str] = {
    1: "High-High cluster",
    4: "High-Low outlier",
    2: "Low-High outlier",
    3: "Low-Low cluster",
    0: "Not significant",
}
#: esda's quadrant numbers (``geoda_quads=False``) and their short names.
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: Fewer cells than this cannot be tested; fewer than ``_FEW_CELLS`` warn (ESRI's
#: tools refuse, or call unreliable, an analysis of fewer than 30 features).
_MIN_CELLS = 5
_FEW_CELLS = 30
_MIN_PERMUTATIONS_FOR_FDR = 99


def local_moran(
    data: gpd.GeoDataFrame,
    *,
    value: str | None = None,
    grid: gpd.GeoDataFrame | None = None,
    cell_size: float | None = None,
    shape: Shape = "square",
    boundary=None,
    weights: str | None = None,
    neighbours: Neighbours = "queen",
    permutations: int = 999,
    fdr: bool = True,
    alpha: float = 0.05,
    rng: int | np.random.Generator | None = None,
    progress: bool = True,
) -> gpd.GeoDataFrame:
    """Return cells with local Moran's I, pseudo p-values and cluster/outlier classes.

    Parameters
    ----------
    data : GeoDataFrame
        Point events (counted per cell with :func:`hotspots.count_points`) or
        polygons (grid cells, LSOAs...) that hold ``value``. Projected CRS in metres.
    value : str, optional
        Column of polygon ``data`` to test. Default for points: ``"weighted_n"``
        with ``weights``, else ``"n"``.
    grid, cell_size, shape, boundary, weights
        For point input, passed to :func:`hotspots.count_points` (cell size in
        metres; None = automatic, logged and recorded).
    neighbours : "queen", "rook" or float, default "queen"
        Contiguity, or a distance band in metres between cell centres, built as for
        :func:`hotspots.gistar` but without the cell itself, then row-standardised.
    permutations : int, default 999
        Conditional permutations for the pseudo p-values (at least 1).
    fdr : bool, default True
        Class on Benjamini-Hochberg adjusted p-values (``p_fdr``); False classes on
        ``p_sim_two_sided``.
    alpha : float, default 0.05
        A cell is significant when the p used for classing is below ``alpha``.
    rng : int, Generator or None
        An int is passed to esda as its seed (``local_moran(..., rng=7)`` equals
        ``Moran_Local(..., seed=7)``); a Generator or None draws that seed.
    progress : bool, default True
        Show a progress bar while esda permutes.

    Returns
    -------
    GeoDataFrame
        The cells with their columns plus ``moran_i`` (esda's ``Is``), ``moran_z``
        (standardised under the conditional-permutation null, see Notes),
        ``p_sim`` (esda's pseudo p, *one-sided in the direction of the observed
        value*: ``(min(L, R − L) + 1)/(R + 1)`` with ``L`` the permuted I at least
        as large as observed, esda's "directed" alternative), ``p_sim_two_sided``
        (``min(1, 2·p_sim)``), ``p_fdr`` (Benjamini-Hochberg adjusted
        ``p_sim_two_sided``), ``quadrant`` (esda's ``q``: 1 HH, 2 LH, 3 LL, 4 HL;
        0 when not testable) and ``cluster`` (categorical, the labels of
        :data:`CLUSTER_CLASSES` then :data:`CLUSTER_NOT_TESTABLE`).
        ``attrs["hotspots"]`` records the grid, ``value``, ``neighbours``,
        ``permutations``, ``seed``, ``fdr``, ``alpha``, ``class_counts``,
        ``n_islands`` and ``n_not_testable``.

    Raises
    ------
    CRSError
        If the data are not in a projected CRS in metres.
    ValueError
        If the value column is missing or has NaN, all cells have one value,
        there are fewer than 5 cells, ``permutations`` < 1, ``alpha`` not in (0, 1),
        or no cell has a neighbour.

    Warns
    -----
    HotspotsWarning
        With fewer than 30 cells, fewer than 99 permutations under FDR, or cells
        that cannot be tested (no neighbour, or every cell a neighbour).

    Notes
    -----
    With ``z_i`` the values standardised to mean 0 and SD 1 and row-standardised
    weights ``w_ij`` (no self-weight), esda computes ``I_i = (n − 1) z_i Σ_j w_ij
    z_j / Σ_k z_k²`` (Anselin 1995). A significant cell with ``I_i > 0`` is part of a
    cluster (HH: high value, high neighbours; LL), with ``I_i < 0`` an outlier (HL:
    high value among low neighbours; LH). The class uses the two-sided p: esda's
    and GeoDa's maps class ``p_sim < 0.05``, which is a two-sided test at 10%;
    ``alpha=0.1, fdr=False`` reproduces them. ``moran_z`` standardises the
    neighbours' lag by its exact mean and variance when the neighbours are drawn
    without replacement from the other cells (the null esda simulates); it agrees
    with esda's ``z_sim`` up to Monte Carlo error but does not class anything.
    A cell whose value equals the mean has ``I_i = 0`` under every permutation; esda
    gives it the smallest possible p, we give it ``p_sim = 1``.

    **Permutations limit FDR.** The smallest two-sided p is ``2/(R + 1)``
    (0.002 with 999 permutations); with ``m`` cells tested, Benjamini-Hochberg can
    call cells significant only if at least ``m·2/((R + 1)·alpha)`` of them reach
    it (16 of 400 cells at 999 permutations). When cells reach that floor, FDR
    calls none, and the normal approximation of their ``moran_z`` says finer
    p-values would, a warning gives the permutations needed.

    References
    ----------
    Anselin, L. (1995). Local indicators of spatial association — LISA.
    *Geographical Analysis* 27(2), 93-115.
    Benjamini, Y. & Hochberg, Y. (1995). *JRSS B* 57(1), 289-300.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> rng = np.random.default_rng(1)
    >>> xy = np.vstack([rng.uniform(0, 5000, (2000, 2)),
    ...                 rng.normal(2500, 400, (800, 2))])
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy.T), crs=27700)
    >>> cells = local_moran(pts, cell_size=250, rng=1, progress=False)
    >>> cells.loc[cells["n"].idxmax(), "cluster"]
    'High-High cluster'
    """
    from libpysal.graph import Graph
    from tqdm.auto import tqdm

    if isinstance(permutations, bool) or int(permutations) != permutations:
        raise ValueError(
            f"permutations must be a whole number >= 1; got {permutations!r}"
        )
    if permutations < 1:
        raise ValueError(
            "local_moran's p-values come from conditional permutations: "
            f"permutations must be >= 1 (999 is usual); got {permutations!r}"
        )
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1; got {alpha!r}")
    cells, value = cells_to_test(
        data,
        value,
        grid=grid,
        cell_size=cell_size,
        shape=shape,
        boundary=boundary,
        weights=weights,
    )
    x = cells[value].to_numpy(dtype=float)
    n = len(x)
    if not np.isfinite(x).all():
        raise ValueError(
            f"{value!r} has {int((~np.isfinite(x)).sum())} missing or infinite "
            "entries; local Moran's I needs a number in every cell (fill empty cells "
            "with 0)."
        )
    if n < _MIN_CELLS:
        raise ValueError(
            f"local Moran's I needs at least {_MIN_CELLS} cells; got {n}. Use a "
            "larger area or smaller cells."
        )
    sd = x.std()
    if not sd > 1e-12 * max(1.0, abs(x.mean())):
        raise ValueError(
            f"all {n} cells have the same {value!r} ({x[0]:g}), so local Moran's I is "
            "undefined (no variation to test). Use a larger area or a different "
            "cell size."
        )
    if n < _FEW_CELLS:
        warnings.warn(
            f"only {n} cells: with fewer than {_FEW_CELLS} the permutation reference "
            "distribution is coarse and ESRI calls the results unreliable. Use a "
            "larger area or smaller cells.",
            HotspotsWarning,
            stacklevel=2,
        )
    if fdr and permutations < _MIN_PERMUTATIONS_FOR_FDR:
        warnings.warn(
            f"only {permutations} permutations: the smallest possible two-sided p is "
            f"{2 / (permutations + 1):.3f}, too coarse for FDR control; use 999.",
            HotspotsWarning,
            stacklevel=2,
        )
    w = lisa_weights(cells, neighbours)
    untestable = untestable_cells(cells, w, neighbours)
    z = (x - x.mean()) / sd
    seed = esda_seed(rng)
    bar = tqdm(total=1, desc="Local Moran permutations", disable=not progress)
    lisa = esda_moran_local(x, Graph.from_sparse(w), int(permutations), seed)
    bar.update(1)
    bar.close()
    k = np.maximum(np.diff(w.indptr), 1)
    w_row = sp.diags(1.0 / k) @ w
    # a value at the mean gives I = 0 under every permutation: no evidence (p = 1),
    # where esda's folded count gives it the smallest possible p
    p_sim = np.where(np.abs(z) < 1e-9, 1.0, lisa.p_sim)
    p_sim = np.where(untestable, np.nan, p_sim)
    p_two = np.minimum(1.0, 2.0 * p_sim)
    p_fdr = benjamini_hochberg(p_two)
    significant = (p_fdr if fdr else p_two) < alpha  # NaN (not tested): never
    quadrant = np.where(untestable, 0, np.asarray(lisa.q, dtype=np.int64))
    labels = [*CLUSTER_CLASSES.values(), CLUSTER_NOT_TESTABLE]
    code_of = {q: i for i, q in enumerate(CLUSTER_CLASSES)}
    codes = np.where(significant, [code_of[q] for q in quadrant], code_of[0])
    codes = np.where(untestable, len(CLUSTER_CLASSES), codes)
    moran_z = np.where(untestable, np.nan, conditional_z(z, w_row))
    if fdr and permutations >= _MIN_PERMUTATIONS_FOR_FDR:  # else warned above
        warn_if_resolution_binds(p_two, p_fdr, moran_z, int(permutations), alpha)
    out = cells.copy()
    out["moran_i"] = np.where(untestable, np.nan, lisa.Is)
    out["moran_z"] = moran_z
    out["p_sim"] = p_sim
    out["p_sim_two_sided"] = p_two
    out["p_fdr"] = p_fdr
    out["quadrant"] = quadrant
    out["cluster"] = pd.Categorical.from_codes(codes, categories=labels)
    counts = {c: int(v) for c, v in out["cluster"].value_counts(sort=False).items()}
    out.attrs["hotspots"] = {
        **cells.attrs.get("hotspots", {}),
        "value": value,
        "neighbours": neighbours,
        "weights_transform": "row-standardised, no self-weight",
        "permutations": int(permutations),
        "seed": seed,
        "p_sided": "p_sim one-sided (directed); classes use p_sim_two_sided",
        "fdr": fdr,
        "alpha": alpha,
        "class_counts": counts,
        "n_islands": int((np.diff(w.indptr) == 0).sum()),
        "n_not_testable": int(untestable.sum()),
    }
    logger.info(
        "Local Moran's I on %d cells (%s neighbours, row-standardised; %d "
        "permutations, seed %d; %s at %g): %s.",
        n,
        neighbours,
        permutations,
        seed,
        "FDR-controlled" if fdr else "unadjusted",
        alpha,
        ", ".join(f"{v} {c}" for c, v in counts.items() if v),
    )
    return out
