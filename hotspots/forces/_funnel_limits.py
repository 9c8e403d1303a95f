"""Array cores of a funnel plot: control limits, z-scores and overdispersion.

Everything here works on rates per resident (events / residents), never per 1,000:
:mod:`hotspots.forces._funnel` scales for display. No DataFrames, no logging.

References
----------
Spiegelhalter, D. J. (2005a). Funnel plots for comparing institutional
performance. *Statistics in Medicine* 24(8), 1185-1202.

Spiegelhalter, D. J. (2005b). Handling over-dispersion of performance indicators.
*Quality and Safety in Health Care* 14(5), 347-351.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

__all__ = [
    "EXACT_BELOW",
    "check_levels",
    "dispersion_phi",
    "dispersion_test_p",
    "exact_poisson_limits",
    "level_name",
    "level_percent",
    "normal_limits",
    "normal_quantile",
    "tau2_dersimonian_laird",
    "winsorise_z",
]

#: ``exact="auto"`` uses exact Poisson limits where the expected count
#: theta x population is below this, the normal approximation elsewhere
#: (Spiegelhalter 2005a: the approximation is good for large expected counts).
EXACT_BELOW = 100.0


def level_percent(level: float) -> str:
    """Return a control level as a percentage for labels: 0.998 -> ``"99.8"``."""
    return f"{round(level * 100, 6):g}"


def level_name(level: float) -> str:
    """Return a control level as a column suffix: 0.998 -> ``"998"``."""
    return level_percent(level).replace(".", "")


def normal_quantile(level: float) -> float:
    """Return the two-sided standard normal quantile: 0.95 -> 1.959964."""
    return float(stats.norm.ppf(0.5 + level / 2))


def normal_limits(
    theta: float, populations: np.ndarray, level: float, variance_extra: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Normal-approximation limits ``theta ± z_p sqrt(theta/n + variance_extra)``.

    ``variance_extra`` is the additive between-unit variance tau² (rate units²).
    Multiplicative overdispersion is applied by the caller (it scales the whole
    variance). Lower limits are not truncated here.
    """
    n = np.asarray(populations, dtype=float)
    half = normal_quantile(level) * np.sqrt(theta / n + variance_extra)
    return theta - half, theta + half


def _interpolated_quantile(p: float, mu: np.ndarray) -> np.ndarray:
    """Spiegelhalter's (2005a) interpolated Poisson quantile, in counts.

    ``r`` is the smallest count with ``F(r) >= p``; the limit is ``r - alpha`` with
    ``alpha = (F(r) - p) / (F(r) - F(r - 1))``, so it moves smoothly with ``mu``
    instead of in whole-count steps.
    """
    r = stats.poisson.ppf(p, mu)
    f_r = stats.poisson.cdf(r, mu)
    f_below = stats.poisson.cdf(r - 1, mu)
    alpha = (f_r - p) / (f_r - f_below)
    return r - alpha


def exact_poisson_limits(
    theta: float, populations: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Exact interpolated Poisson limits on the rate scale (events per resident).

    The expected count is ``mu = theta * n``; the limits are the interpolated
    ``(1 - level)/2`` and ``(1 + level)/2`` quantiles divided by ``n``. A lower
    limit below zero (possible when ``r = 0``) is set to zero: no rate is lower.
    """
    n = np.asarray(populations, dtype=float)
    mu = theta * n
    tail = (1 - level) / 2
    low = np.maximum(_interpolated_quantile(tail, mu), 0.0) / n
    high = _interpolated_quantile(1 - tail, mu) / n
    return low, high


def winsorise_z(z: np.ndarray, winsorise: float) -> np.ndarray:
    """Pull z-scores in to their ``winsorise`` and ``1 - winsorise`` quantiles.

    The quantiles are numpy's default (linear interpolation), which is R's default
    ``quantile`` (type 7), as FunnelPlotR uses. ``winsorise=0`` returns a copy.
    """
    z = np.asarray(z, dtype=float)
    if winsorise == 0 or len(z) == 0:
        return z.copy()
    low, high = np.quantile(z, [winsorise, 1 - winsorise])
    return np.clip(z, low, high)


def dispersion_phi(z: np.ndarray) -> float:
    """Return the overdispersion factor ``phi = (1/I) sum z_i²``."""
    z = np.asarray(z, dtype=float)
    return float(np.mean(z**2))


def tau2_dersimonian_laird(phi: float, within_variance: np.ndarray) -> float:
    """Return the additive between-unit variance tau² (Spiegelhalter 2005b).

    ``tau² = (I phi - (I - 1)) / (sum w - sum w² / sum w)`` with weights
    ``w_i = 1 / s_i²`` (``s_i²`` each unit's within-unit variance, rate units²),
    and 0 when ``I phi <= I - 1``: the DerSimonian-Laird moment estimator with
    ``I phi`` (the winsorised sum of squared z-scores) as Cochran's Q.
    """
    w = 1.0 / np.asarray(within_variance, dtype=float)
    units = len(w)
    q = units * phi
    if units < 2 or q <= units - 1:
        return 0.0
    denominator = w.sum() - (w**2).sum() / w.sum()
    return float(max(0.0, (q - (units - 1)) / denominator))


def dispersion_test_p(phi: float, units: int) -> float:
    """Upper-tail p of ``I phi`` against chi-squared on ``I - 1`` degrees of freedom."""
    if units < 2:
        return math.nan
    return float(stats.chi2.sf(units * phi, units - 1))


def check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    """Return control levels sorted ascending, or raise ``ValueError``."""
    try:
        values = tuple(sorted(float(level) for level in levels))
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"levels must be a sequence of numbers between 0 and 1, e.g. "
            f"(0.95, 0.998); got {levels!r}"
        ) from err
    if not values or any(not 0 < v < 1 for v in values):
        raise ValueError(
            f"levels must be one or more numbers between 0 and 1 (exclusive), e.g. "
            f"(0.95, 0.998); got {levels!r}"
        )
    if len({level_name(v) for v in values}) != len(values):
        raise ValueError(f"levels must differ from each other; got {levels!r}")
    return values
