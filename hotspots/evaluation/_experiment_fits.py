"""The estimates of an experiment: ITT fits, randomisation, carry-over, per protocol."""

from __future__ import annotations

import logging
import math
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from tqdm.auto import tqdm

from hotspots.design import cluster_ids, fit_fe_poisson
from hotspots.evaluation._degenerate import NOT_ESTIMABLE, nan_effect
from hotspots.evaluation._effect import Effect

__all__ = ["carryover", "itt_negbin", "itt_poisson", "per_protocol", "randomisation"]

logger = logging.getLogger(__name__)

IRR = "incidence rate ratio"


def groups_for(schedule) -> np.ndarray | None:
    """Row-effect groups: None (each place) unless the arm is fixed per place."""
    if schedule.design != "parallel":
        return None
    table = schedule.table.drop_duplicates("place_id").set_index("place_id")
    blocks = table["block"].reindex(list(schedule.places)).fillna("").to_numpy()
    _, codes = np.unique(blocks, return_inverse=True)
    return codes


def _effect_from_fit(
    fit, *, measure, method, ci_level, n_places, caveats, details=None, words=None
):
    if not math.isfinite(fit.beta):
        return nan_effect(
            measure,
            method=method,
            caveats=(
                f"{NOT_ESTIMABLE}: no crimes on treated or on untreated place-days "
                "once places and days with no crimes at all are set aside",
                *caveats,
            ),
            ci_level=ci_level,
            n_treated=n_places,
        )
    low, high = fit.ci(ci_level)
    return Effect(
        measure=measure,
        estimate=fit.irr,
        ci_low=low,
        ci_high=high,
        ci_level=ci_level,
        p_value=fit.p_value,
        method=method,
        n_treated=n_places,
        n_comparison=None,
        caveats=tuple(caveats),
        interpretation=(words or _words)(fit.irr),
        details={
            "log_irr": fit.beta,
            "se": fit.se,
            "se_model": fit.se_model,
            "df": float(fit.df),
            "n_cells": float(fit.n_obs),
            "nb_alpha": fit.alpha,
            **(details or {}),
        },
    )


def _words(irr: float, unit: str = "place-days") -> str:
    """Describe the ITT rate ratio in words (``unit``: place-days or place-shifts)."""
    if not math.isfinite(irr):
        return "no estimate"
    if round(irr, 2) == 1:
        return f"no difference between treated and untreated {unit}"
    change = abs(irr - 1) * 100
    more = "fewer" if irr < 1 else "more"
    return f"{change:.0f}% {more} crimes on treated than on untreated {unit}"


def _carry_words(irr: float) -> str:
    """Describe the carry-over rate ratio in words."""
    if not math.isfinite(irr):
        return "no estimate"
    if round(irr, 2) == 1:
        return "no difference after patrol days"
    change = abs(irr - 1) * 100
    more = "fewer" if irr < 1 else "more"
    return (
        f"{change:.0f}% {more} crimes on untreated slots right after patrol than on "
        "other untreated slots"
    )


def itt_poisson(
    y, codes, groups, *, outcome, ci_level, n_places, unit="place-days"
) -> tuple:
    """Intention-to-treat rate ratio: two-way FE Poisson, cluster-robust by place."""
    d = (codes == 1).astype(float)
    clusters = cluster_ids(groups)
    fit = fit_fe_poisson(y, d, mask=codes >= 0, groups=groups, clusters=clusters)
    fe = "block and day" if groups is not None else "place and day"
    by = "place" if clusters is None else "block (pair)"
    method = (
        f"intention to treat, Poisson {'pseudo-' if outcome != 'count' else ''}"
        f"likelihood with {fe} fixed effects, cluster-robust SE by {by}, t({fit.df})"
    )
    caveats = []
    if fit.n_clusters and fit.n_clusters < 10:
        caveats.append(
            f"only {fit.n_clusters} clusters ({by}s): cluster-robust errors rest on "
            "few clusters; rely on the randomisation test"
        )
    measure = IRR if outcome == "count" else f"rate ratio of {outcome}"
    return fit, _effect_from_fit(
        fit,
        measure=measure,
        method=method,
        ci_level=ci_level,
        n_places=n_places,
        caveats=caveats,
        words=lambda irr: _words(irr, unit),
    )


