"""Inverse-variance pooling: fixed effect, DerSimonian-Laird and Paule-Mandel.

Used by :func:`hotspots.evidence.meta_analysis`; the formulas are in
docs/methods/evidence.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

__all__ = ["METHODS", "Pooled", "pool"]

#: Estimators of the between-study variance tau².
METHODS = {"DL": "DerSimonian-Laird", "PM": "Paule-Mandel"}


@dataclass(frozen=True)
class Pooled:
    """The numbers of one pooling (log RES scale)."""

    k: int
    mu: float
    se: float
    mu_fixed: float
    se_fixed: float
    q: float
    q_df: int
    q_p: float
    tau2: float
    i2: float
    h2: float
    pi_low: float
    pi_high: float
    weights_fixed: np.ndarray
    weights_random: np.ndarray


def _q(y: np.ndarray, w: np.ndarray) -> float:
    mean = float(np.sum(w * y) / np.sum(w))
    return float(np.sum(w * (y - mean) ** 2))


def _tau2_dl(y: np.ndarray, v: np.ndarray) -> float:
    w = 1 / v
    c = w.sum() - (w**2).sum() / w.sum()
    if c <= 0:  # one study
        return 0.0
    return max(0.0, (_q(y, w) - (len(y) - 1)) / c)


def _tau2_pm(y: np.ndarray, v: np.ndarray) -> float:
    df = len(y) - 1

    def excess(tau2: float) -> float:
        return _q(y, 1 / (v + tau2)) - df

    if df < 1 or excess(0.0) <= 0:
        return 0.0
    upper = max(float(np.var(y)), 1e-8)
    while excess(upper) > 0:  # Q(tau2) falls towards 0 as tau2 grows
        upper *= 2
    return float(optimize.brentq(excess, 0.0, upper, xtol=1e-15))


def pool(y, se, *, method: str = "DL", ci_level: float = 0.95) -> Pooled:
    """Pool log effects ``y`` with standard errors ``se`` (arrays of length k >= 1)."""
    y, v = np.asarray(y, float), np.asarray(se, float) ** 2
    k = len(y)
    w = 1 / v
    mu_fixed = float(np.sum(w * y) / w.sum())
    q = _q(y, w)
    df = k - 1
    tau2 = _tau2_dl(y, v) if method == "DL" else _tau2_pm(y, v)
    w_re = 1 / (v + tau2)
    mu = float(np.sum(w_re * y) / w_re.sum())
    se_re = float(math.sqrt(1 / w_re.sum()))
    if df > 0:
        i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
        h2, q_p = q / df, float(stats.chi2.sf(q, df))
    else:
        i2 = h2 = q_p = math.nan
    pi_low = pi_high = math.nan
    if k >= 3:
        t = float(stats.t.ppf(0.5 + ci_level / 2, k - 2))
        half = t * math.sqrt(tau2 + se_re**2)
        pi_low, pi_high = mu - half, mu + half
    return Pooled(
        k=k,
        mu=mu,
        se=se_re,
        mu_fixed=mu_fixed,
        se_fixed=float(math.sqrt(1 / w.sum())),
        q=q,
        q_df=df,
        q_p=q_p,
        tau2=tau2,
        i2=i2,
        h2=h2,
        pi_low=pi_low,
        pi_high=pi_high,
        weights_fixed=100 * w / w.sum(),
        weights_random=100 * w_re / w_re.sum(),
    )
