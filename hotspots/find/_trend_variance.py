"""Variance of Mann-Kendall's S when a series is serially correlated.

Method: :doc:`/docs/methods/emerging`. Used by :func:`hotspots.mann_kendall`
(``correction=``) and :func:`hotspots.emerging` (``trend_test=``).

Neighbouring months of a Gi* z-series share crimes (the space-time window) and
crime levels drift from month to month, so the z-scores are positively
autocorrelated and the textbook ``Var(S)`` is too small. Both corrections here
multiply it by a factor, as Hamed & Rao (1998) do, ``Var*(S) = Var(S) · f``:

- ``hamed_rao_factor``: ``f`` from each series' own rank autocorrelations (Hamed
  & Rao 1998). Needs long series: with 24-36 months the autocorrelations are too
  noisy and biased towards zero, so ``f`` comes out too small.
- ``pooled_factor``: ``f`` estimated from the spread of S over many series that
  share one dependence structure (the cells of a cube with similar activity), in
  the spirit of Efron's (2004) empirical null. No autocorrelation is estimated,
  so short series are no problem.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = [
    "POOL_SERIES",
    "hamed_rao_factor",
    "hamed_rao_factor_from_rho",
    "pooled_factor",
    "rank_autocorrelation",
    "sens_slopes",
]

#: Series per pool (window along the activity ranking) for ``pooled_factor``.
POOL_SERIES = 200
#: Fewer informative series than this and ``pooled_factor`` cannot estimate f.
MIN_POOL_SERIES = 30
#: Median of a chi-squared variable with 1 degree of freedom: ``median(Z²)`` for a
#: standard normal Z, so ``median(S²/Var(S)) / _CHI2_1_MEDIAN`` estimates f.
_CHI2_1_MEDIAN = float(stats.chi2.ppf(0.5, 1))
#: Windows per block in the sliding median (bounds temporary memory).
_WINDOW_BLOCK = 4_000
#: Rows per block for Sen's slopes (bounds the rows x pairs temporary array).
_SLOPE_BLOCK_ROWS = 5_000


def hamed_rao_factor_from_rho(rank_rho: np.ndarray, n: int) -> np.ndarray:
    """Hamed & Rao's variance factor ``n/n*`` from rank autocorrelations.

    ``f = 1 + 2 / (n(n−1)(n−2)) · Σ_k (n−k)(n−k−1)(n−k−2) ρ_s(k)`` for lags
    ``k = 1 ... K`` (``rank_rho[..., k − 1]``), ``n`` values per series. For a
    Gaussian AR(1) series with lag-1 correlation ``ρ``, the rank autocorrelation
    is ``ρ_s(k) = (6/π)·arcsin(ρ^k / 2)``.
    """
    rank_rho = np.asarray(rank_rho, dtype=float)
    lags = np.arange(1, rank_rho.shape[-1] + 1)
    weight = (n - lags) * (n - lags - 1) * (n - lags - 2)
    return 1.0 + 2.0 / (n * (n - 1) * (n - 2)) * (rank_rho * weight).sum(axis=-1)


def sens_slopes(y: np.ndarray) -> np.ndarray:
    """Sen's slope per row: the median of ``(y_j − y_i)/(j − i)`` over ``i < j``."""
    y = np.asarray(y, dtype=float)
    first, second = np.triu_indices(y.shape[1], 1)
    gap = second - first
    out = np.empty(len(y))
    for start in range(0, len(y), _SLOPE_BLOCK_ROWS):
        block = y[start : start + _SLOPE_BLOCK_ROWS]
        out[start : start + len(block)] = np.median(
            (block[:, second] - block[:, first]) / gap, axis=1
        )
    return out