def itt_negbin(
    y, codes, groups, alpha, *, ci_level, n_places, unit="place-days"
) -> Effect:
    """Fit the same contrast as a negative-binomial GLM (statsmodels), alpha fixed."""
    keep = codes >= 0
    rows, cols = np.nonzero(keep)
    frame = pd.DataFrame(
        {
            "y": y[rows, cols],
            "d": (codes[rows, cols] == 1).astype(float),
            "row": rows if groups is None else groups[rows],
            "place": rows if cluster_ids(groups) is None else groups[rows],
            "slot": cols,
        }
    )
    row_tot = frame.groupby("row")["y"].transform("sum")
    slot_tot = frame.groupby("slot")["y"].transform("sum")
    frame = frame[(row_tot > 0) & (slot_tot > 0)]
    method = (
        "intention to treat, negative binomial GLM (NB2, alpha by moments) with "
        + ("block" if groups is not None else "place")
        + " and day fixed effects, cluster-robust SE by "
        + ("place" if cluster_ids(groups) is None else "block (pair)")
    )
    if frame.empty or frame.loc[frame.d == 1, "y"].sum() <= 0:
        return nan_effect(
            IRR,
            method=method,
            caveats=(f"{NOT_ESTIMABLE}: no crimes on treated days",),
            ci_level=ci_level,
            n_treated=n_places,
        )
    dummies = pd.get_dummies(
        frame[["row", "slot"]].astype(str), drop_first=True, dtype=float
    )
    x = pd.concat(
        [pd.Series(1.0, index=frame.index, name="const"), frame["d"], dummies], axis=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sm.GLM(
            frame["y"], x, family=sm.families.NegativeBinomial(alpha=max(alpha, 1e-8))
        ).fit(cov_type="cluster", cov_kwds={"groups": frame["place"].to_numpy()})
    beta, se = float(result.params["d"]), float(result.bse["d"])
    n_clusters = int(frame["place"].nunique())
    q = float(stats.t.ppf(0.5 + ci_level / 2, max(n_clusters - 1, 1)))
    p = float(2 * stats.t.sf(abs(beta / se), max(n_clusters - 1, 1)))
    return Effect(
        measure=IRR,
        estimate=math.exp(beta),
        ci_low=math.exp(beta - q * se),
        ci_high=math.exp(beta + q * se),
        ci_level=ci_level,
        p_value=p,
        method=method,
        n_treated=n_places,
        interpretation=_words(math.exp(beta), unit),
        caveats=tuple(
            [
                f"overdispersion estimated at {alpha:.2g} (NB2): little beyond "
                "Poisson variation, so this model agrees with the Poisson one"
            ]
            if alpha < 0.01
            else []
        ),
        details={"log_irr": beta, "se": se, "nb_alpha": alpha},
        model=result,
    )


def randomisation(
    y,
    codes,
    schedule,
    observed,
    *,
    permutations,
    seed,
    ci_level,
    n_places,
    progress=True,
):
    """Randomisation p-value: the same rules, re-drawn ``permutations`` times."""
    groups = groups_for(schedule)
    rng = np.random.default_rng(seed)
    draws = []
    bar = tqdm(
        range(permutations),
        desc="re-drawn schedules",
        leave=False,
        disable=not progress,
    )
    for _ in bar:
        other = schedule.redraw(int(rng.integers(2**31))).assignment()
        fit = fit_fe_poisson(
            y, (other == 1).astype(float), mask=other >= 0, groups=groups
        )
        draws.append(fit.beta)
    placebo = np.asarray(draws, dtype=float)
    method = (
        f"randomisation inference: {permutations} schedules re-drawn with the trial's "
        "own rules, two-way FE Poisson statistic, p = (1 + #|placebo| >= |observed|)"
        " / (1 + R)"
    )
    if not math.isfinite(observed.beta):
        return nan_effect(
            IRR,
            method=method,
            caveats=(f"{NOT_ESTIMABLE}: the observed fit has none",),
            ci_level=ci_level,
            n_treated=n_places,
        )
    ok = np.isfinite(placebo)
    exceed = int(np.sum(np.abs(placebo[ok]) >= abs(observed.beta) - 1e-12))
    p = (1 + exceed) / (1 + int(ok.sum()))
    caveats = ["randomisation gives a p-value, not an interval; see the ITT interval"]
    if permutations < 999:
        caveats.append(f"only {permutations} re-draws: the p-value is coarse")
    return Effect(
        measure=IRR,
        estimate=observed.irr,
        ci_low=math.nan,
        ci_high=math.nan,
        ci_level=ci_level,
        p_value=p,
        method=method,
        n_treated=n_places,
        caveats=tuple(caveats),
        interpretation=_words(observed.irr),
        details={
            "permutations": float(permutations),
            "placebo_sd": float(np.std(placebo[ok])) if ok.any() else math.nan,
            "placebo_q025": float(np.exp(np.quantile(placebo[ok], 0.025)))
            if ok.any()
            else math.nan,
            "placebo_q975": float(np.exp(np.quantile(placebo[ok], 0.975)))
            if ok.any()
            else math.nan,
        },
    )


def after_treatment(codes: np.ndarray) -> np.ndarray:
    """Untreated cells right after a treated run: washout days, else the first day."""
    if (codes == -1).any():
        return codes == -1
    previous = np.zeros_like(codes, dtype=bool)
    previous[:, 1:] = codes[:, :-1] == 1
    return (codes == 0) & previous


def carryover(y, codes, *, ci_level, n_places, washout: bool) -> Effect:
    """Untreated days right after patrol against other untreated days."""
    untreated = codes <= 0
    flag = after_treatment(codes).astype(float)
    fit = fit_fe_poisson(y, flag, mask=untreated)
    what = "washout days" if washout else "the first untreated day after a patrol day"
    caveats = [
        "a rate ratio below 1 means patrol effects lasted into "
        + what
        + " (carry-over), which biases the crossover contrast towards no effect"
    ]
    return _effect_from_fit(
        fit,
        measure=IRR,
        method=f"carry-over check: {what} against other untreated days, two-way FE "
        "Poisson on untreated days, cluster-robust SE by place",
        ci_level=ci_level,
        n_places=n_places,
        caveats=caveats,
        words=_carry_words,
    )


def per_protocol(y, codes, dose, minutes, *, ci_level, n_places, unit="place-days"):
    """Treated slots patrolled as planned against untreated slots not patrolled."""
    delivered = (codes == 1) & (dose >= minutes)
    clean = (codes == 0) & (dose < minutes)
    treated_slots = int((codes == 1).sum())
    control_slots = int((codes == 0).sum())
    compliance = {
        "treated_slots": float(treated_slots),
        "delivered_share": float(delivered.sum() / treated_slots)
        if treated_slots
        else math.nan,
        "control_slots": float(control_slots),
        "contaminated_share": float(
            ((codes == 0) & (dose >= minutes)).sum() / control_slots
        )
        if control_slots
        else math.nan,
        "protocol_minutes": float(minutes),
    }
    fit = fit_fe_poisson(y, delivered.astype(float), mask=delivered | clean)
    caveats = [
        "per protocol compares slots by the patrol they received, which was not "
        "randomised: slots missed (officers diverted, busy nights) may differ from "
        "those delivered, so this contrast can be biased either way; the "
        "intention-to-treat estimate is the randomised one",
        f"{compliance['delivered_share']:.0%} of treated slots received at least "
        f"{minutes:g} minutes; {compliance['contaminated_share']:.0%} of control "
        "slots did too",
    ]
    effect = _effect_from_fit(
        fit,
        measure=IRR,
        method=f"per protocol: treated slots with at least {minutes:g} minutes of "
        "patrol against control slots with less, two-way FE Poisson",
        ci_level=ci_level,
        n_places=n_places,
        caveats=caveats,
        details=compliance,
        words=lambda irr: _words(irr, unit),
    )
    return effect, compliance
