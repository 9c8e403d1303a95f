"""SYNTHETIC crimes for a patrol trial run to a schedule, with a planted truth."""

from __future__ import annotations

import logging
import math
import numbers

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._validate import as_rng, check_projected

__all__ = ["simulate_trial_crimes"]

logger = logging.getLogger(__name__)

#: The police.uk category every simulated crime gets.
CRIME_TYPE = "Violence and sexual offences"
#: Local time zone of the schedule's patrol windows and of the naive timestamps.
TIMEZONE = "Europe/London"
#: Points drawn per round of rejection sampling, as a multiple of those still
#: needed divided by the share of the bounding box the polygon fills.
_OVERSAMPLE = 1.2
#: Rounds of rejection sampling before giving up (a polygon filling 1% of its
#: bounding box needs about 100 draws per point; this never runs out in practice).
_MAX_ROUNDS = 100
#: Columns of the result, in order.
COLUMNS = [
    "date",
    "month",
    "crime_type",
    "place_id_true",
    "treated_true",
    "synthetic",
    "geometry",
]


def simulate_trial_crimes(
    places: gpd.GeoDataFrame,
    schedule,
    *,
    rates,
    effect: float = 0.75,
    carry_over: float = 1.0,
    dispersion: float = 0.0,
    seed: int | np.random.Generator | None = None,
) -> gpd.GeoDataFrame:
    """Write SYNTHETIC crime points, with exact times, for a trial run to a schedule.

    Every place and slot of the schedule gets a Poisson number of crimes with
    mean ``rate * month noise * effect**treated * carry_over**after``, where
    ``treated`` is 1 on the place's treatment slots and ``after`` is 1 on the
    first untreated slot after a treated one. Each crime gets a time drawn
    uniformly inside its slot and a point drawn uniformly inside its place.

    Parameters
    ----------
    places : GeoDataFrame
        The trial's places: ``place_id`` and polygon ``geometry`` in a projected
        CRS in metres, e.g. :func:`hotspots.select_places`. Every id of
        ``schedule.places`` must be present; other rows are ignored.
    schedule : hotspots.design.Schedule
        The trial's schedule (read through ``places``, ``assignment()``,
        ``slots()`` and ``rules["shifts"]`` only).
    rates : array-like of float, shape (n_places,)
        Expected crimes per place per slot without patrols, in
        ``schedule.places`` order (a Series indexed by place id is aligned):
        per day when the schedule has one slot a day (see
        :func:`hotspots.design.base_rates`); per patrol window when it has
        shifts, since only crimes inside the windows are simulated.
    effect : float, default 0.75
        Planted rate ratio on treatment slots (0.75 = 25% fewer crimes); > 0.
    carry_over : float, default 1.0
        Planted rate ratio on the first untreated slot after a treated one
        (the next day with one slot a day; with washout days, the first
        washout slot). 1 = no carry-over; > 0.
    dispersion : float, default 0.0
        Month-to-month variation of each place's rate, as the NB2 alpha: a
        gamma factor with mean 1 and variance ``dispersion`` per place and
        calendar month, shared by the month's slots (as
        :func:`hotspots.design.power` simulates). 0 = Poisson counts.
    seed : int, numpy.random.Generator or None
        Reproducibility: the same int gives the same crimes. None draws a seed,
        logged at INFO and recorded.

    Returns
    -------
    GeoDataFrame
        One row per SYNTHETIC crime, sorted by time, in the places' CRS:
        ``date`` (datetime64, naive local UK time, to the second), ``month``
        (first of the month of ``date``), ``crime_type`` (``"Violence and
        sexual offences"``), ``place_id_true``, ``treated_true`` (bool: the
        crime's slot was a treatment slot), ``synthetic`` (True) and the point
        ``geometry``. ``attrs["synthetic"]`` is True and ``attrs["hotspots"]``
        records the planted truth: ``effect``, ``carry_over``, ``dispersion``,
        ``seed``, ``seed_auto``, ``places``, ``rates``, ``expected`` and
        ``slots`` (per place, the expected crimes and the number of slots in
        each arm, ``"treatment"``, ``"control"``, ``"washout"``, and on the
        carry-over slots, ``"carry_over"``), ``counts`` (crimes per place and
        slot, places x slots in ``schedule.slots()`` order) and ``n_crimes``.

    Raises
    ------
    CRSError
        If ``places`` are not in a projected CRS in metres.
    ValueError
        If ``places`` lack a ``place_id`` column, a scheduled place or a
        polygon; or ``rates``, ``effect``, ``carry_over`` or ``dispersion`` are
        out of range.

    Notes
    -----
    Times are uniform in elapsed time between the slot's ``start`` and
    ``end`` (Europe/London), then written as naive local times, so the 25-hour
    day of the October clock change gets 25 hours of crimes. Points are drawn
    by rejection sampling in each place's bounding box and lie strictly inside
    the polygon, so :func:`hotspots.evaluation.trial_counts` puts every crime
    back in its place and slot.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from hotspots.design import crossover_schedule
    >>> places = gpd.GeoDataFrame(
    ...     {"place_id": ["A", "B"]},
    ...     geometry=[box(450000, 300000, 450150, 300150),
    ...               box(451000, 300000, 451150, 300150)],
    ...     crs=27700,
    ... )
    >>> schedule = crossover_schedule(
    ...     places, start="2025-01-06", end="2025-01-19", seed=1
    ... )
    >>> crimes = simulate_trial_crimes(places, schedule, rates=[2.0, 1.0], seed=1)
    >>> crimes.attrs["synthetic"], bool(crimes["synthetic"].all())
    (True, True)
    >>> list(crimes.columns)[:4]
    ['date', 'month', 'crime_type', 'place_id_true']
    """
    ids = [str(p) for p in schedule.places]
    shapes = _place_shapes(places, ids)
    mean = _check_rates(rates, ids)
    for value, name in ((effect, "effect"), (carry_over, "carry_over")):
        _check_ratio(value, name)
    if not (_is_number(dispersion) and dispersion >= 0):
        raise ValueError(f"dispersion must be a number >= 0; got {dispersion!r}")
    seed_value, seed_auto, rng = _resolve_seed(seed)

    codes = np.asarray(schedule.assignment(), dtype=np.int8)
    slots = schedule.slots().reset_index(drop=True)
    if codes.shape != (len(ids), len(slots)):
        raise ValueError(
            f"schedule.assignment() has shape {codes.shape}, but the schedule has "
            f"{len(ids)} places and {len(slots)} slots"
        )
    after = _after_treatment(codes)
    months = pd.to_datetime(slots["date"]).dt.to_period("M")
    month_codes, month_labels = pd.factorize(months, sort=True)
    noise = np.ones((len(ids), len(month_labels)))
    if dispersion > 0:
        noise = rng.gamma(1 / dispersion, dispersion, size=noise.shape)
    mu = mean[:, None] * noise[:, month_codes]
    mu = mu * np.where(codes == 1, effect, 1.0) * np.where(after, carry_over, 1.0)
    counts = rng.poisson(mu)

    place_of, slot_of = np.nonzero(counts)
    repeat = counts[place_of, slot_of]
    place_of, slot_of = np.repeat(place_of, repeat), np.repeat(slot_of, repeat)
    dates = _times(slots, slot_of, rng)
    points = _points(shapes, place_of, rng)
    crimes = gpd.GeoDataFrame(
        {
            "date": dates,
            "month": dates.to_period("M").to_timestamp().astype("datetime64[ns]"),
            "crime_type": CRIME_TYPE,
            "place_id_true": np.asarray(ids, dtype=object)[place_of],
            "treated_true": codes[place_of, slot_of] == 1,
            "synthetic": True,
        },
        geometry=points,
        crs=places.crs,
    )
    crimes = crimes.sort_values(["date", "place_id_true"], kind="stable")
    crimes = crimes.reset_index(drop=True)[COLUMNS]
    crimes.attrs["synthetic"] = True
    crimes.attrs["hotspots"] = _truth(
        ids, mean, mu, codes, after, counts, effect, carry_over, dispersion
    ) | {"seed": seed_value, "seed_auto": seed_auto}
    logger.info(
        "simulate_trial_crimes: %d SYNTHETIC crimes at %d places over %d slots; "
        "planted effect %.3g, carry-over %.3g, dispersion %.3g",
        len(crimes),
        len(ids),
        len(slots),
        effect,
        carry_over,
        dispersion,
    )
    return crimes


