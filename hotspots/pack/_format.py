"""Number and table formatting for the pack page (money, percentages, HTML tables)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from hotspots.evaluation import format_p

__all__ = ["ESTIMATOR_NAMES", "money", "num", "pct", "reader_estimates", "table"]


def money(value: float) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.0f}"


def pct(ratio: float) -> str:
    return f"{abs(ratio - 1) * 100:.0f}% {'fewer' if ratio < 1 else 'more'}"


def table(frame: pd.DataFrame) -> str:
    """Return an escaped HTML table (numbers formatted beforehand)."""
    return frame.to_html(index=False, escape=True, border=0, na_rep="")


def num(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return f"{value:,.{digits}f}"


#: Reader names of the estimators of :meth:`hotspots.Evaluation.to_frame`.
ESTIMATOR_NAMES = {
    "naive": "Before/after in the treated places alone (no comparison)",
    "did_negative_binomial": "Difference-in-differences, negative binomial (main)",
    "did_poisson": "Difference-in-differences, Poisson",
    "randomisation": "Randomisation test (placebo sets of places)",
    "its_level": "Interrupted time series: change in level (treated places alone)",
    "its_slope": "Interrupted time series: change in monthly trend (treated alone)",
    "res": "Relative effect size, inverted (1/RES)",
    "wdq": "Weighted displacement quotient (rings)",
    "wdd": "Weighted displacement difference (places and rings, crimes)",
}


def reader_estimates(evaluation: Any) -> pd.DataFrame:
    """Return the effects table as a reader sees it: plain names, one direction.

    Rate ratios read "below 1 = fewer crimes"; the relative effect size, which
    reads the other way round (Farrington et al.), is shown inverted so every
    ratio row reads alike. p-values below 0.001 read "< 0.001".
    """
    rows = []
    for key, effect in evaluation.effects.items():
        est, low, high = effect.estimate, effect.ci_low, effect.ci_high
        if key == "res":
            est, low, high = (
                1 / v if v and math.isfinite(v) else math.nan for v in (est, high, low)
            )
        if key in ("wdq", "its_level", "its_slope") and effect.interpretation:
            reading = effect.interpretation
        else:
            reading = "below 1 = fewer crimes than expected"
        rows.append(
            {
                "estimate": ESTIMATOR_NAMES.get(key, key),
                "value": num(est),
                "95% CI": f"{num(low)} to {num(high)}" if math.isfinite(low) else "",
                "p": "" if effect.p_value is None else format_p(effect.p_value),
                "reading": reading,
                "places (treated / comparison)": (
                    f"{effect.n_treated} / {effect.n_comparison}"
                    if effect.n_treated is not None and effect.n_comparison is not None
                    else ""
                ),
            }
        )
    return pd.DataFrame(rows)
