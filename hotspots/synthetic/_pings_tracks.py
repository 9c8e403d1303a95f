"""Where a SYNTHETIC patrol unit is at each ping: visits, travel, background patrol.

Private helpers of :func:`hotspots.synthetic.simulate_pings`. Coordinates are
metres in the places' projected CRS; times are int64 ns UTC.
"""

from __future__ import annotations

import numpy as np
import shapely

from hotspots.synthetic._pings_schedule import LEG_SPARE_PINGS, NS, TRAVEL_SPEED

__all__ = [
    "BUFFER_M",
    "CLEARANCE_M",
    "JITTER_CAP_M",
    "Zones",
    "jitter_xy",
    "long_gap",
    "unit_day_track",
]

#: The buffer :func:`hotspots.tracking.dosage` puts round each place by default, m.
BUFFER_M = 10.0
#: Largest GPS error planted, m: one metre inside the buffer, so a ping planted in
#: a place stays inside its buffer after writing longitude and latitude to 6
#: decimals (at most 6 cm of rounding).
JITTER_CAP_M = BUFFER_M - 1.0
#: Every ping planted outside the places is at least this far from every place
#: before its GPS error, so it stays outside every buffer after it.
CLEARANCE_M = BUFFER_M + JITTER_CAP_M + 2.0
#: Background patrol adds one waypoint for each whole stretch of this many
#: seconds between visits (while the detour can be driven at TRAVEL_SPEED).
WAYPOINT_SECONDS = 20 * 60
#: Background patrol ranges this far beyond the places' bounding box, m.
BACKGROUND_MARGIN_M = 1_000.0
#: Standing spots drawn per place (visits pick one at random).
_SPOTS_PER_PLACE = 64
#: Background points drawn once (waypoints and unit bases pick from them).
_BACKGROUND_POINTS = 2_048
_MAX_ROUNDS = 200


