"""Interrupted time series: segmented regression of a monthly count series."""

from __future__ import annotations

import logging
import math
import warnings
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.stats.stattools import durbin_watson

from hotspots.evaluation._did import _nb_alpha, _z
from hotspots.evaluation._effect import Effect
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
)
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
        If the months have gaps or repeats, counts are negative or missing,
        there are fewer than 3 months before or 2 after ``start``, or an option
        is unknown.

    Notes
    -----
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
    z = _z(ci_level)
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
    with warnings.catch_warnings():
        # noise-free or tiny series fit exactly; statsmodels then warns about
        # perfect separation or a zero residual variance
        warnings.filterwarnings("ignore", message=".*[Pp]erfect separation.*")
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        fit, label, alpha = fit_model(y, x, family, cov_type)
    fitted = np.asarray(fit.predict(x))
    counterfactual = np.asarray(fit.predict(x.assign(post=0.0, tsince=0.0)))
    resid = y - fitted if family == "ols" else np.asarray(fit.resid_pearson)
    dw = float(durbin_watson(resid))
    lag = max(1, min(12, len(y) // 4))
    ljung = acorr_ljungbox(resid, lags=[lag])
    lb_p = float(ljung["lb_pvalue"].iloc[0])

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
        over = _nb_alpha(y, mu)
        if over > 0.05:
            caveats.append(
                f"counts are overdispersed (alpha={over:.2g}): Poisson model SEs are "
                "too small; use family='negative_binomial' or cov_type='HAC'"
            )
    caveat_tuple = tuple(caveats)
    post_mask = x["post"].to_numpy() > 0
    post_ratio = float(fitted[post_mask].sum() / counterfactual[post_mask].sum())
    se_label = (
        f"Newey-West (HAC, {HAC_LAGS} lags) SE" if cov_type == "HAC" else "model SE"
    )
    method = (
        f"ITS segmented regression, {label}, seasonality {season_label}, {se_label}"
    )
    common = {
        "durbin_watson": dw,
        "ljung_box_p": lb_p,
        "n_pre": float(n_pre),
        "n_post": float(n_post),
        "post_period_ratio": post_ratio,
    }
    if alpha is not None:
        common["alpha"] = alpha

    def effect(term: str, measure: str, wording) -> Effect:
        beta, se = float(fit.params[term]), float(fit.bse[term])
        low, high = beta - z * se, beta + z * se
        if family != "ols":
            estimate, low, high = math.exp(beta), math.exp(low), math.exp(high)
        else:
            estimate = beta
        return Effect(
            measure=measure,
            estimate=estimate,
            ci_low=low,
            ci_high=high,
            ci_level=ci_level,
            p_value=float(fit.pvalues[term]),
            method=method,
            n_treated=n_units,
            n_comparison=0,
            caveats=caveat_tuple,
            interpretation=wording(estimate),
            details={"beta": beta, "se": se, **common},
            model=fit,
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


def plot_its(
    result: InterruptedTimeSeries,
    ax=None,
    *,
    title: str = "Interrupted time series",
):
    """Plot observed counts, the fitted model and the counterfactual.

    Parameters
    ----------
    result : InterruptedTimeSeries
        The output of :func:`its`.
    ax : matplotlib Axes, optional
        Axes to draw on; None = a new figure.
    title : str, default "Interrupted time series"
        Plot title. Label plots of demo data "SYNTHETIC DATA".

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    TypeError
        If ``result`` is not an :class:`InterruptedTimeSeries`.
    ImportError
        If matplotlib is not installed (the message gives the install command).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hotspots.evaluation import its, plot_its
    >>> months = pd.period_range("2022-01", periods=36, freq="M").astype(str)
    >>> counts = pd.Series(np.r_[np.full(24, 30.0), np.full(12, 24.0)], index=months)
    >>> ax = plot_its(its(counts, start="2024-01"), title="SYNTHETIC DATA: ITS")
    >>> ax.get_title()
    'SYNTHETIC DATA: ITS'
    """
    if not isinstance(result, InterruptedTimeSeries):
        raise TypeError(
            "result must be the InterruptedTimeSeries returned by its(); got "
            f"{type(result).__name__}"
        )
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - matplotlib is a dependency
        raise ImportError("plot_its needs matplotlib: pip install matplotlib") from err
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    data = result.series
    post = data["post"] == 1
    ax.plot(data["month"], data["observed"], "o", color="0.3", ms=4, label="observed")
    ax.plot(
        data.loc[~post, "month"],
        data.loc[~post, "fitted"],
        "-",
        color="C0",
        label="fitted",
    )
    ax.plot(data.loc[post, "month"], data.loc[post, "fitted"], "-", color="C0")
    ax.plot(
        data.loc[post, "month"],
        data.loc[post, "counterfactual"],
        "--",
        color="C1",
        label="projected from the pre-period alone (no comparison group)",
    )
    ax.axvline(result.start, color="0.5", lw=1, ls=":")
    ax.set_title(title)
    ax.set_xlabel("month")
    ax.set_ylabel("crimes per month")
    ax.legend(loc="best", fontsize="small")
    return ax
