"""Row and per-unit checks for location pings: reason codes, duplicates and spikes.

Every input row ends up either kept or set aside under exactly one reason code of
:data:`PING_REASONS`; the order of that dict is the precedence (a row failing
several checks is set aside under the first).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from hotspots.io._checks import _BNG_BOX, PLACEHOLDER_VALUES
from hotspots.io._coordinates import project as _project_points
from hotspots.io._schema import UK_BOUNDS

__all__ = [
    "PING_REASONS",
    "Reasons",
    "check_points",
    "flag_spikes",
    "unit_checks",
]

#: reason code -> human reason. The order is the precedence.
PING_REASONS: dict[str, str] = {
    "malformed_row": (
        "row could not be parsed (wrong number of fields or control characters)"
    ),
    "bad_time": "time could not be read as an ISO 8601 date-time",
    "ambiguous_local_time": (
        "local time without a UTC offset falls in the hour repeated when the "
        "clocks go back, so it could be either of two instants"
    ),
    "nonexistent_local_time": (
        "local time without a UTC offset falls in the hour skipped when the "
        "clocks go forward, so no such instant exists"
    ),
    "no_unit": "unit id is blank",
    "bad_coordinates": "coordinates are blank or not finite numbers",
    "placeholder_coordinates": (
        "coordinates are a placeholder (such as 0,0 or 999999), not a place"
    ),
    "outside_uk": "coordinates fall outside the United Kingdom",
    "outside_boundary": "coordinates fall outside the boundary given",
    "bad_officers": "officers is not a whole number from 1 to 999",
    "duplicate_ping": (
        "same unit and same instant as an earlier ping (the first one is kept)"
    ),
    "impossible_speed": (
        "a spike: reaching this ping, and leaving it, would both need a speed "
        "above max_speed"
    ),
}
_CODES = list(PING_REASONS)
#: Largest number of officers a unit may carry (a van of a public-order serial).
MAX_OFFICERS = 999
_NS = 1_000_000_000


class Reasons:
    """One reason slot per row (-1 while kept), with optional per-row detail."""

    def __init__(self, n: int) -> None:
        self.code = np.full(n, -1, dtype=np.int8)
        self.detail: dict[int, str] = {}

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of rows not yet set aside."""
        return self.code < 0

    def mark(self, mask: np.ndarray, reason: str, detail=None) -> np.ndarray:
        """Set aside rows in ``mask`` not already set aside; return the rows hit.

        ``detail`` is a callable taking the hit row indices and returning one text
        per hit row; it is called only when some row is hit.
        """
        hit = np.asarray(mask, dtype=bool) & self.ok
        if hit.any():
            self.code[hit] = _CODES.index(reason)
            if detail is not None:
                rows = np.flatnonzero(hit)
                self.detail.update(zip(rows.tolist(), detail(rows), strict=True))
        return hit

    def reasons(self, rows: np.ndarray) -> np.ndarray:
        """Human reasons of ``rows`` (indices), with any per-row detail appended."""
        texts = np.asarray(list(PING_REASONS.values()), dtype=object)
        out = texts[self.code[rows]]
        if self.detail:
            for i, r in enumerate(rows.tolist()):
                d = self.detail.get(r)
                if d:
                    out[i] = f"{out[i]}: {d}"
        return out

    def codes(self, rows: np.ndarray) -> np.ndarray:
        """Reason codes (text) of ``rows`` (indices)."""
        return np.asarray(_CODES, dtype=object)[self.code[rows]]


