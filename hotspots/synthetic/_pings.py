"""SYNTHETIC patrol location pings (radio/body-worn camera) with planted visits."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots._atomic import atomic_path
from hotspots.synthetic._pings_checks import (
    check_int,
    check_minutes,
    check_places,
    is_number,
    resolve_seed,
)
from hotspots.synthetic._pings_export import export_frame, truth_frame
from hotspots.synthetic._pings_schedule import (
    NS,
    TIMEZONE,
    TRAVEL_SPEED,
    check_dates,
    minutes_to_pings,
    parse_window,
    plan_visits,
    truth_table,
    window_bounds,
)
from hotspots.synthetic._pings_tracks import (
    BUFFER_M,
    CLEARANCE_M,
    JITTER_CAP_M,
    Zones,
    jitter_xy,
    long_gap,
    unit_day_track,
)

__all__ = ["SyntheticPings", "simulate_pings"]

logger = logging.getLogger(__name__)

#: Share of unit-days with one long gap in the pings (a radio out of coverage or
#: switched off), placed away from the planted visits.
LONG_GAP_RATE = 0.2
#: Length of a long gap, minutes (uniform); longer than dosage's 5-minute max_gap.
LONG_GAP_MINUTES = (6.0, 20.0)


@dataclass(frozen=True, eq=False)
class SyntheticPings:
    """SYNTHETIC pings in the raw export layout with the planted patrol visits.

    Attributes
    ----------
    frame : DataFrame
        The raw export, one row per ping sorted by time: ``unit`` (str),
        ``time`` (ISO 8601 local time with UTC offset, text, e.g.
        ``2025-03-30T01:59:30+00:00``), ``longitude``, ``latitude`` (WGS84,
        6 decimals), ``officers`` (int) and ``synthetic`` (True).
    truth : DataFrame
        One row per planted visit: ``unit``, ``place_id``, ``start`` and ``end``
        (datetime64[ns, UTC]; the unit stands in the place from ``start`` until
        ``end``), ``date`` (local date of ``start``), ``minutes``, ``officers``
        and ``pings`` (pings kept inside the visit after dropout).
    truth_table : DataFrame
        Planted dosage per place and local day from ``start`` to the last day a
        window reaches, zeros included: ``place_id``, ``date``
        (datetime.date), ``patrol_minutes`` (minutes with at least one unit
        present), ``person_minutes`` (unit minutes x officers), ``visits``
        (counted on the day they start) and ``units`` (distinct units present).
        Minutes of a visit across midnight are split between the days.
    places : GeoDataFrame
        The places simulated (``place_id`` and polygons, in their own CRS).
    rules : dict
        Every setting used, including the drawn ``seed``.
    """

    frame: pd.DataFrame
    truth: pd.DataFrame
    truth_table: pd.DataFrame
    places: gpd.GeoDataFrame
    rules: dict = field(default_factory=dict)

    def write_csv(self, path) -> Path:
        """Write :attr:`frame` as a CSV export (gzip if the name ends ``.gz``).

        The file is written beside ``path`` and renamed into place, so an
        interrupted run never leaves half a file. Returns the path.
        """
        path = Path(path)
        compression = "gzip" if path.name.endswith(".gz") else None
        with atomic_path(path) as tmp:
            self.frame.to_csv(tmp, index=False, compression=compression)
        return path

    def __str__(self) -> str:
        rules = self.rules
        return (
            f"SyntheticPings: {len(self.frame):,} SYNTHETIC pings from "
            f"{rules['units']} units at {len(self.places)} places, "
            f"{rules['start']} to {rules['end']}; {len(self.truth):,} planted visits "
            f"({self.truth['minutes'].sum():,.0f} unit minutes)"
        )


def simulate_pings(
    places: gpd.GeoDataFrame,
    *,
    start,
    end,
    units: int = 6,
    visits_per_day: int = 1,
    visit_minutes: float | tuple[float, float] = 15.0,
    window: tuple[str, str] | None = ("18:00", "02:00"),
    ping_seconds: int = 30,
    jitter: float = 5.0,
    dropout: float = 0.02,
    officers: int = 2,
    background: bool = True,
    seed: int | np.random.Generator | None = None,
) -> SyntheticPings:
    """Simulate SYNTHETIC patrol location pings with planted visits to places.

    Every day from ``start`` to ``end``, each of ``units`` patrol units is on
    duty through the local patrol ``window`` and visits every place
    ``visits_per_day`` times, in random order, at random start times inside the
    window, staying ``visit_minutes`` each. Between visits it drives straight
    lines (with background patrol, through random waypoints elsewhere) that
    keep clear of every place. Its radio pings every ``ping_seconds`` seconds
    while on duty (without background patrol, only during visits and the drive
    after each), with GPS error, dropped pings and now and then a long gap.

    Parameters
    ----------
    places : GeoDataFrame
        Hot-spot polygons with a unique ``place_id`` column, in a projected CRS
        in metres (e.g. EPSG:27700). Places closer than 21 m all round are
        refused (a visit would count at both).
    start, end : str, date or Timestamp
        First and last local day (inclusive) on which a window opens.
    units : int, default 6
        Patrol units (radios), named ``SYN-U01``, ``SYN-U02``, ...
    visits_per_day : int, default 1
        Visits by each unit to each place per day (0: background pings only).
    visit_minutes : float or (low, high), default 15.0
        Length of each visit, minutes (Koper 1995: stops of about 10-15
        minutes); a pair draws each visit's length uniformly between them.
        Rounded to whole ping intervals.
    window : (str, str) or None, default ("18:00", "02:00")
        Local patrol window ``('HH:MM', 'HH:MM')``, Europe/London; an end at or
        before the start runs into the next day. None: the whole day. Units
        are on duty through the window only; visits start and end inside it.
    ping_seconds : int, default 30
        Seconds between pings (1 to 300).
    jitter : float, default 5.0
        GPS error, standard deviation each way in metres, capped at 9 m so a
        ping in a place stays within dosage's 10 m buffer of it.
    dropout : float, default 0.02
        Share of pings lost (0 to 0.5).
    officers : int, default 2
        Officers each unit carries (the export's ``officers`` column).
    background : bool, default True
        Ping all through the window, patrolling elsewhere between visits.
    seed : int, numpy.random.Generator or None
        Reproducibility: the same int gives the same pings. None draws a
        seed, logged at INFO and recorded in ``rules``.

    Returns
    -------
    SyntheticPings
        ``frame`` (the raw export), ``truth`` (planted visits),
        ``truth_table`` (planted minutes and visits per place and day),
        ``places``, ``rules`` and ``write_csv(path)``.

    Raises
    ------
    CRSError
        If ``places`` are not in a projected CRS in metres.
    ValueError
        If ``places`` lack unique ``place_id`` values or polygons, places lie
        within 21 m of each other all round, an option is out of range, or
        the visits and the driving between them do not fit in the window.

    Notes
    -----
    The truth is what :func:`hotspots.tracking.dosage` should measure with
    its defaults (10 m buffer, 5-minute ``max_gap``), up to one ping interval
    per visit. Visits start on the unit's ping grid and last whole ping
    intervals, so with no dropout a visit of *n* intervals gives *n* pings
    inside the buffered place, each credited one interval. Pings outside the
    places are planted at least 21 m from every place before their GPS error
    (at most 9 m), so they are never inside a 10 m buffer; pings in a visit are
    at most 9 m from a point in the place, and at least 12 m from every other
    place. Long gaps keep one ping interval clear of every visit and drives
    between places leave three pings to spare, so neither splits nor joins
    visits. What remains is dropout at a visit's edges: losing its first ping
    starts it one interval late (one interval fewer); losing the first ping
    after it credits its last ping two intervals (one more). Windows across
    a clock change have their true length (UTC arithmetic), so a night
    through the October change is an hour longer.

    References
    ----------
    Koper, C. S. (1995). Just enough police presence: reducing crime and
    disorderly behavior by optimizing patrol time in crime hot spots.
    Justice Quarterly, 12(4), 649-672.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> places = gpd.GeoDataFrame(
    ...     {"place_id": ["A", "B"]},
    ...     geometry=[box(458000, 302000, 458150, 302150),
    ...               box(460000, 304000, 460150, 304150)],
    ...     crs=27700,
    ... )
    >>> sim = simulate_pings(places, start="2025-03-29", end="2025-03-30",
    ...                      units=2, seed=1)
    >>> list(sim.frame.columns)
    ['unit', 'time', 'longitude', 'latitude', 'officers', 'synthetic']
    >>> len(sim.truth), int(sim.truth_table["visits"].sum())
    (8, 8)
    """
    ids, shapes = check_places(places)
    first, last = check_dates(start, end)
    bounds = parse_window(window)
    check_int(units, "units", 1)
    check_int(visits_per_day, "visits_per_day", 0)
    check_int(ping_seconds, "ping_seconds", 1, 300)
    check_int(officers, "officers", 1)
    low, high = check_minutes(visit_minutes)
    if not (is_number(jitter) and jitter >= 0):
        raise ValueError(f"jitter must be metres >= 0; got {jitter!r}")
    if not (is_number(dropout) and 0 <= dropout <= 0.5):
        raise ValueError(f"dropout must be a share from 0 to 0.5; got {dropout!r}")
    seed_value, seed_auto, rng = resolve_seed(seed)

    zones = Zones(shapes, ids, rng)
    names = np.array([f"SYN-U{u + 1:02d}" for u in range(units)], dtype=object)
    bases = zones.background[rng.choice(len(zones.background), units)]
    dates, opens, closes = window_bounds(first, last, bounds)
    pings: list[tuple] = []
    visits: list[tuple] = []
    for open_ns, close_ns in zip(opens, closes, strict=True):
        for u in range(units):
            order = rng.permutation(np.repeat(np.arange(len(ids)), visits_per_day))
            minutes = rng.uniform(low, high, len(order)) if high > low else low
            durations = minutes_to_pings(
                np.broadcast_to(minutes, order.shape), ping_seconds
            )
            spots = np.array(
                [zones.spots[p][rng.integers(len(zones.spots[p]))] for p in order]
            )
            spots = spots.reshape(len(order), 2)
            path = np.vstack([bases[u], spots, bases[u]])
            phase = int(rng.integers(ping_seconds))
            starts = plan_visits(
                rng,
                open_ns=int(open_ns),
                close_ns=int(close_ns),
                phase_s=phase,
                ping_s=ping_seconds,
                durations_s=durations,
                legs_m=np.hypot(*np.diff(path, axis=0).T),
            )
            ends = starts + durations * NS
            track = unit_day_track(
                rng,
                zones,
                open_ns=int(open_ns),
                close_ns=int(close_ns),
                phase_s=phase,
                ping_s=ping_seconds,
                starts=starts,
                ends=ends,
                spots=spots,
                base=bases[u],
                background=background,
            )
            n = len(track["time"])
            dx, dy = jitter_xy(rng, n, jitter)
            keep = track["keep"] & (rng.random(n) >= dropout)
            if rng.random() < LONG_GAP_RATE:
                gap = rng.uniform(*LONG_GAP_MINUTES)
                keep &= long_gap(rng, track["time"], starts, ends, ping_seconds, gap)
            kept = np.bincount(
                track["visit"][keep & (track["visit"] >= 0)], minlength=len(order)
            )
            pings.append(
                (
                    u,
                    track["time"][keep],
                    track["x"][keep] + dx[keep],
                    track["y"][keep] + dy[keep],
                )
            )
            visits += [
                (names[u], ids[p], s, e, d / 60, officers, k)
                for p, s, e, d, k in zip(
                    order, starts, ends, durations, kept, strict=True
                )
            ]
    frame = export_frame(pings, names, officers, places.crs)
    truth = truth_frame(visits)
    last_day = pd.Timestamp(int(closes.max()) - 1, tz="UTC").tz_convert(TIMEZONE).date()
    table = truth_table(
        truth.assign(
            start_ns=truth["start"].dt.as_unit("ns").astype("int64"),
            end_ns=truth["end"].dt.as_unit("ns").astype("int64"),
        ),
        ids,
        first,
        last_day,
    )
    rules = {
        "synthetic": True,
        "start": str(first),
        "end": str(last),
        "last_day": str(last_day),
        "units": units,
        "visits_per_day": visits_per_day,
        "visit_minutes": visit_minutes,
        "window": None if window is None else tuple(window),
        "timezone": TIMEZONE,
        "ping_seconds": ping_seconds,
        "jitter": float(jitter),
        "jitter_cap": JITTER_CAP_M,
        "dropout": float(dropout),
        "officers": officers,
        "background": bool(background),
        "travel_speed": TRAVEL_SPEED,
        "clearance": CLEARANCE_M,
        "buffer": BUFFER_M,
        "long_gap_rate": LONG_GAP_RATE,
        "long_gap_minutes": LONG_GAP_MINUTES,
        "tolerance": "one ping interval per visit (dropout at a visit's edges)",
        "seed": seed_value,
        "seed_auto": seed_auto,
    }
    logger.info(
        "simulate_pings: %d SYNTHETIC pings from %d units; %d planted visits to "
        "%d places over %d days (seed %s)",
        len(frame),
        units,
        len(truth),
        len(ids),
        len(dates),
        seed_value,
    )
    return SyntheticPings(frame, truth, table, _places_frame(places, ids), rules)


def _places_frame(places, ids: list[str]) -> gpd.GeoDataFrame:
    out = places[["place_id", places.geometry.name]].copy()
    out["place_id"] = ids
    return out.reset_index(drop=True)
