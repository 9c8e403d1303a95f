"""Place a local result among the published ones: :func:`place_result`."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hotspots.evaluation._effect import Effect
from hotspots.evaluation._glm import normal_quantile
from hotspots.evidence._meta import meta_analysis
from hotspots.evidence._placement import (
    LOCAL_LABEL,
    MIN_POOLED,
    WIDE_INTERVAL_RATIO,
    Placement,
    _num,
    placement_sentence,
)
from hotspots.evidence._reviews import load_reviews, review_sentence
from hotspots.evidence._studies import load_studies

__all__ = [
    "LOCAL_LABEL",
    "MIN_POOLED",
    "WIDE_INTERVAL_RATIO",
    "Placement",
    "place_result",
    "placement_sentence",
]


def _from_effect(effect: Effect) -> tuple[float, float, float]:
    """Return log RES, its SE and the interval's level from an Effect."""
    if not math.isfinite(effect.estimate) or effect.estimate <= 0:
        raise ValueError(
            f"the local effect's estimate is {effect.estimate!r}, so it cannot be "
            "placed: fix the evaluation first (its caveats say why it is not "
            "estimable)"
        )
    details = effect.details
    z = normal_quantile(effect.ci_level)
    if effect.measure == "relative effect size":
        log_res = float(details.get("log_res", math.log(effect.estimate)))
        se = details.get("se_log_res", math.nan)
    elif effect.measure == "incidence rate ratio":
        log_res = -float(details.get("beta", math.log(effect.estimate)))
        se = details.get("se", math.nan)
    else:
        raise ValueError(
            f"cannot place an effect measured as {effect.measure!r}; give a "
            "'relative effect size' (hotspots.relative_effect_size) or an "
            "'incidence rate ratio' (hotspots.did or evaluate(...).did)"
        )
    if not (se is not None and math.isfinite(se) and se > 0):
        if not (effect.has_ci and effect.ci_low > 0):
            raise ValueError(
                "the local effect has no standard error and no interval, so it "
                "cannot be pooled; use an estimator that gives an interval"
            )
        se = (math.log(effect.ci_high) - math.log(effect.ci_low)) / (2 * z)
    return log_res, float(se), effect.ci_level


def _as_effect(effect) -> Effect:
    if isinstance(effect, Effect):
        return effect
    for name in ("did", "did_negative_binomial"):
        inner = getattr(effect, name, None)
        if isinstance(inner, Effect):
            return inner
    raise TypeError(
        "effect must be an Effect (relative effect size or incidence rate ratio) "
        f"or an Evaluation from hotspots.evaluate; got {type(effect).__name__}"
    )


def _complete(studies: pd.DataFrame) -> pd.DataFrame:
    """Fill the columns a bare ``log_res``/``se_log_res`` table lacks.

    A table not made by :func:`load_studies` counts every row as a trial's main
    outcome from a primary source, pooled when its SE is finite.
    """
    out = studies.copy()
    se = out["se_log_res"].astype(float)
    defaults = {
        "res": np.exp(out["log_res"].astype(float)),
        "main_outcome": "yes",
        "source_type": "primary",
        "design": "",
        "outcome_type": "",
        "not_pooled_reason": np.where(np.isfinite(se), "", "no standard error"),
    }
    for column, value in defaults.items():
        if column not in out.columns:
            out[column] = value
    return out


def _published(studies: pd.DataFrame, outcome_types) -> pd.DataFrame:
    main = studies[
        studies["main_outcome"].eq("yes") & np.isfinite(studies["res"].astype(float))
    ]
    if outcome_types is not None:
        main = main[main["outcome_type"].isin(list(outcome_types))]
    if main.empty:
        raise ValueError(
            "no published main effect to compare with"
            + (f" for outcome types {list(outcome_types)}" if outcome_types else "")
            + "; pass outcome_types=None or a study table with main_outcome = yes"
        )
    return main.reset_index(drop=True)


def _caveats(
    published: pd.DataFrame, outcome_type, low: float, high: float, k_pooled: int
) -> list[str]:
    caveats = []
    types = sorted(set(published["outcome_type"].astype(str)) - {""})
    if len(types) > 1:
        caveats.append(
            f"the published effects measure different outcomes ({', '.join(types)})"
        )
    if outcome_type is not None and any(t != outcome_type for t in types):
        caveats.append(
            f"the local outcome ({outcome_type}) differs from some published ones"
        )
    secondary = int(published["source_type"].eq("secondary").sum())
    if secondary:
        caveats.append(
            f"{secondary} of the {len(published)} published effects were read in a "
            "secondary source (a review, release or summary; see source_type)"
        )
    crossover = int(published["design"].eq("crossover RCT").sum())
    if crossover:
        caveats.append(
            f"{crossover} published effects are crossover trials: patrolled against "
            "unpatrolled days or shifts in the same places, not treated against "
            "control places"
        )
    if high / low > WIDE_INTERVAL_RATIO:
        caveats.append(
            f"the local interval is wide ({_num(low)} to {_num(high)}): its place "
            "among the published effects is uncertain"
        )
    if k_pooled < MIN_POOLED:
        caveats.append(
            f"only {k_pooled} published effects give a standard error: the pooled "
            f"estimate is not quoted (the rule needs {MIN_POOLED})"
        )
    caveats.append(
        "the percentile ranks point estimates only; published effects differ in "
        "design, place, intervention, outcome and period"
    )
    return caveats


