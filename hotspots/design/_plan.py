"""A proposed test of patrols (:class:`Plan`) and the treatment layouts it draws."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd

from hotspots.design._schedule_crossover import crossover_schedule
from hotspots.design._schedule_parallel import parallel_schedule

__all__ = ["DESIGNS", "Plan"]

#: The designs :func:`hotspots.design.power` simulates.
DESIGNS = ("crossover", "parallel", "before_after")
#: Days in a month for the month-level noise of day-level plans.
_DAYS_PER_MONTH = 30.4375
#: A Monday, so simulated crossover schedules balance weekdays as real ones do.
_SIM_START = "2025-01-06"

Design = Literal["crossover", "parallel", "before_after"]


@dataclass(frozen=True)
class Plan:
    """A proposed test of hot spot patrols, for power and detectable effects.

    Parameters
    ----------
    design : {"crossover", "parallel", "before_after"}
        ``"crossover"``: every place is switched on and off by day
        (:func:`~hotspots.design.crossover_schedule`). ``"parallel"``: places
        randomised to treatment or control for the whole trial
        (:func:`~hotspots.design.parallel_schedule`). ``"before_after"``: the
        quasi-experiment :func:`hotspots.evaluate` analyses, treated places
        against ``n_comparison`` untreated ones, months before and after.
    length : int
        Trial length: days for the randomised designs, months after the start
        for ``"before_after"``.
    share : float, default 0.5
        Share of days (crossover) or places (parallel) treated.
    before : int, default 0
        Days (parallel) or months (before_after) observed before the start.
        A parallel plan with a before period compares each place with itself
        (place fixed effects); without, places are compared within blocks.
    washout_days : int, default 0
        Crossover only: control days after a treated day left out of the
        analysis (see :func:`~hotspots.design.crossover_schedule`).
    blocking : None, "pairs" or int, default None
        Parallel only: random assignment within pairs or blocks of crime level.
    n_comparison : int, optional
        Before/after only: comparison places. None = as many as treated.
    dispersion : float, optional
        Extra-Poisson variation of a place's monthly counts, as the NB2 alpha
        (variance = mean + alpha * mean**2); it is shared by the days of a
        month, so it cancels within a place in a crossover and does not in a
        parallel or before/after design. :func:`~hotspots.design.estimate_dispersion`
        estimates it from past monthly counts. None = estimated from the
        places' own months where the data are at hand
        (:func:`hotspots.select_places` with ``plan=``), else 0 (Poisson
        counts, with a caveat that the power is then optimistic).
    """

    design: Design
    length: int
    share: float = 0.5
    before: int = 0
    washout_days: int = 0
    blocking: str | int | None = None
    n_comparison: int | None = None
    dispersion: float | None = None

    def __post_init__(self) -> None:
        if self.design not in DESIGNS:
            raise ValueError(f"design must be one of {DESIGNS}; got {self.design!r}")
        if int(self.length) < 1:
            raise ValueError(f"length must be at least 1; got {self.length!r}")
        if not 0 < self.share < 1:
            raise ValueError(f"share must be in (0, 1); got {self.share!r}")
        if self.before < 0 or self.washout_days < 0:
            raise ValueError("before and washout_days cannot be negative")
        if self.dispersion is not None and not (
            math.isfinite(self.dispersion) and self.dispersion >= 0
        ):
            raise ValueError(
                f"dispersion must be zero or more; got {self.dispersion!r}"
            )
        if self.design == "before_after" and self.before < 1:
            raise ValueError(
                "a before_after plan needs months before the start: give before=12 "
                "or more (see hotspots.evaluation.pre_period_advice)"
            )
        if self.design != "crossover" and self.washout_days:
            raise ValueError("washout_days applies to crossover plans only")
        if self.design != "parallel" and self.blocking is not None:
            raise ValueError("blocking applies to parallel plans only")

    @property
    def unit(self) -> str:
        """``"month"`` for before/after plans, ``"day"`` otherwise."""
        return "month" if self.design == "before_after" else "day"

    def describe(self) -> str:
        """One line for tables, logs and the pack."""
        if self.design == "crossover":
            text = (
                f"repeat crossover over {self.length} days, {self.share:.0%} of days "
                "treated at each place"
            )
            if self.washout_days:
                text += f", {self.washout_days}-day washout"
            return text
        if self.design == "parallel":
            if self.blocking is None:
                how = ""
            elif self.blocking == "pairs":
                how = " in matched pairs"
            else:
                how = f" in {self.blocking} blocks"
            text = (
                f"parallel groups{how}, {self.share:.0%} of places treated for "
                f"{self.length} days"
            )
            return text + (f", with {self.before} days before" if self.before else "")
        return (
            f"before/after with comparison places, {self.before} months before and "
            f"{self.length} after"
        )

    def to_dict(self) -> dict:
        """Return the plan's fields, for records and the pack."""
        return asdict(self)


def layout(plan: Plan, n_places: int, rng: np.random.Generator, crime=None):
    """Draw one treatment layout of ``plan``.

    Returns
    -------
    d : ndarray (n_rows, n_slots)
        Treatment indicator.
    keep : ndarray of bool (n_rows, n_slots)
        Cells analysed (washout days left out).
    groups : ndarray of int (n_rows,) or None
        Row-effect groups when the treatment is constant within a place.
    months : ndarray of int (n_slots,)
        Month of each slot, for the month-level noise.
    """
    seed = int(rng.integers(2**31))
    ids = [f"P{i:04d}" for i in range(n_places)]
    if plan.design == "before_after":
        n_comp = plan.n_comparison or n_places
        slots = plan.before + plan.length
        d = np.zeros((n_places + n_comp, slots))
        d[:n_places, plan.before :] = 1.0
        return d, np.ones_like(d, bool), None, np.arange(slots)
    start = np.datetime64(_SIM_START)
    end = str(start + np.timedelta64(plan.length - 1, "D"))
    if plan.design == "crossover":
        schedule = crossover_schedule(
            ids,
            start=_SIM_START,
            end=end,
            share=plan.share,
            washout_days=plan.washout_days,
            seed=seed,
        )
        codes = schedule.assignment()
        d = (codes == 1).astype(float)
        keep = codes >= 0
        months = (np.arange(plan.length) / _DAYS_PER_MONTH).astype(int)
        return d, keep, None, months
    order = None if crime is None else np.asarray(crime, dtype=float)
    schedule = parallel_schedule(
        ids,
        start=_SIM_START,
        end=end,
        share=plan.share,
        blocking=plan.blocking,
        crime=None if order is None else pd.Series(order, index=ids),
        seed=seed,
    )
    arm = schedule.assignment()[:, 0] == 1
    slots = plan.before + plan.length
    d = np.zeros((n_places, slots))
    d[arm, plan.before :] = 1.0
    months = (np.arange(slots) / _DAYS_PER_MONTH).astype(int)
    groups = None
    if plan.before == 0:
        groups = _block_ids(schedule, ids)
    return d, np.ones_like(d, bool), groups, months


def _block_ids(schedule, ids) -> np.ndarray:
    """Row-effect group of each place: its pair or block, else one group."""
    table = schedule.table.drop_duplicates("place_id").set_index("place_id")
    blocks = table["block"].reindex(ids).fillna("").to_numpy()
    _, codes = np.unique(blocks, return_inverse=True)
    return codes
