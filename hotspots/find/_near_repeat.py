"""Near-repeat analysis with the Knox test, in the Near Repeat Calculator's layout.

After a burglary, homes nearby run a raised risk for a few weeks (Johnson & Bowers
2004). The Knox test (Knox 1964) counts pairs of events that are close in both space
and time and compares the counts with those expected if the times were shuffled
among the same locations, as Ratcliffe's Near Repeat Calculator and Steenbeek's R
package NearRepeat do (:doc:`/docs/methods/near-repeat`). The counting core and
the result tables are in :mod:`hotspots.find._knox`.
"""

from __future__ import annotations

import itertools
import logging
import warnings
from collections.abc import Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots._validate import as_rng, check_projected
from hotspots.exceptions import HotspotsWarning, SchemaError
from hotspots.find._knox import (
    KNOX_STATISTICS,
    SAME_LOCATION_M,
    NearRepeat,
    knox_counts,
)

__all__ = ["KNOX_STATISTICS", "NearRepeat", "near_repeat"]

logger = logging.getLogger(__name__)

Unit = Literal["day", "month"]
#: Default time bands when ``time_bands=None``, per unit: four weeks in weeks, or
#: three months in months.
DEFAULT_TIME_BANDS: dict[str, tuple[float, ...]] = {
    "day": (0, 7, 14, 21, 28),
    "month": (0, 1, 2, 3),
}
#: Fewer permutations make the smallest possible p-value too coarse (1 / (R + 1)).
_MIN_PERMUTATIONS = 99
#: Dates that all fall on the 1st of a month are taken for months only (police.uk)
#: from this many events up; fewer could be the 1st by chance.
_MONTH_CHECK_MIN_EVENTS = 10


def _labels(breaks: np.ndarray, unit: str) -> list[str]:
    return [f"[{a:g}, {b:g}) {unit}" for a, b in itertools.pairwise(breaks)]


def _check_breaks(breaks, name: str, *, allow_inf: bool) -> np.ndarray:
    values = np.asarray(breaks, dtype=float)
    finite_ok = np.isfinite(values[:-1]).all() and (
        allow_inf or np.isfinite(values[-1])
    )
    if (
        values.ndim != 1
        or len(values) < 2
        or not finite_ok
        or np.isnan(values).any()
        or (values < 0).any()
        or (np.diff(values) <= 0).any()
    ):
        last = "; the last may be inf" if allow_inf else " (all finite)"
        raise ValueError(
            f"{name} must be at least two increasing break points >= 0{last}; "
            f"got {breaks!r}. Example: {name}=(0, 100, 200, 300, 400)."
        )
    return values


def _months_only_error(column: str, why: str) -> SchemaError:
    return SchemaError(
        f"{why}: police.uk street-level data give the month of each crime only (no "
        "day), so day bands cannot be measured. Use month bands: "
        f"near_repeat(events, time={column!r}, unit='month', time_bands=(0, 1, 2, 3)), "
        "or force data with an offence date and time='date'."
    )


def _event_times(events: gpd.GeoDataFrame, time: str, unit: str) -> np.ndarray:
    """Whole days (calendar dates) or months of each event, as int64."""
    if time not in events.columns:
        if unit == "day" and "month" in events.columns:
            raise _months_only_error(
                "month", f"events have no {time!r} column, only 'month'"
            )
        raise SchemaError(
            f"time column {time!r} not found; columns are {list(events.columns)}. "
            "Pass time= the column holding each event's date."
        )
    values = events[time]
    if not pd.api.types.is_datetime64_any_dtype(values):
        raise SchemaError(
            f"time column {time!r} holds {values.dtype}, not dates. Convert it "
            f"first: events[{time!r}] = pd.to_datetime(events[{time!r}])."
        )
    if values.isna().any():
        raise SchemaError(
            f"time column {time!r} is missing for {int(values.isna().sum()):,} of "
            f"{len(values):,} events; the Knox test needs every event's time. Set "
            "them aside first (count them in your report), e.g. "
            f"events[events[{time!r}].notna()]."
        )
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)  # the local calendar date
    if unit == "month":
        return (values.dt.year * 12 + values.dt.month - 1).to_numpy(np.int64)
    on_first = (values.dt.day == 1) & (values == values.dt.normalize())
    if time == "month" or (len(values) >= _MONTH_CHECK_MIN_EVENTS and on_first.all()):
        raise _months_only_error(
            time, f"every {time!r} value is the 1st of a month at midnight"
        )
    days = values.to_numpy().astype("datetime64[D]").astype(np.int64)
    return days


