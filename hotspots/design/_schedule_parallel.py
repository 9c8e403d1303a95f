"""Parallel-group schedules: each place treated or control throughout."""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Mapping
from fractions import Fraction

import pandas as pd

from hotspots.design._schedule import Schedule, build
from hotspots.design._schedule_blocks import MECHANISM, crime_order, round_half_up
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

__all__ = ["parallel_rules", "parallel_schedule"]

logger = logging.getLogger(__name__)

#: The arguments of :func:`parallel_schedule` recorded in the rules.
ARGUMENTS = ("start", "end", "share", "blocking", "crime", "shifts", "seed")


def _crime_levels(ids, frame, crime) -> tuple[dict[str, float], str]:
    """Crime level of every place, and where it came from."""
    if crime is None:
        if frame is None or "n" not in frame.columns:
            raise ValueError(
                "blocking needs each place's crime level: pass crime= (a Series "
                "indexed by place id, or a column of places), or pass places from "
                "hotspots.select_places, whose 'n' column is used by default."
            )
        crime, source = "n", "n"
        logger.info("Crime level for blocking taken from the places' 'n' column.")
    if isinstance(crime, str):
        if frame is None or crime not in frame.columns:
            columns = [] if frame is None else list(frame.columns)
            raise ValueError(
                f"crime column {crime!r} not found in places (columns: {columns}). "
                "Pass a column name of places or a Series indexed by place id."
            )
        series = pd.Series(frame[crime].to_numpy(), index=list(ids))
        source = crime
    elif isinstance(crime, pd.Series):
        series, source = crime, "series"
    elif isinstance(crime, Mapping):
        series, source = pd.Series(dict(crime)), "mapping"
    else:
        raise TypeError(
            "crime must be None, a column name of places, or a Series indexed by "
            f"place id; got {type(crime).__name__}."
        )
    series.index = series.index.map(str)
    missing = [p for p in ids if p not in series.index]
    if missing:
        raise ValueError(
            f"crime has no level for {len(missing)} place(s): {missing[:10]}. "
            "Index the Series by place_id and include every place."
        )
    values = pd.to_numeric(series.reindex(list(ids)), errors="coerce")
    bad = [p for p, v in zip(ids, values, strict=True) if not math.isfinite(v)]
    if bad:
        raise ValueError(
            f"crime levels must be finite numbers; missing or not numeric for "
            f"{bad[:10]}. Fill them (e.g. 0 for no crimes) first."
        )
    return {p: float(v) for p, v in zip(ids, values, strict=True)}, source


def parallel_rules(
    ids: tuple[str, ...],
    frame: pd.DataFrame | None,
    *,
    start,
    end,
    share,
    blocking,
    crime,
    shifts,
    seed,
    recorded: Mapping | None = None,
) -> dict:
    """Check the arguments, resolve the automatic choices, and return the rules."""
    first, last = check_dates(start, end)
    fraction = check_share(share)
    check_shifts(shifts)
    n_places = len(ids)
    levels, source = None, None
    if blocking is not None:
        if blocking == "pairs":
            if fraction != Fraction(1, 2):
                raise ValueError(
                    f"blocking='pairs' treats one place of each pair, so share must "
                    f"be 0.5; got {share!r}. Use blocking=k (blocks) for other shares."
                )
        elif isinstance(blocking, bool) or not isinstance(blocking, numbers.Integral):
            raise ValueError(
                f"blocking must be None, 'pairs' or a whole number of blocks >= 2; "
                f"got {blocking!r}."
            )
        elif not 2 <= int(blocking) <= n_places // 2:
            raise ValueError(
                f"blocking={blocking} blocks need 2 to {n_places // 2} blocks for "
                f"{n_places} places (at least two places a block); got {blocking}."
            )
        if recorded is not None and recorded.get("crime_levels") is not None:
            levels = {str(k): float(v) for k, v in recorded["crime_levels"].items()}
            source = recorded.get("crime")
        else:
            levels, source = _crime_levels(ids, frame, crime)
        if blocking == "pairs" and n_places % 2:
            last_place = ids[crime_order(ids, levels)[-1]]
            raise ValueError(
                f"blocking='pairs' needs an even number of places; {n_places} leaves "
                f"{last_place!r} (the lowest crime level) unpaired. Drop it, add "
                "a place, or use blocking=None or a number of blocks."
            )
        blocking = blocking if blocking == "pairs" else int(blocking)
    elif crime is not None:
        logger.info("crime is used only for blocking; ignored with blocking=None.")
    n_treated = round_half_up(fraction, n_places)
    if blocking is None and not 0 < n_treated < n_places:
        raise ValueError(
            f"share={share!r} of {n_places} places rounds to {n_treated} treated: "
            "a trial needs treated and control places. Add places or change share."
        )
    seed_value, seed_auto = resolve_seed(seed)
    if recorded is not None:
        if recorded.get("mechanism") != MECHANISM:
            raise ValueError(
                f"this schedule was drawn by {recorded.get('mechanism')!r}, not by "
                f"this version's {MECHANISM!r}, so it cannot be drawn again here. "
                "Install the hotspots version that wrote it."
            )
        seed_auto = bool(recorded.get("seed_auto", False))
    return {
        "design": "parallel",
        "start": first.isoformat(),
        "end": last.isoformat(),
        "share": float(share),
        "share_fraction": str(fraction),
        "blocking": blocking,
        "crime": source,
        "crime_levels": levels,
        "shifts": shifts_rule(shifts),
        "seed": seed_value,
        "seed_auto": seed_auto,
        "n_places": n_places,
        "timezone": TIMEZONE,
        "mechanism": MECHANISM,
    }


