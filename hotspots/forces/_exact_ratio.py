"""The exact (conditional binomial) ratio of two Poisson rates, its interval and p."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["exact_ratio_interval", "exact_ratio_p"]


def exact_ratio_interval(
    count_after: np.ndarray,
    count_before: np.ndarray,
    *,
    exposure_ratio: float = 1.0,
    ci_level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the ratio of two Poisson rates with its exact (conditional) interval.

    Given ``a`` events after and ``b`` before, conditional on ``a + b``, ``a`` is
    binomial with ``p = R e / (R e + 1)``, where ``R`` is the rate ratio and ``e``
    the exposure after over before. The Clopper-Pearson interval for ``p``
    is turned into one for ``R = p / (1 - p) / e``.
    """
    a = np.asarray(count_after, dtype=float)
    b = np.asarray(count_before, dtype=float)
    n = a + b
    alpha = 1 - ci_level
    with np.errstate(divide="ignore", invalid="ignore"):
        p_low = np.where(a > 0, stats.beta.ppf(alpha / 2, a, b + 1), 0.0)
        p_high = np.where(b > 0, stats.beta.ppf(1 - alpha / 2, a + 1, b), 1.0)
        ratio = a / b / exposure_ratio
        low = p_low / (1 - p_low) / exposure_ratio
        high = np.where(p_high < 1, p_high / (1 - p_high), np.inf) / exposure_ratio
    bad = (n <= 0) | (a < 0) | (b < 0)
    return (
        np.where(bad, np.nan, ratio),
        np.where(bad, np.nan, low),
        np.where(bad, np.nan, high),
    )


def exact_ratio_p(a: int, b: int, *, exposure_ratio: float = 1.0) -> float:
    """Return the exact (conditional binomial) two-sided p-value of rate ratio 1.

    ``a`` events after (exposure ``exposure_ratio``) and ``b`` before
    (exposure 1), as :func:`exact_ratio_interval`; nan without events or with a
    negative count.
    """
    if a < 0 or b < 0 or a + b <= 0:
        return np.nan
    share = exposure_ratio / (1 + exposure_ratio)
    return float(stats.binomtest(int(a), int(a + b), share).pvalue)
