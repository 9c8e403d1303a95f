"""The crossover randomisation: systematic rounding on a random sequence, then trades.

Exact integer arithmetic throughout, so every balance constraint holds exactly
(see :func:`hotspots.design.crossover_schedule` and docs/methods/schedules.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from hotspots.design._schedule_calendar import Calendar

__all__ = ["MECHANISM", "CrossoverPlan", "crossover_plan", "trade_rounds"]

#: Name and version of the mechanism, recorded in the rules: a schedule is redrawn
#: only by the mechanism that drew it.
MECHANISM = "crossover: systematic rounding on a random sequence + trades, v1"
#: Trade rounds: at least this many ...
MIN_TRADE_ROUNDS = 8
#: ... and this many per doubling of the number of places.
TRADE_ROUNDS_PER_DOUBLING = 3
_WEEK = 7
_MINUTES_PER_DAY = 24 * 60


def trade_rounds(n_places: int) -> int:
    """Return the rounds of random pairwise trades for ``n_places`` places."""
    doublings = math.ceil(math.log2(max(n_places, 2)))
    return max(MIN_TRADE_ROUNDS, TRADE_ROUNDS_PER_DOUBLING * doublings)


def _bounds(share: Fraction, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Floor and ceil of share * n, exactly."""
    num, den = share.numerator, share.denominator
    low = (np.asarray(n, dtype=np.int64) * num) // den
    high = -((-np.asarray(n, dtype=np.int64) * num) // den)
    return low, high


@dataclass(frozen=True)
class CrossoverPlan:
    """Everything a crossover draw needs that does not depend on the seed."""

    places: tuple[str, ...]
    share: Fraction
    unit: str
    period_of_slot: np.ndarray  # assignment period of each slot
    period_labels: tuple[str, ...]  # first slot of each period, for messages
    outer: np.ndarray  # per period: shift (unit="shift" with balance) or 0
    inner: np.ndarray  # per period: weekday (with balance) or 0
    group: np.ndarray  # per period: balance stratum, 0..n_groups-1
    n_groups: int
    rounds: int
    washout_days: int
    slot_day: np.ndarray
    day_period: np.ndarray  # assignment period of each day (unit="day")
    slot_minutes: tuple[np.ndarray, np.ndarray]

    def draw(self, seed: int) -> np.ndarray:
        """Arms (1, 0, -1) of every place (rows) and slot (columns)."""
        rng = np.random.default_rng(seed)
        periods = self._systematic(rng)
        self._trade(rng, periods)
        check_constraints(periods, self)
        return self._washout(periods)

    def _systematic(self, rng: np.random.Generator) -> np.ndarray:
        """Systematic rounding of ``share`` along one random sequence of periods."""
        n_places, n_periods = len(self.places), len(self.group)
        a, q = self.share.numerator, self.share.denominator
        offsets = rng.permutation(n_places).astype(np.int64) * q + rng.integers(q)
        outer_rank = rng.permutation(int(self.outer.max()) + 1)
        n_inner = int(self.inner.max()) + 1
        inner_rank = rng.permuted(
            np.tile(np.arange(n_inner), (len(outer_rank), 1)), axis=1
        )
        order = np.lexsort(
            (
                rng.random(n_periods),
                inner_rank[self.outer, self.inner],
                outer_rank[self.outer],
            )
        )
        position = np.empty(n_periods, dtype=np.int64)
        position[order] = np.arange(n_periods)
        x = position[None, :] * (a * n_places) + offsets[:, None]
        cycle = q * n_places
        return ((x + a * n_places) // cycle - x // cycle).astype(np.int8)

    def _trade(self, rng: np.random.Generator, periods: np.ndarray) -> None:
        """Random pairs of places swap arms on periods where they differ.

        Within each pair and stratum the arms of the periods where the two places
        differ are shuffled, so every period keeps one treated place of the two and
        each place keeps its count per stratum.
        """
        n_places = periods.shape[0]
        half = n_places // 2
        if half == 0:
            return
        for _ in range(self.rounds):
            perm = rng.permutation(n_places)
            first, second = perm[:half], perm[half : 2 * half]
            left = periods[first]
            k, j = np.nonzero(left != periods[second])
            if k.size == 0:
                continue
            stratum = k * self.n_groups + self.group[j]
            by_position = np.argsort(stratum, kind="stable")
            by_chance = np.argsort(stratum + rng.random(k.size), kind="stable")
            values = left[k, j]
            shuffled = np.empty_like(values)
            shuffled[by_position] = values[by_chance]
            periods[first[k], j] = shuffled
            periods[second[k], j] = 1 - shuffled

    def _washout(self, periods: np.ndarray) -> np.ndarray:
        """Expand periods to slots, mark washout, refuse places left without control."""
        if self.unit == "shift":
            slots = periods[:, self.period_of_slot]
            if self.washout_days:
                start, end = self.slot_minutes
                last = np.maximum.accumulate(
                    np.where(slots == 1, end[None, :], np.iinfo(np.int64).min // 2),
                    axis=1,
                )
                wash = (slots == 0) & (
                    start[None, :] < last + self.washout_days * _MINUTES_PER_DAY
                )
                slots[wash] = -1
        else:
            days = periods[:, self.day_period]
            if self.washout_days:
                index = np.arange(days.shape[1])
                last = np.maximum.accumulate(
                    np.where(days == 1, index[None, :], -(10**9)), axis=1
                )
                days[(days == 0) & (index[None, :] - last <= self.washout_days)] = -1
            slots = days[:, self.slot_day]
        no_control = ~(slots == 0).any(axis=1)
        if no_control.any():
            names = [p for p, bad in zip(self.places, no_control, strict=True) if bad]
            why = (
                f"washout_days={self.washout_days} turns every untreated day after "
                "a treated period into washout"
                if self.washout_days
                else f"share={self.share} treats every period"
            )
            raise ValueError(
                f"{len(names)} place(s) would have no control days: {names[:5]} "
                f"({why}). Use fewer washout days, a lower share, or a longer trial."
            )
        return slots


def check_constraints(periods: np.ndarray, plan: CrossoverPlan) -> None:
    """Raise ValueError naming the constraint and place or period if one is broken.

    ``periods`` holds 0/1 arms of every place (rows) and assignment period.
    """
    places, share = plan.places, plan.share
    per_period = periods.sum(axis=0)
    low, high = _bounds(share, np.array(len(places)))
    bad = np.flatnonzero((per_period < low) | (per_period > high))
    if bad.size:
        raise ValueError(
            f"constraint 1 (even load) broken on {plan.period_labels[bad[0]]}: "
            f"{per_period[bad[0]]} places treated, expected {low} or {high}."
        )
    strata = [(np.zeros(len(plan.group), dtype=np.int64), "constraint 2 (per place)")]
    if plan.n_groups > 1:
        shift = " and shift" if plan.outer.max() > 0 else ""
        strata.append((plan.group, f"constraint 3 (per place, weekday{shift})"))
        if shift:
            strata.append((plan.outer, "constraint 3 (per place and shift)"))
    for labels, what in strata:
        onehot = np.eye(int(labels.max()) + 1, dtype=np.int64)[labels]
        got = periods.astype(np.int64) @ onehot
        low, high = _bounds(share, onehot.sum(axis=0))
        wrong = np.argwhere((got < low[None, :]) | (got > high[None, :]))
        if wrong.size:
            place, column = wrong[0]
            first = plan.period_labels[int(np.flatnonzero(labels == column)[0])]
            raise ValueError(
                f"{what} broken for place {places[place]!r} in the stratum of "
                f"{first}: {got[place, column]} treated periods, expected "
                f"{low[column]} or {high[column]}."
            )


def crossover_plan(
    places: tuple[str, ...], rules: dict, calendar: Calendar
) -> CrossoverPlan:
    """Build the seed-free part of a crossover design from its (checked) rules."""
    share = Fraction(rules["share_fraction"])
    unit, balance = rules["unit"], rules["balance"]
    weekday = calendar.weekday()
    if unit == "shift":
        period_of_slot = np.arange(calendar.n_slots)
        outer = calendar.slot_shift.astype(np.int64)
        inner = weekday
    else:
        period_of_slot = calendar.slot_day // int(rules["period_days"])
        first_slot = np.unique(period_of_slot, return_index=True)[1]
        outer = np.zeros(len(first_slot), dtype=np.int64)
        inner = weekday[first_slot]
    first_slot = np.unique(period_of_slot, return_index=True)[1]
    if balance is None:
        outer = np.zeros_like(outer)
        inner = np.zeros_like(inner)
    group = outer * _WEEK + inner
    _, group = np.unique(group, return_inverse=True)
    dates = calendar.slot_dates[first_slot].astype("datetime64[D]").astype(str)
    shifts = np.asarray(calendar.shift_names)[calendar.slot_shift[first_slot]]
    labels = tuple(
        f"{d} ({s})" if unit == "shift" else str(d)
        for d, s in zip(dates, shifts, strict=True)
    )
    return CrossoverPlan(
        places=places,
        share=share,
        unit=unit,
        period_of_slot=period_of_slot,
        period_labels=labels,
        outer=outer,
        inner=inner,
        group=group.astype(np.int64),
        n_groups=int(group.max()) + 1,
        rounds=int(rules["trade_rounds"]),
        washout_days=int(rules["washout_days"]),
        slot_day=calendar.slot_day,
        day_period=period_of_slot[np.unique(calendar.slot_day, return_index=True)[1]],
        slot_minutes=calendar.minutes(),
    )
