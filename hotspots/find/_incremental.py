"""Incremental spatial autocorrelation: global Moran's I over widening distance bands.

ESRI's Incremental Spatial Autocorrelation, as Optimized Hot Spot Analysis runs it:
the bands start at the distance that gives every cell (bar locational outliers) a
neighbour and grow by the average distance to the nearest cell, ten times; the
first peak of the z-score marks the scale at which clustering is most pronounced
(:doc:`/docs/methods/optimized`). Moran's I, its expectation and its variance under
randomisation are computed with esda's formulas, vectorised over the cells (tested
equal to ``esda.Moran`` at every band; esda itself would take minutes and gigabytes
on a force-wide grid at the wider bands).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats
from scipy.spatial import cKDTree

from hotspots._validate import check_projected
from hotspots.exceptions import HotspotsWarning
from hotspots.find._grid import cell_centres
from hotspots.find._lisa import lisa_weights

__all__ = [
    "auto_distance_bands",
    "choose_distance",
    "incremental_autocorrelation",
    "locational_outliers",
    "moran_row_standardised",
    "warn_if_wide_start",
]

logger = logging.getLogger(__name__)

#: Number of distance bands tried (ESRI's default for Incremental Spatial
#: Autocorrelation and Optimized Hot Spot Analysis).
N_BANDS = 10
#: A feature is a locational outlier when its distance to the nearest other feature
#: is at least this many standard deviations above the mean such distance (ESRI).
OUTLIER_SD = 3.0
#: A peak counts only where z exceeds this (ESRI: significant at 90%, two-sided).
PEAK_MIN_Z = 1.65
#: Bands are recorded to the centimetre (the first band rounded up).
_BAND_DECIMALS = 2
#: Warn when the automatic first band is this many times the band increment.
_WIDE_START_RATIO = 5.0


def _nearest_distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Distance from each point to its nearest other point (0 if coincident)."""
    xy = np.column_stack([x, y])
    distance, _ = cKDTree(xy).query(xy, k=2)
    return distance[:, 1]


