"""A large SYNTHETIC ping export written chunk by chunk (for benchmarks)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._atomic import atomic_path
from hotspots.synthetic._pings_checks import check_int, check_places
from hotspots.synthetic._pings_export import CsvSink, lonlat
from hotspots.synthetic._pings_schedule import NS, localize
from hotspots.synthetic._pings_tracks import jitter_xy

__all__ = ["write_pings_csv"]

logger = logging.getLogger(__name__)

#: Local date of the first shift (the file then runs day after day, through
#: both clock changes of 2024 once it passes about 10 million pings).
STREAM_START = dt.date(2024, 1, 1)
#: Radios in the force when ``units`` is None.
FORCE_RADIOS = 200
#: Shifts as local minutes after midnight: early 07-15, late 15-23, night 23-07.
#: Each radio works one of them every day.
SHIFTS = ((7 * 60, 15 * 60), (15 * 60, 23 * 60), (23 * 60, 31 * 60))
#: Seconds between pings.
PING_SECONDS = 30
#: Where units patrol (EPSG:27700, m): Leicester and its edge, with most stops
#: near the centre (normal, this spread each way).
FORCE_AREA = (452_000.0, 296_000.0, 468_000.0, 312_000.0)
CENTRE = (460_000.0, 304_000.0)
CENTRE_SPREAD_M = 2_500.0
#: Default hot spots: this many squares of this side, at least this far apart
#: corner to corner, inside this box (EPSG:27700, m).
PLACES = 18
PLACE_SIDE_M = 150.0
PLACE_SPACING_M = 300.0
PLACE_AREA = (458_000.0, 302_000.0, 462_000.0, 306_000.0)
#: Stops drawn per shift (more than a shift can reach), hot-spot visits among
#: them (uniform count), and their dwell times in minutes (uniform).
STOPS = 48
HOTSPOT_VISITS = (1, 3)
HOTSPOT_DWELL_MINUTES = (10.0, 20.0)
OTHER_DWELL_MINUTES = (0.0, 20.0)
#: Driving speed between stops, m/s.
PATROL_SPEED = 8.0
#: GPS error (sd each way, m), share of pings lost, share of shifts with one
#: long gap and its length (minutes).
JITTER_M = 5.0
DROPOUT = 0.02
LONG_GAP_RATE = 0.2
LONG_GAP_MINUTES = (6.0, 20.0)
#: Shares of rows written dirty, as real exports are: a repeated ping, and a
#: fix at longitude 0, latitude 0 (a receiver without a fix).
DUPLICATE_SHARE = 1e-4
PLACEHOLDER_SHARE = 5e-5
_STATIONS = 4


def write_pings_csv(
    path,
    n_rows: int,
    *,
    places: gpd.GeoDataFrame | None = None,
    units: int | None = None,
    seed: int = 0,
    chunk_rows: int = 1_000_000,
) -> gpd.GeoDataFrame:
    """Write a large SYNTHETIC ping export, chunk by chunk, for benchmarks.

    A force's radios (200 by default) each work one eight-hour shift a day
    (early, late or night) from 1 January 2024, pinging every 30 seconds as
    they drive between stops across Leicester, mostly outside the hot spots,
    with one to three 10-20 minute stops at hot spots a shift. Pings carry GPS
    error (5 m), 2% dropout, a long gap in one shift in five, and a few dirty
    rows (repeated pings; fixes at longitude 0, latitude 0). Rows are in time
    order, units interleaved, in the layout of
    :attr:`SyntheticPings.frame`. At most ``chunk_rows`` rows (about a
    hundred bytes each) are held at once, so a 50-million-row file needs no
    more memory than a small one.

    Parameters
    ----------
    path : path-like
        File to write (gzip when the name ends ``.gz``); written beside and
        renamed into place.
    n_rows : int
        Rows to write (>= 1).
    places : GeoDataFrame, optional
        Hot spots with ``place_id`` in EPSG:27700. None: 18 squares of 150 m in
        central Leicester (458000-462000 E, 302000-306000 N), drawn from ``seed``.
    units : int, optional
        Radios (>= 3); None: 200.
    seed : int, default 0
        The same seed gives the same file.
    chunk_rows : int, default 1,000,000
        Rows formatted and written at a time.

    Returns
    -------
    GeoDataFrame
        The places used (``place_id``, polygons, EPSG:27700);
        ``attrs["synthetic"]`` is True and ``attrs["hotspots"]`` records the
        settings.

    Raises
    ------
    ValueError
        If ``n_rows``, ``units`` or ``chunk_rows`` are out of range, or
        ``places`` are not in EPSG:27700 with unique ``place_id``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "pings.csv"
    ...     places = write_pings_csv(path, 1000, seed=1)
    ...     lines = path.read_text().splitlines()
    >>> len(places), len(lines), lines[0]
    (18, 1001, 'unit,time,longitude,latitude,officers,synthetic')
    """
    check_int(n_rows, "n_rows", 1)
    check_int(chunk_rows, "chunk_rows", 1)
    radios = FORCE_RADIOS if units is None else units
    check_int(radios, "units", 3)
    check_int(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    places = default_places(rng) if places is None else _own_places(places)
    squares = places.geometry.to_numpy()
    corners = shapely.bounds(squares)
    stations = np.column_stack(
        [
            rng.normal(CENTRE[0], 1_500, _STATIONS),
            rng.normal(CENTRE[1], 1_500, _STATIONS),
        ]
    )
    officers = rng.choice(np.array([1, 2], dtype=np.int16), radios)
    names = np.array([f"SYN-R{u + 1:03d}" for u in range(radios)])
    written = 0
    gzip = str(path).endswith(".gz")
    with atomic_path(path) as tmp, CsvSink(tmp, gzip=gzip) as sink:
        pending: list[tuple] = []
        held = 0
        day = 0
        while written < n_rows:
            block = _day(rng, day, radios, stations, corners)
            day += 1
            pending.append(block)
            held += len(block[1])
            if held >= chunk_rows or written + held >= n_rows:
                room = n_rows - written
                written += _flush(rng, sink, pending, room, names, officers)
                pending, held = [], 0
    places.attrs["synthetic"] = True
    places.attrs["hotspots"] = {
        "synthetic": True,
        "rows": written,
        "units": radios,
        "days": day,
        "first_day": str(STREAM_START),
        "seed": seed,
        "ping_seconds": PING_SECONDS,
    }
    logger.info(
        "write_pings_csv: %d SYNTHETIC pings from %d radios over %d days to %s",
        written,
        radios,
        day,
        Path(path).name,
    )
    return places


def default_places(rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Squares of :data:`PLACE_SIDE_M` in :data:`PLACE_AREA`, apart by spacing."""
    minx, miny, maxx, maxy = PLACE_AREA
    corners: list[tuple[float, float]] = []
    while len(corners) < PLACES:
        x = float(np.round(rng.uniform(minx, maxx - PLACE_SIDE_M), -1))
        y = float(np.round(rng.uniform(miny, maxy - PLACE_SIDE_M), -1))
        if all(max(abs(x - a), abs(y - b)) >= PLACE_SPACING_M for a, b in corners):
            corners.append((x, y))
    return gpd.GeoDataFrame(
        {"place_id": [f"E{x:.0f}N{y:.0f}" for x, y in corners]},
        geometry=[
            shapely.box(x, y, x + PLACE_SIDE_M, y + PLACE_SIDE_M) for x, y in corners
        ],
        crs=27700,
    )


