"""Null space-time data for checking the calibration of emerging hot spot trends.

SYNTHETIC: crime counts with no trend anywhere, but with a month-to-month
autocorrelated intensity, as in real crime data. Used by
``benchmarks/sim_emerging.py`` and ``tests/find/test_emerging_calibration.py``
(:doc:`/docs/methods/emerging`). Not part of the public API.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from hotspots.find._cube import bin_significance
from hotspots.find._emerging import TREND_TESTS, trend_and_patterns
from hotspots.find._grid import make_grid
from hotspots.find._patterns import EMERGING_PATTERNS
from hotspots.find._weights import spatial_weights

__all__ = ["NullRun", "null_place_counts", "run_null_cube"]

#: Side of the square places whose latent intensity is simulated, metres.
PLACE_M = 100
#: Place-level transient log-intensity: monthly AR(1), as in hotspots.synthetic.
PLACE_RHO, PLACE_SD = 0.6, 0.55
#: Area-level transient log-intensity shared by the places of each square area.
AREA_M, AREA_SD = 1_000, 0.3
#: Persistent place-level log-intensity (lognormal sd) and background crimes per
#: place and month.
PERSISTENT_SD, BACKGROUND = 0.25, 0.03
#: Centres of concentrated crime (so that some cells are hot most months): count,
#: peak crimes per place and month, and spread in metres (uniform ranges).
N_CENTRES, CENTRE_PEAK, CENTRE_SPREAD_M = 6, (0.5, 2.0), (300.0, 800.0)
#: Patterns whose rule needs a significant trend (hot and cold versions).
TREND_PATTERNS = frozenset(
    f"{kind} {side} spot"
    for kind in ("intensifying", "diminishing", "historical")
    for side in ("hot", "cold")
)


def _ar1(rng: np.random.Generator, shape: tuple[int, ...], n_months: int, rho: float):
    """Stationary Gaussian AR(1) series with unit variance along the last axis."""
    u = np.empty((*shape, n_months))
    u[..., 0] = rng.standard_normal(shape)
    innovation = np.sqrt(1 - rho**2)
    for t in range(1, n_months):  # loop over months, vectorised over places
        u[..., t] = rho * u[..., t - 1] + innovation * rng.standard_normal(shape)
    return u


def null_place_counts(
    rng: np.random.Generator, *, side_m: float = 10_000, n_months: int = 36
) -> np.ndarray:
    """Poisson counts per 100 m place and month (rows × cols × months), no trend.

    Intensity = background plus a few Gaussian centres, times a persistent
    lognormal place effect, times ``exp`` of two stationary AR(1) terms: one per
    place (rho 0.6, sd 0.55, as the SYNTHETIC archive) and one per 1 km area
    (rho 0.6, sd 0.3), each centred so its mean effect is 1.
    """
    n = int(side_m // PLACE_M)
    centre = (np.arange(n) + 0.5) * PLACE_M
    x, y = np.meshgrid(centre, centre)  # rows run along y
    level = np.full(x.shape, BACKGROUND)
    for cx, cy in rng.uniform(0.15 * side_m, 0.85 * side_m, (N_CENTRES, 2)):
        spread = rng.uniform(*CENTRE_SPREAD_M)
        peak = rng.uniform(*CENTRE_PEAK)
        level += peak * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * spread**2))
    level *= np.exp(rng.normal(0, PERSISTENT_SD, level.shape) - PERSISTENT_SD**2 / 2)
    latent = PLACE_SD * _ar1(rng, level.shape, n_months, PLACE_RHO) - PLACE_SD**2 / 2
    per_area = int(AREA_M // PLACE_M)
    n_areas = -(-n // per_area)
    area = AREA_SD * _ar1(rng, (n_areas, n_areas), n_months, PLACE_RHO)
    area = np.repeat(np.repeat(area, per_area, 0), per_area, 1)[:n, :n]
    latent += area - AREA_SD**2 / 2
    return rng.poisson(level[..., None] * np.exp(latent))


@dataclass(frozen=True)
class NullRun:
    """Counts of cells in one null cube for one trend test."""

    trend_test: str
    n_cells: int
    n_trend: int  # cells with a significant Mann-Kendall trend
    n_mostly: int  # cells significant hot (or cold) in >= 90% of steps
    n_mostly_trend: int  # ... of which with a significant trend
    n_trend_pattern: int  # cells in intensifying/diminishing/historical patterns


def run_null_cube(
    place_counts: np.ndarray,
    *,
    cell_size: int,
    time_lag: int,
    alpha: float = 0.05,
    trend_tests: tuple[str, ...] = tuple(TREND_TESTS),
) -> list[NullRun]:
    """Aggregate places to square cells and classify them with each trend test."""
    per_cell = int(cell_size // PLACE_M)
    rows, cols, n_months = place_counts.shape
    rows, cols = rows // per_cell, cols // per_cell
    cells = place_counts[: rows * per_cell, : cols * per_cell]
    cells = cells.reshape(rows, per_cell, cols, per_cell, n_months).sum(axis=(1, 3))
    box = shapely.box(1, 1, cols * cell_size - 1, rows * cell_size - 1)
    grid = make_grid(boundary=gpd.GeoSeries([box], crs=27700), cell_size=cell_size)
    counts = cells[grid["row"].to_numpy(), grid["col"].to_numpy()]
    w = spatial_weights(grid, "queen")
    z, _, _, significant = bin_significance(counts, w, time_lag, alpha, True)
    activity = w @ counts.sum(axis=1)
    n_steps = significant.shape[1]
    mostly = np.maximum((significant > 0).sum(1), (significant < 0).sum(1))
    mostly = mostly >= 0.9 * n_steps - 1e-9
    trend_codes = [EMERGING_PATTERNS.index(p) for p in sorted(TREND_PATTERNS)]
    out = []
    for test in trend_tests:
        *_, trend, codes = trend_and_patterns(
            z, significant, activity, alpha=alpha, trend_test=test
        )
        out.append(
            NullRun(
                trend_test=test,
                n_cells=len(counts),
                n_trend=int((trend != 0).sum()),
                n_mostly=int(mostly.sum()),
                n_mostly_trend=int(((trend != 0) & mostly).sum()),
                n_trend_pattern=int(np.isin(codes, trend_codes).sum()),
            )
        )
    return out
