"""Pieces shared by the count models of :func:`did` and :func:`its`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats
from threadpoolctl import threadpool_limits  # installed with scikit-learn

__all__ = ["fit_glm", "informative_rows", "nb_alpha", "normal_quantile"]

#: Floor of the NB2 moment estimate of alpha (a Poisson-like series).
_MIN_ALPHA = 1e-8


def normal_quantile(ci_level: float) -> float:
    """Return the two-sided normal quantile of ``ci_level`` (1.959964 for 0.95)."""
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be in (0, 1); got {ci_level!r}")
    return float(stats.norm.ppf(0.5 + ci_level / 2))


def nb_alpha(y: np.ndarray, mu: np.ndarray) -> float:
    """Moment estimate of the NB2 alpha from a Poisson fit (Cameron & Trivedi).

    Only observations with a positive fitted mean enter (a zero mean carries no
    dispersion information and would divide by zero); the estimate is floored at
    1e-8, also when nothing is left to estimate it from.
    """
    y, mu = np.asarray(y, dtype=float), np.asarray(mu, dtype=float)
    ok = np.isfinite(mu) & (mu > 0)
    denominator = float(np.sum(mu[ok] ** 2))
    if denominator <= 0:
        return _MIN_ALPHA
    aux = ((y[ok] - mu[ok]) ** 2 - y[ok]) / mu[ok]
    value = float(np.sum(aux * mu[ok]) / denominator)
    return max(value, _MIN_ALPHA) if np.isfinite(value) else _MIN_ALPHA


def fit_glm(data: pd.DataFrame, formula: str, family, cov_type: str, groups):
    """Fit the GLM on one BLAS thread.

    The fixed-effects design is a few thousand rows by a few hundred dummy
    columns: multi-threaded BLAS gains nothing there and, on a busy machine,
    made each fit 15 times slower (15 s against 1 s per ``did`` call, measured
    on the simulated 1,000-place panel with a second process running).

    Cluster-robust SEs need more rows than parameters (statsmodels divides by the
    residual degrees of freedom); without them the model SEs are used and the
    result's ``cov_type`` says so, for the caller to report.
    """
    model = smf.glm(formula, data=data, family=family)
    with threadpool_limits(limits=1):
        if cov_type == "cluster" and model.df_resid > 0:
            return model.fit(cov_type="cluster", cov_kwds={"groups": groups})
        return model.fit()


def informative_rows(
    data: pd.DataFrame, place: str = "_place"
) -> tuple[pd.DataFrame, int, int]:
    """Drop places and months with no crimes at all; return (rows, places, months).

    In a count model with place and month effects such a place or month has its
    effect at minus infinity and tells nothing about the others: leaving it out
    gives the same estimate without a fit that runs off to infinity.
    """
    place_total = data.groupby(place)["count"].transform("sum")
    month_total = data.groupby("month")["count"].transform("sum")
    keep = (place_total > 0) & (month_total > 0)
    places = int(data.loc[place_total <= 0, place].nunique())
    months = int(data.loc[month_total <= 0, "month"].nunique())
    return data.loc[keep].copy(), places, months
