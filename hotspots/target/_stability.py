"""Do the same places stay on top? Jaccard overlap and rank-biased overlap.

:func:`jaccard` and :func:`rbo` compare two lists of places; :func:`stability`
takes each place's crimes in two periods, ranks the top ``n`` of each and reports
both measures with the recapture rate index (:func:`hotspots.rri`) of the first
period's top places. Formulas in :doc:`/docs/methods/accuracy`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from hotspots.target._accuracy import rri

__all__ = ["Stability", "jaccard", "rbo", "stability", "top_places"]

#: Default persistence of :func:`rbo`: the first 10 ranks carry about 86% of the
#: weight (Webber, Moffat & Zobel 2010, section 4.2).
RBO_PERSISTENCE = 0.9


def jaccard(first: Iterable[Hashable], second: Iterable[Hashable]) -> float:
    """Return the Jaccard overlap ``|A ∩ B| / |A ∪ B|`` of two sets of places.

    Parameters
    ----------
    first, second : iterable of hashable
        Place ids (order and repeats are ignored).

    Returns
    -------
    float
        0 (no place in common) to 1 (the same places); NaN when both are empty.

    Examples
    --------
    >>> jaccard(["a", "b", "c"], ["b", "c", "d"])
    0.5
    """
    a, b = set(first), set(second)
    union = a | b
    return len(a & b) / len(union) if union else math.nan


def _check_ranking(ranking: Sequence[Hashable], name: str) -> list[Hashable]:
    items = list(ranking)
    repeated = pd.Series(items, dtype=object).duplicated()
    if repeated.any():
        raise ValueError(
            f"{name} repeats {[items[i] for i in np.flatnonzero(repeated)][:3]!r}: a "
            "ranking lists each place once. Drop the duplicates (e.g. pd.unique) "
            "before comparing."
        )
    return items


def rbo(
    first: Sequence[Hashable],
    second: Sequence[Hashable],
    *,
    p: float = RBO_PERSISTENCE,
) -> float:
    """Return the extrapolated rank-biased overlap of two rankings of places.

    Parameters
    ----------
    first, second : sequence of hashable
        Place ids, best first, each listed once. The lists may differ in length
        (e.g. a period with fewer places that had any crime).
    p : float, default 0.9
        Persistence, in (0, 1): the weight of depth ``d`` falls as ``p**(d-1)``,
        so a smaller ``p`` looks only at the very top. With 0.9 the first 10
        ranks carry about 86% of the weight.

    Returns
    -------
    float
        0 (no place in common) to 1 (identical rankings); NaN when either list
        is empty.

    Raises
    ------
    ValueError
        If ``p`` is not in (0, 1) or a list repeats a place.

    Notes
    -----
    Webber, Moffat & Zobel (2010), the point estimate ``RBO_ext`` for rankings
    seen to depths ``s <= l`` (their equations 30 and 32). With ``X_d`` the
    places shared by the top ``d`` of both lists (for ``d > s``, the whole
    shorter list against the top ``d`` of the longer one)::

        RBO_ext = (1-p)/p * [ sum_{d=1..l} X_d/d p^d
                              + sum_{d=s+1..l} X_s (d-s)/(s d) p^d ]
                  + [ (X_l - X_s)/l + X_s/s ] p^l

    It assumes the agreement seen at the deepest rank continues below it.
    Ties must be broken before calling (:func:`top_places` breaks them by
    place id).

    References
    ----------
    Webber, W., Moffat, A. & Zobel, J. (2010). A similarity measure for
    indefinite rankings. *ACM Transactions on Information Systems*, 28(4), 20.

    Examples
    --------
    >>> round(rbo(["a", "b", "c"], ["b", "a", "d"], p=0.5), 6)
    0.416667
    >>> round(rbo(["a", "b"], ["a", "b"]), 12), rbo(["a", "b"], ["c", "d"])
    (1.0, 0.0)
    """
    if not (isinstance(p, int | float) and 0 < p < 1):
        raise ValueError(f"p must be in (0, 1); got {p!r}")
    a, b = _check_ranking(first, "first"), _check_ranking(second, "second")
    if not a or not b:
        return math.nan
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    s, ell = len(short), len(long_)
    whole_short = set(short)
    seen_short: set[Hashable] = set()
    seen_long: set[Hashable] = set()
    overlap = np.empty(ell)  # X_d for d = 1..l
    shared = 0
    for d in range(ell):
        item = long_[d]
        if d < s:
            # a new item on either side adds to X_d if the other side has shown it
            shared += (item in seen_short) + (short[d] in seen_long)
            shared += item == short[d]
            seen_short.add(short[d])
        else:
            shared += item in whole_short
        seen_long.add(item)
        overlap[d] = shared
    depth = np.arange(1, ell + 1)
    weight = p**depth
    x_s = overlap[s - 1]
    total = float(np.sum(overlap / depth * weight))
    beyond = depth > s
    extrapolated = x_s * (depth[beyond] - s) / (s * depth[beyond])
    total += float(np.sum(extrapolated * weight[beyond]))
    tail = ((overlap[-1] - x_s) / ell + x_s / s) * p**ell
    return float((1 - p) / p * total + tail)


def top_places(counts: pd.Series | Mapping[Hashable, float], n: int) -> list[Hashable]:
    """Return the ids of the ``n`` places with most crimes, busiest first.

    Places with no crime are never listed, so fewer than ``n`` may come back.
    Ties go to the lower place id, as in :func:`hotspots.backtest`.

    Examples
    --------
    >>> top_places({"c": 5, "a": 5, "b": 9, "d": 0}, 3)
    ['b', 'a', 'c']
    """
    series = _as_counts(counts, "counts")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be an integer >= 1; got {n!r}")
    busy = series[series > 0]
    order = np.lexsort((busy.index.to_numpy(), -busy.to_numpy()))
    return busy.index[order[:n]].tolist()


def _as_counts(counts, name: str) -> pd.Series:
    series = pd.Series(counts, dtype=float)
    if series.index.has_duplicates:
        raise ValueError(f"{name} lists a place twice; give one count per place id.")
    bad = ~np.isfinite(series.to_numpy()) | (series.to_numpy() < 0)
    if bad.any():
        raise ValueError(
            f"{name} must be counts >= 0; got {series[bad].head(3).to_dict()!r}"
        )
    return series


@dataclass(frozen=True)
class Stability:
    """How far the busiest places of one period stay the busiest in the next.

    Attributes
    ----------
    n : int
        Places compared from each period (the ``n`` asked for).
    jaccard : float
        :func:`jaccard` of the two top-``n`` sets.
    rbo : float
        :func:`rbo` of the two top-``n`` rankings, persistence ``p``.
    rri : float
        :func:`hotspots.rri` of the first period's top places: their share of
        crime in the second period over their share in the first.
    p : float
        Persistence used for ``rbo``.
    n_shared : int
        Places in both top lists.
    n_first, n_second : int
        Places listed in each period (fewer than ``n`` when fewer had crime).
    first, second : tuple
        The two top lists, busiest first.
    """

    n: int
    jaccard: float
    rbo: float
    rri: float
    p: float
    n_shared: int
    n_first: int
    n_second: int
    first: tuple[Hashable, ...]
    second: tuple[Hashable, ...]

    def to_frame(self) -> pd.DataFrame:
        """Return the measures as one tidy row (without the two lists)."""
        row = asdict(self)
        del row["first"], row["second"]
        return pd.DataFrame([row])

    def __str__(self) -> str:
        return (
            f"top {self.n}: {self.n_shared} places in both periods, Jaccard "
            f"{self.jaccard:.2f}, RBO {self.rbo:.2f} (p={self.p:g}), RRI {self.rri:.2f}"
        )


def stability(
    first: pd.Series | Mapping[Hashable, float],
    second: pd.Series | Mapping[Hashable, float],
    *,
    n: int = 18,
    p: float = RBO_PERSISTENCE,
) -> Stability:
    """Compare the top-``n`` places of two periods: Jaccard, RBO and RRI.

    Parameters
    ----------
    first, second : Series or mapping
        Crimes per place id in the earlier and the later period (e.g. the
        ``n`` column of :func:`hotspots.count_points` indexed by ``cell_id``).
        A place missing from one period counts 0 there.
    n : int, default 18
        Places taken from each period (18, the Grip patrol places).
    p : float, default 0.9
        Persistence of :func:`rbo`.

    Returns
    -------
    Stability
        ``jaccard``, ``rbo``, ``rri``, ``n_shared`` and the two lists;
        ``.to_frame()`` gives one row.

    Raises
    ------
    ValueError
        If a count is negative or missing, a place is listed twice, or ``n``
        is not a positive integer.

    Notes
    -----
    Jaccard ignores order within the top ``n``; RBO weights agreement at the
    top most; RRI asks whether the chosen places kept their share of crime.
    Read them together: a high RRI with a low Jaccard means crime stayed in
    the area of the old top places but moved between them.

    Examples
    --------
    >>> before = {"a": 9, "b": 7, "c": 5, "d": 1}
    >>> after = {"a": 8, "c": 6, "b": 2, "d": 4}
    >>> s = stability(before, after, n=2)
    >>> s.first, s.second, s.jaccard
    (('a', 'b'), ('a', 'c'), 0.3333333333333333)
    """
    a, b = _as_counts(first, "first"), _as_counts(second, "second")
    index = a.index.union(b.index)
    a, b = a.reindex(index, fill_value=0.0), b.reindex(index, fill_value=0.0)
    top_a, top_b = top_places(a, n), top_places(b, n)
    rri_value = math.nan
    if top_a and a.sum() > 0 and b.sum() > 0:
        rri_value = rri(b[top_a].sum(), b.sum(), a[top_a].sum(), a.sum())
    return Stability(
        n=int(n),
        jaccard=jaccard(top_a, top_b),
        rbo=rbo(top_a, top_b, p=p) if top_a and top_b else math.nan,
        rri=rri_value,
        p=float(p),
        n_shared=len(set(top_a) & set(top_b)),
        n_first=len(top_a),
        n_second=len(top_b),
        first=tuple(top_a),
        second=tuple(top_b),
    )
