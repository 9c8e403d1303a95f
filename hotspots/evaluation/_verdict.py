"""The design's standing: the Maryland SMS level, its reasons and the caveats."""

from __future__ import annotations

import math

from hotspots.evaluation._comparison import POOR_BALANCE, Matched
from hotspots.evaluation._effect import Effect
from hotspots.evaluation._sms import POLICEUK_CAVEATS, maryland_sms

__all__ = ["PRE_TREND_ALPHA", "design_verdict"]

#: A pre-period trend difference with p below this casts doubt on parallel trends.
PRE_TREND_ALPHA = 0.05


def design_verdict(
    matched: Matched,
    did_nb: Effect,
    *,
    n_treated: int,
    n_pre: int,
    n_selection: int,
    flags: list[str],
) -> tuple[int, tuple[str, ...], list[str]]:
    """Return the SMS level, its reasons and the evaluation's caveats.

    ``flags`` are the data-quality flags of the treated places to caveat (empty
    when crimes at flagged points were excluded or the checks were off).
    """
    # DiD needs parallel trends, not equal levels (place effects absorb levels):
    # comparable = balanced pre-period trend and no significant pre-trend gap.
    trend_balanced = abs(matched.balance.loc["trend", "std_diff"]) <= POOR_BALANCE
    pre_trend_p = did_nb.details.get("pre_trend_p", math.nan)
    parallel = not (pre_trend_p < PRE_TREND_ALPHA)
    comparable = bool(trend_balanced and parallel)
    sms_level, sms_reasons = maryland_sms(
        before_after=True,
        comparison=True,
        comparable=comparable,
        multiple_units=n_treated > 1 and len(matched.comparison_ids) > 1,
        controls=True,
    )
    caveats = [*POLICEUK_CAVEATS.values(), *matched.caveats]
    if flags:
        caveats.append(
            f"{len(flags)} treated place(s) hold crimes at map points flagged as "
            f"likely recording artefacts ({'; '.join(flags[:3])}); patrols "
            "cannot change crimes recorded there. They are counted here "
            "(artefacts='flag'); re-run with artefacts='exclude' to leave them out"
        )
    if n_pre <= n_selection:
        caveats.append(
            f"the {n_pre} months before the start are all selection months: places "
            "were chosen and matched on the whole pre-period, so regression to the "
            "mean is in every pre-period count and the DiD can be biased (on the "
            "SYNTHETIC archive cut to 2023-2024 it gave 0.96, 95% CI 0.76 to 1.21, "
            "for a planted 0.80); add earlier months"
        )
    if not comparable:
        caveats.append(
            "Maryland SMS level 2, not 3: the comparison places did not follow the "
            "treated places' pre-period trend ("
            + (
                f"trend standardised difference "
                f"{matched.balance.loc['trend', 'std_diff']:.2f}"
                if not trend_balanced
                else f"pre-trend difference p = {pre_trend_p:.3f}"
            )
            + "), so the DiD's parallel-trends assumption is in doubt"
        )
    elif abs(matched.balance.loc["level", "std_diff"]) > POOR_BALANCE:
        caveats.append(
            "the treated places are busier than any comparison places (level "
            f"standardised difference {matched.balance.loc['level', 'std_diff']:.2f}):"
            " place effects absorb the level gap and trends are balanced, but "
            "regression to the mean can be stronger at the busiest places, so the "
            "DiD may still overstate the effect a little"
        )
    return sms_level, sms_reasons, caveats