def _own_places(places) -> gpd.GeoDataFrame:
    ids, shapes = check_places(places)
    if places.crs is None or places.crs.to_epsg() != 27700:
        raise ValueError(
            "write_pings_csv simulates Leicester in British National Grid metres; "
            "places must be in EPSG:27700. Reproject first: places.to_crs(27700)."
        )
    return gpd.GeoDataFrame({"place_id": ids}, geometry=shapes, crs=27700)


def _day(rng, day: int, radios: int, stations, corners) -> tuple:
    """Every ping of one day's shifts (07:00 to 07:00 local), unsorted."""
    date = pd.Timestamp(STREAM_START) + pd.Timedelta(days=day)
    edges = localize(
        pd.DatetimeIndex([date + pd.Timedelta(minutes=m) for s in SHIFTS for m in s])
    ).reshape(-1, 2)
    unit, time, x, y = [], [], [], []
    for u in range(radios):
        open_ns, close_ns = edges[u % len(SHIFTS)]
        t, px, py = _shift(
            rng, int(open_ns), int(close_ns), stations[u % _STATIONS], corners
        )
        unit.append(np.full(len(t), u, dtype=np.int32))
        time.append(t)
        x.append(px)
        y.append(py)
    return (
        np.concatenate(unit),
        np.concatenate(time),
        np.concatenate(x),
        np.concatenate(y),
    )


