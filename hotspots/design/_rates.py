"""Base rates and overdispersion of a plan's places from the force's own data."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

__all__ = ["REGRESSION_CAVEAT", "base_rates", "estimate_dispersion"]

logger = logging.getLogger(__name__)

#: Said with every power built on the rates of places chosen for being busy.
REGRESSION_CAVEAT = (
    "Base rates come from the period the places were chosen on, when they were "
    "at their busiest: crime there will tend to fall anyway (regression to the "
    "mean), so the true minimum detectable effect is larger than this."
)

#: Mean days in a month, for rates per day from monthly counts.
DAYS_PER_MONTH = 30.4375


def base_rates(
    places: pd.DataFrame, *, months: int, column: str = "n", per: str = "day"
):
    """Estimate crimes per place per day (or month) from a selection period.

    Parameters
    ----------
    places : DataFrame
        One row per place with crimes counted over the selection period, e.g.
        :func:`hotspots.select_places` (column ``n``).
    months : int
        Length of the selection period in months.
    column : str, default "n"
        The count column.
    per : {"day", "month"}, default "day"

    Returns
    -------
    ndarray of float, shape (n_places,)
        ``count / months`` (per month) or ``count / (months * 30.4375)``.

    Notes
    -----
    Places chosen because they were busy will, on average, be less busy in the
    next period (regression to the mean), so these rates, and the power built on
    them, are optimistic; the pack and the notebook say so.
    """
    if column not in places.columns:
        raise ValueError(f"places have no {column!r} column (crimes per place)")
    if months < 1:
        raise ValueError(f"months must be at least 1; got {months!r}")
    if per not in ("day", "month"):
        raise ValueError(f"per must be 'day' or 'month'; got {per!r}")
    counts = pd.to_numeric(places[column], errors="coerce").to_numpy(dtype=float)
    if np.isnan(counts).any() or (counts < 0).any():
        raise ValueError(f"{column} must hold counts of zero or more")
    divisor = months * (DAYS_PER_MONTH if per == "day" else 1.0)
    return counts / divisor


def estimate_dispersion(monthly_counts) -> float:
    """NB2 overdispersion of places' monthly counts around each place's mean.

    Parameters
    ----------
    monthly_counts : array-like, shape (n_places, n_months)
        Crimes per place and month.

    Returns
    -------
    float
        ``alpha`` in variance = mean + alpha * mean**2, by the moment estimator
        ``sum((y - m)**2 - y) / sum(m**2)`` with ``m`` each place's mean
        (Cameron & Trivedi's auxiliary-regression moment, place means as the
        fit), floored at zero. Trend and seasonality in the months inflate it
        (conservative for power).
    """
    y = np.asarray(monthly_counts, dtype=float)
    if y.ndim != 2 or y.shape[1] < 2:
        raise ValueError(
            "monthly_counts must be places x months with two months or more"
        )
    if np.isnan(y).any() or (y < 0).any():
        raise ValueError("monthly_counts must be counts of zero or more")
    m = np.repeat(y.mean(axis=1, keepdims=True), y.shape[1], axis=1)
    # the mean is estimated from the same months: n/(n-1) removes that bias
    n = y.shape[1]
    numerator = float(np.sum((y - m) ** 2) * n / (n - 1) - np.sum(y))
    denominator = float(np.sum(m**2))
    if denominator <= 0:
        return 0.0
    return max(numerator / denominator, 0.0)
