"""The automatic cell size (patrol micro-places, or sfhotspot's rule) and strays.

A grid needs a cell size before anything is counted; without one the package picks
150 m micro-places, the scale of hot spot patrols, and says so. A grid over points
must not stretch to cover a few rows geocoded at the other end of the country:
:func:`stray_points` finds them so the grid can leave them out, with a warning.
"""

from __future__ import annotations

import logging
import math
from typing import Literal

import numpy as np

from hotspots._validate import check_positive

__all__ = [
    "CELL_SIZE_RULES",
    "PATROL_CELL_SIZE",
    "auto_cell_size",
    "resolve_cell_size",
    "stray_points",
]

logger = logging.getLogger(__name__)

#: Metres: the default cell, a micro-place of a street segment or two, the scale of
#: hot spot patrols (Grip; the College of Policing's hot spots guide) and just above
#: the ~100-150 m below which police.uk's snapped map points make the pattern.
PATROL_CELL_SIZE = 150.0
#: The automatic cell grows in steps of this many metres when 150 m cells over the
#: extent would be more than :data:`_MAX_AUTO_CELLS` (a region or a nation).
_PATROL_STEP_M = 50.0
_MAX_AUTO_CELLS = 2_000_000
#: Named rules for ``cell_size``: "patrol" (the default, used when ``cell_size`` is
#: None) and "sfhotspot" (1/50 of the shorter side, rounded down to 100 m).
CELL_SIZE_RULES = ("patrol", "sfhotspot")
#: sfhotspot's rule: at least this many cells across the shorter side of the extent ...
_CELLS_ON_SHORT_SIDE = 50
#: ... with the size rounded down to a multiple of this many metres.
_ROUND_TO_M = 100


def auto_cell_size(
    bounds: tuple[float, float, float, float],
    *,
    rule: Literal["patrol", "sfhotspot"] = "patrol",
) -> float:
    """Return the automatic cell size for an extent, in metres.

    Parameters
    ----------
    bounds : tuple of float
        ``(minx, miny, maxx, maxy)`` in metres.
    rule : {"patrol", "sfhotspot"}, default "patrol"
        ``"patrol"``: 150 m micro-places (:data:`PATROL_CELL_SIZE`), the scale of
        hot spot patrols, grown in 50 m steps only when the extent would need more
        than 2 million cells. ``"sfhotspot"``: sfhotspot's rule, ``side / 50``
        rounded down to a multiple of 100 m with ``side = min(width, height)``, or
        ``side / 50`` unrounded when that would round to zero (extents under 5 km);
        a force-wide map then gets cells of a kilometre or more.

    Raises
    ------
    ValueError
        If the extent has no width or height (e.g. all points in one place), or
        the rule is unknown.

    Notes
    -----
    The rules and why 150 m is the default are on :doc:`/docs/methods/grid`.

    Examples
    --------
    >>> auto_cell_size((0, 0, 23_700, 31_000))
    150.0
    >>> auto_cell_size((0, 0, 23_700, 31_000), rule="sfhotspot")
    400.0
    >>> auto_cell_size((0, 0, 4_000, 9_000), rule="sfhotspot")
    80.0
    """
    if rule not in CELL_SIZE_RULES:
        raise ValueError(f"rule must be one of {CELL_SIZE_RULES}; got {rule!r}")
    minx, miny, maxx, maxy = bounds
    width, height = maxx - minx, maxy - miny
    if rule == "patrol":
        if not (np.isfinite(width) and np.isfinite(height)):
            raise ValueError(f"the extent is not finite (bounds {bounds}).")
        size = PATROL_CELL_SIZE
        while (width / size + 1) * (height / size + 1) > _MAX_AUTO_CELLS:
            size += _PATROL_STEP_M
        return float(size)
    side = min(width, height)
    if not np.isfinite(side) or side <= 0:
        raise ValueError(
            "cannot choose a cell size automatically: the points have no extent in "
            f"one direction (bounds {bounds}). Pass cell_size= in metres."
        )
    steps = math.floor(side / _CELLS_ON_SHORT_SIDE / _ROUND_TO_M)
    if steps > 0:
        return float(steps * _ROUND_TO_M)
    return float(side / _CELLS_ON_SHORT_SIDE)


def resolve_cell_size(cell_size, bounds) -> tuple[float, bool, str | None]:
    """Return the cell size, whether it was automatic, and the rule used."""
    if cell_size is None or isinstance(cell_size, str):
        rule = "patrol" if cell_size is None else cell_size
        size = auto_cell_size(bounds, rule=rule)  # type: ignore[arg-type]
        how = (
            "micro-places for patrol planning"
            if rule == "patrol"
            else f"sfhotspot's rule: at least {_CELLS_ON_SHORT_SIDE} cells across the "
            "shorter side of the extent"
        )
        logger.info(
            "Cell size set automatically to %s m (%s). Pass cell_size= to override.",
            f"{size:,.0f}" if size >= 10 else f"{size:.3g}",
            how,
        )
        return size, True, rule
    return check_positive(cell_size, "cell_size"), False, None


#: A point is a stray when it lies more than this many times farther from the median
#: centre than 99% of the points do, and such points are at most 1% of all.
_STRAY_RADIUS_FACTOR = 3.0
_STRAY_QUANTILE = 0.99
_STRAY_MAX_SHARE = 0.01


def stray_points(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Flag points far outside where the rest lie (True = stray).

    With ``r`` the distance from the median centre within which 99% of the points
    lie, a point is a stray when it is more than ``3 r`` from the centre, and such
    points are at most 1% of all (otherwise nothing is flagged: the points are
    spread out, not stray). A force's rural edge stays in; a row geocoded to the
    other end of the country does not. Fewer than 100 points: nothing is flagged.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.r_[np.linspace(0, 5000, 2000), 400_000.0]
    >>> int(stray_points(x, np.linspace(0, 5000, 2001)).sum())
    1
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 1 / _STRAY_MAX_SHARE:
        return np.zeros(len(x), dtype=bool)
    distance = np.hypot(x - np.median(x), y - np.median(y))
    radius = float(np.quantile(distance, _STRAY_QUANTILE))
    out = distance > _STRAY_RADIUS_FACTOR * max(radius, 1.0)
    if out.mean() > _STRAY_MAX_SHARE:
        return np.zeros(len(x), dtype=bool)
    return out