def _shift(rng, open_ns: int, close_ns: int, base, corners) -> tuple:
    """One radio's pings over one shift: times (ns UTC) and positions (m)."""
    phase = int(rng.integers(PING_SECONDS)) * NS
    time = np.arange(open_ns + phase, close_ns, PING_SECONDS * NS, dtype=np.int64)
    stops = np.column_stack(
        [
            np.clip(
                rng.normal(CENTRE[0], CENTRE_SPREAD_M, STOPS),
                FORCE_AREA[0],
                FORCE_AREA[2],
            ),
            np.clip(
                rng.normal(CENTRE[1], CENTRE_SPREAD_M, STOPS),
                FORCE_AREA[1],
                FORCE_AREA[3],
            ),
        ]
    )
    dwell = rng.uniform(*OTHER_DWELL_MINUTES, STOPS) * 60
    hot = rng.choice(
        STOPS // 2,
        rng.integers(HOTSPOT_VISITS[0], HOTSPOT_VISITS[1] + 1),
        replace=False,
    )
    which = rng.integers(len(corners), size=len(hot))
    side = corners[which, 2:] - corners[which, :2]
    stops[hot] = corners[which, :2] + rng.random((len(hot), 2)) * side
    dwell[hot] = rng.uniform(*HOTSPOT_DWELL_MINUTES, len(hot)) * 60
    path = np.vstack([base, stops])
    drive = np.hypot(*np.diff(path, axis=0).T) / PATROL_SPEED
    arrive = np.cumsum(drive + np.concatenate([[0.0], dwell[:-1]]))
    knot_t = np.concatenate([[0.0], np.column_stack([arrive, arrive + dwell]).ravel()])
    knot_xy = np.vstack([base, np.repeat(stops, 2, axis=0)])
    rel = (time - open_ns) / NS
    x = np.interp(rel, knot_t, knot_xy[:, 0])
    y = np.interp(rel, knot_t, knot_xy[:, 1])
    dx, dy = jitter_xy(rng, len(time), JITTER_M)
    keep = rng.random(len(time)) >= DROPOUT
    if rng.random() < LONG_GAP_RATE and len(time):
        n = int(rng.uniform(*LONG_GAP_MINUTES) * 60 / PING_SECONDS)
        first = int(rng.integers(max(len(time) - n, 1)))
        keep[first : first + n] = False
    return time[keep], x[keep] + dx[keep], y[keep] + dy[keep]


def _flush(rng, sink: CsvSink, pending: list[tuple], room: int, names, officers) -> int:
    """Sort the held days by time, add dirty rows, write up to ``room`` rows."""
    unit, time, x, y = (np.concatenate(part) for part in zip(*pending, strict=True))
    order = np.lexsort((unit, time))
    unit, time, x, y = unit[order], time[order], x[order], y[order]
    repeat = np.ones(len(time), dtype=np.int64)
    repeat[rng.random(len(time)) < DUPLICATE_SHARE] = 2
    unit, time, x, y = (np.repeat(a, repeat) for a in (unit, time, x, y))
    unit, time, x, y = unit[:room], time[:room], x[:room], y[:room]
    lon, lat = lonlat(x, y, 27700)
    blank = rng.random(len(lon)) < PLACEHOLDER_SHARE
    lon[blank], lat[blank] = 0.0, 0.0
    sink.write(unit, names, time, lon, lat, officers[unit])
    return len(time)
