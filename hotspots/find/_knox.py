"""Knox test core for near-repeat analysis: close pairs once, then shuffled times.

Also the result, :class:`NearRepeat`: the Knox tables in the Near Repeat
Calculator's layout.

The array core of :func:`hotspots.near_repeat` (:doc:`/docs/methods/near-repeat`).
Pairs of events closer than the largest distance band are found once with a k-d
tree; every permutation then only reassigns the event times among the fixed
locations and re-counts those pairs by band with one ``np.bincount``. Pairs further
apart than the largest band are never counted (their number does not depend on the
times), so the cost grows with the number of close pairs, not with ``n²``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

__all__ = [
    "KNOX_STATISTICS",
    "SAME_LOCATION_M",
    "KnoxCounts",
    "NearRepeat",
    "close_pairs",
    "knox_counts",
]

#: Metres: pairs closer than this are "same location" (a repeat, not a near repeat).
#: police.uk and force data put repeat events on identical coordinates; 1 mm only
#: absorbs rounding in reprojection (the "same repeat" band of Steenbeek's NearRepeat
#: examples, ``sds = c(0, 0.001, ...)``).
SAME_LOCATION_M = 0.001
#: Tables :meth:`NearRepeat.table` can lay out.
KNOX_STATISTICS = ("knox_ratio", "observed", "expected", "p_value")
_STARS = ((0.01, "**"), (0.05, "*"))


@dataclass(frozen=True)
class KnoxCounts:
    """Observed and simulated pair counts per distance x time band.

    Attributes
    ----------
    observed : ndarray of int, shape (n_distance, n_time)
        Pairs of events in each distance band (rows) and time band (columns).
    simulated : ndarray of int, shape (permutations, n_distance, n_time)
        The same counts after each random reassignment of times to events.
    n_close_pairs : int
        Pairs closer than the largest distance band (the only pairs counted).
    """

    observed: np.ndarray
    simulated: np.ndarray
    n_close_pairs: int


def close_pairs(
    x: np.ndarray, y: np.ndarray, max_distance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(i, j, d)``: every pair ``i < j`` closer than ``max_distance`` metres.

    Straight-line (Euclidean) distances; ``i`` and ``j`` are int32 row positions,
    ``d`` float64 metres. The interval is open on the right: a pair exactly
    ``max_distance`` apart is left out, as the last band ``[a, max_distance)`` does.
    """
    xy = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    if len(xy) < 2:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, np.zeros(0)
    pairs = cKDTree(xy).query_pairs(max_distance, output_type="ndarray")
    i = pairs[:, 0].astype(np.int32)
    j = pairs[:, 1].astype(np.int32)
    del pairs
    d = np.hypot(xy[i, 0] - xy[j, 0], xy[i, 1] - xy[j, 1])
    keep = d < max_distance
    return i[keep], j[keep], d[keep]


def _time_lookup(time_breaks: np.ndarray, max_difference: int) -> np.ndarray:
    """Band index of every whole time difference 0..max; ``n_time`` = no band."""
    n_time = len(time_breaks) - 1
    band = np.searchsorted(time_breaks, np.arange(max_difference + 1), side="right") - 1
    band[(band < 0) | (band >= n_time)] = n_time
    return band.astype(np.int32)


def knox_counts(
    x: np.ndarray,
    y: np.ndarray,
    t: np.ndarray,
    distance_breaks: np.ndarray,
    time_breaks: np.ndarray,
    permutations: int,
    rng: np.random.Generator,
    progress: bool = False,
) -> KnoxCounts:
    """Count pairs per distance x time band, observed and under permuted times.

    Parameters
    ----------
    x, y : ndarray, shape (n,)
        Coordinates in metres.
    t : ndarray of int, shape (n,)
        Event times in whole units (days or months).
    distance_breaks : ndarray, shape (n_distance + 1,)
        Increasing break points in metres; band k is ``[b_k, b_{k+1})``. Finite.
    time_breaks : ndarray, shape (n_time + 1,)
        Increasing break points in time units; band k is ``[b_k, b_{k+1})``; the
        last may be ``inf``.
    permutations : int
        Random reassignments of the times among the events (the Knox null: the
        locations and the set of times are fixed, their pairing is random).
    rng : Generator
        Source of the permutations.
    progress : bool, default False
        Show a progress bar over the permutations.

    Returns
    -------
    KnoxCounts
    """
    from tqdm.auto import tqdm  # imported here: only permutations show progress

    t = np.asarray(t, dtype=np.int64)
    t = (t - (t.min() if len(t) else 0)).astype(np.int32)
    n_distance, n_time = len(distance_breaks) - 1, len(time_breaks) - 1
    i, j, d = close_pairs(x, y, float(distance_breaks[-1]))
    space = np.searchsorted(distance_breaks, d, side="right") - 1
    keep = space >= 0  # closer than the first break: in no band
    i, j, space = i[keep], j[keep], space[keep].astype(np.int32)
    del d
    lookup = _time_lookup(np.asarray(time_breaks, dtype=float), int(t.max(initial=0)))
    # one code per pair: space band * (n_time + 1) + time band (n_time = no band)
    space_code = space * np.int32(n_time + 1)
    size = n_distance * (n_time + 1)

    def count(times: np.ndarray) -> np.ndarray:
        code = space_code + lookup[np.abs(times[i] - times[j])]
        table = np.bincount(code, minlength=size).reshape(n_distance, n_time + 1)
        return table[:, :n_time]

    observed = count(t)
    simulated = np.empty((permutations, n_distance, n_time), dtype=np.int64)
    for r in tqdm(range(permutations), desc="Knox permutations", disable=not progress):
        simulated[r] = count(t[rng.permutation(len(t))])
    return KnoxCounts(observed, simulated, n_close_pairs=len(i))