def parallel_schedule(
    places,
    *,
    start,
    end,
    share: float = 0.5,
    blocking: str | int | None = None,
    crime: pd.Series | str | None = None,
    shifts: Mapping[str, tuple[str, str]] | None = None,
    seed: int | None = None,
) -> Schedule:
    """Randomised parallel-group schedule: each place treated or control throughout.

    Parameters
    ----------
    places : sequence of str, or DataFrame
        Place ids, or a frame with a ``place_id`` column such as the output of
        :func:`hotspots.select_places` (its ``n`` column is the default crime
        level; with geometry, the calendar gets each place's position).
    start, end : str, date or Timestamp
        First and last day of the trial (inclusive), local UK dates.
    share : float, default 0.5
        Proportion of places treated, strictly between 0 and 1.
    blocking : None, "pairs" or int, default None
        None: exactly round(share·P) places treated (halves round up),
        completely at random. ``"pairs"``: places ranked by crime level
        (highest first, equal levels by place id) form consecutive pairs and one
        of each pair is treated at random (share must be 0.5). An int k >= 2: k
        blocks of consecutive ranks, sizes differing by at most one (larger
        blocks first), with round(share × block size) treated in each.
    crime : Series, str or None
        Crime level of each place for blocking: a Series indexed by place id or
        a column name of ``places``. None = the ``n`` column of ``places``.
        Ignored without blocking.
    shifts : mapping of str to (str, str), optional
        Patrol windows, as in :func:`crossover_schedule`; the table lists every
        slot so the tasking team sees each treated place's patrol days.
    seed : int, optional
        Seed of the draw. None = drawn from OS entropy, logged and recorded.

    Returns
    -------
    Schedule
        ``design="parallel"``; ``period`` is 0 throughout and ``block`` names
        each place's pair or block (``"pair 01"``, ``"block 2"``; ``""``
        without blocking). ``rules`` record the ``crime_levels`` used.

    Raises
    ------
    ValueError
        If ``end`` is before ``start``; ``share`` is not strictly between 0 and 1
        (or not 0.5 with pairs); pairs with an odd number of places (naming the
        unpaired place); blocks outside 2..P/2; crime levels missing; no place or
        every place treated; place ids empty or repeated.

    Notes
    -----
    A parallel design compares places, not days: Sherman and Weisburd (1995)
    randomised 110 Minneapolis hot spots, Braga et al. (1999) randomised within
    12 matched pairs of Jersey City violent crime places. Pairs and blocks by
    crime level make treated and control places alike in volume, which narrows
    the estimate. Within each block the treated places are a simple random
    sample of round(share × size), so each place's chance of treatment is that
    number over the block's size. See :doc:`/docs/methods/schedules`.

    Examples
    --------
    >>> import pandas as pd
    >>> from hotspots.design import parallel_schedule
    >>> schedule = parallel_schedule(
    ...     ["A", "B", "C", "D"], start="2025-01-06", end="2025-01-12",
    ...     blocking="pairs", crime=pd.Series({"A": 9, "B": 7, "C": 4, "D": 1}),
    ...     seed=1,
    ... )
    >>> sorted(set(schedule.table["block"]))
    ['pair 1', 'pair 2']
    """
    ids, frame = read_places(places)
    rules = parallel_rules(
        ids,
        frame,
        start=start,
        end=end,
        share=share,
        blocking=blocking,
        crime=crime,
        shifts=shifts,
        seed=seed,
    )
    return build("parallel", ids, rules, place_locations(frame))