def _is_number(value) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _check_ratio(value, name: str) -> None:
    if not (_is_number(value) and value > 0):
        raise ValueError(
            f"{name} must be a rate ratio > 0 (0.75 = 25% fewer crimes); got {value!r}"
        )


def _resolve_seed(seed) -> tuple[int | None, bool, np.random.Generator]:
    """Return the seed to record, whether it was drawn, and the generator."""
    if isinstance(seed, np.random.Generator):
        return None, False, seed
    if seed is None:
        drawn = int(np.random.default_rng().integers(2**32))
        logger.info(
            "simulate_trial_crimes: seed drawn, %d; pass seed=%d to get the same "
            "crimes again.",
            drawn,
            drawn,
        )
        return drawn, True, as_rng(drawn)
    return int(seed), False, as_rng(seed)


def _place_shapes(places, ids: list[str]) -> np.ndarray:
    """Polygons of the scheduled places, in schedule order."""
    if "place_id" not in places.columns:
        raise ValueError(
            f"places have no 'place_id' column; columns: {list(places.columns)}. "
            "Pass the frame the schedule was drawn from (e.g. select_places)."
        )
    check_projected(places, name="places")
    by_id = pd.Series(
        places.geometry.to_numpy(), index=places["place_id"].astype(str).to_numpy()
    )
    by_id = by_id[~by_id.index.duplicated(keep="first")]
    missing = [p for p in ids if p not in by_id.index]
    if missing:
        raise ValueError(
            f"{len(missing)} of the schedule's places are not in places, e.g. "
            f"{missing[:5]}. Pass the places the schedule was drawn from."
        )
    shapes = by_id.reindex(ids).to_numpy()
    kinds = shapely.get_type_id(shapes)
    bad = [
        p
        for p, k, s in zip(ids, kinds, shapes, strict=True)
        if k not in (3, 6) or s.area <= 0
    ]
    if bad:
        raise ValueError(
            f"places {bad[:5]} are not polygons with an area: crimes are drawn "
            "inside each place. Buffer points first, e.g. places.buffer(75)."
        )
    return shapes


