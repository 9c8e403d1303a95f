"""Crime rates per resident by area, with empirical Bayes smoothing.

A raw rate (crimes / residents) is noisy where few people live: one crime more or
less moves it a lot. Empirical Bayes shrinks each area's rate towards a prior mean
(of the whole study area, or of the area and its neighbours) by an amount that
grows as its population shrinks (Marshall 1991; Clayton & Kaldor 1987), as GeoDa's
"Empirical Bayes" and "Spatial Empirical Bayes" rate maps and esda's
``Empirical_Bayes`` and ``Spatial_Empirical_Bayes`` do
(:doc:`/docs/methods/rates`). The counting half is :mod:`hotspots.find._rate_counts`.
"""

from __future__ import annotations

import logging
import warnings
from typing import Literal

import geopandas as gpd
import numpy as np
import scipy.sparse as sp

from hotspots._validate import check_positive, check_projected
from hotspots.exceptions import HotspotsWarning, SchemaError
from hotspots.find._rate_counts import CountBy, count_in_areas
from hotspots.find._weights import Neighbours, spatial_weights

__all__ = ["SMOOTHINGS", "eb_global", "eb_spatial", "rates"]

logger = logging.getLogger(__name__)

Smoothing = Literal["empirical_bayes", "spatial_empirical_bayes"] | None
#: Values of ``smoothing=`` (None: raw rates only).
SMOOTHINGS = ("empirical_bayes", "spatial_empirical_bayes", None)


