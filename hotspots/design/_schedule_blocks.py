"""Parallel-group randomisation: complete, matched pairs, or blocks by crime level."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = ["MECHANISM", "ParallelPlan", "crime_order", "parallel_plan", "round_half_up"]

#: Name and version of the mechanism, recorded in the rules.
MECHANISM = "parallel: complete, pairs or blocks by crime level, v1"


def round_half_up(share: Fraction, n: int) -> int:
    """Share * n rounded to the nearest whole number, halves up (2.5 -> 3)."""
    return math.floor(share * n + Fraction(1, 2))


def crime_order(places: tuple[str, ...], levels: dict[str, float]) -> np.ndarray:
    """Place indices by crime level, highest first; equal levels by place id."""
    return np.array(
        sorted(range(len(places)), key=lambda i: (-levels[places[i]], places[i])),
        dtype=np.int64,
    )


@dataclass(frozen=True)
class ParallelPlan:
    """Everything a parallel draw needs that does not depend on the seed."""

    places: tuple[str, ...]
    block: np.ndarray  # block index of each place (0 when not blocked)
    treated_per_block: np.ndarray
    labels: tuple[str, ...]  # block label of each place ("" when not blocked)
    n_slots: int

    def draw(self, seed: int) -> np.ndarray:
        """Arms (1 or 0) of every place (rows), the same in every slot (columns)."""
        rng = np.random.default_rng(seed)
        order = np.argsort(self.block + rng.random(len(self.block)), kind="stable")
        sizes = np.bincount(self.block)
        start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order)) - np.repeat(start, sizes)
        arms = (rank < self.treated_per_block[self.block]).astype(np.int8)
        return np.broadcast_to(arms[:, None], (len(arms), self.n_slots))


def parallel_plan(places: tuple[str, ...], rules: dict, n_slots: int) -> ParallelPlan:
    """Build the seed-free part of a parallel design from its (checked) rules."""
    share = Fraction(rules["share_fraction"])
    blocking = rules["blocking"]
    n_places = len(places)
    block = np.zeros(n_places, dtype=np.int64)
    if blocking is None:
        treated = np.array([round_half_up(share, n_places)])
        names = [""]
    else:
        order = crime_order(places, rules["crime_levels"])
        n_blocks = n_places // 2 if blocking == "pairs" else int(blocking)
        word = "pair" if blocking == "pairs" else "block"
        width = len(str(n_blocks))
        parts = np.array_split(order, n_blocks)
        for b, members in enumerate(parts):
            block[members] = b
        treated = np.array([round_half_up(share, len(m)) for m in parts])
        names = [f"{word} {b + 1:0{width}d}" for b in range(n_blocks)]
    return ParallelPlan(
        places=places,
        block=block,
        treated_per_block=treated,
        labels=tuple(names[b] for b in block),
        n_slots=n_slots,
    )