def locational_outliers(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Flag features far from every other feature (ESRI's rule; True = outlier).

    With ``d_i`` the distance from feature i to its nearest other feature, and the
    mean and standard deviation taken over the non-zero ``d`` (coincident features
    are not evidence of spacing), a feature is a locational outlier when
    ``(d_i − mean) / sd >= 3``. Nothing is flagged when the spacing is constant (a
    full grid) or there are fewer than 3 features.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.r_[np.arange(0, 2000, 100.0), 20_000.0]
    >>> locational_outliers(x, np.zeros(21)).nonzero()[0]
    array([20])
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 3:
        return np.zeros(len(x), dtype=bool)
    d = _nearest_distances(x, y)
    spaced = d[d > 0]
    sd = spaced.std() if len(spaced) else 0.0
    if not sd > 0:
        return np.zeros(len(x), dtype=bool)
    return (d - spaced.mean()) / sd >= OUTLIER_SD


def auto_distance_bands(cells: gpd.GeoDataFrame) -> tuple[np.ndarray, dict]:
    """Return ESRI's default distance bands (metres) for the cells, and how.

    The first band is the largest nearest-cell distance once locational outliers
    (:func:`locational_outliers`) are set aside: the shortest band that gives every
    other cell a neighbour. Each band adds the average nearest-cell distance of
    those cells, :data:`N_BANDS` bands in all. If the last band would pass the
    standard distance of the cell centres (the root mean square distance from
    their mean centre), the bands are spread evenly from the first up to it
    instead (from a fifth of it if the first band is already beyond it).

    Returns
    -------
    distances : ndarray
        The bands, increasing, in metres (to the centimetre).
    info : dict
        ``band_start``, ``band_increment``, ``n_cell_outliers``,
        ``standard_distance`` and ``capped`` (True when spread to the standard
        distance).
    """
    x, y = cell_centres(cells)
    d = _nearest_distances(x, y)
    outliers = locational_outliers(x, y)
    kept = d[~outliers]
    scale = 10.0**_BAND_DECIMALS
    start = np.ceil(kept.max() * scale) / scale
    increment = float(np.round(kept.mean(), _BAND_DECIMALS))
    standard = float(np.sqrt(((x - x.mean()) ** 2 + (y - y.mean()) ** 2).mean()))
    bands = start + increment * np.arange(N_BANDS)
    capped = bool(bands[-1] > standard)
    if capped:
        if start > standard:
            start = 0.2 * standard
        bands = start + (standard - start) / N_BANDS * np.arange(N_BANDS)
        increment = float(bands[1] - bands[0])
    bands = np.round(bands, _BAND_DECIMALS)
    info = {
        "band_start": float(bands[0]),
        "band_increment": round(increment, _BAND_DECIMALS),
        "n_cell_outliers": int(outliers.sum()),
        "standard_distance": round(standard, _BAND_DECIMALS),
        "capped": capped,
    }
    return bands, info


def warn_if_wide_start(info: dict) -> None:
    """Warn when isolated cells push the automatic first band far out.

    ESRI's first band gives every cell but locational outliers a neighbour; a
    scatter of isolated cells that are not outliers (police.uk points far outside
    the force, with no boundary given) can set it at many times the usual spacing,
    so the shorter scales are never tried.
    """
    start, step = info["band_start"], info["band_increment"]
    if step > 0 and start > _WIDE_START_RATIO * step:
        warnings.warn(
            f"the first distance band ({start:,.0f} m) is {start / step:.0f} times "
            f"the mean distance between neighbouring cells ({step:,.0f} m): a few "
            "isolated cells set it, so shorter scales are not tried. Pass boundary= "
            "to analyse every cell of the study area, or distances= to choose the "
            "bands.",
            HotspotsWarning,
            stacklevel=3,
        )


def moran_row_standardised(x: np.ndarray, adjacency: sp.spmatrix) -> dict:
    """Global Moran's I with row-standardised weights, as ``esda.Moran`` computes it.

    ``adjacency`` is a symmetric binary neighbour matrix without self-neighbours.
    Cells with no neighbour are left out (ESRI's rule for a band), so ``n`` counts
    the cells with at least one. With ``z = x − x̄`` and ``w_ij = a_ij / k_i``:
    ``I = Σ_i z_i Σ_j w_ij z_j / Σ_i z_i²`` (``S0 = n``), ``E[I] = −1/(n − 1)``,
    and ``Var[I]`` under randomisation with ``S1 = Σ_i 1/k_i + Σ_ij a_ij/(k_i k_j)``
    and ``S2 = Σ_i (1 + Σ_j a_ij/k_j)²`` (Cliff & Ord 1981; esda's ``VI_rand``);
    ``z = (I − E[I]) / √Var[I]`` and ``p`` two-sided normal. Returns a dict with
    ``moran_i``, ``expected_i``, ``variance``, ``z``, ``p_value``, ``n_cells`` and
    ``mean_neighbours`` (NaN statistics when fewer than 4 cells have a neighbour
    or the values do not vary among them).
    """
    a = sp.csr_matrix(adjacency, dtype=float)
    k_all = np.diff(a.indptr)
    keep = np.flatnonzero(k_all > 0)
    if len(keep) < len(k_all):
        a = a[keep][:, keep]
    x = np.asarray(x, dtype=float)[keep]
    n = len(x)
    out = {"n_cells": n, "mean_neighbours": float(k_all[keep].mean()) if n else 0.0}
    z = x - x.mean() if n else x
    ss = float((z * z).sum())
    nan = dict.fromkeys(["moran_i", "expected_i", "variance", "z", "p_value"], np.nan)
    if n < 4 or not ss > 1e-12 * max(1.0, float((x * x).sum())):
        return {**nan, **out}
    kinv = 1.0 / np.diff(a.indptr)
    moran_i = float(z @ ((a @ z) * kinv)) / ss
    s0 = float(n)
    a_kinv = a @ kinv
    s1 = float(kinv.sum() + kinv @ a_kinv)
    s2 = float(((1.0 + a_kinv) ** 2).sum())
    expected = -1.0 / (n - 1)
    kurtosis = (z**4).sum() / n / (ss / n) ** 2
    big_a = n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0)
    big_b = kurtosis * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0)
    variance = (big_a - big_b) / ((n - 1) * (n - 2) * (n - 3) * s0 * s0)
    variance -= expected**2
    if not variance > 0:
        return {**nan, **out, "moran_i": moran_i, "expected_i": expected}
    z_score = (moran_i - expected) / np.sqrt(variance)
    return {
        "moran_i": moran_i,
        "expected_i": expected,
        "variance": float(variance),
        "z": float(z_score),
        "p_value": float(2.0 * stats.norm.sf(abs(z_score))),
        **out,
    }


def _peaks(z: np.ndarray) -> list[int]:
    """Bands where z is a local maximum above 1.65: it rose into the band and falls.

    A band is a peak when the last change of z before it was a rise (so a plateau
    counts at its end), the next band's z is lower and z exceeds :data:`PEAK_MIN_Z`.
    The first peak is the one ESRI's rule finds (the first fall after a rise, above
    1.65); the first and last bands are never peaks.
    """
    out, last_step = [], 0.0
    for c in range(1, len(z) - 1):
        if z[c] != z[c - 1]:
            last_step = z[c] - z[c - 1]
        if last_step > 0 and z[c + 1] < z[c] and z[c] > PEAK_MIN_Z:
            out.append(c)
    return out


