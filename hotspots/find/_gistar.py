"""Local Getis-Ord Gi* hot and cold spots, with permutation p-values and FDR.

The analytic path is one sparse matrix product (vectorised over all cells); it gives
the same z-scores as ``esda.G_Local(star=True, transform="B")`` (tested). The
conditional-permutation path follows esda's scheme (one shared set of random draws,
each cell's own value held fixed) but is vectorised with numpy rather than numba.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from hotspots._validate import as_rng
from hotspots.find._gistar_permutation import permutation_p
from hotspots.find._grid import Shape, count_points
from hotspots.find._weights import Neighbours, check_neighbours, spatial_weights

__all__ = [
    "HOTSPOT_CLASSES",
    "NOT_TESTABLE",
    "benjamini_hochberg",
    "gistar",
    "gistar_arrays",
]

logger = logging.getLogger(__name__)

#: Confidence levels of the ArcGIS Gi_Bin classes (±3, ±2, ±1), as p thresholds.
_BIN_ALPHAS = ((3, 0.01), (2, 0.05), (1, 0.10))
#: Class labels by Gi bin, hottest first.
HOTSPOT_CLASSES: dict[int, str] = {
    3: "hot spot, 99% confidence",
    2: "hot spot, 95% confidence",
    1: "hot spot, 90% confidence",
    0: "not significant",
    -1: "cold spot, 90% confidence",
    -2: "cold spot, 95% confidence",
    -3: "cold spot, 99% confidence",
}
#: Class of a cell Gi* cannot test (no neighbour, or every cell a neighbour);
#: its ``gi_bin`` is 0 and its z and p-values are NaN.
NOT_TESTABLE = "not testable"
_MIN_PERMUTATIONS_FOR_FDR = 99


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Return Benjamini-Hochberg adjusted p-values (step-up, monotone, capped at 1).

    A hypothesis is rejected at FDR level q when its adjusted p is <= q, which is
    the same as the largest-k rule ``p_(k) <= k q / m`` (Benjamini & Hochberg 1995).
    NaN p-values (tests not run) stay NaN and do not count in ``m``.
    """
    p = np.asarray(p, dtype=float)
    out = np.full(len(p), np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    m = len(tested)
    if m == 0:
        return out
    order = np.argsort(p[tested])
    ranked = p[tested][order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out[tested[order]] = np.minimum(adjusted, 1.0)
    return out


def gistar_arrays(x: np.ndarray, w: sp.spmatrix) -> np.ndarray:
    """Return Gi* z-scores for values ``x`` and weights ``w`` (diagonal included).

    ``z_i = (Σ_j w_ij x_j − x̄ Σ_j w_ij) / (S √[(n Σ_j w_ij² − (Σ_j w_ij)²)/(n − 1)])``
    with ``S`` the population standard deviation (Getis & Ord 1992; Ord & Getis 1995;
    :doc:`/docs/methods/gistar`). Rows may have any scale: the z is invariant to it.

    A row whose neighbourhood is every cell has a zero variance term and gets NaN
    (0/0). A row with no neighbour but itself (an island) gets ``(x_i − x̄) / S``,
    the cell's own standardised value, which is not a local statistic;
    :func:`gistar` reports such cells as not testable.

    Raises
    ------
    ValueError
        If all values are equal (Gi* is undefined) or ``x`` has NaN.
    """
    x = np.asarray(x, dtype=float)
    n = len(x)
    if not np.isfinite(x).all():
        raise ValueError(
            f"values have {int((~np.isfinite(x)).sum())} missing or infinite entries; "
            "Gi* needs a number in every cell (fill empty cells with 0)."
        )
    if n < 3:
        raise ValueError(f"Gi* needs at least 3 cells; got {n}.")
    w = sp.csr_matrix(w, dtype=float)
    xbar = x.mean()
    s = np.sqrt((x**2).mean() - xbar**2)
    if not s > 1e-12 * max(1.0, abs(xbar)):
        raise ValueError(
            "all cells have the same value, so Gi* is undefined (no variation to "
            "test). Use a larger area or a different cell size."
        )
    wi = np.asarray(w.sum(axis=1)).ravel()
    s1 = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    lag = w @ x
    var = (n * s1 - wi**2) / (n - 1)
    z = np.full(w.shape[0], np.nan)  # w may be a block of rows (cube_gistar)
    ok = var > 1e-12 * np.maximum(1.0, wi**2)
    z[ok] = (lag[ok] - xbar * wi[ok]) / (s * np.sqrt(var[ok]))
    return z


def _bins(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    out = np.zeros(len(z), dtype=np.int64)
    sign = np.sign(np.nan_to_num(z)).astype(np.int64)
    for level, alpha in reversed(_BIN_ALPHAS):
        out = np.where(p < alpha, sign * level, out)  # NaN p (not tested): never
    return out


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
    """Return the cells and the column to test: points counted, or polygons as given.

    Points go through :func:`hotspots.count_points` (default column ``"n"``, or
    ``"weighted_n"`` with ``weights``); polygons must name ``value``. Shared by
    :func:`gistar` and :func:`hotspots.local_moran`.

    Raises
    ------
    ValueError
        If polygons are given without ``value``, or the column is missing.
    """
    is_point = shapely.get_type_id(data.geometry.values) == 0
    if len(data) and is_point.all():
        cells = count_points(
            data,
            grid=grid,
            cell_size=cell_size,
            shape=shape,
            boundary=boundary,
            weights=weights,
        )
        value = value or ("weighted_n" if weights else "n")
    else:
        if value is None:
            raise ValueError(
                "data are polygons: name the column to test with value=, e.g. "
                "value='n' or value='kde'."
            )
        cells = data.copy()
        cells.attrs = dict(data.attrs)
    if value not in cells.columns:
        raise ValueError(
            f"value column {value!r} not found; columns: {list(cells.columns)}"
        )
    return cells, value


def gistar(
    data: gpd.GeoDataFrame,
    *,
    value: str | None = None,
    grid: gpd.GeoDataFrame | None = None,
    cell_size: float | None = None,
    shape: Shape = "square",
    boundary=None,
    weights: str | None = None,
    neighbours: Neighbours = "queen",
    permutations: int = 0,
    fdr: bool = True,
    rng: int | np.random.Generator | None = None,
    progress: bool = True,
) -> gpd.GeoDataFrame:
    """Return cells with Gi* z-scores, p-values and ArcGIS-style hot/cold classes.

    Parameters
    ----------
    data : GeoDataFrame
        Either point events (counted per cell with :func:`hotspots.count_points`)
        or polygons (grid cells, LSOAs...) that already hold ``value``. Projected
        CRS in metres.
    value : str, optional
        Column of ``data`` (polygons) to test, e.g. ``"n"``, ``"weighted_n"`` or
        ``"kde"``. Default for points: ``"weighted_n"`` with ``weights``, else
        ``"n"``.
    grid, cell_size, shape, boundary, weights
        For point input, passed to :func:`hotspots.count_points` (cell size in
        metres; None = automatic and reported).
    neighbours : "queen", "rook" or float, default "queen"
        Contiguity (cells sharing an edge or corner; rook: an edge only) or a
        distance band in metres between cell centres. The cell itself is always
        included (``w_ii = 1``), which makes the statistic Gi* rather than Gi.
    permutations : int, default 0
        Number of conditional permutations for ``p_sim``; 0 uses the analytic
        normal p only. 999 is the usual choice.
    fdr : bool, default True
        Control the false discovery rate across all cells (Benjamini-Hochberg)
        before classing; False classes on unadjusted p-values.
    rng : int, Generator or None
        Seed for the permutations.
    progress : bool, default True
        Show a progress bar for permutations.

    Returns
    -------
    GeoDataFrame
        The cells with their columns plus ``gi_z`` (z-score), ``p_value``
        (two-sided normal p, ``2·Φ(−|z|)``, the ArcGIS convention), with
        permutations ``p_sim`` (esda's folded one-sided pseudo p) and
        ``p_sim_two_sided`` (``min(1, 2·p_sim)``), ``p_fdr`` (Benjamini-Hochberg
        adjusted p of the p used for classing: ``p_sim_two_sided`` when
        permutations were run, else ``p_value``), ``gi_bin`` (−3..3 as ArcGIS's
        Gi_Bin: ±3 at 99%, ±2 at 95%, ±1 at 90% confidence) and ``hotspot_class``
        (text, see :data:`HOTSPOT_CLASSES`, plus :data:`NOT_TESTABLE`).
        ``attrs["hotspots"]`` records the value tested, neighbours, permutations,
        FDR, counts per class, ``n_islands`` (cells with no neighbour) and
        ``n_not_testable``.

    Raises
    ------
    CRSError
        If the data are not in a projected CRS in metres.
    ValueError
        If the value column is missing or has NaN, all cells have one value, or
        no cell can be tested (no cell has a neighbour, e.g. a distance band
        shorter than the cell spacing, or every cell neighbours every other); the
        message gives a band that reaches every cell.

    Warns
    -----
    HotspotsWarning
        If some cells cannot be tested (islands: cells with no neighbour, such as
        a detached polygon; or cells whose neighbourhood is the whole study area),
        with their number and a band that would reach every cell.

    Notes
    -----
    Formula in :func:`gistar_arrays`. On binary weights the z equals esda's
    ``G_Local(star=True, transform="B").Zs``; esda's ``p_norm`` is one-sided (half
    the two-sided p reported here). Neighbouring Gi* values share data, so the
    tests are positively dependent; Benjamini-Hochberg remains valid under such
    dependence (Benjamini & Yekutieli 2001). Counts with many zeros make the normal
    approximation poor: prefer permutations or larger cells. Results depend on cell
    size and neighbourhood (the modifiable areal unit problem); report both.

    **Cells that cannot be tested** are treated the same on the analytic and the
    permutation path: an island's Gi* would only restate its own standardised
    value (nothing local is compared; the permutation test has no neighbours to
    shuffle), and a cell whose neighbourhood is every cell has a 0/0 statistic. Such
    cells get NaN ``gi_z``, ``p_value``, ``p_sim`` and ``p_fdr``, ``gi_bin`` 0 and
    the class ``"not testable"``; they still count in the mean and standard
    deviation of the study area, and not in the FDR's number of tests. See
    "Degenerate inputs" in :doc:`/docs/methods/gistar`.

    References
    ----------
    Getis, A. & Ord, J. K. (1992). *Geographical Analysis* 24(3), 189-206.
    Ord, J. K. & Getis, A. (1995). *Geographical Analysis* 27(4), 286-306.
    Benjamini, Y. & Hochberg, Y. (1995). *JRSS B* 57(1), 289-300.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> rng = np.random.default_rng(1)
    >>> xy = np.vstack([rng.uniform(0, 5000, (500, 2)), rng.normal(2500, 60, (80, 2))])
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy.T), crs=27700)
    >>> cells = gistar(pts, cell_size=250)
    >>> cells.loc[cells["gi_z"].idxmax(), "hotspot_class"]
    'hot spot, 99% confidence'
    """
    cells, value = cells_to_test(
        data,
        value,
        grid=grid,
        cell_size=cell_size,
        shape=shape,
        boundary=boundary,
        weights=weights,
    )
    if permutations < 0 or int(permutations) != permutations:
        raise ValueError(
            f"permutations must be a whole number >= 0; got {permutations!r}"
        )
    x = cells[value].to_numpy(dtype=float)
    w = spatial_weights(cells, neighbours)
    untestable = check_neighbours(cells, w, neighbours)
    z = gistar_arrays(x, w)
    z[untestable] = np.nan
    from scipy import stats  # here: scipy.stats takes ~0.5 s to import

    p = 2.0 * stats.norm.sf(np.abs(z))
    out = cells.copy()
    out["gi_z"] = z
    out["p_value"] = p
    p_class = p
    if permutations:
        if fdr and permutations < _MIN_PERMUTATIONS_FOR_FDR:
            import warnings

            from hotspots.exceptions import HotspotsWarning

            warnings.warn(
                f"only {permutations} permutations: the smallest possible p is "
                f"{1 / (permutations + 1):.3f}, too coarse for FDR control; use 999.",
                HotspotsWarning,
                stacklevel=2,
            )
        p_sim = permutation_p(x, w, int(permutations), as_rng(rng), progress)
        out["p_sim"] = p_sim
        out["p_sim_two_sided"] = np.minimum(1.0, 2.0 * p_sim)
        p_class = out["p_sim_two_sided"].to_numpy()
    out["p_fdr"] = benjamini_hochberg(p_class)
    bins = _bins(z, out["p_fdr"].to_numpy() if fdr else p_class)
    out["gi_bin"] = bins
    # HOTSPOT_CLASSES runs from bin 3 down to -3, so the code of bin b is 3 - b;
    # NOT_TESTABLE comes last.
    codes = np.where(untestable, len(HOTSPOT_CLASSES), 3 - bins)
    out["hotspot_class"] = pd.Categorical.from_codes(
        codes, categories=[*HOTSPOT_CLASSES.values(), NOT_TESTABLE]
    )
    counts = pd.Series(bins).value_counts().to_dict()
    out.attrs["hotspots"] = {
        **cells.attrs.get("hotspots", {}),
        "value": value,
        "neighbours": neighbours,
        "permutations": int(permutations),
        "fdr": fdr,
        "n_hot": int(sum(v for b, v in counts.items() if b > 0)),
        "n_cold": int(sum(v for b, v in counts.items() if b < 0)),
        "n_islands": int((np.diff(w.indptr) <= 1).sum()),
        "n_not_testable": int(untestable.sum()),
    }
    logger.info(
        "Gi* on %d cells (%s neighbours, %s): %d hot, %d cold at 90%%+ confidence.",
        len(out),
        neighbours,
        "FDR-controlled" if fdr else "unadjusted",
        out.attrs["hotspots"]["n_hot"],
        out.attrs["hotspots"]["n_cold"],
    )
    return out