def check_points(
    reasons: Reasons,
    a: np.ndarray,
    b: np.ndarray,
    *,
    kind: str,
    boundary=None,
    project=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Check coordinates (NaN = blank or not a number); return x, y in EPSG:27700.

    ``kind="lonlat"``: ``a``, ``b`` are WGS84 longitude and latitude (degrees), a
    latitude of 0, -1 or a run of nines is a placeholder (longitude 0 and -1 are
    real places in England). ``kind="bng"``: easting and northing (metres), either
    being 0, -1 or a run of nines is a placeholder. Rows outside a box around the
    United Kingdom (or outside ``boundary``, a shapely geometry in EPSG:27700) are
    set aside; x and y are NaN on every row set aside here. ``project`` turns
    longitude/latitude inside the box into x, y (default: pyproj's transform).
    """
    finite = np.isfinite(a) & np.isfinite(b)
    reasons.mark(~finite, "bad_coordinates")
    if kind == "lonlat":
        ph = np.isin(b, PLACEHOLDER_VALUES)
    else:
        ph = np.isin(a, PLACEHOLDER_VALUES) | np.isin(b, PLACEHOLDER_VALUES)
    reasons.mark(ph, "placeholder_coordinates", lambda r: _pairs(a, b, r))
    if kind == "lonlat":
        lo_x, lo_y, hi_x, hi_y = UK_BOUNDS
    else:
        lo_x, lo_y, hi_x, hi_y = _BNG_BOX
    inside = (a >= lo_x) & (a <= hi_x) & (b >= lo_y) & (b <= hi_y)
    reasons.mark(~inside, "outside_uk", lambda r: _pairs(a, b, r))
    ok = reasons.ok
    x = np.full(len(a), np.nan)
    y = np.full(len(a), np.nan)
    if kind == "lonlat":
        if ok.any():
            x[ok], y[ok] = (project or _project_points)(a[ok], b[ok])
    else:
        x[ok], y[ok] = a[ok], b[ok]
    if boundary is not None and ok.any():
        shapely.prepare(boundary)
        outside = np.zeros(len(a), dtype=bool)
        # closed: a point on the boundary line is inside
        outside[ok] = ~shapely.intersects_xy(boundary, x[ok], y[ok])
        reasons.mark(outside, "outside_boundary")
    gone = ~reasons.ok
    x[gone] = np.nan
    y[gone] = np.nan
    return x, y


def _pairs(a: np.ndarray, b: np.ndarray, rows: np.ndarray) -> list[str]:
    return [f"({p:g}, {q:g})" for p, q in zip(a[rows], b[rows], strict=True)]


def check_officers(reasons: Reasons, values: np.ndarray) -> np.ndarray:
    """Check officer counts (NaN = blank, read as 1); return int16 counts."""
    blank = np.isnan(values)
    filled = np.where(blank, 1.0, values)
    good = (filled >= 1) & (filled <= MAX_OFFICERS) & (filled == np.round(filled))
    reasons.mark(~good, "bad_officers")
    return np.where(good, filled, 1).astype(np.int16)


def unit_checks(
    unit: np.ndarray,
    time: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    seq: np.ndarray,
    max_speed: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort pings by unit, time and input order; flag duplicates and spikes.

    Parameters
    ----------
    unit : (n,) int array
        Unit codes whose order is the order of the unit ids.
    time : (n,) int64
        Nanoseconds since the epoch, UTC.
    x, y : (n,) float64
        Metres, EPSG:27700.
    seq : (n,) int64
        Input order (file, then row); among pings of one unit at one instant the
        first in the input is kept.
    max_speed : float
        Metres per second.

    Returns
    -------
    order : (n,) int64
        Positions sorting the input by (unit, time, seq).
    duplicate, spike : (n,) bool
        Flags in sorted order; ``spike`` is False where ``duplicate`` is True.
    """
    order = _sort_order(unit, time, seq)
    u, t = unit[order], time[order]
    n = len(order)
    duplicate = np.zeros(n, dtype=bool)
    if n > 1:
        duplicate[1:] = (u[1:] == u[:-1]) & (t[1:] == t[:-1])
    spike = np.zeros(n, dtype=bool)
    keep = np.flatnonzero(~duplicate)
    if len(keep) > 1:
        uk = u[keep]
        starts = np.ones(len(keep), dtype=bool)
        starts[1:] = uk[1:] != uk[:-1]
        spike[keep] = flag_spikes(
            starts, t[keep], x[order][keep], y[order][keep], max_speed
        )
    return order, duplicate, spike


def _sort_order(unit: np.ndarray, time: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Order by (unit, time, seq); fast when each unit's pings are in time order.

    Exports usually list pings in time order, so a stable radix sort on the unit
    code alone (ties keep the input order, which is ``seq`` order) is enough; a
    full three-key sort runs only when that leaves some unit out of time order.
    """
    if len(unit) and unit.min() >= 0 and unit.max() < 2**16:
        order = np.argsort(unit.astype(np.uint16), kind="stable")
        u, t = unit[order], time[order]
        if np.all((t[1:] >= t[:-1]) | (u[1:] != u[:-1])) and np.all(np.diff(seq) > 0):
            return order
    return np.lexsort((seq, time, unit))


def flag_spikes(
    starts: np.ndarray,
    t: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    max_speed: float,
) -> np.ndarray:
    """Flag impossible-speed spikes among pings sorted by unit then time.

    ``starts`` is True at each unit's first ping; times within a unit are strictly
    increasing (duplicates already removed). A leg is *impossible* when its
    straight-line speed is above ``max_speed``. Walking each unit in time order:

    - an interior ping is a spike when the leg from the previous kept ping and the
      leg to the next ping are both impossible;
    - the last ping is a spike when the leg from the previous kept ping is;
    - the first ping is a spike when the unit has at least three pings, the leg to
      the second is impossible and the leg from the second to the third is not;
    - a ping after a first ping set aside has no previous kept ping and is kept.

    Only the stretches that start at an impossible leg are walked (in Python); a
    ping whose legs are both possible is kept without looking at it.
    """
    n = len(t)
    flags = np.zeros(n, dtype=bool)
    if n < 2:
        return flags
    dt = np.diff(t).astype(np.float64) / _NS
    dist = np.hypot(np.diff(x), np.diff(y))
    bad_leg = ~starts[1:] & (dist > max_speed * dt)
    triggers = np.flatnonzero(bad_leg)
    if not len(triggers):
        return flags
    first = np.flatnonzero(starts)
    last = np.append(first[1:] - 1, n - 1)
    unit_of = np.cumsum(starts) - 1
    leg = bad_leg.tolist()

    def impossible(a: int, b: int) -> bool:
        step = max_speed * (t[b] - t[a]) / _NS
        return bool(np.hypot(x[b] - x[a], y[b] - y[a]) > step)

    end = -1
    for k in triggers.tolist():
        if k <= end:
            continue
        f, last_k = int(first[unit_of[k]]), int(last[unit_of[k]])
        i, prev = k, (k - 1 if k > f else None)
        while True:
            if i == f:
                flag = last_k - f >= 2 and leg[i] and not leg[i + 1]
            elif prev is None:
                flag = False
            elif i == last_k:
                flag = impossible(prev, i)
            else:
                flag = impossible(prev, i) and leg[i]
            if flag:
                flags[i] = True
            else:
                prev = i
            if i == last_k or (not flag and not leg[i]):
                end = i
                break
            i += 1
    return flags


def localise(
    naive_ns: np.ndarray, timezone: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read naive wall-clock times (ns) as local ``timezone`` times; return UTC ns.

    Returns ``(utc_ns, ambiguous, nonexistent)``: times in the hour repeated when
    the clocks go back are ambiguous, times in the hour skipped when they go
    forward do not exist; both get the value 0 in ``utc_ns``.
    """
    stamps = pd.DatetimeIndex(naive_ns.astype("datetime64[ns]"))
    strict = stamps.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    missing = np.asarray(strict.isna())
    ambiguous = np.zeros(len(naive_ns), dtype=bool)
    nonexistent = np.zeros(len(naive_ns), dtype=bool)
    if missing.any():
        loose = stamps[missing].tz_localize(
            timezone, ambiguous=np.ones(int(missing.sum()), bool), nonexistent="NaT"
        )
        gap = np.asarray(loose.isna())
        idx = np.flatnonzero(missing)
        nonexistent[idx[gap]] = True
        ambiguous[idx[~gap]] = True
    utc = strict.asi8.copy()
    utc[missing] = 0
    return utc, ambiguous, nonexistent
