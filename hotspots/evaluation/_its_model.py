"""Interrupted time series: the result type, the design matrix and the model fit."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from hotspots.evaluation._degenerate import (
    NOT_ESTIMABLE,
    nan_effect,
    ratio_interval,
    recorded_warnings,
)
from hotspots.evaluation._effect import Effect
from hotspots.evaluation._glm import nb_alpha

__all__ = [
    "AUTOCORRELATION_ALPHA",
    "COV_TYPES",
    "DEFAULT_HARMONICS",
    "FAMILIES",
    "FEWEST_POST",
    "FEWEST_PRE",
    "HAC_LAGS",
    "MIN_POST_MONTHS",
    "MIN_PRE_MONTHS",
    "InterruptedTimeSeries",
    "as_series",
    "design_matrix",
    "fit_model",
    "no_estimate",
    "series_problem",
    "term_effect",
]

#: Recommended minimum number of pre-intervention months (:doc:`/docs/methods/its`).
MIN_PRE_MONTHS = 24
#: Fewer post-intervention months than this (one seasonal cycle): caveat.
MIN_POST_MONTHS = 12
#: Newey-West (HAC) lag for monthly data (:doc:`/docs/methods/its`).
HAC_LAGS = 3
#: Ljung-Box significance level that triggers the autocorrelation caveat.
AUTOCORRELATION_ALPHA = 0.05
#: Fourier harmonics used when ``seasonality=True`` (K = 1: 2 df,
#: :doc:`/docs/methods/its`).
DEFAULT_HARMONICS = 1
#: Fewest months either side of the start that still identify level and slope.
FEWEST_PRE, FEWEST_POST = 3, 2

FAMILIES = ("negative_binomial", "poisson", "ols")
COV_TYPES = ("HAC", "nonrobust")


@dataclass(frozen=True)
class InterruptedTimeSeries:
    """Result of :func:`its`: level and slope effects plus the fitted series.

    Attributes
    ----------
    level : Effect
        Immediate level change at ``start``: a rate ratio ``exp(beta2)`` for the
        count models (< 1 = fewer crimes than the pre-period trend predicts),
        or a difference in crimes per month for ``family="ols"``.
    slope : Effect
        Change of the monthly trend after ``start``: a rate ratio per month
        ``exp(beta3)`` for the count models, or crimes per month per month for
        OLS.
    series : DataFrame
        One row per month: ``month``, ``observed``, ``fitted`` (model mean),
        ``counterfactual`` (the model with level and slope changes set to 0)
        and ``post`` (0/1).
    start : Timestamp
        First month of the post period.
    seasonality : str
        The seasonal terms used: ``"fourier (K=1)"``, ``"month dummies"`` or
        ``"none"``.
    caveats : tuple of str
        Caveats shared by both effects (also on each effect).
    model : statsmodels results
        The fitted model (not compared, not in the repr).
    """

    level: Effect
    slope: Effect
    series: pd.DataFrame = field(repr=False, compare=False)
    start: pd.Timestamp
    seasonality: str
    caveats: tuple[str, ...] = ()
    model: Any = field(default=None, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """Return the level and slope effects as two tidy rows."""
        return pd.concat(
            [self.level.to_frame(), self.slope.to_frame()], ignore_index=True
        )

    def __str__(self) -> str:
        return f"Interrupted time series from {self.start:%Y-%m}\n{self.level}\n" + str(
            self.slope
        )


def as_series(series) -> pd.Series:
    """Return ``series`` as floats indexed by consecutive first-of-month dates."""
    if not isinstance(series, pd.Series):
        raise TypeError(
            "series must be a pandas Series of monthly counts indexed by month; got "
            f"{type(series).__name__}. Sum a panel first, e.g. "
            "panel[panel['treated']].groupby('month')['count'].sum()."
        )
    if len(series) == 0:
        raise ValueError("series is empty: give crimes for every month, 0 included.")
    try:
        index = pd.PeriodIndex(pd.to_datetime(series.index.astype(str)), freq="M")
    except (ValueError, TypeError) as err:
        raise ValueError(
            "series must be indexed by month (dates or 'YYYY-MM' strings); could not "
            f"read index values such as {list(series.index[:3])!r}"
        ) from err
    if index.has_duplicates:
        dupes = sorted({str(p) for p in index[index.duplicated()]})[:5]
        raise ValueError(f"series has repeated months {dupes}; sum them first.")
    values = pd.Series(series.to_numpy(float), index=index).sort_index()
    full = pd.period_range(values.index[0], values.index[-1], freq="M")
    missing = full.difference(values.index)
    if len(missing):
        raise ValueError(
            f"series has gaps: months {[str(m) for m in missing[:5]]} are missing. "
            "Give every month, with 0 where there were no crimes."
        )
    if values.isna().any() or not np.isfinite(values.to_numpy()).all():
        raise ValueError("series has missing or infinite values; fill them first.")
    values.index = values.index.to_timestamp()
    return values


def _seasonal_terms(months: pd.DatetimeIndex, seasonality) -> tuple[pd.DataFrame, str]:
    """Month-of-year design columns and a label for the method string."""
    month = np.asarray(months.month)
    if seasonality is False or seasonality == "none":
        return pd.DataFrame(index=months), "none"
    if seasonality is True or seasonality == "fourier":
        k_max = DEFAULT_HARMONICS
        terms = {}
        for k in range(1, k_max + 1):
            terms[f"sin{k}"] = np.sin(2 * np.pi * k * month / 12)
            terms[f"cos{k}"] = np.cos(2 * np.pi * k * month / 12)
        return pd.DataFrame(terms, index=months), f"fourier (K={k_max})"
    if seasonality == "dummies":
        dummies = pd.get_dummies(
            pd.Categorical(month, categories=range(1, 13)), prefix="month"
        ).astype(float)
        dummies = dummies.drop(columns="month_1")  # January is the reference
        dummies = dummies.loc[:, dummies.to_numpy().any(axis=0)]
        dummies.index = months
        return dummies, "month dummies"
    raise ValueError(
        "seasonality must be True (Fourier, K=1), False, 'fourier', 'dummies' or "
        f"'none'; got {seasonality!r}"
    )


def design_matrix(values: pd.Series, start: pd.Timestamp, seasonality) -> tuple:
    months = pd.DatetimeIndex(values.index)
    t = np.arange(1, len(values) + 1, dtype=float)
    post = (months >= start).astype(float)
    t0 = float(np.argmax(post) + 1) if post.any() else math.inf
    tsince = np.where(post > 0, t - t0 + 1, 0.0)
    seasonal, label = _seasonal_terms(months, seasonality)
    design = pd.DataFrame(
        {"const": 1.0, "t": t, "post": post, "tsince": tsince}, index=months
    )
    return pd.concat([design, seasonal], axis=1), label


def fit_model(y, x, family: str, cov_type: str):
    """Fit the segmented regression; return (result, label, alpha or None)."""
    cov = {"cov_type": "HAC", "cov_kwds": {"maxlags": HAC_LAGS}}
    kwargs = cov if cov_type == "HAC" else {}
    if family == "ols":
        return sm.OLS(y, x).fit(**kwargs), "OLS", None
    poisson = sm.GLM(y, x, family=sm.families.Poisson()).fit(**kwargs)
    if family == "poisson":
        return poisson, "Poisson GLM", None
    alpha = nb_alpha(y, np.asarray(poisson.fittedvalues))
    model = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=alpha))
    label = f"negative binomial GLM (alpha={alpha:.3g}, moment estimate)"
    return model.fit(**kwargs), label, alpha


def series_problem(y: np.ndarray, post: np.ndarray, family: str) -> str | None:
    """Words for a count series that cannot identify a change, or None.

    A count model's level change is a ratio: with no crimes in every month before
    the start, or from it on, it is infinite or 0 (complete separation). A series
    with no crimes at all has nothing to estimate for any family.
    """
    before, after = float(y[~post].sum()), float(y[post].sum())
    if (before > 0 and after > 0) or (family == "ols" and (y != 0).any()):
        return None
    if before <= 0 and after <= 0:
        return (
            f"{NOT_ESTIMABLE}: the series has no crimes in any month, so there is "
            "no change to estimate. Sum more places or months into the series"
        )
    side = "before" if before <= 0 else "from"
    return (
        f"{NOT_ESTIMABLE}: the series has no crimes in any month {side} the start, "
        "so a count model's level and slope ratios are 0 or infinite with no "
        "interval (complete separation). Report the counts themselves, or sum more "
        "places or months into the series"
    )


def no_estimate(
    values: pd.Series,
    post: np.ndarray,
    *,
    start: pd.Timestamp,
    seasonality: str,
    method: str,
    caveats: tuple[str, ...],
    ci_level: float,
    n_units: int | None,
    ratio: bool,
) -> InterruptedTimeSeries:
    """Return an ITS result with NaN level and slope, the reason first in caveats."""
    unit = "rate ratio" if ratio else "crimes per month"
    effects = [
        nan_effect(
            measure,
            method=method,
            caveats=caveats,
            ci_level=ci_level,
            n_treated=n_units,
            n_comparison=0,
        )
        for measure in (
            f"level change ({unit})",
            f"slope change ({unit} per month)"
            if ratio
            else "slope change (crimes per month per month)",
        )
    ]
    frame = pd.DataFrame(
        {
            "month": values.index,
            "observed": values.to_numpy(float),
            "fitted": np.nan,
            "counterfactual": np.nan,
            "post": post.astype(int),
        }
    )
    return InterruptedTimeSeries(
        level=effects[0],
        slope=effects[1],
        series=frame,
        start=start,
        seasonality=seasonality,
        caveats=caveats,
    )


def term_effect(
    fit, term: str, measure: str, wording, *, ratio: bool, z: float, common: dict
) -> Effect:
    """Return one ITS term as an Effect; NaN estimate or interval if degenerate.

    ``common`` holds the Effect fields shared by level and slope (``method``,
    ``ci_level``, ``n_treated``, ``caveats``, ``details``).
    """
    with recorded_warnings():
        # a HAC variance of a short series can come out negative: its square
        # root is NaN (numpy warns), read below as "no standard error"
        beta, se = float(fit.params[term]), float(fit.bse[term])
        p_value: float | None = float(fit.pvalues[term])
    estimate, low, high, problem = ratio_interval(beta, se, z, log_scale=ratio)
    details = {"beta": beta, "se": se, **common["details"]}
    shared = {k: v for k, v in common.items() if k != "details"}
    if not math.isfinite(estimate):
        return nan_effect(
            measure,
            **{
                **shared,
                "caveats": (f"{NOT_ESTIMABLE}: {problem}", *shared["caveats"]),
            },
            n_comparison=0,
            details=details,
        )
    caveats = shared.pop("caveats")
    if problem is not None or not math.isfinite(p_value):  # type: ignore[arg-type]
        p_value = None
        caveats = (f"{NOT_ESTIMABLE} interval: {problem or 'no p-value'}", *caveats)
    return Effect(
        measure=measure,
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        n_comparison=0,
        caveats=caveats,
        interpretation=wording(estimate),
        details=details,
        model=fit,
        **shared,
    )
