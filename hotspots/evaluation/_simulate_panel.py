"""Simulated panels of monthly place counts with a known patrol effect."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hotspots._validate import as_rng

__all__ = [
    "ALPHA",
    "AR_COEFFICIENT",
    "DEFAULT_N_PLACES",
    "FIRST_MONTH",
    "RATE_MEDIAN",
    "RATE_SIGMA",
    "SEASONAL_AMPLITUDE",
    "SELECTION_MONTHS",
    "SHOCK_SD",
    "STUDY_COLUMNS",
    "check_design",
    "draw_panel",
    "panel_frame",
    "simulate_panel",
]

#: Places in each simulated study area (treated places, pool and the rest).
DEFAULT_N_PLACES = 1000
#: Median long-run crimes per place per month (street-level serious violence).
RATE_MEDIAN = 0.25
#: Standard deviation of the log long-run rate (lognormal: heavy right tail).
RATE_SIGMA = 1.0
#: Month-to-month autocorrelation of the place-level log-intensity shocks.
AR_COEFFICIENT = 0.6
#: Stationary standard deviation of the log-intensity shocks.
SHOCK_SD = 0.4
#: Amplitude of the common seasonal cycle on the log scale (peak in month 6).
SEASONAL_AMPLITUDE = 0.15
#: Months before the start on which the treated places are chosen (Grip's rule).
SELECTION_MONTHS = 12
#: Two-sided test level used for the rejection rates.
ALPHA = 0.05
#: First month of every simulated panel (any month would do).
FIRST_MONTH = "2021-01-01"

STUDY_COLUMNS = (
    "study",
    "effect",
    "family",
    "extra_pre_months",
    "estimate",
    "log_irr",
    "se",
    "ci_low",
    "ci_high",
    "covered",
    "p_value",
    "rejected",
    "randomisation_p",
    "randomisation_rejected",
    "naive_ratio",
    "pre_rate_ratio",
    "std_diff_level",
    "std_diff_trend",
    "selection_excess_treated",
    "selection_excess_comparison",
    "n_comparison",
    "error",
)


def draw_panel(
    generator: np.random.Generator,
    *,
    n_places: int,
    months: int,
    treatment_month: int,
    n_treated: int,
    effect: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return counts (places x months), the treated index and long-run means."""
    log_rate = math.log(RATE_MEDIAN) + RATE_SIGMA * generator.standard_normal(n_places)
    innovation_sd = SHOCK_SD * math.sqrt(1 - AR_COEFFICIENT**2)
    noise = generator.standard_normal((n_places, months))
    shocks = np.empty((n_places, months))
    shocks[:, 0] = SHOCK_SD * noise[:, 0]
    for t in range(1, months):
        shocks[:, t] = AR_COEFFICIENT * shocks[:, t - 1] + innovation_sd * noise[:, t]
    season = SEASONAL_AMPLITUDE * np.cos(2 * np.pi * (np.arange(months) - 6) / 12)
    long_run = np.exp(log_rate[:, None] + season[None, :])
    counts = generator.poisson(long_run * np.exp(shocks - SHOCK_SD**2 / 2))
    selection = counts[:, treatment_month - SELECTION_MONTHS : treatment_month].sum(1)
    order = np.lexsort((generator.random(n_places), -selection))  # ties at random
    treated = np.sort(order[:n_treated])
    # the effect thins treated post-period counts: Poisson(mu) thinned with
    # probability (1 - effect) is Poisson((1 - effect) * mu)
    post = counts[treated, treatment_month:]
    counts[treated, treatment_month:] = generator.binomial(post, 1 - effect)
    return counts, treated, long_run


def panel_frame(counts: np.ndarray, treated: np.ndarray) -> pd.DataFrame:
    n_places, months = counts.shape
    is_treated = np.zeros(n_places, dtype=bool)
    is_treated[treated] = True
    return pd.DataFrame(
        {
            "place_id": np.repeat([f"P{i:04d}" for i in range(n_places)], months),
            "month": np.tile(
                pd.date_range(FIRST_MONTH, periods=months, freq="MS"), n_places
            ),
            "count": counts.ravel().astype(np.int64),
            "treated": np.repeat(is_treated, months),
        }
    )


def check_design(
    n_places: int, n_treated: int, months: int, treatment_month: int, effect: float
) -> None:
    if not 0 <= effect < 1:
        raise ValueError(f"effect must be in [0, 1) (a reduction); got {effect!r}")
    if not SELECTION_MONTHS <= treatment_month < months:
        raise ValueError(
            f"treatment_month must be in [{SELECTION_MONTHS}, months); got "
            f"{treatment_month!r} with months={months!r}"
        )
    if not 1 <= n_treated < n_places:
        raise ValueError(
            f"n_treated must be in [1, n_places); got {n_treated!r} with "
            f"n_places={n_places!r}"
        )


def simulate_panel(
    *,
    effect: float = 0.20,
    n_places: int = DEFAULT_N_PLACES,
    n_treated: int = 18,
    months: int = 36,
    treatment_month: int = 24,
    rng: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Simulate one place x month panel with treated places chosen on a busy year.

    Parameters
    ----------
    effect : float, default 0.20
        True proportional reduction in treated places from ``treatment_month``
        (0.20 = 20% fewer crimes; incidence rate ratio ``1 - effect``).
    n_places : int, default 1000
        Places in the area.
    n_treated : int, default 18
        Treated places: the busiest in the ``SELECTION_MONTHS`` (12) months
        before ``treatment_month``, ties broken at random.
    months : int, default 36
        Length of the panel, months.
    treatment_month : int, default 24
        Index (from 0) of the first treated month.
    rng : int, Generator or None
        Seed.

    Returns
    -------
    DataFrame
        One row per place and month: ``place_id``, ``month``, ``count``,
        ``treated`` (bool), ``expected`` (the long-run mean without shocks or
        effect). Months start in January 2021. SYNTHETIC data.

    Notes
    -----
    Place ``i`` has a lognormal long-run rate (median ``RATE_MEDIAN``, log-SD
    ``RATE_SIGMA``), a common seasonal cycle and an AR(1) shock on the log
    scale (coefficient ``AR_COEFFICIENT``, stationary SD ``SHOCK_SD``, mean
    corrected so the long-run rate is kept). Counts are Poisson given the
    intensity, so they are overdispersed, and places chosen on a busy year
    fall back afterwards (regression to the mean).

    Examples
    --------
    >>> from hotspots.evaluation._simulate import simulate_panel
    >>> data = simulate_panel(n_places=50, n_treated=3, rng=1)
    >>> data.groupby("treated")["place_id"].nunique().tolist()
    [47, 3]
    """
    check_design(n_places, n_treated, months, treatment_month, effect)
    counts, treated, long_run = draw_panel(
        as_rng(rng),
        n_places=n_places,
        months=months,
        treatment_month=treatment_month,
        n_treated=n_treated,
        effect=effect,
    )
    return panel_frame(counts, treated).assign(expected=long_run.ravel())
