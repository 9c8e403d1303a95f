"""The naive before/after comparison of the treated places (the baseline DiD beats)."""

from __future__ import annotations

import math

import pandas as pd
from scipy import stats

from hotspots.evaluation._degenerate import NOT_ESTIMABLE, nan_effect
from hotspots.evaluation._effect import Effect

__all__ = ["naive_before_after"]


def naive_before_after(
    treated: pd.DataFrame, start: pd.Timestamp, n_units: int, *, ci_level: float
) -> Effect:
    """Before/after monthly-rate ratio in the treated places, Poisson CI.

    Raises ``ValueError`` when there are no months before or none from ``start``.
    With no crimes before, or none after, the ratio is infinite or 0: the result
    is an Effect with NaN estimate and interval, no p-value and a caveat starting
    "not estimable" (the rule of :mod:`hotspots.evaluation._degenerate`).
    """
    before = treated[treated["month"] < start]
    after = treated[treated["month"] >= start]
    a, b = float(before["count"].sum()), float(after["count"].sum())
    n_before, n_after = before["month"].nunique(), after["month"].nunique()
    if n_before == 0 or n_after == 0:
        raise ValueError(
            f"need months before and after the start; found {n_before} before and "
            f"{n_after} after. Check the months and treatment_start."
        )
    method = (
        f"mean monthly crimes after / before in the treated places "
        f"({n_after} vs {n_before} months), Poisson CI"
    )
    if a <= 0 or b <= 0:
        return nan_effect(
            "rate ratio (naive before/after)",
            method=method,
            caveats=[
                f"{NOT_ESTIMABLE}: the treated places had {a:g} crimes before the "
                f"start and {b:g} after, so the before/after ratio is 0 or infinite "
                "with no interval. Report the counts themselves"
            ],
            ci_level=ci_level,
            n_treated=n_units,
            n_comparison=0,
            details={"percent_change": math.nan, "before": a, "after": b},
        )
    log_ratio = math.log((b / n_after) / (a / n_before))
    se = math.sqrt(1 / a + 1 / b)
    z = float(stats.norm.ppf(0.5 + ci_level / 2))
    ratio = math.exp(log_ratio)
    change = (ratio - 1) * 100
    return Effect(
        measure="rate ratio (naive before/after)",
        estimate=ratio,
        ci_low=math.exp(log_ratio - z * se),
        ci_high=math.exp(log_ratio + z * se),
        ci_level=ci_level,
        p_value=float(2 * stats.norm.sf(abs(log_ratio) / se)),
        method=method,
        n_treated=n_units,
        n_comparison=0,
        caveats=(
            "no comparison group (Maryland SMS level 2): places chosen on a high "
            "period fall back anyway (regression to the mean), so this overstates "
            "a reduction",
            "Poisson CI: too narrow for overdispersed crime counts",
        ),
        interpretation=f"{abs(change):.1f}% {'fewer' if change < 0 else 'more'} "
        "crimes a month after the start than before",
        details={"percent_change": change, "before": a, "after": b},
    )