def place_result(
    effect,
    *,
    studies: pd.DataFrame | None = None,
    reviews: pd.DataFrame | None = None,
    method: str = "DL",
    ci_level: float = 0.95,
    outcome_type: str | None = None,
    outcome_types: tuple[str, ...] | None = None,
    label: str = LOCAL_LABEL,
) -> Placement:
    """Place a local effect among published hot spots policing effects.

    Parameters
    ----------
    effect : Effect or Evaluation
        An :class:`~hotspots.Effect` measured as ``"relative effect
        size"`` (``details`` ``log_res``/``se_log_res`` used when present) or
        ``"incidence rate ratio"`` (RES = 1/IRR; ``details`` ``beta``/``se``
        used when present, else the interval), or an Evaluation (its headline
        negative binomial DiD).
    studies : DataFrame, optional
        Published studies as from :func:`load_studies` (the default).
    reviews : DataFrame, optional
        Published reviews as from :func:`load_reviews` (the default); their
        stated pooled changes are added to the sentence.
    method : {"DL", "PM"}, default "DL"
        tau² estimator for both meta-analyses.
    ci_level : float, default 0.95
        Coverage of the pooled intervals.
    outcome_type : str, optional
        The local outcome's type (as in the study table); a caveat is added
        when published effects measure other outcomes.
    outcome_types : tuple of str, optional
        Rank among (and pool) only published effects of these outcome types,
        e.g. ``("violence", "crime harm")``. Default: all.
    label : str, default "This evaluation"
        The local row's label (keep "SYNTHETIC" in it for synthetic data).

    Returns
    -------
    Placement
        Ranked among the trials' main effects (one per trial, with or without
        a standard error); pooled with those that give a standard error.

    Raises
    ------
    ValueError
        When the local estimate is NaN, infinite or <= 0, has no SE or
        interval, is measured on another scale, or no published effect is
        left to compare with.
    TypeError
        When ``effect`` is neither an Effect nor an Evaluation.

    Examples
    --------
    >>> from hotspots import relative_effect_size
    >>> placed = place_result(relative_effect_size(100, 70, 200, 190))
    >>> placed.k_published, round(placed.res, 3), placed.within_range
    (10, 1.357, True)
    """
    local = _as_effect(effect)
    log_res, se, local_level = _from_effect(local)
    if studies is None:
        studies = load_studies()
    if reviews is None:
        reviews = load_reviews()
    studies = _complete(studies)
    published = _published(studies, outcome_types)
    ranked = published["res"].to_numpy(float)
    res = math.exp(log_res)
    k = len(ranked)
    percentile = 100 * (np.sum(ranked < res) + 0.5 * np.sum(ranked == res)) / k
    within = bool(ranked.min() <= res <= ranked.max())
    poolable = studies[
        studies["not_pooled_reason"].eq("")
        & np.isfinite(studies["se_log_res"].astype(float))
    ]
    if outcome_types is not None:
        poolable = poolable[poolable["outcome_type"].isin(list(outcome_types))]
    without = with_local = None
    if len(poolable):
        without = meta_analysis(poolable, method=method, ci_level=ci_level)
        row = {"label": label, "log_res": log_res, "se_log_res": se}
        if outcome_type is not None:
            row["outcome_type"] = outcome_type
        pooled_rows = without.studies.drop(columns=["weight_fixed", "weight_random"])
        with_local = meta_analysis(
            pd.concat([pooled_rows, pd.DataFrame([row])], ignore_index=True),
            method=method,
            ci_level=ci_level,
        )
    k_pooled = without.k if without is not None else 0
    quoted = without is not None and with_local is not None and k_pooled >= MIN_POOLED
    z = normal_quantile(local_level)
    low, high = math.exp(log_res - z * se), math.exp(log_res + z * se)
    change = (1 / res - 1) * 100
    position = (
        "within their range"
        if within
        else ("above all of them" if res > ranked.max() else "below all of them")
    )
    sentence = placement_sentence(
        res=res,
        ci_low=low,
        ci_high=high,
        ci_level=local_level,
        percent_change=change,
        percentile=float(percentile),
        k=k,
        position=position,
        k_pooled=k_pooled,
        pooled_without=(
            (without.res, without.ci_low, without.ci_high)
            if quoted and without is not None
            else None
        ),
        pooled_with=with_local.res if quoted and with_local is not None else None,
    )
    if extra := review_sentence(reviews):
        sentence = f"{sentence} {extra}"
    return Placement(
        res=res,
        ci_low=low,
        ci_high=high,
        log_res=log_res,
        se_log_res=se,
        ci_level=local_level,
        percent_change=change,
        published=published,
        k_published=k,
        percentile=float(percentile),
        within_range=within,
        without=without,
        with_local=with_local,
        pooled_quoted=quoted,
        shift=(with_local.res - without.res)
        if without is not None and with_local is not None
        else math.nan,
        sentence=sentence,
        caveats=tuple(_caveats(published, outcome_type, low, high, k_pooled)),
        label=label,
    )