def _shrink(
    r: np.ndarray, b: np.ndarray, m: np.ndarray, var: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(weight, smoothed)``: ``m + weight (r - m)``, weight in [0, 1]."""
    var = np.maximum(var, 0.0)  # a negative moment estimate means "no spread"
    noise = m / b
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(var + noise > 0, var / (var + noise), 0.0)
    return weight, m + weight * (r - m)


def eb_global(
    e: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Marshall's global empirical Bayes rates (method of moments).

    Parameters
    ----------
    e : ndarray, shape (n,)
        Events (crimes) per area, >= 0.
    b : ndarray, shape (n,)
        Population at risk per area, > 0.

    Returns
    -------
    weight : ndarray, shape (n,)
        Share of each raw rate kept, ``v / (v + m / b_i)``, in [0, 1].
    smoothed : ndarray, shape (n,)
        ``m + weight (r_i - m)``, events per person.
    m : float
        Prior mean, ``Σe / Σb``.
    v : float
        Prior variance, ``Σ b_i (r_i - m)² / Σb - m / b̄``, floored at 0.
    """
    e, b = np.asarray(e, dtype=float), np.asarray(b, dtype=float)
    r = e / b
    m = e.sum() / b.sum()
    v = max(float((b * (r - m) ** 2).sum() / b.sum() - m / b.mean()), 0.0)
    weight, smoothed = _shrink(r, b, np.full(len(r), m), np.full(len(r), v))
    return weight, smoothed, float(m), v


def eb_spatial(
    e: np.ndarray, b: np.ndarray, w: sp.spmatrix
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spatial empirical Bayes rates: the prior of each area from its neighbourhood.

    Parameters
    ----------
    e, b : ndarray, shape (n,)
        Events and population at risk per area (``b`` > 0).
    w : sparse matrix, shape (n, n)
        Binary weights **with** ``w_ii = 1``: row i marks the window of area i (the
        area and its neighbours), as :func:`spatial_weights` builds them.

    Returns
    -------
    weight, smoothed : ndarray, shape (n,)
        As :func:`eb_global`, with the local prior.
    m : ndarray, shape (n,)
        Local prior mean, ``Σ_window e / Σ_window b``.

    Notes
    -----
    Local prior variance ``Σ_j w_ij b_j (r_j - m_i)² / Σ_j w_ij b_j - m_i / b̄_i``
    with ``b̄_i`` the mean population of the window (its number of areas counts
    the area itself), floored at 0: GeoDa's and esda's ``Spatial_Empirical_Bayes``.
    """
    e, b = np.asarray(e, dtype=float), np.asarray(b, dtype=float)
    w = sp.coo_matrix((sp.csr_matrix(w) != 0).astype(float))
    rows, cols = w.row, w.col
    n = len(e)
    window_b = np.bincount(rows, weights=b[cols], minlength=n)
    m = np.bincount(rows, weights=e[cols], minlength=n) / window_b
    r = e / b
    spread = np.bincount(rows, weights=b[cols] * (r[cols] - m[rows]) ** 2, minlength=n)
    size = np.bincount(rows, minlength=n)
    v = spread / window_b - m / (window_b / size)
    weight, smoothed = _shrink(r, b, m, v)
    return weight, smoothed, m


def _population(areas: gpd.GeoDataFrame, population: str) -> np.ndarray:
    if population not in areas.columns:
        raise SchemaError(
            f"population column {population!r} not found in areas; columns are "
            f"{list(areas.columns)}. Join residents per area first, e.g. "
            "areas.merge(populations, on='lsoa_code') (2011 Census for the shipped "
            "Leicestershire LSOAs: data/raw/lsoa_2011_population_leicestershire.csv)."
        )
    try:
        b = areas[population].to_numpy(dtype=float)
    except (TypeError, ValueError) as err:
        raise SchemaError(
            f"population column {population!r} holds {areas[population].dtype}, not "
            "numbers; convert it with pd.to_numeric first."
        ) from err
    bad = (b < 0) | np.isinf(b)
    if bad.any():
        raise SchemaError(
            f"population column {population!r} has {int(bad.sum())} negative or "
            f"infinite value(s), e.g. {b[bad][:3].tolist()}; fix the population table."
        )
    return b


def rates(
    crimes: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    population: str = "population",
    id_column: str = "lsoa_code",
    per: float = 1000,
    smoothing: Smoothing = "empirical_bayes",
    neighbours: Neighbours = "queen",
    count_by: CountBy = "location",
) -> gpd.GeoDataFrame:
    """Return crimes per resident by area, raw and empirical-Bayes smoothed.

    Parameters
    ----------
    crimes : GeoDataFrame
        Point crimes in a projected CRS in metres (the same as ``areas``), e.g.
        from :func:`hotspots.read_policeuk`.
    areas : GeoDataFrame
        Polygons (LSOAs, wards, grid cells) with a population column.
    population : str, default "population"
        Column of ``areas``: residents (population at risk), >= 0.
    id_column : str, default "lsoa_code"
        Column of ``areas`` naming each area (unique), used in messages and, with
        ``count_by="code"``, matched to the crimes' column of the same name.
    per : float, default 1000
        Rates are crimes per ``per`` residents over the period the crimes cover.
    smoothing : {"empirical_bayes", "spatial_empirical_bayes", None}
        Marshall's global empirical Bayes (prior: the whole study area), the
        spatial version (prior: each area with its neighbours), or raw rates only.
    neighbours : "queen", "rook" or float, default "queen"
        Windows of the spatial version, as in :func:`hotspots.gistar`
        (contiguity, or a distance band in metres between centroids).
    count_by : {"location", "code"}, default "location"
        How crimes are given to areas. ``"location"``: point in polygon (a point on
        a shared edge goes to the first area in ``areas`` order); right for any
        areas, and for police.uk data the LSOA code is itself the LSOA holding
        the (anonymised) point. ``"code"``: match the crimes' ``id_column`` (the
        police.uk ``lsoa_code``) to the areas'; only when both use the same
        vintage: police.uk files from 2023 carry 2021 LSOA codes, while the
        shipped Leicestershire outlines are 2011 LSOAs.

    Returns
    -------
    GeoDataFrame
        The areas with their columns plus ``n`` (crimes counted), ``rate`` (raw
        rate per ``per`` residents), ``rate_note`` (empty, or why the area has no
        rate) and, when smoothed, ``rate_prior`` (prior mean per ``per``),
        ``eb_weight`` (share of the raw rate kept, 0..1) and ``rate_eb`` (smoothed
        rate per ``per``). ``attrs["hotspots"]`` records ``smoothing``, ``per``,
        ``count_by``, the counts (``n_crimes``, ``n_counted``, ``n_not_counted``),
        ``n_no_population``, for the global version ``prior_mean`` and
        ``prior_variance`` (per ``per``), ``neighbours`` and ``method``.

    Raises
    ------
    CRSError
        If crimes or areas are not in a projected CRS in metres, or differ.
    SchemaError
        If a column is missing, ids repeat, or populations are negative.
    ValueError
        If ``smoothing`` or ``count_by`` is unknown, no crime falls in any area,
        or no area has residents.

    Warns
    -----
    HotspotsWarning
        If some crimes fall in no area (or their code matches none), if some
        areas have no residents (their rates are NaN and ``rate_note`` says why;
        they are left out of the prior), or if the spatial version leaves areas
        with no neighbour unsmoothed.

    Notes
    -----
    Areas with zero or missing population are set aside, not dropped: they stay in
    the output with NaN rates, a ``rate_note``, and no part in any prior. Drop them
    before :func:`hotspots.gistar` (``out[out["rate_note"] == ""]``). Smoothed
    rates suit mapping and Gi* on rates (``gistar(out, value="rate_eb")``); they
    are estimates, not counts, so do not sum them.

    References
    ----------
    Marshall, R. J. (1991). *Applied Statistics* 40(2), 283-294.
    Clayton, D. & Kaldor, J. (1987). *Biometrics* 43(3), 671-681.
    Anselin, L., Lozano, N. & Koschinsky, J. (2006). Rate transformations and
    smoothing. GeoDa Center technical report.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> areas = gpd.GeoDataFrame({"lsoa_code": ["a", "b", "c"],
    ...     "population": [1000, 1500, 50]},
    ...     geometry=[shapely.box(i * 100, 0, i * 100 + 100, 100) for i in range(3)],
    ...     crs=27700)
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(
    ...     [10, 20, 30, 110, 120, 210, 220], [50] * 7), crs=27700)
    >>> out = rates(pts, areas)
    >>> out[["n", "rate", "rate_eb"]].round(2).to_dict("list")
    {'n': [3, 2, 2], 'rate': [3.0, 1.33, 40.0], 'rate_eb': [2.97, 1.43, 14.46]}
    """
    if smoothing not in SMOOTHINGS:
        raise ValueError(
            f"smoothing must be one of {list(SMOOTHINGS)}; got {smoothing!r}"
        )
    per = check_positive(per, "per")
    check_projected(areas, "areas")
    if id_column not in areas.columns:
        raise SchemaError(
            f"id column {id_column!r} not found in areas; columns are "
            f"{list(areas.columns)}. Pass id_column= (e.g. 'LSOA11CD')."
        )
    repeated = areas[id_column].duplicated(keep=False)
    if repeated.any():
        raise SchemaError(
            f"id column {id_column!r} repeats {int(repeated.sum())} value(s), e.g. "
            f"{areas.loc[repeated, id_column].head(3).tolist()}; each area needs one "
            "row (dissolve or de-duplicate the areas)."
        )
    b = _population(areas, population)
    counts, count_meta = count_in_areas(crimes, areas, id_column, count_by)
    out = areas.copy()
    out["n"] = counts
    usable = np.isfinite(b) & (b > 0)
    notes = np.where(
        np.isnan(b),
        "no rate: population missing",
        np.where(b == 0, "no rate: no residents", ""),
    )
    if not usable.any():
        raise ValueError(
            f"no area has residents in {population!r} (all zero or missing): a rate "
            "per resident is undefined. Check the population join."
        )
    if not usable.all():
        lost = int(counts[~usable].sum())
        examples = out.loc[~usable, id_column].head(3).tolist()
        warnings.warn(
            f"{int((~usable).sum())} of {len(b)} areas have no residents or no "
            f"population figure (e.g. {examples}), holding {lost:,} crimes: a rate per "
            "resident is undefined there, so they get NaN rates and a rate_note, and "
            "no part in the prior. Drop them before Gi* (out[out['rate_note'] == ''])"
            ", or merge them with a neighbouring area.",
            HotspotsWarning,
            stacklevel=2,
        )
    e, bu = counts[usable].astype(float), b[usable]
    rate = np.full(len(b), np.nan)
    rate[usable] = e / bu * per
    out["rate"] = rate
    meta: dict = {
        **areas.attrs.get("hotspots", {}),
        **count_meta,
        "population": population,
        "id_column": id_column,
        "per": per,
        "smoothing": smoothing,
        "n_no_population": int((~usable).sum()),
    }
    if smoothing is not None:
        prior = np.full(len(b), np.nan)
        weight, smoothed = prior.copy(), prior.copy()
        if smoothing == "empirical_bayes":
            weight[usable], smoothed[usable], m, v = eb_global(e, bu)
            prior[usable] = m
            meta |= {"prior_mean": m * per, "prior_variance": v * per**2}
            method = "global empirical Bayes (Marshall 1991), method of moments"
        else:
            w = spatial_weights(out.loc[usable], neighbours)
            islands = int((np.diff(sp.csr_matrix(w).indptr) <= 1).sum())
            if islands:
                warnings.warn(
                    f"{islands} area(s) have no neighbour with neighbours="
                    f"{neighbours!r}: their window is the area alone, so their rate is "
                    "not smoothed. Use a distance band (neighbours=<metres>) or the "
                    "global smoothing='empirical_bayes'.",
                    HotspotsWarning,
                    stacklevel=2,
                )
            weight[usable], smoothed[usable], prior[usable] = eb_spatial(e, bu, w)
            meta |= {"neighbours": neighbours, "n_islands": islands}
            method = f"spatial empirical Bayes, {neighbours} windows incl. the area"
        out["rate_prior"] = prior * per
        out["eb_weight"] = weight
        out["rate_eb"] = smoothed * per
    else:
        method = "raw rates"
    out["rate_note"] = notes
    meta["method"] = f"crimes per {per:,g} residents; {method}"
    out.attrs["hotspots"] = meta
    logger.info(
        "Rates per %s residents in %d areas (%s; crimes counted by %s): %d of %d "
        "crimes counted.",
        f"{per:,g}",
        len(out),
        method,
        count_by,
        meta["n_counted"],
        meta["n_crimes"],
    )
    return out