def _check_rates(rates, ids: list[str]) -> np.ndarray:
    if isinstance(rates, pd.Series) and set(map(str, rates.index)) == set(ids):
        rates = rates.set_axis(rates.index.astype(str)).reindex(ids)
    mean = np.asarray(rates, dtype=float).ravel()
    if mean.shape != (len(ids),):
        raise ValueError(
            f"rates must hold one rate per scheduled place ({len(ids)}, in "
            f"schedule.places order); got {mean.size}"
        )
    if not np.isfinite(mean).all() or (mean < 0).any():
        raise ValueError(
            "rates must be finite expected crimes per place per day, not negative "
            "(see hotspots.design.base_rates)"
        )
    return mean


def _after_treatment(codes: np.ndarray) -> np.ndarray:
    """Untreated slots whose previous slot at the place was treated."""
    previous = np.zeros_like(codes, dtype=bool)
    previous[:, 1:] = codes[:, :-1] == 1
    return (codes != 1) & previous


def _times(slots: pd.DataFrame, slot_of: np.ndarray, rng) -> pd.DatetimeIndex:
    """Uniform times inside each crime's slot, as naive local times to the second."""
    start = pd.DatetimeIndex(slots["start"]).tz_convert("UTC")
    end = pd.DatetimeIndex(slots["end"]).tz_convert("UTC")
    first = start.asi8[slot_of]
    length = (end.asi8 - start.asi8)[slot_of]
    offset = np.floor(rng.random(len(slot_of)) * length / 1e9).astype(np.int64)
    instants = pd.to_datetime(first + offset * 1_000_000_000, utc=True)
    local = pd.DatetimeIndex(instants).tz_convert(TIMEZONE).tz_localize(None)
    return local.astype("datetime64[ns]")


def _points(shapes: np.ndarray, place_of: np.ndarray, rng) -> np.ndarray:
    """Uniform points strictly inside each crime's place (rejection sampling)."""
    out = np.empty(len(place_of), dtype=object)
    for index, shape in enumerate(shapes):
        rows = np.flatnonzero(place_of == index)
        if not len(rows):
            continue
        minx, miny, maxx, maxy = shape.bounds
        fill = shape.area / ((maxx - minx) * (maxy - miny))
        shapely.prepare(shape)
        kept_x, kept_y, needed = [], [], len(rows)
        for _ in range(_MAX_ROUNDS):
            size = math.ceil(_OVERSAMPLE * needed / fill) + 1
            x = rng.uniform(minx, maxx, size)
            y = rng.uniform(miny, maxy, size)
            inside = shapely.contains_xy(shape, x, y)
            kept_x.append(x[inside][:needed])
            kept_y.append(y[inside][:needed])
            needed -= int(min(inside.sum(), needed))
            if needed == 0:
                break
        else:  # pragma: no cover - a polygon of measurable area always fills
            raise ValueError(f"could not draw points inside place {index}")
        out[rows] = shapely.points(np.concatenate(kept_x), np.concatenate(kept_y))
    return out


def _truth(ids, mean, mu, codes, after, counts, effect, carry_over, dispersion):
    """Return the planted truth for ``attrs``, as plain Python values.

    pandas compares and copies ``attrs``; numpy arrays there would break that.
    """
    arms = {"treatment": codes == 1, "control": codes == 0, "washout": codes == -1}
    arms_and_carry = {**arms, "carry_over": after}
    return {
        "synthetic": True,
        "effect": float(effect),
        "carry_over": float(carry_over),
        "dispersion": float(dispersion),
        "places": list(ids),
        "rates": mean.tolist(),
        "expected": {
            name: (mu * mask).sum(axis=1).tolist()
            for name, mask in arms_and_carry.items()
        },
        "slots": {
            name: mask.sum(axis=1).astype(int).tolist()
            for name, mask in arms_and_carry.items()
        },
        "counts": counts.astype(int).tolist(),
        "n_crimes": int(counts.sum()),
    }
