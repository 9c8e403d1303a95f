"""The practice bank label rule, its thresholds and the words for p-values and changes.

Used by :func:`hotspots.evaluation.judge` (``_verdict.py``), which applies the rule.
"""

from __future__ import annotations

import math

from hotspots.evaluation._comparison import POOR_BALANCE

__all__ = [
    "ALPHA",
    "BALANCE_LIMIT",
    "MIN_PLACES",
    "PRACTICE_BANK_LABELS",
    "PRE_TREND_ALPHA",
    "ROBUST_LEVEL",
    "change_words",
    "format_p",
    "p_phrase",
    "practice_label",
]

#: Largest absolute standardised difference (treated vs comparison, selection
#: period) at which level or trend counts as balanced.
BALANCE_LIMIT = POOR_BALANCE
#: A pre-period trend difference with p below this casts doubt on parallel trends.
PRE_TREND_ALPHA = 0.05
#: The randomisation test confirms the DiD when its p is below this.
ALPHA = 0.05
#: Lowest Maryland SMS level at which a comparison design can support "worked"
#: or "didn't work" (level 3 is the usual minimum for "what works" conclusions).
ROBUST_LEVEL = 3
#: Fewest treated (and comparison) places for "several units" (SMS level 4) and for
#: a "worked" or "didn't work" label: with fewer, cluster-robust standard errors
#: rest on too few clusters (Cameron & Miller 2015) and one place can carry the
#: result.
MIN_PLACES = 5
#: The College of Policing practice bank's labels, in the College's order.
PRACTICE_BANK_LABELS = ("worked", "promising", "new or innovative", "didn't work")


def format_p(p: float | None) -> str:
    """Write a p-value as a reader should see it: ``"< 0.001"`` or three decimals.

    Examples
    --------
    >>> format_p(0.0004), format_p(0.0123), format_p(None)
    ('< 0.001', '0.012', 'not run')
    """
    if p is None:
        return "not run"
    if not math.isfinite(p):
        return "not available"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def p_phrase(p: float | None) -> str:
    text = format_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def change_words(ratio: float) -> str:
    if not math.isfinite(ratio):
        return "no estimate"
    if round(ratio, 2) == 1:
        return "no change in crime"
    return f"{abs(ratio - 1) * 100:.0f}% {'fewer' if ratio < 1 else 'more'} crimes"


def practice_label(
    level,
    ratio,
    low,
    high,
    shown,
    above,
    confirmed,
    p,
    n_treated,
    design: str = "comparison design",
) -> tuple[str, str]:
    enough = n_treated >= MIN_PLACES
    robust = level >= ROBUST_LEVEL and enough
    change = change_words(ratio)
    ci = f"rate ratio {ratio:.2f}, 95% CI {low:.2f} to {high:.2f}"
    p_text = p_phrase(p) if p is not None else "not run"
    if robust and shown and confirmed:
        return "worked", (
            f"a level-{level} {design} estimates {change} ({ci}) and the "
            f"randomisation test agrees ({p_text})."
        )
    if robust and (ratio >= 1 or above):
        return "didn't work", (
            f"a level-{level} {design} finds no reduction ({change}, {ci})."
        )
    if ratio < 1 and (shown or confirmed):
        missing = []
        if not enough:
            missing.append(
                f"only {n_treated} treated place{'s' if n_treated != 1 else ''} "
                f"(at least {MIN_PLACES} are needed for 'worked')"
            )
        if level < ROBUST_LEVEL:
            missing.append(
                f"the design reaches only SMS level {level} (level {ROBUST_LEVEL} is "
                "needed for 'worked')"
            )
        if not shown:
            missing.append("the 95% interval includes no change")
        if not confirmed:
            missing.append(f"the randomisation test does not confirm it ({p_text})")
        return "promising", (
            f"the estimate is {change} ({ci}), but " + " and ".join(missing) + "."
        )
    if ratio < 1:
        return "new or innovative", (
            f"the estimate is {change}, but neither the 95% interval "
            f"({low:.2f} to {high:.2f}) nor the randomisation test ({p_text}) "
            "distinguishes it from no change, so the evidence cannot yet say "
            "whether the approach works."
        )
    weak = (
        f"only {n_treated} place{'s were' if n_treated != 1 else ' was'} treated"
        if level >= ROBUST_LEVEL
        else f"the design reaches only SMS level {level}"
    )
    return "new or innovative", (
        f"{weak} and it estimates no reduction ({change}, {ci}), so it cannot yet "
        "say whether the approach works."
    )
