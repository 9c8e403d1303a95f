"""Suggest a College of Policing practice bank label from an evaluation."""

from __future__ import annotations

import math

from hotspots.evaluation._evaluate import Evaluation

__all__ = ["PRACTICE_BANK_LABELS", "practice_bank_label"]

#: The practice bank's labels, in the College's order.
PRACTICE_BANK_LABELS = ("worked", "promising", "new or innovative", "didn't work")
#: Lowest Maryland SMS level at which a comparison design supports "worked".
ROBUST_LEVEL = 3
#: Randomisation p-value below which the placebo test agrees with the DiD.
ALPHA = 0.05


def practice_bank_label(evaluation: Evaluation) -> tuple[str, str]:
    """Suggest the practice bank label the evidence supports, with the reason.

    Parameters
    ----------
    evaluation : Evaluation
        The result of :func:`hotspots.evaluate`.

    Returns
    -------
    label : str
        One of :data:`PRACTICE_BANK_LABELS`.
    reason : str
        One sentence tying the label to the numbers.

    Notes
    -----
    A rule of thumb for the authors to confirm, not the College's decision:

    - *worked*: Maryland SMS level 3 or more, the negative binomial DiD's 95%
      interval lies wholly below 1 and the randomisation test agrees
      (p < 0.05);
    - *didn't work*: level 3 or more and the DiD estimate is 1 or above (no
      reduction), or its interval lies wholly above 1;
    - *promising*: a reduction is estimated but one of the conditions for
      *worked* fails (the interval includes 1, the placebo test disagrees, or
      the design is below level 3);
    - *new or innovative*: below level 3 with no reduction estimated: the
      design cannot yet say.

    The College of Policing launched the practice bank in March 2023, labelling
    each intervention "worked", "promising", "new/innovative" or "didn't work"
    (Police Professional, 28 March 2023, "College's new 'practice bank' a 'big
    step' in identifying interventions for policing and crime reduction").
    """
    did = evaluation.did_negative_binomial
    level = evaluation.sms_level
    p = evaluation.randomisation.p_value
    ratio = did.estimate
    change = f"{abs(ratio - 1) * 100:.0f}% {'fewer' if ratio < 1 else 'more'}"
    ci = f"95% CI {did.ci_low:.2f} to {did.ci_high:.2f}"
    robust = level >= ROBUST_LEVEL
    below = math.isfinite(did.ci_high) and did.ci_high < 1
    above = math.isfinite(did.ci_low) and did.ci_low > 1
    agrees = p is not None and p < ALPHA
    if robust and below and agrees:
        return "worked", (
            f"a level-{level} comparison design estimates {change} crimes ({ci}) and "
            f"the randomisation test agrees (p = {p:.3f})."
        )
    if robust and (ratio >= 1 or above):
        return "didn't work", (
            f"a level-{level} comparison design finds no reduction ({change} crimes, "
            f"{ci})."
        )
    if ratio < 1:
        missing = []
        if not robust:
            missing.append(f"the design reaches only SMS level {level}")
        if not below:
            missing.append("the 95% interval includes no change")
        if not agrees:
            missing.append(
                "the randomisation test does not confirm it"
                + (f" (p = {p:.3f})" if p is not None else "")
            )
        return "promising", (
            f"the estimate is {change} crimes ({ci}), but "
            + " and ".join(missing)
            + "."
        )
    return "new or innovative", (
        f"the design reaches only SMS level {level} and estimates no reduction "
        f"({change} crimes, {ci}), so it cannot yet say whether the approach works."
    )
