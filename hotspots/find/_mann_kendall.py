"""Mann-Kendall trend test, vectorised over many series (:doc:`/docs/methods/emerging`).

Used by :func:`hotspots.emerging` on each location's series of Gi* z-scores; public
as :func:`hotspots.mann_kendall`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from hotspots.find._trend_variance import (
    MIN_POOL_SERIES,
    POOL_SERIES,
    hamed_rao_factor,
    pooled_factor,
)

__all__ = ["TRENDS", "MannKendall", "mann_kendall"]

Correction = Literal["none", "hamed-rao", "pooled"]
#: Variance corrections for serially correlated series (``correction=``).
CORRECTIONS: tuple[str, ...] = ("none", "hamed-rao", "pooled")

#: The trend labels, in the order of their codes -1, 0, +1 plus one.
TRENDS = ("decreasing", "no trend", "increasing")
#: The test is undefined for shorter series (S is 0 or ±1 for two values).
_MIN_VALUES = 3
#: Series per block in the vectorised loop over lags (bounds temporary memory).
_BLOCK_ROWS = 20_000


@dataclass(frozen=True)
class MannKendall:
    """Result of the Mann-Kendall trend test.

    For one series every field is a scalar; for a 2-D input (one series per row)
    every field except ``alpha`` is an array with one value per series.

    Attributes
    ----------
    s : float or ndarray
        Kendall's S, ``Σ_{i<j} sign(y_j − y_i)``.
    var_s : float or ndarray
        Variance of S under no trend, with the tie correction, times
        ``variance_factor``.
    z : float or ndarray
        Continuity-corrected normal score: ``(S − 1)/√Var`` for S > 0, 0 for S = 0,
        ``(S + 1)/√Var`` for S < 0 (0 when every value is tied), with ``var_s``.
    p_value : float or ndarray
        Two-sided normal p, ``2·Φ(−|z|)``.
    tau : float or ndarray
        Kendall's tau-a, ``S / (T(T−1)/2)``.
    trend : str or ndarray of str
        ``"increasing"`` or ``"decreasing"`` when ``p_value < alpha``, else
        ``"no trend"``.
    alpha : float
        Significance level used for ``trend``.
    variance_factor : float or ndarray
        Factor applied to the textbook variance for serial correlation (1 with
        ``correction="none"``).
    correction : str
        The correction used: "none", "hamed-rao" or "pooled".
    """

    s: float | np.ndarray
    var_s: float | np.ndarray
    z: float | np.ndarray
    p_value: float | np.ndarray
    tau: float | np.ndarray
    trend: str | np.ndarray
    alpha: float
    variance_factor: float | np.ndarray = 1.0
    correction: str = "none"


def mann_kendall(
    y, *, alpha: float = 0.05, correction: Correction = "none"
) -> MannKendall:
    """Test one or many series for a monotonic trend (Mann-Kendall).

    Parameters
    ----------
    y : array-like
        One series (1-D, in time order) or many series (2-D, one per row, time
        along the columns, e.g. cells × months). At least 3 time points; no NaN.
    alpha : float, default 0.05
        Two-sided significance level for the ``trend`` label.
    correction : {"none", "hamed-rao", "pooled"}, default "none"
        Allowance for serial correlation, which makes the plain test's p-values
        too small. "hamed-rao" inflates each series' ``Var(S)`` by a factor from
        its own rank autocorrelations (Hamed & Rao 1998; needs long series).
        "pooled" (2-D input only, at least 30 series that vary) estimates one
        factor from the spread of S over all the rows, assumed to share their
        dependence and to be mostly without trend.

    Returns
    -------
    MannKendall
        ``s``, ``var_s``, ``z``, ``p_value`` (two-sided), ``tau``, ``trend`` and
        ``variance_factor``; scalars for 1-D input, arrays (one value per row)
        for 2-D input.

    Raises
    ------
    ValueError
        If there are fewer than 3 time points, values are missing or infinite, the
        input has more than 2 dimensions, ``alpha`` is not in (0, 1), the
        correction is unknown, or "pooled" is given too few series.

    Notes
    -----
    ``S = Σ_{i<j} sign(y_j − y_i)``; ``Var(S) = [T(T−1)(2T+5) − Σ_g t_g(t_g−1)(2t_g+5)]
    / 18`` where the sum runs over groups of ``t_g`` tied values (Mann 1945; Kendall
    1975). The normal score uses the continuity correction (S moved one unit
    towards 0). Whether ArcGIS's emerging hot spot analysis applies the continuity
    correction is unverified (Esri's pages do not give the formula); we use it,
    which is the textbook form and slightly conservative. With few time points the
    test has little power: for T = 6 even a perfectly monotonic series only reaches
    p = 0.0085. Serially correlated series make it anti-conservative: a
    correction multiplies ``Var(S)`` by ``variance_factor`` (Hamed & Rao 1998).
    On 24-36 monthly values the per-series "hamed-rao" factor is itself too
    small (the autocorrelations of a short series are noisy and biased towards
    zero), so :func:`hotspots.emerging` uses "pooled" factors by default
    (:doc:`/docs/methods/emerging`).

    References
    ----------
    Mann, H. B. (1945). Nonparametric tests against trend. *Econometrica* 13(3),
    245-259. Kendall, M. G. (1975). *Rank Correlation Methods*, 4th ed. Griffin.
    Hamed, K. H. & Rao, A. R. (1998). A modified Mann-Kendall trend test for
    autocorrelated data. *Journal of Hydrology* 204, 182-196.
    Efron, B. (2004). Large-scale simultaneous hypothesis testing: the choice of
    a null hypothesis. *JASA* 99(465), 96-104.

    Examples
    --------
    >>> result = mann_kendall([1, 3, 2, 5, 4, 6])
    >>> int(result.s), round(float(result.var_s), 4), round(float(result.z), 6)
    (11, 28.3333, 1.878673)
    >>> round(float(result.p_value), 6), result.trend
    (0.060289, 'no trend')
    >>> mann_kendall([[1, 2, 3, 4], [4, 3, 2, 2]]).s
    array([ 6., -5.])

    Three-month moving sums of noise: no trend, but neighbouring values share data.

    >>> noise = np.random.default_rng(1).normal(size=(2000, 26))
    >>> sums = noise[:, 2:] + noise[:, 1:-1] + noise[:, :-2]
    >>> float(np.mean(mann_kendall(sums).p_value < 0.05))  # plain: far above 5%
    0.218
    >>> pooled = mann_kendall(sums, correction="pooled")
    >>> float(np.mean(pooled.p_value < 0.05)), float(pooled.variance_factor[0].round(2))
    (0.0465, 2.62)
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1; got {alpha!r}")
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS}; got {correction!r}")
    values = np.asarray(y, dtype=float)
    if values.ndim not in (1, 2):
        raise ValueError(
            f"y must be one series (1-D) or one series per row (2-D); got "
            f"{values.ndim} dimensions with shape {values.shape}."
        )
    if correction == "pooled" and values.ndim == 1:
        raise ValueError(
            "correction='pooled' estimates the variance factor from many series; "
            "pass one series per row (2-D), or use correction='hamed-rao' for a "
            "single series."
        )
    rows = np.atleast_2d(values)
    s, var_s, z, p, tau, factor = mann_kendall_arrays(rows, correction=correction)
    trend = np.asarray(TRENDS)[trend_codes(z, p, alpha) + 1]
    if values.ndim == 1:
        return MannKendall(
            float(s[0]),
            float(var_s[0]),
            float(z[0]),
            float(p[0]),
            float(tau[0]),
            str(trend[0]),
            alpha,
            float(factor[0]),
            correction,
        )
    return MannKendall(s, var_s, z, p, tau, trend, alpha, factor, correction)


