"""Placebo sets of the randomisation test, drawn stratified by crime level."""

from __future__ import annotations

import numpy as np

__all__ = ["strata", "stratified_draw"]


def strata(treated_level: np.ndarray, pool_level: np.ndarray, match: int) -> list:
    """For each treated place, the ``match`` pool places closest in level."""
    order = np.argsort(pool_level, kind="stable")
    sorted_level = pool_level[order]
    found = []
    for level in treated_level:
        distance = np.abs(sorted_level - level)
        nearest = np.argsort(distance, kind="stable")[:match]
        found.append(order[nearest])
    return found


def stratified_draw(
    generator: np.random.Generator, strata: list, n_pool: int
) -> np.ndarray:
    """One placebo set: a random untaken member of each treated place's stratum.

    Treated places are visited in random order; when every member of a stratum
    is already taken, the draw falls back to a random untaken pool place of the
    stratum's nearest untaken neighbours (the stratum is widened, never reused).
    """
    taken = np.zeros(n_pool, dtype=bool)
    pick = np.empty(len(strata), dtype=np.intp)
    for slot in generator.permutation(len(strata)):
        members = strata[slot]
        free = members[~taken[members]]
        if len(free) == 0:
            free = np.flatnonzero(~taken)
        choice = free[generator.integers(len(free))]
        taken[choice] = True
        pick[slot] = choice
    return pick
