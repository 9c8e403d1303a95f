"""Degenerate inputs of :func:`hotspots.accuracy`: no crimes, no area."""

from __future__ import annotations

import math

__all__ = ["FEW_CRIMES", "check_areas", "few_crimes_caveats"]

#: Below this many test-period crimes, hit rate and PAI are flagged as noisy.
FEW_CRIMES = 30


def check_areas(area_km2: float, study_km2: float) -> None:
    """Refuse a flagged area or study area that is not a positive area.

    Raises
    ------
    ValueError
        If the places have no area (points or lines), or the study area is not
        a positive finite number of km².
    """
    if not (math.isfinite(study_km2) and study_km2 > 0):
        raise ValueError(
            f"the study area is {study_km2!r} km²: it must be a positive area. Give "
            "study_area= as a polygon or a number of km² > 0, or grid= with cells."
        )
    if not area_km2 > 0:
        raise ValueError(
            "the places have no area (points or lines?), so PAI divides by zero. "
            "Pass polygons, e.g. buffer points with places.buffer(50) or use the "
            "cells of select_places()."
        )


def few_crimes_caveats(n_total: int) -> list[str]:
    """Caveats for a test period with no or few crimes in the study area."""
    if n_total == 0:
        return [
            "not estimable: no test-period crimes in the study area, so hit rate, "
            "PAI and PEI are NaN (each divides by the crimes). Check the test "
            "period's dates and that the crimes fall inside the study area"
        ]
    if n_total < FEW_CRIMES:
        return [f"only {n_total} test-period crimes: hit rate and PAI are noisy"]
    return []