def rank_autocorrelation(y: np.ndarray, max_lag: int) -> np.ndarray:
    """Autocorrelation of each row's ranks at lags ``1 ... max_lag``.

    Ties get average ranks; the usual estimator (lagged cross-products of the
    centred ranks over their sum of squares). Rows whose values are all equal get
    zeros.
    """
    ranks = stats.rankdata(np.asarray(y, dtype=float), axis=1)
    ranks = ranks - ranks.mean(axis=1, keepdims=True)
    total = (ranks * ranks).sum(axis=1)
    safe = np.where(total > 0, total, 1.0)
    rho = np.zeros((len(ranks), max_lag))
    for lag in range(1, max_lag + 1):
        rho[:, lag - 1] = (ranks[:, lag:] * ranks[:, :-lag]).sum(axis=1) / safe
    return rho


def hamed_rao_factor(y: np.ndarray, *, alpha: float = 0.05) -> np.ndarray:
    """Hamed & Rao's (1998) variance factor for each row of ``y`` (series x time).

    Each series is detrended with its Sen's slope and ranked; its rank
    autocorrelations at lags ``1 ... n − 1`` enter :func:`hamed_rao_factor_from_rho`
    where they are significant (``|ρ_s(k)| > z_{1−α/2}/√n``), as in the paper and
    in pymannkendall's ``hamed_rao_modification_test``. A factor that comes out
    at or below 0 (strong negative sample autocorrelations) is set to 1.
    """
    y = np.asarray(y, dtype=float)
    n = y.shape[1]
    detrended = y - np.arange(n) * sens_slopes(y)[:, None]
    rho = rank_autocorrelation(detrended, n - 1)
    bound = stats.norm.ppf(1 - alpha / 2) / np.sqrt(n)
    factor = hamed_rao_factor_from_rho(np.where(np.abs(rho) > bound, rho, 0.0), n)
    return np.where(factor > 0, factor, 1.0)


def pooled_factor(
    s: np.ndarray,
    var_s: np.ndarray,
    activity: np.ndarray | None = None,
    *,
    pool: int = POOL_SERIES,
) -> tuple[np.ndarray, int]:
    """Variance factor for each series, pooled over series of similar activity.

    Under no trend, ``S/√Var(S)`` is normal with variance ``f`` (``f = 1`` for
    independent values). Series are ranked by ``activity``; each one's ``f`` is
    ``median(S²/Var(S)) / 0.4549`` (0.4549 is the median of a chi-squared variable
    with one degree of freedom) over the ``pool`` series nearest to it in that
    ranking, and never below 1. The median keeps the estimate steady when some
    series do have a trend. ``activity=None`` pools all series together.

    Returns ``(factor, n_informative)``: series whose values are all tied
    (``var_s == 0``) get 1 and take no part. With fewer than
    ``MIN_POOL_SERIES`` informative series every factor is 1 (the caller warns).
    """
    s = np.asarray(s, dtype=float)
    var_s = np.asarray(var_s, dtype=float)
    factor = np.ones(len(s))
    informative = np.flatnonzero(var_s > 0)
    m = len(informative)
    if m < MIN_POOL_SERIES:
        return factor, m
    ratio = s[informative] ** 2 / var_s[informative]
    if activity is None:
        order = np.arange(m)
    else:
        order = np.argsort(
            np.asarray(activity, dtype=float)[informative], kind="stable"
        )
    width = m if activity is None else min(pool, m)
    ranked = ratio[order]
    n_windows = m - width + 1
    medians = np.empty(n_windows)
    for first in range(0, n_windows, _WINDOW_BLOCK):
        stop = min(first + _WINDOW_BLOCK, n_windows)
        windows = np.lib.stride_tricks.sliding_window_view(
            ranked[first : stop + width - 1], width
        )
        medians[first:stop] = np.median(windows, axis=1)
    start = np.clip(np.arange(m) - width // 2, 0, n_windows - 1)
    estimate = np.maximum(medians[start] / _CHI2_1_MEDIAN, 1.0)
    factor[informative[order]] = estimate
    return factor, m