class Zones:
    """The places, where units stand during visits and where they may not be otherwise.

    Parameters
    ----------
    shapes : array of shapely Polygons
        The places, in metres.
    ids : list of str
        Their ids, for error messages.
    rng : numpy.random.Generator
        Draws the standing spots and background points.

    Raises
    ------
    ValueError
        If a place has no spot inside it at least :data:`CLEARANCE_M` from
        every other place (planted visits would then count at two places).
    """

    def __init__(self, shapes: np.ndarray, ids: list[str], rng: np.random.Generator):
        self.shapes = shapes
        self.zone = shapely.union_all(shapely.buffer(shapes, CLEARANCE_M))
        self.edge = shapely.boundary(shapely.union_all(shapely.buffer(shapes, 22.0)))
        shapely.prepare(self.zone)
        self.spots = [self._spots(i, ids, rng) for i in range(len(shapes))]
        minx, miny, maxx, maxy = shapely.total_bounds(shapes)
        self.bounds = (
            minx - BACKGROUND_MARGIN_M,
            miny - BACKGROUND_MARGIN_M,
            maxx + BACKGROUND_MARGIN_M,
            maxy + BACKGROUND_MARGIN_M,
        )
        self.background = self._background(rng)

    def _spots(self, index: int, ids: list[str], rng) -> np.ndarray:
        shape = self.shapes[index]
        others = np.delete(self.shapes, index)
        keep_out = (
            shapely.union_all(shapely.buffer(others, CLEARANCE_M))
            if len(others)
            else shapely.Polygon()
        )
        allowed = shapely.difference(shape, keep_out)
        if allowed.is_empty or allowed.area <= 0:
            raise ValueError(
                f"place {ids[index]!r} lies within {CLEARANCE_M:g} m of other places "
                "all over: planted visits there would also count at the others. "
                "Simulate with places that are further apart (or merge them)."
            )
        return _inside(allowed, _SPOTS_PER_PLACE, rng)

    def _background(self, rng) -> np.ndarray:
        minx, miny, maxx, maxy = self.bounds
        area = shapely.box(minx, miny, maxx, maxy)
        return _inside(shapely.difference(area, self.zone), _BACKGROUND_POINTS, rng)

    def push_out(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Move points inside the keep-out zone to its nearest edge (22 m out)."""
        inside = shapely.contains_xy(self.zone, x, y)
        if not inside.any():
            return x, y
        x, y = x.copy(), y.copy()
        lines = shapely.shortest_line(self.edge, shapely.points(x[inside], y[inside]))
        ends = shapely.get_coordinates(shapely.get_point(lines, 0))
        x[inside], y[inside] = ends[:, 0], ends[:, 1]
        return x, y


def _inside(shape, n: int, rng) -> np.ndarray:
    """``n`` uniform points inside ``shape`` (rejection sampling), shape (n, 2)."""
    minx, miny, maxx, maxy = shape.bounds
    fill = shape.area / max((maxx - minx) * (maxy - miny), 1e-9)
    shapely.prepare(shape)
    found: list[np.ndarray] = []
    needed = n
    for _ in range(_MAX_ROUNDS):
        size = int(1.5 * needed / fill) + 16
        xy = np.column_stack(
            [rng.uniform(minx, maxx, size), rng.uniform(miny, maxy, size)]
        )
        xy = xy[shapely.contains_xy(shape, xy[:, 0], xy[:, 1])][:needed]
        found.append(xy)
        needed -= len(xy)
        if needed == 0:
            return np.concatenate(found)
    raise ValueError("could not draw points inside a place")  # pragma: no cover


def jitter_xy(rng, n: int, sd: float) -> tuple[np.ndarray, np.ndarray]:
    """Draw GPS errors: normal, ``sd`` metres each way, capped at JITTER_CAP_M."""
    dx, dy = rng.normal(0.0, sd, n), rng.normal(0.0, sd, n)
    length = np.hypot(dx, dy)
    scale = np.where(length > JITTER_CAP_M, JITTER_CAP_M / np.maximum(length, 1e-12), 1)
    return dx * scale, dy * scale


def _steps(path: list) -> np.ndarray:
    """Lengths of the straight steps between consecutive points, m."""
    return np.hypot(*np.diff(np.asarray(path, dtype=float), axis=0).T)


def _leg_knots(rng, zones, t0, t1, p0, p1, background: bool):
    """Knots (time ns, x, y) of one gap between visits, excluding its ends.

    With background patrol the unit drives through random waypoints at one
    steady speed and arrives as the gap ends; without, it drives straight at
    :data:`TRAVEL_SPEED` and waits (its radio silent) at the end of the leg.
    """
    seconds = (t1 - t0) / NS
    if not background:
        drive = np.hypot(*(p1 - p0)) / TRAVEL_SPEED * NS
        return [(min(t0 + drive, t1), p1)], min(t0 + drive, t1)
    points = [p0]
    for _ in range(int(seconds // WAYPOINT_SECONDS)):
        candidate = zones.background[rng.integers(len(zones.background))]
        path = [*points, candidate, p1]
        if _steps(path).sum() > TRAVEL_SPEED * seconds:
            break
        points.append(candidate)
    path = [*points, p1]
    steps = _steps(path)
    total = steps.sum()
    share = np.cumsum(steps) / total if total > 0 else np.ones(len(steps))
    times = t0 + share * (t1 - t0)
    return list(zip(times[:-1], path[1:-1], strict=True)), t1


def unit_day_track(
    rng: np.random.Generator,
    zones: Zones,
    *,
    open_ns: int,
    close_ns: int,
    phase_s: int,
    ping_s: int,
    starts: np.ndarray,
    ends: np.ndarray,
    spots: np.ndarray,
    base: np.ndarray,
    background: bool,
) -> dict[str, np.ndarray]:
    """Every ping one unit would send on one day, before GPS error and dropout.

    Returns ``time`` (int64 ns UTC, on the grid ``open + phase + k * ping``),
    ``x``, ``y`` (true positions, m), ``visit`` (index of the planted visit the
    ping falls in, or -1) and ``keep`` (False for pings of a unit whose radio
    is silent: without background patrol, everything but visits and the drive
    after each, or its first LEG_SPARE_PINGS pings if longer).
    """
    first = open_ns + phase_s * NS
    time = np.arange(first, close_ns, ping_s * NS, dtype=np.int64)
    knots = [(float(open_ns), base)]
    sending = []  # (from, to) stretches with the radio on, without background
    # the radio stays on for the drive, and for LEG_SPARE_PINGS pings at least,
    # so two visits to one place are never joined by a silent gap
    spare = LEG_SPARE_PINGS * ping_s * NS
    here, now = base, float(open_ns)
    for start, end, spot in zip(starts, ends, spots, strict=True):
        leg, arrive = _leg_knots(rng, zones, now, float(start), here, spot, background)
        if now > open_ns:
            sending.append((now, max(arrive, now + spare)))
        knots += [*leg, (float(start), spot), (float(end), spot)]
        here, now = spot, float(end)
        sending.append((float(start), float(end)))
    leg, arrive = _leg_knots(rng, zones, now, float(close_ns), here, base, background)
    if now > open_ns:
        sending.append((now, max(arrive, now + spare)))
    knots += [*leg, (float(close_ns), base)]
    kt = np.array([k[0] for k in knots]) - open_ns
    kxy = np.array([k[1] for k in knots])
    rel = (time - open_ns).astype(float)
    x, y = np.interp(rel, kt, kxy[:, 0]), np.interp(rel, kt, kxy[:, 1])
    visit = np.searchsorted(starts, time, side="right") - 1
    inside = (
        (visit >= 0) & (time < ends[np.maximum(visit, 0)])
        if len(starts)
        else visit >= 0
    )
    visit = np.where(inside, visit, -1)
    x[inside] = spots[visit[inside], 0]
    y[inside] = spots[visit[inside], 1]
    x[~inside], y[~inside] = zones.push_out(x[~inside], y[~inside])
    keep = np.ones(len(time), dtype=bool)
    if not background:
        keep[:] = False
        for a, b in sending:
            keep |= (time >= a) & (time <= b)
        keep |= inside
    return {"time": time, "x": x, "y": y, "visit": visit, "keep": keep}


def long_gap(
    rng, time: np.ndarray, starts: np.ndarray, ends: np.ndarray, ping_s: int, minutes
) -> np.ndarray:
    """Return a mask dropping one run of pings lasting ``minutes``, away from visits.

    The run keeps one ping interval clear of each planted visit, so the gap
    never splits or shortens a visit. Returns all True when no stretch is long
    enough.
    """
    keep = np.ones(len(time), dtype=bool)
    n = int(np.ceil(minutes * 60 / ping_s))
    clear = np.ones(len(time), dtype=bool)
    margin = ping_s * NS
    for start, end in zip(starts, ends, strict=True):
        clear &= (time < start - margin) | (time >= end + margin)
    # start positions i with clear[i : i + n] all True
    run = np.convolve(clear.astype(np.int64), np.ones(n, dtype=np.int64), "valid")
    candidates = np.flatnonzero(run == n)
    if len(candidates):
        i = int(candidates[rng.integers(len(candidates))])
        keep[i : i + n] = False
    return keep
