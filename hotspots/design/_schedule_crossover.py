"""Repeat crossover schedules, each place switched on and off."""

from __future__ import annotations

import logging
import numbers
from collections.abc import Mapping
from typing import Literal

from hotspots.design._schedule import Schedule, build
from hotspots.design._schedule_calendar import (
    TIMEZONE,
    check_dates,
    check_share,
    check_shifts,
    place_locations,
    read_places,
    resolve_seed,
    shifts_rule,
)
from hotspots.design._schedule_rounding import MECHANISM, trade_rounds

__all__ = ["crossover_rules", "crossover_schedule"]

logger = logging.getLogger(__name__)

#: Fewest days that weekday balance needs (one of each weekday).
MIN_DAYS_FOR_WEEKDAY_BALANCE = 7
#: The arguments of :func:`crossover_schedule` recorded in the rules.
ARGUMENTS = (
    "start",
    "end",
    "share",
    "unit",
    "period_days",
    "shifts",
    "washout_days",
    "balance",
    "seed",
)


def _whole(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value!r}.")
    return int(value)


def crossover_rules(
    n_places: int,
    *,
    start,
    end,
    share,
    unit,
    period_days,
    shifts,
    washout_days,
    balance,
    seed,
    recorded: Mapping | None = None,
) -> dict:
    """Check the arguments, resolve the automatic choices, and return the rules."""
    first, last = check_dates(start, end)
    fraction = check_share(share)
    if unit not in ("day", "shift"):
        raise ValueError(f"unit must be 'day' or 'shift'; got {unit!r}.")
    period_days = _whole(period_days, "period_days", 1)
    if unit == "shift" and period_days > 1:
        raise ValueError(
            f"unit='shift' assigns each shift separately, so period_days must be 1; "
            f"got period_days={period_days}. Use unit='day' to give whole runs of "
            "days (all their shifts) one arm."
        )
    check_shifts(shifts)
    washout_days = _whole(washout_days, "washout_days", 0)
    if balance not in ("weekday", None):
        raise ValueError(f"balance must be 'weekday' or None; got {balance!r}.")
    resolved = balance
    if balance == "weekday" and period_days > 1:
        resolved = None
        logger.info(
            "Weekday balance does not apply to periods of %d days; balance set to "
            "None (each place still gets its share of periods).",
            period_days,
        )
    n_days = (last - first).days + 1
    if resolved == "weekday" and n_days < MIN_DAYS_FOR_WEEKDAY_BALANCE:
        raise ValueError(
            f"balance='weekday' needs at least {MIN_DAYS_FOR_WEEKDAY_BALANCE} days "
            f"(one of each weekday); the trial has {n_days}. Lengthen the trial or "
            "pass balance=None."
        )
    seed_value, seed_auto = resolve_seed(seed)
    rounds = trade_rounds(n_places)
    if recorded is not None:
        if recorded.get("mechanism") != MECHANISM:
            raise ValueError(
                f"this schedule was drawn by {recorded.get('mechanism')!r}, not by "
                f"this version's {MECHANISM!r}, so it cannot be drawn again here. "
                "Install the hotspots version that wrote it."
            )
        rounds = int(recorded["trade_rounds"])
        seed_auto = bool(recorded.get("seed_auto", False))
    return {
        "design": "crossover",
        "start": first.isoformat(),
        "end": last.isoformat(),
        "share": float(share),
        "share_fraction": str(fraction),
        "unit": unit,
        "period_days": period_days,
        "shifts": shifts_rule(shifts),
        "washout_days": washout_days,
        "balance": resolved,
        "balance_requested": balance,
        "seed": seed_value,
        "seed_auto": seed_auto,
        "n_places": n_places,
        "timezone": TIMEZONE,
        "trade_rounds": rounds,
        "mechanism": MECHANISM,
    }


