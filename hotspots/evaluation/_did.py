"""Difference-in-differences: the relative effect size and a place x month count GLM."""

from __future__ import annotations

import logging
import math
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm

from hotspots.evaluation._degenerate import (
    NOT_ESTIMABLE,
    fit_problem,
    nan_effect,
    ratio_interval,
    recorded_warnings,
    zero_cell_caveat,
    zero_cells,
)
from hotspots.evaluation._effect import Effect
from hotspots.evaluation._glm import (
    fit_glm,
    informative_rows,
    nb_alpha,
    normal_quantile,
)
from hotspots.evaluation._panel import check_panel, post_indicator
from hotspots.evaluation._res import relative_effect_size

__all__ = ["did", "relative_effect_size"]

logger = logging.getLogger(__name__)

#: Fewer treated places than this: cluster-robust SEs are unreliable (caveat).
FEW_TREATED = 20
#: Fewer pre-period months than this: pre-trends cannot be judged well (caveat).
MIN_PRE_MONTHS = 12
#: Fewer post-period months than this: short follow-up (caveat).
MIN_POST_MONTHS = 6
#: Pre-trend test significance level that triggers a caveat.
PRE_TREND_ALPHA = 0.05
#: Treated/comparison pre-period rate ratio that flags regression to the mean.
RTM_RATE_RATIO = 2.0
#: The formula of the DiD count model.
_FORMULA = "count ~ C(_place) + C(month) + _treated_post"
#: Keys of the 2 x 2 table of crimes (treated/comparison x before/after).
_TABLE_KEYS = (
    "treated_before",
    "treated_after",
    "comparison_before",
    "comparison_after",
)


def _pre_trend(data: pd.DataFrame, cov_type: str) -> tuple[float, float] | None:
    """Treated x linear-trend coefficient (per year) and p in the pre-period.

    None when the test cannot be run: fewer than 3 pre-period months with crimes,
    no treated or no comparison place with crimes before the start, or a fit that
    fails (separation, no convergence, cluster-robust SEs without residual degrees
    of freedom).
    """
    pre, _, _ = informative_rows(data[data["_post"] == 0])
    if pre["month"].nunique() < 3 or pre["_treated"].nunique() < 2:
        return None
    pre["_trend"] = pre["_t"] / 12.0
    pre["_treated_trend"] = pre["_treated"] * pre["_trend"]
    groups = pd.factorize(pre["_place"])[0]
    with recorded_warnings():
        fit = fit_glm(
            pre,
            "count ~ C(_place) + C(month) + _treated_trend",
            sm.families.Poisson(),
            cov_type,
            groups,
        )
    beta, p = float(fit.params["_treated_trend"]), float(fit.pvalues["_treated_trend"])
    if (
        fit_problem(fit)
        or fit.cov_type != cov_type
        or not (np.isfinite(beta) and np.isfinite(p))
    ):
        return None
    return beta, p


def _table(data: pd.DataFrame) -> dict[str, float]:
    """Crimes in the 2 x 2 table: treated/comparison x before/after the start."""
    sums = data.groupby(["_treated", "_post"])["count"].sum()
    cells = ((1, 0), (1, 1), (0, 0), (0, 1))
    return {k: float(sums.get(c, 0.0)) for k, c in zip(_TABLE_KEYS, cells, strict=True)}


def _pre_rate_ratio(data: pd.DataFrame) -> float:
    """Treated / comparison mean monthly count before the start (NaN if undefined)."""
    rates = data[data["_post"] == 0].groupby("_treated")["count"].mean()
    treated, comparison = float(rates.get(1, math.nan)), float(rates.get(0, math.nan))
    return treated / comparison if comparison > 0 else math.nan