@dataclass(frozen=True)
class NearRepeat:
    """Knox tables by distance band x time band, from :func:`hotspots.near_repeat`.

    Every table has one row per distance band (``"same location"`` first when the
    first distance break is 0) and one column per time band, as in the Near Repeat
    Calculator. Labels use interval notation: ``"[100, 200) m"`` holds pairs at
    least 100 and less than 200 metres apart.

    Attributes
    ----------
    observed : DataFrame of int
        Pairs of events in each band.
    expected : DataFrame of float
        Mean count over the permutations (times shuffled among the events).
    knox_ratio : DataFrame of float
        ``observed / expected``; above 1 means more close pairs than chance gives
        (NaN when both are 0, inf when only ``expected`` is).
    p_value : DataFrame of float
        One-sided Monte Carlo p, ``(1 + #{simulated >= observed}) / (1 + R)``: the
        chance of at least as many pairs if times were unrelated to places. Not
        adjusted for the number of cells tested.
    distance_bands, time_bands : tuple of float
        The break points used (metres; days or months).
    unit : {"day", "month"}
        Unit of the time bands.
    time_bands_auto : bool
        True when the time bands were chosen automatically (``time_bands=None``).
    permutations : int
        Number of permutations R.
    n_events : int
        Events analysed.
    n_close_pairs : int
        Pairs of events within the distance bands (the pairs counted).
    method : str
        One-line description of the test.
    simulated : ndarray of int, shape (R, n_distance, n_time)
        Every simulated table (not shown in ``repr``).
    """

    observed: pd.DataFrame
    expected: pd.DataFrame
    knox_ratio: pd.DataFrame
    p_value: pd.DataFrame
    distance_bands: tuple[float, ...]
    time_bands: tuple[float, ...]
    unit: str
    time_bands_auto: bool
    permutations: int
    n_events: int
    n_close_pairs: int
    method: str
    simulated: np.ndarray = field(repr=False, compare=False)

    def table(self, statistic: str = "knox_ratio") -> pd.DataFrame:
        """Return one table in the Near Repeat Calculator layout.

        Parameters
        ----------
        statistic : {"knox_ratio", "observed", "expected", "p_value"}
            Which table.

        Returns
        -------
        DataFrame
            Rows: distance bands (``"same location"`` first); columns: time bands.
        """
        if statistic not in KNOX_STATISTICS:
            raise ValueError(
                f"statistic must be one of {list(KNOX_STATISTICS)}; got {statistic!r}"
            )
        return getattr(self, statistic).copy()

    def to_frame(self) -> pd.DataFrame:
        """Return one tidy row per distance band x time band, with every statistic."""
        tables = {s: getattr(self, s).stack() for s in KNOX_STATISTICS}
        out = pd.DataFrame(tables).rename_axis(["distance_band", "time_band"])
        return out[["observed", "expected", "knox_ratio", "p_value"]].reset_index()

    def __str__(self) -> str:
        p = self.p_value.to_numpy()
        stars = np.select([p <= cut for cut, _ in _STARS], [s for _, s in _STARS], "")
        ratio = self.knox_ratio.map(lambda v: f"{v:.2f}") + stars
        top = self.distance_bands[-1]
        head = (
            f"Knox test: {self.n_events:,} events, {self.n_close_pairs:,} pairs within "
            f"{top:g} m, {self.permutations:,} permutations.\n"
            "Knox ratio (observed / expected pairs); * p <= 0.05, ** p <= 0.01 "
            f"(one-sided, not adjusted for the {self.observed.size} cells)\n"
        )
        return head + ratio.to_string()
