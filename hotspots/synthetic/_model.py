"""Expected counts and draws of the synthetic data: the planted truth's engine.

Everything is vectorised over map points x months. Counts are Poisson at map-point
level; the map-point weights come from continuous positions snapped to the nearest
real map point, so the expected counts reported in ``truth.json`` are exact for the
generated data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from hotspots.io._schema import CRIME_TYPES
from hotspots.synthetic._places import (
    CENTRE_SHARE,
    CENTRE_SPREAD_M,
    HOTSPOTS,
    PLACES,
    RAMP_MONTHS,
    RURAL_SHARE,
    SEASONALITY,
    VIOLENCE_TYPES,
    seasonality,
    to_bng,
)

logger = logging.getLogger(__name__)

#: Side of the square British National Grid cells that define places, metres.
CELL_SIZE_M = 150.0
#: Continuous positions drawn to estimate each map point's catchment share.
SNAP_DRAWS = 400_000
SNAP_DRAWS_HOTSPOT = 60_000
#: Place-level transient log-intensity of violence: monthly AR(1).
LATENT_RHO = 0.6
LATENT_SD = 0.55
#: Persistent place-level log-intensity of violence (lognormal sd).
PERSISTENT_SD = 0.25
#: Months of pre-treatment violence used to choose patrol places.
SELECTION_MONTHS = 12
#: Untreated places, next by pre-period violence, recorded for matching.
N_COMPARISON = 100

TYPE_INDEX = {name: i for i, name in enumerate(CRIME_TYPES)}
VIOLENCE_INDEX = np.array([TYPE_INDEX[name] for name in VIOLENCE_TYPES])


def place_ids(cell_x: np.ndarray, cell_y: np.ndarray) -> np.ndarray:
    """Return ``E{x0}N{y0}`` ids from cell indices (south-west corner, metres)."""
    x0 = (cell_x * CELL_SIZE_M).astype(np.int64).astype(str)
    y0 = (cell_y * CELL_SIZE_M).astype(np.int64).astype(str)
    return np.char.add(np.char.add("E", x0), np.char.add("N", y0))


def _snap_share(tree, n_points, centres, spreads, weights, n_draws, rng) -> np.ndarray:
    """Share of continuous Gaussian-mixture positions snapping to each map point."""
    weights = np.asarray(weights, float)
    n_each = np.maximum(np.round(n_draws * weights / weights.sum()).astype(int), 1)
    which = np.repeat(np.arange(len(weights)), n_each)
    sd = np.asarray(spreads, float)[which]
    xy = (
        np.asarray(centres, float)[which]
        + rng.standard_normal((which.size, 2)) * sd[:, None]
    )
    _, nearest = tree.query(xy)
    share = np.bincount(nearest, minlength=n_points).astype(float)
    return share / share.sum()


def _hotspot_profile(kind: str, n_months: int) -> np.ndarray:
    """Relative strength of a hotspot by month: 1 = full strength."""
    t = np.arange(n_months)
    middle = n_months // 2
    if kind == "emerging":
        return np.clip((t - middle + 1) / RAMP_MONTHS, 0.0, 1.0)
    if kind == "diminishing":
        return np.clip(1.0 - t / middle, 0.0, 1.0)
    return np.ones(n_months)


@dataclass
class Intensity:
    """Expected located counts (crime types x map points x months) and their parts."""

    located: np.ndarray  # (14, P, M) expected counts, counterfactual (no treatment)
    no_location: np.ndarray  # (14, M) expected rows with no location
    violence_long_run: np.ndarray  # (P, M) violence group without latent transient
    latent: np.ndarray  # (C, M) multiplier exp(u) per cell (mean 1)
    hotspot_extra: np.ndarray  # (H, M) expected extra violence per hotspot
    hotspot_share: np.ndarray  # (H, P) where each hotspot's extra violence lands
    point_cell: np.ndarray  # (P,) cell index of each map point
    cells: np.ndarray  # (C, 2) integer cell indices (ix, iy)


def build_intensity(points: pd.DataFrame, mix: pd.DataFrame, months, scale, rng):
    """Return the counterfactual :class:`Intensity` of every crime type."""
    n_points, n_months = len(points), len(months)
    xy = np.c_[points["x"].to_numpy(), points["y"].to_numpy()]
    tree = cKDTree(xy)
    px, py = to_bng([p[1] for p in PLACES], [p[2] for p in PLACES])
    centres = np.c_[px, py]
    spread = [p[4] for p in PLACES]
    resident = _snap_share(
        tree, n_points, centres, spread, [p[3] for p in PLACES], SNAP_DRAWS, rng
    )
    centre = _snap_share(
        tree,
        n_points,
        centres,
        [CENTRE_SPREAD_M] * len(PLACES),
        [p[5] for p in PLACES],
        SNAP_DRAWS,
        rng,
    )
    rural = np.full(n_points, 1.0 / n_points)

    cell_xy = np.floor(xy / CELL_SIZE_M).astype(np.int64)
    cells, point_cell = np.unique(cell_xy, axis=0, return_inverse=True)
    point_cell = point_cell.ravel()
    n_cells = len(cells)
    persistent = np.exp(PERSISTENT_SD * rng.standard_normal(n_cells))[point_cell]
    latent_u = np.empty((n_cells, n_months))
    latent_u[:, 0] = LATENT_SD * rng.standard_normal(n_cells)
    innovation_sd = LATENT_SD * np.sqrt(1 - LATENT_RHO**2)
    for t in range(1, n_months):  # loop over months, vectorised over places
        latent_u[:, t] = LATENT_RHO * latent_u[:, t - 1] + innovation_sd * (
            rng.standard_normal(n_cells)
        )
    latent = np.exp(latent_u - LATENT_SD**2 / 2)

    annual = mix.groupby("crime_type")[["n_2023", "n_2024"]].sum().mean(axis=1)
    no_loc_share = mix.groupby("crime_type")["n_no_location"].sum() / (
        mix.groupby("crime_type")[["n_2023", "n_2024"]].sum().sum(axis=1)
    )
    located = np.zeros((len(CRIME_TYPES), n_points, n_months))
    no_location = np.zeros((len(CRIME_TYPES), n_months))
    for k, name in enumerate(CRIME_TYPES):  # 14 crime types
        season = seasonality(months, *SEASONALITY[name])
        monthly = scale * annual[name] / 12 * season
        no_location[k] = monthly * no_loc_share[name]
        c_share = CENTRE_SHARE[name]
        space = (1 - c_share - RURAL_SHARE) * resident + c_share * centre
        space = space + RURAL_SHARE * rural
        if name in VIOLENCE_TYPES:
            space = space * persistent
            space = space / space.sum()
        located[k] = np.outer(space, monthly * (1 - no_loc_share[name]))

    hotspot_share = np.zeros((len(HOTSPOTS), n_points))
    hotspot_extra = np.zeros((len(HOTSPOTS), n_months))
    for h, spot in enumerate(HOTSPOTS):
        hx, hy = to_bng([c[1] for c in spot.centres], [c[2] for c in spot.centres])
        hotspot_share[h] = _snap_share(
            tree,
            n_points,
            np.c_[hx, hy],
            [spot.spread_m] * len(spot.centres),
            [1.0] * len(spot.centres),
            SNAP_DRAWS_HOTSPOT,
            rng,
        )
        hotspot_extra[h] = (
            scale
            * spot.extra_per_month
            * seasonality(months, spot.summer, spot.december)
            * _hotspot_profile(spot.kind, n_months)
        )
    # Hotspots add violence on top of the background, split over the violence types
    # in proportion to their volumes; the background is lowered by the hotspots'
    # average so the force total stays near the real volume.
    violence = located[VIOLENCE_INDEX].sum(axis=0)
    extra = hotspot_share.T @ hotspot_extra
    type_share = located[VIOLENCE_INDEX].sum(axis=(1, 2))
    type_share = type_share / type_share.sum()
    total = violence.sum(axis=0)
    background = violence * (1 - extra.sum(axis=0).mean() / total.mean())
    long_run = background + extra
    # The transient part varies the background only; the planted hotspots keep
    # their stated extra intensity.
    for j, k in enumerate(VIOLENCE_INDEX):
        located[k] = (background * latent[point_cell] + extra) * type_share[j]
    return Intensity(
        located=located,
        no_location=no_location,
        violence_long_run=long_run,
        latent=latent,
        hotspot_extra=hotspot_extra,
        hotspot_share=hotspot_share,
        point_cell=point_cell,
        cells=cells,
    )


def select_patrol(violence_counts, point_cell, n_cells, cells, months, start, n_patrol):
    """Rank places by violence in the 12 months before ``start``; return the ranking.

    Returns a frame with one row per place (cell) holding any map point, sorted by
    ``selection_count`` descending then ``place_id`` ascending (the tie rule); the
    first ``n_patrol`` rows are the patrol places.
    """
    t0 = months.index(start)
    window = violence_counts[:, t0 - SELECTION_MONTHS : t0].sum(axis=1)
    per_cell = np.bincount(point_cell, weights=window, minlength=n_cells)
    frame = pd.DataFrame(
        {
            "cell": np.arange(n_cells),
            "place_id": place_ids(cells[:, 0], cells[:, 1]),
            "selection_count": per_cell.astype(np.int64),
        }
    )
    frame = frame.sort_values(
        ["selection_count", "place_id"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    frame["treated"] = frame["rank"] <= n_patrol
    return frame


def ring_points(points_xy, cells, patrol_cells, point_cell, radius):
    """Return (per-place ring membership (N, P), union ring (P,)).

    A map point is in the ring of a place when its distance to the place's square is
    at most ``radius`` metres and it lies in no treated place.
    """
    in_treated = np.isin(point_cell, patrol_cells)
    x0 = cells[patrol_cells, 0][:, None] * CELL_SIZE_M
    y0 = cells[patrol_cells, 1][:, None] * CELL_SIZE_M
    x, y = points_xy[:, 0][None, :], points_xy[:, 1][None, :]
    dx = np.maximum(np.maximum(x0 - x, x - (x0 + CELL_SIZE_M)), 0.0)
    dy = np.maximum(np.maximum(y0 - y, y - (y0 + CELL_SIZE_M)), 0.0)
    member = (np.hypot(dx, dy) <= radius) & ~in_treated[None, :]
    return member, member.any(axis=0)


def apply_treatment(
    counts, expected, treated_points, ring, t0, effect, ring_effect, rng
):
    """Thin or add violence after ``t0``; return (observed counts, expected counts).

    Treated map points keep each counterfactual crime with probability
    ``1 - effect``; ring points keep it with probability ``1 + ring_effect`` when
    ``ring_effect < 0`` (diffusion of benefits) or gain Poisson extra crimes with mean
    ``ring_effect`` times the counterfactual expectation (displacement). Both keep
    the counts Poisson with the multiplied mean.
    """
    observed = counts.copy()
    multiplier = np.ones(expected.shape[1:])
    multiplier[treated_points, t0:] = 1.0 - effect
    multiplier[ring, t0:] = 1.0 + ring_effect
    for k in VIOLENCE_INDEX:
        post = observed[k, :, t0:]
        keep = np.clip(multiplier[:, t0:], 0.0, 1.0)
        post = rng.binomial(post, keep)
        if ring_effect > 0:
            extra = np.where(ring[:, None], expected[k, :, t0:] * ring_effect, 0.0)
            post = post + rng.poisson(extra)
        observed[k, :, t0:] = post
    treated_expected = expected.copy()
    treated_expected[VIOLENCE_INDEX] *= multiplier[None]
    return observed, treated_expected
