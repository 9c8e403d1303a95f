"""Random-effects meta-analysis of relative effect sizes: :func:`meta_analysis`."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
from scipy import stats

from hotspots.evaluation._effect import Effect
from hotspots.evaluation._glm import normal_quantile
from hotspots.evidence._meta_result import (
    STUDY_TABLE,
    MetaAnalysis,
    change_words,
)
from hotspots.evidence._pool import METHODS, Pooled, pool

__all__ = ["FEW_STUDIES", "HIGH_I2", "meta_analysis", "study_labels"]

logger = logging.getLogger(__name__)

#: Fewer pooled studies than this: tau² is imprecise (a caveat says so).
FEW_STUDIES = 10
#: I² at or above this share is called substantial heterogeneity in the caveats.
HIGH_I2 = 0.75


def study_labels(studies: pd.DataFrame) -> pd.Series:
    """Label rows: a ``label`` column, else "Authors year, place", else ``study_id``."""
    if "label" in studies.columns:
        return studies["label"].astype(str)
    if {"authors", "year", "place"} <= set(studies.columns):
        year = studies["year"].astype(str).replace({"<NA>": "", "nan": ""})
        return (
            studies["authors"].astype(str)
            + " "
            + year
            + ", "
            + studies["place"].astype(str)
        ).str.strip(", ")
    if "study_id" in studies.columns:
        return studies["study_id"].astype(str)
    return pd.Series([str(i) for i in studies.index], index=studies.index)


def _split(studies: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    for column in ("log_res", "se_log_res"):
        if column not in studies.columns:
            raise ValueError(
                f"studies need a {column!r} column; read the table with "
                "hotspots.evidence.load_studies(), which adds it"
            )
    labels = study_labels(studies)
    y = pd.to_numeric(studies["log_res"], errors="coerce")
    se = pd.to_numeric(studies["se_log_res"], errors="coerce")
    reasons = pd.Series("", index=studies.index, dtype=object)
    if "not_pooled_reason" in studies.columns:
        reasons = studies["not_pooled_reason"].fillna("").astype(str)
    marked = (
        studies["in_meta_analysis"].eq("no")
        if "in_meta_analysis" in studies.columns
        else pd.Series(False, index=studies.index)
    )
    bad = ~np.isfinite(y) | ~(np.isfinite(se) & (se > 0))
    out = bad | marked
    reasons[marked & reasons.eq("")] = "marked not pooled (in_meta_analysis = no)"
    reasons[bad & reasons.eq("")] = "no finite log_res and positive se_log_res"
    excluded = pd.DataFrame({"label": labels[out], "reason": reasons[out]})
    if len(excluded):
        logger.info(
            "meta_analysis: %d of %d rows not pooled: %s",
            len(excluded),
            len(studies),
            "; ".join(f"{a} ({b})" for a, b in excluded.itertuples(index=False)),
        )
    kept = studies.loc[~out].copy()
    kept["label"] = labels[~out]
    return kept, excluded.reset_index(drop=True)


def _caveats(kept: pd.DataFrame, fit: Pooled, method: str, n_out: int) -> list[str]:
    name = METHODS[method]
    caveats = []
    if fit.k == 1:
        caveats.append(
            "only one study: the pooled estimate is that study, tau² is 0 and no "
            "heterogeneity can be measured"
        )
    elif fit.k < FEW_STUDIES:
        caveats.append(
            f"{name}'s tau² is imprecise with fewer than {FEW_STUDIES} studies "
            f"(k = {fit.k}); the random-effects interval may be too narrow"
        )
    if 1 < fit.k < 3:
        caveats.append("prediction interval not given: it needs at least 3 studies")
    if fit.k > 1 and fit.q < fit.q_df:
        caveats.append(
            f"Q ({fit.q:.2f}) is below its degrees of freedom ({fit.q_df}): tau² "
            "and I² are set to 0 and the random-effects estimate equals the "
            "fixed-effect one"
        )
    if fit.k > 1 and fit.i2 >= HIGH_I2:
        caveats.append(
            f"substantial heterogeneity (I² = {fit.i2:.0%}): the studies' effects "
            "differ more than chance explains; the pooled RES is an average of "
            "different effects, so read the prediction interval as well"
        )
    if "outcome_type" in kept.columns and kept["outcome_type"].nunique() > 1:
        types = ", ".join(sorted(kept["outcome_type"].astype(str).unique()))
        caveats.append(f"pooled studies measure different outcomes ({types})")
    if "measure" in kept.columns and (n_d := int(kept["measure"].eq("cohens_d").sum())):
        caveats.append(
            f"{n_d} effect(s) converted from Cohen's d (x pi/sqrt(3)), which "
            "assumes a logistic outcome distribution"
        )
    if "se_from" in kept.columns and (n_p := int(kept["se_from"].eq("p-value").sum())):
        caveats.append(
            f"{n_p} standard error(s) derived from a p-value (exact p-values "
            "assumed; a reported 'p < 0.05' makes the SE too small)"
        )
    if n_out:
        caveats.append(f"{n_out} row(s) not pooled; see .excluded for why")
    return caveats


def _subgroups(kept, by, method, ci_level):
    if by not in kept.columns:
        raise ValueError(f"by={by!r} is not a column of studies; use e.g. 'design'")
    rows, q_within = [], 0.0
    for level, group in kept.groupby(by, sort=True):
        fit = pool(
            group["log_res"], group["se_log_res"], method=method, ci_level=ci_level
        )
        z = normal_quantile(ci_level)
        q_within += fit.q
        rows.append(
            {
                by: level,
                "k": fit.k,
                "res": math.exp(fit.mu),
                "ci_low": math.exp(fit.mu - z * fit.se),
                "ci_high": math.exp(fit.mu + z * fit.se),
                "tau2": fit.tau2,
                "i2": fit.i2,
                "q": fit.q,
            }
        )
    return pd.DataFrame(rows), q_within


def meta_analysis(
    studies: pd.DataFrame,
    *,
    method: str = "DL",
    ci_level: float = 0.95,
    by: str | None = None,
) -> MetaAnalysis:
    """Pool relative effect sizes with a random-effects model.

    Parameters
    ----------
    studies : DataFrame
        One row per study with ``log_res`` and ``se_log_res`` (log RES and its
        SE), as from :func:`load_studies`. Rows with a missing or non-positive
        SE, or ``in_meta_analysis == "no"``, are not pooled: they are counted,
        logged at INFO and listed in :attr:`MetaAnalysis.excluded`.
    method : {"DL", "PM"}, default "DL"
        Estimator of tau²: DerSimonian-Laird (1986) or Paule-Mandel (1982).
    ci_level : float, default 0.95
        Coverage of the confidence and prediction intervals.
    by : str, optional
        A column (``"design"``, ``"country"``, ``"outcome_type"``) to pool
        within: fills :attr:`MetaAnalysis.subgroups` and the between-subgroups
        test.

    Returns
    -------
    MetaAnalysis

    Raises
    ------
    ValueError
        When no row can be pooled, ``method`` is unknown, ``ci_level`` is not
        in (0, 1) or ``by`` is not a column.

    Notes
    -----
    Fixed-effect weights ``w = 1/se²``; ``Q = sum w (y - mu_FE)²``; DL:
    ``tau² = max(0, (Q - (k-1)) / (sum w - sum w² / sum w))``; PM solves
    ``sum (y - mu)² / (se² + tau²) = k - 1``. I² = max(0, (Q - df)/Q)
    (Higgins & Thompson 2002); the prediction interval is
    ``mu +/- t_{k-2} sqrt(tau² + SE²)`` (Higgins, Thompson & Spiegelhalter
    2009). ``q_between`` is ``Q_total - sum Q_within`` (fixed effect) with
    groups - 1 df. Details: docs/methods/evidence.md.

    Examples
    --------
    >>> import pandas as pd
    >>> from hotspots.evidence import meta_analysis
    >>> table = pd.DataFrame({"log_res": [0.1, 0.3, 0.2],
    ...                       "se_log_res": [0.1, 0.1, 0.2]})
    >>> round(meta_analysis(table).res, 4)
    1.2214
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}; got {method!r}")
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be in (0, 1); got {ci_level!r}")
    kept, excluded = _split(studies)
    if kept.empty:
        raise ValueError(
            f"no study can be pooled: all {len(studies)} rows were excluded "
            f"({'; '.join(excluded['reason'].unique()) or 'the table is empty'}). "
            "Give rows with a finite log_res and positive se_log_res (an interval "
            "or p-value in the study table), or mark them in_meta_analysis = yes"
        )
    fit = pool(kept["log_res"], kept["se_log_res"], method=method, ci_level=ci_level)
    z = normal_quantile(ci_level)
    kept["res"] = np.exp(kept["log_res"].astype(float))
    kept["res_ci_low"] = np.exp(kept["log_res"] - z * kept["se_log_res"])
    kept["res_ci_high"] = np.exp(kept["log_res"] + z * kept["se_log_res"])
    kept["weight_fixed"] = fit.weights_fixed
    kept["weight_random"] = fit.weights_random
    others = [c for c in kept.columns if c not in STUDY_TABLE]
    table = kept[[*STUDY_TABLE, *others]].reset_index(drop=True)
    caveats = _caveats(kept, fit, method, len(excluded))
    res = math.exp(fit.mu)
    low, high = math.exp(fit.mu - z * fit.se), math.exp(fit.mu + z * fit.se)
    change = (1 / res - 1) * 100
    p_value = float(2 * stats.norm.sf(abs(fit.mu) / fit.se))
    effect = Effect(
        measure="relative effect size",
        estimate=res,
        ci_low=low,
        ci_high=high,
        ci_level=ci_level,
        p_value=p_value,
        method=f"random-effects meta-analysis ({METHODS[method]}), {fit.k} studies",
        caveats=tuple(caveats),
        interpretation=change_words(change) + " (pooled)",
        details={
            "log_res": fit.mu,
            "se_log_res": fit.se,
            "tau2": fit.tau2,
            "i2": fit.i2,
            "q": fit.q,
            "q_df": float(fit.q_df),
            "q_p": fit.q_p,
            "k": float(fit.k),
        },
    )
    subgroups, q_between, q_b_df, q_b_p = None, math.nan, 0, math.nan
    if by is not None:
        subgroups, q_within = _subgroups(kept, by, method, ci_level)
        q_between, q_b_df = max(0.0, fit.q - q_within), len(subgroups) - 1
        q_b_p = float(stats.chi2.sf(q_between, q_b_df)) if q_b_df > 0 else math.nan
    return MetaAnalysis(
        method=method,
        k=fit.k,
        res=res,
        ci_low=low,
        ci_high=high,
        log_res=fit.mu,
        se_log_res=fit.se,
        fixed_res=math.exp(fit.mu_fixed),
        fixed_ci_low=math.exp(fit.mu_fixed - z * fit.se_fixed),
        fixed_ci_high=math.exp(fit.mu_fixed + z * fit.se_fixed),
        q=fit.q,
        q_df=fit.q_df,
        q_p=fit.q_p,
        tau2=fit.tau2,
        i2=fit.i2,
        h2=fit.h2,
        pi_low=math.exp(fit.pi_low),
        pi_high=math.exp(fit.pi_high),
        percent_change=change,
        effect=effect,
        studies=table,
        excluded=excluded,
        caveats=tuple(caveats),
        ci_level=ci_level,
        by=by,
        subgroups=subgroups,
        q_between=q_between,
        q_between_df=q_b_df,
        q_between_p=q_b_p,
    )
