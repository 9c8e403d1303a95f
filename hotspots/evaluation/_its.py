"""Interrupted time series: segmented regression of a monthly count series."""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.stats.stattools import durbin_watson

from hotspots.evaluation._degenerate import (
    NOT_ESTIMABLE,
    fit_problem,
    recorded_warnings,
)
from hotspots.evaluation._effect import Effect
from hotspots.evaluation._glm import nb_alpha, normal_quantile
from hotspots.evaluation._its_model import (
    AUTOCORRELATION_ALPHA,
    COV_TYPES,
    FAMILIES,
    FEWEST_POST,
    FEWEST_PRE,
    HAC_LAGS,
    MIN_POST_MONTHS,
    MIN_PRE_MONTHS,
    InterruptedTimeSeries,
    as_series,
    design_matrix,
    fit_model,
    no_estimate,
    series_problem,
    term_effect,
)
from hotspots.evaluation._its_plot import plot_its
from hotspots.evaluation._panel import to_month

__all__ = ["InterruptedTimeSeries", "its", "plot_its"]

logger = logging.getLogger(__name__)


def its(
    series: pd.Series,
    *,
    start,
    seasonality: bool | Literal["fourier", "dummies", "none"] = True,
    family: Literal["negative_binomial", "poisson", "ols"] = "negative_binomial",
    cov_type: Literal["HAC", "nonrobust"] = "HAC",
    ci_level: float = 0.95,
    n_units: int | None = None,
) -> InterruptedTimeSeries:
    """Interrupted time series: level and slope change of a monthly count series.

    Parameters
    ----------
    series : Series
        Crimes per month (one area, or the treated places summed), indexed by
        month (dates or ``"YYYY-MM"`` strings), every month present, counts >= 0.
    start : date or "YYYY-MM"
        First month of the intervention (post period).
    seasonality : {True, False, "fourier", "dummies", "none"}, default True
        Month-of-year terms. True / ``"fourier"``: one pair of Fourier terms
        ``sin(2 pi m/12), cos(2 pi m/12)`` of the calendar month ``m`` (2 df, a
        smooth annual cycle; the default in :doc:`/docs/methods/its` for short series).
        ``"dummies"``: 11 month-of-year indicators (January = reference; any shape, 11
        df). False / ``"none"``: no seasonal terms.
    family : {"negative_binomial", "poisson", "ols"}, default "negative_binomial"
        ``"negative_binomial"``: log-link GLM with the NB2 alpha estimated by
        moments from the Poisson fit (``details["alpha"]``); ``"poisson"``:
        Poisson GLM; ``"ols"``: linear model on the counts (effects in crimes
        per month, not ratios).
    cov_type : {"HAC", "nonrobust"}, default "HAC"
        ``"HAC"``: Newey-West standard errors with 3 lags, robust to residual
        autocorrelation; ``"nonrobust"``: model-based standard errors.
    ci_level : float, default 0.95
        Coverage of the confidence intervals.
    n_units : int, optional
        Number of places summed into ``series`` (recorded as ``n_treated``).

    Returns
    -------
    InterruptedTimeSeries
        ``level`` and ``slope`` (:class:`Effect`), ``series`` (observed, fitted
        and counterfactual per month), ``start``, ``seasonality``, ``caveats``
        and ``model``. Each effect's ``details`` hold ``beta``, ``se``,
        ``durbin_watson``, ``ljung_box_p``, ``n_pre``, ``n_post``,
        ``post_period_ratio`` (fitted / counterfactual crimes summed over the
        post months: the level and slope changes together)
        and, for the negative binomial, ``alpha``.

    Raises
    ------
    TypeError
        If ``series`` is not a pandas Series.
    ValueError
        If the series is empty, the months have gaps or repeats, counts are
        negative or missing, there are fewer than 3 months before or 2 after
        ``start`` (a single month is refused), the months cannot fit the model's
        parameters, or an option is unknown.

    Warns
    -----
    HotspotsWarning
        When the data cannot identify the effect (the result is NaN): the
        reason, the same words as the first caveat.

    Notes
    -----
    **Degenerate inputs** give Effects with NaN estimates and intervals and a
    caveat starting "not estimable" (never a confident absurd ratio): for the
    count models, a series with no crimes in every month before the start, or
    from it on (complete separation: the level ratio is infinite or 0), or a fit
    that runs off to zero (quasi-separation, e.g. crimes in only the first post
    month, which sends the slope change to 0) or does not converge. When no
    standard error can be computed (an exact fit, e.g. a constant series, where
    HAC and OLS SEs are zero) the estimate stays and the interval and p-value are
    NaN and None, with a caveat. Then ``series`` has NaN ``fitted`` and
    ``counterfactual`` where nothing was fitted.

    Segmented regression (Wagner et al. 2002; Bernal, Cummins & Gasparrini
    2017; :doc:`/docs/methods/its`), months ``t = 1..T``, first post month ``t0``::

        g(E[y_t]) = b0 + b1 t + b2 post_t + b3 (t - t0 + 1) post_t + seasonality

    with ``g = log`` for the count families (``exp(b2)`` = level rate ratio,
    ``exp(b3)`` = multiplicative change of the monthly trend) and the identity
    for OLS. **Why a count GLM:** police.uk monthly counts at hotspots are small and
    overdispersed; the log link makes the level change a rate ratio directly comparable
    with the DiD incidence rate ratio (:func:`did`), and the negative binomial absorbs
    the extra-Poisson variance. **Why HAC SEs:** monthly crime series are
    autocorrelated, which makes model-based SEs too small; Newey-West SEs with 3 lags
    (:doc:`/docs/methods/its`) keep the point estimates and widen the intervals.
    Durbin-Watson and a Ljung-Box test (lag ``min(12, T // 4)``) on the Pearson
    residuals are reported; autocorrelation left after the seasonal terms adds a caveat.

    A single series has no comparison group: regression to the mean (places
    chosen because they were high just before ``start``) and concurrent events
    bias the level change, a caveat says so (Maryland SMS level 2). Use
    :func:`did` with matched comparison places for the effect estimate.

    References
    ----------
    Wagner, A. K., Soumerai, S. B., Zhang, F., & Ross-Degnan, D. (2002).
    Segmented regression analysis of interrupted time series studies in
    medication use research. *J. Clin. Pharm. Ther.*, 27(4), 299-309.

    Bernal, J. L., Cummins, S., & Gasparrini, A. (2017). Interrupted time
    series regression for the evaluation of public health interventions: a
    tutorial. *Int. J. Epidemiol.*, 46(1), 348-355.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hotspots.evaluation import its
    >>> months = pd.period_range("2022-01", periods=36, freq="M").astype(str)
    >>> t = np.arange(1, 37)
    >>> mu = np.exp(np.log(40) + 0.01 * t - 0.2 * (t >= 25))
    >>> result = its(pd.Series(mu, index=months), start="2024-01", family="poisson")
    >>> round(result.level.estimate, 6)
    0.818731
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {list(FAMILIES)}; got {family!r}")
    if cov_type not in COV_TYPES:
        raise ValueError(f"cov_type must be one of {list(COV_TYPES)}; got {cov_type!r}")
    z = normal_quantile(ci_level)
    values = as_series(series)
    if family != "ols" and (values < 0).any():
        raise ValueError(
            "series has negative values; count models need counts >= 0 (or use "
            "family='ols')."
        )
    begin = to_month(start, "start")
    x, season_label = design_matrix(values, begin, seasonality)
    n_post = int(x["post"].sum())
    n_pre = len(values) - n_post
    if n_pre < FEWEST_PRE or n_post < FEWEST_POST:
        raise ValueError(
            f"need >= {FEWEST_PRE} months before start and >= {FEWEST_POST} from "
            f"it; found {n_pre} before and {n_post} from start={begin:%Y-%m} "
            f"(series {values.index[0]:%Y-%m} to {values.index[-1]:%Y-%m})."
        )
    if len(values) <= x.shape[1]:
        raise ValueError(
            f"{len(values)} months cannot fit {x.shape[1]} parameters; use a longer "
            "series or seasonality='fourier' / False."
        )
    y = values.to_numpy(float)
    post_mask = x["post"].to_numpy() > 0
    se_label = (
        f"Newey-West (HAC, {HAC_LAGS} lags) SE" if cov_type == "HAC" else "model SE"
    )
    caveats = [
        "single series without a comparison group: regression to the mean and "
        "concurrent events are not controlled (Maryland SMS level 2); compare with "
        "did()"
    ]
    if n_pre < MIN_PRE_MONTHS:
        caveats.append(
            f"short series: only {n_pre} pre-intervention months "
            f"(< {MIN_PRE_MONTHS} recommended)"
        )
    if n_post < MIN_POST_MONTHS:
        caveats.append(
            f"few post months: only {n_post} (< {MIN_POST_MONTHS}); the slope change "
            "is poorly determined"
        )

    def nothing(reason: str, label: str) -> InterruptedTimeSeries:
        return no_estimate(
            values,
            post_mask,
            start=begin,
            seasonality=season_label,
            method=f"ITS segmented regression, {label}, seasonality {season_label}, "
            f"{se_label}",
            caveats=(reason, *caveats),
            ci_level=ci_level,
            n_units=n_units,
            ratio=family != "ols",
        )

    names = {
        "negative_binomial": "negative binomial GLM",
        "poisson": "Poisson GLM",
        "ols": "OLS",
    }
    if reason := series_problem(y, post_mask, family):
        return nothing(reason, names[family])
    with recorded_warnings():
        # noise-free or tiny series fit exactly; statsmodels then warns about
        # perfect separation or a zero residual variance
        fit, label, alpha = fit_model(y, x, family, cov_type)
    if family != "ols" and (problem := fit_problem(fit)):
        return nothing(
            f"{NOT_ESTIMABLE}: {problem}, so the level and slope changes have no "
            "finite estimate. Plot the series; sum more places or months into it",
            label,
        )
    fitted = np.asarray(fit.predict(x))
    counterfactual = np.asarray(fit.predict(x.assign(post=0.0, tsince=0.0)))
    resid = y - fitted if family == "ols" else np.asarray(fit.resid_pearson)
    lag = max(1, min(12, len(y) // 4))
    dw = lb_p = float("nan")
    if np.ptp(resid) > 1e-8 * max(1.0, float(np.abs(y).max())):
        # an exact fit leaves no residuals to test (both statistics are 0/0)
        with recorded_warnings():
            dw = float(durbin_watson(resid))
            lb_p = float(acorr_ljungbox(resid, lags=[lag])["lb_pvalue"].iloc[0])

    if lb_p < AUTOCORRELATION_ALPHA:
        fix = (
            "HAC (Newey-West) SEs allow for it"
            if cov_type == "HAC"
            else "model SEs are too small; use cov_type='HAC'"
        )
        caveats.append(
            f"residual autocorrelation (Ljung-Box lag {lag} p={lb_p:.2g}, "
            f"Durbin-Watson {dw:.2f}): {fix}"
        )
    if family == "poisson" and cov_type == "nonrobust" and alpha is None:
        mu = np.maximum(fitted, 1e-12)
        over = nb_alpha(y, mu)
        if over > 0.05:
            caveats.append(
                f"counts are overdispersed (alpha={over:.2g}): Poisson model SEs are "
                "too small; use family='negative_binomial' or cov_type='HAC'"
            )
    caveat_tuple = tuple(caveats)
    expected = float(counterfactual[post_mask].sum())
    post_ratio = float(fitted[post_mask].sum()) / expected if expected > 0 else np.nan
    method = (
        f"ITS segmented regression, {label}, seasonality {season_label}, {se_label}"
    )
    details = {
        "durbin_watson": dw,
        "ljung_box_p": lb_p,
        "n_pre": float(n_pre),
        "n_post": float(n_post),
        "post_period_ratio": post_ratio,
    }
    if alpha is not None:
        details["alpha"] = alpha
    common = {
        "method": method,
        "ci_level": ci_level,
        "n_treated": n_units,
        "caveats": caveat_tuple,
        "details": details,
    }

    def effect(term: str, measure: str, wording) -> Effect:
        return term_effect(
            fit, term, measure, wording, ratio=family != "ols", z=z, common=common
        )

    if family == "ols":
        level = effect(
            "post",
            "level change (crimes per month)",
            lambda e: (
                f"{abs(e):.1f} {'fewer' if e < 0 else 'more'} crimes a month "
                "at the start than the pre-period trend predicts"
            ),
        )
        slope = effect(
            "tsince",
            "slope change (crimes per month per month)",
            lambda e: (
                f"trend {'falls' if e < 0 else 'rises'} by {abs(e):.2f} crimes "
                "a month each month after the start"
            ),
        )
    else:
        level = effect(
            "post",
            "level change (rate ratio)",
            lambda e: (
                f"{abs(e - 1) * 100:.1f}% {'fewer' if e < 1 else 'more'} crimes "
                "at the start than the pre-period trend predicts"
            ),
        )
        slope = effect(
            "tsince",
            "slope change (rate ratio per month)",
            lambda e: (
                f"trend {'falls' if e < 1 else 'rises'} by "
                f"{abs(e - 1) * 100:.2f}% a month relative to the pre-period trend"
            ),
        )
    frame = pd.DataFrame(
        {
            "month": values.index,
            "observed": y,
            "fitted": fitted,
            "counterfactual": counterfactual,
            "post": x["post"].to_numpy(int),
        }
    )
    logger.info(
        "ITS: %d months (%d before, %d from %s), %s, seasonality %s.",
        len(y),
        n_pre,
        n_post,
        f"{begin:%Y-%m}",
        label,
        season_label,
    )
    return InterruptedTimeSeries(
        level=level,
        slope=slope,
        series=frame,
        start=begin,
        seasonality=season_label,
        caveats=caveat_tuple,
        model=fit,
    )