def crossover_schedule(
    places,
    *,
    start,
    end,
    share: float = 0.5,
    unit: Literal["day", "shift"] = "day",
    period_days: int = 1,
    shifts: Mapping[str, tuple[str, str]] | None = None,
    washout_days: int = 0,
    balance: Literal["weekday"] | None = "weekday",
    seed: int | None = None,
) -> Schedule:
    """Randomised repeat-crossover schedule: every place switched on and off.

    Each place is patrolled on some days (or shifts) and not on others, in a
    random order, so each place is its own control. The draw keeps the patrol
    team's load even, gives each place its share of treated days overall and on
    each weekday, and gives every place-day the same chance ``share`` of patrol.

    Parameters
    ----------
    places : sequence of str, or DataFrame
        Place ids, or a frame with a ``place_id`` column such as the output of
        :func:`hotspots.select_places` (with geometry, the calendar gets each
        place's position).
    start, end : str, date or Timestamp
        First and last day of the trial (inclusive), local UK dates, e.g.
        ``"2025-01-06"``.
    share : float, default 0.5
        Proportion of periods each place is treated, strictly between 0 and 1
        (used as an exact fraction with denominator <= 1000, e.g. 0.3 = 3/10).
    unit : {"day", "shift"}, default "day"
        What is assigned: a day (all its shifts share the arm) or each shift.
    period_days : int, default 1
        With ``unit="day"``: consecutive days that form one assignment period
        (e.g. 7 for weeks on and off); the last period may be shorter. Must be 1
        with ``unit="shift"``.
    shifts : mapping of str to (str, str), optional
        Patrol windows by name, e.g. ``{"late": ("18:00", "02:00")}``, local UK
        time; an end at or before the start ends the next day. None = one slot a
        day, ``"day"``, 00:00 to 24:00.
    washout_days : int, default 0
        Days at the start of each control run that follows a treated period
        labelled ``"washout"`` (no patrol, analysed separately to check
        carry-over). With ``unit="shift"``: control slots starting within this
        many 24-hour days of the end of the place's last treated slot.
    balance : {"weekday", None}, default "weekday"
        Balance each place's treated count per weekday (per shift and weekday
        with ``unit="shift"``). Ignored, with a logged note, when
        ``period_days > 1``.
    seed : int, optional
        Seed of the draw. None = drawn from OS entropy, logged at INFO and
        recorded in ``rules["seed"]``.

    Returns
    -------
    Schedule
        ``design="crossover"``; ``rules`` hold every argument, the resolved
        ``balance``, the exact ``share_fraction``, ``seed``, ``seed_auto``,
        ``trade_rounds`` and the ``mechanism``.

    Raises
    ------
    ValueError
        If ``end`` is before ``start``; ``share`` is not strictly between 0 and
        1; ``unit="shift"`` with ``period_days > 1``; ``balance="weekday"`` with
        fewer than 7 days; place ids are empty or repeated; or the draw leaves a
        place with no control days (naming it: use fewer washout days or a lower
        share).
    TypeError
        If ``places`` is not a list of string ids or a frame, or ``seed`` is not a
        whole number.

    Notes
    -----
    With P places, let the **assignment periods** be the days (``unit="day"``,
    or runs of ``period_days`` days) or the (date, shift) slots
    (``unit="shift"``). Constraints, all exact:

    1. every period has floor(share·P) or ceil(share·P) places treated;
    2. every place has floor or ceil of share × (its number of periods) treated;
    3. with ``balance="weekday"``, the same per place and weekday (and, with
       ``unit="shift"``, per place, shift and weekday, and per place and shift).

    **Mechanism.** (a) The periods are put in one random sequence in which each
    balance stratum (weekday, or shift then weekday) is a contiguous run: the
    strata in random order, the periods within each in random order. (b) Place
    *p* gets an offset ``u_p = (pi_p + v) / P``, with ``pi`` a random permutation
    of 0..P-1 and ``v`` uniform, and is treated at sequence position *k* when
    ``floor((k+1)·share + u_p) - floor(k·share + u_p) = 1`` (systematic sampling,
    computed in exact integers). Any run of *m* consecutive positions then holds
    floor or ceil of share·m treated positions, which gives constraints 2 and 3;
    the offsets are P equally spaced points, so any period has floor or ceil of
    share·P places treated (constraint 1). (c) Rounds of trades (8, or 3 per
    doubling of P if more) break the link between places: the places are paired
    at random, and within each pair and stratum the arms of the periods where
    the two differ are shuffled, which keeps every count above. Every step
    treats places alike and periods of a stratum alike, and each position is
    treated with probability exactly ``share`` over ``v`` and ``pi``, so
    **every place-period has probability exactly share of treatment**. The
    constraints always hold together; a final check raises ValueError naming
    the constraint and the place or period should one ever fail.

    Washout is applied after the draw, so it does not change who is treated.
    Redraws (:meth:`Schedule.redraw`) repeat the mechanism with a new seed. See
    :doc:`/docs/methods/schedules` (Senn 2002 on crossover designs).

    Examples
    --------
    >>> from hotspots.design import crossover_schedule
    >>> schedule = crossover_schedule(
    ...     ["A", "B", "C", "D"], start="2025-01-06", end="2025-02-02", seed=1
    ... )
    >>> schedule.assignment().shape
    (4, 28)
    >>> schedule.assignment().sum(axis=0).tolist()[:7]
    [2, 2, 2, 2, 2, 2, 2]
    """
    ids, frame = read_places(places)
    rules = crossover_rules(
        len(ids),
        start=start,
        end=end,
        share=share,
        unit=unit,
        period_days=period_days,
        shifts=shifts,
        washout_days=washout_days,
        balance=balance,
        seed=seed,
    )
    return build("crossover", ids, rules, place_locations(frame))