def choose_distance(table: pd.DataFrame) -> tuple[float, str]:
    """Return the chosen band (metres) and why: "first peak" or "maximum z".

    The first peak of z (:func:`_peaks`, ESRI's rule) when there is one; otherwise
    the band with the largest z (ties: the shortest).

    Raises
    ------
    ValueError
        If no band has a z-score (no cell has a neighbour at any band).
    """
    z = table["z"].to_numpy(dtype=float)
    if not np.isfinite(z).any():
        raise ValueError(
            "no distance band gives a Moran's I z-score (too few cells with a "
            "neighbour, or no variation among them). Use wider distances."
        )
    peaks = _peaks(np.where(np.isfinite(z), z, -np.inf))
    if peaks:
        return float(table["distance"].iloc[peaks[0]]), "first peak"
    return float(table["distance"].iloc[int(np.nanargmax(z))]), "maximum z"


def incremental_autocorrelation(
    cells: gpd.GeoDataFrame,
    value: str,
    distances: Sequence[float] | np.ndarray | None = None,
    *,
    progress: bool = True,
) -> pd.DataFrame:
    """Global Moran's I and its z-score at each of a series of distance bands.

    Parameters
    ----------
    cells : GeoDataFrame
        Cells (from :func:`hotspots.count_points`) or other polygons, in a
        projected CRS in metres.
    value : str
        Column to test, e.g. ``"n"``.
    distances : sequence of float, optional
        Distance bands in metres between cell centres (sorted, duplicates
        dropped). None uses :func:`auto_distance_bands`.
    progress : bool, default True
        Show a progress bar over the bands.

    Returns
    -------
    DataFrame
        One row per band: ``distance`` (m), ``moran_i``, ``expected_i``,
        ``variance`` (under randomisation), ``z``, ``p_value`` (two-sided normal),
        ``n_cells`` (cells with a neighbour in the band; the others are left out of
        that band), ``mean_neighbours`` and ``peak`` (ESRI's peak rule, see
        :func:`choose_distance`). ``attrs["hotspots"]`` records ``value``,
        ``distances_auto`` and, when automatic, the band rule's numbers.

    Warns
    -----
    HotspotsWarning
        When the automatic first band is over 5 times the band increment
        (isolated cells set it; see :func:`warn_if_wide_start`).

    Raises
    ------
    CRSError
        If the cells are not in a projected CRS in metres.
    ValueError
        If the column is missing, has NaN or does not vary, or a distance is not a
        positive number.

    Notes
    -----
    Weights are binary within the band, then row-standardised, without the cell
    itself, as in ESRI's Incremental Spatial Autocorrelation; the statistic is that
    of :func:`moran_row_standardised`. Distances are between cell centres, with
    the band's edge included (as :func:`hotspots.gistar` uses them).

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> from hotspots.find._grid import count_points
    >>> rng = np.random.default_rng(3)
    >>> xy = np.vstack([rng.uniform(0, 3000, (1500, 2)),
    ...                 rng.normal(1500, 200, (400, 2))])
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy.T), crs=27700)
    >>> table = incremental_autocorrelation(count_points(pts, cell_size=100), "n",
    ...                                     progress=False)
    >>> list(table["distance"][:3])
    [100.0, 200.0, 300.0]
    """
    from tqdm.auto import tqdm

    check_projected(cells, "cells")
    if value not in cells.columns:
        raise ValueError(
            f"value column {value!r} not found; columns: {list(cells.columns)}"
        )
    x = cells[value].to_numpy(dtype=float)
    if not np.isfinite(x).all():
        raise ValueError(
            f"{value!r} has {int((~np.isfinite(x)).sum())} missing or infinite "
            "entries; fill empty cells with 0."
        )
    if not x.std() > 1e-12 * max(1.0, abs(x.mean())):
        raise ValueError(
            f"all {len(x)} cells have the same {value!r}, so Moran's I is undefined."
        )
    meta: dict = {"value": value, "distances_auto": distances is None}
    if distances is None:
        bands, info = auto_distance_bands(cells)
        warn_if_wide_start(info)
        meta |= info
    else:
        bands = np.unique(np.asarray(distances, dtype=float))
        if not len(bands) or not (np.isfinite(bands) & (bands > 0)).all():
            raise ValueError(
                f"distances must be positive numbers of metres; got {distances!r}"
            )
    rows = []
    for band in tqdm(bands, desc="Moran's I by distance", disable=not progress):
        rows.append(
            {"distance": float(band)}
            | moran_row_standardised(x, lisa_weights(cells, float(band)))
        )
    table = pd.DataFrame(rows)
    peaks = _peaks(np.nan_to_num(table["z"].to_numpy(), nan=-np.inf))
    table["peak"] = np.isin(np.arange(len(table)), peaks)
    table.attrs["hotspots"] = meta
    logger.debug("Incremental spatial autocorrelation:\n%s", table.to_string())
    return table