def near_repeat(
    events: gpd.GeoDataFrame,
    *,
    time: str = "date",
    distance_bands: Sequence[float] = (0, 100, 200, 300, 400),
    time_bands: Sequence[float] | None = None,
    unit: Unit = "day",
    permutations: int = 999,
    rng: int | np.random.Generator | None = None,
    progress: bool = True,
) -> NearRepeat:
    """Test for repeat and near-repeat events with the Knox test.

    Counts the pairs of events in each distance band x time band and compares each
    count with its expectation when the event times are shuffled among the same
    locations (Knox 1964; Johnson & Bowers 2004), as Ratcliffe's Near Repeat
    Calculator and Steenbeek's NearRepeat do.

    Parameters
    ----------
    events : GeoDataFrame
        Point events in a projected CRS in metres, with a date column.
    time : str, default "date"
        Column of event dates (datetime64). Times of day are dropped: differences
        are counted between calendar dates (or calendar months).
    distance_bands : sequence of float, default (0, 100, 200, 300, 400)
        Break points in metres (straight-line distance). Bands are closed on the
        left and open on the right, ``[a, b)``, as NearRepeat's default
        (``s_right = FALSE``); a pair exactly 100 m apart is in ``[100, 200)``.
        When the first break is 0, pairs less than 1 mm apart form a separate
        ``"same location"`` band (repeats), and the first band becomes
        ``(0, b)``. Pairs at or beyond the last break are not counted.
    time_bands : sequence of float, optional
        Break points in ``unit``, also ``[a, b)``: ``(0, 7, 14)`` gives 0-6 and
        7-13 days apart. The last may be ``np.inf``. None chooses (0, 7, 14, 21,
        28) days or (0, 1, 2, 3) months (logged and recorded).
    unit : {"day", "month"}, default "day"
        Unit of ``time_bands``. Months compare calendar months: 0 = the same month.
    permutations : int, default 999
        Random reassignments of the times among the events (R).
    rng : int, Generator or None
        Seed for the permutations.
    progress : bool, default True
        Show a progress bar over the permutations.

    Returns
    -------
    NearRepeat
        Tables ``observed``, ``expected``, ``knox_ratio`` and ``p_value`` (rows:
        distance bands, columns: time bands), ``table()``, ``to_frame()`` and a
        readable ``str()``; the bands, unit, permutations, number of events and of
        close pairs are recorded on it.

    Raises
    ------
    CRSError
        If the events are not in a projected CRS in metres.
    SchemaError
        If the time column is missing, not dates, has missing values, or holds
        months only (police.uk data) while ``unit="day"``; the message says to use
        ``unit="month"``.
    ValueError
        If there are fewer than 2 events, the bands are not increasing break
        points >= 0, or ``permutations`` is not a whole number >= 1.

    Warns
    -----
    HotspotsWarning
        With fewer than 99 permutations: the smallest possible p-value,
        ``1 / (R + 1)``, is too coarse.

    Notes
    -----
    Only pairs closer than the last distance break are found (with a k-d tree,
    once); each permutation re-counts those pairs by time band: 50,000 clustered
    events (4.6 million pairs within 400 m) with 99 permutations take about 6 s.
    The test is one-sided (more pairs than chance) and each cell is tested
    separately: with 20 cells, about one cell is "significant at 5%" by chance.
    The expectation assumes times are exchangeable among locations; a trend in
    both where and when crime is recorded (a new estate, a changed beat) also
    raises the ratio.

    References
    ----------
    Knox, E. G. (1964). *Applied Statistics* 13(1), 25-29.
    Johnson, S. D. & Bowers, K. J. (2004). *European Journal of Criminology*
    1(2), 237-255.
    Ratcliffe, J. H. (2009). *Near Repeat Calculator* (version 1.3). Temple
    University and the National Institute of Justice.
    Steenbeek, W. *NearRepeat* (R package), github.com/wsteenbeek/NearRepeat.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> xy = rng.uniform(0, 3000, (300, 2))
    >>> days = pd.Timestamp("2024-01-01") + pd.to_timedelta(
    ...     rng.integers(0, 365, 300), unit="D")
    >>> events = gpd.GeoDataFrame({"date": days},
    ...     geometry=gpd.points_from_xy(*xy.T), crs=27700)
    >>> result = near_repeat(events, permutations=99, rng=1, progress=False)
    >>> result.table("observed").shape
    (5, 4)
    """
    check_projected(events, "events")
    if not events.geometry.geom_type.isin(["Point"]).all():
        raise ValueError(
            "events must all be Point geometries; found "
            f"{sorted(events.geometry.geom_type.unique())}. Use .centroid for polygons."
        )
    if unit not in DEFAULT_TIME_BANDS:
        raise ValueError(f"unit must be 'day' or 'month'; got {unit!r}")
    if len(events) < 2:
        raise ValueError(
            f"the Knox test counts pairs of events and needs at least 2; got "
            f"{len(events)}."
        )
    if (
        isinstance(permutations, bool)
        or int(permutations) != permutations
        or permutations < 1
    ):
        raise ValueError(
            f"permutations must be a whole number >= 1; got {permutations!r}"
        )
    permutations = int(permutations)
    auto = time_bands is None
    if time_bands is None:
        time_bands = DEFAULT_TIME_BANDS[unit]
    d_breaks = _check_breaks(distance_bands, "distance_bands", allow_inf=False)
    t_breaks = _check_breaks(time_bands, "time_bands", allow_inf=True)
    t = _event_times(events, time, unit)  # refuses day bands on month-only data
    if auto:
        logger.info(
            "Time bands set automatically to %s %ss. Pass time_bands= to override.",
            ", ".join(f"{b:g}" for b in time_bands),
            unit,
        )
    if permutations < _MIN_PERMUTATIONS:
        warnings.warn(
            f"only {permutations} permutations: the smallest possible p-value is "
            f"{1 / (permutations + 1):.3f}; use 999 (or at least 99).",
            HotspotsWarning,
            stacklevel=2,
        )
    same = d_breaks[0] == 0
    if same and d_breaks[1] <= SAME_LOCATION_M:
        raise ValueError(
            f"the first distance band must be wider than {SAME_LOCATION_M} m (the "
            f"'same location' band); got {tuple(distance_bands)!r}."
        )
    breaks = np.insert(d_breaks, 1, SAME_LOCATION_M) if same else d_breaks
    counts = knox_counts(
        events.geometry.x.to_numpy(),
        events.geometry.y.to_numpy(),
        t,
        breaks,
        t_breaks,
        permutations,
        as_rng(rng),
        progress,
    )
    rows = _labels(d_breaks, "m")
    if same:
        rows = ["same location", f"(0, {d_breaks[1]:g}) m", *rows[1:]]
    columns = _labels(t_breaks, f"{unit}s")

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            values,
            index=pd.Index(rows, name="distance"),
            columns=pd.Index(columns, name="time"),
        )

    expected = counts.simulated.mean(axis=0)
    observed = counts.observed.astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = observed / expected
    exceed = (counts.simulated >= observed[None]).sum(axis=0)
    p = (1 + exceed) / (1 + permutations)
    result = NearRepeat(
        observed=frame(observed),
        expected=frame(expected),
        knox_ratio=frame(ratio),
        p_value=frame(p),
        distance_bands=tuple(float(b) for b in d_breaks),
        time_bands=tuple(float(b) for b in t_breaks),
        unit=unit,
        time_bands_auto=auto,
        permutations=permutations,
        n_events=len(events),
        n_close_pairs=counts.n_close_pairs,
        method=(
            f"Knox test, Euclidean distance, {unit} bands [a, b), {permutations} "
            "permutations of event times among locations, one-sided Monte Carlo p"
        ),
        simulated=counts.simulated,
    )
    logger.info(
        "Knox test on %d events: %d pairs within %g m; %d of %d cells with p <= 0.05.",
        len(events),
        counts.n_close_pairs,
        d_breaks[-1],
        int((p <= 0.05).sum()),
        p.size,
    )
    return result