def trend_codes(z: np.ndarray, p: np.ndarray, alpha: float) -> np.ndarray:
    """Return +1 (significant increase), -1 (significant decrease) or 0 per series."""
    return np.where(p < alpha, np.sign(z), 0).astype(np.int64)


def mann_kendall_arrays(
    y: np.ndarray,
    *,
    correction: str = "none",
    activity: np.ndarray | None = None,
    pool: int = POOL_SERIES,
) -> tuple[np.ndarray, ...]:
    """Return ``(s, var_s, z, p_value, tau, factor)`` per row of ``y`` (series × time).

    ``var_s`` includes the variance ``factor`` of ``correction`` ("none",
    "hamed-rao" or "pooled"; for "pooled", ``activity`` and ``pool`` go to
    :func:`pooled_factor`). Vectorised: one pass per lag (T − 1 passes) over all
    rows at once, in blocks of rows; no loop over series.
    """
    y = np.asarray(y, dtype=float)
    if y.ndim != 2:
        raise ValueError(f"expected a 2-D array (series × time); got shape {y.shape}")
    n_series, n_times = y.shape
    if n_times < _MIN_VALUES:
        raise ValueError(
            f"Mann-Kendall needs at least {_MIN_VALUES} values in time order; got "
            f"{n_times}. Use more time steps (e.g. months rather than quarters)."
        )
    if not np.isfinite(y).all():
        raise ValueError(
            f"y has {int((~np.isfinite(y)).sum())} missing or infinite value(s); "
            "Mann-Kendall needs a number at every time point."
        )
    s = np.zeros(n_series)
    tie_term = np.zeros(n_series)
    for start in range(0, n_series, _BLOCK_ROWS):
        block = y[start : start + _BLOCK_ROWS]
        s[start : start + len(block)] = _kendall_s(block)
        tie_term[start : start + len(block)] = _tie_term(block)
    var_s = (n_times * (n_times - 1) * (2 * n_times + 5) - tie_term) / 18.0
    if correction == "hamed-rao":
        factor = hamed_rao_factor(y)
    elif correction == "pooled":
        factor, n_informative = pooled_factor(s, var_s, activity, pool=pool)
        if n_informative < MIN_POOL_SERIES and activity is None:
            raise ValueError(
                f"correction='pooled' needs at least {MIN_POOL_SERIES} series that "
                f"vary; got {n_informative}. Use correction='hamed-rao'."
            )
    else:
        factor = np.ones(n_series)
    var_s = var_s * factor
    root = np.sqrt(np.where(var_s > 0, var_s, 1.0))
    z = np.where(var_s > 0, (s - np.sign(s)) / root, 0.0)
    p = 2.0 * stats.norm.sf(np.abs(z))
    tau = s / (n_times * (n_times - 1) / 2.0)
    return s, var_s, z, p, tau, factor


def _kendall_s(block: np.ndarray) -> np.ndarray:
    s = np.zeros(len(block))
    for lag in range(1, block.shape[1]):
        s += np.sign(block[:, lag:] - block[:, :-lag]).sum(axis=1)
    return s


def _tie_term(block: np.ndarray) -> np.ndarray:
    """``Σ_g t_g(t_g − 1)(2t_g + 5)`` over the groups of tied values in each row."""
    n_rows, n_times = block.shape
    ordered = np.sort(block, axis=1)
    starts = np.ones((n_rows, n_times), dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    group = np.cumsum(starts, axis=1) - 1 + n_times * np.arange(n_rows)[:, None]
    sizes = np.bincount(group.ravel(), minlength=n_rows * n_times).astype(float)
    sizes = sizes.reshape(n_rows, n_times)
    return (sizes * (sizes - 1) * (2 * sizes + 5)).sum(axis=1)
