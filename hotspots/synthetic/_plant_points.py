"""Point plants of a synthetic archive: where they go and what they hold.

A point plant is a real map point that receives a steady extra stream of violence
that was reported there rather than committed there (see :data:`POINT_PLANTS`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from hotspots.synthetic import _model
from hotspots.synthetic._places import HOTSPOTS, VIOLENCE_TYPES, to_bng

__all__ = [
    "MIN_DISTANCE_M",
    "POINT_PLANTS",
    "at_point",
    "choose_points",
    "draw_points",
    "far_from_planted_places",
    "point_record",
]

#: Point plants: label to give (None = the point's own ordinary street label),
#: range of the monthly mean (Poisson, drawn uniformly once per archive), and what
#: the artefact stands for.
POINT_PLANTS: dict[str, tuple[str | None, float, float, str]] = {
    "police_station": (
        "On or near Police Station",
        8.0,
        15.0,
        "violence reported at a police station front counter, geocoded to the station",
    ),
    "hospital": (
        "On or near Hospital",
        10.0,
        20.0,
        "violence reported from a hospital emergency department, geocoded to the "
        "hospital",
    ),
    "default_point": (
        None,
        10.0,
        20.0,
        "a steady stream at a point with an ordinary street label (a force's "
        "default geocode, a custody suite on a residential street, a prison)",
    ),
}
#: Every planted point is farther than this from each planted hotspot centre,
#: patrol place and other planted point, metres.
MIN_DISTANCE_M = 1500.0
#: Street labels that say nothing about the place ("On or near Orchard Close").
_ORDINARY_LABEL = re.compile(
    r"^On or near [A-Z][A-Za-z'-]*( [A-Z][A-Za-z'-]*)* "
    r"(Road|Street|Lane|Avenue|Close|Drive|Way|Crescent)$"
)
_FACILITY_WORDS = ("Station", "Hospital", "Police", "Prison", "Court", "Custody")


def _square_distance(xy, cells, chosen_cells) -> np.ndarray:
    """Distance from each point to the nearest of the chosen cells' squares."""
    if len(chosen_cells) == 0:
        return np.full(len(xy), np.inf)
    size = _model.CELL_SIZE_M
    x0 = cells[chosen_cells, 0][:, None] * size
    y0 = cells[chosen_cells, 1][:, None] * size
    x, y = xy[:, 0][None, :], xy[:, 1][None, :]
    dx = np.maximum(np.maximum(x0 - x, x - (x0 + size)), 0.0)
    dy = np.maximum(np.maximum(y0 - y, y - (y0 + size)), 0.0)
    return np.hypot(dx, dy).min(axis=0)


def far_from_planted_places(points, intensity, ranking, ring) -> np.ndarray:
    """Map points far from hotspots and patrol places, outside rings and places."""
    xy = np.c_[points["x"].to_numpy(), points["y"].to_numpy()]
    centres = [c for spot in HOTSPOTS for c in spot.centres]
    hx, hy = to_bng([c[1] for c in centres], [c[2] for c in centres])
    to_hotspot = np.hypot(xy[:, :1] - hx[None, :], xy[:, 1:] - hy[None, :]).min(1)
    patrol = ranking.loc[ranking["treated"], "cell"].to_numpy()
    placed = ranking["cell"].to_numpy()[: len(patrol) + _model.N_COMPARISON]
    return (
        (to_hotspot > MIN_DISTANCE_M)
        & (_square_distance(xy, intensity.cells, patrol) > MIN_DISTANCE_M)
        & ~ring
        & ~np.isin(intensity.point_cell, placed)
    )


def _ordinary(labels: pd.Series) -> np.ndarray:
    ordinary = labels.str.match(_ORDINARY_LABEL)
    for word in _FACILITY_WORDS:
        ordinary &= ~labels.str.contains(word, regex=False)
    return ordinary.to_numpy()


def choose_points(names, points, far, background, rng) -> list[tuple]:
    """Return (name, point index, label, label is the point's own) per point plant."""
    xy = np.c_[points["x"].to_numpy(), points["y"].to_numpy()]
    ordinary = _ordinary(points["location"])
    busy = background >= np.median(background)
    chosen: list[tuple] = []
    for name in names:
        label = POINT_PLANTS[name][0]
        ok = far.copy()
        for _, index, _, _ in chosen:
            ok &= np.hypot(*(xy - xy[index]).T) > MIN_DISTANCE_M
        pools = (
            [ok & ordinary & busy, ok & ordinary]
            if label is None
            else [ok & (points["location"] == label).to_numpy(), ok & ordinary]
        )
        pool = next((np.flatnonzero(p) for p in pools if p.any()), None)
        if pool is None:
            raise ValueError(
                f"cannot plant {name!r}: no map point is more than "
                f"{MIN_DISTANCE_M:.0f} m from every planted hotspot, patrol place "
                "and other planted point, outside the rings. Use a smaller "
                "ring_radius or n_patrol, or leave this plant out."
            )
        index = int(rng.choice(pool))
        own = label is None or points["location"].iat[index] == label
        chosen.append((name, index, label or points["location"].iat[index], own))
    return chosen


def draw_points(chosen, mix, n_types, n_months, rng) -> tuple[np.ndarray, list]:
    """Monthly planted violence (crime types, planted points, months) and means."""
    vi = _model.VIOLENCE_INDEX
    volume = mix.groupby("crime_type")[["n_2023", "n_2024"]].sum().sum(axis=1)
    type_share = volume.reindex(list(VIOLENCE_TYPES)).to_numpy(float)
    type_share = type_share / type_share.sum()
    counts = np.zeros((n_types, max(len(chosen), 1), n_months), np.int64)
    means = []
    for q, (name, *_) in enumerate(chosen):
        low, high = POINT_PLANTS[name][1:3]
        means.append(float(rng.uniform(low, high)))
        mean = means[-1] * type_share[:, None]
        counts[vi, q] = rng.poisson(mean, (len(vi), n_months))
    return counts, means


def point_record(name, index, label, own, points, **series) -> dict:
    """Return the truth of one point plant (``truth["plants"]`` entry)."""
    counts, months, kept = series["counts"], series["months"], series["kept"]
    own_rows, expected = series["background_rows"], series["expected"]
    per_month = counts.sum(axis=0)
    return {
        "kind": name,
        "description": POINT_PLANTS[name][3],
        "location": label,
        "label_from_map_points": bool(own),
        "longitude": float(points["longitude"].iat[index]),
        "latitude": float(points["latitude"].iat[index]),
        "x": round(float(points["x"].iat[index]), 3),
        "y": round(float(points["y"].iat[index]), 3),
        "lsoa_code": points["lsoa_code"].iat[index],
        "mean_per_month": round(series["mean"], 4),
        "rows": int(per_month.sum()),
        "rows_per_crime_type": {
            t: int(counts[k].sum())
            for t, k in zip(VIOLENCE_TYPES, _model.VIOLENCE_INDEX, strict=True)
        },
        "months": [months[m] for m in kept],
        "rows_per_month": [int(per_month[m]) for m in kept],
        "background_violence_per_month": [int(own_rows[m]) for m in kept],
        "expected_background_violence_per_month": [
            round(float(expected[m]), 4) for m in kept
        ],
    }


def at_point(frame, points, index) -> np.ndarray:
    """Rows of ``frame`` at map point ``index`` (same published coordinates)."""
    return (
        (frame["Longitude"] == points["longitude"].iat[index])
        & (frame["Latitude"] == points["latitude"].iat[index])
    ).to_numpy()