def did(
    panel: pd.DataFrame,
    *,
    treatment_start,
    family: Literal["negative_binomial", "poisson"] = "negative_binomial",
    cov_type: Literal["cluster", "nonrobust"] = "cluster",
    id_column: str = "place_id",
    ci_level: float = 0.95,
) -> Effect:
    """Difference-in-differences count GLM with place and month fixed effects.

    Parameters
    ----------
    panel : DataFrame
        One row per place and month with ``id_column``, ``month``, ``count``
        and a boolean ``treated`` (constant within a place), e.g. from
        :func:`panel`. Untreated places are the comparison group.
    treatment_start : date or "YYYY-MM"
        First treated month; months from it on are the post period.
    family : {"negative_binomial", "poisson"}, default "negative_binomial"
        Count model. The negative-binomial alpha is a moment estimate from the
        Poisson fit (recorded in ``details["alpha"]``).
    cov_type : {"cluster", "nonrobust"}, default "cluster"
        ``"cluster"``: cluster-robust SEs by place; ``"nonrobust"``:
        model-based SEs.
    id_column : str, default "place_id"
        Column naming each place.
    ci_level : float, default 0.95
        Coverage of the confidence interval.

    Returns
    -------
    Effect
        ``measure="incidence rate ratio"`` (IRR = exp(beta), < 1 = fewer crimes
        in treated places than the comparison trend predicts), Wald CI and
        p-value; ``details``: ``beta``, ``se``, ``percent_change``, ``alpha``
        (NB only), ``pre_trend_per_year`` and ``pre_trend_p``,
        ``pre_rate_ratio`` (treated / comparison mean monthly count before the
        start); ``model`` is the fitted statsmodels GLM result.

    Raises
    ------
    SchemaError
        If a column is missing or ``treated`` varies within a place.
    ValueError
        If there are no treated or no comparison places, or no pre or post
        months, or an option is unknown.

    Warns
    -----
    HotspotsWarning
        When the data cannot identify the effect (the result is NaN): the
        reason, the same words as the first caveat.

    Notes
    -----
    **Degenerate inputs** give an Effect with NaN estimate, interval and p-value
    and a caveat starting "not estimable" (never a confident absurd ratio or an
    arithmetic error): a zero cell in the 2 x 2 table of crimes (e.g. treated places
    with no crimes after the start: complete separation, where the model's IRR runs
    off to 0), a fit that still runs off to zero or infinity (quasi-separation) or
    does not converge. Places and months with no crimes at all carry no information
    and are left out of the model (a caveat counts them). When no standard error can
    be computed (an exact fit, or cluster-robust SEs with no residual degrees of
    freedom) the estimate is kept and the interval and p-value are NaN, with a
    caveat. The 2 x 2 table is in ``details`` (``treated_before`` ...
    ``comparison_after``).

    ``log E[y_pt] = alpha_p + gamma_t + beta * treated_p * post_t``
    (:doc:`/docs/methods/did`). Caveats are added for: fewer than 20 treated places (few
    clusters; check with :func:`randomisation_test`), fewer than 12 pre or 6 post
    months, a pre-trend difference (Poisson GLM on the pre-period with place and month
    effects and a treated x linear-trend term, p < 0.05), and treated places with more
    than twice the comparison pre-period rate (regression to the mean; match comparisons
    with :func:`choose_comparisons`).

    Examples
    --------
    >>> import pandas as pd
    >>> from hotspots.evaluation import did
    >>> data = pd.DataFrame({"place_id": ["T", "T", "C", "C"],
    ...                      "month": pd.to_datetime(["2023-01-01", "2024-01-01"] * 2),
    ...                      "count": [100, 70, 200, 190],
    ...                      "treated": [True, True, False, False]})
    >>> effect = did(data, treatment_start="2024-01", family="poisson",
    ...              cov_type="nonrobust")
    >>> round(effect.estimate, 6)
    0.736842
    """
    if family not in ("negative_binomial", "poisson"):
        raise ValueError(
            f"family must be 'negative_binomial' or 'poisson'; got {family!r}"
        )
    if cov_type not in ("cluster", "nonrobust"):
        raise ValueError(f"cov_type must be 'cluster' or 'nonrobust'; got {cov_type!r}")
    z = normal_quantile(ci_level)
    data = check_panel(panel, id_column=id_column)
    data["_post"] = post_indicator(data["month"], treatment_start)
    data["_place"] = data[id_column].astype(str)
    data["_treated"] = data["treated"].astype(int)
    data["_treated_post"] = data["_treated"] * data["_post"]
    months = np.sort(data["month"].unique())
    data["_t"] = np.searchsorted(months, data["month"].to_numpy())
    n_treated = int(data.loc[data["_treated"] == 1, "_place"].nunique())
    n_comparison = int(data.loc[data["_treated"] == 0, "_place"].nunique())
    n_pre = int(data.loc[data["_post"] == 0, "month"].nunique())
    n_post = int(data.loc[data["_post"] == 1, "month"].nunique())
    if n_pre == 0 or n_post == 0:
        raise ValueError(
            f"need months before and after treatment_start={treatment_start!r}; "
            f"found {n_pre} before and {n_post} after. Check the panel's months."
        )

    caveats = []
    if n_treated < FEW_TREATED:
        caveats.append(
            f"only {n_treated} treated places: conventional SEs are fragile with few "
            "treated units; check with randomisation_test()"
        )
    if n_pre < MIN_PRE_MONTHS:
        caveats.append(f"only {n_pre} pre-period months (< {MIN_PRE_MONTHS})")
    if n_post < MIN_POST_MONTHS:
        caveats.append(f"only {n_post} post-period months (< {MIN_POST_MONTHS})")
    table = _table(data)
    rate_ratio = _pre_rate_ratio(data)
    se_label = "cluster-robust SE by place" if cov_type == "cluster" else "model SE"
    model_name = "negative binomial" if family == "negative_binomial" else "Poisson"

    def not_estimable(reason: str) -> Effect:
        return nan_effect(
            "incidence rate ratio",
            method=f"DiD, {model_name} GLM, place and month fixed effects, {se_label}",
            caveats=[reason, *caveats],
            ci_level=ci_level,
            n_treated=n_treated,
            n_comparison=n_comparison,
            details={
                "beta": math.nan,
                "se": math.nan,
                "percent_change": math.nan,
                "pre_rate_ratio": rate_ratio,
                "pre_trend_per_year": math.nan,
                "pre_trend_p": math.nan,
                **table,
            },
        )

    if zero := zero_cells(table):
        return not_estimable(zero_cell_caveat(zero))
    used, empty_places, empty_months = informative_rows(data)
    if empty_places or empty_months:
        caveats.append(
            f"{empty_places} place(s) and {empty_months} month(s) with no crimes at "
            "all carry no information on the effect and were left out of the model"
        )
    groups = pd.factorize(used["_place"])[0]
    with recorded_warnings():
        fit = poisson = fit_glm(used, _FORMULA, sm.families.Poisson(), cov_type, groups)
    problem = fit_problem(poisson)
    alpha = nb_alpha(used["count"].to_numpy(float), poisson.fittedvalues.to_numpy())
    label = "Poisson GLM"
    if problem is None and family == "negative_binomial":
        family_nb = sm.families.NegativeBinomial(alpha=alpha)
        with recorded_warnings():
            fit = fit_glm(used, _FORMULA, family_nb, cov_type, groups)
        problem = fit_problem(fit)
        label = f"negative binomial GLM (alpha={alpha:.3g}, moment estimate)"
    if problem is not None:
        return not_estimable(
            f"{NOT_ESTIMABLE}: {problem}, so the rate ratio has no finite estimate. "
            "Look at the treated and comparison counts month by month; widen the "
            "places or lengthen the period before estimating an effect"
        )
    trend = _pre_trend(used, cov_type)

    beta = float(fit.params["_treated_post"])
    se = float(fit.bse["_treated_post"])
    p_value: float | None = float(fit.pvalues["_treated_post"])
    irr, ci_low, ci_high, ci_problem = ratio_interval(beta, se, z)
    if not math.isfinite(irr):
        return not_estimable(f"{NOT_ESTIMABLE}: {ci_problem}")
    if fit.cov_type != cov_type:
        ci_problem = (
            f"cluster-robust standard errors need more place-months ({len(used)}) "
            "than model parameters; use cov_type='nonrobust' or a longer panel"
        )
        ci_low = ci_high = math.nan
    if ci_problem is not None or not math.isfinite(p_value):  # type: ignore[arg-type]
        p_value = None
        caveats.insert(0, f"{NOT_ESTIMABLE} interval: {ci_problem or 'no p-value'}")
    if trend is not None and trend[1] < PRE_TREND_ALPHA:
        caveats.append(
            "pre-trends differ: treated places changed "
            f"{np.expm1(trend[0]) * 100:+.0f}% "
            f"a year relative to comparison before the start (p={trend[1]:.2g})"
        )
    if rate_ratio > RTM_RATE_RATIO or rate_ratio < 1 / RTM_RATE_RATIO:
        caveats.append(
            f"treated places had {rate_ratio:.1f} x the comparison pre-period rate: "
            "regression to the mean may bias the estimate; match comparisons on "
            "pre-period level and trend (choose_comparisons)"
        )
    if family == "poisson" and cov_type == "nonrobust" and alpha > 0.05:
        caveats.append(
            f"counts are overdispersed (alpha={alpha:.2g}): Poisson model-based SEs "
            "are too small; use family='negative_binomial' or cov_type='cluster'"
        )
    change = (irr - 1) * 100
    details = {
        "beta": beta,
        "se": se,
        "percent_change": change,
        "pre_rate_ratio": rate_ratio,
        "pre_trend_per_year": math.nan if trend is None else trend[0],
        "pre_trend_p": math.nan if trend is None else trend[1],
        **table,
    }
    if family == "negative_binomial":
        details["alpha"] = alpha
    return Effect(
        measure="incidence rate ratio",
        estimate=irr,
        ci_low=ci_low,
        ci_high=ci_high,
        ci_level=ci_level,
        p_value=p_value,
        method=f"DiD, {label}, place and month fixed effects, {se_label}",
        n_treated=n_treated,
        n_comparison=n_comparison,
        caveats=tuple(caveats),
        interpretation=(
            f"{abs(change):.1f}% {'fewer' if change < 0 else 'more'} crimes in treated "
            "places than the comparison trend predicts"
        ),
        details=details,
        model=fit,
    )
